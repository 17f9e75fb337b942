"""Is a Ctrl-C lost when it comes right after the prompt? input() (and Python 2's raw_input()) against the
port's raw_input(), at a terminal.

    python3 tools/readline_race.py [--times N] [--hold US] PYTHON ...

For each interpreter, a child reads one line at a pseudo-terminal: with the built-in (input() on Python 3,
raw_input() on Python 2, both through PyOS_Readline) and, on Python 3, with py3_port's raw_input() (its
definition only, taken from example1_interactive/client4.py; the article's client itself is not run). As
soon as the prompt shows, the child gets SIGINT, as when a person types Ctrl-C; the line says whether it
ended with KeyboardInterrupt within 3 s (a bounded wait, to show what does not happen). With --hold, strace
holds the child for that many microseconds after each write() returns, so that the signal always comes
between the prompt's write and the read that follows (needs strace). Prints, per interpreter and reader, how
many of N tries were acted on. Nothing here opens a socket.
"""
from __future__ import print_function

import argparse
import io
import os
import pty
import select
import signal
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORT_CLIENT = os.path.join(REPO, 'py3_port', 'example1_interactive', 'client4.py')
PROMPT = b'msg to send:'
BUILTIN = ("import sys\nread = input if sys.version_info[0] == 3 else raw_input\n"
           "read('msg to send:')\n")


def port_reader():
    """py3_port's raw_input(), and a call of it: the client's lines above HOST, without the socket import."""
    with io.open(PORT_CLIENT, encoding='utf-8') as f:
        source = f.read().split('\nHOST =')[0].replace('import socket\n', '')
    return source + "\nraw_input('msg to send:')\n"


def wait_for(fd, needle, seconds):
    """Read the terminal until needle shows or seconds pass; True if it showed."""
    got, end = b'', time.time() + seconds
    while needle not in got:
        left = end - time.time()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return False
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return False
        if not chunk:
            return False
        got += chunk
    return True


def child_of(pid):
    with open('/proc/%d/task/%d/children' % (pid, pid)) as f:
        return int(f.read().split()[0])


def one_try(python, code, hold):
    """True if the reader ended with KeyboardInterrupt after a SIGINT sent as soon as the prompt showed."""
    argv = [python, '-c', code]
    if hold:
        argv = ['strace', '-qq', '-o', '/dev/null', '-e', 'trace=write',
                '-e', 'inject=write:delay_exit=%d' % hold] + argv
    pid, fd = pty.fork()
    if pid == 0:
        for name in ('PYTHONUNBUFFERED', 'PYTHONSTARTUP', 'PYTHONINSPECT'):
            os.environ.pop(name, None)
        os.execvp(argv[0], argv)
    try:
        if not wait_for(fd, PROMPT, 30):
            raise SystemExit('%s: no prompt within 30 s' % python)
        target = child_of(pid) if hold else pid
        os.kill(target, signal.SIGINT)
        return wait_for(fd, b'KeyboardInterrupt', 3)
    finally:
        try:
            os.killpg(pid, signal.SIGKILL)  # pty.fork() made the child a session (and group) leader
        except OSError:
            pass
        os.waitpid(pid, 0)
        os.close(fd)


def version(python):
    import subprocess
    return subprocess.check_output([python, '-c', 'import sys; print("%d.%d" % sys.version_info[:2])']
                                   ).decode().strip()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--times', type=int, default=10, help='tries per interpreter and reader (default 10)')
    parser.add_argument('--hold', type=int, default=0, metavar='US',
                        help='strace holds the child this long after each write() (default: not at all)')
    parser.add_argument('python', nargs='+')
    args = parser.parse_args(argv)
    print('SIGINT as soon as the prompt shows%s; acted on (KeyboardInterrupt within 3 s) in:' % (
        ', the child held %d us after each write()' % args.hold if args.hold else ''))
    for python in args.python:
        v = version(python)
        readers = [('input()' if v[0] == '3' else 'raw_input()', BUILTIN)]
        if v[0] == '3':
            readers.append(("py3_port's raw_input()", port_reader()))
        for label, code in readers:
            acted = sum(one_try(python, code, args.hold) for _ in range(args.times))
            print('  Python %-5s %-24s %2d of %d' % (v, label, acted, args.times))
            sys.stdout.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
