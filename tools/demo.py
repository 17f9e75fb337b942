#!/usr/bin/env python3
"""The article's demonstrations and example 3, Python 2.7 (py2_original) beside Python 3 (py3_port).  `tox -e demo`

Client A types the article's messages; client B connects, types and is blocked; A leaves with Ctrl-C; then
in example 1 the server exits and B's connection is reset, in example 2 B is served, then leaves with Ctrl-D and
the server is stopped with Ctrl-C (the story is harness/story.py's).

Example 3 is not the article's: its server is the threaded one the article's conclusion calls for
(SocketServer.ThreadingTCPServer), written for this repository in the article's style; its client is the
article's. It is told twice, once for each ending: A talks, and B connects and is served while A is connected;
then either both leave and the server, given Ctrl-C with nobody connected, ends at once; or B leaves, the
server is given Ctrl-C while A is connected, prints its traceback and goes on serving A (A types once more and
is echoed) until A leaves, and ends with it.

Each program runs unmodified on a pseudo-terminal of its own, through the loopback guard (nothing leaves
127.0.0.1), once with Python 2.7 and py2_original, once with Python 3 and py3_port. Lines are compared by
harness/differences.py's rules. Then it prints what each terminal showed, Python 2 beside Python 3, each line
marked

    =   identical
    ~   different only as MIGRATION.md documents (the letter says which; shown as it is, never hidden)
    !   different

and ends with a one-line verdict; the exit status is 1 if any line is marked !, or a step of the story did
not happen (example 1 or 2: B answered while A was connected; example 3: B not served while A was connected,
or the server gone at a Ctrl-C while A was connected), 2 if an interpreter is missing.

Runs on Python 3.6+ with six installed (the harness needs it). Options: --python3 X.Y (default: the
interpreter running this), --width N, --color auto|always|never.
"""
from __future__ import print_function

import difflib
import os
import sys
import time

import harness
from harness import EX1, EX2, EX3
from harness.differences import LETTERS, RULES, Reading, lines_of
from harness.story import ROLES, Demonstration
from tools import terminal

# The documented differences: the only ones this demo lets through, each shown with its letter and link.
DOCUMENTED = [(letter, name, why, 'MIGRATION.md#' + anchor) for letter, name, anchor, why in RULES]


# -- the demonstrations ----------------------------------------------------------------------------------

# (example, ending, title): what this demo tells, in order; example 3 once for each of its endings
# (harness/story.py, THREADED_ACTS).
DEMONSTRATIONS = [
    (EX1, None, 'Example 1'),
    (EX2, None, 'Example 2'),
    (EX3, 'nobody_connected', "Example 3 (not the article's), Ctrl-C with nobody connected"),
    (EX3, 'a_connected', "Example 3 (not the article's), Ctrl-C while client A is connected"),
]
EX3_NOTE = [
    "Example 3 is not the article's. The article ends saying that the cure for client B's wait is a",
    "multi-threaded server, and shows none: example3_threaded/server4.py is that server",
    "(SocketServer.ThreadingTCPServer, a thread per client), written for this repository in the article's",
    "style; client4.py is the article's client. B is served while A is connected. Told twice: Ctrl-C with",
    "nobody connected ends the server at once; Ctrl-C while A is connected prints the traceback at once, and",
    "the server serves A until A leaves, then ends.",
]

class Run(object):
    """One demonstration on one interpreter (harness/story.py): what each terminal showed, how each ended."""

    def __init__(self, example, python, tree):
        self.example = example
        self.python = python
        self.tree = tree
        self.version = harness.python_version(python)
        self.problems = []
        self.seconds = 0.0
        self.lines = {}
        self.demo = None

    def terminal_lines(self, role):
        """What the role's terminal showed, as lines, with the story's marks and how the program ended."""
        program = self.demo.programs.get(role)
        data = program.terminal.bytes() if program else b''
        lines, start = [], 0
        marks = [(offsets.get(role, 0), what) for what, offsets in self.demo.marks]
        for offset, label in marks + [(len(data), None)]:
            # a mark goes before the line in which it happened (A's Ctrl-C, before 'msg to send:^C')
            cut = data.rfind(b'\n', 0, offset) + 1 if offset < len(data) else len(data)
            cut = max(cut, start)
            lines.extend(lines_of(data[start:cut]))
            start = cut
            if label:
                lines.append(Marker(label))
        lines.extend(lines_of(data[start:]))
        if program is not None:
            lines.append(Status(program, role in self.demo.interrupted))
        return lines


