"""Starting a program under test, as ``python SCRIPT`` starts it, and reaping it.

A program is ``python loopback.py SCRIPT [ARG ...]`` (the launcher reads and compiles the script itself, as
``python SCRIPT`` does), started with ``subprocess.Popen`` in the script's folder, with its stdio as a shell
redirects it. Driving it (its guard's events, typing, waiting, Ctrl-C) is harness/programs.py's part.

``child_environment`` is the environment a program sees: the caller's, without what changes Python's stdio.
``compile_launcher`` compiles the launcher's own two modules once an interpreter, so that each start reads them
compiled, as an installed library would be read; the script under test is never compiled here.
"""
import errno
import os
# Python 2's os.wait4 imports resource at its first call, made here from a reaping thread; if the main thread
# is importing at that moment, it fails ("the import lock is held by another thread") and the program is
# never reaped. Imported first, it is found in sys.modules.
import resource  # noqa: F401
import subprocess
import sys

from harness.config import LAUNCHER
from harness.memo import once

# What loopback.py imports, the launcher's code and the guard (the programs write no bytecode: see below)
LAUNCHER_MODULES = [os.path.join(os.path.dirname(LAUNCHER), name)
                    for name in ('loopback_main.py', 'loopback_guard.py')]
# Compiles a module for the interpreter that runs it, to a temporary name first: readers at the same time
# never see half a file.
COMPILE = """import os, py_compile, sys, tempfile

def compile_module(source):
    try:
        from importlib.util import cache_from_source
        compiled = cache_from_source(source)
    except ImportError:
        compiled = source + 'c'
    if not os.path.isdir(os.path.dirname(compiled)):
        os.makedirs(os.path.dirname(compiled))
    fd, scratch = tempfile.mkstemp(dir=os.path.dirname(compiled), suffix='.tmp')
    os.close(fd)
    py_compile.compile(source, cfile=scratch, doraise=True)
    os.rename(scratch, compiled)

for module in sys.argv[1:]:
    compile_module(module)
"""


@once
def compile_launcher(python):
    """The launcher's modules compiled once for ``python``, by ``python``. Where that fails, each start
    compiles them, which changes nothing but the time it takes."""
    with open(os.devnull, 'w') as devnull:
        subprocess.call([python, '-c', COMPILE] + LAUNCHER_MODULES, stdout=devnull, stderr=devnull)


def child_environment(extra=None):
    """The environment of a program under test: the caller's, without what changes Python's stdio."""
    env = dict(os.environ)
    for name in ('PYTHONUNBUFFERED', 'PYTHONIOENCODING', 'PYTHONWARNINGS', 'PYTHONSTARTUP',
                 'PYTHONINSPECT', 'PYTHONDEVMODE', 'PYTHONUTF8', 'PYTHONLEGACYWINDOWSSTDIO',
                 'PYTHON_COLORS', 'FORCE_COLOR', 'NO_COLOR', 'LOCPATH'):
        env.pop(name, None)
    env['LC_ALL'] = 'C.UTF-8'  # a UTF-8 terminal, unless a test says otherwise
    env['TERM'] = 'dumb'       # a terminal without colours: Python 3.13 colours tracebacks on any other
    env['PYTHONDONTWRITEBYTECODE'] = '1'
    env.update(extra or {})
    return env


def start(argv, cwd, env, terminal=None, stdin_path=None, stdout_path=None, stderr_path=None,
          stderr_to_stdout=False):
    """``subprocess.Popen(argv)`` in ``cwd`` with exactly ``env``, its stdio as a shell gives it:

    * on pipes (stdin, stdout, stderr: the Popen's ``stdin``, ``stdout``, ``stderr``), or
    * on ``terminal`` (its slave end), where the program leads a session of its own whose controlling terminal
      that is (the launcher takes it, LOOPBACK_TERMINAL), so that a Ctrl-C typed there sends it SIGINT;
    * ``< stdin_path``, ``> stdout_path``, ``2> stderr_path``, ``2>&1`` (``stderr_to_stdout``) on top.
    """
    opened = []  # the parent's copies of the files, closed once the child has them

    def open_file(path, mode):
        f = open(path, mode)
        opened.append(f)
        return f

    how = {}
    if terminal is not None:
        stdin = stdout = stderr = terminal
        env = dict(env, LOOPBACK_TERMINAL='1')
        if sys.version_info[0] >= 3:
            how['start_new_session'] = True
        else:
            how['preexec_fn'] = os.setsid   # Python 2's Popen has no start_new_session
    else:
        stdin = stdout = stderr = subprocess.PIPE
    if stdin_path:
        stdin = open_file(stdin_path, 'rb')
    if stdout_path:
        stdout = open_file(stdout_path, 'wb')
    if stderr_to_stdout:
        stderr = subprocess.STDOUT
    elif stderr_path:
        stderr = open_file(stderr_path, 'wb')
    try:
        return subprocess.Popen(argv, cwd=cwd, env=env, stdin=stdin, stdout=stdout, stderr=stderr,
                                close_fds=True, **how)
    finally:
        for f in opened:
            f.close()


def wait_for(pid):
    """Reap the process (os.wait4, so that its CPU time is known too): (returncode as subprocess gives it,
    user + system CPU seconds)."""
    while True:
        try:
            _, status, usage = os.wait4(pid, 0)
            break
        except OSError as e:
            if e.errno != errno.EINTR:
                raise
    returncode = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    return returncode, usage.ru_utime + usage.ru_stime
