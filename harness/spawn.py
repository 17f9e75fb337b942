"""Spawn: a program started with glibc's posix_spawn(3), where Python's subprocess would fork this process.

Before Python 3.10, ``subprocess.Popen`` forks the whole pytest process to start a program, and the copy of
its memory, made and then thrown away by ``exec``, costs CPU that grows with the process (2.7 also closes
every descriptor up to the limit one by one, in Python). glibc's posix_spawn makes the child with
``clone(CLONE_VM | CLONE_VFORK)``, which copies nothing; Python 3.10's subprocess does the same with vfork.

The program gets what ``Popen(argv, cwd=cwd, env=env, stdin=.., stdout=.., stderr=.., close_fds=True)`` gives
it, the same on every Python this runs on:

* its stdin, stdout and stderr are the descriptors given, as 0, 1 and 2; every other descriptor is closed
  (``posix_spawn_file_actions_addclosefrom_np(3)``: ``close_fds=True``);
* its working directory is ``cwd`` (``addchdir_np``), its environment exactly ``env``, in its order, and its
  executable is looked up in ``env``'s PATH, as subprocess does;
* with ``new_session``, it leads a session of its own (``POSIX_SPAWN_SETSID``: ``start_new_session``);
* its signals: on Python 3, SIGPIPE and SIGXFSZ, which Python ignores, back at their default
  (``POSIX_SPAWN_SETSIGDEF``: subprocess's ``restore_signals``); Python 2's subprocess leaves them, and so
  does this there. glibc's own two signals as a fork leaves them too (``_signals_to_default``).
  The signal mask is the calling thread's, as after fork; handlers are reset by exec.

``available()`` is False where this libc lacks any of that (glibc before 2.34, another libc): the harness
then uses subprocess. Only the harness's ``Program`` starts through here; helpers and probes use subprocess.
"""
import ctypes
import errno
import fcntl
import os
import signal
import subprocess
import sys

from harness.memo import once

# glibc's <spawn.h>
POSIX_SPAWN_SETSIGDEF = 0x04
POSIX_SPAWN_SETSID = 0x80
# The opaque types are 80 and 336 bytes on 64-bit glibc; room to spare.
OPAQUE_BYTES = 1024
SIGSET_BYTES = 128

_NEEDED = ('posix_spawn', 'posix_spawn_file_actions_init', 'posix_spawn_file_actions_destroy',
           'posix_spawn_file_actions_adddup2', 'posix_spawn_file_actions_addclosefrom_np',
           'posix_spawn_file_actions_addchdir_np', 'posix_spawnattr_init', 'posix_spawnattr_destroy',
           'posix_spawnattr_setflags', 'posix_spawnattr_setsigdefault')


@once
def _libc():
    # The symbols this process has loaded, libc's among them: ctypes.util.find_library would run ldconfig (and
    # on Python 2, more programs) in each process to find the file.
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    if not all(hasattr(libc, name) for name in _NEEDED):
        return None
    return libc


def available():
    """True where this libc has everything a spawn needs (glibc 2.34 or later)."""
    return _libc() is not None


def wanted():
    """Spawn here where subprocess would fork the whole process (before Python 3.10) and libc can."""
    return sys.version_info < (3, 10) and available()


def _encode(text):
    if isinstance(text, bytes):
        return text
    return text.encode(sys.getfilesystemencoding(), 'surrogateescape')


def _strings(items):
    array = (ctypes.c_char_p * (len(items) + 1))()
    array[:-1] = [_encode(item) for item in items]
    array[-1] = None
    return array


