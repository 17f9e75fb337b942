"""Run the shared suite against a tree and tell, test by test, what passed and what failed.

    python tools/suite_against.py TREE [--python PY] [--json OUT] [-- PYTEST_ARGS ...]

TREE is a tree with the four programs at the same paths as py3_port; PY is the interpreter that runs them
(default: the one running this script, which must have pytest and six). The suite is run as
``python -m pytest shared_tests`` from the top of this repository, with IMPL_DIR=TREE and IMPL_PYTHON=PY,
so it is exactly what a person would run; a recorder plugin notes each test's outcome, the first line of
its failure and how each program under test ended. Runs are independent processes and the suite only
uses OS-chosen loopback ports, so several may run at once.

This is the machinery of ``tox -e mutants`` (tools/mutants.py) and ``tox -e converters``
(tools/converters.py). ``conformance_tests()`` lists the suite's tests without running anything; the
repository test that keeps the generated tables in step with the suite uses it too, so this module runs on
Python 2.7 as well as 3.6+.
"""
from __future__ import print_function

import argparse
import ast
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import OrderedDict

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_TESTS = os.path.join(REPO, 'shared_tests')
CAUGHT = ('failed', 'error')  # the outcomes that mean "this test tells the tree from a faithful port"
RUN_TIMEOUT = 1800            # seconds: a run that takes longer than this has hung, and is an error

# Runs pytest in the child with the recorder registered; no PYTHONPATH, so nothing leaks into the programs.
_BOOT = '\n'.join([
    'import sys',
    'sys.path.insert(0, %r)' % os.path.dirname(os.path.abspath(__file__)),
    'import pytest, suite_against',
    'out = sys.argv.pop(1)',
    'del sys.path[0]',
    'sys.exit(pytest.main(sys.argv[1:], plugins=[suite_against.Recorder(out)]))',
])


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

    def problem(self):
        """Why this run cannot be trusted, or None: pytest itself failed, or no test ran."""
        if self.returncode not in (0, 1):
            return 'pytest exited with status %s (not a test failure: an error of the run itself)' % (
                self.returncode,)
        if not self.outcomes:
            return 'no test ran'
        return None


