# -*- coding: utf-8 -*-
"""Example 3, the threaded server (not the article's), told as the article tells example 2.

It is the server the article's conclusion calls for, SocketServer's ThreadingTCPServer.

Three terminals (harness/story.py tells the story). Client B is served while A is connected. Stopped with
Ctrl-C (SIGINT, sent to it: no ^C on its terminal), the server prints its traceback at once; Python 2 then
waits for every handler thread that is not a daemon, so a client still connected is served until it leaves,
and then the server ends.
"""
import harness
from harness import EX3
from harness.story import Demonstration


def exit_status_after_ctrl_c():
    """1 up to Python 3.7; from 3.8 the process dies by SIGINT, which the shell shows as 130
    (MIGRATION.md#exit-status-after-ctrl-c)."""
    return 1 if harness.impl_version() < (3, 8) else -2


def test_second_client_is_served_while_the_first_is_connected(session):
    demo = Demonstration(session, EX3).play('client_b_is_served')
    assert demo.a.terminal.bytes() == (
        b"msg to send:Hello!\r\n"
        b"Received 'Hello!'\r\n"
        b"msg to send:I'm Client A.\r\n"
        b"Received \"I'm Client A.\"\r\n"
        b"msg to send:")                                                 # A is still connected
    assert demo.b.terminal.bytes() == (
        b"msg to send:I'm Client B.\r\n"
        b"Received \"I'm Client B.\"\r\n"                                # B's echo, at once
        b"msg to send:")
    assert demo.server.terminal.bytes() == (
        b"Connected by ('127.0.0.1', %d)\r\n"
        b"Received Hello!\r\n"
        b"Received I'm Client A.\r\n"
        b"Connected by ('127.0.0.1', %d)\r\n"
        b"Received I'm Client B.\r\n") % (demo.a.local_port, demo.b.local_port)


def test_both_leave_and_ctrl_c_ends_the_server_at_once(session):
    demo = Demonstration(session, EX3, ending='nobody_connected').play('server_stopped')
    assert demo.a.terminal.bytes().endswith(b'\r\nKeyboardInterrupt\r\n')          # A: Ctrl-C
    assert demo.b.terminal.bytes().endswith(b'\r\nEOFError\r\n')                   # B: Ctrl-D
    ended = demo.server.terminal.bytes()
    assert ended.startswith((
        b"Connected by ('127.0.0.1', %d)\r\n"
        b"Received Hello!\r\n"
        b"Received I'm Client A.\r\n"
        b"Connected by ('127.0.0.1', %d)\r\n"
        b"Received I'm Client B.\r\n"
        b"Received \r\n"                                                 # A's end of stream
        b"Received \r\n"                                                 # B's
        b"Traceback (most recent call last):\r\n") % (demo.a.local_port, demo.b.local_port))
    assert b"    s.serve_forever()\r\n" in ended
    assert ended.endswith(b"\r\nKeyboardInterrupt\r\n")
    assert demo.server.returncode == exit_status_after_ctrl_c()


def test_after_ctrl_c_the_server_serves_the_connected_client_until_it_leaves(session):
    demo = Demonstration(session, EX3, ending='a_connected').play('server_interrupted')
    interrupted = demo.server.terminal.bytes()
    assert interrupted.startswith((
        b"Connected by ('127.0.0.1', %d)\r\n"
        b"Received Hello!\r\n"
        b"Received I'm Client A.\r\n"
        b"Connected by ('127.0.0.1', %d)\r\n"
        b"Received I'm Client B.\r\n"
        b"Received \r\n"                                                 # B has left; A has not
        b"Traceback (most recent call last):\r\n") % (demo.a.local_port, demo.b.local_port))
    assert b"    s.serve_forever()\r\n" in interrupted
    assert interrupted.endswith(b"\r\nKeyboardInterrupt\r\n"), 'the traceback comes at once, before A leaves'
    assert demo.server_went_on, "the server goes on while A's thread serves A"

    demo.play('client_a_talks_on')
    assert demo.a.terminal.bytes() == (
        b"msg to send:Hello!\r\n"
        b"Received 'Hello!'\r\n"
        b"msg to send:I'm Client A.\r\n"
        b"Received \"I'm Client A.\"\r\n"
        b"msg to send:Still here.\r\n"
        b"Received 'Still here.'\r\n"                                    # served after the server's Ctrl-C
        b"msg to send:")
    assert demo.server.terminal.bytes() == interrupted + b"Received Still here.\r\n"

    demo.play('client_a_leaves')                                         # A leaves: the server ends with it
    assert demo.server.terminal.bytes() == interrupted + b"Received Still here.\r\nReceived \r\n"
    assert demo.server.returncode == exit_status_after_ctrl_c()
