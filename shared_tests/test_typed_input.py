# -*- coding: utf-8 -*-
"""Typed input: what the client does with the line a person types, on any terminal.

Python 2's ``raw_input()`` returned the typed bytes as they came, whatever the terminal's encoding, and
``str.strip()`` removed ASCII white space only. An empty line sends nothing, and then ``recv()`` waits for
an answer that never comes. End of input is ``EOFError``; Ctrl-C is ``KeyboardInterrupt``.
"""
import pytest

import harness
from harness import EX1, EX2, PROMPT, child_environment
from harness.fixtures import each_client
from harness.interpreters import utf8_mode

both_examples = pytest.mark.parametrize('example', [EX1, EX2])


# -- the terminal's encoding: the typed bytes go out as they are ------------------------------------------

TERMINALS = [  # (the terminal, its locale, PYTHONIOENCODING, what the person types there)
    ('utf8', 'C.UTF-8', None, b'\xe4\xbd\xa0\xe5\xa5\xbd'),                      # 你好 in UTF-8
    ('gbk', 'zh_CN.GBK', None, b'\xc4\xe3\xba\xc3'),                            # 你好 in GBK
    ('latin1', 'en_US.ISO-8859-1', None, b'caf\xe9 \xa0\xe0 la cr\xe8me\xa0'),  # ends in a Latin-1 NBSP
    ('c_locale', 'C', None, b'\xe4\xbd\xa0\xe5\xa5\xbd \xff'),
    ('utf8_pythonioencoding_ascii', 'C.UTF-8', 'ascii', b'\xe4\xbd\xa0\xe5\xa5\xbd'),
    ('utf8_pythonioencoding_latin1', 'C.UTF-8', 'latin-1', b'\xe4\xbd\xa0\xe5\xa5\xbd'),
    ('gbk_pythonioencoding_utf8', 'zh_CN.GBK', 'utf-8', b'\xc4\xe3\xba\xc3'),
]
each_terminal = pytest.mark.parametrize('locale_name,ioencoding,typed', [t[1:] for t in TERMINALS],
                                        ids=[t[0] for t in TERMINALS])

# UTF-8 mode (PEP 540, Python 3.7+) makes stdin, stdout and stderr UTF-8 whatever the locale; it is on by default
# from Python 3.15 (PEP 686), and from 3.7 in the C locale. Each terminal is tried in the interpreter's default
# mode and in the other one: PYTHONUTF8=0 where the default is on (a user restoring the locale's encoding),
# PYTHONUTF8=1 where it is off. Python 2.7 and 3.6 have no such mode.
each_utf8_mode = pytest.mark.parametrize('utf8', ['default', 'flipped'],
                                         ids=['utf8_mode_default', 'utf8_mode_flipped'])


def environment(locale_env, locale_name, ioencoding, utf8):
    env = locale_env(locale_name)
    if ioencoding:
        env['PYTHONIOENCODING'] = ioencoding
    if utf8 == 'flipped':
        # The default depends on the locale, not on PYTHONIOENCODING: asked once a locale.
        default = utf8_mode(harness.IMPL_PYTHON, tuple(sorted(child_environment(locale_env(locale_name)).items())))
        if default is None:
            pytest.skip('Python %s has no UTF-8 mode' % harness.dotted(harness.impl_version()))
        env['PYTHONUTF8'] = '0' if default else '1'
    return env


@each_utf8_mode
@each_terminal
@each_client
def test_client_sends_the_typed_bytes_whatever_the_terminal_encoding(session, locale_env, example,
                                                                      locale_name, ioencoding, typed, utf8):
    env = environment(locale_env, locale_name, ioencoding, utf8)
    client, server = session.client_with_fake_server(example, tty=True, env=env)
    client.expect(PROMPT)
    client.type(typed + b'\r')
    server.expect(typed)
    server.send(typed)
    printed = client.expect(PROMPT)
    assert printed == typed + b'\r\nReceived ' + {
        b'\xe4\xbd\xa0\xe5\xa5\xbd': b"'\\xe4\\xbd\\xa0\\xe5\\xa5\\xbd'",
        b'\xc4\xe3\xba\xc3': b"'\\xc4\\xe3\\xba\\xc3'",
        b'caf\xe9 \xa0\xe0 la cr\xe8me\xa0': b"'caf\\xe9 \\xa0\\xe0 la cr\\xe8me\\xa0'",
        b'\xe4\xbd\xa0\xe5\xa5\xbd \xff': b"'\\xe4\\xbd\\xa0\\xe5\\xa5\\xbd \\xff'",
    }[typed] + b'\r\n'


@each_utf8_mode
@each_terminal
@both_examples
def test_server_prints_the_received_bytes_whatever_the_locale(session, locale_env, example,
                                                              locale_name, ioencoding, typed, utf8):
    env = environment(locale_env, locale_name, ioencoding, utf8)
    server = session.server(example, tty=True, env=env)
    client = session.connect(server.port)
    client.send(typed)
    client.expect(typed)
    server.expect((b'revc: ' if example == EX1 else b'Received ') + typed + b'\r\n')


# -- strip(): what Python 2 removed, and what it kept ------------------------------------------------------

