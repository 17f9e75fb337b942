#!/usr/bin/env python3
"""The article's two demonstrations, Python 2.7 (py2_original) beside Python 3 (py3_port).  `tox -e demo`

Client A types the article's messages; client B connects, types and is blocked; A leaves with Ctrl-C; then
in example 1 the server exits and B's connection is reset, in example 2 B is served. Each program runs
unmodified on a pseudo-terminal of its own, started through shared_tests/harness.py (so through the loopback
guard: nothing leaves 127.0.0.1), once with Python 2.7 and py2_original, once with Python 3 and py3_port.
Then it prints what each terminal showed, Python 2 beside Python 3, each line marked

    =   identical
    ~   different only as MIGRATION.md documents (the letter says which; shown as it is, never hidden)
    !   different

and ends with a one-line verdict; the exit status is 1 if any line is marked !, or a step of the story did
not happen (B answered while A was connected), 2 if an interpreter is missing.

Runs on Python 3.6+ with six installed (the harness needs it). Options: --python3 X.Y (default: the
interpreter running this), --width N, --color auto|always|never.
"""
from __future__ import print_function

import difflib
import os
import re
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, 'shared_tests'))

import harness  # noqa: E402  (after the path is set)
import terminal  # noqa: E402  (tools/terminal.py, beside this file)
from harness import PROMPT  # noqa: E402

EX1 = 'example1_interactive'
EX2 = 'example2_accept_loop'
ROLES = ('server', 'client A', 'client B')

# The documented differences: the only ones this demo lets through, each shown with its letter and link.
DOCUMENTED = [
    ('p', 'client port numbers', 'the OS picks a new port for every connection; compared as "client A", '
     '"client B"', 'MIGRATION.md#client-port-numbers'),
    ('e', 'exception class names', 'Python 3 raises ConnectionResetError where Python 2 raised socket.error '
     '(PEP 3151); the message after the colon is the same', 'MIGRATION.md#exception-class-names'),
    ('c', '^^^^ lines', 'Python 3.11+ underlines the failing expression in a traceback (PEP 657)',
     'MIGRATION.md#traceback-markers'),
    ('s', 'exit status after Ctrl-C', 'Python 2 and 3.6/3.7 exit with status 1; Python 3.8+ dies by SIGINT '
     '(subprocess: -2, the shell: 130)', 'MIGRATION.md#exit-status-after-ctrl-c'),
    ('l', 'traceback line numbers', "the port's lines sit lower in the file (the coding line went, raw_input "
     "came); compared by the source line they name", 'MIGRATION.md#traceback-line-numbers'),
    ('f', 'one more traceback frame', "Ctrl-C at the prompt stops inside the port's raw_input, a Python "
     "function; Python 2's was built in", 'MIGRATION.md#traceback-raw-input-frame'),
]
LETTERS = dict((name, letter) for letter, name, _, _ in DOCUMENTED)

PEP3151 = {  # errno -> the OSError subclass Python 3 raises where Python 2 raised socket.error
    32: 'BrokenPipeError', 104: 'ConnectionResetError', 111: 'ConnectionRefusedError',
}


# -- the two demonstrations ------------------------------------------------------------------------------

class Run(object):
    """One demonstration on one interpreter: what each terminal showed, and how each program ended."""

    def __init__(self, example, python, tree):
        self.example = example
        self.python = python
        self.tree = tree
        self.version = python_version(python)
        self.programs = {}
        self.markers = {role: [] for role in ROLES}  # (byte offset, label)
        self.interrupted = set()
        self.problems = []
        self.seconds = 0.0

    def mark(self, label):
        """A line in every terminal's transcript: what happened at this point of the story."""
        for role in ROLES:
            program = self.programs.get(role)
            self.markers[role].append((len(program.terminal.bytes()) if program else 0, label))

    def terminal_lines(self, role):
        """What the role's terminal showed, as lines, with the story's markers and how the program ended."""
        program = self.programs.get(role)
        data = program.terminal.bytes() if program else b''
        lines, start = [], 0
        for offset, label in self.markers[role] + [(len(data), None)]:
            # a marker goes before the line in which it happened (A's Ctrl-C, before 'msg to send:^C')
            cut = data.rfind(b'\n', 0, offset) + 1 if offset < len(data) else len(data)
            cut = max(cut, start)
            lines.extend(split_terminal(data[start:cut]))
            start = cut
            if label:
                lines.append(Marker(label))
        lines.extend(split_terminal(data[start:]))
        if program is not None:
            lines.append(Status(program, role in self.interrupted))
        return lines


class Marker(str):
    """A line of the story, not of a terminal."""


class Status(str):
    """The last line of a transcript: the exit status, or that the program is still running."""

    def __new__(cls, program, interrupted):
        if not program.exited.is_set():
            text = '[still running]'
        elif program.returncode < 0:
            text = '[exit: killed by signal %d]' % -program.returncode
        else:
            text = '[exit status %d]' % program.returncode
        self = str.__new__(cls, text)
        self.returncode = program.returncode if program.exited.is_set() else None
        self.interrupted = interrupted
        return self


