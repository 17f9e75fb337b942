# -*- coding: utf-8 -*-
"""The README's ways of running the suite, each run as a person would (harness/suite.py):

* "Testing a port of your own": IMPL_DIR names another tree, and only conformance tests run;
* the interpreter under test is not the one running pytest (IMPL_PYTHON): every Python 2 / 3 expectation
  follows the interpreter under test;
* a failing test's report shows what the programs printed, whatever bytes they were, on every interpreter;
* the harness's map (harness/__init__.py) names every module of the machinery.
"""
import io
import os
import shutil
import sys
import tempfile

import pytest

import harness
from harness import suite
from harness.fixtures import need

pytestmark = pytest.mark.repository


def test_a_port_of_your_own_gets_only_the_conformance_tests():
    workdir = tempfile.mkdtemp(prefix='p23-port-')
    try:
        port = os.path.join(workdir, 'my_port')
        shutil.copytree(harness.PORT, port)
        tests = suite.collect(port)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    files = sorted(set(t.split('::')[0] for t in tests))
    assert 'shared_tests/test_bytes.py' in files
    assert [f for f in files if f.startswith('shared_tests/test_repository_')] == []


# The tests whose expectations differ between Python 2 and 3, and the ones each family must run.
BY_INTERPRETER = 'socket_fault or guard_refuses or ctrl_c or second_client_gets_nothing'
ONLY_ON = {
    2: ['test_faults.py::test_python2_calls_every_socket_fault_socket_error',
        'test_typed_input.py::test_ctrl_c_is_keyboardinterrupt_and_exit_status_1_on_python_2_and_3_6_3_7'
        '[example1_interactive]'],
    3: ['test_faults.py::test_python3_names_each_socket_fault_by_its_errno',
        'test_guard_refuses_before_the_kernel_is_asked[sendmsg_to_the_article_address]'],
}


def test_expectations_follow_the_interpreter_under_test_not_the_one_running_pytest():
    """pytest on this interpreter, the programs on one of the other family: Python 2.7 runs the original
    (IMPL_DIR=py2_original IMPL_PYTHON=python2.7 python3 -m pytest), a Python 3 runs the port."""
    if sys.version_info[0] == 3:
        other, tree = need(harness.find_python('2.7'), 'no Python 2.7 found'), harness.ORIGINAL
    else:
        other, tree = need(harness.find_python3(), 'no Python 3 found'), harness.PORT
    run = suite.run(tree, other, args=['shared_tests', '-k', BY_INTERPRETER])
    assert run.problem() is None, run.output
    assert run.failing() == [], run.output
    family = harness.python_version(other)[0]
    ran = [t for t, o in run.outcomes.items() if o['outcome'] == 'passed']
    for test in ONLY_ON[family]:
        assert [t for t in ran if t.endswith(test) or t == test], '%s did not run:\n%s' % (test, run.output)
    skipped_for_the_other = [t for t in run.outcomes if any(t.endswith(x) for x in ONLY_ON[5 - family])]
    assert [t for t in skipped_for_the_other if run.outcomes[t]['outcome'] != 'skipped'] == []


FAILING_TEST = b'''# -*- coding: utf-8 -*-
from harness import EX1


def test_the_server_prints_chinese_and_the_test_fails(session):
    server = session.server(EX1)
    client = session.connect(server.port)
    client.send(b'\\xe4\\xb8\\xad\\xe6\\x96\\x87 \\xff')
    client.expect(b'\\xe4\\xb8\\xad\\xe6\\x96\\x87 \\xff')
    client.close()
    server.wait_exit()
    assert server.stdout_bytes() == b'something else'
'''


def test_a_failure_report_shows_non_ascii_output_as_byte_literals():
    """A program prints Chinese and bytes that are no UTF-8, and the test fails: pytest reports the failure
    with the transcript (no INTERNALERROR), on the interpreter running this test (each env runs it)."""
    folder = tempfile.mkdtemp(prefix='p23-report-')
    try:
        with io.open(os.path.join(folder, 'test_fails.py'), 'wb') as f:
            f.write(FAILING_TEST)
        run = suite.run(args=['-p', 'harness.fixtures', '--rootdir', folder,
                              os.path.join(folder, 'test_fails.py')])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert (run.returncode, list(run.outcomes.values())[0]['outcome']) == (1, 'failed'), run.output
    assert 'INTERNALERROR' not in run.output, run.output
    assert 'what the programs printed and what crossed the wire' in run.output, run.output
    assert "stdout: b\"Connected by ('127.0.0.1', " in run.output, run.output
    assert "revc: \\xe4\\xb8\\xad\\xe6\\x96\\x87 \\xff\\n" in run.output, run.output
    assert "-> b'\\xe4\\xb8\\xad\\xe6\\x96\\x87 \\xff'" in run.output, run.output


def test_the_harness_map_names_every_module():
    """harness/__init__.py's docstring is the map of the machinery: every module is in it."""
    folder = os.path.join(harness.REPO, 'harness')
    modules = sorted(name[:-3] for name in os.listdir(folder) if name.endswith('.py') and name != '__init__.py')
    named = [name for name in modules if (name + '.py' if name == 'loopback' else name) + ' ' in harness.__doc__]
    assert named == modules
