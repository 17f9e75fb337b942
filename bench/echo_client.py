"""The load generator's ping-pong in Python 3, to measure what a Python client would cost (see run.py).

    python3 echo_client.py pingpong PORT SIZE PATTERN ACK WARMUP SECONDS MAXROUNDS SERVERPID

The same protocol, checks and JSON line as ``echo_client.c pingpong``; it only ever connects to 127.0.0.1.
"""
import json
import select
import socket
import sys
import time

LOOPBACK = '127.0.0.1'  # the only address this program ever connects to


def cpu_ns(pid):
    """CPU time of a task in ns, from /proc/PID/schedstat ('self' for this one; 0 for pid 0)."""
    if pid == 0:
        return 0
    try:
        with open('/proc/%s/schedstat' % ('self' if pid < 0 else pid)) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def pattern(kind, size):
    period = 256 if kind == 'binary' else 94
    data = bytes(range(256)) if kind == 'binary' else bytes(range(33, 127))
    return (data * (size // period + 2))[:size + period], period


def round_trip(sock, msg, buf, quickack):
    """Send msg, read len(msg) bytes back into buf (a bytearray), compare them; as echo_client.c does."""
    size = len(msg)
    view = memoryview(buf)
    got = 0
    sent = 0
    while sent < size:
        try:
            sent += sock.send(msg[sent:], socket.MSG_DONTWAIT)
            continue
        except BlockingIOError:
            pass
        readable, _, _ = select.select([sock], [sock], [])[:3]
        if readable:
            n = sock.recv_into(view[got:], size - got, socket.MSG_DONTWAIT)
            if n == 0:
                raise SystemExit('echo_client.py: the server closed the connection')
            got += n
            if quickack:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
    while got < size:
        n = sock.recv_into(view[got:], size - got)
        if n == 0:
            raise SystemExit('echo_client.py: the server closed the connection')
        got += n
        if quickack and got < size:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
    if buf != msg:
        at = next(i for i in range(size) if buf[i] != msg[i])
        sys.stderr.write('echo_client.py: echo differs at byte %d of %d\n' % (at, size))
        sys.exit(3)


def pingpong(port, size, kind, ack, warmup, seconds, maxrounds, server):
    data, period = pattern(kind, size)
    messages = [data[i:i + size] for i in range(period)]
    buf = bytearray(size)
    quickack = ack == 'quickack'
    sock = socket.create_connection((LOOPBACK, port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for r in range(warmup):
        round_trip(sock, messages[r % period], buf, quickack)
    lat = []
    server0, client0 = cpu_ns(server), cpu_ns(-1)
    clock = time.perf_counter_ns
    start = t = clock()
    end = start + int(seconds * 1e9)
    r = warmup
    while len(lat) < maxrounds and t < end:
        round_trip(sock, messages[r % period], buf, quickack)
        r += 1
        t2 = clock()
        lat.append(t2 - t)
        t = t2
    server1, client1 = cpu_ns(server), cpu_ns(-1)
    sock.close()
    lat.sort()
    n = len(lat)
    print(json.dumps({'rounds': n, 'elapsed_ns': t - start, 'p50_ns': lat[n // 2],
                      'p99_ns': lat[max(0, (n * 99 + 99) // 100 - 1)], 'min_ns': lat[0], 'max_ns': lat[-1],
                      'client_cpu_ns': client1 - client0, 'server_cpu_ns': server1 - server0 if server else -1,
                      'bytes': n * size}))


def main(argv):
    if len(argv) != 10 or argv[1] != 'pingpong':
        sys.stderr.write(__doc__)
        return 2
    port, size = int(argv[2]), int(argv[3])
    pingpong(port, size, argv[4], argv[5], int(argv[6]), float(argv[7]), int(argv[8]), int(argv[9]))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
