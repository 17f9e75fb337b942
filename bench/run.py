"""The benchmarks: what the port costs, and what blocking costs. Run by ``tox -e bench``.

    python3 bench/run.py [--reps N] [--seconds S] [--cpus A,B] [--quick] [--out DIR]

Everything is measured in one run, on 127.0.0.1 only, and written to DIR/benchmarks.json; then report.py
turns that into DIR/benchmarks.md and DIR/benchmarks-blocking.png (default DIR: docs/).

* Port cost: example 2's server, the Python 2 original on 2.7 and the port on every Python 3 found here
  (harness.interpreters.python3_versions(), 3.6 and later), each started unmodified through
  harness/loopback.py (harness.Session), stdout to /dev/null; one client does ping-pong round trips of
  16 B, 1 KiB (printable ASCII, and every byte value) and 10 KiB, and echoes of 1 MiB messages; every
  echoed byte is checked.
* Straddle cost: the same for py23_six's server (one source for 2.7 and 3.x, with six) on 2.7 and on each
  Python 3: six-py27, six-py36 ... The bare interpreters have no six, so these servers get the bench
  env's six.py alone on PYTHONPATH.
* The floor: socat (TCP-LISTEN ... PIPE) through the same client, and sockperf's own ping-pong, when present.
* Blocking: N = 1, 2, 4, 8 clients connect at once to the original on 2.7 and to the port on the newest
  Python 3 found; each holds its session for a fixed number of round trips; when does each get its first
  echo? The same for example 3 (not the article's: the threaded SocketServer server its conclusion calls
  for), py2_original's on 2.7 and the port's on every Python 3 found.
* Threaded: N = 1, 4, 16 clients at once do round trips with example 3's server (the same servers) and with
  socat forking a process per connection (TCP-LISTEN ... fork ... PIPE), the native floor.
* Placements: server and client pinned to one CPU ("same core"), to two ("cross core"), and, to show why
  pinning, a few unpinned runs (the same two servers as for blocking).
* Why: print_cost.py times each server's print line alone; perf record profiles each server's 1 MiB echo.

The load generator is bench/echo_client.c, compiled here with cc; bench/echo_client.py is the same
ping-pong in Python, run a few times to show what the client costs.
"""
from __future__ import print_function

import argparse
import datetime
import json
import os
import platform
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import six  # the bench env's (tox.ini), copied for py23_six's servers: see copy_six()

import harness  # the one way this repository starts the article's programs
from harness.interpreters import python3_versions

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = harness.REPO
EXAMPLE = harness.EX2
THREADED = harness.EX3  # not the article's: the threaded server its conclusion calls for
BASELINE = 'py27'

# The message cases: name, size, byte pattern, warm-up round trips.
CASES = [
    ('16 B', 16, 'ascii', 200),
    ('1 KiB', 1024, 'ascii', 200),
    ('1 KiB, every byte value', 1024, 'binary', 200),
    ('10 KiB', 10240, 'ascii', 50),
    ('1 MiB', 1 << 20, 'ascii', 3),
]
CROSS_CASES = ('16 B', '1 KiB', '10 KiB', '1 MiB')  # cross core: the every-byte row is left out, for time
SOCKPERF_CASES = ('16 B', '1 KiB', '10 KiB')         # sockperf's ping-pong; no echo of 1 MiB messages
BLOCKING_CLIENTS = (1, 2, 4, 8)
BLOCKING_ROUNDS = 1000      # round trips each client holds its session for
BLOCKING_SIZE = 16
THREADED_CLIENTS = (1, 4, 16)  # example 3 and the forking socat: clients doing round trips at the same time
THREADED_SIZE = 16
THREADED_WARMUP = 100       # round trips each connection makes as it opens, before the measured window
MAX_ROUNDS = 1000000


def wanted_servers():
    """(name, Python version, tree) of each server to measure: the original on 2.7 and the port on every
    Python 3 found (3.6 and later, oldest first), then py23_six on 2.7 and on each of those."""
    python3s = [v for v in reversed(python3_versions()) if int(v.split('.')[1]) >= 6]
    plain = [('py27', '2.7', 'py2_original')] + [('py' + v.replace('.', ''), v, 'py3_port') for v in python3s]
    return plain + [('six-' + name, version, 'py23_six') for name, version, _ in plain]


