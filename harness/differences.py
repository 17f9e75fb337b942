# -*- coding: utf-8 -*-
"""What may differ between the original on Python 2 and a port on Python 3: the one normaliser.

Its rules are MIGRATION.md's "what cannot be kept" entries (RULES names each by its anchor; the ledger test
checks they exist). A transcript (a terminal, a log) is read line by line into *keys*: a line's key is the line
itself, except where a rule applies; then the key says what must still be equal, and the line is tagged with
the rule. A key of None is a line that only one side shows, as documented (the port's own raw_input frame, a
``^^^^`` line); it is left out of the comparison, never hidden from a person (tools/demo.py shows it).
Everything no rule names must be equal to the byte: the keys keep each line's ending, and bytes that are not
UTF-8 are kept as escapes.

Used by the differential tests (shared_tests/test_differential.py) and by ``tox -e demo`` (tools/demo.py).
"""
import codecs
import io
import os
import re
import signal

# (letter, name, MIGRATION.md anchor, what the rule lets differ)
RULES = [
    ('p', 'client port numbers', 'client-port-numbers',
     'the OS picks a new port for every connection; compared as "client A", "client B"'),
    ('e', 'exception class names', 'exception-class-names',
     'Python 3 raises the OSError subclass of the errno where Python 2 raised socket.error (PEP 3151); '
     'the message after the colon is the same'),
    ('c', '^^^^ lines', 'traceback-markers', 'Python 3.11+ underlines the failing expression in a traceback '
     '(PEP 657)'),
    ('a', "the script's path in frames", 'traceback-script-path',
     'Python 3.9+ names the script by its absolute path (bpo-20443); compared as the name it was started with'),
    ('l', 'traceback line numbers', 'traceback-line-numbers',
     "a port's lines sit elsewhere in the file; compared by the source line they name"),
    ('f', 'one more traceback frame', 'traceback-raw-input-frame',
     "Ctrl-C or end of input at the prompt stops inside the port's raw_input, a Python function; Python 2's "
     "was built in"),
    ('b', 'library frames', 'traceback-library-frames',
     "a frame inside the interpreter's own library (socket.py's accept) names that version's file and line; "
     "a run of them is compared by its first frame's file name, in lower case, and function"),
    ('s', 'exit status after Ctrl-C', 'exit-status-after-ctrl-c',
     'Python 2 and 3.6/3.7 exit with status 1; Python 3.8+ dies by SIGINT (subprocess: -2, the shell: 130)'),
]
LETTERS = dict((name, letter) for letter, name, _, _ in RULES)

PEP_3151 = {32: 'BrokenPipeError', 98: 'OSError', 104: 'ConnectionResetError', 111: 'ConnectionRefusedError'}

FRAME = re.compile(r'^  File "([^"]+)", line (\d+), in (\S+)$')
CARETS = re.compile(r'^ *[\^~]+ *$')
CONNECTED = re.compile(r"^(Connected by \('127\.0\.0\.1', )(\d+)(\)\s*)$")
EXCEPTION = re.compile(r'^(socket\.error|[A-Za-z]+Error): (\[Errno (\d+)\] .*)$')
LINE = re.compile(r'[^\n]*\n|[^\n]+$')


def _escape_undecodable(error):
    """Bytes that are not UTF-8, as \\xNN escapes (Python 2 cannot decode with 'backslashreplace')."""
    bad = bytearray(error.object[error.start:error.end])
    return u''.join(u'\\x%02x' % b for b in bad), error.end


codecs.register_error('harness-escape', _escape_undecodable)


def lines_of(data):
    """A transcript's bytes as text lines, each with its ending ('\\r\\n', '\\n' or none at the very end)."""
    return LINE.findall(data.decode('utf-8', 'harness-escape'))


def ending(line):
    body = line.rstrip('\r\n')
    return body, line[len(body):]


