# -*- coding: utf-8 -*-
"""Bytes: what the article's programs do with bytes that are not plain ASCII, and with more than 1024 of them.

The servers echo whatever they receive and print it as it came: Chinese in UTF-8, invalid UTF-8, NUL, every
byte value, a character cut in two by ``recv(1024)``. The clients send the typed line's bytes and print the
repr of what ``recv(1024)`` returned, so an answer longer than 1024 bytes is read over several rounds.
A raw client of the harness talks to a server; a client talks to a fake server of the harness; stdio is on
pipes unless a terminal is the point.
"""
import signal

import pytest

from harness import EX1, EX2, PRINTS, PROMPT
from harness.fixtures import each_client

both_examples = pytest.mark.parametrize('example', [EX1, EX2])


CHINESE_UTF8 = b'\xe4\xb8\xad\xe6\x96\x87'                 # u'中文'.encode('utf-8')
INVALID_UTF8 = b'\xff\xfe\xc3(\x80'                        # no UTF-8 decoder takes these
ALL_BYTES = bytes(bytearray(range(256)))
# repr() of ALL_BYTES as Python 2 prints it, written out.
ALL_BYTES_REPR = (
    br"'\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18"
    br"\x19\x1a\x1b\x1c\x1d\x1e\x1f !" br'"' br"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    br"[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\x7f\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d"
    br"\x8e\x8f\x90\x91\x92\x93\x94\x95\x96\x97\x98\x99\x9a\x9b\x9c\x9d\x9e\x9f\xa0\xa1\xa2\xa3\xa4\xa5"
    br"\xa6\xa7\xa8\xa9\xaa\xab\xac\xad\xae\xaf\xb0\xb1\xb2\xb3\xb4\xb5\xb6\xb7\xb8\xb9\xba\xbb\xbc\xbd"
    br"\xbe\xbf\xc0\xc1\xc2\xc3\xc4\xc5\xc6\xc7\xc8\xc9\xca\xcb\xcc\xcd\xce\xcf\xd0\xd1\xd2\xd3\xd4\xd5"
    br"\xd6\xd7\xd8\xd9\xda\xdb\xdc\xdd\xde\xdf\xe0\xe1\xe2\xe3\xe4\xe5\xe6\xe7\xe8\xe9\xea\xeb\xec\xed"
    br"\xee\xef\xf0\xf1\xf2\xf3\xf4\xf5\xf6\xf7\xf8\xf9\xfa\xfb\xfc\xfd\xfe\xff'")


# -- the server: echo what came, print it as it came ------------------------------------------------------

def one_client_visits(session, example, *messages):
    """A raw client sends each message in one piece, reads its echo back, and leaves.

    Returns the client (its .received is what crossed the wire back) and the server, stopped: Example 1's
    server exits when its client leaves; Example 2's goes back to accept(), where Ctrl-C stops it.
    """
    server = session.server(example)
    client = session.connect(server.port)
    for message in messages:
        client.send(message)
        client.expect(message)
    client.close()
    if example == EX1:
        assert server.wait_exit() == 0                        # Example 1's server leaves with its client
    else:
        server.wait_in_accept(2)               # Example 2's waits for the next one
        server.signal(signal.SIGINT)
        server.wait_exit()
    return server, client


def console(example, client_port, *lines):
    """What the server prints for one client: Connected by, one line per recv(), and (Example 2) the
    empty Received for the end of the stream."""
    text = b"Connected by ('127.0.0.1', %d)\n" % client_port
    for line in lines:
        text += PRINTS[example] + line + b'\n'
    if example == EX2:
        text += b'Received \n'
    return text


@both_examples
def test_server_echoes_and_prints_chinese_utf8(session, example):
    server, client = one_client_visits(session, example, CHINESE_UTF8)
    assert server.stdout_bytes() == console(example, client.port, b'\xe4\xb8\xad\xe6\x96\x87')


@both_examples
def test_server_echoes_and_prints_invalid_utf8(session, example):
    server, client = one_client_visits(session, example, INVALID_UTF8)
    assert server.stdout_bytes() == console(example, client.port, b'\xff\xfe\xc3(\x80')


@both_examples
def test_server_echoes_and_prints_nul(session, example):
    server, client = one_client_visits(session, example, b'a\x00b')
    assert server.stdout_bytes() == console(example, client.port, b'a\x00b')


@both_examples
def test_server_echoes_and_prints_all_256_byte_values(session, example):
    server, client = one_client_visits(session, example, ALL_BYTES)
    assert server.stdout_bytes() == console(example, client.port, ALL_BYTES)


@both_examples
def test_server_reads_a_long_message_in_1024_byte_pieces_and_prints_each(session, example):
    message = b'0123456789' * 250                             # 2500 bytes: recv(1024) reads 1024, 1024, 452
    server, client = one_client_visits(session, example, message)
    assert server.stdout_bytes() == console(example, client.port,
                                            b'0123456789' * 102 + b'0123',
                                            b'456789' + b'0123456789' * 101 + b'01234567',
                                            b'89' + b'0123456789' * 45)


@both_examples
def test_server_prints_a_character_split_by_recv_as_two_halves(session, example):
    message = b'a' * 1023 + b'\xe4\xb8\xad'                   # 中 starts at byte 1024: one byte, then two
    server, client = one_client_visits(session, example, message)
    assert server.stdout_bytes() == console(example, client.port, b'a' * 1023 + b'\xe4', b'\xb8\xad')


# -- the client: send the typed bytes, print the repr of what recv(1024) returned -------------------------

def client_output_after_eof(client):
    client.close_stdin()
    assert client.wait_exit() == 1
    assert client.stderr_bytes().endswith(b'\nEOFError: EOF when reading a line\n')
    return client.stdout_bytes()


TYPED = [  # (the bytes, what the client prints when the same bytes come back)
    ('chinese_utf8', b'\xe4\xb8\xad\xe6\x96\x87', b"'\\xe4\\xb8\\xad\\xe6\\x96\\x87'"),
    ('invalid_utf8', b'\xff\xfe\xc3(\x80', b"'\\xff\\xfe\\xc3(\\x80'"),
    ('nul', b'a\x00b', b"'a\\x00b'"),
]

@pytest.mark.parametrize('typed,printed', [t[1:] for t in TYPED], ids=[t[0] for t in TYPED])
@each_client
def test_client_sends_the_bytes_as_typed_and_prints_their_repr(session, example, typed, printed):
    client, server = session.client_with_fake_server(example)
    client.type(typed + b'\n')
    server.expect(typed)
    server.send(typed)
    assert client_output_after_eof(client) == b'msg to send:Received ' + printed + b'\nmsg to send:'


@each_client
def test_client_sends_every_byte_value_but_newline_as_typed_and_prints_all_256(session, example):
    line = ALL_BYTES.replace(b'\n', b'')                      # \x00 first and \xff last: strip() keeps both
    client, server = session.client_with_fake_server(example)
    client.type(line + b'\n')
    server.expect(line)
    server.send(ALL_BYTES)
    assert client_output_after_eof(client) == (
        b"msg to send:Received " + ALL_BYTES_REPR + b"\n"
        b"msg to send:")


@each_client
def test_client_sends_a_long_line_whole(session, example):
    client, server = session.client_with_fake_server(example)
    client.type(b'0123456789' * 300 + b'\n')
    server.expect(b'0123456789' * 300)
    server.send(b'0123456789' * 300)
    client.type(b'next\n')
    server.expect(b'next')
    assert client_output_after_eof(client) == (
        b"msg to send:Received '" + b'0123456789' * 102 + b"0123'\n"
        b"msg to send:Received '" + b'456789' + b'0123456789' * 101 + b"01234567'\n"
        b"msg to send:")


@each_client
def test_client_reads_1024_bytes_of_a_long_answer_and_the_rest_in_the_next_rounds(session, example):
    client, server = session.client_with_fake_server(example)
    client.type(b'first\n')
    server.expect(b'first')
    server.send(b'A' * 1024 + b'B' * 976)                     # 2000 bytes come back at once
    client.type(b'second\n')
    server.expect(b'second')                                  # recv(1024) finds the rest of the first answer,
    client.type(b'third\n')
    server.expect(b'third')                                   # so the client asks again at once
    server.send(b'second')
    assert client_output_after_eof(client) == (
        b"msg to send:Received '" + b'A' * 1024 + b"'\n"
        b"msg to send:Received '" + b'B' * 976 + b"'\n"
        b"msg to send:Received 'second'\n"                    # the answers are one round late from now on
        b"msg to send:")


@each_client
def test_client_prints_a_character_split_by_recv_in_two_rounds(session, example):
    client, server = session.client_with_fake_server(example)
    client.type(b'first\n')
    server.expect(b'first')
    server.send(b'a' * 1023 + b'\xe4\xb8\xad')
    client.type(b'second\n')
    server.expect(b'second')
    assert client_output_after_eof(client) == (
        b"msg to send:Received '" + b'a' * 1023 + b"\\xe4'\n"
        b"msg to send:Received '\\xb8\\xad'\n"
        b"msg to send:")


# -- CR in the typed line: only LF ends a line; strip() takes a CR at either end ---------------------------

CR_LINES = [  # (the case, the typed line, what is sent, what the client prints when it comes back)
    ('crlf_line_is_sent_without_its_cr', b'Hello!\r\n', b'Hello!', b"'Hello!'"),
    ('lone_cr_inside_the_line_is_sent', b'ab\rcd\n', b'ab\rcd', b"'ab\\rcd'"),
]


@pytest.mark.parametrize('typed,sent,printed', [c[1:] for c in CR_LINES], ids=[c[0] for c in CR_LINES])
@each_client
def test_cr_in_a_typed_line(session, example, typed, sent, printed):
    client, server = session.client_with_fake_server(example)
    client.type(typed)
    server.expect(sent)
    server.send(sent)
    assert client_output_after_eof(client) == b"msg to send:Received " + printed + b"\nmsg to send:"


@each_client
def test_lone_cr_does_not_end_the_line(session, example):
    client, server = session.client_with_fake_server(example)
    client.type(b'\rone\r')
    server.nothing_arrives_within()                           # still the same line
    client.type(b'two\r\n')
    server.expect(b'one\rtwo')                                # CR stripped at both ends, kept inside


@each_client
def test_cr_typed_with_ctrl_v_on_a_terminal_is_sent(session, example):
    client, server = session.client_with_fake_server(example, tty=True)
    client.expect(PROMPT)
    client.type(b'ab\x16\rcd\r')                              # Ctrl-V Enter: a literal CR; Enter: the end
    server.expect(b'ab\rcd')
    server.send(b'ab\rcd')
    client.expect(b"\r\nReceived 'ab\\rcd'\r\n")
    client.expect(PROMPT)