def copy_six(build):
    """A folder holding only the bench env's six.py, for the PYTHONPATH of py23_six's servers: py23_six
    imports six, and the bare interpreters have none."""
    folder = os.path.join(build, 'six')
    os.mkdir(folder)
    shutil.copy(six.__file__, folder)
    return folder


def log(text):
    sys.stdout.write(text + '\n')
    sys.stdout.flush()


class Progress(object):
    """One line per measurement: how far, how long so far, about how long to go."""

    def __init__(self, total):
        self.total = total
        self.done = 0
        self.start = time.time()

    def step(self, text):
        self.done += 1
        elapsed = time.time() - self.start
        left = elapsed / self.done * (self.total - self.done)
        log('[%3d/%d %3.0fs, ~%3.0fs left] %s' % (self.done, self.total, elapsed, left, text))


# -- the machine -----------------------------------------------------------------------------------------

def read_first_line(path):
    try:
        with open(path) as f:
            return f.readline().strip()
    except (IOError, OSError):
        return ''


def cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except (IOError, OSError):
        pass
    return platform.processor() or 'unknown'


def os_name():
    try:
        with open('/etc/os-release') as f:
            for line in f:
                if line.startswith('PRETTY_NAME='):
                    return line.split('=', 1)[1].strip().strip('"')
    except (IOError, OSError):
        pass
    return platform.system()


def cpu_busy():
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(x) for x in read_first_line('/proc/stat').split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields[:8]) - idle, sum(fields[:8])


def own_cpu_seconds():
    t = os.times()
    return t[0] + t[1] + t[2] + t[3]  # this process and its reaped children


def tool_version(argv, pattern):
    try:
        out = subprocess.check_output(argv, stderr=subprocess.STDOUT).decode('utf-8', 'replace')
    except (OSError, subprocess.CalledProcessError):
        return None
    m = re.search(pattern, out)
    return m.group(1) if m else out.strip().splitlines()[0]


def python_shared(path):
    """True if the interpreter runs from a shared libpython (pyenv's default: --enable-shared). Asked of the
    running process, not of sysconfig: Debian's builds (3.14, 3.15 here) say Py_ENABLE_SHARED = 1 but link
    the interpreter into the executable."""
    probe = 'print(any("libpython" in line for line in open("/proc/self/maps")))'
    return subprocess.check_output([path, '-c', probe]).decode().strip() == 'True'


# -- pinning and processes ---------------------------------------------------------------------------------

def pin(pid, cpus):
    """What ``taskset -p -c CPUS PID`` does: sched_setaffinity(2)."""
    os.sched_setaffinity(pid, cpus)


def run_client(argv, cpus, what):
    """Run one client to its end, pinned to cpus (None: not pinned); return its JSON line."""
    def set_affinity():
        if cpus is not None:
            os.sched_setaffinity(0, cpus)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=set_affinity)
    try:
        out, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode != 0:
        raise RuntimeError('%s: the client failed (status %s): %s' % (what, proc.returncode,
                                                                      err.decode('utf-8', 'replace').strip()))
    return json.loads(out.decode('ascii'))