class Marker(str):
    """A line of the story, not of a terminal."""


class Status(str):
    """The last line of a transcript: the exit status, or that the program is still running."""

    def __new__(cls, program, interrupted):
        self = str.__new__(cls, '[status]')
        self.returncode = program.returncode if program.exited.is_set() else None
        self.interrupted = interrupted
        return self


def run_demo(example, python, tree, say, ending=None):
    run = Run(example, python, os.path.join(harness.REPO, tree))
    session = harness.Session(python=python, impl_dir=run.tree)
    started = harness.monotonic()
    run.demo = Demonstration(session, example, step=say, ending=ending)
    try:
        if example == EX3:
            play_threaded(run, tree, ending)
        else:
            run.demo.play()
            if not run.demo.b_was_blocked:
                run.problems.append('%s, %s: client B was answered while client A was connected' % (example, tree))
            if example == EX2 and not run.demo.server_went_on:
                run.problems.append('example 2: the server exited after client A left; it must go on accepting')
    except BrokenPipeError:
        raise
    except (AssertionError, OSError) as e:  # HarnessTimeout is an AssertionError
        say('FAILED')
        run.problems.append('%s, %s: %s' % (example, tree, e))
    finally:
        run.lines = dict((role, run.terminal_lines(role)) for role in ROLES)
        try:
            session.close()
        except AssertionError as e:
            run.problems.append(str(e))
    run.seconds = harness.monotonic() - started
    return run


def play_threaded(run, tree, ending):
    """Example 3 (not the article's), checked where its story differs from example 2's: client B is served
    while A is connected; after a Ctrl-C while A is connected, the server goes on serving A until A leaves."""
    demo, where = run.demo, '%s (%s), %s' % (EX3, ending, tree)

    def act(until, problem):
        try:
            demo.play(until)
        except AssertionError as e:  # a HarnessTimeout: what was awaited did not come
            demo.step('FAILED')
            run.problems.append('%s: %s (%s)' % (where, problem, e))
            return False
        return True

    if not act('client_a_talks', 'client A was not echoed'):
        return
    if not act('client_b_is_served', 'client B was not served while client A was connected'):
        return
    if demo.a.exited.is_set():
        run.problems.append('%s: client A had left when client B was served' % where)
    if ending == 'a_connected':
        if not act('server_interrupted', 'no traceback at the Ctrl-C while client A was connected'):
            return
        if not demo.server_went_on:
            run.problems.append('%s: the server exited at Ctrl-C while client A was connected; it must serve A '
                                'until A leaves' % where)
            return
        if not act('client_a_talks_on', "client A was not served after the server's Ctrl-C"):
            return
        act('client_a_leaves', 'the server did not end when client A, the last one, left')
    else:
        act('server_stopped', 'the server did not end at Ctrl-C with nobody connected')


# -- comparing, line by line -----------------------------------------------------------------------------

class Side(object):
    """One column: a run's transcript of one terminal, with a comparison key for every line
    (harness/differences.py)."""

    def __init__(self, run, role):
        self.run = run
        self.reading = Reading(run.version, run.tree, run.example, run.demo.ports())
        self.lines = run.lines[role]

    def keyed(self):
        """[(key, line, tags)]; key None: a line only Python 3 shows, as documented (tags say why)."""
        out, text = [], []

        def flush():
            out.extend((key, line.rstrip('\r\n'), tags) for key, line, tags in self.reading.keyed(text))
            del text[:]
        for line in self.lines:
            if isinstance(line, Marker):
                flush()
                out.append((line, line, ()))
            elif isinstance(line, Status):
                flush()
                key, tags = self.reading.exit_status(line.returncode, line.interrupted)
                shown = self.reading.exit_status(line.returncode)[0]
                out.append((key, shown, tags))
            else:
                text.append(line)
        flush()
        return out


