"""Session: owns everything a test starts (programs, sockets, a temporary folder), reaps it all at the end,
and describes it for the failure report: what each program printed and what crossed every harness socket."""
import os
import re
import shutil
import socket
import tempfile

from harness.capture import show
from harness.config import ARTICLE_HOST, ARTICLE_PORT, IMPL_DIR, IMPL_PYTHON, LOOPBACK, TIMEOUT
from harness.deadlines import Deadline
from harness.interpreters import dotted, python_version
from harness.programs import Program
from harness.sockets import FakeServer, Peer


# The last line of a traceback: 'TypeError: ...', 'socket.error: [Errno 104] ...', 'KeyboardInterrupt'.
EXCEPTION_LINE = re.compile(br'^[A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit|error)\b[^\r\n]*(?=\r?\n|\Z)',
                            re.M)


class Note(str):
    """Text in the wire log (as opposed to bytes that crossed the wire)."""


class Session(object):
    """Owns everything a test starts; ``close()`` reaps it all, and ``report()`` describes it."""

    def __init__(self, python=None, impl_dir=None):
        self.python = python or IMPL_PYTHON
        self.impl_dir = impl_dir or IMPL_DIR
        self.tmpdir = tempfile.mkdtemp(prefix='p23-')  # short: AF_UNIX paths are limited to 107 bytes
        self.programs = []
        self.peers = []
        self.closing = []
        self.wire = []
        self.typed = []
        self._ids = 0

    def note(self, who, way, text):
        """A line of the wire log that is not bytes that crossed it: an end of stream, a close, a summary."""
        self.wire.append((who, way, Note(text)))

    def next_id(self):
        self._ids += 1
        return self._ids

    # -- programs ------------------------------------------------------------------------------------
    def server(self, example, role='server', **kwargs):
        """Start the example's server and wait until it listens."""
        kwargs.setdefault('python', self.python)
        kwargs.setdefault('impl_dir', self.impl_dir)
        program = Program(self, example, 'server4.py', role, **kwargs)
        program.wait_event('listen')
        return program

    def client(self, example, port, role='client', connected=True, **kwargs):
        """Start the example's client, its 192.168.1.13:50007 redirected to 127.0.0.1:port."""
        env = dict(kwargs.pop('env', None) or {})
        env['LOOPBACK_CONNECT'] = '%s:%d=%s:%d' % (ARTICLE_HOST, ARTICLE_PORT, LOOPBACK, port)
        kwargs.setdefault('python', self.python)
        kwargs.setdefault('impl_dir', self.impl_dir)
        program = Program(self, example, 'client4.py', role, env=env, **kwargs)
        if connected:
            program.wait_event('connected')
        return program

    # -- sockets of the harness ----------------------------------------------------------------------
    def connect(self, port, role='raw client'):
        sock = socket.create_connection((LOOPBACK, port), timeout=TIMEOUT)
        sock.settimeout(None)
        peer = Peer(self, sock, '%s (port %d)' % (role, sock.getsockname()[1]))
        peer.port = sock.getsockname()[1]
        return peer

    def fake_server(self):
        return FakeServer(self)

    def client_with_fake_server(self, example, role='client', **kwargs):
        """Start the example's client against a fake server; return the client and the fake's end."""
        fake = FakeServer(self)
        client = self.client(example, fake.port, role=role, **kwargs)
        return client, fake.accept()

    # -- the end -------------------------------------------------------------------------------------
    def report(self):
        # Every part is ASCII text: bytes are shown as literals (show()), so the report joins on Python 2 as
        # on 3, whatever the programs printed or the wire carried.
        parts = [p.transcript() for p in self.programs]
        if self.typed:
            parts.append('--- typed ---\n' + '\n'.join('%s: %s' % (who, show(d)) for who, d in self.typed))
        if self.wire:
            parts.append('--- wire (harness sockets) ---\n' + '\n'.join(
                '%s %s %s' % (who, way, d if isinstance(d, Note) else show(d)) for who, way, d in self.wire))
        return '\n'.join(parts)

    def endings(self):
        """For each program: its role, script, whether it is of the tree under test (a differential test also
        starts py2_original), its exit status and the last exception it printed. For tools' tables."""
        ended = []
        for program in self.programs:
            errors = [m.group(0) for m in EXCEPTION_LINE.finditer(program.stderr_bytes())]
            ended.append({'role': program.role, 'script': program.script,
                          'under_test': os.path.realpath(program.impl_dir) == os.path.realpath(IMPL_DIR),
                          'status': program.returncode if program.exited.is_set() else None,
                          'exception': errors[-1].decode('utf-8', 'replace') if errors else ''})
        return ended

    def _log_cpu(self):
        """With HARNESS_CPU_LOG set (bench/suite_cost.py): one line per program, its interpreter's version,
        its script and the CPU seconds it used, appended to that file."""
        path = os.environ.get('HARNESS_CPU_LOG')
        if not path:
            return
        lines = ''.join('%s %s %s %.6f\n' % (dotted(python_version(p.python)), os.path.basename(p.impl_dir), p.script,
                                             p.cpu_seconds or 0.0) for p in self.programs)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, lines.encode('ascii'))  # one write: lines of parallel workers do not interleave
        finally:
            os.close(fd)

    def close(self):
        deadline = Deadline()
        for program in self.programs:
            program.reap(deadline)
        leftover = [p.role for p in self.programs if not p.exited.is_set()]
        for sock in self.closing:
            try:
                sock.close()
            except socket.error:
                pass
        shutil.rmtree(self.tmpdir, ignore_errors=True)
        self._log_cpu()
        if leftover:
            raise AssertionError('could not reap: %s' % ', '.join(leftover))