class Native(object):
    """A native server of the floor (socat, sockperf), bound to 127.0.0.1 on a port the OS chooses.

    It is not a program under test, so it is not started through the loopback guard: it is told to bind
    127.0.0.1 and nothing else, and it is always reaped."""

    def __init__(self, argv, ready, cpus, group=False):
        # group: a server that forks a process per connection runs in a process group of its own, so that
        # close() ends its children too
        self.group = group
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     preexec_fn=lambda: os.sched_setaffinity(0, cpus), start_new_session=group)
        self.pid = self.proc.pid
        self.output = b''
        deadline = harness.Deadline()
        while not ready.search(self.output):  # wait for the line that says it listens
            readable, _, _ = select.select([self.proc.stdout], [], [], deadline.remaining())
            chunk = os.read(self.proc.stdout.fileno(), 4096) if readable else b''
            if not chunk:
                self.close()
                raise RuntimeError('%s did not say it listens: %r' % (argv[0], self.output))
            self.output += chunk
        self.port = self.listening_port()

    def listening_port(self):
        """The port of the process's listening socket: its inode, looked up in /proc/net/tcp."""
        inodes = set()
        for fd in os.listdir('/proc/%d/fd' % self.pid):
            link = os.readlink('/proc/%d/fd/%s' % (self.pid, fd))
            if link.startswith('socket:['):
                inodes.add(link[8:-1])
        for local, port, _, state, inode in harness.tcp_sockets():
            if state == '0A' and inode in inodes:  # 0A: LISTEN
                if local != '0100007F':  # 127.0.0.1, little-endian hex
                    raise RuntimeError('%d listens on %s:%d, not 127.0.0.1' % (self.pid, local, port))
                return port
        raise RuntimeError('no listening socket of process %d in /proc/net/tcp' % self.pid)

    def close(self):
        if self.group:
            try:
                os.killpg(self.pid, signal.SIGKILL)  # its group: the server and any child it forked
            except ProcessLookupError:
                pass
        elif self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()


def start_socat(cpus, fork=False):
    """socat's echo; with fork, a process per connection (the floor for example 3's thread per connection)."""
    return Native(['socat', '-d', '-d', 'TCP-LISTEN:0,bind=127.0.0.1' + (',fork,reuseaddr' if fork else ''),
                   'PIPE'], re.compile(br'listening on AF=2 127\.0\.0\.1:\d+'), cpus, group=fork)


def start_sockperf_server(cpus):
    return Native(['sockperf', 'server', '--tcp', '-i', '127.0.0.1', '-p', '0'],
                  re.compile(br'block on socket'), cpus)


def sockperf_pingpong(port, size, seconds, cpus):
    argv = ['sockperf', 'ping-pong', '--tcp', '-i', '127.0.0.1', '-p', str(port), '-m', str(size),
            '-t', str(seconds), '--full-rtt']
    out = subprocess.check_output(argv, stderr=subprocess.STDOUT, timeout=60,
                                  preexec_fn=lambda: os.sched_setaffinity(0, cpus)).decode('utf-8', 'replace')
    out = re.sub(r'\x1b\[[0-9;]*m', '', out)

    def number(pattern):
        return float(re.search(pattern, out).group(1))
    runtime = number(r'\[Valid Duration\] RunTime=([\d.]+) sec')
    received = number(r'\[Valid Duration\].*ReceivedMessages=(\d+)')
    return {'rounds': int(received), 'elapsed_ns': int(runtime * 1e9),
            'p50_ns': int(number(r'percentile 50\.000 =\s*([\d.]+)') * 1000),
            'p99_ns': int(number(r'percentile 99\.000 =\s*([\d.]+)') * 1000),
            'min_ns': int(number(r'<MIN> observation =\s*([\d.]+)') * 1000),
            'max_ns': int(number(r'<MAX> observation =\s*([\d.]+)') * 1000),
            'client_cpu_ns': -1, 'server_cpu_ns': -1, 'bytes': int(received) * size}


def compile_client(build_dir):
    cc = os.environ.get('CC') or shutil.which('cc') or shutil.which('gcc')
    if not cc:
        raise SystemExit('bench: a C compiler (cc) is needed to build the load generator bench/echo_client.c')
    exe = os.path.join(build_dir, 'echo_client')
    subprocess.check_call([cc, '-O2', '-Wall', '-o', exe, os.path.join(HERE, 'echo_client.c')])
    return exe


