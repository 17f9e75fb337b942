"""The harness's side of a program's pseudo-terminal: held open until the program is done, and a Ctrl-C typed
so that its echo stands where it was typed.

Facts of Linux's n_tty this rests on (drivers/tty/n_tty.c, pty.c):

* on the INTR character, ``n_tty_receive_signal_char`` sends the signal first (``isig``) and records the
  echo after it; the echo is written at the end of that input (``flush_echoes``), so a program that gets the
  CPU first prints its traceback before the ``^C``. ``isig`` also discards output on its way to the master
  (``pty_flush_buffer``);
* with ECHOCTL, ``^C`` is two writes, '^' and 'C';
* when the last holder of the slave closes it, the master's reader gets EIO once its buffer is empty, even
  while the kernel is between those two writes.

So the harness holds the slave itself until the program has exited and the terminal has echoed what was
typed (``release``), and types a signal character while the terminal's foreground group is stopped
(``type_signal_character``): the program sees the signal exactly as without the pause, after its echo.
"""
import fcntl
import os
import pty
import select
import signal
import threading

from harness.capture import show
from harness.deadlines import poll_until


def input_waiting(fd):
    """True if there is something to read on fd, without reading it. On a terminal, poll() first waits for
    the kernel's worker to finish with the input on its way (n_tty_poll() -> tty_buffer_flush_work(), when
    nothing is there yet): False then also means that what was typed has been taken in and echoed."""
    return bool(select.select([fd], [], [], 0)[0])


def signal_group(group, signum):
    try:
        os.killpg(group, signum)
    except OSError:
        pass  # it has gone: a signal at its default can end a stopped program


class Terminal(object):
    """A pseudo-terminal for one program: ``master`` for the harness, ``slave`` for the program's stdio, held
    by the harness too until ``release``."""

    def __init__(self):
        self.master, self.slave = pty.openpty()
        flags = fcntl.fcntl(self.slave, fcntl.F_GETFD)
        fcntl.fcntl(self.slave, fcntl.F_SETFD, flags | fcntl.FD_CLOEXEC)
        self.lock = threading.Lock()

    def release(self):
        """Once the program has exited: let the terminal finish echoing what was typed, then let it go, so
        that the terminal's Capture reads everything up to the end (EIO) and ends there."""
        with self.lock:
            if self.slave is None:
                return
            try:
                while input_waiting(self.slave) and os.read(self.slave, 65536):
                    pass  # typed, never read by the program: not on the screen
            except OSError:
                pass
            self._close()

    def close(self):
        with self.lock:
            self._close()

    def _close(self):
        if self.slave is not None:
            try:
                os.close(self.slave)
            except OSError:
                pass
            self.slave = None

    def foreground_group(self, typing_fd):
        """The process group the terminal signals, or None (asked on the master side, as a terminal emulator
        does)."""
        try:
            group = os.tcgetpgrp(typing_fd)
        except (OSError, TypeError):
            return None
        return group if group > 0 and group != os.getpgrp() else None

    def type_signal_character(self, program, char, deadline):
        """Type a character that makes the terminal signal the program (Ctrl-C) so that its echo stands where
        it was typed, before anything the program prints in answer: the foreground group is stopped while
        the harness reads all the program wrote (isig() would discard it), types the character and waits
        until the terminal has taken it in; then it is continued."""
        with self.lock:
            group = self.foreground_group(program.stdin_fd)
            if self.slave is None or group is None:
                program.type(char, deadline)       # nobody to signal: the program has gone
                return
            signal_group(group, signal.SIGSTOP)
            try:
                self._read_all_written(program, deadline)
                program.type(char, deadline)
                poll_until(lambda: not input_waiting(self.slave), deadline,
                           '%s: the terminal to take in the typed %s' % (program.role, show(char)))
            finally:
                signal_group(group, signal.SIGCONT)

    def _read_all_written(self, program, deadline):
        """Wait until the terminal has nothing more for the harness to read: what the program wrote has
        reached the terminal's Capture."""
        capture = program.terminal
        while True:
            with capture.cond:
                size = len(capture.data)
            if not input_waiting(program.stdin_fd):
                return
            capture.wait_until(lambda data: len(data) > size, deadline,
                               '%s: the harness to read what is on the terminal' % program.role)
