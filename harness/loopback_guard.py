"""The loopback guard: ``socket.socket`` and the name look-ups replaced so that nothing leaves 127.0.0.0/8 or ::1.

A module of its own, imported by the launcher (harness/loopback.py, which says what it does), so that each
interpreter reads it compiled (harness/programs.py compiles it once) instead of compiling it at every start.
"""
import errno
import socket
import sys

EXIT_NOT_GUARDED = 70  # EX_SOFTWARE: the guard could not be put in place, so the script did not run
WILDCARD_HOSTS = ('', '0.0.0.0')  # the addresses that mean "every interface" for AF_INET


def is_loopback(host):
    """True only for literal 127.0.0.0/8 and ::1 addresses; names (even 'localhost') are refused."""
    try:
        packed = socket.inet_pton(socket.AF_INET, host)
        return packed[:1] == b'\x7f'
    except (socket.error, TypeError, ValueError):
        pass
    try:
        return socket.inet_pton(socket.AF_INET6, host) == socket.inet_pton(socket.AF_INET6, '::1')
    except (socket.error, TypeError, ValueError):
        return False


def parse_connect_map(text):
    """'192.168.1.13:50007=127.0.0.1:4242,...' -> {('192.168.1.13', 50007): ('127.0.0.1', 4242)}"""
    result = {}
    for item in filter(None, (text or '').split(',')):
        source, target = item.split('=')
        shost, sport = source.rsplit(':', 1)
        thost, tport = target.rsplit(':', 1)
        if not is_loopback(thost):
            raise ValueError('LOOPBACK_CONNECT target %r is not loopback' % target)
        result[(shost, int(sport))] = (thost, int(tport))
    return result


class Reporter(object):
    def __init__(self, path, real_socket_class):
        self.sock = real_socket_class(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)

    def say(self, *words):
        line = ' '.join(str(w) for w in words) + '\n'
        try:
            self.sock.sendall(line.encode('ascii', 'backslashreplace'))
        except socket.error:
            pass  # the harness has gone away; the guard itself keeps working


