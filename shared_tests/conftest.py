"""pytest wiring for the shared suite: which tree is under test, the session fixture, failure transcripts.

IMPL_DIR     the tree to test (default: py2_original on Python 2, py3_port on Python 3)
IMPL_PYTHON  the interpreter that runs it (default: the one running pytest)
CI           when set, what a test needs and cannot find (an interpreter, a locale) fails instead of skipping
PYTHON27, PYTHON3
             the interpreters of the differential and interop tests (default: found on PATH and in pyenv)

Tests marked ``repository`` are about this repository itself (provenance, docs); they are deselected when
IMPL_DIR names any other tree, so ``IMPL_DIR=path/to/port python -m pytest shared_tests`` runs only the
conformance tests.
"""
import os
import sys

import pytest

import harness

ORIGINAL = os.path.join(harness.REPO, 'py2_original')
PORT = os.path.join(harness.REPO, 'py3_port')
OWN_TREES = [ORIGINAL, PORT]


class Implementation(object):
    """A tree and the interpreter that runs it, for the tests that run two of them side by side."""

    def __init__(self, label, python, tree):
        self.label, self.python, self.tree = label, python, tree

    @property
    def runs(self):
        """The keyword arguments that make Session.server()/client() start this implementation."""
        return {'python': self.python, 'impl_dir': self.tree}

    def __repr__(self):
        return '%s (%s on %s)' % (self.label, os.path.relpath(self.tree, harness.REPO), self.python)


def need(value, reason):
    """``value`` if it is there; else skip with ``reason``, or fail when CI is set."""
    if value:
        return value
    if harness.in_ci():
        pytest.fail('%s, and CI is set: a missing prerequisite is a failure here' % reason)
    pytest.skip(reason)


@pytest.fixture
def oracle():
    """The Python 2 original on Python 2.7: what every port must match."""
    return Implementation('the Python 2 original', need(harness.find_python('2.7'), 'no Python 2.7 found'),
                          ORIGINAL)


@pytest.fixture
def ported():
    """The Python 3 port: the tree under test, or py3_port on a Python 3 when that tree is the original."""
    if os.path.realpath(harness.IMPL_DIR) != os.path.realpath(ORIGINAL):
        return Implementation('the port under test', harness.IMPL_PYTHON, harness.IMPL_DIR)
    return Implementation('the Python 3 port', need(harness.find_python3(), 'no Python 3 found'), PORT)


@pytest.fixture
def locale_env():
    """locale_env('zh_CN.GBK') -> the environment variables for that locale (built if need be), or skip."""
    def get(name):
        try:
            return harness.locale_environment(name)
        except harness.Unavailable as e:
            return need(None, str(e))
    return get


def pytest_configure(config):
    config.addinivalue_line('markers', 'repository: a test of this repository, not of the tree under test')


def pytest_report_header(config):
    return 'tree under test: %s\ninterpreter under test: %s' % (harness.IMPL_DIR, harness.IMPL_PYTHON)


def pytest_collection_modifyitems(config, items):
    if os.path.realpath(harness.IMPL_DIR) in [os.path.realpath(t) for t in OWN_TREES]:
        return
    foreign = [item for item in items if item.get_closest_marker('repository') is None]
    deselected = [item for item in items if item.get_closest_marker('repository') is not None]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = foreign


@pytest.fixture
def session(request):
    """Starts programs and sockets for one test; reaps them all, whatever happens."""
    s = harness.Session()
    request.node._harness_session = s
    try:
        yield s
    finally:
        s.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    s = getattr(item, '_harness_session', None)
    if s is not None and report.failed and call.when in ('call', 'setup'):
        report.sections.append(('what the programs printed and what crossed the wire', s.report()))