def split_terminal(data):
    text = data.decode('utf-8', 'backslashreplace').replace('\r\n', '\n')
    lines = text.split('\n')
    if lines and lines[-1] == '':
        lines.pop()
    return lines


# What the article's people type: client A's messages, then client B's.
ARTICLE = {
    EX1: ([b'The first msg.', b'The second msg.', b'The third msg.', b"I'm A."], b"I'm B"),
    EX2: ([b'Hello!', b"I'm Client A."], b"I'm Client B."),
}


def demo(run, session, say):
    """The article's story: A types, B connects and is blocked, A presses Ctrl-C, then what follows."""
    a_messages, b_message = ARTICLE[run.example]
    server = run.programs['server'] = session.server(run.example, tty=True)
    say('server listening')
    a = run.programs['client A'] = session.client(run.example, server.port, role='client A', tty=True)
    for message in a_messages:
        a.expect(PROMPT)
        a.type(message + b'\r')
        server.expect(message + b'\r\n')
    a.expect(PROMPT)
    say('client A: %d messages echoed' % len(a_messages))
    run.mark('client B connects and types "%s"' % b_message.decode('ascii'))
    b = run.programs['client B'] = session.client(run.example, server.port, role='client B', tty=True)
    b.expect(PROMPT)
    b.type(b_message + b'\r')
    b.expect(b_message + b'\r\n')                     # the terminal echoes what was typed
    blocked(run, say, server, b)
    run.mark('client A presses Ctrl-C')
    run.interrupted.add('client A')
    a.interrupt()
    a.wait_exit()
    say('client A: Ctrl-C')
    if run.example == EX1:                             # the server leaves with A; B's connection is reset
        server.wait_exit()
        say('server exited')
        b.wait_exit()
        say('client B: connection reset')
    else:                                              # the server accepts B and serves it
        b.expect(PROMPT)
        server.expect(b_message + b'\r\n')
        say('client B served')
        if not server.still_running_after():
            run.problems.append('example 2: the server exited after client A left; it must go on accepting')
        say('server still accepting')


def blocked(run, say, server, b):
    """The point of the article: while A is connected, B gets no answer and the server reads nothing."""
    if b.terminal.nothing_new_within() and server.terminal.nothing_new_within():
        say('client B: no answer within %d ms (blocked)' % harness.QUIET_MS)
    else:
        say('client B: ANSWERED while A was connected')
        run.problems.append('%s, %s: client B was answered while client A was connected' % (
            run.example, run.tree))


def run_demo(example, python, tree, say):
    run = Run(example, python, os.path.join(REPO, tree))
    session = harness.Session(python=python, impl_dir=run.tree)
    started = harness._monotonic()
    try:
        demo(run, session, say)
    except BrokenPipeError:
        raise
    except (AssertionError, OSError) as e:  # HarnessTimeout is an AssertionError
        say('FAILED')
        run.problems.append('%s, %s: %s' % (example, tree, e))
    finally:
        snapshot = dict((role, run.terminal_lines(role)) for role in ROLES)
        try:
            session.close()
        except AssertionError as e:
            run.problems.append(str(e))
    run.lines = snapshot
    run.seconds = harness._monotonic() - started
    return run


# -- comparing, line by line -----------------------------------------------------------------------------

FRAME = re.compile(r'^  File "([^"]+)", line (\d+), in (\S+)$')
CARETS = re.compile(r'^ *[\^~]+ *$')
CONNECTED = re.compile(r"^(Connected by \('127\.0\.0\.1', )(\d+)(\)\s*)$")
EXCEPTION = re.compile(r'^(socket\.error|[A-Za-z]+Error): (\[Errno (\d+)\] .*)$')


