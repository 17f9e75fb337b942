"""Program: one program under test, started unmodified through the loopback launcher (harness/launch.py), and
driven: its guard's events, its output, typing into its stdin or terminal, Ctrl-C, its exit.

It refuses to go on unless the program's guard reported itself in place (fail closed), and waits only for
signals (a guard event, output, an exit) against a ``Deadline``.
"""
import errno
import fcntl
import os
import select
import signal
import socket
import threading

from harness.capture import Capture, show, start_daemon
from harness.config import IMPL_DIR, IMPL_PYTHON, LAUNCHER, QUIET_MS
from harness.deadlines import Deadline, HarnessTimeout, poll_until
from harness.kernel import asleep_in_a_system_call, in_syscall, syscalls_visible, threads_of
from harness.launch import child_environment, compile_launcher, start, wait_for
from harness.terminals import Terminal


class _FdCloser(object):
    def __init__(self, fd):
        self.fd = fd

    def close(self):
        try:
            os.close(self.fd)
        except OSError:
            pass


def _set_nonblocking(fd):
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)


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
        self.cpu_seconds = None  # user + system CPU of the program, once it has exited
        self.held = None         # its terminal (harness/terminals.py), if it runs on one
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

        compile_launcher(self.python)
        env = child_environment(extra_env)
        env['LOOPBACK_REPORT'] = report_path
        cwd = os.path.dirname(self.path)  # as in the article: cd day5 && python server4.py
        argv = self.prefix + [self.python, LAUNCHER, self.script] + list(args)
        self._spawn(argv, cwd, env)
        self.session.programs.append(self)
        exit_r, self._exit_w = os.pipe()  # written to when the program exits, so select() can wake on it
        self.session.closing.append(_FdCloser(exit_r))
        start_daemon(self._wait, 'wait-%s' % self.role)

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
        start_daemon(self._read_events, 'events-%s' % self.role, conn)
        self.wait_event('guard', deadline)

    def _spawn(self, argv, cwd, env):
        if self.tty:
            self.held = Terminal()        # the harness holds the slave too, until the program is done
        try:
            self.proc = start(argv, cwd, env, self.held.slave if self.tty else None, self.stdin_path,
                              self.stdout_path, self.stderr_path, self.stderr_to_stdout)
        except Exception:
            if self.held is not None:
                self.held.close()
            raise
        master = self.held.master if self.tty else None

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
        """Reap the program and wake whoever waits for it."""
        self.returncode, self.cpu_seconds = wait_for(self.proc.pid)
        self.proc.returncode = self.returncode
        if self.held is not None:
            self.held.release()
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

    def wait_blocked_in(self, names, what, deadline=None):
        """Wait until the program is inside one of the system calls ``names`` (harness.kernel): what nothing
        announces, looked at every few milliseconds. Where the machine does not tell, return at once."""
        if not syscalls_visible():
            return
        deadline = deadline or Deadline()

        def there():
            if self.exited.is_set():
                raise AssertionError('%s exited while waiting %s' % (self.role, what))
            return in_syscall(self.proc.pid, *names)
        poll_until(there, deadline, '%s: %s' % (self.role, what))

    def wait_in_accept(self, count=1, deadline=None):
        """Wait until a server has begun its count-th accept() and is blocked in it: a Ctrl-C then stops it
        there, with the same frames on every run (the guard's 'accepting' event comes just before the call)."""
        deadline = deadline or Deadline()
        self.wait_event('accepting', deadline, count)
        self.wait_blocked_in(('accept', 'accept4'), 'in accept() #%d' % count, deadline)

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

    def interrupt(self, deadline=None):
        """Ctrl-C, once the program waits (asleep in a system call: at a prompt, in accept()), as a person
        types it. On a terminal it is typed, so the terminal sends SIGINT and echoes '^C' (before the
        program's answer: harness/terminals.py); on pipes SIGINT is sent.

        Until it sleeps, a Ctrl-C can come too early: Python 2.7 has printed the prompt but not yet called
        read(); its handler notes the signal, and read() then waits on as if nothing had been typed."""
        deadline = deadline or Deadline()
        self._wait_asleep(deadline, 'the Ctrl-C')
        if self.terminal is not None:
            self.held.type_signal_character(self, b'\x03', deadline)
        else:
            self.signal(signal.SIGINT)

    def interrupt_by_signal(self, deadline=None):
        """SIGINT sent to the process, as ``kill -INT PID`` sends it, once it waits in a system call; on a
        terminal nothing is echoed. For a program with threads (example 3's server): a person's Ctrl-C goes to
        the running process, whose main thread takes it; typed as ``interrupt()`` types it, with the process
        stopped (harness/terminals.py), it would be taken by whichever thread runs first when it continues,
        and Python 2.7 breaks off a handler's recv() with EINTR when that is not the main thread."""
        self._wait_asleep(deadline or Deadline(), 'SIGINT')
        self.signal(signal.SIGINT)

    def _wait_asleep(self, deadline, what):
        poll_until(lambda: self.exited.is_set() or asleep_in_a_system_call(self.proc.pid), deadline,
                   '%s to wait (asleep in a system call) for %s' % (self.role, what))

    def wait_for_threads(self, count, deadline=None):
        """Wait until the program has ``count`` threads (harness.kernel: /proc), e.g. the threaded server's
        main thread alone once every client has left: what nothing announces, looked at every few ms."""
        poll_until(lambda: threads_of(self.proc.pid) == count, deadline or Deadline(),
                   '%s to have %d threads' % (self.role, count))

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
        if self.held is not None:
            self.held.close()  # released already, unless the program could not be reaped
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