def run_suite(tree, python=None, pytest_python=None, pytest_args=(), harness_timeout=None, timeout=RUN_TIMEOUT):
    """Run the shared suite against ``tree`` with ``python``; return a SuiteRun. (Python 3 only.)
    ``harness_timeout``, if given, is the suite's HARNESS_TIMEOUT: how long a test waits for what must
    happen."""
    python = python or sys.executable
    pytest_python = pytest_python or sys.executable
    fd, out = tempfile.mkstemp(prefix='suite-', suffix='.json')
    os.close(fd)
    run_env = dict(os.environ)
    if harness_timeout is not None:
        run_env['HARNESS_TIMEOUT'] = str(harness_timeout)
    run_env['IMPL_DIR'] = os.path.abspath(tree)
    run_env['IMPL_PYTHON'] = python
    run_env['PYTHONDONTWRITEBYTECODE'] = '1'
    argv = [pytest_python, '-c', _BOOT, out, '-q', 'shared_tests'] + list(pytest_args)
    start = time.time()
    try:
        proc = subprocess.Popen(argv, cwd=REPO, env=run_env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            output = proc.communicate(timeout=timeout)[0]
        except subprocess.TimeoutExpired:
            proc.kill()  # the suite's own teardown cannot run now; the programs die with their pipes
            output = proc.communicate()[0] + b'\n(killed: the run took longer than %d s)\n' % timeout
        with io.open(out, encoding='utf-8') as f:
            text = f.read()
        outcomes = json.loads(text, object_pairs_hook=OrderedDict) if text else OrderedDict()
    finally:
        os.remove(out)
    return SuiteRun(tree, python, proc.returncode, outcomes, time.time() - start,
                    output.decode('utf-8', 'replace'))


def short_id(nodeid):
    """'shared_tests/test_x.py::test_y[a/b]' -> 'test_x.py::test_y[a/b]'"""
    path, sep, rest = nodeid.partition('::')
    return path.split('/')[-1] + sep + rest


def function_of(test_id):
    """'test_x.py::test_y[z]' -> 'test_x.py::test_y' (the function a parametrized case belongs to)."""
    return test_id.split('[')[0]


def conformance_tests(folder=SHARED_TESTS):
    """The suite's conformance test functions, found by reading the test files (nothing is imported or run):
    sorted ids 'test_file.py::test_name' (or '::TestClass::test_name'), leaving out tests marked
    ``repository``. Functions defined under an ``if`` (one per interpreter) are included."""
    found = set()
    for name in sorted(os.listdir(folder)):
        if not (name.startswith('test_') and name.endswith('.py')):
            continue
        with io.open(os.path.join(folder, name), 'rb') as f:
            tree = ast.parse(f.read(), name)
        if any(_assigns(node, 'pytestmark') and _marks_repository(node.value) for node in tree.body):
            continue
        for prefix, node in _definitions(tree.body, name):
            if isinstance(node, ast.ClassDef) and node.name.startswith('Test'):
                if not any(_marks_repository(d) for d in node.decorator_list):
                    for inner_prefix, inner in _definitions(node.body, '%s::%s' % (name, node.name)):
                        if _is_test(inner):
                            found.add('%s::%s' % (inner_prefix, inner.name))
            elif _is_test(node):
                found.add('%s::%s' % (prefix, node.name))
    return sorted(found)


def test_file_areas(folder=SHARED_TESTS):
    """{test file: the first line of its docstring}, for the test files that hold conformance tests."""
    files = OrderedDict((t.split('::')[0], None) for t in conformance_tests(folder))
    for name in files:
        with io.open(os.path.join(folder, name), 'rb') as f:
            doc = ast.get_docstring(ast.parse(f.read(), name)) or name
        files[name] = doc.strip().splitlines()[0].rstrip('.')
    return files


def _definitions(body, prefix):
    for node in body:
        if isinstance(node, ast.If):
            for found in _definitions(node.body + node.orelse, prefix):
                yield found
        else:
            yield prefix, node


def _is_test(node):
    return (isinstance(node, ast.FunctionDef) and node.name.startswith('test')
            and not any(_marks_repository(d) for d in node.decorator_list))


def _assigns(node, name):
    return isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)


def _marks_repository(expr):
    return any(isinstance(n, ast.Attribute) and n.attr == 'repository' for n in ast.walk(expr))


def check_against_suite(runs, folder=SHARED_TESTS):
    """The tests that ran must be exactly the conformance tests the files define (but for tests defined for
    another interpreter only); returns a list of problems, empty when the reading and the runs agree."""
    defined = set(conformance_tests(folder))
    problems = []
    for run in runs:
        ran = set(function_of(t) for t in run.outcomes)
        for test in sorted(ran - defined):
            problems.append('%s ran %s, which reading the test files did not find (is it marked '
                            'repository in a way conformance_tests() does not see?)' % (run.tree, test))
    everywhere = set.union(*[set(function_of(t) for t in r.outcomes) for r in runs]) if runs else set()
    for test in sorted(defined - everywhere):
        problems.append('%s is defined but ran in no run' % test)
    return problems


def markdown_code(text):
    return '`%s`' % text.replace('`', "'")


# -- generated documents ------------------------------------------------------------------------------
# docs/mutants.md and docs/converters.md are prose followed by a generated part. The generated part ends
# with the list of conformance tests it was made from, between SUITE_BEGIN and SUITE_END, one
# "- `test_file.py::test_name`" per line; shared_tests/test_repository_generated_docs.py compares that list
# with conformance_tests(), so that a test added, renamed or removed makes the document stale.
GENERATED = '<!-- generated by %s: everything below this line is rewritten; edit above it -->'
SUITE_BEGIN = '<!-- suite: begin -->'
SUITE_END = '<!-- suite: end -->'
TEST_NAME = re.compile(r'`(test_\w+\.py::[^`\[]+)(?:\[[^`]*\])?`')


