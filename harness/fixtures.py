"""The suite's pytest fixtures and hooks: which trees run, the session fixture, the failure report.

shared_tests/conftest.py imports everything here; a test of the harness itself can load it as a plugin
(``python -m pytest -p harness.fixtures``).

Tests marked ``repository`` are about this repository (provenance, ledger, docs); they are deselected when
IMPL_DIR names a tree that is not one of the repository's own, so ``IMPL_DIR=path/to/port python -m pytest
shared_tests`` runs only the conformance tests.

TESTED_ELSEWHERE names markers whose tests this run leaves to another env of the tox matrix (tox.ini): the
``repository`` tests that depend on the interpreter running pytest (the README's interfaces, the failure
report) run in py27 and py313, those of the repository's files alone (``repository_text``) in py313; the
``launcher`` tests (harness/loopback.py, whatever the tree) once per interpreter; ``client_twin``, example 2's
case of a test of the client alone, only where the tree is not the repository's own (test_repository_twins.py
shows that in these trees it is example 1's program).
"""
import os

import pytest

from harness.config import EX1, EX2, IMPL_DIR, IMPL_PYTHON, ORIGINAL, PORT, REPO, Unavailable, in_ci, is_own_tree
from harness.interpreters import dotted, find_python, find_python3, impl_version, python_version
from harness.locales import locale_environment
from harness.session import Session

__all__ = ['Implementation', 'need', 'oracle', 'ported', 'under_test', 'locale_env', 'session', 'session_of',
           'markers_left_out', 'pytest_addoption', 'pytest_configure', 'pytest_report_header',
           'pytest_collection_modifyitems', 'pytest_runtest_makereport', 'pytest_xdist_auto_num_workers',
           'pytest_cmdline_main']

# For a test of the client alone: example 1's client and example 2's. In the repository's own trees example 2's
# client is example 1's program but for comments (test_repository_twins.py), so tox leaves its case out there
# (client_twin in TESTED_ELSEWHERE); a tree of your own runs both.
each_client = pytest.mark.parametrize('example', [EX1, pytest.param(EX2, marks=pytest.mark.client_twin)])


class Implementation(object):
    """A tree and the interpreter that runs it, for the tests that run two of them side by side."""

    def __init__(self, label, python, tree):
        self.label, self.python, self.tree = label, python, tree

    @property
    def runs(self):
        """The keyword arguments that make Session.server()/client() start this implementation."""
        return {'python': self.python, 'impl_dir': self.tree}

    @property
    def version(self):
        return python_version(self.python)

    def __repr__(self):
        return '%s (%s on %s)' % (self.label, os.path.relpath(self.tree, REPO), self.python)


def need(value, reason):
    """``value`` if it is there; else skip with ``reason``, or fail when CI is set."""
    if value:
        return value
    if in_ci():
        pytest.fail('%s, and CI is set: a missing prerequisite is a failure here' % reason)
    pytest.skip(reason)


@pytest.fixture
def oracle():
    """The Python 2 original on Python 2.7: what every port must match."""
    return Implementation('the Python 2 original', need(find_python('2.7'), 'no Python 2.7 found'),
                          ORIGINAL)


@pytest.fixture
def under_test():
    """The tree under test on the interpreter under test."""
    original = os.path.realpath(IMPL_DIR) == os.path.realpath(ORIGINAL)
    return Implementation('the Python 2 original' if original else 'the tree under test', IMPL_PYTHON, IMPL_DIR)


@pytest.fixture
def ported():
    """The port: the tree under test, or py3_port on a Python 3 when that tree is the original."""
    if os.path.realpath(IMPL_DIR) != os.path.realpath(ORIGINAL):
        return Implementation('the port under test', IMPL_PYTHON, IMPL_DIR)
    return Implementation('the Python 3 port', need(find_python3(), 'no Python 3 found'),
                          PORT)


@pytest.fixture
def locale_env():
    """locale_env('zh_CN.GBK') -> the environment variables for that locale (built if need be), or skip."""
    def get(name):
        try:
            return locale_environment(name)
        except Unavailable as e:
            return need(None, str(e))
    return get


@pytest.fixture
def session(request):
    """Starts programs and sockets for one test; reaps them all, whatever happens."""
    s = Session()
    request.node.harness_session = s
    try:
        yield s
    finally:
        s.close()


def session_of(item):
    """The harness session of a test item, or None (for the report hook and the suite's recorder)."""
    return getattr(item, 'harness_session', None)


def pytest_addoption(parser):
    parser.addoption('--write-original-records', action='store_true', default=False,
                     help="write the original's record of each differential scenario to "
                          "shared_tests/original_records/ (the tree under test must be py2_original)")


def pytest_configure(config):
    config.addinivalue_line('markers', 'repository: a test of this repository, not of the tree under test')
    config.addinivalue_line('markers', 'repository_text: a repository test of its files alone (ledger, provenance, '
                                       'generated docs, variants), the same on every interpreter')
    config.addinivalue_line('markers', 'launcher: a test of the loopback launcher, whatever the tree under test')
    config.addinivalue_line('markers', "client_twin: example 2's case of a test of the client alone, which is "
                                       "example 1's program in the repository's trees (test_repository_twins.py)")


def tested_elsewhere():
    return [m for m in os.environ.get('TESTED_ELSEWHERE', '').split(',') if m]


def pytest_report_header(config):
    return 'tree under test: %s\ninterpreter under test: %s (Python %s)%s' % (
        IMPL_DIR, IMPL_PYTHON, dotted(impl_version()),
        '\ntested in another env of the matrix: %s (TESTED_ELSEWHERE)' % ', '.join(tested_elsewhere())
        if tested_elsewhere() else '')


def markers_left_out(tree, elsewhere):
    """The markers whose tests this run leaves out: those tested elsewhere, but ``client_twin`` only in the
    repository's own trees; and ``repository`` where the tree is not one of them."""
    if not is_own_tree(tree):
        return [m for m in elsewhere if m != 'client_twin'] + ['repository']
    return list(elsewhere)


def pytest_collection_modifyitems(config, items):
    markers = markers_left_out(IMPL_DIR, tested_elsewhere())
    deselected = [item for item in items if any(item.get_closest_marker(m) for m in markers)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]


def auto_workers():
    """``-n auto``: one and a half workers a CPU (3 on 2 CPUs). Close to half of the suite's wall time is
    named quiet waits, in which a worker uses no CPU; a third worker fills them for about 0.25 s of CPU (its
    start and collection), a fourth costs more than it fills (docs/performance.md)."""
    if hasattr(os, 'sched_getaffinity'):
        cpus = len(os.sched_getaffinity(0))
    else:
        import multiprocessing
        cpus = multiprocessing.cpu_count()
    return cpus + (cpus + 1) // 2


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    """How xdist 2.1+ asks (Python 3). PYTEST_XDIST_AUTO_NUM_WORKERS, when set, is xdist's to apply."""
    if os.environ.get('PYTEST_XDIST_AUTO_NUM_WORKERS'):
        return None
    return auto_workers()


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """xdist 1.34 (Python 2.7) has no such hook: it reads ``-n auto`` as an AutoInt of the CPU count, which
    this replaces before xdist's own pytest_cmdline_main turns it into workers."""
    workers = getattr(config.option, 'numprocesses', None)
    if type(workers).__name__ == 'AutoInt':
        config.option.numprocesses = type(workers)(auto_workers())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    s = session_of(item)
    if s is not None and report.failed and call.when in ('call', 'setup'):
        report.sections.append(('what the programs printed and what crossed the wire', s.report()))
        report.user_properties.append(('programs', s.endings()))  # for harness/recorder.py
