# -*- coding: utf-8 -*-
"""The one place that owns processes, sockets, loopback redirection and deadlines for the shared suite.

Runs on Python 2.7 and 3.6+. Tests never start a program, open a socket or wait on their own; they ask a
``Session`` (the ``session`` fixture in conftest.py), which

* starts every program under test through ``loopback.py`` with the interpreter under test, so that the
  article's ``('', 50007)`` and ``('192.168.1.13', 50007)`` become 127.0.0.1 and an OS-chosen port, and
  refuses to go on unless the program's guard reported itself in place (fail closed);
* waits only for signals (a reported event, bytes on a socket, output, an exit) against a ``Deadline``;
  the only bounded waits are the ``..._within`` checks that something does *not* happen;
* keeps what every program printed and what crossed every harness socket, for the failure message;
* reaps every child at teardown, whatever the test did.

A program's stdio is on pipes or on a pseudo-terminal, redirected as a shell would (``< lines``, ``> log``,
``2> err``, ``2>&1``: see ``Program``). The harness also finds interpreters (``find_python``,
``find_python3``, ``impl_version``) and puts a child in a locale the machine may lack
(``locale_environment``: built with glibc's localedef, once per machine).
"""
from __future__ import print_function

import errno
import fcntl
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import six

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
LAUNCHER = os.path.join(HERE, 'loopback.py')

ARTICLE_HOST = '192.168.1.13'  # the address the article's client connects to; never reached
ARTICLE_PORT = 50007           # the article's port; the guard maps it to an OS-chosen loopback port
LOOPBACK = '127.0.0.1'

EXAMPLES = ('example1_interactive', 'example2_accept_loop')


def _default_impl_dir():
    return os.path.join(REPO, 'py2_original' if six.PY2 else 'py3_port')


IMPL_DIR = os.path.abspath(os.environ.get('IMPL_DIR') or _default_impl_dir())
IMPL_PYTHON = os.environ.get('IMPL_PYTHON') or sys.executable

# How long something that must happen may take, and how long we watch for something that must not.
TIMEOUT = float(os.environ.get('HARNESS_TIMEOUT', '15'))       # seconds
QUIET_MS = int(os.environ.get('HARNESS_QUIET_MS', '300'))      # milliseconds

PROMPT = b'msg to send:'


class HarnessTimeout(AssertionError):
    """Something that must happen did not happen before its deadline."""


class Deadline(object):
    """A point in time, on the monotonic clock, by which something must have happened."""

    def __init__(self, seconds=None):
        self.seconds = TIMEOUT if seconds is None else seconds
        self.end = _monotonic() + self.seconds

    def remaining(self):
        return max(0.0, self.end - _monotonic())

    def expired(self):
        return _monotonic() >= self.end

    def fail(self, what):
        raise HarnessTimeout('%s: not within %.1f s' % (what, self.seconds))


try:
    _monotonic = time.monotonic
except AttributeError:  # Python 2.7
    def _monotonic():
        # os.times()[4] is the elapsed real time since an arbitrary point in the past, and never goes back.
        return os.times()[4]


def _start_daemon(target, name, *args):
    thread = threading.Thread(target=target, name=name, args=args)
    thread.daemon = True
    thread.start()
    return thread


class _FdCloser(object):
    def __init__(self, fd):
        self.fd = fd

    def close(self):
        try:
            os.close(self.fd)
        except OSError:
            pass


