# -*- coding: utf-8 -*-
"""Example 2 (server4.py accepts in a loop, one client at a time), replayed as in the article."""
from harness import EX2, PROMPT, nothing_new_within


def test_second_client_waits_until_the_first_leaves(session):
    server = session.server(EX2, tty=True)
    a = session.client(EX2, server.port, role='client A', tty=True)
    a.expect(PROMPT)
    a.type(b'Hello!\r')
    a.expect(PROMPT)
    a.type(b"I'm Client A.\r")
    a.expect(PROMPT)
    assert a.terminal.bytes() == (
        b"msg to send:Hello!\r\n"
        b"Received 'Hello!'\r\n"
        b"msg to send:I'm Client A.\r\n"
        b"Received \"I'm Client A.\"\r\n"
        b"msg to send:")

    b = session.client(EX2, server.port, role='client B', tty=True)
    b.expect(PROMPT)
    b.type(b"I'm Client B.\r")
    b.expect(b"I'm Client B.\r\n")
    assert nothing_new_within([b.terminal, server.terminal]), (
        'while A is connected, B gets no answer and the server reads nothing from B')

    a.interrupt()                                                        # Ctrl-C: A leaves
    assert a.wait_exit() != 0                                            # (status: see test_typed_input.py)
    assert a.terminal.bytes().startswith(
        b"msg to send:Hello!\r\n"
        b"Received 'Hello!'\r\n"
        b"msg to send:I'm Client A.\r\n"
        b"Received \"I'm Client A.\"\r\n"
        b"msg to send:^CTraceback (most recent call last):\r\n")
    assert a.terminal.bytes().endswith(b'\r\nKeyboardInterrupt\r\n')

    b.expect(b"Received \"I'm Client B.\"\r\n")                          # now B is served
    b.expect(PROMPT)
    server.expect(b"Received I'm Client B.\r\n")
    assert server.terminal.bytes() == (
        b"Connected by ('127.0.0.1', %d)\r\n"
        b"Received Hello!\r\n"
        b"Received I'm Client A.\r\n"
        b"Received \r\n"                                                 # A's end of stream, printed
        b"Connected by ('127.0.0.1', %d)\r\n"
        b"Received I'm Client B.\r\n") % (a.local_port, b.local_port)
    assert server.still_running_after(), 'the server must go on accepting'