def install(reporter, connect_map, bind_port):
    RealSocket = socket.socket

    def refuse(verb, address):
        host, port = address[0], address[1]
        reporter.say('refused', verb, host or "''", port)
        raise socket.error(errno.ENETUNREACH,
                           'loopback guard: refusing to %s %r; only 127.0.0.0/8 and ::1 are allowed'
                           % (verb, address))

    def is_literal(host):
        """True for a numeric IPv4 or IPv6 address: looking it up asks no name server."""
        for family in (socket.AF_INET, socket.AF_INET6):
            try:
                socket.inet_pton(family, host)
                return True
            except (socket.error, TypeError, ValueError):
                pass
        return False

    def as_text(host):
        if isinstance(host, bytes) and str is not bytes:  # Python 3 takes bytes names too
            return host.decode('ascii', 'replace')
        return host

    def guard_lookup(name, allowed, where=lambda args: (args[0], 0)):
        """Replace socket.NAME by a function that refuses unless allowed(host, args, kwargs)."""
        real = getattr(socket, name)

        def lookup(*args, **kwargs):
            host, port = where(args)
            if not allowed(as_text(host), args, kwargs):
                refuse('resolve', (as_text(host), port))
            if name == 'getaddrinfo' and host:  # a literal address: AI_NUMERICHOST makes sure it is only parsed
                if 'flags' in kwargs or len(args) < 6 and kwargs:
                    kwargs['flags'] = kwargs.get('flags', 0) | socket.AI_NUMERICHOST
                else:  # Python 2 takes no keywords: host, port, family, type, proto, flags
                    args = tuple(args[:5]) + (0,) * (5 - len(args[:5])) + (
                        (args[5] if len(args) > 5 else 0) | socket.AI_NUMERICHOST,)
            return real(*args, **kwargs)
        lookup.__name__ = name
        lookup.__doc__ = real.__doc__
        setattr(socket, name, lookup)

    def getaddrinfo_allowed(host, args, kwargs):
        # None and '' are the local wildcard or loopback; a literal address is parsed, not looked up
        return host is None or host == '' or is_literal(host)

    def getnameinfo_allowed(host, args, kwargs):
        flags = args[1] if len(args) > 1 else kwargs.get('flags', 0)
        return is_loopback(host) or bool(flags & socket.NI_NUMERICHOST)

    def check(family, verb, address):
        if family not in (socket.AF_INET, socket.AF_INET6):
            refuse(verb, (str(address), 0))
        if not isinstance(address, tuple) or not is_loopback(address[0]):
            refuse(verb, address if isinstance(address, tuple) else (str(address), 0))
        return address

    def redirect(address):
        if isinstance(address, tuple) and (address[0], address[1]) in connect_map:
            target = connect_map[(address[0], address[1])]
            reporter.say('connect', address[0], address[1], '->', target[0], target[1])
            return target
        return address

    class LoopbackSocket(RealSocket):
        """socket.socket, but every address must be loopback (after the redirections)."""

        if sys.version_info[0] == 2:
            def __init__(self, *args, **kwargs):
                RealSocket.__init__(self, *args, **kwargs)
                real = self._sock  # Python 2 delegates sendto per instance, to the C socket in _sock

                def sendto(data, *rest):  # refers to the C socket, not to self: no reference cycle, so
                    check(real.family, 'sendto', redirect(rest[-1]))  # the socket still closes when its
                    return real.sendto(data, *rest)                    # last reference goes, as before
                self.sendto = sendto

        def _check(self, verb, address):
            return check(self.family, verb, address)

        def bind(self, address):
            requested = address
            if self.family == socket.AF_INET and isinstance(address, tuple) and address[0] in WILDCARD_HOSTS:
                address = ('127.0.0.1', bind_port)
            self._check('bind', address)
            RealSocket.bind(self, address)
            actual = self.getsockname()
            reporter.say('bind', requested[0] or "''", requested[1], '->', actual[0], actual[1])

        def listen(self, *args):
            if self.family in (socket.AF_INET, socket.AF_INET6) and self.getsockname()[1] == 0:
                # listen() on an unbound socket would bind it to every interface: bind it here first
                self.bind(('', bind_port) if self.family == socket.AF_INET else ('::1', bind_port))
            RealSocket.listen(self, *args)
            reporter.say('listen', self.getsockname()[1])

        def accept(self):
            reporter.say('accepting')
            conn, addr = RealSocket.accept(self)
            reporter.say('accept', addr[0], addr[1])
            return conn, addr

        def connect(self, address):
            address = self._check('connect', redirect(address))
            try:
                RealSocket.connect(self, address)
            except socket.error as e:
                reporter.say('error', 'connect', e.args[0])
                raise
            reporter.say('connected', self.getsockname()[1])

        def connect_ex(self, address):
            address = self._check('connect', redirect(address))
            return RealSocket.connect_ex(self, address)

        if sys.version_info[0] >= 3:
            def sendto(self, data, *rest):  # rest: [flags,] address
                self._check('sendto', redirect(rest[-1]))
                return RealSocket.sendto(self, data, *rest)

        if hasattr(RealSocket, 'sendmsg'):
            def sendmsg(self, buffers, *rest):  # rest: ancdata, flags, address
                if len(rest) >= 3 and rest[2] is not None:
                    self._check('sendmsg', redirect(rest[2]))
                return RealSocket.sendmsg(self, buffers, *rest)

    socket.socket = LoopbackSocket
    socket.SocketType = LoopbackSocket
    if sys.version_info[0] == 2:
        # Python 2's accept() and dup() build their result from the module's _socketobject, and fromfd()
        # returns a bare _socket.socket: all three would be unguarded.
        import _socket
        socket._socketobject = LoopbackSocket

        def fromfd(fd, family, type, proto=0):
            return LoopbackSocket(_sock=_socket.fromfd(fd, family, type, proto))
        socket.fromfd = fromfd
    guard_lookup('getaddrinfo', getaddrinfo_allowed, lambda args: (args[0], args[1] if len(args) > 1 else 0))
    guard_lookup('gethostbyname', lambda host, args, kwargs: is_literal(host))
    guard_lookup('gethostbyname_ex', lambda host, args, kwargs: is_loopback(host))  # it looks the address up
    guard_lookup('gethostbyaddr', lambda host, args, kwargs: is_loopback(host))     # a reverse look-up
    guard_lookup('getnameinfo', getnameinfo_allowed, lambda args: tuple(args[0])[:2])
    return LoopbackSocket