def _sigint_as_at_a_terminal():
    """In the child, before the program starts: SIGINT at its default, so that Python installs its
    KeyboardInterrupt handler. A runner started in the background by a non-interactive shell (``cmd &``)
    ignores SIGINT, and a child would inherit that and never see Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _set_nonblocking(fd):
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)


def show(data, limit=2000):
    """Bytes as a readable Python 3 style literal, shortened in the middle if long."""
    text = repr(bytes(data))
    if not text.startswith('b'):
        text = 'b' + text
    if len(text) > limit:
        text = '%s ... (%d bytes) ... %s' % (text[:limit // 2], len(data), text[-limit // 2:])
    return text


class Capture(object):
    """Everything read from one file descriptor by a background thread; waiters are woken per chunk."""

    def __init__(self, fd, name):
        self.fd = fd
        self.name = name
        self.data = bytearray()
        self.closed = False
        self.cursor = 0  # how far expect() has consumed
        self.cond = threading.Condition()
        self.thread = _start_daemon(self._pump, 'capture-%s' % name)

    def _pump(self):
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError as e:
                if e.errno == errno.EINTR:
                    continue
                chunk = b''  # EIO: a pseudo-terminal whose other side has gone
            with self.cond:
                if chunk:
                    self.data.extend(chunk)
                else:
                    self.closed = True
                self.cond.notify_all()
            if not chunk:
                break
        try:
            os.close(self.fd)
        except OSError:
            pass

    def bytes(self):
        with self.cond:
            return bytes(self.data)

    def wait_until(self, predicate, deadline, what):
        """Wait until predicate(data) is true; data is everything captured so far."""
        with self.cond:
            while True:
                result = predicate(bytes(self.data))
                if result:
                    return result
                if self.closed:
                    raise HarnessTimeout('%s: %s ended first' % (what, self.name))
                if deadline.expired():
                    deadline.fail(what)
                self.cond.wait(deadline.remaining())

    def expect(self, needle, deadline=None, what=None):
        """Wait for ``needle`` after the cursor; move the cursor past it; return what came before it."""
        deadline = deadline or Deadline()
        start = self.cursor
        where = self.wait_until(lambda data: data.find(needle, start) + 1, deadline,
                                what or 'expected %s on %s' % (show(needle), self.name)) - 1
        self.cursor = where + len(needle)
        return bytes(self.data[start:where])

    def nothing_new_within(self, ms=None):
        """The bounded wait: True if no byte arrives on this stream within ``ms`` milliseconds."""
        return nothing_new_within([self], ms)

    def wait_closed(self, deadline):
        self.wait_until(lambda data: self.closed, deadline, '%s to be closed' % self.name)
        self.thread.join(deadline.remaining())


def nothing_new_within(captures, ms=None):
    """The bounded wait, on several streams at once: True if none of them gets a byte (or ends) within
    ``ms`` milliseconds (default HARNESS_QUIET_MS)."""
    end = _monotonic() + (QUIET_MS if ms is None else ms) / 1000.0
    sizes = []
    for capture in captures:
        with capture.cond:
            sizes.append((capture, len(capture.data)))
    for capture, size in sizes:
        with capture.cond:
            while len(capture.data) == size and not capture.closed:
                remaining = end - _monotonic()
                if remaining <= 0:
                    break
                capture.cond.wait(remaining)
            if len(capture.data) != size or capture.closed:
                return False
    return True


class Program(object):
    """One program under test, started through the loopback guard.

    Its stdio is on pipes (the default) or on a pseudo-terminal (``tty=True``: stdin, stdout and stderr are
    the terminal, as for a person at a shell). As in a shell, stdin can come from a file (``stdin_path``:
    ``< lines``), stdout can go to a file (``stdout_path``: ``> log``), stderr to a file (``stderr_path``:
    ``2> err``) or to wherever stdout goes (``stderr_to_stdout``: ``2>&1``).

    What can be read: ``terminal`` (everything the terminal shows, echo included), ``stdout`` and ``stderr``
    (Captures of pipes; the terminal's Capture where they are on it; None where they go to a file, read
    those with ``stdout_bytes()`` / ``stderr_bytes()``), and ``screen``: what a person watches (the
    terminal, else stdout).
    """

    def __init__(self, session, example, script, role, python=None, impl_dir=None, tty=False, env=None,
                 args=(), stdin_path=None, stdout_path=None, stderr_path=None, stderr_to_stdout=False,
                 prefix=()):
        self.session = session
        self.prefix = list(prefix)  # a command that runs the interpreter, e.g. no_network_prefix()
        self.example = example
        self.script = script
        self.role = role  # a name for messages: 'server', 'client A', ...
        self.python = python or IMPL_PYTHON
        self.impl_dir = impl_dir or IMPL_DIR
        self.path = os.path.join(self.impl_dir, example, script)
        self.tty = tty
        self.stdin_path = stdin_path
        self.stdout_path = stdout_path
        self.stderr_path = stderr_path
        self.stderr_to_stdout = stderr_to_stdout
        self.events = []
        self.events_cond = threading.Condition()
        self.returncode = None
        self.exited = threading.Event()
        self._start(env or {}, args)

    # -- starting ------------------------------------------------------------------------------------
    def _start(self, extra_env, args):
        if not os.path.isfile(self.path):
            raise AssertionError('no program at %s' % self.path)
        report_path = os.path.join(self.session.tmpdir, 'report-%d' % self.session.next_id())
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(report_path)
        listener.listen(1)
        self.session.closing.append(listener)

        env = child_environment(extra_env)
        env['LOOPBACK_REPORT'] = report_path
        argv = self.prefix + [self.python, LAUNCHER, self.script] + list(args)
        cwd = os.path.dirname(self.path)  # as in the article: cd day5 && python server4.py
        self._spawn(argv, cwd, env)
        self.session.programs.append(self)
        exit_r, self._exit_w = os.pipe()  # written to when the program exits, so select() can wake on it
        self.session.closing.append(_FdCloser(exit_r))
        _start_daemon(self._wait, 'wait-%s' % self.role)

        deadline = Deadline()
        ready, _, _ = select.select([listener, exit_r], [], [], deadline.remaining())
        if listener not in ready:
            self.kill()
            raise HarnessTimeout('%s: the loopback guard did not report (%s); the program is not trusted '
                                 'and did not run' % (self.role, 'it exited' if ready else 'not within %.1f s'
                                                      % deadline.seconds))
        conn, _ = listener.accept()
        listener.close()
        self.session.closing.append(conn)
        _start_daemon(self._read_events, 'events-%s' % self.role, conn)
        self.wait_event('guard', deadline)

    def _spawn(self, argv, cwd, env):
        opened = []  # the parent's copies of the child's ends, closed once the child has them

        def open_file(path, mode):
            f = open(path, mode)
            opened.append(f)
            return f

        preexec = _sigint_as_at_a_terminal
        if self.tty:
            import pty
            import termios
            master, slave = pty.openpty()
            opened.append(_FdCloser(slave))

            def become_session_leader_on_terminal():  # so that Ctrl-C typed on it sends SIGINT
                _sigint_as_at_a_terminal()
                os.setsid()
                fcntl.ioctl([fd for fd in (0, 1, 2) if os.isatty(fd)][0], termios.TIOCSCTTY, 0)

            preexec = become_session_leader_on_terminal
            stdin = stdout = stderr = slave
        else:
            stdin = stdout = stderr = subprocess.PIPE
        if self.stdin_path:
            stdin = open_file(self.stdin_path, 'rb')
        if self.stdout_path:
            stdout = open_file(self.stdout_path, 'wb')
        if self.stderr_to_stdout:
            stderr = subprocess.STDOUT
        elif self.stderr_path:
            stderr = open_file(self.stderr_path, 'wb')
        try:
            self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=stdin, stdout=stdout, stderr=stderr,
                                         close_fds=True, preexec_fn=preexec)
        finally:
            for f in opened:
                f.close()

        def capture(pipe, name):
            if pipe is None:
                return None
            c = Capture(os.dup(pipe.fileno()), '%s %s' % (self.role, name))
            pipe.close()
            return c

        self.terminal = Capture(master, '%s terminal' % self.role) if self.tty else None
        if self.stdin_path:
            self.stdin_fd = None                      # nothing to type: the input is the file
        elif self.tty:
            self.stdin_fd = os.dup(master)
        else:
            self.stdin_fd = os.dup(self.proc.stdin.fileno())
            self.proc.stdin.close()
            _set_nonblocking(self.stdin_fd)
        self.stdout = capture(self.proc.stdout, 'stdout')
        self.stderr = capture(self.proc.stderr, 'stderr')
        if self.tty and not self.stdout_path:
            self.stdout = self.terminal
        if self.tty and not self.stderr_path and not (self.stderr_to_stdout and self.stdout_path):
            self.stderr = self.terminal
        self.screen = self.terminal or self.stdout

    def _wait(self):
        self.returncode = self.proc.wait()
        try:
            os.write(self._exit_w, b'x')
        except OSError:
            pass  # nobody is listening any more
        os.close(self._exit_w)
        self.exited.set()

    def _read_events(self, conn):
        buf = b''
        while True:
            try:
                chunk = conn.recv(4096)
            except socket.error:
                chunk = b''
            buf += chunk
            lines = buf.split(b'\n')
            buf = lines.pop()
            with self.events_cond:
                self.events.extend(l.decode('ascii', 'replace') for l in lines)
                if not chunk:
                    self.events.append('(report closed)')
                self.events_cond.notify_all()
            if not chunk:
                return

    # -- waiting for signals -------------------------------------------------------------------------
    def wait_event(self, kind, deadline=None, count=1):
        """Wait for the count-th event of this kind from the guard; return its words."""
        deadline = deadline or Deadline()
        with self.events_cond:
            while True:
                found = [e for e in self.events if e.split(' ')[0] == kind]
                if len(found) >= count:
                    return found[count - 1].split(' ')
                refused = [e for e in self.events if e.startswith(('refused', 'error'))]
                if refused:
                    raise AssertionError('%s: %s (waiting for %r)' % (self.role, refused[0], kind))
                if self.events and self.events[-1] == '(report closed)':
                    raise HarnessTimeout('%s exited before the event %r' % (self.role, kind))
                if deadline.expired():
                    deadline.fail('%s: event %r' % (self.role, kind))
                self.events_cond.wait(deadline.remaining())

    def event_count(self, kind):
        with self.events_cond:
            return len([e for e in self.events if e.split(' ')[0] == kind])

    @property
    def port(self):
        """The loopback port a server listens on (its bind of ('', 50007), redirected)."""
        return int(self.wait_event('listen')[1])

    @property
    def local_port(self):
        """The local port of a client's connection, as the server prints it in 'Connected by'."""
        return int(self.wait_event('connected')[1])

    def expect(self, needle, deadline=None):
        """Wait for ``needle`` on the screen (the terminal, else stdout); return what came before it."""
        return self.screen.expect(needle, deadline or Deadline(), 'expected %s on %s' % (
            show(needle), self.screen.name))

    def wait_exit(self, deadline=None):
        deadline = deadline or Deadline()
        if not self.exited.wait(deadline.remaining()):
            deadline.fail('%s to exit' % self.role)
        for capture in (self.stdout, self.stderr):
            if capture is not None:
                capture.wait_closed(deadline)
        with self.events_cond:                        # and every event the guard sent has been read
            while not (self.events and self.events[-1] == '(report closed)'):
                if deadline.expired():
                    deadline.fail('%s: the end of its guard report' % self.role)
                self.events_cond.wait(deadline.remaining())
        return self.returncode

    def still_running_after(self, ms=None):
        """The bounded wait: True if the program has not exited within ``ms`` milliseconds."""
        return not self.exited.wait((QUIET_MS if ms is None else ms) / 1000.0)

    # -- acting --------------------------------------------------------------------------------------
    def type(self, data, deadline=None):
        """Give bytes to the program's stdin (on a terminal: as if typed, so b'\\r' is Enter)."""
        deadline = deadline or Deadline()
        if self.stdin_fd is None:
            raise AssertionError('%s: stdin is %s; nothing can be typed' % (
                self.role, 'the file %s' % self.stdin_path if self.stdin_path else 'closed'))
        self.session.typed.append((self.role, data))
        view = memoryview(data)
        while len(view):
            _, ready, _ = select.select([], [self.stdin_fd], [], deadline.remaining())
            if not ready:
                deadline.fail('%s to read %d more typed bytes' % (self.role, len(view)))
            try:
                written = os.write(self.stdin_fd, view)
            except OSError as e:
                if e.errno in (errno.EAGAIN, errno.EINTR):
                    continue
                raise
            view = view[written:]

    def close_stdin(self):
        """End of input: the pipe is closed (on a terminal, type Ctrl-D instead)."""
        if self.terminal is not None:
            raise AssertionError('on a terminal, end of input is typed: type(b"\\x04")')
        if self.stdin_fd is not None:
            os.close(self.stdin_fd)
            self.stdin_fd = None

    def interrupt(self):
        """Ctrl-C. On a terminal it is typed, so the terminal sends SIGINT; on pipes it is sent."""
        if self.terminal is not None:
            self.type(b'\x03')
        else:
            self.signal(signal.SIGINT)

    def signal(self, signum):
        if not self.exited.is_set():
            try:
                self.proc.send_signal(signum)
            except OSError:
                pass

    def kill(self):
        self.signal(signal.SIGKILL)

    def stdout_bytes(self):
        """All stdout so far: from its pipe, the terminal, or the file it was redirected to."""
        if self.stdout is None:
            with open(self.stdout_path, 'rb') as f:
                return f.read()
        return self.stdout.bytes()

    def stderr_bytes(self):
        """All stderr so far: from its pipe, the terminal, or the file it was redirected to."""
        if self.stderr is None:
            path = self.stdout_path if self.stderr_to_stdout else self.stderr_path
            with open(path, 'rb') as f:
                return f.read()
        return self.stderr.bytes()

    def reap(self, deadline):
        if not self.exited.is_set():
            self.kill()
            self.exited.wait(deadline.remaining())
        if self.stdin_fd is not None:
            try:
                os.close(self.stdin_fd)
            except OSError:
                pass
            self.stdin_fd = None

    def transcript(self):
        lines = ['--- %s: %s%s %s (%s) ---' % (self.role, ' '.join(self.prefix + ['']),
                                              os.path.basename(self.python), self.path,
                                              'terminal' if self.tty else 'pipes')]
        lines.append('exit status: %s' % ('still running' if not self.exited.is_set() else self.returncode))
        lines.append('guard events: %s' % '; '.join(self.events))
        if self.terminal is not None:
            lines.append('terminal: %s' % show(self.terminal.bytes()))
        if self.stdout is not self.terminal:
            lines.append('stdout%s: %s' % (' (%s)' % self.stdout_path if self.stdout is None else '',
                                           show(self.stdout_bytes())))
        if self.stderr is not self.terminal and not self.stderr_to_stdout:
            lines.append('stderr%s: %s' % (' (%s)' % self.stderr_path if self.stderr is None else '',
                                           show(self.stderr_bytes())))
        return '\n'.join(lines)


