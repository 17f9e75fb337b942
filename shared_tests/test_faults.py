# -*- coding: utf-8 -*-
"""Faults: what the article's programs do when the other side is absent, resets, half-closes, vanishes, reads
too slowly, or when the port is taken. The port must do exactly what the original does, flaws included:

* neither program handles a socket error: each dies with a traceback and exit status 1;
* a reset (RST) from one client kills the server, so Example 2's accept loop ends for every client after it;
* Example 2 never closes a finished connection: it is closed when ``conn`` is rebound by the next accept();
* a server blocked in ``sendall`` (a client that does not read) serves nobody else until that client reads;
* the client takes an empty recv() (the server has gone) for a message: it prints ``Received ''``.

Only the exception's name differs (PEP 3151); the two tests at the end pin it for each interpreter family.
"""
import select
import signal
import socket
import threading

import pytest

from harness import EX1, EX2, EXAMPLES, Deadline, Peer, PROMPT, Program, TIMEOUT, impl_version, wait_socket_gone
from harness.fixtures import each_client
from harness.kernel import in_syscall, syscalls_visible
from test_payloads import MiB, differs, payload_of, read_back

FIRST_LINE = b'Traceback (most recent call last):'


def last_line(output):
    return output.rstrip(b'\r\n').splitlines()[-1]


def reset_seen_by(peer):
    """Wait for the end of the connection; return the errno if it was a failure (a reset), else None."""
    try:
        peer.expect_eof()
    except socket.error as e:
        return e.errno
    return None


# -- the client: server absent, server gone ---------------------------------------------------------------

