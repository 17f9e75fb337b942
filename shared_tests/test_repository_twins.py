# -*- coding: utf-8 -*-
"""Twin clients: in each of this repository's trees, example 2's client4.py is example 1's program.

The article prints the same client twice, once with Chinese comments (and so, in Python 2, a coding line) and
once without. A test of the client alone would run that one program twice, so tox runs its example 2 case only
where the tree is not one of the repository's own (tox.ini: the ``client_twin`` marker in TESTED_ELSEWHERE;
harness/fixtures.py). These tests are what that rests on: they read the repository's files, never a program
under test. A tree of your own (IMPL_DIR) runs both cases.
"""
import io
import os
import tokenize

import pytest

import harness
from harness import EX1, EX2
from harness.fixtures import markers_left_out

pytestmark = [pytest.mark.repository, pytest.mark.repository_text]

LEFT_OUT = (tokenize.COMMENT, tokenize.NL)     # and the coding line, a comment
COOKIE = b'# -*- coding: utf-8 -*-\n'


def tokens(source):
    """The tokens of a source, type and text, without comments and blank lines."""
    lines = iter(source.decode('utf-8').splitlines(True))
    return [(t[0], t[1]) for t in tokenize.generate_tokens(lambda: next(lines, u''))
            if t[0] not in LEFT_OUT]


def read(path):
    with io.open(path, 'rb') as f:
        return f.read()


def clients(tree):
    return [read(os.path.join(tree, example, 'client4.py')) for example in (EX1, EX2)]


@pytest.mark.parametrize('tree', ['py2_original', 'py3_port', 'py23_six'])
def test_example2_client_is_example1_client_but_for_comments(tree):
    one, two = clients(os.path.join(harness.REPO, tree))
    assert tokens(one) == tokens(two)
    assert all(ord(c) < 128 for _, text in tokens(one) for c in text), 'non-ASCII code: the coding line matters'
    if tree != 'py3_port':                     # Python 2 reads them: a file with non-ASCII bytes has the line
        for source in (one, two):
            assert source.startswith(COOKIE) or not any(b > 127 for b in bytearray(source))


def test_a_changed_token_is_seen():
    one, two = clients(harness.PORT)
    assert tokens(two.replace(b'.strip()', b'.rstrip()', 1)) != tokens(one)
    assert tokens(two.replace(b'import socket\n', b'import socket   # mine\n\n\n', 1)) == tokens(one)


@pytest.mark.parametrize('tree', ['py2_original', 'py3_port', 'py23_six', 'my_port'])
def test_tox_runs_example2_client_cases_only_for_a_tree_not_of_the_repository(tree):
    left_out = markers_left_out(os.path.join(harness.REPO, tree), ['client_twin'])
    assert ('client_twin' in left_out) == (tree != 'my_port')

