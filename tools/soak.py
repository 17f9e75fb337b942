"""Soak: run the shared suite round after round, in parallel, and check that nothing is left behind.

    python -m tools.soak [--rounds 20] [--workers 4] [--python2 PATH] [-- PYTEST ARGS]

Each round runs, at the same time, the suite on Python 3 (this interpreter, py3_port) and the suite on
Python 2.7 (py2_original) with the interpreter --python2 (default $SOAK_PY27; tox sets it to its py27
environment), each split over --workers pytest-xdist workers. After each round it checks, Linux only:

* no process is left: this process is a child subreaper (prctl), so anything the suite started and did
  not reap is re-parented here when pytest exits, and is found, named, counted and killed;
* no listening socket is left: the TCP listeners in /proc/net/tcp and tcp6 are compared with those before
  the round. Where loopback is the only interface (CI's private network namespace) every new listener
  counts; on a shared machine only those held by a process of this soak do (other people's servers come
  and go).

Exit status 0 only if every round passed with nothing left behind. The last line is the plain count,
e.g. ``soak: 940 passed, 0 failed`` (each process or listener left behind counts as a failure).
"""
from __future__ import print_function

import argparse
import ctypes
import os
import re
import signal
import subprocess
import sys
import time

import harness
from harness import suite

REPO = harness.REPO

PR_SET_CHILD_SUBREAPER = 36
LISTEN = '0A'


def become_subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), 'prctl(PR_SET_CHILD_SUBREAPER)')


def parent_of(pid):
    try:
        with open('/proc/%s/stat' % pid) as f:
            return int(f.read().rsplit(')', 1)[1].split()[1])
    except (IOError, OSError, IndexError, ValueError):
        return None


def descendants(root):
    """Every live process under ``root`` (by parent links), as {pid: command line}."""
    children = {}
    for name in os.listdir('/proc'):
        if name.isdigit():
            ppid = parent_of(name)
            if ppid is not None:
                children.setdefault(ppid, []).append(int(name))
    found, todo = {}, list(children.get(root, []))
    while todo:
        pid = todo.pop()
        try:
            with open('/proc/%d/cmdline' % pid, 'rb') as f:
                found[pid] = f.read().replace(b'\0', b' ').decode('utf-8', 'replace').strip() or '?'
        except (IOError, OSError):
            continue
        todo.extend(children.get(pid, []))
    return found


def socket_inodes(pids):
    inodes = {}
    for pid in pids:
        try:
            fds = os.listdir('/proc/%d/fd' % pid)
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink('/proc/%d/fd/%s' % (pid, fd))
            except OSError:
                continue
            m = re.match(r'socket:\[(\d+)\]$', target)
            if m:
                inodes[m.group(1)] = pid
    return inodes


def listeners():
    """The TCP sockets in LISTEN state: {inode: 'address:port'}."""
    return dict((inode, show_address(address, port))
                for address, port, _, state, inode in harness.tcp_sockets() if state == LISTEN)


def isolated():
    """True where loopback is the only network interface (CI's private namespace): all listeners are ours."""
    try:
        with open('/proc/net/dev') as f:
            names = [line.split(':')[0].strip() for line in f.read().splitlines()[2:]]
    except IOError:
        return False
    return names == ['lo']


def show_address(hex_address, port):
    if len(hex_address) == 8:  # IPv4, as /proc/net/tcp writes it: the 32-bit number in host byte order
        return '%s:%d' % ('.'.join(str(int(hex_address[i:i + 2], 16)) for i in (6, 4, 2, 0)), port)
    return '[%s]:%d' % (hex_address, port)