def client_without_server(session, example):
    """The client is redirected to a port on which nothing listens: a bound socket of the harness that does
    not listen holds the port, so no one else can take it meanwhile."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    session.closing.append(holder)
    holder.bind(('127.0.0.1', 0))
    client = session.client(example, holder.getsockname()[1], connected=False)
    client.wait_exit()
    return client


@each_client
def test_client_with_no_server_is_refused_before_its_prompt(session, example):
    client = client_without_server(session, example)
    assert client.wait_event('error') == ['error', 'connect', '111']
    assert client.stdout_bytes() == b''                               # it never got to its prompt


def client_whose_server_resets(session, example):
    """A fake server takes the first message and answers with a reset (RST) instead of an echo."""
    fake = session.fake_server()
    client = session.client(example, fake.port)
    server_side = fake.accept()
    client.type(b'Hello!\n')
    server_side.expect(b'Hello!')
    server_side.reset()
    client.wait_exit()
    return client


CLIENT_FAULTS = [  # (the fault, the client's stdout, the end of its traceback)
    ('with_no_server_dies_with_connection_refused', client_without_server, b'',
     b': [Errno 111] Connection refused\n'),
    ('whose_server_resets_dies_with_connection_reset', client_whose_server_resets, b'msg to send:',
     b': [Errno 104] Connection reset by peer\n'),
]


@pytest.mark.parametrize('fault,stdout,last', [f[1:] for f in CLIENT_FAULTS], ids=[f[0] for f in CLIENT_FAULTS])
@each_client
def test_client_dies_with_the_socket_error(session, example, fault, stdout, last):
    client = fault(session, example)
    assert client.returncode == 1
    assert client.stdout_bytes() == stdout
    assert client.stderr_bytes().startswith(FIRST_LINE + b'\n')
    assert client.stderr_bytes().endswith(last)


def client_whose_server_was_killed(session, example):
    """The real server is killed (SIGKILL) while the client waits at its prompt, on a terminal."""
    server = session.server(example)
    client = session.client(example, server.port, tty=True)
    client.expect(PROMPT)
    server.wait_event('accept')
    server.kill()
    assert server.wait_exit() == -signal.SIGKILL
    client.type(b'Hello!\r')                      # sent into a closed connection: the reply is a reset
    client.expect(b"Received ''\r\n")             # but the FIN came first: recv() gives '' and the client prints it
    client.expect(PROMPT)
    wait_socket_gone(client.local_port, server.port)  # the reset has reached the client's socket (a busy kernel
    client.type(b'Anyone?\r')                     # may take a while), so this send fails
    client.wait_exit()
    return client


@pytest.mark.parametrize('example', EXAMPLES)
def test_client_whose_server_is_killed_prints_an_empty_answer_then_dies_with_broken_pipe(session, example):
    client = client_whose_server_was_killed(session, example)
    assert client.returncode == 1
    assert client.terminal.bytes().startswith(
        b"msg to send:Hello!\r\n"
        b"Received ''\r\n"
        b"msg to send:Anyone?\r\n" + FIRST_LINE + b'\r\n')
    assert client.terminal.bytes().endswith(b': [Errno 32] Broken pipe\r\n')


# -- the server: a client that resets, vanishes, half-closes or is killed --------------------------------

def server_reset_by_its_client(session, example):
    server = session.server(example)
    a = session.connect(server.port, role='client A')
    a.send(b'Hello')
    a.expect(b'Hello')
    a.reset()                                                  # RST
    server.wait_exit()
    return server, a


def test_example1_server_dies_when_its_client_resets(session):
    server, a = server_reset_by_its_client(session, EX1)
    assert server.returncode == 1
    assert server.stdout_bytes() == (
        b"Connected by ('127.0.0.1', %d)\n"
        b"revc: Hello\n") % a.port
    assert server.stderr_bytes().startswith(FIRST_LINE + b'\n')
    assert server.stderr_bytes().endswith(b': [Errno 104] Connection reset by peer\n')


def test_example2_accept_loop_ends_for_everyone_when_one_client_resets(session):
    server = session.server(EX2)
    a = session.connect(server.port, role='client A')
    a.send(b'Hello')
    a.expect(b'Hello')
    b = session.connect(server.port, role='client B')          # waits in the listen queue
    b.send(b"I'm B")
    b.nothing_arrives_within()
    a.reset()                                                  # RST
    assert server.wait_exit() == 1                             # the reset is not handled: the loop is over
    assert server.stdout_bytes() == (
        b"Connected by ('127.0.0.1', %d)\n"
        b"Received Hello\n") % a.port
    assert server.stderr_bytes().endswith(b': [Errno 104] Connection reset by peer\n')
    assert reset_seen_by(b) == 104                             # B, never accepted, is reset with the socket


@pytest.mark.parametrize('example', EXAMPLES)
def test_server_dies_when_a_connection_is_reset_mid_message(session, example):
    """The client sends the first half of a message and resets instead of sending the rest: the server
    prints and echoes the half that arrived (data before the reset is still read), then dies on the reset,
    in recv() or in sendall(), whichever it is in when the reset arrives."""
    server = session.server(example)
    a = session.connect(server.port, role='client A')
    server.wait_event('accept')
    a.send(b'The first half of a mess')
    a.reset()                                                  # RST right behind the data
    assert server.wait_exit() == 1
    assert server.stdout_bytes() == (
        b"Connected by ('127.0.0.1', %d)\n"
        b"%s The first half of a mess\n") % (a.port, b'revc:' if example == EX1 else b'Received')
    assert server.stderr_bytes().endswith(b': [Errno 104] Connection reset by peer\n')


@pytest.mark.parametrize('example', EXAMPLES)
def test_a_client_that_closes_with_the_echo_unread_resets_and_kills_the_server(session, example):
    """close() with unread bytes sends a reset, not a FIN (RFC 2525, 2.17): a client that leaves without
    reading the last echo kills the server."""
    server = session.server(example)
    a = session.connect(server.port, role='client A')
    a.send(b'Bye')
    ready, _, _ = select.select([a.sock], [], [], Deadline().remaining())
    assert ready, 'the echo did not arrive'                    # it is there, and it is not read
    a.close()
    assert server.wait_exit() == 1
    assert server.stdout_bytes() == (
        b"Connected by ('127.0.0.1', %d)\n"
        b"%s Bye\n") % (a.port, b'revc:' if example == EX1 else b'Received')
    assert server.stderr_bytes().endswith(b': [Errno 104] Connection reset by peer\n')


def test_example1_server_exits_normally_when_its_client_is_killed(session):
    server = session.server(EX1)
    a = session.client(EX1, server.port, role='client A', tty=True)
    a.expect(PROMPT)
    a.type(b'Hello!\r')
    a.expect(b"Received 'Hello!'\r\n")
    a.kill()                                                   # SIGKILL: the kernel closes its socket, FIN
    assert a.wait_exit() == -signal.SIGKILL
    assert server.wait_exit() == 0                             # an end of stream, like a client that left
    assert server.stdout_bytes() == (
        b"Connected by ('127.0.0.1', %d)\n"
        b"revc: Hello!\n") % a.local_port
    assert server.stderr_bytes() == b''


def test_example2_server_serves_the_next_client_when_one_is_killed(session):
    server = session.server(EX2)
    a = session.client(EX2, server.port, role='client A', tty=True)
    a.expect(PROMPT)
    a.type(b'Hello!\r')
    a.expect(b"Received 'Hello!'\r\n")
    a.kill()
    assert a.wait_exit() == -signal.SIGKILL
    b = session.connect(server.port, role='client B')
    b.send(b"I'm B")
    b.expect(b"I'm B")                                         # the server lives on
    b.close()
    server.wait_in_accept(3)
    server.signal(signal.SIGINT)
    server.wait_exit()
    assert server.stdout_bytes() == (
        b"Connected by ('127.0.0.1', %d)\n"
        b"Received Hello!\n"
        b"Received \n"
        b"Connected by ('127.0.0.1', %d)\n"
        b"Received I'm B\n"
        b"Received \n") % (a.local_port, b.port)


def test_example1_server_answers_a_half_closed_client_then_exits(session):
    server = session.server(EX1)
    a = session.connect(server.port, role='client A')
    a.send(b'Hello')
    a.shutdown_write()                                         # FIN: no more from A, but A still reads
    a.expect(b'Hello')
    assert server.wait_exit() == 0
    a.expect_eof()                                             # the server closed: conn.close() after the loop
    assert server.stdout_bytes() == (
        b"Connected by ('127.0.0.1', %d)\n"
        b"revc: Hello\n") % a.port


def test_example2_server_keeps_a_half_closed_connection_open_until_the_next_accept(session):
    """Example 2 never closes a connection it is done with: ``conn`` is closed when the next accept() rebinds
    it, so a half-closed client gets its end of stream only when another client arrives."""
    server = session.server(EX2)
    a = session.connect(server.port, role='client A')
    a.send(b'Hello')
    a.shutdown_write()
    a.expect(b'Hello')
    server.wait_in_accept(2)                    # done with A, back in accept()
    a.nothing_arrives_within()                                 # yet A's connection is still open
    b = session.connect(server.port, role='client B')
    server.wait_event('accept', count=2)
    a.expect_eof()                                             # B's accept rebinds conn: A's socket is closed
    b.send(b"I'm B")
    b.expect(b"I'm B")


# -- the server: a reader too slow ------------------------------------------------------------------------

@pytest.mark.skipif(not syscalls_visible(), reason='needs /proc/PID/syscall and a known number for sendto(2)')
def test_example2_server_blocked_in_sendall_by_a_slow_reader_serves_no_one_until_it_reads(session):
    server = session.server(EX2)
    slow = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)   # a small window, not tuned up to MiBs
    slow.connect(('127.0.0.1', server.port))
    a = Peer(session, slow, 'slow reader A')
    a.port = slow.getsockname()[1]
    payload = payload_of(16 * MiB)
    sender = threading.Thread(target=slow.sendall, args=(payload,), name='slow reader A sends')
    sender.daemon = True
    sender.start()                                             # A sends 16 MiB and reads nothing, yet
    deadline = Deadline(2 * TIMEOUT)
    server.wait_blocked_in(('sendto',), 'in sendall', deadline)  # its echo fills the buffers: the server waits

    b = session.connect(server.port, role='client B')
    b.send(b"I'm B")
    b.nothing_arrives_within()                                 # B waits for A
    assert in_syscall(server.proc.pid, 'sendto'), 'the server should still be waiting on A'

    back = read_back(session, a, payload, deadline)           # A reads at last: the server resumes
    assert not differs(back, payload), 'the echo to A: ' + differs(back, payload)
    sender.join(deadline.remaining())
    a.close()
    b.expect(b"I'm B", deadline)                               # and then serves B


# -- the port already in use ------------------------------------------------------------------------------

def second_server_on_the_same_port(session, example):
    first = session.server(example, role='first server')
    second = Program(session, example, 'server4.py', 'second server', env={'LOOPBACK_BIND_PORT': str(first.port)})
    second.wait_exit()
    return first, second


@pytest.mark.parametrize('example', EXAMPLES)
def test_a_second_server_on_a_port_in_use_dies_with_address_in_use(session, example):
    first, second = second_server_on_the_same_port(session, example)
    assert second.returncode == 1
    assert second.stdout_bytes() == b''
    assert second.stderr_bytes().startswith(FIRST_LINE + b'\n')
    assert second.stderr_bytes().endswith(b': [Errno 98] Address already in use\n')
    a = session.connect(first.port)                            # the first server is untouched
    a.send(b'still here')
    a.expect(b'still here')


# -- what the errors are called: the one difference (PEP 3151) ---------------------------------------------

def last_lines_of_every_fault(session):
    return [
        last_line(client_without_server(session, EX1).stderr_bytes()),
        last_line(client_whose_server_resets(session, EX1).stderr_bytes()),
        last_line(client_whose_server_was_killed(session, EX1).terminal.bytes()),
        last_line(server_reset_by_its_client(session, EX1)[0].stderr_bytes()),
        last_line(second_server_on_the_same_port(session, EX1)[1].stderr_bytes()),
    ]


@pytest.mark.skipif(impl_version()[0] != 2, reason='Python 2 names: the interpreter under test is Python 3')
def test_python2_calls_every_socket_fault_socket_error(session):
    assert last_lines_of_every_fault(session) == [
        b'socket.error: [Errno 111] Connection refused',
        b'socket.error: [Errno 104] Connection reset by peer',
        b'socket.error: [Errno 32] Broken pipe',
        b'socket.error: [Errno 104] Connection reset by peer',
        b'socket.error: [Errno 98] Address already in use',
    ]


@pytest.mark.skipif(impl_version()[0] != 3, reason='Python 3 names: the interpreter under test is Python 2')
def test_python3_names_each_socket_fault_by_its_errno(session):
    assert last_lines_of_every_fault(session) == [
        b'ConnectionRefusedError: [Errno 111] Connection refused',
        b'ConnectionResetError: [Errno 104] Connection reset by peer',
        b'BrokenPipeError: [Errno 32] Broken pipe',
        b'ConnectionResetError: [Errno 104] Connection reset by peer',
        b'OSError: [Errno 98] Address already in use',
    ]
