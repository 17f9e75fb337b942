# -*- coding: utf-8 -*-
"""Differential and interop: the Python 2 original on Python 2.7 and the port, side by side.

Each scenario records everything a person or a peer could see: every terminal and log byte for byte, what
crossed the wire, the exit status. The original's record on Python 2.7 is written out in
shared_tests/original_records/ (one JSON file a scenario and example, read as the expected value); the tree
under test must give the same record, except for what MIGRATION.md documents as different (and nothing else):
the rules of harness/differences.py, the ledger's "what cannot be kept". Where the tree under test is the
original itself (tox -e py27), the test runs it live and checks it still gives its records, on every run;
after a change to a scenario or to the normaliser the records are written anew from the original with

    tox -e py27 -- -k test_the_port_is_the_same_as_the_original --write-original-records

Then the original's client talks to the port's server, and the reverse, live: the port there is the tree
under test, or py3_port on a Python 3 (PYTHON3, else the newest found) when that is the original. No Python
2.7 (PYTHON27) or Python 3: the tests skip, and fail when CI is set.
"""
import difflib
import io
import json
import os
import signal

import pytest

import harness
from harness import EX1, EX2, EX3, PROMPT, Deadline, poll_until, show
from harness.differences import Reading
from harness.story import ROLES, Demonstration

each_example = pytest.mark.parametrize('example', [EX1, EX2, EX3])


def reading(impl, example, **ports):
    return Reading(impl.version, impl.tree, example, ports)


def rendered(record):
    return ['%s: %s' % (name, line) for name, value in record
            for line in (value if isinstance(value, list) else [value])]


RECORDS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'original_records')


def as_data(record):
    """A record as JSON gives it back (lists, not tuples; text, on Python 2 and 3 alike), with the repository's
    folder, which the guard's frame in a traceback names, as <repository>: a record is the same in any clone."""
    text = json.dumps(record)
    for folder in sorted(set([harness.REPO, os.path.realpath(harness.REPO)]), key=len, reverse=True):
        text = text.replace(json.dumps(folder)[1:-1], '<repository>')
    return json.loads(text)


def record_path(scenario, example):
    return os.path.join(RECORDS, '%s-%s.json' % (scenario.__name__, example))


def original_record(scenario, example):
    with io.open(record_path(scenario, example), encoding='utf-8') as f:
        return json.load(f)


def write_original_record(scenario, example, record):
    text = json.dumps(record, indent=1, ensure_ascii=True, separators=(',', ': '))
    with io.open(record_path(scenario, example), 'w', encoding='utf-8', newline='\n') as f:
        f.write((text if isinstance(text, type(u'')) else text.decode('ascii')) + u'\n')


def side_by_side(session, under_test, scenario, example, write):
    """Run the scenario on the tree under test; its record (normalised as documented) must be the original's.
    With ``write`` (--write-original-records), the tree under test must be the original: its record is
    written out instead."""
    got = as_data(scenario(session, under_test, example))
    if write:
        assert under_test.tree == harness.ORIGINAL, '--write-original-records runs the original (tox -e py27)'
        write_original_record(scenario, example, got)
        return
    expected = original_record(scenario, example)
    assert got == expected, '%r differs from the original on Python 2.7 (%s), as normalised:\n%s' % (
        under_test, os.path.relpath(record_path(scenario, example), harness.REPO), '\n'.join(difflib.unified_diff(
            [repr(l) for l in rendered(expected)], [repr(l) for l in rendered(got)], 'original', 'under test',
            lineterm='')))


# -- scenarios -----------------------------------------------------------------------------------------------

def article_demo(session, impl, example, ending=None):
    """The article's demonstration on three terminals (harness/story.py), played to the end; example 3's
    story (not the article's) ends with the server's Ctrl-C when no client is connected."""
    demo = Demonstration(session, example, label=impl.label, ending=ending, **impl.runs).play()
    read = reading(impl, example, **demo.ports())
    return [(role, read.keys(demo.programs[role].terminal.bytes()))
            for role in ROLES] + [(role + ' exit', read.exit_status(demo.programs[role].returncode,
                                                                     role in demo.interrupted)[0])
                                  for role in ROLES]


def ctrl_c_while_a_is_connected(session, impl, example):
    """Example 3's story (not the article's) with its other ending: Ctrl-C while client A is connected."""
    return article_demo(session, impl, example, ending='a_connected')


