# -*- coding: utf-8 -*-
"""Console bytes: what the programs print, byte for byte, and when it reaches a pipe or a log file.

The client prints ``'Received', repr(data)`` with Python 2's repr of a byte string: single quotes unless
the bytes hold a ' and no ", then double quotes; \\t \\n \\r and \\\\ escaped; every other byte below 0x20
or above 0x7e as \\x and two lower-case hex digits. The servers print the received bytes as they are.

With stdout on a terminal, lines appear as they are printed. On a pipe or in a file (``> log``) stdout is
block-buffered: nothing appears until the buffer fills or the program ends, and a traceback comes after
everything printed before it (Python 2 flushed stdout first), also in one log (``> log 2>&1``).
"""
import os
import signal

import pytest

from harness import EX1, EX2
from harness.fixtures import each_client

both_examples = pytest.mark.parametrize('example', [EX1, EX2])

REPR_RULES = [  # (rule, what the server answers, what the client prints after 'Received ')
    ('plain', b'Hello!', b"'Hello!'"),
    ('quote_switch_for_a_single_quote', b"I'm A.", b'"I\'m A."'),
    ('double_quotes_stay_in_single_quotes', b'say "hi"', b'\'say "hi"\''),
    ('both_quotes_escape_the_single_quote', b'it\'s "q"', b'\'it\\\'s "q"\''),
    ('tab_newline_cr_escaped', b'a\tb\nc\rd', b"'a\\tb\\nc\\rd'"),
    ('backslash_doubled', b'C:\\dir', b"'C:\\\\dir'"),
    ('control_and_high_bytes_as_lowercase_x_escapes', b'\x00\x1b\x7f\x80\xab\xff',
     b"'\\x00\\x1b\\x7f\\x80\\xab\\xff'"),
    ('space_and_tilde_as_they_are', b' ~', b"' ~'"),
]


@pytest.mark.parametrize('answer,printed', [r[1:] for r in REPR_RULES], ids=[r[0] for r in REPR_RULES])
@each_client
def test_client_prints_the_answer_with_python2_repr(session, example, answer, printed):
    client, server = session.client_with_fake_server(example)
    client.type(b'ask\n')
    server.expect(b'ask')
    server.send(answer)
    client.close_stdin()
    assert client.wait_exit() == 1
    assert client.stdout_bytes() == b'msg to send:Received ' + printed + b'\nmsg to send:'


# -- when output reaches a pipe or a file -------------------------------------------------------------------

@each_client
def test_client_output_waits_in_the_buffer_when_stdout_is_a_file(session, example):
    log = os.path.join(session.tmpdir, 'log')
    client, server = session.client_with_fake_server(example, stdout_path=log)     # python client4.py > log
    client.type(b'one\n')
    server.expect(b'one')
    server.send(b'one')
    client.type(b'two\n')
    server.expect(b'two')                          # 'Received' and two prompts are printed by now ...
    assert client.stdout_bytes() == b''            # ... into the buffer, not the file
    server.send(b'two')
    client.close_stdin()
    assert client.wait_exit() == 1
    assert client.stdout_bytes() == (
        b"msg to send:Received 'one'\n"
        b"msg to send:Received 'two'\n"
        b"msg to send:")


@each_client
def test_client_log_with_stderr_has_the_output_then_the_traceback(session, example):
    log = os.path.join(session.tmpdir, 'log')
    client, server = session.client_with_fake_server(example, stdout_path=log,
                                                     stderr_to_stdout=True)       # > log 2>&1
    client.type(b'one\n')
    server.expect(b'one')
    server.send(b'one')
    client.close_stdin()
    assert client.wait_exit() == 1
    assert client.stdout_bytes().startswith(
        b"msg to send:Received 'one'\n"
        b"msg to send:Traceback (most recent call last):\n")
    assert client.stdout_bytes().endswith(b'\nEOFError: EOF when reading a line\n')


@both_examples
def test_server_output_waits_in_the_buffer_when_stdout_is_a_pipe(session, example):
    server = session.server(example)
    client = session.connect(server.port)
    client.send(b'Hello!')
    client.expect(b'Hello!')                       # 'Connected by' and the message are printed by now ...
    assert server.stdout.nothing_new_within() and server.stdout_bytes() == b'', 'it waits in the buffer'
    client.close()
    if example == EX2:
        server.wait_in_accept(2)
        server.signal(signal.SIGINT)               # Ctrl-C: the buffer is flushed on the way out
    server.wait_exit()
    assert server.stdout_bytes() == {
        EX1: b"Connected by ('127.0.0.1', %d)\nrevc: Hello!\n",
        EX2: b"Connected by ('127.0.0.1', %d)\nReceived Hello!\nReceived \n",
    }[example] % client.port


def test_example2_server_log_keeps_the_order_of_clients_and_ends_with_the_traceback(session):
    log = os.path.join(session.tmpdir, 'log')
    server = session.server(EX2, stdout_path=log, stderr_to_stdout=True)       # python server4.py > log 2>&1
    a = session.connect(server.port, role='client A')
    a.send(b'Hello!')
    a.expect(b'Hello!')
    b = session.connect(server.port, role='client B')
    b.send(b"I'm Client B.")
    a.send(b"I'm Client A.")
    a.expect(b"I'm Client A.")
    a.close()
    b.expect(b"I'm Client B.")
    b.close()
    server.wait_in_accept(3)
    assert server.stdout_bytes() == b''            # all of it is still in the buffer
    server.signal(signal.SIGINT)
    server.wait_exit()
    log_text = server.stdout_bytes()
    assert log_text.startswith((
        b"Connected by ('127.0.0.1', %d)\n"
        b"Received Hello!\n"
        b"Received I'm Client A.\n"
        b"Received \n"
        b"Connected by ('127.0.0.1', %d)\n"
        b"Received I'm Client B.\n"
        b"Received \n"
        b"Traceback (most recent call last):\n") % (a.port, b.port))
    assert log_text.endswith(b'\nKeyboardInterrupt\n')


def test_example1_server_log_is_complete_when_it_exits_with_its_client(session):
    log = os.path.join(session.tmpdir, 'log')
    server = session.server(EX1, stdout_path=log, stderr_to_stdout=True)       # python server4.py > log 2>&1
    client = session.connect(server.port)
    for message in (b'The first msg.', b'The second msg.', b'The third msg.', b"I'm A."):
        client.send(message)
        client.expect(message)
    assert server.stdout_bytes() == b''
    client.close()
    assert server.wait_exit() == 0
    assert server.stdout_bytes() == (
        b"Connected by ('127.0.0.1', %d)\n"
        b"revc: The first msg.\n"
        b"revc: The second msg.\n"
        b"revc: The third msg.\n"
        b"revc: I'm A.\n") % client.port
