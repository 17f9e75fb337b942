# -*- coding: utf-8 -*-
"""Every figure a reader sees is the repository's as it is: each one the pages write by hand is checked here
against what it counts (the others come from a generated, dated page).

The README's environments and versions against tox.ini's env_list; the lines each tree changes against the
ledgers' own diff (tools/ledger.py); the lines the README's table quotes against the trees; docs/layout.md
against the files; the payload sizes docs/reliability.md gives against the tests; the listings' lengths in
py2_original/PROVENANCE.md against the listings. And no page sends its reader to an issue tracker's numbers.
"""
from __future__ import unicode_literals

import glob
import io
import os
import re

import pytest

import harness

from tools import ledger

pytestmark = [pytest.mark.repository, pytest.mark.repository_text]

README = 'README.md'


def read(path):
    with io.open(os.path.join(harness.REPO, path), encoding='utf-8') as f:
        return f.read()


def env_list():
    """tox.ini's [tox] env_list, as tox reads it: names separated by commas and white space."""
    try:
        from configparser import ConfigParser
    except ImportError:  # Python 2: the test runs on Python 3, but the module must import everywhere
        from ConfigParser import ConfigParser
    config = ConfigParser(interpolation=None)
    config.read(os.path.join(harness.REPO, 'tox.ini'))
    return [e for e in re.split(r'[\s,]+', config.get('tox', 'env_list')) if e]


def version_of(env):
    """'py315' -> (3, 15); 'six-py27' -> (2, 7)."""
    digits = re.search(r'py(\d)(\d+)$', env).groups()
    return int(digits[0]), int(digits[1])


# -- the matrix ---------------------------------------------------------------------------------------------

def test_the_readme_counts_the_suite_envs_of_tox_ini():
    envs = env_list()
    said = re.findall(r'runs the shared suite in (\d+) environments', read(README))
    assert said, 'the README no longer says how many environments tox runs'
    assert [int(n) for n in said] == [len(envs)] * len(said)


def test_the_readme_names_the_first_and_last_envs_of_each_kind():
    envs = env_list()
    plain = [e for e in envs if re.match(r'^py\d+$', e)]
    six = [e for e in envs if e.startswith('six-')]
    py3 = [e for e in plain if version_of(e)[0] == 3]
    text = read(README)
    assert '`%s`, `%s` … `%s`' % (plain[0], py3[0], py3[-1]) in text
    assert '`%s` … `%s`' % (six[0], six[-1]) in text
    assert len(plain) + len(six) == len(envs)


# Where a page states the matrix's range of Python 3 versions (other ranges, such as "3.6 - 3.8 print ...",
# state what some versions do, and are facts about those versions).
MATRIX_RANGES = [
    (README, r'every Python 3 from (3\.\d+) to (3\.\d+)'),
    (README, r'one source for Python 2\.7 and (3\.\d+) – (3\.\d+)'),
    ('docs/layout.md', r'one source for Python 2\.7 and (3\.\d+) – (3\.\d+)'),
    ('MIGRATION-py23_six.md', r'Python 2\.7 and Python (3\.\d+) – (3\.\d+)'),
    ('MIGRATION-py23_six.md', r'On Python (3\.\d+) – (3\.\d+) `py23_six`'),
]


@pytest.mark.parametrize('path, pattern', MATRIX_RANGES)
def test_the_python_3_versions_a_page_gives_are_the_matrix(path, pattern):
    """'every Python 3 from 3.6 to 3.15': the first and the last Python 3 of env_list."""
    py3 = sorted(version_of(e) for e in env_list() if re.match(r'^py3\d+$', e))
    matrix = tuple('%d.%d' % v for v in (py3[0], py3[-1]))
    said = re.findall(pattern, ' '.join(read(path).split()))
    assert said, '%s no longer says %s' % (path, pattern)
    assert set(said) == set([matrix]), '%s says %s; the matrix is Python 3 %s - %s' % ((path, said) + matrix)


# -- the lines each tree changes --------------------------------------------------------------------------

def counted(pair):
    removed = added = 0
    for name in ledger.file_pairs():
        for tree, _, _ in ledger.changed_lines(name, pair):
            if tree == pair.old:
                removed += 1
            else:
                added += 1
    return removed, added


def test_the_readme_counts_the_lines_each_tree_changes():
    said = re.findall(r'`diff -ru py2_original (\w+)` removes (\d+) lines and adds (\d+)',
                      ' '.join(read(README).split()))
    assert sorted(tree for tree, _, _ in said) == sorted(p.new for p in ledger.PAIRS)
    pairs = dict((p.new, p) for p in ledger.PAIRS)
    assert [(tree, (int(r), int(a))) for tree, r, a in said] == [(tree, counted(pairs[tree])) for tree, _, _ in said]


