# -*- coding: utf-8 -*-
"""Each ledger accounts for every line its tree changes, and every test it names exists.

Two pairs (tools/ledger.py, PAIRS): py2_original -> py3_port in MIGRATION.md, and py2_original -> py23_six
in MIGRATION-py23_six.md; every test here runs for each.
"""
import glob
import io
import os
import re

import pytest

import harness

from tools import ledger  # the ledgers read as data, and the diffs

pytestmark = [pytest.mark.repository, pytest.mark.repository_text]

each_pair = pytest.mark.parametrize('pair', ledger.PAIRS, ids=[p.new for p in ledger.PAIRS])

# How many change entries each ledger has at least: a parser that finds fewer has stopped reading it.
AT_LEAST = {'py3_port': 10, 'py23_six': 6}


def read(path):
    with io.open(os.path.join(harness.REPO, path), encoding='utf-8') as f:
        return f.read()


@each_pair
def test_every_changed_line_has_a_ledger_entry(pair):
    book = ledger.Ledger(pair)
    missing = ['%s/%s:%d: %s' % (tree, name, number, text)
               for name in ledger.file_pairs()
               for tree, number, text in ledger.changed_lines(name, pair)
               if not book.entries_for(tree, name, text)]
    assert missing == [], 'changed lines without an entry in %s:\n%s' % (pair.ledger, '\n'.join(missing))


@each_pair
def test_every_line_the_ledger_quotes_is_in_its_files(pair):
    book = ledger.Ledger(pair)
    wrong = []
    for entry in book.entries:
        for name in entry.files:
            if name not in ledger.file_pairs():
                wrong.append('#%s names %s, which is not a program of both trees' % (entry.anchor, name))
        for tree, quoted in sorted(entry.quoted.items()):
            in_files = set(line.strip() for name in entry.files if name in ledger.file_pairs()
                           for line in ledger.read_lines(tree, name))
            wrong.extend('#%s quotes a line that is in none of its files in %s: %s' % (entry.anchor, tree, q)
                         for q in quoted if q.strip() not in in_files)
    assert wrong == [], '\n'.join(wrong)


@each_pair
def test_every_change_entry_says_why_and_names_a_test(pair):
    book = ledger.Ledger(pair)
    entries = [e for e in book.entries if e.quoted[pair.old] or e.quoted[pair.new]]
    assert len(entries) >= AT_LEAST[pair.new]
    assert [e.anchor for e in entries if not (e.files and e.why.strip() and e.tests)] == []


@each_pair
def test_every_test_the_ledger_names_exists(pair):
    book = ledger.Ledger(pair)
    assert book.tests, '%s names no test' % pair.ledger
    missing = []
    for node_id in sorted(set(book.tests)):
        path, names = node_id.split('::')[0], [re.sub(r'\[.*\]$', '', n) for n in node_id.split('::')[1:]]
        if not os.path.isfile(os.path.join(harness.REPO, path)):
            missing.append('%s (no such file)' % node_id)
            continue
        source = read(path)
        patterns = [r'^class %s\b' % re.escape(n) for n in names[:-1]] + [
            r'^%sdef %s\(' % (r'\s+' if len(names) > 1 else '', re.escape(names[-1]))]
        if not all(re.search(p, source, re.M) for p in patterns):
            missing.append(node_id)
    assert missing == [], 'tests named in %s that do not exist:\n%s' % (pair.ledger, '\n'.join(missing))


def files_that_link_into_ledgers():
    """Where a link such as MIGRATION.md#anchor may stand: the README, the tools, the docs, the ledgers
    themselves (one links into the other) and the mutants' `Entry:` lines."""
    paths = ['README.md', 'tools/demo.py', 'tools/diff.py'] + [p.ledger for p in ledger.PAIRS]
    for pattern in ('docs/*.md', 'mutants/*.patch'):
        paths.extend(sorted(os.path.relpath(p, harness.REPO)
                            for p in glob.glob(os.path.join(harness.REPO, pattern))))
    return [p for p in paths if os.path.exists(os.path.join(harness.REPO, p))]


@each_pair
def test_every_link_into_the_ledger_has_its_anchor(pair):
    book = ledger.Ledger(pair)
    assert len(book.anchors) == len(set(book.anchors)), 'an anchor is used twice in %s' % pair.ledger
    links = [(pair.ledger, a) for a in re.findall(r'\]\(#([^)]+)\)', book.text)]
    for path in files_that_link_into_ledgers():
        links.extend((path, a) for a in re.findall(r'(?<![\w-])%s#([a-z0-9-]+)' % re.escape(pair.ledger),
                                                   read(path)))
    assert links
    assert ['%s -> #%s' % (path, a) for path, a in links if a not in book.anchors] == []


def test_every_rule_of_the_normaliser_is_a_ledger_entry():
    """harness/differences.py lets through only what the ledger documents as different."""
    from harness.differences import RULES
    book = ledger.Ledger()
    assert [anchor for _, _, anchor, _ in RULES if anchor not in book.anchors] == []
