# -*- coding: utf-8 -*-
"""Nothing lost: megabytes of random bytes through each server, and a typed line longer than 64 KiB through
each client, compared by SHA-256 with the digests written below.

A server prints every chunk it receives (``revc: CHUNK`` or ``Received CHUNK``, one ``recv(1024)`` each), so
what it printed is checked too: the chunks are cut out of its stdout by their framing alone and hashed.
"""
import ctypes
import hashlib
import random
import select
import signal
import sys
import threading

import pytest

from harness import EX1, EX2, Deadline, TIMEOUT
from harness.fixtures import each_client
from harness.memo import once

MiB = 1 << 20

# size: (seed, SHA-256 of the payload), the payload being random.Random(seed).getrandbits(8 * size) as
# big-endian bytes, the same on Python 2 and 3.
PAYLOADS = {
    1 * MiB: (1, 'aa7ae3c5f961fe69d5ebbb58691190a7a3b59e9eae3593a0ef09aeda0813ff63'),
    16 * MiB: (16, '1803052fe9be86ef9d12823cd0a0b4c874c7fb0c8e0f60cddf39d8d1f07abf53'),
}


def random_bytes(size, seed):
    value = random.Random(seed).getrandbits(8 * size)
    if sys.version_info[0] == 2:
        # Python 2 has no int.to_bytes: the C function it calls, through ctypes (through hex and unhexlify,
        # the same bytes take four times as long: 0.3 s for 16 MiB)
        as_bytes = ctypes.pythonapi._PyLong_AsByteArray
        as_bytes.argtypes = [ctypes.py_object, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int]
        buf = ctypes.create_string_buffer(size)
        if as_bytes(value, buf, size, 0, 0) != 0:        # big-endian, unsigned
            raise ValueError('%d random bytes do not fit' % size)
        return buf.raw
    return value.to_bytes(size, 'big')


def sha256(data):
    return hashlib.sha256(data).hexdigest()


@once
def payload_of(size):
    """The payload of this size, made and checked against its digest once a process (both servers echo it)."""
    seed, digest = PAYLOADS[size]
    payload = random_bytes(size, seed)
    assert sha256(payload) == digest, 'random.Random(%d) made other bytes here' % seed
    return payload


def echo(session, peer, payload, digest, deadline):
    """Send the payload (whose SHA-256 is ``digest``) from a thread while reading the echo here (neither side
    may wait for the other to finish); return the SHA-256 and length of what came back."""
    failures = []

    def send():
        try:
            peer.sock.sendall(payload)
        except Exception as e:  # noqa: the reader reports it
            failures.append(e)
    sender = threading.Thread(target=send, name='payload sender')
    sender.daemon = True
    sender.start()
    session.note(peer.role, '->', '%d random bytes, sha256 %s (from a thread)' % (len(payload), digest))
    result = read_and_hash(session, peer, len(payload), deadline)
    sender.join(deadline.remaining())
    assert not failures, 'sending failed: %r' % failures
    return result


def read_and_hash(session, peer, size, deadline):
    """Read up to ``size`` bytes (less if the connection ends); return their SHA-256 and how many came.
    The wire log gets one line for them all."""
    digest, received = hashlib.sha256(), 0
    while received < size:
        ready, _, _ = select.select([peer.sock], [], [], deadline.remaining())
        if not ready:
            deadline.fail('%s: %d of %d bytes back' % (peer.role, received, size))
        chunk = peer.sock.recv(262144)
        if not chunk:
            break
        digest.update(chunk)
        received += len(chunk)
    session.note(peer.role, '<-', '%d bytes, sha256 %s' % (received, digest.hexdigest()))
    return digest.hexdigest(), received


