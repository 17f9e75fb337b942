# -*- coding: utf-8 -*-
"""py2_original is the article's listings, verbatim but for the deviations in py2_original/PROVENANCE.md; and
example 3, which is not the article's, says so in its server and reuses the article's client unchanged."""
import hashlib
import io
import os

import pytest

import harness

pytestmark = [pytest.mark.repository, pytest.mark.repository_text]

ORIGINAL = os.path.join(harness.REPO, 'py2_original')
SEED = os.path.join(harness.REPO, os.pardir, 'shared', 'seeds', '000_3b4881983f4205d8.txt')
CODING_LINE = u'# -*- coding: utf-8 -*-\n'
NBSP = u'\xa0'

# The files that need a coding line: exactly those with non-ASCII characters (PROVENANCE.md).
NEEDS_CODING_LINE = {
    'example1_interactive/server4.py': True,
    'example1_interactive/client4.py': True,
    'example2_accept_loop/server4.py': True,
    'example2_accept_loop/client4.py': False,
}
# Not the article's: the threaded server its conclusion calls for, written for this repository, with the
# article's client (example 2's, byte for byte).
NOT_THE_ARTICLES = ['example3_threaded/client4.py', 'example3_threaded/server4.py']
NOT_FROM_THE_ARTICLE = u'#Not from the article:'


def published_digests():
    with io.open(os.path.join(ORIGINAL, 'LISTINGS.sha256'), encoding='ascii') as f:
        return dict(reversed(line.split()) for line in f if line.strip())


def as_published(name):
    """The file with the documented deviations undone: the listing as the web page shows it."""
    with io.open(os.path.join(ORIGINAL, name), encoding='utf-8', newline='') as f:
        text = f.read()
    assert text.endswith(u'\n') and not text.endswith(u'\n\n')
    assert NBSP not in text, 'a non-breaking space is left in %s' % name
    assert text.startswith(CODING_LINE) == NEEDS_CODING_LINE[name], name
    if NEEDS_CODING_LINE[name]:
        text = text[len(CODING_LINE):]
    return text[:-1].replace(u' ', NBSP)


@pytest.mark.parametrize('name', sorted(NEEDS_CODING_LINE))
def test_original_is_the_published_listing(name):
    digest = hashlib.sha256(as_published(name).encode('utf-8')).hexdigest()
    assert digest == published_digests()[name]


@pytest.mark.parametrize('name', sorted(NEEDS_CODING_LINE))
def test_coding_line_exactly_where_non_ascii(name):
    text = as_published(name)
    assert any(ord(c) > 127 and c != NBSP for c in text) == NEEDS_CODING_LINE[name]


def test_every_tree_has_the_same_files():
    def files(tree):
        root = os.path.join(harness.REPO, tree)
        return sorted(os.path.relpath(os.path.join(d, f), root)
                      for d, _, fs in os.walk(root) for f in fs if f.endswith('.py'))
    assert files('py2_original') == files('py3_port') == files('py23_six') == sorted(
        list(NEEDS_CODING_LINE) + NOT_THE_ARTICLES)


@pytest.mark.parametrize('tree', ['py2_original', 'py3_port', 'py23_six'])
def test_example3_server_says_it_is_not_the_articles_and_its_client_is_example2s(tree):
    def read(name):
        with io.open(os.path.join(harness.REPO, tree, name), encoding='utf-8', newline='') as f:
            return f.read()
    head = read('example3_threaded/server4.py').splitlines()[:2]
    assert any(line.startswith(NOT_FROM_THE_ARTICLE) for line in head), head
    assert read('example3_threaded/client4.py') == read('example2_accept_loop/client4.py')


@pytest.mark.skipif(not os.path.exists(SEED), reason='the seed text is not beside this clone')
def test_original_matches_the_seed_text():
    with io.open(SEED, encoding='utf-8') as f:
        seed = f.read()
    for name in NEEDS_CODING_LINE:
        listing = as_published(name)
        assert u'\n' + listing + u'\n' in seed, name