KEPT = [  # (what Python 2's str.strip() kept at both ends, as the bytes a terminal sends)
    ('separators_x1c_to_x1f', b'\x1c\x1d\x1e\x1f'),         # Python 3's str.strip() would take them
    ('no_break_space_in_utf8', b'\xc2\xa0'),                 # U+00A0
    ('ideographic_space_in_utf8', b'\xe3\x80\x80'),          # U+3000, the full-width space of CJK input
    ('no_break_space_and_next_line_in_latin1', b'\xa0\x85'),  # one byte each
]


@each_client
def test_strip_removes_ascii_whitespace_at_both_ends(session, example):
    client, server = session.client_with_fake_server(example)
    client.type(b' \t\x0b\x0c\rHello! \t\x0b\x0c\r\n')
    server.expect(b'Hello!')


@each_client
def test_strip_keeps_whitespace_inside_the_line(session, example):
    client, server = session.client_with_fake_server(example)
    client.type(b'  I\'m \t Client\x0bA.  \n')
    server.expect(b'I\'m \t Client\x0bA.')


@pytest.mark.parametrize('kept', [k[1] for k in KEPT], ids=[k[0] for k in KEPT])
@each_client
def test_strip_keeps_what_python2_kept(session, example, kept):
    client, server = session.client_with_fake_server(example)
    client.type(b' ' + kept + b'msg' + kept + b' \n')
    server.expect(kept + b'msg' + kept)


# -- the empty line: nothing is sent, and the client waits for an answer ----------------------------------

@each_client
def test_empty_line_sends_nothing_and_the_client_waits(session, example):
    client, server = session.client_with_fake_server(example, tty=True)
    client.expect(PROMPT)
    client.type(b'\r')                                        # Enter on an empty line
    client.expect(b'\r\n')
    shown = client.terminal.bytes()
    server.nothing_arrives_within()                           # sendall('') sends nothing, and in that time
    assert client.terminal.bytes() == shown, 'no new prompt: recv() waits'
    server.send(b'late')                                      # an answer ends the wait
    client.expect(b"Received 'late'\r\n")
    client.expect(PROMPT)


@each_client
def test_line_of_spaces_sends_nothing_either(session, example):
    client, server = session.client_with_fake_server(example)
    client.type(b' \t \n')
    server.nothing_arrives_within()
    assert client.still_running_after(0)


# -- end of input ------------------------------------------------------------------------------------------

@each_client
def test_eof_on_pipes_is_eoferror_eof_when_reading_a_line(session, example):
    client, server = session.client_with_fake_server(example)
    client.close_stdin()
    assert client.wait_exit() == 1
    assert client.stdout_bytes() == b'msg to send:'
    assert client.stderr_bytes().startswith(b'Traceback (most recent call last):\n')
    assert client.stderr_bytes().endswith(b'\nEOFError: EOF when reading a line\n')
    server.expect_eof()


@each_client
def test_eof_on_a_terminal_is_a_bare_eoferror(session, example):
    client, server = session.client_with_fake_server(example, tty=True)
    client.expect(PROMPT)
    client.type(b'\x04')                                      # Ctrl-D at the start of a line
    assert client.wait_exit() == 1
    assert client.terminal.bytes().startswith(b'msg to send:Traceback (most recent call last):\r\n')
    assert client.terminal.bytes().endswith(b'\r\nEOFError\r\n')
    server.expect_eof()


@each_client
def test_last_line_without_newline_is_sent_before_eof(session, example):
    client, server = session.client_with_fake_server(example)
    client.type(b'last words')
    client.close_stdin()                                      # printf 'last words' | python client4.py
    server.expect(b'last words')
    server.send(b'last words')
    assert client.wait_exit() == 1
    assert client.stdout_bytes() == b"msg to send:Received 'last words'\nmsg to send:"
    assert client.stderr_bytes().endswith(b'\nEOFError: EOF when reading a line\n')


# -- Ctrl-C: KeyboardInterrupt; the exit status depends on the interpreter (see README) -------------------

def ctrl_c_at_the_prompt(session, example):
    client, server = session.client_with_fake_server(example, tty=True)
    client.expect(PROMPT)
    client.type(b'Hello!\r')
    server.expect(b'Hello!')
    server.send(b'Hello!')
    client.expect(PROMPT)
    client.interrupt()                                        # Ctrl-C, typed
    status = client.wait_exit()
    assert client.terminal.bytes().startswith(
        b"msg to send:Hello!\r\nReceived 'Hello!'\r\nmsg to send:^CTraceback (most recent call last):\r\n")
    assert client.terminal.bytes().endswith(b'\r\nKeyboardInterrupt\r\n')
    server.expect_eof()
    return status


@pytest.mark.skipif(harness.impl_version() >= (3, 8), reason='Python 3.8+ dies by SIGINT instead')
@each_client
def test_ctrl_c_is_keyboardinterrupt_and_exit_status_1_on_python_2_and_3_6_3_7(session, example):
    assert ctrl_c_at_the_prompt(session, example) == 1


@pytest.mark.skipif(harness.impl_version() < (3, 8), reason='before Python 3.8 the exit status is 1')
@each_client
def test_ctrl_c_is_keyboardinterrupt_and_death_by_sigint_on_python_3_8_and_later(session, example):
    assert ctrl_c_at_the_prompt(session, example) == -2       # the shell shows 130
