# -*- coding: utf-8 -*-
"""The machinery of the shared suite, the tools and the benchmarks: one package, one concern a module.

    config          what is under test (IMPL_DIR, IMPL_PYTHON), the trees, the examples, the article's constants
    deadlines       Deadline, HarnessTimeout, poll_until: waiting for signals, never sleeping for them
    memo            once(): a value computed once a process (interpreters, locales, namespaces)
    capture         Capture: what a pipe or a terminal gave; nothing_new_within; show(): bytes for messages
    terminals       Terminal: a program's pseudo-terminal, and a Ctrl-C typed so that its echo stays in place
    launch          how a program starts: python loopback.py SCRIPT with subprocess.Popen, stdio as a shell
                    redirects it, its environment; reaping it
    programs        Program: a program under test, driven: its guard's events, output, typing, Ctrl-C, its exit
    sockets         Peer, FakeServer: the harness's own sockets, every byte logged
    session         Session: owns what a test starts, reaps it, reports it
    interpreters    find_python, python_version, impl_version
    locales         locale_environment: a child in a locale the machine may lack
    kernel          the kernel's TCP socket table and system calls; a process's threads and sockets; network
                    namespaces with only loopback
    story           the article's two demonstrations and example 3's, written once
    differences     what may differ between Python 2 and 3: the ledger's "what cannot be kept", as rules
    suite           the shared suite run from a tool: one run, one outcome per test; pytest's own test list
    recorder        the pytest plugin that writes each test's outcome for suite (``--record``)
    fixtures        the pytest fixtures and hooks (shared_tests/conftest.py imports them)
    loopback.py     the launcher, a script that is not imported: the article's addresses confined to loopback
    loopback_main   what the launcher does: guard, then run the script as ``python SCRIPT`` runs it
    loopback_guard  the guard: the socket module's sockets, confined to loopback, reporting to the harness

Everything runs from the top of the repository with ``python -m`` (``python -m pytest``, ``python -m
tools.demo``, ``python -m bench.run``): ``-m`` puts the current folder first on sys.path, which is what makes
this package importable; nothing else edits sys.path. Runs on Python 2.7 and 3.6+.

The names below are the ones tests and tools use; each module says more.
"""
from harness.capture import Capture, nothing_new_within, show
from harness.config import (ARTICLE_HOST, ARTICLE_PORT, EX1, EX2, EX3, EXAMPLES, IMPL_DIR, IMPL_PYTHON, LAUNCHER,
                            LOOPBACK, ORIGINAL, OWN_TREES, PORT, PRINTS, PROMPT, QUIET_MS, REPO, STRADDLE,
                            TIMEOUT, Unavailable, in_ci, is_own_tree)
from harness.deadlines import Deadline, HarnessTimeout, monotonic, poll_until
from harness.interpreters import dotted, find_python, find_python3, impl_version, python_version
from harness.kernel import no_network_prefix, sockets_of, tcp_sockets, tcp_states, threads_of, wait_socket_gone
from harness.locales import LOCALES, locale_environment
from harness.launch import child_environment
from harness.programs import Program
from harness.session import Session
from harness.sockets import FakeServer, Peer