def client_at_a_terminal(session, impl, example):
    """A person at the client's terminal, a fake server answering: the quirks of raw_input() at a terminal."""
    client, server = session.client_with_fake_server(example, role='client (%s)' % impl.label, tty=True,
                                                     **impl.runs)
    for typed, sent, answer in [
            (b'Hello!\r', b'Hello!', b'Hello!'),
            (b"  I'm Client A.\t\r", b"I'm Client A.", b"I'm Client A."),
            (b'ab\x00cd\rxy\r', b'abxy', b'abxy'),                       # NUL: the next line is appended
            (b'ab\x16\rcd\r', b'ab\rcd', b'ab\rcd'),                     # Ctrl-V Enter: a CR in the line
            (b'\xe4\xb8\xad\xff\x1f\xc2\xa0\xe3\x80\x80 \r', b'\xe4\xb8\xad\xff\x1f\xc2\xa0\xe3\x80\x80',
             b'\x00\x7f\x80\xff\'"\\'),
            (b'\r', b'', b'A' * 1024 + b'B' * 100),                       # empty line: recv() waits
            (b'more\r', b'more', b'')]:                                  # the rest of the long answer
        client.expect(PROMPT)
        client.type(typed)
        server.expect(sent)
        if answer:
            server.send(answer)
    client.expect(PROMPT)
    client.type(b'abc\x04')                                                     # abc, Ctrl-D ...
    client.expect(b'abc')
    client.type(b'next\r')                                                      # ... the line goes on
    server.expect(b'abcnext')
    server.send(b'abcnext')
    client.expect(PROMPT)
    client.type(b'xyz\x04\x04\x04')                                             # xyz, three Ctrl-D: 'xy'
    server.expect(b'xy')
    server.send(b'xy')
    client.expect(PROMPT)
    client.type(b'\x04')                                                        # Ctrl-D: EOFError
    client.wait_exit()
    server.expect_eof()
    read = reading(impl, example)
    return [('terminal', read.keys(client.terminal.bytes())), ('exit', read.exit_status(client.returncode)[0]),
            ('sent', show(bytes(server.received), limit=10 ** 6))]


ALL_BYTES = bytes(bytearray(range(256)))


def client_on_pipes_into_a_log(session, impl, example):
    """The client with its input from a pipe and its output in a log (> log 2>&1): bytes of every kind."""
    log = os.path.join(session.tmpdir, 'client-%s.log' % impl.label.replace(' ', '-'))
    client, server = session.client_with_fake_server(example, role='client (%s)' % impl.label,
                                                     stdout_path=log, stderr_to_stdout=True, **impl.runs)
    client.type(b'  Hello!\r\n'
                b"I'm Client A.\n" +
                ALL_BYTES.replace(b'\n', b'') + b'\n'
                b'\x1c\x1d\x1e\x1f\xc2\xa0\xe3\x80\x80 msg \xa0\x85\t\x0b\x0c\r\n'
                b'ab\rcd\n' +
                b'0123456789' * 300 + b'\n'
                b'\n'
                b'last')
    client.close_stdin()
    for sent, answer in [
            (b'Hello!', b'Hello!'),
            (b"I'm Client A.", b"I'm Client A."),
            (ALL_BYTES.replace(b'\n', b''), ALL_BYTES),
            (b'\x1c\x1d\x1e\x1f\xc2\xa0\xe3\x80\x80 msg \xa0\x85', b'\xe4\xb8\xad\xe6\x96\x87'),
            (b'ab\rcd', b'it\'s "q" \\ \t\r\n'),
            (b'0123456789' * 300, b'X' * 1500),                                 # read as 1024, then 476
            (b'last', b'last')]:                                         # (the empty line sent nothing)
        server.expect(sent)
        server.send(answer)
    client.wait_exit()
    server.expect_eof()
    read = reading(impl, example)
    return [('log', read.keys(client.stdout_bytes())), ('exit', read.exit_status(client.returncode)[0]),
            ('sent', show(bytes(server.received), limit=10 ** 6))]


MESSAGES = [b'\xe4\xb8\xad\xe6\x96\x87', b'\xff\xfe\xc3(\x80', b'a\x00b', ALL_BYTES, b'0123456789' * 250,
            b'a' * 1023 + b'\xe4\xb8\xad']


