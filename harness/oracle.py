"""The original's side of a differential scenario, recorded once per tox run and shared by every env.

The Python 2 original on Python 2.7 does the same in every env of the matrix, so where ORACLE_CACHE names a
folder (tox sets it to one under .tox/), the first env that needs a scenario runs it on the original and
writes its record there; the others read it. A record is only ever written by running the original, and its
key is everything it depends on: the scenario's name and example, the original's four files, the harness's
and the test file's source (which play and read the scenario), the Python 2.7 that ran it (path and version)
and the kernel. Nothing of it is committed; without ORACLE_CACHE every run records its own.
"""
import hashlib
import io
import json
import os
import platform
import tempfile

from harness.config import ORIGINAL, REPO
from harness.interpreters import python_version


def cache_folder():
    return os.environ.get('ORACLE_CACHE') or None


def _files():
    folders = [ORIGINAL, os.path.join(REPO, 'harness')]
    for folder in folders:
        for top, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                if name.endswith('.py'):
                    yield os.path.join(top, name)


def key(name, example, python, test_file):
    """The SHA-256 of everything the record depends on."""
    digest = hashlib.sha256()
    words = [name, example, python, repr(python_version(python)), platform.release()]
    digest.update('\0'.join(words).encode('utf-8'))
    for path in list(_files()) + [test_file]:
        with open(path, 'rb') as f:
            digest.update(os.path.relpath(path, REPO).encode('utf-8') + b'\0' + f.read() + b'\0')
    return digest.hexdigest()


def as_data(record):
    """A record as JSON gives it back: lists, not tuples; text, on Python 2 and 3 alike."""
    return json.loads(json.dumps(record))


def recorded(name, example, python, test_file, play):
    """The original's record for this scenario: from the cache, else ``play()``, written to the cache.
    Returns (record, where it came from)."""
    folder = cache_folder()
    if folder is None:
        return as_data(play()), 'recorded now'
    path = os.path.join(folder, '%s-%s-%s.json' % (name, example, key(name, example, python, test_file)[:32]))
    if os.path.exists(path):
        with io.open(path, encoding='utf-8') as f:
            return json.load(f), 'recorded by an earlier env of this tox run (%s)' % path
    record = as_data(play())
    if not os.path.isdir(folder):
        try:
            os.makedirs(folder)
        except OSError:
            pass  # another env made it
    fd, scratch = tempfile.mkstemp(dir=folder, prefix='.recording-')
    with io.open(fd, 'w', encoding='utf-8') as f:
        text = json.dumps(record, indent=0, ensure_ascii=True)
        f.write(text if isinstance(text, type(u'')) else text.decode('ascii'))
    os.rename(scratch, path)  # whole or not at all, also when two envs record it at once
    return record, 'recorded now (%s)' % path