def table_rows(text, header):
    """The rows of the markdown table whose header row starts with header, as lists of cells."""
    lines = text.split(header, 1)[1].splitlines()[2:]
    rows = []
    for line in lines:
        if not line.startswith('|'):
            break
        rows.append([c.strip() for c in re.split(r'(?<!\\)\|', line)[1:-1]])
    return rows


def test_every_line_the_readme_shows_is_in_its_tree():
    """The port on one screen: the code in the Python 2 column is in py2_original, in the Python 3 column in
    py3_port (each span a piece of a line of the programs)."""
    def lines_of(tree):
        return [line for name in ledger.file_pairs() for line in ledger.read_lines(tree, name)]
    rows = table_rows(read(README), '| Python 2 | Python 3 |')
    assert len(rows) >= 5
    wrong = []
    for cells in rows:
        for tree, cell in ((ledger.PORT.old, cells[0]), (ledger.PORT.new, cells[1])):
            for span in re.findall(r'`([^`]+)`', cell):
                if not any(span in line for line in lines_of(tree)):
                    wrong.append('%s has no line with %r' % (tree, span))
    assert wrong == [], '\n'.join(wrong)


# -- docs/layout.md ----------------------------------------------------------------------------------------

LAID_OUT = ('harness', 'shared_tests', 'tools', 'bench')


def test_the_layout_names_every_file_and_only_files_that_exist():
    text = read('docs/layout.md')
    named = set(re.findall(r'`((?:[\w.-]+/)*[\w.-]+/?)`', text))
    missing = []
    for folder in LAID_OUT:
        for path in sorted(os.listdir(os.path.join(harness.REPO, folder))):
            full = os.path.join(harness.REPO, folder, path)
            if os.path.isfile(full) and not path.endswith('.pyc'):
                if '%s/%s' % (folder, path) not in named:
                    missing.append('%s/%s' % (folder, path))
    assert missing == [], 'docs/layout.md does not name: %s' % ', '.join(missing)
    paths = [p for p in named if p.split('/')[0] in LAID_OUT + ('py2_original', 'py3_port', 'py23_six', 'mutants',
                                                                'docs', '.ci')
             or p in ('README.md', 'MIGRATION.md', 'MIGRATION-py23_six.md', 'LICENSE', 'tox.ini', 'toxfile.py',
                      '.editorconfig', '.gitignore')]
    assert len(paths) > 40
    gone = sorted(p for p in paths if not os.path.exists(os.path.join(harness.REPO, p)))
    assert gone == [], 'docs/layout.md names what is not there: %s' % ', '.join(gone)


# -- docs/reliability.md, py2_original/PROVENANCE.md --------------------------------------------------------

def test_the_payload_sizes_the_reliability_page_gives_are_the_tests():
    import test_payloads
    text = ' '.join(read('docs/reliability.md').split())
    sizes = sorted(test_payloads.PAYLOADS)
    assert '%d MiB and %d MiB of random bytes' % tuple(s // test_payloads.MiB for s in sizes) in text
    assert 'a typed line of {:,} bytes'.format(len(test_payloads.LONG_LINE)).replace(',', ' ') in text


def test_the_provenance_gives_each_listing_its_length():
    rows = table_rows(read('py2_original/PROVENANCE.md'), '| file |')
    assert len(rows) == len(ledger.file_pairs())
    for cells in rows:
        name = cells[0].strip('`')
        lines = ledger.read_lines(ledger.PORT.old, name)
        published = len(lines) - (1 if lines[0].startswith('# -*- coding') else 0)
        assert int(cells[-1]) == published, name


# -- no tracker's numbers ----------------------------------------------------------------------------------

def reader_facing():
    paths = [README, 'MIGRATION.md', 'MIGRATION-py23_six.md', 'LICENSE', 'py2_original/PROVENANCE.md', 'tox.ini',
             'toxfile.py']
    for pattern in ('docs/*.md', '.ci/*', 'mutants/*.patch', 'mutants/*/README.md'):
        paths.extend(sorted(os.path.relpath(p, harness.REPO) for p in glob.glob(os.path.join(harness.REPO, pattern))))
    return [p for p in paths if os.path.isfile(os.path.join(harness.REPO, p))]


def test_no_page_refers_its_reader_to_an_issue_number():
    found = ['%s: %s' % (path, m.group(0)) for path in reader_facing()
             for m in re.finditer(r'(?i)\bissues? #?\d+', read(path))]
    assert found == [], 'a reader cannot open these:\n%s' % '\n'.join(found)


def test_each_generated_page_says_when_it_was_generated():
    wrong = [doc for doc in ('docs/mutants.md', 'docs/converters.md')
             if not re.search(r'<!-- generated by [^\n]*\n\s*Generated on \d{4}-\d\d-\d\d by `tox -e \w+`',
                              read(doc))]
    assert wrong == [], 'not dated (run their tox env): %s' % ', '.join(wrong)
