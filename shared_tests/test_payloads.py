# -*- coding: utf-8 -*-
"""Nothing lost: megabytes of random bytes through each server, and a typed line longer than 64 KiB through
each client. Each payload is checked against the SHA-256 digest written below; what comes back is compared
with it byte for byte (a digest is computed only to say what differs).

A server prints every chunk it receives (``revc: CHUNK`` or ``Received CHUNK``, one ``recv(1024)`` each), so
what it printed is checked too: the chunks are cut out of its stdout by their framing alone and compared.
"""
import binascii
import hashlib
import random
import re
import select
import signal
import sys
import threading

import pytest

from harness import EX1, EX2, Deadline, TIMEOUT, show
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
    if sys.version_info[0] == 2:                          # Python 2 has no int.to_bytes
        return binascii.unhexlify('%0*x' % (2 * size, value))
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


def differs(got, sent):
    """'' if ``got`` is ``sent``, else what is wrong with it, short enough to read: lengths, digests and the
    first offset where they part. Comparing the bytes costs a pass of memcmp; hashing them, a SHA-256 pass
    (Python 2.7's own, about 200 MB/s here), so the digests are only computed for the message."""
    if got == sent:
        return ''
    at = next((i for i in range(0, min(len(got), len(sent)), 4096) if got[i:i + 4096] != sent[i:i + 4096]),
              min(len(got), len(sent)))
    while at < min(len(got), len(sent)) and got[at:at + 1] == sent[at:at + 1]:
        at += 1
    return '%d bytes (sha256 %s) where %d were sent (sha256 %s); the first difference at offset %d: %s' % (
        len(got), sha256(got), len(sent), sha256(sent), at, show(got[at:at + 16]))


def echo(session, peer, payload, digest, deadline):
    """Send the payload (whose SHA-256 is ``digest``) from a thread while reading the echo here (neither side
    may wait for the other to finish); return what came back."""
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
    back = read_back(session, peer, payload, deadline)
    sender.join(deadline.remaining())
    assert not failures, 'sending failed: %r' % failures
    return back


def read_back(session, peer, payload, deadline):
    """Read as many bytes as the payload has (fewer if the connection ends) and return them; the wire log
    gets one line for them all."""
    back = read_up_to(peer, len(payload), deadline)
    session.note(peer.role, '<-', '%d bytes, %s' % (len(back), differs(back, payload) or 'the bytes sent'))
    return back


def read_up_to(peer, size, deadline):
    """Read up to ``size`` bytes (less if the connection ends)."""
    chunks, received = [], 0
    while received < size:
        ready, _, _ = select.select([peer.sock], [], [], deadline.remaining())
        if not ready:
            deadline.fail('%s: %d of %d bytes back' % (peer.role, received, size))
        chunk = peer.sock.recv(262144)
        if not chunk:
            break
        chunks.append(chunk)
        received += len(chunk)
    return b''.join(chunks)


def printed_chunks(body, prefix):
    """Cut ``PREFIX CHUNK \\n PREFIX CHUNK \\n ...`` into its chunks by the framing alone: each chunk is 1 to
    1024 bytes (one recv(1024)) and is followed by a newline and the next prefix or the end; the longest such
    chunk is taken (the pattern's greedy repeat). Random bytes make a wrong cut all but impossible, and a
    wrong cut could only change the bytes, never hide a loss."""
    framing = re.compile(re.escape(prefix) + b'(.{1,1024})\n(?=' + re.escape(prefix) + b'|\\Z)', re.DOTALL)
    chunks, at = [], 0
    for m in framing.finditer(body):
        if m.start() != at:
            break
        chunks.append(m.group(1))
        at = m.end()
    if at != len(body):
        assert body.startswith(prefix, at), 'no %r at stdout offset %d' % (prefix, at)
        raise AssertionError('no chunk of 1 to 1024 bytes at stdout offset %d' % (at + len(prefix)))
    return chunks


@pytest.mark.parametrize('size', sorted(PAYLOADS), ids=['1MiB', '16MiB'])
def test_example1_server_echoes_and_prints_megabytes_unchanged(session, size):
    digest = PAYLOADS[size][1]
    payload = payload_of(size)
    deadline = Deadline(2 * TIMEOUT)
    server = session.server(EX1)
    client = session.connect(server.port)
    back = echo(session, client, payload, digest, deadline)
    assert not differs(back, payload), 'the echo: ' + differs(back, payload)
    client.close()                                            # the client leaves; the server exits
    assert server.wait_exit(deadline) == 0
    stdout = server.stdout_bytes()
    header = b"Connected by ('127.0.0.1', %d)\n" % client.port
    assert stdout.startswith(header)
    chunks = printed_chunks(stdout[len(header):], b'revc: ')
    printed = b''.join(chunks)
    assert not differs(printed, payload), 'what it printed: ' + differs(printed, payload)
    assert server.stderr_bytes() == b''


@pytest.mark.parametrize('size', sorted(PAYLOADS), ids=['1MiB', '16MiB'])
def test_example2_server_echoes_and_prints_megabytes_unchanged(session, size):
    digest = PAYLOADS[size][1]
    payload = payload_of(size)
    deadline = Deadline(2 * TIMEOUT)
    server = session.server(EX2)
    client = session.connect(server.port)
    back = echo(session, client, payload, digest, deadline)
    assert not differs(back, payload), 'the echo: ' + differs(back, payload)
    client.close()
    server.wait_in_accept(2, deadline)         # done with the client, waiting for the next
    server.signal(signal.SIGINT)                              # Ctrl-C, so that it flushes what it printed
    server.wait_exit(deadline)
    stdout = server.stdout_bytes()
    header = b"Connected by ('127.0.0.1', %d)\n" % client.port
    trailer = b"Received \n"                                  # the client's end of stream, printed
    assert stdout.startswith(header) and stdout.endswith(trailer)
    chunks = printed_chunks(stdout[len(header):-len(trailer)], b'Received ')
    printed = b''.join(chunks)
    assert not differs(printed, payload), 'what it printed: ' + differs(printed, payload)
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
    server_side.nothing_arrives_within()                      # and not a byte more
    server_side.send(b'ok')
    client.close_stdin()
    assert client.wait_exit() == 1                            # EOFError at the next prompt
    assert client.stdout_bytes() == b"msg to send:Received 'ok'\nmsg to send:"
