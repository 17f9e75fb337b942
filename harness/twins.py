"""Twin clients: in each of this repository's trees, example 2's client4.py is example 1's but for comments.

The article prints the same client twice, once with Chinese comments (and so, in Python 2, a coding line) and
once without. A test of the client alone (against a fake server of the harness, or none) would run the same
program twice. ``clients_are_twins()`` decides, on the interpreter under test, whether the two client4.py of
the tree under test are one program:

* each compiles on that interpreter, its own coding line and all (a missing coding line before non-ASCII
  bytes is a SyntaxError on Python 2, so a file that needs one and lacks it is not a twin);
* their tokens are the same, type and text, once comments, blank lines and the encoding marker are left out;
* where any token that is left is not ASCII, their coding lines are the same too.

Then the one program behaves the same under both names, byte for byte on the wire and on stdout. What can
differ is the text of a traceback (its line numbers and the source lines it quotes, comments included): no
test of the client alone compares that, and the differential tests, which do, run both examples.

When the two are twins, the harness skips example 2's case of each test marked ``client_twin`` (the
``each_client`` parametrization, harness/fixtures.py) and says why; when they are not (a port of your own, a
mutant that changes one client), both run.
"""
import os
import subprocess
import sys

from harness.config import EX1, EX2, IMPL_DIR, IMPL_PYTHON
from harness.memo import once

# Run on the interpreter under test, Python 2.7 or 3.x: verdict() is "twins" or "not twins: why".
VERDICT = r'''
import re, sys, tokenize
LEFT_OUT = [tokenize.COMMENT, tokenize.NL] + ([tokenize.ENCODING] if hasattr(tokenize, 'ENCODING') else [])
COOKIE = re.compile(br'^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)')

def program(path):
    with open(path, 'rb') as f:
        source = f.read()
    cookies = [m.group(1) for m in [COOKIE.match(line) for line in source.splitlines()[:2]] if m]
    if sys.version_info[0] == 2 and not cookies and re.search(br'[\x80-\xff]', source):
        raise SyntaxError('non-ASCII bytes and no coding line (PEP 263): python2 %s refuses to run it' % path)
    compile(source, path, 'exec', 0, True)  # Python 2 checks the coding line only when it runs a file, hence the above
    lines = iter(source.splitlines(True))
    readline = lambda: next(lines, b'')
    tokens = tokenize.tokenize(readline) if sys.version_info[0] >= 3 else tokenize.generate_tokens(readline)
    kept = [(t[0], t[1]) for t in tokens if t[0] not in LEFT_OUT]
    return kept, cookies

def verdict(path_a, path_b):
    try:
        (a, a_cookies), (b, b_cookies) = program(path_a), program(path_b)
    except Exception as e:
        return 'not twins: %s: %s' % (type(e).__name__, e)
    ascii_only = all(ord(c) < 128 for token in a + b for c in token[1])
    if a != b:
        where = [i for i, (x, y) in enumerate(zip(a, b)) if x != y] or [min(len(a), len(b))]
        return 'not twins: token %d differs: %r / %r' % (where[0], a[where[0]:where[0] + 1], b[where[0]:where[0] + 1])
    if not ascii_only and a_cookies != b_cookies:
        return 'not twins: non-ASCII tokens under different coding lines %r / %r' % (a_cookies, b_cookies)
    return 'twins'
'''
PROBE = VERDICT + "print(verdict(sys.argv[1], sys.argv[2]))\n"


def same_program(path_a, path_b, python=None):
    """None if the two scripts are one program on ``python`` (default: the interpreter under test), else
    why not."""
    if not (os.path.isfile(path_a) and os.path.isfile(path_b)):
        return 'not twins: a file is missing'
    if (python or IMPL_PYTHON) == sys.executable:  # the interpreter running this: asked here, without a start
        namespace = {}
        exec(VERDICT, namespace)
        said = namespace['verdict'](path_a, path_b)
        return None if said == 'twins' else said
    try:
        with open(os.devnull, 'w') as devnull:
            said = subprocess.check_output([python or IMPL_PYTHON, '-c', PROBE, path_a, path_b],
                                           stderr=devnull).decode('ascii', 'replace').strip()
    except (OSError, subprocess.CalledProcessError) as e:
        return 'not twins: the probe did not run (%s)' % e
    return None if said == 'twins' else said


@once
def clients_are_twins(impl_dir=IMPL_DIR, python=IMPL_PYTHON):
    """(True, why) if example 2's client of ``impl_dir`` is example 1's program on ``python``; else
    (False, why not)."""
    why_not = same_program(os.path.join(impl_dir, EX1, 'client4.py'), os.path.join(impl_dir, EX2, 'client4.py'),
                           python)
    if why_not:
        return False, why_not
    return True, ('%s/client4.py is %s/client4.py but for comments and blank lines, one program on the '
                  'interpreter under test (harness/twins.py): its case runs as %s' % (EX2, EX1, EX1))
