# -*- coding: utf-8 -*-
"""Twin clients (harness/twins.py): example 2's client is tested only where it is not example 1's program.

In each of the repository's trees the two client4.py differ only in comments (and, in Python 2, the coding
line those comments need), so a test of the client alone runs as example 1 and skips example 2's case. These
tests check the decision both ways: what keeps two clients twins, what does not, and that a client which is
not a twin is tested under its own name.
"""
import io
import os
import shutil
import tempfile

import pytest

import harness
from harness import EX1, EX2, suite
from harness.fixtures import need
from harness.twins import clients_are_twins, same_program

pytestmark = pytest.mark.repository


def python3():
    """The interpreter for a copy of the Python 3 port: the one under test, or a Python 3 if that is 2.7."""
    if harness.impl_version()[0] == 3:
        return harness.IMPL_PYTHON
    return need(harness.find_python3(), 'no Python 3 found')


def twins_in(port, python=None):
    return same_program(os.path.join(port, EX1, 'client4.py'), os.path.join(port, EX2, 'client4.py'),
                        python or python3())


@pytest.fixture
def tree():
    """A copy of the Python 3 port to change: (its folder, read(example), write(example, text))."""
    workdir = tempfile.mkdtemp(prefix='p23-twins-')
    port = os.path.join(workdir, 'my_port')
    shutil.copytree(harness.PORT, port)

    def path(example):
        return os.path.join(port, example, 'client4.py')

    def read(example):
        with io.open(path(example), 'rb') as f:
            return f.read()

    def write(example, source):
        with io.open(path(example), 'wb') as f:
            f.write(source)
    yield port, read, write
    shutil.rmtree(workdir, ignore_errors=True)


def test_each_tree_the_interpreter_can_compile_has_twin_clients():
    family = harness.impl_version()[0]
    for t in [harness.ORIGINAL if family == 2 else harness.PORT, harness.STRADDLE]:
        twins, why = clients_are_twins(t, harness.IMPL_PYTHON)
        assert twins, '%s: %s' % (t, why)


def test_a_changed_comment_or_blank_line_keeps_them_twins(tree):
    port, read, write = tree
    write(EX2, read(EX2).replace(b'import socket\n', b'import socket   # a comment of my own\n\n\n', 1))
    assert twins_in(port) is None


def test_a_changed_token_makes_them_two_programs(tree):
    port, read, write = tree
    write(EX2, read(EX2).replace(b'.strip()', b'.rstrip()', 1))
    why_not = twins_in(port)
    assert why_not is not None and why_not.startswith('not twins: token '), why_not


def test_non_ascii_without_its_coding_line_is_not_a_twin_on_python_2(tree):
    """Python 2 refuses non-ASCII bytes in a file without a coding line, even in a comment."""
    python2 = need(harness.find_python('2.7'), 'no Python 2.7 found')
    port, read, write = tree
    original = os.path.join(harness.ORIGINAL, EX1, 'client4.py')
    with io.open(original, 'rb') as f:
        source = f.read()
    assert source.startswith(b'# -*- coding: utf-8 -*-\n') and b'\xe7\x94\xb1User' in source
    write(EX1, source)
    write(EX2, source.replace(b'# -*- coding: utf-8 -*-\n', b'\n', 1))
    why_not = twins_in(port, python2)
    assert why_not is not None and 'SyntaxError' in why_not, why_not


def test_a_client_that_is_not_a_twin_is_tested_under_its_own_name(tree):
    """The same behaviour in other words: example 2's cases run (and pass) instead of being skipped."""
    port, read, write = tree
    write(EX2, read(EX2).replace(b'user_input', b'line'))
    run = suite.run(port, python3(), args=['shared_tests', '-k', 'strip_removes_ascii_whitespace_at_both_ends'])
    assert run.problem() is None, run.output
    assert sorted((t.split('[')[1], o['outcome']) for t, o in run.outcomes.items()) == [
        (EX1 + ']', 'passed'), (EX2 + ']', 'passed')], run.output