def executable(name, env):
    """``name`` as subprocess finds it: as it is if it has a slash, else the first in env's PATH that can be
    executed. Raises OSError(ENOENT), as Popen does, when there is none."""
    if os.sep in name:
        return name
    for folder in env.get('PATH', os.defpath).split(os.pathsep):
        path = os.path.join(folder or os.curdir, name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise OSError(errno.ENOENT, 'No such file or directory: %r' % name)


def _check(result, what):
    if result != 0:
        raise OSError(result, '%s: %s' % (what, os.strerror(result)))


def _signals_to_default():
    """The signals the child sets to SIG_DFL before exec. On Python 3, SIGPIPE and SIGXFSZ, as subprocess's
    restore_signals does. And glibc's own two (32 and 33, below SIGRTMIN: thread cancellation, setxid) where
    this process does not ignore them: glibc's child sets them to SIG_IGN, which exec keeps, where a forked
    child would have this process's disposition (SIG_IGN is inherited, a handler becomes SIG_DFL). sigaddset
    refuses them, so their bits are set here."""
    names = ('SIGPIPE', 'SIGXFZ', 'SIGXFSZ') if sys.version_info[0] >= 3 else ()
    numbers = [getattr(signal, name) for name in names if hasattr(signal, name)]
    ignored = _ignored_here()
    numbers += [n for n in range(32, int(getattr(signal, 'SIGRTMIN', 32))) if n not in ignored]
    words = (ctypes.c_ulong * (SIGSET_BYTES // ctypes.sizeof(ctypes.c_ulong)))()
    bits = 8 * ctypes.sizeof(ctypes.c_ulong)
    for number in numbers:
        words[(number - 1) // bits] |= 1 << ((number - 1) % bits)
    return words


def _ignored_here():
    """The signals this process ignores, as the kernel says (/proc/self/status, SigIgn)."""
    with open('/proc/self/status') as f:
        mask = int([line for line in f if line.startswith('SigIgn:')][0].split()[1], 16)
    return set(n for n in range(1, 65) if mask & (1 << (n - 1)))


def spawn(argv, cwd, env, stdin, stdout, stderr, new_session=False):
    """Start ``argv`` with the descriptors ``stdin``, ``stdout``, ``stderr`` as its 0, 1, 2; return its pid.
    Nothing else of this process's descriptors reaches it. The caller reaps it (os.wait4)."""
    libc = _libc()
    if libc is None:
        raise OSError(errno.ENOSYS, 'posix_spawn with closefrom and chdir is not available here')
    if min(stdin, stdout, stderr) < 3:
        raise ValueError('descriptors 0, 1 and 2 are overwritten in turn: give others (%d, %d, %d)'
                         % (stdin, stdout, stderr))
    path = executable(argv[0], env)
    actions = ctypes.create_string_buffer(OPAQUE_BYTES)
    attributes = ctypes.create_string_buffer(OPAQUE_BYTES)
    _check(libc.posix_spawn_file_actions_init(actions), 'posix_spawn_file_actions_init')
    try:
        _check(libc.posix_spawnattr_init(attributes), 'posix_spawnattr_init')
        try:
            for target, fd in enumerate((stdin, stdout, stderr)):
                _check(libc.posix_spawn_file_actions_adddup2(actions, fd, target), 'adddup2')
            _check(libc.posix_spawn_file_actions_addclosefrom_np(actions, 3), 'addclosefrom_np')
            _check(libc.posix_spawn_file_actions_addchdir_np(actions, _encode(cwd)), 'addchdir_np')
            _check(libc.posix_spawnattr_setsigdefault(attributes, _signals_to_default()), 'setsigdefault')
            flags = POSIX_SPAWN_SETSIGDEF | (POSIX_SPAWN_SETSID if new_session else 0)
            _check(libc.posix_spawnattr_setflags(attributes, ctypes.c_short(flags)), 'setflags')
            pid = ctypes.c_int()
            _check(libc.posix_spawn(ctypes.byref(pid), _encode(path), actions, attributes, _strings(argv),
                                    _strings(['%s=%s' % item for item in env.items()])),
                   'posix_spawn %s' % path)
            return pid.value
        finally:
            libc.posix_spawnattr_destroy(attributes)
    finally:
        libc.posix_spawn_file_actions_destroy(actions)


class Spawned(object):
    """What the harness uses of a Popen: pid, returncode, send_signal; the parent's ends of the pipes it
    made for the program, as objects with fileno() and close()."""

    def __init__(self, pid, stdin=None, stdout=None, stderr=None):
        self.pid = pid
        self.returncode = None
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr

    def send_signal(self, signum):
        os.kill(self.pid, signum)


class End(object):
    """The parent's end of a pipe."""

    def __init__(self, fd):
        self.fd = fd

    def fileno(self):
        return self.fd

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def start(argv, cwd, env, stdin, stdout, stderr, new_session=False):
    """``spawn`` with the streams named as Popen names them: a descriptor, a file, ``subprocess.PIPE`` (a
    pipe made here, its parent's end in the Spawned) or, for stderr, ``subprocess.STDOUT``."""
    theirs, ours, fds = [], [], []        # the child's ends of the pipes made here, the parent's, the three
    for stream, reading in ((stdin, True), (stdout, False), (stderr, False)):
        if stream is subprocess.PIPE:
            r, w = os.pipe()
            for fd in (r, w):             # Python 2's pipes would be inherited by other children
                fcntl.fcntl(fd, fcntl.F_SETFD, fcntl.fcntl(fd, fcntl.F_GETFD) | fcntl.FD_CLOEXEC)
            child, parent = (r, w) if reading else (w, r)
            theirs.append(child)
            ours.append(End(parent))
            fds.append(child)
        elif stream is subprocess.STDOUT:
            fds.append(fds[1])
            ours.append(None)
        else:
            fds.append(stream if isinstance(stream, int) else stream.fileno())
            ours.append(None)
    try:
        pid = spawn(argv, cwd, env, fds[0], fds[1], fds[2], new_session)
    except Exception:
        for end in ours:
            if end is not None:
                end.close()
        raise
    finally:
        for fd in theirs:
            os.close(fd)
    return Spawned(pid, *ours)
