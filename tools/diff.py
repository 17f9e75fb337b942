#!/usr/bin/env python3
"""Every file pair, py2_original beside py3_port and beside py23_six, each change linked to its ledger entry.

`tox -e diff`. For each pair of trees (tools/ledger.py, PAIRS: the port with MIGRATION.md, the straddle with
MIGRATION-py23_six.md) it prints each file pair side by side (coloured on a terminal, plain when piped) and
writes a self-contained HTML page (no network: styles inline, the ledger rendered into the page):
build/diff.html for the port, build/diff-py23_six.html beside it for the straddle, each linking to the
other. Example 3's files are marked as not the article's (NOT_THE_ARTICLES). The alignment is difflib's
(tools/ledger.py), the one the ledger test checks. Marks: ' ' the same,
'-' only in the old tree, '+' only in the new one, '|' changed. Exit status 1 if a changed line has no
ledger entry.

Options: --html PATH (the port's page; the straddle's is written beside it), --width N,
--color auto|always|never. Python 3.6+; the page's ledger needs the
`markdown` package (the tox env installs it).
"""
import difflib
import html
import io
import os
import sys

from tools import ledger, terminal


DEFAULT_HTML = os.path.join(ledger.REPO, 'build', 'diff.html')
MARKS = {'equal': ' ', 'delete': '-', 'insert': '+', 'replace': '|'}

# The files that are not the article's listings (py2_original/PROVENANCE.md), and what each is: said beside the
# file's name on the terminal and on the page.
NOT_THE_ARTICLES = {
    'example3_threaded/server4.py': "not the article's: the threaded server its conclusion calls for, written "
                                    "for this repository in the article's style",
    'example3_threaded/client4.py': "example 3, not the article's; this client is the article's, byte for byte "
                                    "example 2's",
}


def headline(name):
    """A file's name, with what it is if it is not one of the article's listings."""
    return '%s (%s)' % (name, NOT_THE_ARTICLES[name]) if name in NOT_THE_ARTICLES else name


class Row(object):
    """One line of the side-by-side view: (number, text) on each side, or None where a side has none."""

    def __init__(self, op, old, new, entries, missing):
        self.op, self.old, self.new, self.entries = op, old, new, entries
        self.missing = missing  # a changed line of this row has no ledger entry

    def char_flags(self):
        """For a changed pair: which characters of each side differ (difflib on characters)."""
        a, b = self.old[1], self.new[1]
        fa, fb = [True] * len(a), [True] * len(b)
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if op == 'equal':
                fa[i1:i2] = [False] * (i2 - i1)
                fb[j1:j2] = [False] * (j2 - j1)
        return fa, fb


def rows_of(name, book):
    pair = book.pair
    old, new = ledger.read_lines(pair.old, name), ledger.read_lines(pair.new, name)
    rows = []
    for op, i1, i2, j1, j2 in ledger.opcodes(old, new):
        for n in range(max(i2 - i1, j2 - j1)):
            o = (i1 + n + 1, old[i1 + n]) if i1 + n < i2 else None
            w = (j1 + n + 1, new[j1 + n]) if j1 + n < j2 else None
            kind = op if op != 'replace' or (o and w) else ('delete' if o else 'insert')
            entries, missing = [], False
            if kind != 'equal':
                for tree, line in ((pair.old, o), (pair.new, w)):
                    found = book.entries_for(tree, name, line[1]) if line else [None]
                    missing = missing or not found
                    entries.extend(e for e in found if e is not None and e not in entries)
            rows.append(Row(kind, o, w, entries, missing))
    return rows


# -- the terminal ----------------------------------------------------------------------------------------

RED, GREEN, YELLOW, DIM, BOLD = '\033[31m', '\033[32m', '\033[33m', '\033[2m', '\033[1m'
STRONG = {'delete': '\033[1;41;37m', 'insert': '\033[1;42;30m', 'replace': '\033[1;43;30m'}
BASE = {'equal': '', 'delete': RED, 'insert': GREEN, 'replace': YELLOW}


