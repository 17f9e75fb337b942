"""What the kernel knows: its table of TCP sockets (/proc/net/tcp), the system call a process is blocked in
(/proc/PID/syscall), a process's threads and open sockets (/proc/PID/task, /proc/PID/fd), and network
namespaces with only loopback."""
import errno
import os
import platform
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


# System call numbers, as /proc/PID/syscall gives them. Python 2 accepts with accept(2), Python 3 with accept4(2);
# sendall() calls send(), which is sendto(2) here.
SYSCALLS = {
    'x86_64': {'accept': 43, 'sendto': 44, 'accept4': 288},
    'aarch64': {'accept': 202, 'sendto': 206, 'accept4': 242},
}


def syscalls_visible():
    """Whether this machine tells which system call a process is in (Linux /proc, a known architecture)."""
    return platform.machine() in SYSCALLS and os.path.exists('/proc/self/syscall')


def in_syscall(pid, *names):
    """True if process ``pid`` is inside one of the named system calls (blocked there, as a rule)."""
    numbers = SYSCALLS[platform.machine()]
    try:
        with open('/proc/%d/syscall' % pid) as f:
            said = f.read().split(' ')[0]
    except (IOError, OSError):
        return False
    return said in [str(numbers[name]) for name in names]


def asleep_in_a_system_call(pid):
    """True if the process sleeps, interruptibly, in a system call (reading its terminal, in accept()),
    where a signal interrupts the wait. From /proc (Linux): the state in /proc/PID/stat is 'S', and
    /proc/PID/syscall names the same call before and after ('running', or '-1 ...', when in none). Where
    /proc/PID/syscall may not be read (it needs the right to trace the process), the state alone."""
    def read(name):
        with open('/proc/%d/%s' % (pid, name)) as f:
            return f.read()
    try:
        before = read('syscall')
    except (IOError, OSError) as e:
        if e.errno not in (errno.EACCES, errno.EPERM):
            return False
        before = None
    try:
        state = read('stat').rsplit(')', 1)[1].split()[0]
        after = read('syscall') if before is not None else None
    except (IOError, OSError, IndexError):
        return False
    in_a_call = before is None or (before == after and before.split()[0] not in ('running', '-1'))
    return state == 'S' and in_a_call


def threads_of(pid):
    """How many threads process ``pid`` has (Linux: /proc/PID/task)."""
    return len(os.listdir('/proc/%d/task' % pid))


def sockets_of(pid):
    """The sockets process ``pid`` has open, as the inodes its file descriptors name (``socket:[INODE]``)."""
    found = set()
    for fd in os.listdir('/proc/%d/fd' % pid):
        try:
            target = os.readlink('/proc/%d/fd/%s' % (pid, fd))
        except OSError:
            continue  # closed since the listing
        if target.startswith('socket:['):
            found.add(target)
    return found


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