class Reading(object):
    """How to read one side's transcripts: its interpreter's version, its tree and example (for the source
    lines that frames name), the clients' ports by name."""

    def __init__(self, version, tree, example, ports=None):
        self.version = tuple(version)
        self.python3 = self.version[0] >= 3
        self.tree = tree
        self.example = example
        self.ports = dict(ports or {})
        self._sources = {}

    def folder(self):
        """The example's folder as a program started in it sees it (its getcwd(): no symbolic links): a
        script's frames name it from Python 3.9 (``python client4.py`` there: ``/.../client4.py``)."""
        return os.path.realpath(os.path.join(self.tree, self.example))

    def source_line(self, name, number):
        path = os.path.join(self.tree, self.example, name)
        if path not in self._sources:
            try:
                with io.open(path, encoding='utf-8') as f:
                    self._sources[path] = f.read().splitlines()
            except (IOError, OSError):
                self._sources[path] = []
        lines = self._sources[path]
        return lines[number - 1].strip() if 0 < number <= len(lines) else None

    def keyed(self, lines):
        """[(key, line, tags)] for text lines (lines_of); key None: a line only this side shows, as documented."""
        out = []
        under = None  # the tag of a frame whose source line (the next line) is not compared
        in_library = False  # the last frame compared was the library's: the frames it calls are not compared
        for line in lines:
            body, end = ending(line)
            if under is not None:
                out.append((None, line, (under,)))
                under = None
                continue
            if self.python3 and self.version >= (3, 11) and CARETS.match(body):
                out.append((None, line, ('^^^^ lines',)))
                continue
            key, tags = self.key_of(body)
            if tags in (('one more traceback frame',), ('library frames',)):
                under = tags[0]
            if tags == ('library frames',):
                key, in_library = (None if in_library else key), True
            elif key is not None:
                in_library = False
            out.append((None if key is None else key + end, line, tags))
        return out

    def key_of(self, body):
        m = CONNECTED.match(body)
        if m:
            for role, port in sorted(self.ports.items()):
                if int(m.group(2)) == port:
                    return m.group(1) + '<%s>' % role + m.group(3), ('client port numbers',)
        m = FRAME.match(body)
        if m:
            name, number, function = m.group(1), int(m.group(2)), m.group(3)
            tags = ()
            if self.version >= (3, 9) and os.path.dirname(name) == self.folder():
                name, tags = os.path.basename(name), ("the script's path in frames",)
            if self.python3 and function == 'raw_input' and not os.path.isabs(name):
                return None, ('one more traceback frame',)  # the port's raw_input; Python 2's was built in
            if os.path.isabs(name) and '%slib%spython' % (os.sep, os.sep) in name:
                return '  File <library>/%s, in %s' % (os.path.basename(name).lower(), function), ('library frames',)
            source = self.source_line(name, number)
            if source is not None:
                return ('  File "%s", in %s, over: %s' % (name, function, source),
                        tags + ('traceback line numbers',))
            return '  File "%s", line %d, in %s' % (name, number, function), tags
        m = EXCEPTION.match(body)
        if m and self.python3 and m.group(1) == PEP_3151.get(int(m.group(3))):
            return 'socket.error: ' + m.group(2), ('exception class names',)
        return body, ()

    def keys(self, data):
        """The keys of a transcript's bytes that are compared (the documented one-sided lines left out)."""
        return [key for key, _, _ in self.keyed(lines_of(data)) if key is not None]

    def exit_status(self, returncode, interrupted=False):
        """(key, tags) of an exit status: after a Ctrl-C (SIGINT) the documented status of each version is
        one key; any other status is itself."""
        if returncode is None:
            return '[still running]', ()
        if interrupted and returncode == (-signal.SIGINT if self.version >= (3, 8) else 1):
            return '[exit after Ctrl-C, as documented]', (
                ('exit status after Ctrl-C',) if returncode != 1 else ())
        if returncode < 0:
            return '[exit: killed by signal %d]' % -returncode, ()
        return '[exit status %d]' % returncode, ()