def suite_list(tests):
    lines = ['<details><summary>The %d conformance tests this was generated from</summary>' % len(tests), '',
             SUITE_BEGIN]
    lines += ['- %s' % markdown_code(t) for t in tests]
    return '\n'.join(lines + [SUITE_END, '', '</details>'])


def listed_suite(text):
    """The tests listed between the suite markers of a generated document."""
    if SUITE_BEGIN not in text or SUITE_END not in text:
        return None
    block = text.split(SUITE_BEGIN, 1)[1].split(SUITE_END, 1)[0]
    return [m.group(1) for m in TEST_NAME.finditer(block)]


def named_tests(text):
    """Every test named anywhere in the generated part of a document (as a function id)."""
    marker = text.find('<!-- generated by ')
    return sorted(set(m.group(1) for m in TEST_NAME.finditer(text[marker:] if marker >= 0 else '')))


def write_generated(path, generator, body):
    """Keep the document's prose (everything above the marker) and replace what follows it with body."""
    marker = GENERATED % generator
    prose = ''
    if os.path.exists(path):
        with io.open(path, encoding='utf-8') as f:
            prose = f.read().split('<!-- generated by ', 1)[0]
    with io.open(path, 'w', encoding='utf-8', newline='\n') as f:
        f.write(prose + marker + '\n\n' + body.rstrip('\n') + '\n')


def environment_line(python):
    """'Python 3.12.1, pytest 8.3.5' for the interpreter that ran the programs and the pytest that ran."""
    said = subprocess.check_output([python, '-c', 'import sys; print(sys.version.split()[0])'])
    import pytest as _pytest
    return 'Python %s, pytest %s' % (said.decode('ascii').strip(), _pytest.__version__)


def add_run_options(parser, python_help):
    """The options of tools/mutants.py and tools/converters.py."""
    parser.add_argument('--jobs', type=int, default=4,
                        help='suite runs at a time (default 4: a run mostly waits for its programs)')
    parser.add_argument('--python', default=sys.executable, help=python_help)
    parser.add_argument('--timeout', type=float, default=float(os.environ.get('HARNESS_TIMEOUT') or 5),
                        help='HARNESS_TIMEOUT of every run, the real port included (default: $HARNESS_TIMEOUT, '
                             'else 5 s). A tree that never prints what a test expects costs this long per '
                             'test; the real port, run alongside with the same value, shows it is enough')


def run_many(args, tasks):
    """Run (label, tree) tasks with the options of add_run_options, ``args.jobs`` at a time, printing
    progress; return {label: SuiteRun} in task order."""
    from concurrent.futures import ThreadPoolExecutor, as_completed
    print('the suite against %d trees with %s, %d at a time, HARNESS_TIMEOUT=%g' % (
        len(tasks), args.python, args.jobs, args.timeout))
    results = OrderedDict((label, None) for label, _ in tasks)
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = dict((pool.submit(run_suite, tree, args.python, harness_timeout=args.timeout), label)
                       for label, tree in tasks)
        for done, future in enumerate(as_completed(futures), 1):
            label = futures[future]
            run = results[label] = future.result()
            print('[%d/%d] %-28s %3d of %3d tests fail  (%.0f s)%s' % (
                done, len(tasks), label, len(run.failing()), len(run.outcomes), run.seconds,
                ('  RUN FAILED: ' + run.problem()) if run.problem() else ''))
            sys.stdout.flush()
    return results


def broken_runs(runs):
    """Print the output of each run that itself failed; True if there was one."""
    broken = [(label, run) for label, run in runs.items() if run.problem()]
    for label, run in broken:
        print('\n--- %s: the run itself failed (%s); its output:\n%s' % (label, run.problem(), run.output))
    return bool(broken)


def all_tests(runs):
    """Every test id that ran in any run, in the order the runs met them."""
    tests = []
    for run in runs.values():
        tests += [t for t in run.outcomes if t not in tests]
    return tests


try:
    import pytest
    _hookwrapper = pytest.hookimpl(hookwrapper=True)
