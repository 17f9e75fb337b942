"""Waiting for signals against a deadline, never sleeping for them.

A ``Deadline`` is a point on the monotonic clock by which something must have happened; missing it raises
``HarnessTimeout``. ``poll_until`` is for what nothing announces (a reset reaching another process's socket).
"""
import os
import time

from harness.config import TIMEOUT


class HarnessTimeout(AssertionError):
    """Something that must happen did not happen before its deadline."""


try:
    monotonic = time.monotonic
except AttributeError:  # Python 2.7
    def monotonic():
        # os.times()[4] is the elapsed real time since an arbitrary point in the past, and never goes back.
        return os.times()[4]


class Deadline(object):
    """A point in time, on the monotonic clock, by which something must have happened."""

    def __init__(self, seconds=None):
        self.seconds = TIMEOUT if seconds is None else seconds
        self.end = monotonic() + self.seconds

    def remaining(self):
        return max(0.0, self.end - monotonic())

    def expired(self):
        return monotonic() >= self.end

    def fail(self, what):
        raise HarnessTimeout('%s: not within %.1f s' % (what, self.seconds))


def poll_until(predicate, deadline, what, interval=0.005):
    """Look again every few milliseconds until ``predicate()`` is true, or fail at the deadline.

    Only for what nothing announces: a reset reaching a socket that another process owns, say. It is not a
    sleep standing in for an event; there is no event to wait for."""
    while not predicate():
        if deadline.expired():
            deadline.fail(what)
        time.sleep(min(interval, deadline.remaining()))
