# -*- coding: utf-8 -*-
"""The ledgers, read as data; and the diffs they account for. Python 2.7 and 3.

Used by tools/diff.py (to link each change to its ledger entry) and by shared_tests/test_repository_ledger.py
(every changed line has an entry; every test the ledger names exists; the listing, the line ranges and the
index are true).

Two pairs of trees, each with its ledger (PAIRS): py2_original -> py3_port, the port, in MIGRATION.md, and
py2_original -> py23_six, the straddle that runs on 2.7 and 3.x, in MIGRATION-py23_six.md. An entry of a
ledger is a level-3 heading with an anchor, then, in any order:

    ### <a id="print-function"></a>Title
    **Where:** `example1_interactive/server4.py`, `example2_accept_loop/server4.py`
    Python 2:            (the next fenced block: the lines as they stand in py2_original)
    Python 3:            (the next fenced block: the lines as they stand in the new tree)
    **Why:** ...
    **Proven by:** `shared_tests/test_x.py::test_y`, ... (or a list of them, one per line)
    **Variant:** `mutants/NAME.patch`, ...: the port without this change, as a porter would write it
                 (tools/mutants.py); "changes nothing observable" in the field declares a style choice,
                 whose variant must pass every test
    **Lines:** 10–18, 23          lines of the listing (below) that are this entry's, on the new tree's side
    **Needed by:** any port ...   who needs the change: "any port", "fidelity only" or "style only"

An entry with quoted lines (or lines of the listing) is a change (``is_change``); the entries of "What cannot
be kept" and of the flaws quote none.

The listing: a ledger may show one program of the new tree whole, once, under a heading with the anchor
LISTING_ANCHOR, in a fenced block whose lines are "NN  text" (NN the line's number in LISTING_FILE). An
entry's **Lines:** names lines of it, which count as quoted on the new tree's side (``Ledger.listing``).

The index: the section with the anchor INDEX_ANCHOR links to every entry (``Ledger.index_links``).

A label that names the new tree in parentheses, e.g. "Python 2 and 3 (py23_six):", is the new tree's side.
A quoted line matches a line of a file when both are equal without their leading and trailing white space.
"""
from __future__ import unicode_literals

import difflib
import io
import os
import re
from collections import OrderedDict

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Pair(object):
    """Two trees and the ledger that accounts for every line the new one changes from the old one."""

    def __init__(self, old, new, ledger):
        self.old, self.new, self.ledger = old, new, ledger  # ledger: its path relative to REPO

    def __repr__(self):
        return '%s -> %s (%s)' % (self.old, self.new, self.ledger)


PORT = Pair('py2_original', 'py3_port', 'MIGRATION.md')
STRADDLE = Pair('py2_original', 'py23_six', 'MIGRATION-py23_six.md')
PAIRS = (PORT, STRADDLE)
OLD, NEW = PORT.old, PORT.new  # the port's pair, for callers that know only one
LEDGER = os.path.join(REPO, PORT.ledger)

ENTRY = re.compile(r'^### <a id="([a-z0-9-]+)"></a>(.*)$')
ANCHOR = re.compile(r'<a id="([a-z0-9-]+)"></a>')
SIDE = re.compile(r'^Python ([23])\b.*:\s*$')
FIELD = re.compile(r'^\*\*(Where|Why|Proven by|Variant|Lines|Needed by):\*\*(.*)$')
LINK = re.compile(r'\]\(#([a-z0-9-]+)\)')
LISTING_ANCHOR = 'client-listing'
LISTING_FILE = 'example1_interactive/client4.py'  # in the new tree of the ledger that shows it
LISTING_LINE = re.compile(r'^\s*(\d+)(?:  (.*))?$')
LINE_RANGE = re.compile(r'(\d+)(?:\s*[\u2013-]\s*(\d+))?')
INDEX_ANCHOR = 'index'
NEEDED = ('any port', 'fidelity only', 'style only')
VARIANT = re.compile(r'`(mutants/[\w.-]+(?:\.patch|/))`')
UNOBSERVABLE = 'changes nothing observable'
TEST_ID = re.compile(r'`(shared_tests/[\w/]+\.py(?:::[\w\[\]/.,-]+)+)`')
CODE = re.compile(r'`([^`]+)`')


def read_lines(tree, name):
    with io.open(os.path.join(REPO, tree, name), encoding='utf-8') as f:
        return f.read().splitlines()


def file_pairs():
    """The relative paths of the programs, the same in every tree (docs/layout.md)."""
    root = os.path.join(REPO, PORT.old)
    return sorted(os.path.relpath(os.path.join(d, f), root).replace(os.sep, '/')
                  for d, _, fs in os.walk(root) for f in fs if f.endswith('.py'))


def opcodes(old, new):
    """difflib's alignment of two files' lines: the diff everything here speaks of."""
    return difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()


def changed_lines(name, pair=PORT):
    """[(tree, line number, text)]: the lines the new tree's file removes (pair.old) or adds (pair.new)."""
    old, new = read_lines(pair.old, name), read_lines(pair.new, name)
    changed = []
    for op, i1, i2, j1, j2 in opcodes(old, new):
        if op != 'equal':
            changed.extend((pair.old, i + 1, old[i]) for i in range(i1, i2))
            changed.extend((pair.new, j + 1, new[j]) for j in range(j1, j2))
    return changed


