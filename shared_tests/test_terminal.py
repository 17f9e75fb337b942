# -*- coding: utf-8 -*-
"""A real terminal: where the prompt goes, and the quirks of Python 2's raw_input() at a terminal.

When stdin and stdout are both a terminal, Python 2's raw_input() flushed stdout, wrote the prompt to
*stderr* and read the line with C's fgets() into a C string: a NUL ends the string (and the read goes on
until a newline), Ctrl-D in the middle of a line hands over what was typed without a newline, and the last
character is cut off as if it were the newline. Anywhere else it wrote the prompt to *stdout*, without
flushing, and read the line as it came. The port reproduces all of it; each test was first run on 2.7.

The article's demos (test_example1_demo.py, test_example2_demo.py) show whole sessions as a person sees them.
"""
import os

from harness import PROMPT
from harness.fixtures import each_client


def client_on_terminal(session, example):
    client, server = session.client_with_fake_server(example, tty=True)
    client.expect(PROMPT)
    return client, server


# -- where the prompt goes -----------------------------------------------------------------------------------

@each_client
def test_a_persons_session_on_the_terminal_prompt_included(session, example):
    client, server = client_on_terminal(session, example)
    client.type(b'Hello!\r')
    server.expect(b'Hello!')
    server.send(b'Hello!')
    client.expect(PROMPT)
    client.type(b"I'm Client A.\r")
    server.expect(b"I'm Client A.")
    server.send(b"I'm Client A.")
    client.expect(PROMPT)
    assert client.terminal.bytes() == (
        b"msg to send:Hello!\r\n"
        b"Received 'Hello!'\r\n"
        b"msg to send:I'm Client A.\r\n"
        b"Received \"I'm Client A.\"\r\n"
        b"msg to send:")


@each_client
def test_prompt_goes_to_stderr_on_a_terminal(session, example):
    err = os.path.join(session.tmpdir, 'err')
    client, server = session.client_with_fake_server(example, tty=True, stderr_path=err)  # 2> err
    client.type(b'Hello!\r')
    server.expect(b'Hello!')
    server.send(b'Hello!')
    client.expect(b"Received 'Hello!'\r\n")
    client.type(b'\x04')                                      # Ctrl-D: EOFError
    assert client.wait_exit() == 1
    assert client.terminal.bytes() == b"Hello!\r\nReceived 'Hello!'\r\n"
    assert client.stderr_bytes().startswith(b'msg to send:msg to send:Traceback (most recent call last):\n')
    assert client.stderr_bytes().endswith(b'\nEOFError\n')


@each_client
def test_prompt_goes_to_stdout_unflushed_on_pipes(session, example):
    client, server = session.client_with_fake_server(example)
    assert client.stdout.nothing_new_within() and client.stdout_bytes() == b'', 'the prompt is buffered'
    client.type(b'Hello!\n')
    server.expect(b'Hello!')
    server.send(b'Hello!')
    client.close_stdin()
    assert client.wait_exit() == 1
    assert client.stdout_bytes() == b"msg to send:Received 'Hello!'\nmsg to send:"
    assert not client.stderr_bytes().startswith(b'msg to send:')


@each_client
def test_prompt_goes_into_the_log_when_stdout_is_redirected_at_a_terminal(session, example):
    log = os.path.join(session.tmpdir, 'log')
    client, server = session.client_with_fake_server(example, tty=True, stdout_path=log)  # > log
    client.type(b'Hello!\r')
    server.expect(b'Hello!')
    server.send(b'Hello!')
    client.type(b'\x04')                                      # Ctrl-D: end of input, read as from a file
    assert client.wait_exit() == 1
    assert client.terminal.bytes().startswith(b'Hello!\r\nTraceback (most recent call last):\r\n')
    assert client.terminal.bytes().endswith(b'\r\nEOFError: EOF when reading a line\r\n')
    assert client.stdout_bytes() == b"msg to send:Received 'Hello!'\nmsg to send:"


