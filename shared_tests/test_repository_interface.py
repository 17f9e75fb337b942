# -*- coding: utf-8 -*-
"""The README's "Testing a port of your own": IMPL_DIR names another tree, and only conformance tests run."""
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

import harness

pytestmark = pytest.mark.repository


def collected(impl_dir):
    """The README's command, collecting only: python -m pytest shared_tests, with IMPL_DIR set."""
    env = dict(os.environ, IMPL_DIR=impl_dir)
    env.pop('IMPL_PYTHON', None)
    proc = subprocess.Popen([sys.executable, '-m', 'pytest', 'shared_tests', '--collect-only', '-q',
                             '-p', 'no:cacheprovider'], cwd=harness.REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = proc.communicate()[0].decode('utf-8', 'replace')
    assert proc.returncode == 0, output
    tests = [line for line in output.splitlines() if line.startswith('shared_tests/')]
    return tests, output


def test_a_port_of_your_own_gets_only_the_conformance_tests():
    workdir = tempfile.mkdtemp(prefix='p23-port-')
    try:
        port = os.path.join(workdir, 'my_port')
        shutil.copytree(os.path.join(harness.REPO, 'py3_port'), port)
        tests, output = collected(port)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    files = sorted(set(t.split('::')[0] for t in tests))
    assert 'shared_tests/test_bytes.py' in files, output
    assert [f for f in files if f.startswith('shared_tests/test_repository_')] == [], output
    assert 'deselected' in output, output