class Peer(object):
    """A socket of the harness's own (a raw client, or the server side of a fake server), logged."""

    def __init__(self, session, sock, role):
        self.session = session
        self.sock = sock
        self.role = role
        self.received = bytearray()
        self.sent = bytearray()
        self.eof = False
        session.closing.append(sock)
        session.peers.append(self)

    def send(self, data):
        self.session.wire.append((self.role, '->', data))
        self.sock.sendall(data)
        self.sent.extend(data)

    def _recv_once(self, deadline, what):
        ready, _, _ = select.select([self.sock], [], [], deadline.remaining())
        if not ready:
            deadline.fail(what)
        try:
            chunk = self.sock.recv(65536)
        except socket.error as e:
            if e.errno in (errno.EAGAIN, errno.EINTR):
                return None
            raise
        if chunk:
            self.session.wire.append((self.role, '<-', chunk))
            self.received.extend(chunk)
        else:
            self.session.note(self.role, '<-', 'EOF')
            self.eof = True
        return chunk

    def recv_exactly(self, n, deadline=None):
        """Read until n more bytes have arrived; return them."""
        deadline = deadline or Deadline()
        start = len(self.received)
        while len(self.received) - start < n:
            if self.eof:
                raise AssertionError('%s: connection closed after %d of %d bytes' % (
                    self.role, len(self.received) - start, n))
            self._recv_once(deadline, '%s to receive %d bytes (got %d)' % (
                self.role, n, len(self.received) - start))
        return bytes(self.received[start:start + n])

    def expect(self, data, deadline=None):
        """Wait for exactly ``data``: a byte more that has already arrived with it is a failure too."""
        start = len(self.received)
        got = self.recv_exactly(len(data), deadline)
        more = bytes(self.received[start + len(data):])
        assert got == data and not more, '%s received %s, expected %s' % (
            self.role, show(got + more), show(data))
        return got

    def expect_eof(self, deadline=None):
        """Wait for the other side to close; bytes arriving first are a failure."""
        deadline = deadline or Deadline()
        start = len(self.received)
        while not self.eof:
            self._recv_once(deadline, '%s: the other side to close' % self.role)
        assert len(self.received) == start, '%s: got %s before end of stream' % (
            self.role, show(self.received[start:]))

    def nothing_arrives_within(self, ms=None):
        """The bounded wait: assert that no byte (and no end of stream) arrives within ``ms`` ms."""
        ms = QUIET_MS if ms is None else ms
        ready, _, _ = select.select([self.sock], [], [], ms / 1000.0)
        if ready:
            chunk = self._recv_once(Deadline(0), 'a read that select promised')
            raise AssertionError('%s: expected nothing within %d ms, got %s' % (
                self.role, ms, show(chunk) if chunk else 'end of stream'))

    def shutdown_write(self):
        self.session.note(self.role, '->', 'FIN (shutdown SHUT_WR)')
        self.sock.shutdown(socket.SHUT_WR)

    def close(self):
        self.session.note(self.role, '->', 'close')
        self.sock.close()

    def reset(self):
        """Close with an RST instead of a FIN (SO_LINGER with a zero timeout)."""
        import struct
        self.session.note(self.role, '->', 'RST (close with SO_LINGER 0)')
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        self.sock.close()