class Row(object):
    def __init__(self, left, right, mark, tags=()):
        self.left, self.right, self.mark, self.tags = left, right, mark, tags


def compare(left, right):
    """Rows of (Python 2 line, Python 3 line, mark, documented tags), aligned by difflib on the keys; a line
    that only one side shows as documented (key None) gets a row of its own, marked ~, where it stood."""
    sides = (left.keyed(), right.keyed())
    main = [[i for i, item in enumerate(keyed) if item[0] is not None] for keyed in sides]
    done = [0, 0]  # how far into each side rows have been emitted
    rows = []

    def extras(side, upto):
        while done[side] < upto:
            key, line, tags = sides[side][done[side]]
            if key is None:
                rows.append(Row(line, None, '~', tags) if side == 0 else Row(None, line, '~', tags))
            done[side] += 1

    matcher = difflib.SequenceMatcher(None, [sides[0][i][0] for i in main[0]], [sides[1][i][0] for i in main[1]],
                                      autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        for n in range(max(i2 - i1, j2 - j1)):
            at = (main[0][i1 + n] if i1 + n < i2 else None, main[1][j1 + n] if j1 + n < j2 else None)
            for side in (0, 1):
                if at[side] is not None:
                    extras(side, at[side])
                    done[side] = at[side] + 1
            li, ri = [sides[side][at[side]] if at[side] is not None else None for side in (0, 1)]
            lline, rline = li[1] if li else None, ri[1] if ri else None
            if op == 'equal' and isinstance(li[0], Marker):
                rows.append(Row(lline, rline, '-'))
            elif op == 'equal' and lline == rline:
                rows.append(Row(lline, rline, '='))
            elif op == 'equal':
                rows.append(Row(lline, rline, '~', sorted(set(li[2]) | set(ri[2]))))
            else:
                rows.append(Row(lline, rline, '!'))
    extras(0, len(sides[0]))
    extras(1, len(sides[1]))
    return rows


# -- printing --------------------------------------------------------------------------------------------

class Screen(object):
    COLOURS = {'=': '', '~': '\033[33m', '!': '\033[1;31m', '-': '\033[36m', 'head': '\033[1m',
               'dim': '\033[2m'}

    def __init__(self, width, colour):
        self.width = width
        self.colour = colour

    def paint(self, what, text):
        return terminal.paint(self.COLOURS.get(what, ''), text, self.colour)

    def out(self, text=''):
        print(text)
        sys.stdout.flush()

    def table(self, title, left_head, right_head, rows):
        column = max(20, (self.width - 8) // 2)
        self.out(self.paint('head', title))
        self.out('     %s | %s' % (terminal.pad(left_head, column), right_head))
        for row in rows:
            if row.mark == '-':
                self.out(self.paint('-', '     %s' % ('-- %s --' % row.left)))
                continue
            tags = ''.join(LETTERS[t] for t in row.tags)
            left = [p for p, _ in terminal.fold(row.left if row.left is not None else '', column)]
            right = [p for p, _ in terminal.fold(row.right if row.right is not None else '', column)]
            for n in range(max(len(left), len(right))):
                mark = ('%s %-2s' % (row.mark, tags)) if n == 0 else '    '
                l = left[n] if n < len(left) else ''
                r = right[n] if n < len(right) else ''
                self.out('%s %s | %s' % (self.paint(row.mark, mark), terminal.pad(l, column), r))
        self.out()


def main(argv=None):
    parser = terminal.parser(__doc__.split('\n')[0])
    parser.add_argument('--python3', metavar='X.Y', help='the Python 3 to run py3_port with '
                        '(default: the one running this demo)')
    args = parser.parse_args(argv)
    screen = Screen(*terminal.setup(args))
    # The programs' pseudo-terminals show no colours: Python 3.13 colours its tracebacks on any terminal but
    # a dumb one, unless told otherwise (MIGRATION.md#traceback-colours).
    for name in ('FORCE_COLOR', 'PYTHON_COLORS', 'NO_COLOR'):
        os.environ.pop(name, None)
    os.environ['TERM'] = 'dumb'

    python2 = harness.find_python('2.7')
    python3 = harness.find_python(args.python3) if args.python3 else sys.executable
    missing = [what for what, path in (('Python 2.7', python2), ('Python %s' % args.python3, python3)) if not path]
    if missing:
        print('demo: %s not found. It looks for $PYTHON27 (or PYTHON3X), python2.7 on PATH, and pyenv\'s '
              'versions; README.md, "Getting Python 2.7", says how to install it.' % ' and '.join(missing),
              file=sys.stderr)
        return 2
    sides = (('Python 2', python2, 'py2_original'), ('Python 3', python3, 'py3_port'))

    started = time.time()
    screen.out(screen.paint('head', "The article's two demonstrations, and example 3 (not the article's), "
                                    "Python 2 beside Python 3"))
    for label, python, tree in sides:
        screen.out('  %s: %s %s, %s/' % (label, python, harness.dotted(harness.python_version(python)), tree))
    screen.out('  every program runs unmodified on a pseudo-terminal of its own (TERM=dumb: no colours), '
               'confined to loopback (harness/loopback.py)')
    screen.out()

    totals = {'=': 0, '~': 0, '!': 0}
    used_tags = set()
    problems = []
    terminals = 0
    for example, ending, title in DEMONSTRATIONS:
        if example == EX3 and ending == 'nobody_connected':
            for line in EX3_NOTE:
                screen.out(screen.paint('head', line) if line.startswith('Example') else line)
            screen.out()
        runs = []
        for label, python, tree in sides:
            sys.stdout.write('%s, on %s: ' % (title, label))
            steps = []

            def say(step):
                sys.stdout.write(('' if not steps else ', ') + step)
                sys.stdout.flush()
                steps.append(step)
            run = run_demo(example, python, tree, say, ending)
            screen.out('  (%.1f s)' % run.seconds)
            runs.append(run)
            problems.extend(run.problems)
        screen.out()
        left, right = runs
        for role in ROLES:
            rows = compare(Side(left, role), Side(right, role))
            terminals += 1
            for row in rows:
                if row.mark in totals:
                    totals[row.mark] += 1
                used_tags.update(row.tags)
            screen.table('%s, %s\'s terminal (%s)' % (title, role, 'server4.py' if role == 'server'
                                                       else 'client4.py'),
                         'Python %s, %s' % (harness.dotted(left.version), left.tree[len(harness.REPO) + 1:]),
                         'Python %s, %s' % (harness.dotted(right.version), right.tree[len(harness.REPO) + 1:]),
                         rows)

    screen.out('Marks: = identical   ~ different only as documented (letter below)   ! different   '
               '-- a step of the story')
    for letter, name, why, link in DOCUMENTED:
        if name in used_tags:
            screen.out('  ~%s %s: %s. See %s' % (letter, name, why, link))
    screen.out('  Only these are compared leniently: every other character must match; both lines are '
               'shown as they were.')
    for problem in problems:
        screen.out(screen.paint('!', 'PROBLEM: %s' % problem))
    screen.out()
    seconds = time.time() - started
    if totals['!'] or problems:
        screen.out(screen.paint('!', 'Verdict: DIFFERENT. %d lines differ (!), %d problems; %d identical, %d '
                                     'different only as documented (%.1f s)' % (
                                         totals['!'], len(problems), totals['='], totals['~'], seconds)))
        return 1
    screen.out(screen.paint('head', 'Verdict: the same. Python 3 showed what Python 2 showed on all %d '
                                    'terminals: %d lines identical, %d different only as documented (%.1f s)'
                            % (terminals, totals['='], totals['~'], seconds)))
    return 0


if __name__ == '__main__':
    terminal.run(main)
