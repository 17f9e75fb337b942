"""What the kernel knows: its table of TCP sockets (/proc/net/tcp), and network namespaces with only loopback."""
import os
import subprocess

from harness.deadlines import Deadline, poll_until
from harness.memo import once


def tcp_sockets():
    """The kernel's TCP sockets, from /proc/net/tcp and tcp6 (Linux): (local address as /proc writes it, in
    hex, local port, remote port, state in hex: '01' established, '08' close-wait, '0A' listen ..., inode)."""
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except IOError:
            continue
        for row in rows:
            fields = row.split()
            local_address, local_port = fields[1].rsplit(':', 1)
            yield local_address, int(local_port, 16), int(fields[2].rsplit(':', 1)[1], 16), fields[3], fields[9]


def tcp_states(local_port, remote_port):
    """The states of the kernel's TCP sockets from this local port to this remote port."""
    return [state for _, lport, rport, state, _ in tcp_sockets() if (lport, rport) == (local_port, remote_port)]


def no_network_prefix():
    """A command prefix that runs a program in a network namespace of its own that has only loopback, so
    that no packet can leave the machine even should the loopback guard fail: ``unshare --net`` as root, else
    in a user namespace; [] where this machine can do neither (no unshare(1) or ip(8), no permission). For the
    tests that try to leave loopback on purpose. unshare(1) and sh exec the program, so its process id,
    signals and exit status are the program's own."""
    return list(_namespace_prefix())


@once
def _namespace_prefix():
    lo_up = ['sh', '-c', 'ip link set lo up && exec "$@"', 'loopback-only']
    for unshare in (['unshare', '--net', '--'], ['unshare', '--user', '--map-root-user', '--net', '--']):
        try:
            with open(os.devnull, 'w') as devnull:
                if subprocess.call(unshare + lo_up + ['true'], stdout=devnull, stderr=devnull) == 0:
                    return tuple(unshare + lo_up)
        except OSError:
            break  # no unshare(1)
    return ()


def wait_socket_gone(local_port, remote_port, deadline=None):
    """Wait until the kernel has no socket from local_port to remote_port any more (e.g. a reset closed it).
    The other end may linger (a killed server's end waits in TIME-WAIT); this looks at one end only."""
    poll_until(lambda: not tcp_states(local_port, remote_port), deadline or Deadline(),
               'the socket from port %d to port %d to be gone (states: %s)'
               % (local_port, remote_port, tcp_states(local_port, remote_port)))
