"""Side-by-side columns on a terminal, for tools/demo.py and tools/diff.py. Python 3.6+.

Widths count columns, not characters: a CJK character (the article's comments) takes two. Long lines are
folded, never cut, so nothing a line holds is hidden.
"""
import argparse
import io
import os
import shutil
import sys
import unicodedata

RESET = '\033[0m'


def add_options(parser):
    parser.add_argument('--width', type=int, help="columns (default: the terminal's, or 160)")
    parser.add_argument('--color', choices=('auto', 'always', 'never'), default='auto',
                        help='auto: colour on a terminal, plain when piped or with NO_COLOR set')


def setup(args):
    """(width, colour) from the options; stdout that can print any character, whatever the locale."""
    if sys.stdout.encoding.lower().replace('-', '') != 'utf8':  # e.g. Python 3.6 in the C locale: ASCII
        sys.stdout = io.TextIOWrapper(sys.stdout.buffer, sys.stdout.encoding, 'backslashreplace',
                                      line_buffering=True)
    colour = args.color == 'always' or (args.color == 'auto' and sys.stdout.isatty()
                                         and not os.environ.get('NO_COLOR'))
    return args.width or shutil.get_terminal_size((160, 24)).columns, colour


def cell_width(text):
    return sum(2 if unicodedata.east_asian_width(c) in 'WF' else 1 for c in text)


def fold(text, width, flags=None):
    """Pieces of at most ``width`` columns; with ``flags`` (one per character), pieces of (text, flags)."""
    flags = flags if flags is not None else [False] * len(text)
    pieces, piece, marks, used = [], '', [], 0
    for c, flag in zip(text, flags):
        w = cell_width(c)
        if used + w > width and piece:
            pieces.append((piece, marks))
            piece, marks, used = '', [], 0
        piece += c
        marks.append(flag)
        used += w
    pieces.append((piece, marks))
    return pieces


def pad(text, width):
    return text + ' ' * max(0, width - cell_width(text))


def paint(code, text, colour=True):
    return '%s%s%s' % (code, text, RESET) if colour and code and text else text


def paint_marked(piece, marks, base, strong, colour):
    """A piece of a line in ``base``, its flagged characters in ``strong`` (the characters that changed)."""
    if not colour:
        return piece
    out, run, flag = [], '', None
    for c, m in zip(piece, marks):
        if m != flag and run:
            out.append(paint(strong if flag else base, run))
            run = ''
        run += c
        flag = m
    out.append(paint(strong if flag else base, run))
    return ''.join(out)


def parser(description):
    p = argparse.ArgumentParser(description=description)
    add_options(p)
    return p


def run(main):
    """sys.exit(main()), quietly when the reader goes away (``| head``)."""
    try:
        status = main()
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        status = 1
    sys.exit(status)
