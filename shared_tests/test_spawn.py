"""The harness's posix_spawn start (harness/spawn.py) gives a program what subprocess.Popen gives it.

Before Python 3.10 the harness starts the programs with posix_spawn, so as not to fork the whole pytest
process. Each test starts the same small C program both ways, with the same arguments, and compares what it
reports of itself, read from /proc by programs that change nothing of what they inherit (``cat``, ``ls``,
``env``, ``pwd``): which signals it ignores, blocks and catches, its descriptors, its environment and its order,
its working directory, its session. Expected values are not written out: the expectation is Popen's, on the
interpreter running the harness, which is what these tests depend on (tox runs them once per interpreter).
"""
import errno
import os
import subprocess
import sys

import pytest

from harness import spawn

pytestmark = [pytest.mark.launcher,
              pytest.mark.skipif(not spawn.available(), reason='no posix_spawn with closefrom and chdir here '
                                 '(glibc 2.34+): the harness uses subprocess')]


def run(how, argv, cwd, env, new_session):
    """Run argv to its end, started by ``how`` ('popen' or 'spawn'); its stdout and stderr."""
    if how == 'popen':
        if new_session:
            session = {'start_new_session': True} if sys.version_info[0] >= 3 else {'preexec_fn': os.setsid}
        else:
            session = {}
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, close_fds=True, **session)
        out, err = proc.communicate()
        return proc.pid, proc.returncode, out, err
    proc = spawn.start(argv, cwd, env, subprocess.PIPE, subprocess.PIPE, subprocess.PIPE, new_session)
    proc.stdin.close()
    out = read_all(proc.stdout.fileno())
    err = read_all(proc.stderr.fileno())
    proc.stdout.close()
    proc.stderr.close()
    _, status = os.waitpid(proc.pid, 0)
    return proc.pid, (os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)), out, err


def read_all(fd):
    chunks = []
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return b''.join(chunks)
        chunks.append(chunk)


def both(argv, new_session=False, cwd=None, env=None):
    cwd = cwd or os.path.dirname(os.path.abspath(__file__))
    env = env if env is not None else dict(os.environ, SPAWN_TEST='one', ANOTHER='two')
    return [run(how, argv, cwd, env, new_session) for how in ('popen', 'spawn')]


def status_lines(report, names):
    pid, code, out, err = report
    assert (code, err) == (0, b''), report
    return [line for line in out.decode('ascii').splitlines() if line.split(':')[0] in names]


@pytest.mark.parametrize('new_session', [False, True], ids=['same_session', 'new_session'])
def test_spawned_signals_are_popens(new_session):
    """Ignored (Python 3's subprocess restores SIGPIPE and SIGXFSZ; Python 2's leaves them ignored),
    blocked and caught signals, as /proc/PID/status shows them."""
    names = ('SigIgn', 'SigBlk', 'SigCgt')
    popen, spawned = both(['cat', '/proc/self/status'], new_session)
    assert status_lines(spawned, names) == status_lines(popen, names)
    assert len(status_lines(popen, names)) == 3


@pytest.mark.parametrize('new_session', [False, True], ids=['same_session', 'new_session'])
def test_spawned_session_and_terminal_are_popens(new_session):
    """/proc/PID/stat: whether it leads its session and its process group, and its controlling terminal."""
    def placing(report):
        pid, code, out, err = report
        assert (code, err) == (0, b''), report
        fields = out.decode('ascii').rsplit(')', 1)[1].split()
        pgrp, session, tty = int(fields[2]), int(fields[3]), int(fields[4])
        return {'leads its group': pgrp == pid, 'leads its session': session == pid, 'terminal': tty,
                'session': 'its own' if session == pid else session}
    popen, spawned = both(['cat', '/proc/self/stat'], new_session)
    assert placing(spawned) == placing(popen)
    assert placing(popen)['leads its session'] == new_session


def test_spawned_descriptors_are_popens():
    """Only 0, 1 and 2 (and ls's own), whatever this process has open: close_fds."""
    keep_open = open(__file__, 'rb')        # a descriptor of this process that must not reach the child
    try:
        popen, spawned = both(['ls', '/proc/self/fd'])
    finally:
        keep_open.close()
    assert spawned[1:] == popen[1:]
    assert popen[2].split()[:3] == [b'0', b'1', b'2']


def test_spawned_environment_and_its_order_are_popens():
    env = dict(os.environ, SPAWN_TEST='one', ANOTHER='two', LC_ALL='C.UTF-8')
    popen, spawned = both(['env'], env=env)
    assert spawned[1:] == popen[1:]
    assert b'SPAWN_TEST=one\n' in popen[2]


def test_spawned_working_directory_is_popens():
    popen, spawned = both(['pwd'], cwd=os.path.dirname(spawn.__file__))
    assert spawned[1:] == popen[1:]
    assert popen[2] == os.path.dirname(os.path.abspath(spawn.__file__)).encode() + b'\n'


def test_spawned_executable_is_found_in_the_environments_path_as_popen_finds_it():
    env = dict(os.environ, PATH=os.pathsep.join(['/nonexistent', os.path.dirname(spawn.executable('true', os.environ))]))
    popen, spawned = both(['true'], env=env)
    assert (spawned[1], popen[1]) == (0, 0)
    for how in ('popen', 'spawn'):
        with pytest.raises(OSError) as raised:
            run(how, ['no-such-program-here'], '/', dict(env, PATH='/nonexistent'), False)
        assert raised.value.errno == errno.ENOENT
