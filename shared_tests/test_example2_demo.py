# -*- coding: utf-8 -*-
"""Example 2 (server4.py accepts in a loop, one client at a time), replayed as in the article.

Three terminals, as in the article (harness/story.py tells the story).
"""
from harness import EX2
from harness.story import Demonstration


def test_second_client_waits_until_the_first_leaves(session):
    demo = Demonstration(session, EX2).play('client_b_waits')
    assert demo.a.terminal.bytes() == (
        b"msg to send:Hello!\r\n"
        b"Received 'Hello!'\r\n"
        b"msg to send:I'm Client A.\r\n"
        b"Received \"I'm Client A.\"\r\n"
        b"msg to send:")
    assert demo.b.terminal.bytes() == b"msg to send:I'm Client B.\r\n"
    assert demo.b_was_blocked, 'while A is connected, B gets no answer and the server reads nothing from B'

    demo.play('client_a_leaves')                                         # Ctrl-C: A leaves
    assert demo.a.returncode != 0                                        # (status: see test_typed_input.py)
    assert demo.a.terminal.bytes().startswith(
        b"msg to send:Hello!\r\n"
        b"Received 'Hello!'\r\n"
        b"msg to send:I'm Client A.\r\n"
        b"Received \"I'm Client A.\"\r\n"
        b"msg to send:^CTraceback (most recent call last):\r\n")
    assert demo.a.terminal.bytes().endswith(b'\r\nKeyboardInterrupt\r\n')

    assert demo.b.terminal.bytes() == (                                  # now B is served
        b"msg to send:I'm Client B.\r\n"
        b"Received \"I'm Client B.\"\r\n"
        b"msg to send:")
    assert demo.server.terminal.bytes() == (
        b"Connected by ('127.0.0.1', %d)\r\n"
        b"Received Hello!\r\n"
        b"Received I'm Client A.\r\n"
        b"Received \r\n"                                                 # A's end of stream, printed
        b"Connected by ('127.0.0.1', %d)\r\n"
        b"Received I'm Client B.\r\n") % (demo.a.local_port, demo.b.local_port)
    assert demo.server_went_on, 'the server must go on accepting'