class FakeServer(object):
    """A listening socket of the harness on 127.0.0.1, port chosen by the OS, for a client under test."""

    def __init__(self, session):
        self.session = session
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((LOOPBACK, 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        session.closing.append(self.sock)
        self.accepted = 0

    def accept(self, deadline=None):
        deadline = deadline or Deadline()
        ready, _, _ = select.select([self.sock], [], [], deadline.remaining())
        if not ready:
            deadline.fail('a client to connect to the fake server on port %d' % self.port)
        conn, addr = self.sock.accept()
        self.accepted += 1
        peer = Peer(self.session, conn, 'fake server <-> client port %d' % addr[1])
        peer.port = addr[1]  # the client's port
        return peer


class Note(str):
    """Text in the wire log (as opposed to bytes that crossed the wire)."""


class Session(object):
    """Owns everything a test starts; ``close()`` reaps it all, and ``report()`` describes it."""

    def __init__(self, python=None, impl_dir=None):
        self.python = python or IMPL_PYTHON
        self.impl_dir = impl_dir or IMPL_DIR
        self.tmpdir = tempfile.mkdtemp(prefix='p23-')  # short: AF_UNIX paths are limited to 107 bytes
        self.programs = []
        self.peers = []
        self.closing = []
        self.wire = []
        self.typed = []
        self._ids = 0

    def note(self, who, way, text):
        """A line of the wire log that is not bytes that crossed it: an end of stream, a close, a summary."""
        self.wire.append((who, way, Note(text)))

    def next_id(self):
        self._ids += 1
        return self._ids

    # -- programs ------------------------------------------------------------------------------------
    def server(self, example, role='server', **kwargs):
        """Start the example's server and wait until it listens."""
        kwargs.setdefault('python', self.python)
        kwargs.setdefault('impl_dir', self.impl_dir)
        program = Program(self, example, 'server4.py', role, **kwargs)
        program.wait_event('listen')
        return program

    def client(self, example, port, role='client', connected=True, **kwargs):
        """Start the example's client, its 192.168.1.13:50007 redirected to 127.0.0.1:port."""
        env = dict(kwargs.pop('env', None) or {})
        env['LOOPBACK_CONNECT'] = '%s:%d=%s:%d' % (ARTICLE_HOST, ARTICLE_PORT, LOOPBACK, port)
        kwargs.setdefault('python', self.python)
        kwargs.setdefault('impl_dir', self.impl_dir)
        program = Program(self, example, 'client4.py', role, env=env, **kwargs)
        if connected:
            program.wait_event('connected')
        return program

    # -- sockets of the harness ----------------------------------------------------------------------
    def connect(self, port, role='raw client'):
        sock = socket.create_connection((LOOPBACK, port), timeout=TIMEOUT)
        sock.settimeout(None)
        peer = Peer(self, sock, '%s (port %d)' % (role, sock.getsockname()[1]))
        peer.port = sock.getsockname()[1]
        return peer

    def fake_server(self):
        return FakeServer(self)

    def client_with_fake_server(self, example, role='client', **kwargs):
        """Start the example's client against a fake server; return the client and the fake's end."""
        fake = FakeServer(self)
        client = self.client(example, fake.port, role=role, **kwargs)
        return client, fake.accept()

    # -- the end -------------------------------------------------------------------------------------
    def report(self):
        # Every part is ASCII text: bytes are shown as literals (show()), so the report joins on Python 2 as
        # on 3, whatever the programs printed or the wire carried.
        parts = [p.transcript() for p in self.programs]
        if self.typed:
            parts.append('--- typed ---\n' + '\n'.join('%s: %s' % (who, show(d)) for who, d in self.typed))
        if self.wire:
            parts.append('--- wire (harness sockets) ---\n' + '\n'.join(
                '%s %s %s' % (who, way, d if isinstance(d, Note) else show(d)) for who, way, d in self.wire))
        return '\n'.join(parts)

    def close(self):
        deadline = Deadline()
        for program in self.programs:
            program.reap(deadline)
        leftover = [p.role for p in self.programs if not p.exited.is_set()]
        for sock in self.closing:
            try:
                sock.close()
            except socket.error:
                pass
        shutil.rmtree(self.tmpdir, ignore_errors=True)
        if leftover:
            raise AssertionError('could not reap: %s' % ', '.join(leftover))


def tcp_sockets():
    """The kernel's TCP sockets, from /proc/net/tcp and tcp6 (Linux): (local address as /proc writes it, in
    hex, local port, remote port, state in hex: '01' established, '08' close-wait, '0A' listen ..., inode)."""
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except IOError:
            continue
        for row in rows:
            fields = row.split()
            local_address, local_port = fields[1].rsplit(':', 1)
            yield local_address, int(local_port, 16), int(fields[2].rsplit(':', 1)[1], 16), fields[3], fields[9]


def tcp_states(local_port, remote_port):
    """The states of the kernel's TCP sockets from this local port to this remote port."""
    return [state for _, lport, rport, state, _ in tcp_sockets() if (lport, rport) == (local_port, remote_port)]


_NO_NETWORK = []


def no_network_prefix():
    """A command prefix that runs a program in a network namespace of its own that has only loopback, so
    that no packet can leave the machine even should the loopback guard fail: ``unshare --net`` as root, else
    in a user namespace; [] where this machine can do neither (no unshare(1) or ip(8), no permission). For the
    tests that try to leave loopback on purpose. unshare(1) and sh exec the program, so its process id,
    signals and exit status are the program's own."""
    if not _NO_NETWORK:
        found = []
        lo_up = ['sh', '-c', 'ip link set lo up && exec "$@"', 'loopback-only']
        for unshare in (['unshare', '--net', '--'], ['unshare', '--user', '--map-root-user', '--net', '--']):
            try:
                with open(os.devnull, 'w') as devnull:
                    if subprocess.call(unshare + lo_up + ['true'], stdout=devnull, stderr=devnull) == 0:
                        found = unshare + lo_up
                        break
            except OSError:
                break  # no unshare(1)
        _NO_NETWORK.append(found)
    return _NO_NETWORK[0]


def poll_until(predicate, deadline, what, interval=0.005):
    """Look again every few milliseconds until ``predicate()`` is true, or fail at the deadline.

    Only for what nothing announces: a reset reaching a socket that another process owns, say. It is not a
    sleep standing in for an event; there is no event to wait for."""
    while not predicate():
        if deadline.expired():
            deadline.fail(what)
        time.sleep(min(interval, deadline.remaining()))


def wait_socket_gone(local_port, remote_port, deadline=None):
    """Wait until the kernel has no socket from local_port to remote_port any more (e.g. a reset closed it).
    The other end may linger (a killed server's end waits in TIME-WAIT); this looks at one end only."""
    poll_until(lambda: not tcp_states(local_port, remote_port), deadline or Deadline(),
               'the socket from port %d to port %d to be gone (states: %s)'
               % (local_port, remote_port, tcp_states(local_port, remote_port)))


_FOUND = {}


def find_python(version):
    """The path of a working Python ``version`` ('2.7', '3.12'), or None.

    Looked for as $PYTHON<digits> (PYTHON27, PYTHON312), then ``python<version>`` on PATH, then in pyenv's
    versions; a candidate counts only if it runs and says it is that version (a pyenv shim for a version
    that is not selected does not).
    """
    if version in _FOUND:
        return _FOUND[version]
    candidates = [os.environ.get('PYTHON' + version.replace('.', ''))]
    for folder in os.environ.get('PATH', '').split(os.pathsep):
        candidates.append(os.path.join(folder, 'python' + version))
    pyenv_root = os.environ.get('PYENV_ROOT') or os.path.expanduser('~/.pyenv')
    versions = os.path.join(pyenv_root, 'versions')
    if os.path.isdir(versions):
        for name in sorted(os.listdir(versions), reverse=True):
            if name == version or name.startswith(version + '.'):
                candidates.append(os.path.join(versions, name, 'bin', 'python' + version))
    found = None
    for path in candidates:
        if not path or not os.access(path, os.X_OK):
            continue
        try:
            with open(os.devnull, 'w') as devnull:
                said = subprocess.check_output(
                    [path, '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], stderr=devnull)
        except (OSError, subprocess.CalledProcessError):
            continue
        if said.decode('ascii', 'replace').strip() == version:
            found = path
            break
    _FOUND[version] = found
    return found


PY3_VERSIONS = ('3.13', '3.12', '3.11', '3.10', '3.9', '3.8', '3.7', '3.6')


def find_python3():
    """A Python 3 to run the port with when the suite itself runs on Python 2: $PYTHON3, else the newest."""
    given = os.environ.get('PYTHON3')
    if given and python_version(given)[0] == 3:
        return given
    for version in PY3_VERSIONS:
        path = find_python(version)
        if path:
            return path
    return None


_VERSIONS = {}


def python_version(python):
    """(major, minor) of an interpreter, asked once; (0, 0) if it does not run."""
    if python not in _VERSIONS:
        probe = 'import sys; print("%d %d" % sys.version_info[:2])'
        try:
            with open(os.devnull, 'w') as devnull:
                said = subprocess.check_output([python, '-c', probe], stderr=devnull)
            _VERSIONS[python] = tuple(int(n) for n in said.split())
        except (OSError, subprocess.CalledProcessError):
            _VERSIONS[python] = (0, 0)
    return _VERSIONS[python]


def impl_version():
    """(major, minor) of the interpreter under test, IMPL_PYTHON (not necessarily the one running pytest)."""
    return python_version(IMPL_PYTHON)


def in_ci():
    """CI sets CI=1: there, what the suite needs and cannot find is a failure, not a skip."""
    return bool(os.environ.get('CI'))


class Unavailable(Exception):
    """Something a test needs (an interpreter, a locale) is not on this machine; the message says why."""


# The terminal encodings the suite types in: locale -> (glibc source, charmap, the codeset Python then sees).
LOCALES = {
    'C.UTF-8': ('C', 'UTF-8', 'UTF-8'),
    'C': (None, None, 'ANSI_X3.4-1968'),
    'zh_CN.GBK': ('zh_CN', 'GBK', 'GBK'),
    'en_US.ISO-8859-1': ('en_US', 'ISO-8859-1', 'ISO-8859-1'),
}
_LOCALE_ENVS = {}


def locale_environment(name):
    """The environment variables that run a child in locale ``name`` (one of LOCALES).

    A locale the system lacks is built once per machine with glibc's ``localedef`` into a cache folder of
    this user's, passed on as LOCPATH. Raises Unavailable if that cannot be done.
    """
    if name not in _LOCALE_ENVS:
        source, charmap, codeset = LOCALES[name]
        env = {'LC_ALL': name}
        if _codeset(env) != codeset:
            cache = os.path.join(tempfile.gettempdir(), 'p23-locales-%d' % os.getuid())
            env['LOCPATH'] = cache
            if _codeset(env) != codeset:
                _build_locale(cache, name, source, charmap)
            if _codeset(env) != codeset:
                raise Unavailable('locale %s: not installed, and localedef could not build it' % name)
        _LOCALE_ENVS[name] = env
    return dict(_LOCALE_ENVS[name])


def _codeset(env):
    probe = 'import locale; locale.setlocale(locale.LC_ALL, ""); print(locale.nl_langinfo(locale.CODESET))'
    full = dict(os.environ)
    full.pop('LOCPATH', None)
    full.update(env)
    try:
        with open(os.devnull, 'w') as devnull:
            return subprocess.check_output([sys.executable, '-c', probe], env=full,
                                           stderr=devnull).decode('ascii', 'replace').strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def _build_locale(cache, name, source, charmap):
    """localedef into a fresh folder, then rename it into the cache: safe when tests build it at once."""
    if not os.path.isdir(cache):
        try:
            os.makedirs(cache)
        except OSError:
            pass  # another process made it
    work = tempfile.mkdtemp(prefix='build-', dir=cache)
    try:
        with open(os.devnull, 'w') as devnull:
            subprocess.call(['localedef', '-i', source, '-f', charmap, os.path.join(work, name)],
                            stdout=devnull, stderr=devnull)
        os.rename(os.path.join(work, name), os.path.join(cache, name))
    except OSError:
        pass  # no localedef, or another process got there first; the caller checks the result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def child_environment(extra=None):
    """The environment of a program under test: the caller's, without what changes Python's stdio."""
    env = dict(os.environ)
    for name in ('PYTHONUNBUFFERED', 'PYTHONIOENCODING', 'PYTHONWARNINGS', 'PYTHONSTARTUP',
                 'PYTHONINSPECT', 'PYTHONDEVMODE', 'PYTHONUTF8', 'PYTHONLEGACYWINDOWSSTDIO',
                 'PYTHON_COLORS', 'FORCE_COLOR', 'NO_COLOR', 'LOCPATH'):
        env.pop(name, None)
    env['LC_ALL'] = 'C.UTF-8'  # a UTF-8 terminal, unless a test says otherwise
    env['TERM'] = 'dumb'       # a terminal without colours: Python 3.13 colours tracebacks on any other
    env['PYTHONDONTWRITEBYTECODE'] = '1'
    env.update(extra or {})
    return env
