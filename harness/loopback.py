"""Run a program unmodified, with its sockets confined to loopback.

    python loopback.py SCRIPT [ARG ...]

The article's programs bind ('', 50007) and connect to ('192.168.1.13', 50007). This launcher runs such a
script in the same interpreter (Python 2.7 or 3.x), after replacing ``socket.socket`` with a class that

* rewrites addresses from outside:  ``bind`` to '' / 0.0.0.0 becomes 127.0.0.1 on port LOOPBACK_BIND_PORT
  (default 0: the OS chooses), and ``connect`` to an address named in LOOPBACK_CONNECT goes where it says;
* refuses, before any packet is sent, every bind, connect, connect_ex, sendto or sendmsg whose address is
  not a literal 127.0.0.0/8 or ::1 address, raising ``socket.error`` (OSError) with ENETUNREACH; names are
  refused too, even 'localhost', and so is every look-up that could ask a name server (getaddrinfo,
  gethostbyname, gethostbyname_ex, gethostbyaddr, getnameinfo of anything but a literal address);
* guards every socket object a script can get from the socket module: made by ``socket.socket``, returned by
  ``accept()``, ``dup()``, ``fromfd()``, ``create_connection()`` (Python 2 builds the first three from a
  class of its own, ``socket._socketobject``, which is replaced too); a socket that listens without a bind
  is bound to loopback first, not left on every interface;
* reports what it did, one line per event, to the harness over the AF_UNIX stream socket LOOPBACK_REPORT.

It fails closed: without LOOPBACK_REPORT, or if the report socket cannot be reached, the script is not run
and the exit status is 70. The first line the harness receives is ``guard <pid>``, written only once the
guard is in place; the harness does not trust a process that has not said it.

Environment:
    LOOPBACK_REPORT     path of the harness's AF_UNIX listening socket (required)
    LOOPBACK_CONNECT    "HOST:PORT=127.0.0.1:PORT[,...]" connect redirections (optional)
    LOOPBACK_BIND_PORT  port that binds to the wildcard address get (optional, default 0)
    LOOPBACK_TERMINAL   "1": make the terminal on stdio the controlling terminal of the program's session
                        (the harness starts it in a session of its own), so that a Ctrl-C typed there sends
                        SIGINT, as at a person's shell

Like a person's interactive shell, it also starts the script with Ctrl-C as KeyboardInterrupt: a runner started
in the background by a non-interactive shell (``cmd &``) ignores SIGINT, and its children would inherit that.

Events (space separated, one per line): ``guard PID``, ``bind HOST PORT -> HOST PORT``, ``listen PORT``,
``accepting`` (blocked in accept()), ``accept PEERHOST PEERPORT``, ``connect HOST PORT -> HOST PORT``, ``connected LOCALPORT``,
``refused VERB HOST PORT`` (VERB: bind, connect, sendto, sendmsg, resolve), ``error VERB ERRNO``.

What it is not: a sandbox against a program that tries to escape it (``import _socket``, ctypes, a child
process). It confines honest programs and mistaken ports; the second wall is CI's network namespace, in which
only loopback exists (see docs/reliability.md).
"""
import errno
import os
import signal
import socket
import sys
import types

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


def main(argv):
    if len(argv) < 2:
        sys.stderr.write('usage: loopback.py SCRIPT [ARG ...]\n')
        return 2
    path = os.environ.get('LOOPBACK_REPORT')
    if not path:
        sys.stderr.write('loopback.py: LOOPBACK_REPORT is not set; refusing to run %s unguarded\n' % argv[1])
        return EXIT_NOT_GUARDED
    try:
        reporter = Reporter(path, socket.socket)
        guarded = install(reporter, parse_connect_map(os.environ.get('LOOPBACK_CONNECT')),
                          int(os.environ.get('LOOPBACK_BIND_PORT') or 0))
    except Exception as e:  # any failure to guard means: do not run
        sys.stderr.write('loopback.py: cannot put the loopback guard in place (%s); refusing to run %s\n'
                         % (e, argv[1]))
        return EXIT_NOT_GUARDED
    if socket.socket is not guarded:
        return EXIT_NOT_GUARDED
    reporter.say('guard', os.getpid())
    as_at_a_shell(os.environ.get('LOOPBACK_TERMINAL') == '1')

    script = argv[1]
    sys.argv = argv[1:]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    with open(script, 'rb') as f:
        code = compile(f.read(), script, 'exec', 0, True)
    # The script gets a fresh __main__, as with ``python SCRIPT``. This module stays alive under another
    # name: Python 2 empties a module's globals when the module object dies.
    sys.modules['_loopback_launcher'] = sys.modules['__main__']
    main_module = types.ModuleType('__main__')
    main_module.__file__ = script
    sys.modules['__main__'] = main_module
    sys.excepthook = excepthook_without_launcher
    exec(code, main_module.__dict__)
    return None


def as_at_a_shell(terminal):
    """Ctrl-C raises KeyboardInterrupt, as when Python starts with SIGINT at its default; with ``terminal``,
    the first of stdin, stdout, stderr that is a terminal becomes the session's controlling terminal."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if terminal:
        import fcntl
        import termios
        fcntl.ioctl([fd for fd in (0, 1, 2) if os.isatty(fd)][0], termios.TIOCSCTTY, 0)


def excepthook_without_launcher(etype, value, tb):
    """Show the traceback as ``python SCRIPT`` would: without this launcher's frames."""
    while tb is not None and tb.tb_frame.f_globals is LAUNCHER_GLOBALS:
        tb = tb.tb_next
    if hasattr(value, '__traceback__'):
        value.__traceback__ = tb  # Python 3 prints the exception's own traceback, not the argument
    sys.__excepthook__(etype, value, tb)


LAUNCHER_GLOBALS = globals()

if __name__ == '__main__':
    status = main(sys.argv)
    if status is not None:
        sys.exit(status)
