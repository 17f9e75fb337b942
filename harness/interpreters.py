"""Interpreters: finding Python 2.7 and each Python 3 on this machine, and asking one which version it is.

An interpreter is asked its version once per process (``python_version``); every Python 2 / 3 decision of the
suite follows the interpreter under test (``impl_version``), never the one running pytest.
"""
import os
import re
import subprocess
import sys

from harness.config import IMPL_PYTHON
from harness.memo import once


@once
def python_version(python):
    """(major, minor, micro) of an interpreter; (0, 0, 0) if it does not run. The interpreter running this
    (the same path: what tox's envs test by default) answers without a start."""
    if python == sys.executable:
        return tuple(sys.version_info[:3])
    probe = 'import sys; print("%d %d %d" % sys.version_info[:3])'
    try:
        with open(os.devnull, 'w') as devnull:
            said = subprocess.check_output([python, '-c', probe], stderr=devnull)
        return tuple(int(n) for n in said.split())
    except (OSError, subprocess.CalledProcessError, ValueError):
        return (0, 0, 0)


def impl_version():
    """(major, minor, micro) of the interpreter under test, IMPL_PYTHON (not necessarily the one running pytest)."""
    return python_version(IMPL_PYTHON)


def dotted(version):
    return '.'.join(str(n) for n in version)


def pyenv_versions():
    """Where pyenv installs Pythons: $PYENV_ROOT/versions, by default ~/.pyenv/versions."""
    return os.path.join(os.environ.get('PYENV_ROOT') or os.path.expanduser('~/.pyenv'), 'versions')


@once
def find_python(version):
    """The path of a working Python ``version`` ('2.7', '3.12'), or None.

    Looked for as $PYTHON<digits> (PYTHON27, PYTHON312), then ``python<version>`` on PATH, then in pyenv's
    versions; a candidate counts only if it runs and says it is that version (a pyenv shim for a version
    that is not selected does not).
    """
    versions = pyenv_versions()
    # pyenv's shims are left out where its versions are there to be looked at: a shim answers only for the
    # selected version, which the look at the versions finds too, and asking one costs a run of pyenv.
    shims = os.path.join(os.path.dirname(versions), 'shims') if os.path.isdir(versions) else None
    candidates = [os.environ.get('PYTHON' + version.replace('.', ''))]
    for folder in os.environ.get('PATH', '').split(os.pathsep):
        if folder and (shims is None or os.path.realpath(folder) != os.path.realpath(shims)):
            candidates.append(os.path.join(folder, 'python' + version))
    if os.path.isdir(versions):
        for name in sorted(os.listdir(versions), reverse=True):
            if name == version or name.startswith(version + '.'):
                candidates.append(os.path.join(versions, name, 'bin', 'python' + version))
    for path in candidates:
        if path and os.access(path, os.X_OK) and dotted(python_version(path)[:2]) == version:
            return path
    return None


def python3_versions():
    """'3.N' for each python3.N on PATH or in pyenv's versions, newest first."""
    names = []
    for folder in os.environ.get('PATH', '').split(os.pathsep) + [pyenv_versions()]:
        try:
            names.extend(os.listdir(folder or os.curdir))
        except OSError:
            continue
    found = set(m.group(1) for m in (re.match(r'^(?:python)?(3\.\d+)', name) for name in names) if m)
    return sorted(found, key=lambda v: [int(n) for n in v.split('.')], reverse=True)


def find_python3():
    """A Python 3 to run the port with when the suite itself runs on Python 2: $PYTHON3, else the newest."""
    given = os.environ.get('PYTHON3')
    if given and python_version(given)[0] == 3:
        return given
    for version in python3_versions():
        path = find_python(version)
        if path:
            return path
    return None


@once
def utf8_mode(python, env_items):
    """Whether ``python`` runs in UTF-8 mode (PEP 540; on by default from 3.15, PEP 686) in the environment
    ``env_items`` (sorted (name, value) pairs): 0 or 1, or None where it has no such mode (2.7, 3.6)."""
    probe = 'import sys; print(getattr(sys.flags, "utf8_mode", "none"))'
    with open(os.devnull, 'w') as devnull:
        said = subprocess.check_output([python, '-c', probe], env=dict(env_items), stderr=devnull).strip()
    return None if said == b'none' else int(said)