@each_client
def test_prompt_appears_with_the_next_line_when_input_comes_from_a_file(session, example):
    lines = os.path.join(session.tmpdir, 'lines')
    with open(lines, 'wb') as f:
        f.write(b'Hello!\n')
    client, server = session.client_with_fake_server(example, tty=True, stdin_path=lines)  # < lines
    server.expect(b'Hello!')
    assert client.terminal.nothing_new_within() and client.terminal.bytes() == b'', (
        'stdout is a terminal, so it is line-buffered: the prompt waits for the end of its line')
    server.send(b'Hello!')
    assert client.wait_exit() == 1
    assert client.terminal.bytes().startswith(
        b"msg to send:Received 'Hello!'\r\n"
        b"msg to send:Traceback (most recent call last):\r\n")                # stdout first, then stderr
    assert client.terminal.bytes().endswith(b'\r\nEOFError: EOF when reading a line\r\n')


# -- fgets() and Ctrl-D ----------------------------------------------------------------------------------

@each_client
def test_ctrl_d_in_a_line_hands_over_the_text_and_the_line_goes_on(session, example):
    client, server = client_on_terminal(session, example)
    client.type(b'abc\x04')                                   # abc, Ctrl-D
    client.expect(b'abc')
    client.type(b'next\r')                                    # next, Enter
    server.expect(b'abcnext')


@each_client
def test_second_ctrl_d_returns_the_text_but_the_line_still_goes_on(session, example):
    client, server = client_on_terminal(session, example)
    client.type(b'abc\x04\x04next\r')                           # abc, Ctrl-D, Ctrl-D, next, Enter
    server.expect(b'abcnext')


@each_client
def test_third_ctrl_d_ends_the_line_and_cuts_its_last_character(session, example):
    client, server = client_on_terminal(session, example)
    client.type(b'abc\x04')                                   # abc, Ctrl-D: fgets() has 'abc' ...
    client.expect(b'abc')
    client.type(b'\x04')                                      # ... Ctrl-D: fgets() returns 'abc' ...
    server.nothing_arrives_within()                           # ... no newline, so raw_input reads on ...
    client.type(b'\x04')                                      # ... Ctrl-D: end of file, and
    server.expect(b'ab')                                      # the "newline" it cuts off is the 'c'
    server.send(b'ab')
    client.expect(b"Received 'ab'\r\n")
    client.expect(PROMPT)


# -- fgets() and NUL (Ctrl-@) ----------------------------------------------------------------------------

@each_client
def test_nul_cuts_the_line_and_the_next_line_is_appended(session, example):
    client, server = client_on_terminal(session, example)
    client.type(b'ab\x00cd\r')                        # ab, Ctrl-@, cd, Enter: the C string is 'ab' ...
    client.expect(b'ab^@cd\r\n')
    client.type(b'xy\r')                              # ... with no newline, so the next line is read too
    server.expect(b'abxy')
    server.send(b'abxy')
    client.expect(b"Received 'abxy'\r\n")
    client.expect(PROMPT)


@each_client
def test_nul_in_a_long_line_cuts_only_the_piece_it_falls_in(session, example):
    client, server = client_on_terminal(session, example)
    client.type(b'ab\x00' + b'c' * 200 + b'\r')      # fgets() reads 99 bytes: 'ab', NUL, 96 c's, cut at the NUL;
    client.expect(b'\r\n')                           # then pieces of 3, 6, 12, 24, 48 and 96 bytes: 104 c's
    server.expect(b'ab' + b'c' * 104)
    server.nothing_arrives_within()


@each_client
def test_line_starting_with_nul_is_a_bare_eoferror(session, example):
    client, server = client_on_terminal(session, example)
    client.type(b'\x00ab\r')                                  # an empty C string reads as end of file
    assert client.wait_exit() == 1
    assert client.terminal.bytes().startswith(b'msg to send:^@ab\r\nTraceback (most recent call last):\r\n')
    assert client.terminal.bytes().endswith(b'\r\nEOFError\r\n')
    server.expect_eof()
