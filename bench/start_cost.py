"""What a program start costs through the launcher, against ``python SCRIPT``, on the interpreter running this.

    .tox/py311/bin/python -m bench.start_cost                  # CPU per start, over 100 starts each
    .tox/py311/bin/python -m bench.start_cost --instructions   # instructions per start (valgrind's callgrind)

The script is one line, ``import socket``, as every program under test imports it, in a folder of its own.
Two ways: ``python sock.py``, and ``python loopback.py sock.py`` as the suite starts a program (its start
gets a report socket, as from the harness); each is reaped with its CPU. Instructions do not depend on what else the machine does; CPU does. Only loopback AF_UNIX sockets.
"""
from __future__ import print_function

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

from harness.config import LAUNCHER
from harness.launch import compile_launcher

STARTS = 100
SCRIPT = b'import socket\n'


def start(argv, folder, env, report):
    """One start of argv in folder, reaped; its user + system CPU in seconds and its stderr."""
    listener = None
    if report:
        env = dict(env, LOOPBACK_REPORT=os.path.join(folder, 'report'))
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(env['LOOPBACK_REPORT'])
        listener.listen(1)
    try:
        with open(os.devnull, 'rb') as nothing, open(os.devnull, 'wb') as null, tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(argv, cwd=folder, env=env, stdin=nothing, stdout=null, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = status
            err.seek(0)
            return usage.ru_utime + usage.ru_stime, err.read(), status
    finally:
        if listener is not None:
            listener.close()
            os.unlink(env['LOOPBACK_REPORT'])


def ways(folder):
    """(name, argv, environment, report?) of each way to start the script."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE='1')
    env.pop('PYTHONUNBUFFERED', None)
    compile_launcher(sys.executable)
    return [('python sock.py', [sys.executable, 'sock.py'], env, False),
            ('python loopback.py sock.py', [sys.executable, LAUNCHER, 'sock.py'], env, True)]


def main(argv):
    instructions = '--instructions' in argv
    folder = tempfile.mkdtemp(prefix='start-cost-')
    try:
        with open(os.path.join(folder, 'sock.py'), 'wb') as f:
            f.write(SCRIPT)
        print('Python %s, %s' % (sys.version.split()[0], 'instructions a start (callgrind)' if instructions
                                 else 'CPU a start, mean of %d' % STARTS))
        for name, command, env, report in ways(folder):
            if instructions:
                command = ['valgrind', '--tool=callgrind', '--callgrind-out-file=/dev/null'] + command
                _, err, status = start(command, folder, env, report)
                found = re.search(br'Collected : (\d+)', err)
                if status != 0 or not found:
                    raise SystemExit('%s failed: %r' % (name, err[-500:]))
                print('  %-36s %6.1f million' % (name, int(found.group(1)) / 1e6))
            else:
                total = 0.0
                for _ in range(STARTS):
                    cpu, err, status = start(command, folder, env, report)
                    if status != 0:
                        raise SystemExit('%s failed: %r' % (name, err[-500:]))
                    total += cpu
                print('  %-36s %6.2f ms' % (name, 1000 * total / STARTS))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == '__main__':
    main(sys.argv[1:])
