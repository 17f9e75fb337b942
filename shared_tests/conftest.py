"""pytest wiring for the shared suite: its fixtures and hooks live in harness/fixtures.py.

IMPL_DIR     the tree to test (default: py2_original when IMPL_PYTHON is a Python 2, else py3_port)
IMPL_PYTHON  the interpreter that runs it (default: the one running pytest)
CI           when set, what a test needs and cannot find (an interpreter, a locale) fails instead of skipping
PYTHON27, PYTHON3
             the interpreters of the differential and interop tests (default: found on PATH and in pyenv)

Run it from the top of the repository: ``python -m pytest shared_tests`` (``-m`` makes ``harness`` importable).
"""
from harness.fixtures import *  # noqa: F401,F403  (fixtures: session, oracle, ported, locale_env; the hooks)