def print_pair(name, rows, pair, width, colour):
    column = max(24, (width - 14) // 2)
    changed = sum(1 for r in rows if r.op != 'equal')
    print(terminal.paint(BOLD, '=== %s: %s beside %s, %d rows changed' % (headline(name), pair.old, pair.new,
                                                                          changed), colour))
    pending, missing = [], False  # the ledger entries of the change being printed
    for row in rows:
        if row.op == 'equal' and (pending or missing):
            print_entries(pending, missing, pair, colour)
            pending, missing = [], False
        pending.extend(e for e in row.entries if e not in pending)
        missing = missing or row.missing
        if row.op == 'replace':
            fa, fb = row.char_flags()
        else:
            fa = fb = None
        left = terminal.fold(row.old[1], column, fa) if row.old else [('', [])]
        right = terminal.fold(row.new[1], column, fb) if row.new else [('', [])]
        strong = STRONG.get(row.op, '')
        for n in range(max(len(left), len(right))):
            lp, lm = left[n] if n < len(left) else ('', [])
            rp, rm = right[n] if n < len(right) else ('', [])
            lno = '%3d' % row.old[0] if row.old and n == 0 else '   '
            rno = '%3d' % row.new[0] if row.new and n == 0 else '   '
            mark = MARKS[row.op] if n == 0 else ' '
            print('%s %s %s %s %s' % (
                terminal.paint(DIM, lno, colour),
                terminal.paint_marked(lp, lm, BASE[row.op] if row.old else '', strong, colour)
                + ' ' * (column - terminal.cell_width(lp)),
                terminal.paint(BASE[row.op], mark, colour),
                terminal.paint(DIM, rno, colour),
                terminal.paint_marked(rp, rm, BASE[row.op] if row.new else '', strong, colour)))
    if pending or missing:
        print_entries(pending, missing, pair, colour)
    print()


def print_entries(entries, missing, pair, colour):
    text = '      -> ' + ', '.join('%s#%s' % (pair.ledger, e.anchor) for e in entries)
    if missing:
        text += '%sNO LEDGER ENTRY for a line of this change' % ('; ' if entries else '')
    print(terminal.paint('\033[1;31m' if missing else DIM, text, colour))


# -- the page --------------------------------------------------------------------------------------------

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 110em; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
table.diff { border-collapse: collapse; width: 100%; table-layout: fixed; margin-bottom: 1em; }
table.diff td { font: 12.5px/1.4 ui-monospace, Menlo, Consolas, monospace; vertical-align: top; padding: 0 .4em;
  white-space: pre-wrap; word-break: break-all; }
table.diff th { text-align: left; background: #eee; padding: .2em .4em; }
td.no { width: 2.5em; color: #999; text-align: right; user-select: none; }
td.ledger { width: 13em; font-family: system-ui, sans-serif !important; white-space: normal !important; }
tr.delete td.old, tr.replace td.old { background: #fde8e8; }
tr.insert td.new, tr.replace td.new { background: #e6f6e6; }
tr.delete td.new, tr.insert td.old { background: #f4f4f4; }
span.old { background: #f5b5b5; } span.new { background: #a8e0a8; }
a.entry { display: inline-block; margin: 0 .3em .1em 0; padding: 0 .35em; border-radius: .3em; background: #e8eefc;
  text-decoration: none; font-size: 12px; }
a.missing { background: #c00; color: white; }
section.ledger { border-top: 2px solid #ccc; margin-top: 3em; }
section.ledger pre { background: #f6f6f6; padding: .5em; overflow-x: auto; }
section.ledger table { border-collapse: collapse; } section.ledger td, section.ledger th { border: 1px solid #ccc;
  padding: .2em .4em; }
:target { background: #fff6c0; }
p.note, li .note { color: #8a4b00; } p.note { margin: -.5em 0 .6em; font-style: italic; }
"""


def esc(text):
    return html.escape(text, quote=True)


def html_line(line, flags, side):
    if line is None:
        return ''
    if flags is None:
        return esc(line[1])
    out, run, flag = [], '', None
    for c, f in list(zip(line[1], flags)) + [('', None)]:
        if f != flag and run:
            out.append('<span class="%s">%s</span>' % (side, esc(run)) if flag else esc(run))
            run = ''
        run += c
        flag = f
    return ''.join(out)


def html_pair(name, rows, pair):
    out = ['<h2 id="%s">%s</h2>' % (esc(name.replace('/', '-').replace('.', '-')), esc(name))]
    if name in NOT_THE_ARTICLES:
        out.append('<p class="note">%s</p>' % esc(NOT_THE_ARTICLES[name][0].upper() + NOT_THE_ARTICLES[name][1:]))
    out += ['<table class="diff"><colgroup><col style="width:2.5em"><col><col style="width:2.5em"><col>'
            '<col style="width:13em"></colgroup>',
            '<tr><th></th><th>%s/%s</th><th></th><th>%s/%s</th><th>ledger</th></tr>'
            % (esc(pair.old), esc(name), esc(pair.new), esc(name))]
    for row in rows:
        fa, fb = row.char_flags() if row.op == 'replace' else (None, None)
        if row.op == 'equal':
            links = ''
        else:
            links = ''.join('<a class="entry" href="#%s" title="%s">%s</a>' % (
                esc(e.anchor), esc(e.title.replace('`', '')), esc(e.anchor)) for e in row.entries)
            if row.missing:
                links += '<a class="entry missing" href="#ledger">no ledger entry</a>'
        out.append('<tr class="%s"><td class="no">%s</td><td class="old">%s</td><td class="no">%s</td>'
                   '<td class="new">%s</td><td class="ledger">%s</td></tr>' % (
                       row.op, row.old[0] if row.old else '', html_line(row.old, fa, 'old'),
                       row.new[0] if row.new else '', html_line(row.new, fb, 'new'), links))
    out.append('</table>')
    return '\n'.join(out)


def render_ledger(book, pages):
    try:
        import markdown  # the tox env pins it
    except ImportError:
        sys.exit('diff: the page needs the markdown package: run `tox -e diff`, or pip install markdown')
    rendered = markdown.markdown(book.text, extensions=['fenced_code', 'tables'])
    for pair in ledger.PAIRS:  # a link into another pair's ledger goes to that pair's page
        if pair is not book.pair:
            rendered = rendered.replace('href="%s#' % pair.ledger, 'href="%s#' % pages[pair])
            rendered = rendered.replace('href="%s"' % pair.ledger, 'href="%s#ledger"' % pages[pair])
    return rendered


# What each page says its right-hand tree is.
RIGHT = {ledger.PORT: 'as ported (Python 3, right)',
         ledger.STRADDLE: 'as one source for Python 2.7 and 3.6 &ndash; 3.15, with <code>six</code> (right)'}


def page_names(first):
    """{pair: the file name of its page}: the port's is `first`, each other one is beside it."""
    stem, ext = os.path.splitext(os.path.basename(first))
    return dict((pair, os.path.basename(first) if pair is ledger.PORT else '%s-%s%s' % (stem, pair.new, ext))
                for pair in ledger.PAIRS)


def write_page(path, pairs, book, pages):
    pair = book.pair
    names = [name for name, _ in pairs]
    toc = ''.join('<li><a href="#%s">%s</a>: %d rows changed%s</li>' % (
        esc(n.replace('/', '-').replace('.', '-')), esc(n), sum(1 for r in rows if r.op != 'equal'),
        ' <span class="note">(%s)</span>' % esc(NOT_THE_ARTICLES[n]) if n in NOT_THE_ARTICLES else '')
        for n, rows in pairs)
    others = ', '.join('<a href="%s">%s beside %s</a>' % (esc(pages[p]), esc(p.old), esc(p.new))
                       for p in ledger.PAIRS if p is not pair)
    title = '%s beside %s' % (pair.old, pair.new)
    page = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%s</title>
<style>%s</style></head><body>
<h1>%s</h1>
<p>The article's four programs as published, and example 3 (not the article's: the threaded server its
conclusion calls for, written for this repository in its style, beside the article's client), in Python 2 (left)
and %s, aligned by
Python's <code>difflib</code>. Changed lines are highlighted, the changed characters darker; each change
links to its entry in <a href="#ledger">the ledger</a> (<code>%s</code>, below). Written by
<code>tox -e diff</code> (<code>tools/diff.py</code>); nothing on this page loads anything from anywhere.
Also: %s.</p>
<ul>%s</ul>
%s
<section class="ledger" id="ledger">
%s
</section>
</body></html>
""" % (esc(title), STYLE, esc(title), RIGHT[pair], esc(pair.ledger), others, toc,
       '\n'.join(html_pair(n, rows, pair) for n, rows in pairs), render_ledger(book, pages))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with io.open(path, 'w', encoding='utf-8') as f:
        f.write(page)
    return names


def main(argv=None):
    parser = terminal.parser(__doc__.split('\n')[0])
    parser.add_argument('--html', default=DEFAULT_HTML, help='where to write the page (default: build/diff.html)')
    args = parser.parse_args(argv)
    width, colour = terminal.setup(args)
    pages = page_names(args.html)
    status = 0
    for pair in ledger.PAIRS:
        if pair is not ledger.PORT:
            print()
        status = max(status, show_pair(pair, os.path.join(os.path.dirname(os.path.abspath(args.html)),
                                                          pages[pair]), pages, width, colour))
    return status


def show_pair(pair, path, pages, width, colour):
    """One pair of trees: every file side by side on the terminal, and its page. 1 if a line is unaccounted."""
    book = ledger.Ledger(pair)
    pairs = [(name, rows_of(name, book)) for name in ledger.file_pairs()]
    for name, rows in pairs:
        print_pair(name, rows, pair, width, colour)
    write_page(path, pairs, book, pages)
    unaccounted = sum(1 for _, rows in pairs for r in rows if r.missing)
    changed = sum(1 for _, rows in pairs for r in rows if r.op != 'equal')
    print('%s beside %s: %d files, %d rows changed, %s. Page: %s' % (
        pair.old, pair.new, len(pairs), changed, 'every one linked to its %s entry' % pair.ledger
        if not unaccounted else '%d WITHOUT A LEDGER ENTRY' % unaccounted, os.path.relpath(path)))
    return 1 if unaccounted else 0


if __name__ == '__main__':
    terminal.run(main)
