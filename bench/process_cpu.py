"""Where the matrix's CPU goes, process by process: a pytest plugin, and the sum of what it and the harness
logged.

    PYTEST_ADDOPTS='-p bench.process_cpu' PROCESS_CPU_LOG=/tmp/pytest.log HARNESS_CPU_LOG=/tmp/programs.log \\
        tox -p auto
    python -m bench.process_cpu /tmp/pytest.log /tmp/programs.log

As each pytest process ends (an env's controller, each of its xdist workers) the plugin appends its own
CPU (user + system, all its threads: pytest, xdist, the harness) to PROCESS_CPU_LOG; the harness appends
each program's when it reaps it (HARNESS_CPU_LOG, harness/session.py). The summary splits the matrix's CPU
into those, and what is neither is the rest: tox, the helpers the harness runs (locale, unshare, ip), the
kernel's threads. Compare it with the CPU ``/usr/bin/time tox -p auto`` reports. tox.ini passes the three
variables into the suite envs.
"""
from __future__ import print_function

import os
import resource
import sys


def pytest_unconfigure(config):
    path = os.environ.get('PROCESS_CPU_LOG')
    if not path:
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    role = 'worker' if os.environ.get('PYTEST_XDIST_WORKER') else 'controller'
    line = '%s %.6f\n' % (role, usage.ru_utime + usage.ru_stime)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode('ascii'))  # one write: processes that end at once do not interleave
    finally:
        os.close(fd)


def summary(pytest_log, programs_log):
    """{what: (count, CPU seconds)} from the two logs."""
    totals = {}

    def add(what, seconds):
        count, total = totals.get(what, (0, 0.0))
        totals[what] = (count + 1, total + seconds)
    with open(pytest_log) as f:
        for line in f:
            role, seconds = line.split()
            add('pytest ' + role + 's', float(seconds))
    with open(programs_log) as f:
        for line in f:
            version, tree, script, seconds = line.split()
            add('probes of the launcher tests' if script == 'probe.py' else 'programs under test (%s)' % (
                'Python 2.7' if version.startswith('2.') else 'Python 3'), float(seconds))
    return totals


def main(argv):
    if len(argv) != 3:
        print(__doc__)
        return 2
    totals = summary(argv[1], argv[2])
    for what in sorted(totals, key=lambda w: -totals[w][1]):
        count, seconds = totals[what]
        print('%8.1f s  %5d  %s' % (seconds, count, what))
    print('%8.1f s         in all of these' % sum(s for _, s in totals.values()))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