def printed_chunks(body, prefix):
    """Cut ``PREFIX CHUNK \\n PREFIX CHUNK \\n ...`` into its chunks by the framing alone: each chunk is 1 to
    1024 bytes (one recv(1024)) and is followed by a newline and the next prefix or the end. Random bytes
    make a wrong cut all but impossible, and a wrong cut could only change the digest, never hide a loss."""
    chunks, at = [], 0
    while at < len(body):
        assert body.startswith(prefix, at), 'no %r at stdout offset %d' % (prefix, at)
        start = at + len(prefix)
        for size in range(min(1024, len(body) - start - 1), 0, -1):
            end = start + size
            if body[end:end + 1] == b'\n' and (end + 1 == len(body) or body.startswith(prefix, end + 1)):
                break
        else:
            raise AssertionError('no chunk of 1 to 1024 bytes at stdout offset %d' % start)
        chunks.append(body[start:end])
        at = end + 1
    return chunks


@pytest.mark.parametrize('size', sorted(PAYLOADS), ids=['1MiB', '16MiB'])
def test_example1_server_echoes_and_prints_megabytes_unchanged(session, size):
    digest = PAYLOADS[size][1]
    payload = payload_of(size)
    deadline = Deadline(2 * TIMEOUT)
    server = session.server(EX1)
    client = session.connect(server.port)
    assert echo(session, client, payload, digest, deadline) == (digest, size)
    client.close()                                            # the client leaves; the server exits
    assert server.wait_exit(deadline) == 0
    stdout = server.stdout_bytes()
    header = b"Connected by ('127.0.0.1', %d)\n" % client.port
    assert stdout.startswith(header)
    chunks = printed_chunks(stdout[len(header):], b'revc: ')
    assert (sha256(b''.join(chunks)), sum(map(len, chunks))) == (digest, size)
    assert server.stderr_bytes() == b''


@pytest.mark.parametrize('size', sorted(PAYLOADS), ids=['1MiB', '16MiB'])
def test_example2_server_echoes_and_prints_megabytes_unchanged(session, size):
    digest = PAYLOADS[size][1]
    payload = payload_of(size)
    deadline = Deadline(2 * TIMEOUT)
    server = session.server(EX2)
    client = session.connect(server.port)
    assert echo(session, client, payload, digest, deadline) == (digest, size)
    client.close()
    server.wait_in_accept(2, deadline)         # done with the client, waiting for the next
    server.signal(signal.SIGINT)                              # Ctrl-C, so that it flushes what it printed
    server.wait_exit(deadline)
    stdout = server.stdout_bytes()
    header = b"Connected by ('127.0.0.1', %d)\n" % client.port
    trailer = b"Received \n"                                  # the client's end of stream, printed
    assert stdout.startswith(header) and stdout.endswith(trailer)
    chunks = printed_chunks(stdout[len(header):-len(trailer)], b'Received ')
    assert (sha256(b''.join(chunks)), sum(map(len, chunks))) == (digest, size)
    assert server.stderr_bytes().endswith(b'\nKeyboardInterrupt\n')


# A typed line of 100 000 bytes: longer than a pipe's 64 KiB buffer, every byte value but the newline,
# inside brackets so that strip() has nothing to take.
LONG_LINE = b'[' + random_bytes(99998, 64).replace(b'\n', b'N') + b']'
LONG_LINE_SHA256 = 'b3aaaf809f33102ec888fdca6d59fa29c3c7838adee561afd1dd0e073cb2b373'


@each_client
def test_client_sends_a_typed_line_longer_than_64_kib_whole(session, example):
    assert (len(LONG_LINE), sha256(LONG_LINE)) == (100000, LONG_LINE_SHA256)
    fake = session.fake_server()
    client = session.client(example, fake.port)
    server_side = fake.accept()
    client.type(LONG_LINE + b'\n')
    assert sha256(server_side.recv_exactly(100000)) == LONG_LINE_SHA256
    assert server_side.nothing_arrives_within() is None      # and not a byte more
    server_side.send(b'ok')
    client.close_stdin()
    assert client.wait_exit() == 1                            # EOFError at the next prompt
    assert client.stdout_bytes() == b"msg to send:Received 'ok'\nmsg to send:"
