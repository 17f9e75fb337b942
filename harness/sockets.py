"""The harness's own sockets, every byte logged in the session's wire log: ``Peer`` (a raw client, or the
server side of a fake server) and ``FakeServer`` (a listener on 127.0.0.1, port chosen by the OS)."""
import errno
import select
import socket
import struct

from harness.capture import show
from harness.config import LOOPBACK, QUIET_MS
from harness.deadlines import Deadline


class Peer(object):
    """A socket of the harness's own (a raw client, or the server side of a fake server), logged."""

    def __init__(self, session, sock, role):
        self.session = session
        self.sock = sock
        self.role = role
        self.received = bytearray()
        self.sent = bytearray()
        self.eof = False
        session.closing.append(sock)
        session.peers.append(self)

    def send(self, data):
        self.session.wire.append((self.role, '->', data))
        self.sock.sendall(data)
        self.sent.extend(data)

    def _recv_once(self, deadline, what):
        ready, _, _ = select.select([self.sock], [], [], deadline.remaining())
        if not ready:
            deadline.fail(what)
        try:
            chunk = self.sock.recv(65536)
        except socket.error as e:
            if e.errno in (errno.EAGAIN, errno.EINTR):
                return None
            raise
        if chunk:
            self.session.wire.append((self.role, '<-', chunk))
            self.received.extend(chunk)
        else:
            self.session.note(self.role, '<-', 'EOF')
            self.eof = True
        return chunk

    def recv_exactly(self, n, deadline=None):
        """Read until n more bytes have arrived; return them."""
        deadline = deadline or Deadline()
        start = len(self.received)
        while len(self.received) - start < n:
            if self.eof:
                raise AssertionError('%s: connection closed after %d of %d bytes' % (
                    self.role, len(self.received) - start, n))
            self._recv_once(deadline, '%s to receive %d bytes (got %d)' % (
                self.role, n, len(self.received) - start))
        return bytes(self.received[start:start + n])

    def expect(self, data, deadline=None):
        """Wait for exactly ``data``: a byte more that has already arrived with it is a failure too."""
        start = len(self.received)
        got = self.recv_exactly(len(data), deadline)
        more = bytes(self.received[start + len(data):])
        assert got == data and not more, '%s received %s, expected %s' % (
            self.role, show(got + more), show(data))
        return got

    def expect_eof(self, deadline=None):
        """Wait for the other side to close; bytes arriving first are a failure."""
        deadline = deadline or Deadline()
        start = len(self.received)
        while not self.eof:
            self._recv_once(deadline, '%s: the other side to close' % self.role)
        assert len(self.received) == start, '%s: got %s before end of stream' % (
            self.role, show(self.received[start:]))

    def nothing_arrives_within(self, ms=None):
        """The bounded wait: assert that no byte (and no end of stream) arrives within ``ms`` ms."""
        ms = QUIET_MS if ms is None else ms
        ready, _, _ = select.select([self.sock], [], [], ms / 1000.0)
        if ready:
            chunk = self._recv_once(Deadline(0), 'a read that select promised')
            raise AssertionError('%s: expected nothing within %d ms, got %s' % (
                self.role, ms, show(chunk) if chunk else 'end of stream'))

    def shutdown_write(self):
        self.session.note(self.role, '->', 'FIN (shutdown SHUT_WR)')
        self.sock.shutdown(socket.SHUT_WR)

    def close(self):
        self.session.note(self.role, '->', 'close')
        self.sock.close()

    def reset(self):
        """Close with an RST instead of a FIN (SO_LINGER with a zero timeout)."""
        self.session.note(self.role, '->', 'RST (close with SO_LINGER 0)')
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        self.sock.close()


class FakeServer(object):
    """A listening socket of the harness on 127.0.0.1, port chosen by the OS, for a client under test."""

    def __init__(self, session):
        self.session = session
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((LOOPBACK, 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        session.closing.append(self.sock)
        self.accepted = 0

    def accept(self, deadline=None):
        deadline = deadline or Deadline()
        ready, _, _ = select.select([self.sock], [], [], deadline.remaining())
        if not ready:
            deadline.fail('a client to connect to the fake server on port %d' % self.port)
        conn, addr = self.sock.accept()
        self.accepted += 1
        peer = Peer(self.session, conn, 'fake server <-> client port %d' % addr[1])
        peer.port = addr[1]  # the client's port
        return peer