class Entry(object):
    def __init__(self, anchor, title, section, line, pair):
        self.anchor = anchor
        self.title = title
        self.section = section
        self.line = line  # where it starts in its ledger
        self.files = []
        self.quoted = {pair.old: [], pair.new: []}
        self.tests = []
        self.why = ''
        self.variants = []           # 'mutants/NAME.patch' (or 'mutants/NAME/'), from **Variant:**
        self.variant_text = ''
        self.lines = []              # numbers of the listing's lines, from **Lines:**
        self.needed_by = ''
        self.text = []               # the entry's own lines of the ledger, as written

    @property
    def is_change(self):
        return any(self.quoted.values())

    @property
    def says(self):
        """The entry's text as one line, white space collapsed."""
        return ' '.join(' '.join(self.text).split())

    @property
    def unobservable(self):
        """The entry declares its change a style choice: its variant must pass every test."""
        return UNOBSERVABLE in ' '.join(self.variant_text.split())

    def covers(self, tree, name, text):
        return name in self.files and text.strip() in [q.strip() for q in self.quoted[tree]]

    def __repr__(self):
        return '<entry #%s>' % self.anchor


def pair_of(path):
    """The pair whose ledger is at ``path`` (absolute, or relative to REPO)."""
    for pair in PAIRS:
        if os.path.realpath(os.path.join(REPO, pair.ledger)) == os.path.realpath(os.path.join(REPO, path)):
            return pair
    raise ValueError('%s is the ledger of no pair of trees (ledger.PAIRS)' % path)


class Ledger(object):
    def __init__(self, pair=PORT):
        """The ledger of ``pair`` (a Pair, or the path of its ledger)."""
        if not isinstance(pair, Pair):
            pair = pair_of(pair)
        self.pair = pair
        with io.open(os.path.join(REPO, pair.ledger), encoding='utf-8') as f:
            self.text = f.read()
        self.entries = []
        self.anchors = ANCHOR.findall(self.text)
        self.tests = TEST_ID.findall(self.text)
        self.listing = OrderedDict()     # line number -> text: the program shown whole, if the ledger has it
        self.index_links = []            # the anchors the index links to
        self.sections = OrderedDict()    # anchor of a level-2 heading -> its title
        self._parse(self.text.splitlines())
        for entry in self.entries:
            entry.quoted[pair.new].extend(self.listing[n] for n in entry.lines if n in self.listing)

    def _parse(self, lines):
        entry, section, side, fence = None, '', None, None
        field, gap, anchor, listed = None, False, None, False
        for number, line in enumerate(lines, 1):
            if entry is not None:
                entry.text.append(line)
            if fence is not None:  # inside a fenced block
                if line.startswith('```'):
                    fence = None
                    listed = listed or anchor == LISTING_ANCHOR
                elif entry is not None and side is not None:
                    entry.quoted[side].append(line)
                elif anchor == LISTING_ANCHOR and not listed and entry is None:
                    m = LISTING_LINE.match(line)
                    if m:
                        self.listing[int(m.group(1))] = m.group(2) or ''
                continue
            if line.startswith('```'):
                fence = line
                continue
            if line.startswith('#') and entry is not None:
                entry.text.pop()  # a heading ends the entry's text
            if line.startswith('## '):
                entry, section, field = None, ANCHOR.sub('', line[3:]).strip(), None
                found = ANCHOR.findall(line)
                anchor = found[0] if found else None
                if anchor:
                    self.sections[anchor] = section
                continue
            if anchor == INDEX_ANCHOR and entry is None:
                self.index_links.extend(LINK.findall(line))
            m = ENTRY.match(line)
            if m:
                entry = Entry(m.group(1), m.group(2).strip(), section, number, self.pair)
                entry.text.append(line)
                self.entries.append(entry)
                side = field = None
                continue
            if line.startswith('#'):
                entry = field = None
                continue
            if entry is None:
                continue
            m = SIDE.match(line)
            if m:
                side, field = self._side(m), None
                continue
            m = FIELD.match(line)
            if m:
                field, side, gap = m.group(1), None, False
                self._field(entry, field, m.group(2))
            elif not line.strip():
                gap = True
            elif field and (not gap or line.startswith('- ')):
                self._field(entry, field, line)  # a field goes on to a blank line, or through its list
                gap = False
            else:
                field = None

    def _side(self, label):
        """The tree a "Python N ...:" label quotes: the new one for "Python 3", or when it names it."""
        named = '(%s)' % self.pair.new in label.group(0)
        return self.pair.new if label.group(1) == '3' or named else self.pair.old

    @staticmethod
    def _field(entry, field, text):
        if field == 'Where':
            entry.files.extend(CODE.findall(text))
        elif field == 'Why':
            entry.why += text
        elif field == 'Proven by':
            entry.tests.extend(TEST_ID.findall(text))
        elif field == 'Variant':
            entry.variants.extend(VARIANT.findall(text))
            entry.variant_text += ' ' + text
        elif field == 'Lines':
            for first, last in LINE_RANGE.findall(text.split(' of ')[0]):
                entry.lines.extend(range(int(first), int(last or first) + 1))
        elif field == 'Needed by':
            entry.needed_by += ' ' + text

    def entries_for(self, tree, name, text):
        return [e for e in self.entries if e.covers(tree, name, text)]
