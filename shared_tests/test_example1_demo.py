# -*- coding: utf-8 -*-
"""Example 1 (server4.py accepts one client, echoes until it leaves, then exits), replayed as in the article.

Three terminals, as in the article: the server's, client A's and client B's (harness/story.py tells the story).
A person types; we read what each terminal shows. On a terminal a newline is shown as CR LF, and what is typed
is echoed.
"""
import pytest

import harness
from harness import ARTICLE_PORT, EX1, EX2
from harness.story import Demonstration


def test_client_a_messages_are_echoed_and_the_server_prints_revc(session):
    demo = Demonstration(session, EX1).play('client_a_talks')
    assert demo.a.terminal.bytes() == (
        b"msg to send:The first msg.\r\n"
        b"Received 'The first msg.'\r\n"
        b"msg to send:The second msg.\r\n"
        b"Received 'The second msg.'\r\n"
        b"msg to send:The third msg.\r\n"
        b"Received 'The third msg.'\r\n"
        b"msg to send:I'm A.\r\n"
        b"Received \"I'm A.\"\r\n"
        b"msg to send:")
    assert demo.server.terminal.bytes() == (
        b"Connected by ('127.0.0.1', %d)\r\n"
        b"revc: The first msg.\r\n"
        b"revc: The second msg.\r\n"
        b"revc: The third msg.\r\n"
        b"revc: I'm A.\r\n") % demo.a.local_port


def test_second_client_gets_nothing_then_server_exits_when_the_first_leaves(session):
    demo = Demonstration(session, EX1).play('client_b_waits')
    assert demo.b.terminal.bytes() == b"msg to send:I'm B\r\n"          # the terminal echoes what was typed
    assert demo.b_was_blocked, 'while A is connected, B gets no answer and the server reads nothing from B'

    demo.play('client_a_leaves')                                         # Ctrl-C: A leaves
    assert demo.a.returncode != 0                                        # (status: see test_typed_input.py)
    assert demo.a.terminal.bytes().endswith(b'KeyboardInterrupt\r\n')

    assert demo.server.returncode == 0                                   # the server leaves with A
    assert demo.server.terminal.bytes() == (
        b"Connected by ('127.0.0.1', %d)\r\n"
        b"revc: The first msg.\r\n"
        b"revc: The second msg.\r\n"
        b"revc: The third msg.\r\n"
        b"revc: I'm A.\r\n") % demo.a.local_port                         # B's message was never read

    assert demo.b.returncode == 1                                        # B's connection is reset
    assert demo.b.terminal.bytes().startswith(b"msg to send:I'm B\r\nTraceback (most recent call last):\r\n")
    last_line = demo.b.terminal.bytes().splitlines()[-1]
    if harness.impl_version()[0] == 2:
        assert last_line == b'socket.error: [Errno 104] Connection reset by peer'
    else:                                                                # PEP 3151: MIGRATION.md documents it
        assert last_line == b'ConnectionResetError: [Errno 104] Connection reset by peer'


@pytest.mark.parametrize('example', [EX1, EX2])
def test_both_examples_use_the_articles_address_and_port_redirected_to_loopback(session, example):
    server = session.server(example)
    assert server.wait_event('bind')[:4] == ['bind', "''", str(ARTICLE_PORT), '->']
    client = session.client(example, server.port)
    assert client.wait_event('connect') == ['connect', '192.168.1.13', str(ARTICLE_PORT), '->',
                                            '127.0.0.1', str(server.port)]
