"""pytest wiring for the shared suite: which tree is under test, the session fixture, failure transcripts.

IMPL_DIR     the tree to test (default: py2_original on Python 2, py3_port on Python 3)
IMPL_PYTHON  the interpreter that runs it (default: the one running pytest)

Tests marked ``repository`` are about this repository itself (provenance, docs); they are deselected when
IMPL_DIR names any other tree, so ``IMPL_DIR=path/to/port python -m pytest shared_tests`` runs only the
conformance tests.
"""
import os
import sys

import pytest

import harness

OWN_TREES = [os.path.join(harness.REPO, name) for name in ('py2_original', 'py3_port')]


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
