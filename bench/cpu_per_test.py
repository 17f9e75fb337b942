"""The harness's own CPU against the programs', test by test: a pytest plugin.

    python -m pytest -n 0 -p bench.cpu_per_test shared_tests        # writes build/cpu-per-test.txt

Around each test it takes getrusage of this process (pytest and the harness's threads: spawning, capturing,
waiting) and of its reaped children (the programs under test and the probes; the harness reaps each one with
wait4). Run it with ``-n 0``: xdist's workers are other processes. The first line is the whole run, then one
line per test: self CPU s, children CPU s, wall s, test id. CPU_PER_TEST names another output file.
"""
import os
import resource
import time

import pytest

import harness

ROWS = []


def _cpu(who):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    own, children, started = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN), time.time()
    yield
    ROWS.append((_cpu(resource.RUSAGE_SELF) - own, _cpu(resource.RUSAGE_CHILDREN) - children,
                 time.time() - started, item.nodeid))


def pytest_sessionfinish(session):
    path = os.environ.get('CPU_PER_TEST') or os.path.join(harness.REPO, 'build', 'cpu-per-test.txt')
    if not os.path.isdir(os.path.dirname(path)):
        os.makedirs(os.path.dirname(path))
    with open(path, 'w') as f:
        f.write('run: self %.3f children %.3f; in the tests: self %.3f children %.3f wall %.3f, %d tests\n' % (
            _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN), sum(r[0] for r in ROWS),
            sum(r[1] for r in ROWS), sum(r[2] for r in ROWS), len(ROWS)))
        for row in ROWS:
            f.write('%.4f %.4f %.3f %s\n' % row)
