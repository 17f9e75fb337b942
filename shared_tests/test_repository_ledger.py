# -*- coding: utf-8 -*-
"""MIGRATION.md accounts for every line py3_port changes, and every test it names exists."""
import io
import os
import re
import sys

import pytest

import harness

from tools import ledger  # MIGRATION.md read as data, and the diff

pytestmark = pytest.mark.repository


def read(path):
    with io.open(os.path.join(harness.REPO, path), encoding='utf-8') as f:
        return f.read()


def test_every_changed_line_has_a_ledger_entry():
    book = ledger.Ledger()
    missing = ['%s/%s:%d: %s' % (tree, name, number, text)
               for name in ledger.file_pairs()
               for tree, number, text in ledger.changed_lines(name)
               if not book.entries_for(tree, name, text)]
    assert missing == [], 'changed lines without an entry in MIGRATION.md:\n' + '\n'.join(missing)


def test_every_line_the_ledger_quotes_is_in_its_files():
    book = ledger.Ledger()
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


def test_every_change_entry_says_why_and_names_a_test():
    book = ledger.Ledger()
    entries = [e for e in book.entries if e.quoted[ledger.OLD] or e.quoted[ledger.NEW]]
    assert len(entries) >= 10
    assert [e.anchor for e in entries if not (e.files and e.why.strip() and e.tests)] == []


def test_every_test_the_ledger_names_exists():
    book = ledger.Ledger()
    assert book.tests, 'MIGRATION.md names no test'
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
    assert missing == [], 'tests named in MIGRATION.md that do not exist:\n' + '\n'.join(missing)


def test_every_link_into_the_ledger_has_its_anchor():
    book = ledger.Ledger()
    assert len(book.anchors) == len(set(book.anchors)), 'an anchor is used twice in MIGRATION.md'
    links = [('MIGRATION.md', a) for a in re.findall(r'\]\(#([^)]+)\)', book.text)]
    for path in ('README.md', 'tools/demo.py', 'tools/diff.py'):
        if os.path.exists(os.path.join(harness.REPO, path)):
            links.extend((path, a) for a in re.findall(r'MIGRATION\.md#([a-z0-9-]+)', read(path)))
    assert links
    assert ['%s -> #%s' % (path, a) for path, a in links if a not in book.anchors] == []


def test_every_rule_of_the_normaliser_is_a_ledger_entry():
    """harness/differences.py lets through only what the ledger documents as different."""
    from harness.differences import RULES
    book = ledger.Ledger()
    assert [anchor for _, _, anchor, _ in RULES if anchor not in book.anchors] == []