except ImportError:  # reading the suite (conformance_tests) needs no pytest
    def _hookwrapper(function):
        return function


class Recorder(object):
    """A pytest plugin (registered by run_suite in the child) that writes each test's outcome as JSON."""

    def __init__(self, path):
        self.path = path
        self.outcomes = OrderedDict()

    @_hookwrapper
    def pytest_runtest_makereport(self, item, call):
        result = yield
        report = result.get_result()
        entry = self.outcomes.setdefault(short_id(report.nodeid), {'outcome': 'passed', 'message': '',
                                                                    'ended': []})
        if report.failed:
            if entry['outcome'] not in CAUGHT:
                entry['outcome'] = 'failed' if call.when == 'call' else 'error'
                entry['message'] = _first_line(report)
                entry['ended'] = _how_programs_ended(item)
        elif report.skipped and entry['outcome'] == 'passed':
            entry['outcome'] = 'xfailed' if hasattr(report, 'wasxfail') else 'skipped'
        elif report.passed and call.when == 'call' and hasattr(report, 'wasxfail'):
            entry['outcome'] = 'xpassed'

    def pytest_sessionfinish(self, session):
        with io.open(self.path, 'w', encoding='utf-8') as f:
            f.write(_text(json.dumps(self.outcomes, indent=1)))


def _first_line(report):
    crash = getattr(getattr(report, 'longrepr', None), 'reprcrash', None)
    text = getattr(crash, 'message', None) or str(getattr(report, 'longrepr', '') or '')
    lines = [l for l in text.splitlines() if l.strip()]
    line = lines[0] if lines else ''
    return line if len(line) <= 300 else line[:297] + '...'


# The last line of a traceback: 'TypeError: ...', 'socket.error: [Errno 104] ...', 'KeyboardInterrupt'.
EXCEPTION_LINE = re.compile(br'^[A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit|error)\b[^\r\n]*(?=\r?\n|\Z)',
                            re.M)


def _how_programs_ended(item):
    """For each program the test started: its role, script, whether it is of the tree under test (a
    differential test also starts py2_original), its exit status and the last exception it printed.
    Reads the harness session defensively: it is information for the docs, never a verdict."""
    ended = []
    session = getattr(item, '_harness_session', None)
    for program in getattr(session, 'programs', None) or []:
        try:
            output = program.stderr_bytes()
            status = program.returncode if program.exited.is_set() else None
        except Exception:  # a harness that changed shape: say nothing rather than something wrong
            continue
        errors = [m.group(0) for m in EXCEPTION_LINE.finditer(output)]
        tree = getattr(program, 'impl_dir', None)
        ended.append({'role': getattr(program, 'role', '?'), 'script': getattr(program, 'script', '?'),
                      'under_test': tree is None or os.path.realpath(tree) == os.path.realpath(
                          os.environ.get('IMPL_DIR', tree)),
                      'status': status, 'exception': errors[-1].decode('utf-8', 'replace') if errors else ''})
    return ended


def _text(s):
    return s if isinstance(s, type(u'')) else s.decode('utf-8')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('tree')
    parser.add_argument('--python', default=sys.executable, help='the interpreter that runs the programs')
    parser.add_argument('--json', help='write the outcomes here')
    parser.add_argument('pytest_args', nargs='*', help='after --: passed to pytest')
    args = parser.parse_args(argv)
    run = run_suite(args.tree, args.python, pytest_args=args.pytest_args)
    for test, o in run.outcomes.items():
        print('%-8s %s%s' % (o['outcome'], test, ('  -- ' + o['message']) if o['message'] else ''))
    print('%d tests, %d failing, %.1f s' % (len(run.outcomes), len(run.failing()), run.seconds))
    if args.json:
        with io.open(args.json, 'w', encoding='utf-8') as f:
            f.write(_text(json.dumps(run.outcomes, indent=1)))
    if run.problem():
        print(run.output)
        print('the run itself failed: %s' % run.problem(), file=sys.stderr)
        return 2
    return 1 if run.failing() else 0


if __name__ == '__main__':
    sys.exit(main())
