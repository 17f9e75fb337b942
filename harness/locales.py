"""A child in a locale the machine may lack: built with glibc's localedef, once per machine."""
import os
import shutil
import subprocess
import sys
import tempfile

from harness.config import Unavailable
from harness.memo import once


# The terminal encodings the suite types in: locale -> (glibc source, charmap, the codeset Python then sees).
LOCALES = {
    'C.UTF-8': ('C', 'UTF-8', 'UTF-8'),
    'C': (None, None, 'ANSI_X3.4-1968'),
    'zh_CN.GBK': ('zh_CN', 'GBK', 'GBK'),
    'en_US.ISO-8859-1': ('en_US', 'ISO-8859-1', 'ISO-8859-1'),
}
def locale_environment(name):
    """The environment variables that run a child in locale ``name`` (one of LOCALES).

    A locale the system lacks is built once per machine with glibc's ``localedef`` into a cache folder of
    this user's, passed on as LOCPATH. Raises Unavailable if that cannot be done.
    """
    env = _locale(name)
    if env is None:
        raise Unavailable('locale %s: not installed, and localedef could not build it' % name)
    return dict(env)


@once
def _locale(name):
    source, charmap, codeset = LOCALES[name]
    env = {'LC_ALL': name}
    if _codeset(env) != codeset:
        cache = os.path.join(tempfile.gettempdir(), 'p23-locales-%d' % os.getuid())
        env['LOCPATH'] = cache
        if _codeset(env) != codeset:
            _build_locale(cache, name, source, charmap)
        if _codeset(env) != codeset:
            return None
    return env


# The codeset a program sees in a locale: setlocale(LC_ALL, "") then nl_langinfo(CODESET), asked of glibc by
# its own `locale charmap` (a C program: a millisecond, where a Python start takes ten), or by Python where
# that program is missing.
CODESET_PROBES = (
    ['locale', 'charmap'],
    [sys.executable, '-c',
     'import locale; locale.setlocale(locale.LC_ALL, ""); print(locale.nl_langinfo(locale.CODESET))'],
)


def _codeset(env):
    full = dict(os.environ)
    full.pop('LOCPATH', None)
    full.update(env)
    for probe in CODESET_PROBES:
        try:
            with open(os.devnull, 'w') as devnull:
                return subprocess.check_output(probe, env=full, stderr=devnull).decode('ascii', 'replace').strip()
        except OSError:
            continue  # no such program here: ask the next
        except subprocess.CalledProcessError:
            return None
    return None


def _build_locale(cache, name, source, charmap):
    """localedef into a fresh folder, then rename it into the cache: safe when tests build it at once."""
    if not os.path.isdir(cache):
        try:
            os.makedirs(cache)
        except OSError:
            pass  # another process made it
    work = tempfile.mkdtemp(prefix='build-', dir=cache)
    try:
        with open(os.devnull, 'w') as devnull:
            subprocess.call(['localedef', '-i', source, '-f', charmap, os.path.join(work, name)],
                            stdout=devnull, stderr=devnull)
        os.rename(os.path.join(work, name), os.path.join(cache, name))
    except OSError:
        pass  # no localedef, or another process got there first; the caller checks the result
    finally:
        shutil.rmtree(work, ignore_errors=True)
