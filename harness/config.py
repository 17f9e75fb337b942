# -*- coding: utf-8 -*-
"""What is under test and the article's constants: the trees, the examples, the addresses, how long to wait.

IMPL_DIR     the tree under test (default: py2_original when the interpreter under test is Python 2, else
             py3_port)
IMPL_PYTHON  the interpreter under test (default: the one running this)
HARNESS_TIMEOUT, HARNESS_QUIET_MS
             how long something that must happen may take (s), how long the suite watches for something that
             must not happen (ms)
CI           when set, what a test needs and cannot find (an interpreter, a locale) fails instead of skipping
"""
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAUNCHER = os.path.join(REPO, 'harness', 'loopback.py')

# The repository's own trees: the article's listings, the Python 3 port, the Python 2/3 single source.
ORIGINAL = os.path.join(REPO, 'py2_original')
PORT = os.path.join(REPO, 'py3_port')
STRADDLE = os.path.join(REPO, 'py23_six')
OWN_TREES = (ORIGINAL, PORT, STRADDLE)

EX1 = 'example1_interactive'   # server4.py serves one client, then exits
EX2 = 'example2_accept_loop'   # server4.py accepts in a loop, one client at a time
EXAMPLES = (EX1, EX2)                     # the article's two
EX3 = 'example3_threaded'      # not the article's: its conclusion, a server with a thread per client (SocketServer)
PRINTS = {EX1: b'revc: ', EX2: b'Received ', EX3: b'Received '}  # what each server prints before a received chunk

ARTICLE_HOST = '192.168.1.13'  # the address the article's client connects to; never reached
ARTICLE_PORT = 50007           # the article's port; the guard maps it to an OS-chosen loopback port
LOOPBACK = '127.0.0.1'
PROMPT = b'msg to send:'

IMPL_PYTHON = os.environ.get('IMPL_PYTHON') or sys.executable

TIMEOUT = float(os.environ.get('HARNESS_TIMEOUT', '15'))       # seconds
QUIET_MS = int(os.environ.get('HARNESS_QUIET_MS', '300'))      # milliseconds


def _default_impl_dir():
    """The original for a Python 2 under test, the port for a Python 3: decided by IMPL_PYTHON."""
    if IMPL_PYTHON == sys.executable:
        major = sys.version_info[0]
    else:
        from harness.interpreters import python_version
        major = python_version(IMPL_PYTHON)[0]
    return ORIGINAL if major == 2 else PORT


IMPL_DIR = os.path.abspath(os.environ.get('IMPL_DIR') or _default_impl_dir())


def is_own_tree(tree):
    return os.path.realpath(tree) in [os.path.realpath(t) for t in OWN_TREES]


def in_ci():
    """CI sets CI=1: there, what the suite needs and cannot find is a failure, not a skip."""
    return bool(os.environ.get('CI'))


class Unavailable(Exception):
    """Something a test needs (an interpreter, a locale) is not on this machine; the message says why."""
