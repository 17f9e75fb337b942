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
        end = _monotonic() + (QUIET_MS if ms is None else ms) / 1000.0
        with self.cond:
            size = len(self.data)
            while len(self.data) == size and not self.closed:
                remaining = end - _monotonic()
                if remaining <= 0:
                    return True
                self.cond.wait(remaining)
            return False

    def wait_closed(self, deadline):
        self.wait_until(lambda data: self.closed, deadline, '%s to be closed' % self.name)
        self.thread.join(deadline.remaining())


class Program(object):
    """One program under test, started through the loopback guard; stdio on pipes or on a terminal."""

    def __init__(self, session, example, script, role, python=None, impl_dir=None, tty=False, env=None,
                 args=(), stdout_path=None):
        self.session = session
        self.example = example
        self.script = script
        self.role = role  # a name for messages: 'server', 'client A', ...
        self.python = python or IMPL_PYTHON
        self.impl_dir = impl_dir or IMPL_DIR
        self.path = os.path.join(self.impl_dir, example, script)
        self.tty = tty
        self.stdout_path = stdout_path
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
        argv = [self.python, LAUNCHER, self.script] + list(args)
        cwd = os.path.dirname(self.path)  # as in the article: cd day5 && python server4.py
        if self.tty:
            self._spawn_on_terminal(argv, cwd, env)
        else:
            self._spawn_on_pipes(argv, cwd, env)
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

    def _spawn_on_pipes(self, argv, cwd, env):
        stdout = subprocess.PIPE
        if self.stdout_path:
            stdout = open(self.stdout_path, 'wb')
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=stdout,
                                     stderr=subprocess.PIPE, close_fds=True, preexec_fn=_sigint_as_at_a_terminal)
        if self.stdout_path:
            stdout.close()
            self.stdout = None
        else:
            self.stdout = Capture(os.dup(self.proc.stdout.fileno()), '%s stdout' % self.role)
            self.proc.stdout.close()
        self.stderr = Capture(os.dup(self.proc.stderr.fileno()), '%s stderr' % self.role)
        self.proc.stderr.close()
        self.stdin_fd = os.dup(self.proc.stdin.fileno())
        self.proc.stdin.close()
        _set_nonblocking(self.stdin_fd)
        self.terminal = None

    def _spawn_on_terminal(self, argv, cwd, env):
        import pty
        import termios
        master, slave = pty.openpty()

        def become_session_leader_on_terminal():
            _sigint_as_at_a_terminal()
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        env.setdefault('TERM', 'dumb')
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave,
                                     close_fds=True, preexec_fn=become_session_leader_on_terminal)
        os.close(slave)
        self.terminal = Capture(master, '%s terminal' % self.role)
        self.stdout = self.stderr = self.terminal
        self.stdin_fd = os.dup(master)

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
        return self.stdout.expect(needle, deadline or Deadline(), 'expected %s on %s' % (
            show(needle), self.stdout.name))

    def wait_exit(self, deadline=None):
        deadline = deadline or Deadline()
        if not self.exited.wait(deadline.remaining()):
            deadline.fail('%s to exit' % self.role)
        for capture in (self.stdout, self.stderr):
            if capture is not None:
                capture.wait_closed(deadline)
        return self.returncode

    def still_running_after(self, ms=None):
        """The bounded wait: True if the program has not exited within ``ms`` milliseconds."""
        return not self.exited.wait((QUIET_MS if ms is None else ms) / 1000.0)

    # -- acting --------------------------------------------------------------------------------------
    def type(self, data, deadline=None):
        """Give bytes to the program's stdin (on a terminal: as if typed, so b'\\r' is Enter)."""
        deadline = deadline or Deadline()
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
        if self.stdout is None:
            with open(self.stdout_path, 'rb') as f:  # stdout went to a file
                return f.read()
        return self.stdout.bytes()

    def stderr_bytes(self):
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
        lines = ['--- %s: %s %s (%s) ---' % (self.role, os.path.basename(self.python), self.path,
                                            'terminal' if self.tty else 'pipes')]
        lines.append('exit status: %s' % ('still running' if not self.exited.is_set() else self.returncode))
        lines.append('guard events: %s' % '; '.join(self.events))
        if self.terminal is not None:
            lines.append('terminal: %s' % show(self.terminal.bytes()))
        else:
            lines.append('stdout: %s' % show(self.stdout_bytes()))
            lines.append('stderr: %s' % show(self.stderr.bytes()))
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
            self.session.wire.append((self.role, '<-', 'EOF'))
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
        got = self.recv_exactly(len(data), deadline)
        assert got == data, '%s received %s, expected %s' % (self.role, show(got), show(data))
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
        self.session.wire.append((self.role, '->', 'FIN (shutdown SHUT_WR)'))
        self.sock.shutdown(socket.SHUT_WR)

    def close(self):
        self.session.wire.append((self.role, '->', 'close'))
        self.sock.close()

    def reset(self):
        """Close with an RST instead of a FIN (SO_LINGER with a zero timeout)."""
        import struct
        self.session.wire.append((self.role, '->', 'RST (close with SO_LINGER 0)'))
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
        return Peer(self.session, conn, 'fake server <-> client port %d' % addr[1])


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

    # -- the end -------------------------------------------------------------------------------------
    def report(self):
        parts = [p.transcript() for p in self.programs]
        if self.typed:
            parts.append('--- typed ---\n' + '\n'.join('%s: %s' % (who, show(d)) for who, d in self.typed))
        if self.wire:
            parts.append('--- wire (harness sockets) ---\n' + '\n'.join(
                '%s %s %s' % (who, way, d if isinstance(d, str) else show(d)) for who, way, d in self.wire))
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


def child_environment(extra=None):
    """The environment of a program under test: the caller's, without what changes Python's stdio."""
    env = dict(os.environ)
    for name in ('PYTHONUNBUFFERED', 'PYTHONIOENCODING', 'PYTHONWARNINGS', 'PYTHONSTARTUP',
                 'PYTHONINSPECT', 'PYTHONDEVMODE', 'PYTHONUTF8', 'PYTHONLEGACYWINDOWSSTDIO'):
        env.pop(name, None)
    env['LC_ALL'] = 'C.UTF-8'  # a UTF-8 terminal, unless a test says otherwise
    env['PYTHONDONTWRITEBYTECODE'] = '1'
    env.update(extra or {})
    return env