class Profiler(object):
    """``perf record`` of one process, switched on and off through perf's control FIFOs (no sleeps)."""

    def __init__(self, pid, folder, name):
        self.data = os.path.join(folder, 'perf-%s.data' % name)
        self.ctl, self.ack = os.path.join(folder, 'ctl-%s' % name), os.path.join(folder, 'ack-%s' % name)
        os.mkfifo(self.ctl)
        os.mkfifo(self.ack)
        self.proc = subprocess.Popen(
            ['perf', 'record', '-q', '-F', '4999', '-D', '-1', '--control', 'fifo:%s,%s' % (self.ctl, self.ack),
             '-o', self.data, '-p', str(pid)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.ctl_fd = os.open(self.ctl, os.O_RDWR)  # O_RDWR: a FIFO open that never blocks
        self.ack_fd = os.open(self.ack, os.O_RDWR)

    def command(self, word):
        os.write(self.ctl_fd, word.encode('ascii') + b'\n')
        deadline, got = harness.Deadline(), b''
        while b'ack' not in got:
            ready, _, _ = select.select([self.ack_fd], [], [], deadline.remaining())
            if not ready:
                raise RuntimeError('perf did not acknowledge %r: %s' % (word, self.stop()))
            got += os.read(self.ack_fd, 64)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            _, err = self.proc.communicate(timeout=60)
        finally:
            os.close(self.ctl_fd)
            os.close(self.ack_fd)
        return err.decode('utf-8', 'replace')

    def shares(self):
        """Share of the samples by where the code lives: kernel, interpreter, libc, dynamic linker, ..."""
        out = subprocess.check_output(['perf', 'report', '-i', self.data, '--sort', 'dso', '--stdio'],
                                      stderr=subprocess.DEVNULL).decode('utf-8', 'replace')
        groups = {}
        for line in out.splitlines():
            m = re.match(r'\s*([\d.]+)%\s+(\S+)', line)
            if not m:
                continue
            dso = m.group(2)
            group = ('kernel' if dso.startswith('[kernel') else
                     'interpreter' if dso.startswith(('libpython', 'python')) else
                     'libc' if dso.startswith('libc.') else
                     'dynamic linker' if dso.startswith('ld-linux') else
                     'socket module' if dso.startswith('_socket') else 'other')
            groups[group] = groups.get(group, 0.0) + float(m.group(1)) / 100
        return groups


def perf_works(folder):
    if not shutil.which('perf'):
        return 'perf is not installed (Debian: apt-get install linux-perf), so there is no profile.'
    try:
        subprocess.check_output(['perf', 'record', '-q', '-o', os.path.join(folder, 'probe.data'), 'true'],
                                stderr=subprocess.STDOUT, timeout=60)
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        return 'perf cannot record here (%s), so there is no profile.' % str(e).strip()[:200]
    return None


class Bench(object):
    def __init__(self, args, servers, placements, meta, build):
        self.args = args
        self.servers = servers
        self.placements = {name: (s, c) for name, s, c in placements}
        self.placements['unpinned'] = (os.sched_getaffinity(0), None)
        self.meta = meta
        self.build = build
        self.cases = {c[0]: c for c in CASES}
        self.results = {'meta': meta, 'echo': [], 'client_cost': [], 'unpinned': [], 'nagle': [],
                        'blocking': [], 'threaded': [], 'print_cost': [], 'profile': []}
        self.session = harness.Session()
        self.running = {}
        self.threaded = {}  # example 3's servers, by the same names
        self.client = compile_client(build)
        self.py_client = [sys.executable, os.path.join(HERE, 'echo_client.py')]
        self.six_folder = copy_six(build)

    def server_env(self, tree):
        """What a server's environment adds to the suite's (harness.child_environment): six for py23_six."""
        return {'PYTHONPATH': self.six_folder} if tree == 'py23_six' else {}

    def start_servers(self):
        log('starting %d servers through harness/loopback.py ...' % len(self.servers))
        for name, version, tree, path in self.servers:
            env = self.server_env(tree)
            program = self.session.server(EXAMPLE, role='server %s' % name, python=path, env=env,
                                          impl_dir=os.path.join(REPO, tree), stdout_path=os.devnull)
            self.running[name] = program
            log('  %s: Python %s, %s/%s/server4.py, port %d%s' % (
                name, self.meta['interpreters'][name], tree, EXAMPLE, program.port,
                ', six %s on PYTHONPATH' % self.meta['six'] if env else ''))
        for name, version, tree, path in self.servers:
            if name in self.meta['settings']['threaded']['servers']:
                program = self.session.server(THREADED, role='server %s %s' % (THREADED, name), python=path,
                                              impl_dir=os.path.join(REPO, tree), stdout_path=os.devnull)
                self.threaded[name] = program
                log('  %s: Python %s, %s/%s/server4.py, port %d' % (
                    name, self.meta['interpreters'][name], tree, THREADED, program.port))

    def close(self):
        self.session.close()

    # -- one measurement each ------------------------------------------------------------------------------
    def pingpong(self, kind, placement, case, server, rep, client='c', ack='quickack', seconds=None, hook=None):
        """One connection of ping-pong round trips to one server; appended to results[kind]."""
        server_cpus, client_cpus = self.placements[placement]
        _, size, pattern, warmup = self.cases[case]
        native = None
        if server == 'socat':
            native = start_socat(server_cpus)
            port, pid = native.port, native.pid
        else:
            program = self.running[server]
            port, pid = program.port, program.proc.pid
            pin(pid, server_cpus)
        argv = ([self.client] if client == 'c' else self.py_client) + [
            'pingpong', str(port), str(size), pattern, ack, str(warmup if ack == 'quickack' else 3),
            str(seconds or self.args.seconds), str(MAX_ROUNDS), str(pid)]
        try:
            if hook:
                hook(pid, 'start')
            r = run_client(argv, client_cpus, '%s %s %s' % (placement, case, server))
            if hook:
                hook(pid, 'stop')
        except Exception:
            if native is None:
                log(self.session.report())
            raise
        finally:
            if native is not None:
                native.close()
        r.update(placement=placement, case=case, server=server, rep=rep, client=client, ack=ack)
        self.results[kind].append(r)
        if size >= 1 << 20:
            shown = '%9.1f MB/s' % (r['bytes'] * 1e3 / r['elapsed_ns'])
        else:
            shown = '%9.0f round trips/s' % (r['rounds'] * 1e9 / r['elapsed_ns'])
        who = server + ('' if client == 'c' else ' (Python client)') + (' (delayed ACK)' if ack != 'quickack' else '')
        return '%-10s %-24s %-8s %s  p50 %7.1f us  server CPU %.2f us/rt' % (
            placement, case, who, shown, r['p50_ns'] / 1e3, r['server_cpu_ns'] / 1e3 / max(1, r['rounds']))

    def sockperf(self, placement, case, rep):
        server_cpus, client_cpus = self.placements[placement]
        native = start_sockperf_server(server_cpus)
        try:
            r = sockperf_pingpong(native.port, self.cases[case][1], 1, client_cpus)
        finally:
            native.close()
        r.update(placement=placement, case=case, server='sockperf', rep=rep, client='sockperf', ack='sockperf')
        self.results['echo'].append(r)
        return '%-10s %-24s %-8s %9.0f round trips/s  p50 %7.1f us' % (
            placement, case, 'sockperf', r['rounds'] * 1e9 / r['elapsed_ns'], r['p50_ns'] / 1e3)

    def blocking(self, n, server, rep, example=EXAMPLE):
        server_cpus, client_cpus = self.placements['same core']
        program = (self.running if example == EXAMPLE else self.threaded)[server]
        pin(program.proc.pid, server_cpus)
        try:
            r = run_client([self.client, 'burst', str(program.port), str(n), str(BLOCKING_ROUNDS),
                            str(BLOCKING_SIZE)], client_cpus, 'blocking %s %s N=%d' % (example, server, n))
        except Exception:
            log(self.session.report())
            raise
        r.update(placement='same core', clients_n=n, server=server, rep=rep, example=example)
        self.results['blocking'].append(r)
        firsts = sorted(c['first_echo_ns'] for c in r['clients'])
        return 'same core  %d clients at once   %-8s %-9s first echoes at %s ms' % (
            n, server, 'example %s' % example[7], ', '.join('%.1f' % (f / 1e6) for f in firsts))

    def concurrent(self, n, server, rep):
        """N clients doing round trips at the same time with example 3's server (or socat forking a process
        per connection), all on one CPU; appended to results['threaded']."""
        server_cpus, client_cpus = self.placements['same core']
        native = None
        if server == 'socat':
            native = start_socat(server_cpus, fork=True)
            port = native.port
        else:
            program = self.threaded[server]
            port = program.port
            pin(program.proc.pid, server_cpus)  # its threads to come inherit it
        try:
            r = run_client([self.client, 'concurrent', str(port), str(n), str(THREADED_SIZE), str(THREADED_WARMUP),
                            str(self.args.seconds)], client_cpus, 'threaded %s N=%d' % (server, n))
        except Exception:
            if native is None:
                log(self.session.report())
            raise
        finally:
            if native is not None:
                native.close()
        r.update(placement='same core', clients_n=n, server=server, rep=rep, example=THREADED)
        self.results['threaded'].append(r)
        return 'same core  %2d clients at once  %-8s example 3 %9.0f round trips/s, per client %d-%d' % (
            n, server, r['rounds'] * 1e9 / r['elapsed_ns'], min(r['per_client']), max(r['per_client']))

    def print_cost(self, name, tree, path):
        """The server's print line alone, on its interpreter, stdout to /dev/null, on the server's CPU."""
        result = os.path.join(self.build, 'print-%s.json' % name)
        script = os.path.join(REPO, tree, EXAMPLE, 'server4.py')
        cpus = self.placements['same core'][0]
        with open(os.devnull, 'wb') as devnull:
            subprocess.check_call([path, os.path.join(HERE, 'print_cost.py'), script, result], stdout=devnull,
                                  env=harness.child_environment(self.server_env(tree)),
                                  preexec_fn=lambda: os.sched_setaffinity(0, cpus))
        with open(result) as f:
            r = json.load(f)
        r['server'] = name
        self.results['print_cost'].append(r)
        return 'print line alone         %-8s %s: %.2f us per call at 1 KiB' % (name, r['line'], r['print_us']['1024'])

    def profile(self, server):
        """perf record of the server during 1 MiB echoes: where its CPU time goes."""
        profilers = {}

        def hook(pid, when):
            if when == 'start':
                profilers['p'] = Profiler(pid, self.build, server)
                profilers['p'].command('enable')
            else:
                profilers['p'].command('disable')
        try:
            text = self.pingpong('profile_runs', 'same core', '1 MiB', server, 0, hook=hook,
                                 seconds=max(self.args.seconds, 0.5))
        finally:
            if 'p' in profilers:
                profilers['p'].stop()
        shares = profilers['p'].shares()
        run = self.results['profile_runs'][-1]
        self.results['profile'].append({'server': server, 'shares': shares,
                                        'server_cpu_ns': run['server_cpu_ns'], 'rounds': run['rounds']})
        return 'perf profile, 1 MiB      %-8s %s' % (server, ', '.join(
            '%s %.0f%%' % (k, 100 * v) for k, v in sorted(shares.items(), key=lambda kv: -kv[1]) if v >= 0.005))

    # -- the plan ----------------------------------------------------------------------------------------------
    def plan(self, have_socat, have_sockperf, profile):
        """Every measurement of the run, in order, as (function, arguments)."""
        names = [s[0] for s in self.servers] + (['socat'] if have_socat else [])
        reps, few = self.args.reps, min(self.args.reps, 3)
        steps = []
        for placement in [p for p in ('same core', 'cross core') if p in self.meta['placements']]:
            wanted = [c[0] for c in CASES] if placement == 'same core' else list(CROSS_CASES)
            for rep in range(reps):
                for case in wanted:
                    order = names[rep % len(names):] + names[:rep % len(names)]  # each rep starts elsewhere
                    steps += [(self.pingpong, ('echo', placement, case, server, rep)) for server in order]
            if have_sockperf:
                steps += [(self.sockperf, (placement, case, rep)) for rep in range(few) for case in SOCKPERF_CASES]
        present = self.meta['settings']['unpinned_servers']
        steps += [(self.pingpong, ('nagle', 'same core', '10 KiB', s, rep), {'ack': 'delayed'})
                  for rep in range(few) for s in present]
        steps += [(self.pingpong, ('unpinned', 'unpinned', '16 B', s, rep)) for rep in range(2 * reps) for s in present]
        for rep in range(few):
            for client in ('c', 'python'):
                steps += [(self.pingpong, ('client_cost', 'same core', '16 B', s, rep), {'client': client})
                          for s in [BASELINE] + (['socat'] if have_socat else [])]
        steps += [(self.blocking, (n, s, rep)) for rep in range(few)
                  for s in self.meta['settings']['blocking']['servers'] for n in BLOCKING_CLIENTS]
        threaded = self.meta['settings']['threaded']['servers']
        steps += [(self.blocking, (n, s, rep, THREADED)) for rep in range(few) for s in threaded
                  for n in BLOCKING_CLIENTS]
        names = threaded + (['socat'] if have_socat else [])
        for rep in range(reps):
            order = names[rep % len(names):] + names[:rep % len(names)]  # each rep starts elsewhere
            steps += [(self.concurrent, (n, s, rep)) for n in THREADED_CLIENTS for s in order]
        steps += [(self.print_cost, (name, tree, path)) for name, _, tree, path in self.servers]
        if profile:
            steps += [(self.profile, (name,)) for name, _, _, _ in self.servers]
        return steps

    def run(self, steps):
        self.results['profile_runs'] = []
        progress = Progress(len(steps))
        for step in steps:
            function, arguments = step[0], step[1]
            keywords = step[2] if len(step) > 2 else {}
            progress.step(function(*arguments, **keywords))
        del self.results['profile_runs']
        return self.results


def write_json(results, f):
    """The results, one measurement a line, so that a rerun's diff reads line by line."""
    f.write('{\n')
    keys = sorted(results)
    for i, key in enumerate(keys):
        value = results[key]
        if isinstance(value, list):
            items = [json.dumps(v, sort_keys=True) for v in value]
            body = '[\n  ' + ',\n  '.join(items) + '\n ]' if items else '[]'
        else:
            body = json.dumps(value, sort_keys=True, indent=1).replace('\n', '\n ')
        f.write(' %s: %s%s\n' % (json.dumps(key), body, ',' if i < len(keys) - 1 else ''))
    f.write('}\n')


# -- the run -------------------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--reps', type=int, default=5, help='repetitions of each measurement (default 5)')
    parser.add_argument('--seconds', type=float, default=0.25,
                        help='length of one ping-pong measurement, after its warm-up (default 0.25)')
    parser.add_argument('--cpus', default='0,1', help='CPU A,B: same core = A and A, cross core = A and B')
    parser.add_argument('--quick', action='store_true', help='a smoke run: 2 repetitions of 0.05 s')
    parser.add_argument('--out', default=os.path.join(REPO, 'docs'), help='where the results go')
    args = parser.parse_args(argv)
    if args.quick:
        args.reps, args.seconds = 2, 0.05
    cpu_a, cpu_b = [int(c) for c in args.cpus.split(',')]
    allowed = os.sched_getaffinity(0)
    notes = []
    if cpu_a not in allowed:
        raise SystemExit('bench: CPU %d is not available here (%s)' % (cpu_a, sorted(allowed)))
    placements = [('same core', {cpu_a}, {cpu_a})]
    if cpu_b in allowed and cpu_b != cpu_a:
        placements.append(('cross core', {cpu_a}, {cpu_b}))
    else:
        notes.append('Only CPU %d can be used here, so there is no cross-core placement.' % cpu_a)

    started = datetime.datetime.now(datetime.timezone.utc)
    busy0, own0, wall0 = cpu_busy(), own_cpu_seconds(), time.time()
    load0 = read_first_line('/proc/loadavg')

    servers = []
    for name, version, tree in wanted_servers():
        path = harness.find_python(version)
        if path:
            servers.append((name, version, tree, path))
        elif name == BASELINE:
            raise SystemExit('bench: Python 2.7 is needed: every ratio is to the original on 2.7')
        else:
            notes.append('Python %s was not found, so there is no %s row.' % (version, name))
    ports = [name for name, _, tree, _ in servers if tree == 'py3_port']
    compared = [BASELINE] + ports[-1:]  # blocking and unpinned: the original and the port on the newest Python 3
    log('blocking and unpinned runs: %s (the original, and the port on the newest Python 3 found)'
        % ' and '.join(compared))
    threaded = [BASELINE] + ports  # example 3: py2_original's on 2.7, the port's on every Python 3
    have_socat = shutil.which('socat') is not None
    have_sockperf = shutil.which('sockperf') is not None
    if not have_socat:
        notes.append('socat is not installed (Debian: apt-get install socat), so the native echo floor is missing.')
    if not have_sockperf:
        notes.append('sockperf is not installed (Debian: apt-get install sockperf), so the native ping-pong '
                     'floor is missing.')
    build = tempfile.mkdtemp(prefix='bench-')
    no_perf = perf_works(build)
    if no_perf:
        notes.append(no_perf)

    meta = {
        'date': started.strftime('%Y-%m-%d %H:%M UTC'),
        'machine': {'cpu': cpu_model(), 'cpus': os.cpu_count(), 'kernel': platform.release(),
                    'os': os_name(), 'arch': platform.machine()},
        'interpreters': {name: harness.dotted(harness.python_version(path)) for name, _, _, path in servers},
        'shared_libpython': {name: python_shared(path) for name, _, _, path in servers},
        'tools': {
            'cc': tool_version([os.environ.get('CC') or 'cc', '--version'], r'^(.*)'),
            'socat': tool_version(['socat', '-V'], r'socat version (\S+)') if have_socat else None,
            'sockperf': tool_version(['sockperf', '--version'], r'version #?(\S+)') if have_sockperf else None,
            'perf': None if no_perf else tool_version(['perf', '--version'], r'perf version (\S+)'),
            'bench_python': platform.python_version(),
        },
        'settings': {'reps': args.reps, 'seconds': args.seconds, 'max_rounds': MAX_ROUNDS,
                     'cases': [{'name': c[0], 'size': c[1], 'pattern': c[2], 'warmup': c[3]} for c in CASES],
                     'cross_cases': list(CROSS_CASES), 'sockperf_cases': list(SOCKPERF_CASES),
                     'blocking': {'clients': list(BLOCKING_CLIENTS), 'rounds': BLOCKING_ROUNDS,
                                  'size': BLOCKING_SIZE, 'servers': compared, 'examples': [EXAMPLE, THREADED]},
                     # example 3's servers, for blocking (example 2's: 'blocking') and for N clients at once
                     'threaded': {'example': THREADED, 'clients': list(THREADED_CLIENTS), 'size': THREADED_SIZE,
                                  'warmup': THREADED_WARMUP, 'servers': threaded},
                     'unpinned_servers': compared},
        'placements': {name: {'server_cpus': sorted(s), 'client_cpus': sorted(c)} for name, s, c in placements},
        'baseline': BASELINE,
        'six': six.__version__,
        'notes': notes,
    }
    for note in notes:
        log('note: ' + note)

    bench = None
    try:
        bench = Bench(args, servers, placements, meta, build)
        bench.start_servers()
        results = bench.run(bench.plan(have_socat, have_sockperf, profile=not no_perf))
    finally:
        if bench is not None:
            bench.close()
        shutil.rmtree(build, ignore_errors=True)

    busy1, own1, wall1 = cpu_busy(), own_cpu_seconds(), time.time()
    machine_busy = (busy1[0] - busy0[0]) / float(max(1, busy1[1] - busy0[1]))  # of all CPUs
    ours = (own1 - own0) / ((wall1 - wall0) * (os.cpu_count() or 1))
    meta['load'] = {'loadavg_start': load0, 'loadavg_end': read_first_line('/proc/loadavg'),
                    'machine_busy': round(machine_busy, 3), 'bench_busy': round(ours, 3),
                    'others_busy': round(max(0.0, machine_busy - ours), 3)}
    meta['duration_s'] = round(wall1 - wall0, 1)

    if not os.path.isdir(args.out):
        os.makedirs(args.out)
    path = os.path.join(args.out, 'benchmarks.json')
    with open(path, 'w') as f:
        write_json(results, f)
    log('wrote %s (%.0f s; the machine was %.0f%% busy, this run %.0f%%, others about %.0f%%)' % (
        os.path.relpath(path), wall1 - wall0, machine_busy * 100, ours * 100, meta['load']['others_busy'] * 100))

    from bench import report
    report.main([path])
    return 0


if __name__ == '__main__':
    sys.exit(main())
