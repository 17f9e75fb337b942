"""The shared suite run from a tool (mutants, converters, soak, the repository's own tests): one way to run it,
one way to list it.

``run(tree, python)`` is ``python -m pytest shared_tests`` from the top of the repository with IMPL_DIR=tree and
IMPL_PYTHON=python, exactly what a person would run, plus the recorder (harness/recorder.py), which writes
each test's outcome, the first line of its failure and how each program under test ended. ``collect()`` is
pytest's own list of the tests (``--collect-only``). Runs are independent processes and the suite only uses
OS-chosen loopback ports, so several may run at once. Python 2.7 and 3.
"""
import io
import json
import os
import subprocess
import sys
import tempfile
from collections import OrderedDict

from harness.config import REPO
from harness.deadlines import monotonic
from harness.memo import once

CAUGHT = ('failed', 'error')  # the outcomes that mean "this test tells the tree from a faithful port"
RUN_TIMEOUT = 1800            # seconds: a run that takes longer than this has hung, and is an error


class SuiteRun(object):
    """One run of the suite: ``outcomes`` maps a test id (``test_file.py::test_name[param]``) to a dict
    with ``outcome`` (passed, failed, error, skipped, xfailed, xpassed), ``message`` (the first line of the
    failure) and ``ended`` (how each program under test ended, for failures)."""

    def __init__(self, tree, python, returncode, outcomes, seconds, output):
        self.tree = tree
        self.python = python
        self.returncode = returncode
        self.outcomes = outcomes
        self.seconds = seconds
        self.output = output

    def failing(self):
        return [t for t, o in self.outcomes.items() if o['outcome'] in CAUGHT]

    def count(self, *outcomes):
        return len([t for t, o in self.outcomes.items() if o['outcome'] in outcomes])

    def problem(self):
        """Why this run cannot be trusted, or None: pytest itself failed, or no test ran."""
        if self.returncode not in (0, 1):
            return 'pytest exited with status %s (not a test failure: an error of the run itself)' % (
                self.returncode,)
        if not self.outcomes:
            return 'no test ran'
        return None


def environment(tree=None, python=None, harness_timeout=None, base=None):
    """The environment of a suite run: the caller's, with the tree and interpreter under test named."""
    env = dict(os.environ if base is None else base)
    for name, value in (('IMPL_DIR', tree and os.path.abspath(tree)), ('IMPL_PYTHON', python),
                        ('HARNESS_TIMEOUT', harness_timeout is not None and str(harness_timeout))):
        if value:
            env[name] = value
        else:
            env.pop(name, None)
    env.pop('TESTED_ELSEWHERE', None)  # a tool's run is the whole suite
    env['PYTHONDONTWRITEBYTECODE'] = '1'
    return env


def _pytest(pytest_python, args, env, timeout, log=None):
    """Run ``pytest_python -m pytest ARGS`` from the top of the repository; (status, output bytes)."""
    with open(os.devnull, 'rb') as devnull:
        out = log if log is not None else tempfile.TemporaryFile()
        proc = subprocess.Popen([pytest_python, '-m', 'pytest'] + list(args), cwd=REPO, env=env, stdin=devnull,
                                stdout=out, stderr=subprocess.STDOUT)
        status = _wait(proc, timeout)
        if status is None:
            proc.kill()  # the suite's own teardown cannot run now; the programs die with their pipes
            proc.wait()
            out.write(b'\n(killed: the run took longer than %d s)\n' % timeout)
            status = proc.returncode
        out.seek(0)
        output = out.read()
        if log is None:
            out.close()
        return status, output


def _wait(proc, timeout):
    if sys.version_info[0] >= 3:
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
    return proc.wait()  # Python 2: no timeout; the suite's own deadlines bound every test


def run(tree=None, python=None, pytest_python=None, args=('shared_tests',), harness_timeout=None,
        timeout=RUN_TIMEOUT, env=None, log=None):
    """Run the shared suite against ``tree`` with ``python`` (None: the suite's defaults); return a SuiteRun.
    ``args`` go to pytest (default: the whole suite); ``log``, an open binary file, keeps the output."""
    fd, record = tempfile.mkstemp(prefix='suite-', suffix='.json')
    os.close(fd)
    started = monotonic()
    try:
        status, output = _pytest(pytest_python or sys.executable,
                                 ['-p', 'harness.recorder', '--record', record, '-q'] + list(args),
                                 environment(tree, python, harness_timeout, env), timeout, log)
        with io.open(record, encoding='utf-8') as f:
            text = f.read()
        outcomes = json.loads(text, object_pairs_hook=OrderedDict) if text else OrderedDict()
    finally:
        os.remove(record)
    return SuiteRun(tree, python, status, outcomes, monotonic() - started, output.decode('utf-8', 'replace'))


def collect(tree=None, python=None, pytest_python=None, args=('shared_tests',)):
    """pytest's own list of the tests that would run against ``tree``: node ids, in collection order."""
    status, output = _pytest(pytest_python or sys.executable, ['--collect-only', '-q'] + list(args),
                             environment(tree, python), RUN_TIMEOUT)
    text = output.decode('utf-8', 'replace')
    if status != 0:
        raise RuntimeError('pytest --collect-only failed (status %s):\n%s' % (status, text))
    return [line.strip() for line in text.splitlines() if '::' in line and not line.startswith(' ')]


def short_id(nodeid):
    """'shared_tests/test_x.py::test_y[a/b]' -> 'test_x.py::test_y[a/b]'"""
    path, sep, rest = nodeid.partition('::')
    return path.split('/')[-1] + sep + rest


def function_of(test_id):
    """'test_x.py::test_y[z]' -> 'test_x.py::test_y' (the function a parametrized case belongs to)."""
    return test_id.split('[')[0]


def conformance_tests(pytest_python=None):
    """The suite's conformance test functions, as pytest collects them for a tree that is not the
    repository's own (so the repository tests are left out): sorted 'test_file.py::test_name'. Collected
    once per process: the test files do not change while the suite or a tool runs."""
    return list(_conformance_tests(pytest_python))


@once
def _conformance_tests(pytest_python):
    foreign = os.path.join(REPO, 'shared_tests')  # any folder that is none of the repository's trees
    return tuple(sorted(set(function_of(short_id(t)) for t in collect(foreign, pytest_python=pytest_python))))
