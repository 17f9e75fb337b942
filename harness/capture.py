"""Capture: everything read from one file descriptor (a pipe, a pseudo-terminal) by a thread of its own.

Waiters are woken per chunk; ``expect`` moves a cursor past what it waited for; ``nothing_new_within`` is the
bounded wait that shows that nothing arrives. ``show`` writes bytes as a readable literal for messages.
"""
import errno
import os
import threading

from harness.config import QUIET_MS
from harness.deadlines import Deadline, HarnessTimeout, monotonic


def start_daemon(target, name, *args):
    thread = threading.Thread(target=target, name=name, args=args)
    thread.daemon = True
    thread.start()
    return thread


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
        self.thread = start_daemon(self._pump, 'capture-%s' % name)

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
    end = monotonic() + (QUIET_MS if ms is None else ms) / 1000.0
    sizes = []
    for capture in captures:
        with capture.cond:
            sizes.append((capture, len(capture.data)))
    for capture, size in sizes:
        with capture.cond:
            while len(capture.data) == size and not capture.closed:
                remaining = end - monotonic()
                if remaining <= 0:
                    break
                capture.cond.wait(remaining)
            if len(capture.data) != size or capture.closed:
                return False
    return True
