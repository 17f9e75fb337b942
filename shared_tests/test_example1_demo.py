# -*- coding: utf-8 -*-
"""Example 1 (server4.py accepts one client, echoes until it leaves, then exits), replayed as in the article.

Three terminals, as in the article: the server's, client A's and client B's. A person types; we read what
each terminal shows. On a terminal a newline is shown as CR LF, and what is typed is echoed.
"""
import pytest

import harness
from harness import ARTICLE_PORT, EX1, EX2, PROMPT, nothing_new_within

ARTICLE_A_MESSAGES = [b'The first msg.', b'The second msg.', b'The third msg.', b"I'm A."]


def test_client_a_messages_are_echoed_and_the_server_prints_revc(session):
    server = session.server(EX1, tty=True)
    a = session.client(EX1, server.port, role='client A', tty=True)
    for message in ARTICLE_A_MESSAGES:
        a.expect(PROMPT)
        a.type(message + b'\r')
    a.expect(PROMPT)
    assert a.terminal.bytes() == (
        b"msg to send:The first msg.\r\n"
        b"Received 'The first msg.'\r\n"
        b"msg to send:The second msg.\r\n"
        b"Received 'The second msg.'\r\n"
        b"msg to send:The third msg.\r\n"
        b"Received 'The third msg.'\r\n"
        b"msg to send:I'm A.\r\n"
        b"Received \"I'm A.\"\r\n"
        b"msg to send:")
    server.expect(b"revc: I'm A.\r\n")
    assert server.terminal.bytes() == (
        b"Connected by ('127.0.0.1', %d)\r\n"
        b"revc: The first msg.\r\n"
        b"revc: The second msg.\r\n"
        b"revc: The third msg.\r\n"
        b"revc: I'm A.\r\n") % a.local_port


def test_second_client_gets_nothing_then_server_exits_when_the_first_leaves(session):
    server = session.server(EX1, tty=True)
    a = session.client(EX1, server.port, role='client A', tty=True)
    a.expect(PROMPT)
    a.type(b"I'm A.\r")
    a.expect(b"Received \"I'm A.\"\r\n")

    b = session.client(EX1, server.port, role='client B', tty=True)  # the kernel completes B's connect
    b.expect(PROMPT)
    b.type(b"I'm B\r")
    b.expect(b"I'm B\r\n")                                             # the terminal echoes what was typed
    assert nothing_new_within([b.terminal, server.terminal]), (
        'while A is connected, B gets no answer and the server reads nothing from B')

    a.expect(PROMPT)
    a.interrupt()                                                        # Ctrl-C: A leaves
    assert a.wait_exit() != 0                                            # (status: see test_typed_input.py)
    assert a.terminal.bytes().endswith(b'KeyboardInterrupt\r\n')

    assert server.wait_exit() == 0                                       # the server leaves with A
    assert server.terminal.bytes() == (
        b"Connected by ('127.0.0.1', %d)\r\n"
        b"revc: I'm A.\r\n") % a.local_port                              # B's message was never read

    assert b.wait_exit() == 1                                            # B's connection is reset
    assert b.terminal.bytes().startswith(b"msg to send:I'm B\r\nTraceback (most recent call last):\r\n")
    last_line = b.terminal.bytes().splitlines()[-1]
    if harness.impl_version()[0] == 2:
        assert last_line == b'socket.error: [Errno 104] Connection reset by peer'
    else:                                                                # PEP 3151: the README documents it
        assert last_line == b'ConnectionResetError: [Errno 104] Connection reset by peer'


@pytest.mark.parametrize('example', [EX1, EX2])
def test_both_examples_use_the_articles_address_and_port_redirected_to_loopback(session, example):
    server = session.server(example)
    assert server.wait_event('bind')[:4] == ['bind', "''", str(ARTICLE_PORT), '->']
    client = session.client(example, server.port)
    assert client.wait_event('connect') == ['connect', '192.168.1.13', str(ARTICLE_PORT), '->',
                                            '127.0.0.1', str(server.port)]
