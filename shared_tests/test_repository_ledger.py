# -*- coding: utf-8 -*-
"""Each ledger accounts for every line its tree changes, and every test it names exists; its index names every
entry. The port's ledger, a porter's guide, shows the port's client whole: its listing, the line numbers its
entries and its prose name, who needs each change, and the count of the normaliser's rules it gives are true.

Two pairs (tools/ledger.py, PAIRS): py2_original -> py3_port in MIGRATION.md, and py2_original -> py23_six
in MIGRATION-py23_six.md; every test here runs for each.
"""
from __future__ import unicode_literals

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


# -- the port's ledger as a guide: the listing, its line ranges, who needs each change, the index ---------

def test_the_listing_is_the_ports_client_as_it_is():
    """MIGRATION.md shows the port's client whole, once, with line numbers: those are its lines now."""
    book = ledger.Ledger(ledger.PORT)
    lines = ledger.read_lines(ledger.PORT.new, ledger.LISTING_FILE)
    assert list(book.listing) == list(range(1, len(lines) + 1)), 'the listing is not the whole file, in order'
    wrong = ['line %d: listed %r, the file has %r' % (n, book.listing[n], lines[n - 1])
             for n in book.listing if book.listing[n].strip() != lines[n - 1].strip()]
    assert wrong == [], '\n'.join(wrong)


def test_every_line_an_entry_names_is_in_the_listing_and_in_its_files():
    book = ledger.Ledger(ledger.PORT)
    wrong = []
    for entry in book.entries:
        if entry.lines and ledger.LISTING_FILE not in entry.files:
            wrong.append('#%s names lines of %s but not that file under **Where**' % (entry.anchor,
                                                                                      ledger.LISTING_FILE))
        wrong.extend('#%s names line %d, which the listing has not' % (entry.anchor, n)
                     for n in entry.lines if n not in book.listing)
    assert [e.anchor for e in book.entries if e.lines] != []
    assert wrong == [], '\n'.join(wrong)


def test_line_numbers_the_ledger_writes_in_its_text_are_in_the_listing():
    """'lines 6 - 18', 'line 23' in the prose of the changes: each number a line of the listing."""
    book = ledger.Ledger(ledger.PORT)
    text = book.text.split('```text', 1)[1].split('```', 1)[1]  # after the listing itself,
    text = text.split('<a id="cannot-keep"></a>')[0]            # before what cannot be kept (tracebacks' lines)
    numbers = [int(n) for span in re.findall(r'\blines? (\d+(?:\s*[\u2013-]\s*\d+)?(?:(?:,| and)\s*\d+'
                                             r'(?:\s*[\u2013-]\s*\d+)?)*)', text)
               for n in re.findall(r'\d+', span)]
    assert numbers
    assert [n for n in numbers if n not in book.listing] == []


def test_every_change_of_the_port_says_who_needs_it():
    book = ledger.Ledger(ledger.PORT)
    changes = [e for e in book.entries if e.is_change]
    assert len(changes) >= AT_LEAST['py3_port']
    wrong = ['#%s: **Needed by:** says %r, not one of %s' % (e.anchor, e.needed_by.strip(), ', '.join(ledger.NEEDED))
             for e in changes if not any(n in e.needed_by for n in ledger.NEEDED)]
    assert wrong == [], '\n'.join(wrong)


def test_a_change_that_quotes_the_same_line_on_both_sides_says_its_meaning_changed():
    book = ledger.Ledger(ledger.PORT)
    wrong = []
    for entry in book.entries:
        old, new = [set(l.strip() for l in entry.quoted[t]) for t in (ledger.PORT.old, ledger.PORT.new)]
        if old and old == new and not re.search(r'unchanged lines?, changed meaning', entry.says):
            wrong.append('#%s quotes the same lines on both sides but does not say "unchanged line, changed '
                         'meaning"' % entry.anchor)
    assert wrong == [], '\n'.join(wrong)


@each_pair
def test_the_index_names_every_entry_and_nothing_else(pair):
    book = ledger.Ledger(pair)
    assert book.index_links, '%s has no index (a section with <a id="%s">)' % (pair.ledger, ledger.INDEX_ANCHOR)
    missing = [e.anchor for e in book.entries if e.anchor not in book.index_links]
    assert missing == [], 'entries the index of %s does not name: %s' % (pair.ledger, ', '.join(missing))
    assert [a for a in book.index_links if a not in book.anchors] == []


NUMBERS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve']


def test_the_ledger_counts_the_normalisers_rules_as_they_are():
    """'seven of [what cannot be kept]': the rules of harness/differences.py that are entries of that section."""
    from harness.differences import RULES
    book = ledger.Ledger()
    cannot_keep = book.sections['cannot-keep']
    count = len([a for _, _, a, _ in RULES if any(e.anchor == a and e.section == cannot_keep for e in book.entries)])
    said = re.findall(r'\b(\w+) of \[what cannot be kept\]\(#cannot-keep\)', book.text)
    assert said, 'MIGRATION.md does not say how many of "what cannot be kept" the normaliser lets differ'
    assert set(said) == set([NUMBERS[count]]), 'the normaliser has %d such rules; MIGRATION.md says %s' % (
        count, ', '.join(said))


def test_the_table_of_lenient_comparisons_is_the_normalisers_rules():
    """One row per rule of harness/differences.py, in its order: its letter and its entry."""
    from harness.differences import RULES
    book = ledger.Ledger()
    section = book.text.split('<a id="demo"></a>', 1)[1].split('\n## ', 1)[0]
    rows = re.findall(r'^\| `~(\w)` \|(.*)$', section, re.M)
    table = [(letter, re.findall(r'(?:id="|\(#)([a-z0-9-]+)', rest)[0]) for letter, rest in rows]
    assert table == [(letter, anchor) for letter, _, anchor, _ in RULES]
