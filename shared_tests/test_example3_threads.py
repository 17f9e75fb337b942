# -*- coding: utf-8 -*-
"""Example 3, the threaded server (not the article's), with fifty clients connected at once.

Each is served in its own thread, gets its own bytes back, and leaves nothing behind, no thread and no socket.

The clients are the harness's own sockets (harness/sockets.py), fifty of them connected together.
"""
from harness import EX3, Deadline, poll_until, sockets_of, threads_of

CLIENTS = 50


def message(n):
    """Client n's bytes: its number, then 1000 bytes that run through all 256 values from a point of its own."""
    return b'client %02d: ' % n + bytes(bytearray((7 * n + i) % 256 for i in range(1000)))


def test_fifty_clients_stay_connected_and_each_is_served_in_turn(session):
    server = session.server(EX3, tty=True)
    clients = []
    for n in range(CLIENTS):                                 # each waits for the one before to be served
        client = session.connect(server.port, role='client %02d' % n)
        clients.append(client)
        server.expect(b"Connected by ('127.0.0.1', %d)\r\n" % client.port)
        client.send(b'I am client %02d.' % n)
        client.expect(b'I am client %02d.' % n)
        server.expect(b'Received I am client %02d.\r\n' % n)
    assert threads_of(server.proc.pid) == 1 + CLIENTS, 'a thread for each client still connected'
    for n, client in enumerate(clients):
        client.close()
        server.expect(b'Received \r\n')                      # its end of stream, printed by its thread,
        server.wait_for_threads(CLIENTS - n)                # which ends (Python 2: its print statement too)
    assert server.terminal.bytes() == b''.join(
        b"Connected by ('127.0.0.1', %d)\r\nReceived I am client %02d.\r\n" % (c.port, n)
        for n, c in enumerate(clients)) + b'Received \r\n' * CLIENTS


def test_fifty_clients_talking_at_once_get_their_own_bytes_and_leave_no_thread_or_socket(session):
    server = session.server(EX3)
    listening = sockets_of(server.proc.pid)                  # the listening socket (and the guard's report)
    clients = []
    for n in range(CLIENTS):     # one after another, each accepted before the next (5 wait in listen()'s queue)
        clients.append(session.connect(server.port, role='client %02d' % n))
        server.wait_event('accept', count=n + 1)
    for n, client in enumerate(clients):                     # then all talk at once
        client.send(message(n))
    for n, client in enumerate(clients):
        client.expect(message(n))
    assert threads_of(server.proc.pid) == 1 + CLIENTS, 'a thread for each client still connected'
    for n, client in enumerate(clients):                     # and a second round, all at once again
        client.send(message(CLIENTS + n))
    for n, client in enumerate(clients):
        client.expect(message(CLIENTS + n))
    for client in clients:
        client.close()
    server.wait_for_threads(1)
    poll_until(lambda: sockets_of(server.proc.pid) == listening, Deadline(),
               "%s to close every client's socket, keeping %s" % (server.role, sorted(listening)))
    assert server.still_running_after(), 'the server goes on serving'