def run_round(number, runs, log_dir):
    """Run every suite of the round at the same time (harness/suite.py); [(name, SuiteRun, log path)]."""
    from concurrent.futures import ThreadPoolExecutor

    def one(run):
        name, argv, env = run
        path = os.path.join(log_dir, 'round%02d-%s.log' % (number, name))
        with open(path, 'w+b') as log:
            if argv[0] == 'sh':  # --command: a shell command instead of the suite
                status = subprocess.call(argv, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
                return name, suite.SuiteRun(None, None, status, {}, 0.0, ''), path
            return name, suite.run(pytest_python=argv[0], args=argv[1:], env=env, log=log), path
    with ThreadPoolExecutor(max_workers=len(runs)) as pool:
        return list(pool.map(one, runs))


class Load(object):
    """--load N: N processes that keep a CPU busy each, for the whole soak; started first, killed last."""

    def __init__(self, count):
        # Each keeps its CPU busy until this soak has gone, however it ends (even killed): it watches its parent.
        busy = 'import os\nparent = os.getppid()\nwhile os.getppid() == parent: pass'
        self.procs = [subprocess.Popen([sys.executable, '-c', busy], stdin=subprocess.DEVNULL) for _ in range(count)]
        self.pids = set(p.pid for p in self.procs)

    def busy(self):
        """How busy the machine was since boot is no measure; this is the 1-minute load average now."""
        with open('/proc/loadavg') as f:
            return float(f.read().split()[0])

    def stop(self):
        for p in self.procs:
            p.kill()
        for p in self.procs:
            p.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=20)
    parser.add_argument('--workers', type=int, default=4, help='pytest-xdist workers for each of the two runs')
    parser.add_argument('--python2', default=os.environ.get('SOAK_PY27'),
                        help='a Python 2.7 with pytest and six (default $SOAK_PY27)')
    parser.add_argument('--command', help='run this shell command each round instead of the suite '
                                          '(to check the checker: leave a process or a listener behind)')
    parser.add_argument('--load', type=int, nargs='?', const=os.cpu_count(), default=0, metavar='N',
                        help='keep N CPUs busy with other processes while the rounds run (default N: every CPU)')
    parser.add_argument('pytest_args', nargs='*')
    args = parser.parse_args()

    become_subreaper()
    strict = isolated()
    log_dir = os.path.join(os.environ.get('SOAK_LOG_DIR') or os.path.join(REPO, '.tox', 'soak-logs'))
    if not os.path.isdir(log_dir):
        os.makedirs(log_dir)

    base_env = dict(os.environ)
    for name in ('IMPL_DIR', 'IMPL_PYTHON'):
        base_env.pop(name, None)
    runs = []
    if args.command:
        runs.append(('command', ['sh', '-c', args.command], base_env))
    else:
        runs.append(('py3', [sys.executable, '-n', str(args.workers), 'shared_tests'] + args.pytest_args,
                     base_env))
        if args.python2 and os.path.exists(args.python2):
            runs.append(('py27', [args.python2, '-n', str(args.workers), 'shared_tests'] + args.pytest_args,
                         base_env))
        elif os.environ.get('CI'):
            print('soak: no Python 2.7 test environment at %r; create it first (tox --notest)' % args.python2)
            return 2
        else:
            print('soak: Python 2.7 not soaked: no test environment at %r (tox -e py27 --notest makes it)'
                  % args.python2)

    print('soak: %d rounds of %s; this process is the subreaper for what they leave; listeners counted: %s'
          % (args.rounds, ' + '.join(name for name, _, _ in runs),
             'all (only loopback here: a private network namespace)' if strict else 'those held by our processes (shared machine)'))
    load = Load(args.load)
    if args.load:
        print('soak: under load: %d processes keep a CPU busy each (while True: pass) for every round' % args.load)
    try:
        return rounds(args, runs, log_dir, strict, load)
    finally:
        load.stop()


def rounds(args, runs, log_dir, strict, load):
    total_passed = total_failed = left_processes = left_listeners = 0
    started = time.time()
    for number in range(1, args.rounds + 1):
        before = listeners()
        t0 = time.time()
        results = run_round(number, runs, log_dir)
        orphans = dict((pid, cmd) for pid, cmd in descendants(os.getpid()).items() if pid not in load.pids)
        now = listeners()
        held = socket_inodes(orphans)
        new = dict((inode, where) for inode, where in now.items() if inode not in before)
        leaked = dict((inode, where) for inode, where in new.items() if strict or inode in held)
        for pid in orphans:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for pid in orphans:
            try:
                os.waitpid(pid, 0)
            except OSError:
                pass  # not our child (a grandchild of an orphan): its own parent reaps it
        parts = []
        round_failed = False
        for name, run, log in results:
            passed, failed = run.count('passed'), len(run.failing())
            status = run.returncode
            if status != 0 and failed == 0:
                failed = 1  # it failed without saying how many: count the run
            total_passed += passed
            total_failed += failed
            round_failed = round_failed or status != 0
            parts.append('%s: %d passed, %d failed, %d skipped%s' % (
                name, passed, failed, run.count('skipped'), '' if status == 0 else ' (exit %d, log %s)' % (status, log)))
        left_processes += len(orphans)
        left_listeners += len(leaked)
        print('round %d/%d (%.1f s): %s; processes left: %d; listeners left: %d%s' % (
            number, args.rounds, time.time() - t0, '; '.join(parts), len(orphans), len(leaked),
            '; load average %.2f' % load.busy() if load.pids else ''))
        for pid, cmd in sorted(orphans.items()):
            print('  left running: pid %d: %s' % (pid, cmd))
        for inode, where in sorted(new.items()):
            if inode in leaked:
                print('  left listening: %s (inode %s, pid %s)' % (where, inode, held.get(inode, '?')))
        if round_failed:
            for name, run, log in results:
                if run.returncode != 0:
                    with open(log) as f:
                        print(''.join(f.readlines()[-40:]))
        sys.stdout.flush()
    ok = total_failed == 0 and left_processes == 0 and left_listeners == 0
    print('soak: %d rounds in %.0f s; processes left: %d; listeners left: %d; %s' % (
        args.rounds, time.time() - started, left_processes, left_listeners, 'OK' if ok else 'FAILED'))
    print('soak: %d passed, %d failed' % (total_passed, total_failed + left_processes + left_listeners))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
