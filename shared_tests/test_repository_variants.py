# -*- coding: utf-8 -*-
"""Every change in the ledger has a variant that leaves it out, and the tests the entry names catch it.

MIGRATION.md (and any other ledger MIGRATION-*.md at the top) names, for each change, its variant in
mutants/ (**Variant:**); each variant names its entry (its ``Entry:`` header). docs/mutants.md, written by
``tox -e mutants``, says which tests fail on each variant; read here, so that these tests run nothing: a
change whose **Proven by** tests all pass on its variant proves nothing, unless the entry declares that it
changes nothing observable (and then its variant must pass every test). Run ``tox -e mutants`` and commit
docs/mutants.md after changing a variant, a proof or the suite.
"""
import io
import os
import re

import pytest

import harness

from tools import ledger, mutants, suite_against  # the ledgers as data; the variants' headers (nothing runs)

pytestmark = [pytest.mark.repository, pytest.mark.repository_text]

DOC = 'docs/mutants.md'
CELL = re.compile(r'(?<!\\)\|')
VARIANT_LINK = re.compile(r'\(\.\./(mutants/[\w.-]+?(?:\.patch|/))\)')


def ledger_files():
    return ['MIGRATION.md'] + sorted(n for n in os.listdir(harness.REPO)
                                     if n.startswith('MIGRATION-') and n.endswith('.md'))


def books():
    return dict((f, ledger.Ledger(os.path.join(harness.REPO, f))) for f in ledger_files())


def variant_path(name, kind):
    return 'mutants/%s%s' % (name, '/' if kind == 'tree' else '.patch')


def every_variant():
    return [(variant_path(name, kind), kind, path) for name, kind, path in mutants.variants()]


def entry_named(books, target):
    """The ledger.Entry for (file, anchor), or None."""
    book = books.get(target[0])
    found = [e for e in book.entries if e.anchor == target[1]] if book else []
    return found[0] if found else None


def test_every_change_entry_names_a_variant_that_exists():
    wrong = []
    for file, book in sorted(books().items()):
        changes = [e for e in book.entries if e.is_change]
        assert changes, '%s has no change entries' % file
        for entry in changes:
            if not entry.variants:
                wrong.append('%s#%s has no **Variant:** (mutants/NAME.patch, the port without this change)'
                             % (file, entry.anchor))
        for entry in book.entries:
            wrong.extend('%s#%s names %s, which does not exist' % (file, entry.anchor, v)
                         for v in entry.variants if not os.path.exists(os.path.join(harness.REPO, v)))
    assert wrong == [], '\n'.join(wrong)


def test_every_variant_names_its_entry_and_the_entry_names_it_back():
    ledgers, wrong = books(), []
    for variant, kind, path in every_variant():
        target = mutants.entry_of(kind, path)
        tree = mutants.headers(kind, path)['Tree']
        if not os.path.isdir(os.path.join(harness.REPO, tree)):
            wrong.append('%s: Tree: %s is no tree of this repository' % (variant, tree))
        if target is None:
            wrong.append('%s has no Entry: header (Entry: MIGRATION.md#ANCHOR)' % variant)
        elif target[0] not in ledgers:
            wrong.append('%s: Entry: %s, no such ledger' % (variant, target[0]))
        elif target[1] is None:
            if kind != 'tree':
                wrong.append('%s: Entry: %s names no entry; only a variant kept whole may stand for every '
                             'change at once' % (variant, target[0]))
        elif entry_named(ledgers, target) is None:
            wrong.append('%s: Entry: %s#%s, no such entry' % ((variant,) + target))
        elif variant not in entry_named(ledgers, target).variants:
            wrong.append('%s: Entry: %s#%s, but that entry does not name it under **Variant:**'
                         % ((variant,) + target))
    for file, book in sorted(ledgers.items()):
        for entry in book.entries:
            for variant in entry.variants:
                found = [v for v in every_variant() if v[0] == variant]
                if found and mutants.entry_of(found[0][1], found[0][2]) != (file, entry.anchor):
                    wrong.append('%s#%s names %s, whose Entry: is %s' % (
                        file, entry.anchor, variant, mutants.headers(found[0][1], found[0][2])['Entry']))
    assert wrong == [], '\n'.join(wrong)


def test_a_style_choice_is_declared_in_the_entry_and_in_its_variant():
    wrong = []
    for file, book in sorted(books().items()):
        for entry in book.entries:
            for variant, kind, path in every_variant():
                if variant in entry.variants and entry.unobservable != mutants.declared_unobservable(kind, path):
                    wrong.append('%s#%s %s "changes nothing observable", %s %s "Changes: nothing observable"' % (
                        file, entry.anchor, 'says' if entry.unobservable else 'does not say', variant,
                        'says' if mutants.declared_unobservable(kind, path) else 'does not say'))
    assert wrong == [], '\n'.join(wrong)


def buys_table():
    """{variant: (entry cell, tests cell, proof cell)} from docs/mutants.md's "What each change buys"."""
    with io.open(os.path.join(harness.REPO, DOC), encoding='utf-8') as f:
        text = f.read()
    assert mutants.BUYS in text, '%s has no table "%s": run tox -e mutants' % (DOC, mutants.BUYS)
    rows = {}
    for line in text.split(mutants.BUYS, 1)[1].splitlines()[1:]:
        if rows and not line.startswith('|'):
            break
        cells = [c.strip() for c in CELL.split(line)[1:-1]]
        if len(cells) == 5 and VARIANT_LINK.search(cells[1]):
            rows[VARIANT_LINK.search(cells[1]).group(1)] = (cells[0], cells[2], cells[3])
    assert rows, '%s: the table "%s" has no rows' % (DOC, mutants.BUYS)
    return rows


def test_the_tests_each_entry_names_catch_its_variant():
    rows, ledgers, wrong = buys_table(), books(), []
    for variant, kind, path in every_variant():
        target = mutants.entry_of(kind, path)
        entry = entry_named(ledgers, target) if target and target[1] else None
        if entry is None:
            continue  # the test above says what is wrong; 2to3_raw stands for every change at once
        if variant not in rows:
            wrong.append('%s is not in the table of %s: run tox -e mutants and commit it' % (variant, DOC))
            continue
        _, tests_cell, proof_cell = rows[variant]
        failed = set(suite_against.TEST_NAME.findall(proof_cell))
        proof = set(suite_against.function_of(t.split('/', 1)[1]) for t in entry.tests)  # as the table names them
        if entry.unobservable:
            if failed or not tests_cell.startswith('none'):
                wrong.append('%s#%s changes nothing observable, but tests fail on %s: %s' % (
                    target[0], entry.anchor, variant, tests_cell))
        elif not failed & proof:
            wrong.append('%s#%s: none of its **Proven by** tests fails on %s (the table says: %s); the '
                         'proof proves nothing against this variant' % (target[0], entry.anchor, variant,
                                                                       proof_cell or 'nothing'))
    assert wrong == [], '\n'.join(wrong)