class Side(object):
    """One column: a run's transcript of one terminal, with a comparison key for every line."""

    def __init__(self, run, role):
        self.run = run
        self.lines = run.lines[role]
        self.ports = dict((r, p.local_port) for r, p in run.programs.items()
                          if r.startswith('client') and p.event_count('connected'))
        self.python3 = run.version[0] == 3
        self.source = {}

    def source_line(self, name, number):
        path = os.path.join(self.run.tree, self.run.example, name)
        if path not in self.source:
            with open(path, encoding='utf-8') as f:
                self.source[path] = f.read().splitlines()
        lines = self.source[path]
        return lines[number - 1].strip() if 0 < number <= len(lines) else None

    def keyed(self):
        """[(key, line, tags)]; key None: a line only Python 3 shows, as documented (tags say why)."""
        out = []
        extra_source = False
        for line in self.lines:
            if isinstance(line, (Marker, Status)):
                out.append(self.key_of_special(line))
                continue
            if extra_source:  # the source line under the port's raw_input frame
                out.append((None, line, ('one more traceback frame',)))
                extra_source = False
                continue
            if self.python3 and self.run.version >= (3, 11) and CARETS.match(line):
                out.append((None, line, ('^^^^ lines',)))
                continue
            out.append(self.key_of(line))
            if out[-1][0] is None:
                extra_source = True
        return out

    def key_of_special(self, line):
        if isinstance(line, Status) and line.interrupted and line.returncode is not None:
            expected = -2 if self.run.version >= (3, 8) else 1
            if line.returncode == expected:
                tags = ('exit status after Ctrl-C',) if expected != 1 else ()
                return ('[exit after Ctrl-C, as documented]', line, tags)
        return (line, line, ())

    def key_of(self, line):
        m = CONNECTED.match(line)
        if m:
            for role, port in self.ports.items():
                if int(m.group(2)) == port:
                    return (m.group(1) + role + m.group(3), line, ('client port numbers',))
        m = FRAME.match(line)
        if m:
            name, number, function = m.group(1), int(m.group(2)), m.group(3)
            if self.python3 and function == 'raw_input':  # the port's own raw_input; Python 2's was built in
                return (None, line, ('one more traceback frame',))
            source = self.source_line(name, number)
            if source is not None:
                return ('  File "%s", the line %r, in %s' % (name, source, function), line,
                        ('traceback line numbers',))
        m = EXCEPTION.match(line)
        if m and self.python3 and m.group(1) == PEP3151.get(int(m.group(3))):
            return ('socket.error: ' + m.group(2), line, ('exception class names',))
        return (line, line, ())


class Row(object):
    def __init__(self, left, right, mark, tags=()):
        self.left, self.right, self.mark, self.tags = left, right, mark, tags


def compare(left, right):
    """Rows of (Python 2 line, Python 3 line, mark, documented tags), aligned by difflib on the keys."""
    lk, rk = left.keyed(), right.keyed()
    r_main = [i for i, item in enumerate(rk) if item[0] is not None]
    rows = []
    r_done = [0]  # index into rk up to which rows have been emitted

    def flush_extras(upto):
        while r_done[0] < upto:
            key, line, tags = rk[r_done[0]]
            if key is None:
                rows.append(Row(None, line, '~', tags))
            r_done[0] += 1

    matcher = difflib.SequenceMatcher(None, [k for k, _, _ in lk], [rk[i][0] for i in r_main], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        for n in range(max(i2 - i1, j2 - j1)):
            li = lk[i1 + n] if i1 + n < i2 else None
            ri = r_main[j1 + n] if j1 + n < j2 else None
            if ri is not None:
                flush_extras(ri)
                r_done[0] = ri + 1
            lline = li[1] if li else None
            rline = rk[ri][1] if ri is not None else None
            if op == 'equal' and isinstance(lline, Marker):
                rows.append(Row(lline, rline, '-'))
            elif op == 'equal' and lline == rline:
                rows.append(Row(lline, rline, '='))
            elif op == 'equal':
                rows.append(Row(lline, rline, '~', sorted(set(li[2]) | set(rk[ri][2]))))
            else:
                rows.append(Row(lline, rline, '!'))
    flush_extras(len(rk))
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


def python_version(python):
    import subprocess
    said = subprocess.check_output([python, '-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'])
    return tuple(int(x) for x in said.decode('ascii').split('.'))


def dotted(version):
    return '.'.join(str(x) for x in version)


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
    screen.out(screen.paint('head', "The article's two demonstrations, Python 2 beside Python 3"))
    for label, python, tree in sides:
        screen.out('  %s: %s %s, %s/' % (label, python, dotted(python_version(python)), tree))
    screen.out('  every program runs unmodified on a pseudo-terminal of its own (TERM=dumb: no colours), '
               'confined to loopback (shared_tests/loopback.py)')
    screen.out()

    totals = {'=': 0, '~': 0, '!': 0}
    used_tags = set()
    problems = []
    for number, example in ((1, EX1), (2, EX2)):
        runs = []
        for label, python, tree in sides:
            sys.stdout.write('Example %d on %s: ' % (number, label))
            steps = []

            def say(step):
                sys.stdout.write(('' if not steps else ', ') + step)
                sys.stdout.flush()
                steps.append(step)
            run = run_demo(example, python, tree, say)
            screen.out('  (%.1f s)' % run.seconds)
            runs.append(run)
            problems.extend(run.problems)
        screen.out()
        left, right = runs
        for role in ROLES:
            rows = compare(Side(left, role), Side(right, role))
            for row in rows:
                if row.mark in totals:
                    totals[row.mark] += 1
                used_tags.update(row.tags)
            screen.table('Example %d, %s\'s terminal (%s)' % (number, role, 'server4.py' if role == 'server'
                                                                else 'client4.py'),
                         'Python %s, %s' % (dotted(left.version), left.tree[len(REPO) + 1:]),
                         'Python %s, %s' % (dotted(right.version), right.tree[len(REPO) + 1:]), rows)

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
    screen.out(screen.paint('head', 'Verdict: the same. Python 3 showed what Python 2 showed on all six '
                                    'terminals: %d lines identical, %d different only as documented (%.1f s)'
                            % (totals['='], totals['~'], seconds)))
    return 0


if __name__ == '__main__':
    terminal.run(main)
