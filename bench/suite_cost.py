"""Where a suite env's CPU goes: the breakdown in docs/performance.md.

    python -m bench.suite_cost [--env .tox/py311] [--tree py3_port] [--runs 3]

Runs the shared suite as one tox env does (``python -m pytest shared_tests``, that env's interpreter), several
ways, and measures the CPU (user + system) of each run and all its children with getrusage, the median of
--runs runs. The harness writes every program's own CPU (HARNESS_CPU_LOG, taken with wait4 when it is
reaped), so a run's CPU splits into the programs under test, by interpreter and script, and the rest: pytest,
its xdist workers, the harness's threads and the helper processes (version probes, locale checks, the
suite runs of the repository tests). CPU is what the 2-core matrix is bound by; wall time is shown beside it.
Strip PYTHONUNBUFFERED from the environment you run it in, as the harness does for its children.
"""
from __future__ import print_function

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import OrderedDict

import harness

RUNS = OrderedDict([  # what: pytest arguments and environment
    ('the whole suite, one process (-n 0)', (['-n', '0'], {})),
    ('the whole suite, as tox runs it (-n auto)', (['-n', 'auto'], {})),
    ('without the repository tests (-n auto)', (['-n', 'auto'], {'TESTED_ELSEWHERE': 'repository'})),
    ('without repository and launcher tests (-n auto)', (['-n', 'auto'], {'TESTED_ELSEWHERE': 'repository,launcher'})),
    ('the repository tests alone (-n 0)', (['-n', '0', '-m', 'repository'], {})),
    ('the launcher tests alone (-n 0)', (['-n', '0', '-m', 'launcher'], {})),
    ('the differential tests alone (-n 0)', (['-n', '0', 'shared_tests/test_differential.py'], {})),
    ('collecting only', (['--collect-only'], {})),
])


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(python, args, env_changes, tree):
    """(CPU seconds of the run and its children, wall seconds, {program kind: (count, CPU seconds)})."""
    fd, log = tempfile.mkstemp(prefix='suite-cost-')
    os.close(fd)
    env = dict(os.environ, HARNESS_CPU_LOG=log, IMPL_DIR=tree)
    env.pop('PYTHONUNBUFFERED', None)
    env.pop('TESTED_ELSEWHERE', None)
    env.update(env_changes)
    args = list(args) if any(a.startswith('shared_tests/') for a in args) else list(args) + ['shared_tests']
    before, started = children_cpu(), time.time()
    with open(os.devnull, 'wb') as devnull:
        subprocess.call([python, '-m', 'pytest', '-q', '-p', 'no:cacheprovider'] + args, cwd=harness.REPO,
                        env=env, stdout=devnull, stderr=subprocess.STDOUT)
    cpu, wall = children_cpu() - before, time.time() - started
    programs = OrderedDict()
    with open(log) as f:
        for line in f:
            version, _, script, seconds = line.split()
            count, total = programs.get((version, script), (0, 0.0))
            programs[(version, script)] = (count + 1, total + float(seconds))
    os.remove(log)
    return cpu, wall, programs


def start_cost(python, code, times=40):
    """CPU of one start of ``python -c code``: the floor under every program the suite runs."""
    before = children_cpu()
    for _ in range(times):
        subprocess.call([python, '-c', code])
    return (children_cpu() - before) / times


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--env', default=os.path.join(harness.REPO, '.tox', 'py311'), help='a tox env folder')
    parser.add_argument('--tree', default=harness.PORT)
    parser.add_argument('--runs', type=int, default=3)
    args = parser.parse_args()
    python = os.path.join(args.env, 'bin', 'python')
    print('Python %s (%s), tree %s, median of %d runs; load average before: %s' % (
        harness.dotted(harness.python_version(python)), python, os.path.relpath(args.tree, harness.REPO),
        args.runs, open('/proc/loadavg').read().split()[0]))
    print()
    print('| run | CPU s | wall s | of it, the programs under test |')
    print('| --- | ---: | ---: | --- |')
    for what, (pytest_args, env) in RUNS.items():
        results = [measure(python, pytest_args, env, args.tree) for _ in range(args.runs)]
        cpu = median([r[0] for r in results])
        wall = median([r[1] for r in results])
        programs = results[[r[0] for r in results].index(cpu)][2]
        shown = ', '.join('%d %s %s: %.1f s (%.0f ms each)' % (n, v, s, t, 1000 * t / n)
                          for (v, s), (n, t) in programs.items())
        in_programs = sum(t for n, t in programs.values())
        print('| %s | %.1f | %.1f | %s%s |' % (what, cpu, wall, '%.1f s: ' % in_programs if programs else '',
                                              shown or '-'))
        sys.stdout.flush()
    print()
    for code in ('pass', 'import socket'):
        print('one start of `python -c %r`: %.1f ms of CPU' % (code, 1000 * start_cost(python, code)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