def server_into_a_log(session, impl, example):
    """The server with its output in a log (> log 2>&1), raw clients sending bytes of every kind."""
    log = os.path.join(session.tmpdir, 'server-%s.log' % impl.label.replace(' ', '-'))
    server = session.server(example, role='server (%s)' % impl.label, stdout_path=log, stderr_to_stdout=True,
                            **impl.runs)
    a = session.connect(server.port, role='client A')
    for message in MESSAGES:
        a.send(message)
        a.expect(message)
    ports = dict(A=a.port)
    interrupted = example != EX1
    if example == EX2:
        b = session.connect(server.port, role='client B')
        b.send(b"I'm Client B.")
        a.close()
        b.expect(b"I'm Client B.")
        b.close()
        server.wait_in_accept(3)
        server.signal(signal.SIGINT)
        ports['B'] = b.port
    elif example == EX3:                      # B is served at once; Ctrl-C while A is connected; A goes on
        b = session.connect(server.port, role='client B')
        b.send(b"I'm Client B.")
        b.expect(b"I'm Client B.")
        b.close()
        server.wait_for_threads(2)                       # B's thread has ended
        server.interrupt_by_signal()
        poll_until(lambda: server.stdout_bytes().endswith(b'KeyboardInterrupt\n'), Deadline(),
                   'the traceback in the log')
        a.send(b'Still here.')
        a.expect(b'Still here.')
        a.close()
        ports['B'] = b.port
    else:
        a.close()
    server.wait_exit()
    read = reading(impl, example, **ports)
    return [('log', read.keys(server.stdout_bytes())), ('exit', read.exit_status(server.returncode, interrupted)[0])]


# Each example with its scenarios: example 3's client is example 2's program (test_repository_provenance.py).
CASES = ([(example, scenario) for example in (EX1, EX2)
          for scenario in (article_demo, client_at_a_terminal, client_on_pipes_into_a_log, server_into_a_log)] +
         [(EX3, scenario) for scenario in (article_demo, ctrl_c_while_a_is_connected, server_into_a_log)])


@pytest.mark.parametrize('example,scenario', CASES, ids=['%s-%s' % (e, s.__name__) for e, s in CASES])
def test_the_port_is_the_same_as_the_original(session, under_test, scenario, example, request):
    side_by_side(session, under_test, scenario, example, request.config.getoption('write_original_records'))


# -- interop: the original's client with the port's server, and the reverse ----------------------------------

def talk(session, server_impl, client_impl, example):
    server = session.server(example, role='server (%s)' % server_impl.label, tty=True, **server_impl.runs)
    client = session.client(example, server.port, role='client (%s)' % client_impl.label, tty=True,
                            **client_impl.runs)
    for line in (b'Hello!', b"I'm Client A.", b'\xe4\xb8\xad\xe6\x96\x87 \xff'):
        client.expect(PROMPT)
        client.type(line + b'\r')
    client.expect(PROMPT)
    client.type(b'\x04')
    assert client.wait_exit() == 1
    assert client.terminal.bytes().startswith(
        b"msg to send:Hello!\r\n"
        b"Received 'Hello!'\r\n"
        b"msg to send:I'm Client A.\r\n"
        b"Received \"I'm Client A.\"\r\n"
        b"msg to send:\xe4\xb8\xad\xe6\x96\x87 \xff\r\n"
        b"Received '\\xe4\\xb8\\xad\\xe6\\x96\\x87 \\xff'\r\n"
        b"msg to send:Traceback (most recent call last):\r\n")
    said = {EX1: b'revc: ', EX2: b'Received ', EX3: b'Received '}[example]
    server.expect(said + b'\xe4\xb8\xad\xe6\x96\x87 \xff\r\n')
    if example == EX1:
        assert server.wait_exit() == 0
    else:
        server.expect(b'Received \r\n')
    assert server.terminal.bytes() == (
        b"Connected by ('127.0.0.1', %d)\r\n" % client.local_port +
        said + b"Hello!\r\n" +
        said + b"I'm Client A.\r\n" +
        said + b"\xe4\xb8\xad\xe6\x96\x87 \xff\r\n" +
        (b'Received \r\n' if example != EX1 else b''))


@each_example
def test_python2_client_talks_to_python3_server(session, oracle, ported, example):
    talk(session, ported, oracle, example)


@each_example
def test_python3_client_talks_to_python2_server(session, oracle, ported, example):
    talk(session, oracle, ported, example)
