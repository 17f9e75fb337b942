# -*- coding: utf-8 -*-
"""Bytes on the wire and on the console, with stdio on pipes (as when a program's output is captured)."""
import signal

from harness import ARTICLE_PORT

EX1 = 'example1_interactive'
EX2 = 'example2_accept_loop'


def test_example1_server_echoes_any_bytes_and_prints_them_unchanged(session):
    server = session.server(EX1)
    a = session.connect(server.port)
    a.send(b'\xe4\xb8\xad\xff\x00 end')              # UTF-8 for 中, an invalid byte, a NUL
    a.expect(b'\xe4\xb8\xad\xff\x00 end')
    a.close()
    assert server.wait_exit() == 0
    assert server.stdout_bytes() == (
        b"Connected by ('127.0.0.1', %d)\n"
        b"revc: \xe4\xb8\xad\xff\x00 end\n") % a.port
    assert server.stderr_bytes() == b''


def test_example2_server_serves_one_client_after_another(session):
    server = session.server(EX2)
    first = session.connect(server.port, role='first')
    first.send(b'one')
    first.expect(b'one')
    second = session.connect(server.port, role='second')
    second.send(b'two')
    second.nothing_arrives_within()                  # the server is still busy with the first
    first.close()
    second.expect(b'two')
    second.close()
    server.wait_event('accepting', count=3)         # back in accept(): done with both
    server.signal(signal.SIGINT)                     # stop it as a person would, with Ctrl-C
    server.wait_exit()
    assert server.stdout_bytes() == (
        b"Connected by ('127.0.0.1', %d)\n"
        b"Received one\n"
        b"Received \n"
        b"Connected by ('127.0.0.1', %d)\n"
        b"Received two\n"
        b"Received \n") % (first.port, second.port)
    assert server.stderr_bytes().endswith(b'\nKeyboardInterrupt\n')


def test_client_sends_the_typed_bytes_stripped_and_prints_python2_repr(session):
    fake = session.fake_server()
    client = session.client(EX1, fake.port)
    peer = fake.accept()
    client.type(b'  caf\xc3\xa9 \xff\x1c\r\n')        # UTF-8, an invalid byte, a separator Python 2 keeps
    peer.expect(b'caf\xc3\xa9 \xff\x1c')
    peer.send(b"it's \"quoted\"\x00")
    client.close_stdin()
    assert client.wait_exit() == 1
    assert client.stdout_bytes() == (
        b"msg to send:Received 'it\\'s \"quoted\"\\x00'\n"
        b"msg to send:")
    assert client.stderr_bytes().endswith(b'\nEOFError: EOF when reading a line\n')


def test_client_connects_only_through_the_redirect(session):
    fake = session.fake_server()
    client = session.client(EX2, fake.port)
    assert client.wait_event('connect') == ['connect', '192.168.1.13', str(ARTICLE_PORT), '->',
                                            '127.0.0.1', str(fake.port)]
    fake.accept()
