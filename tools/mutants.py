"""How strong is the suite: run it against deliberately unfaithful ports, each of which it must catch.

    python -m tools.mutants [--jobs N] [--timeout S] [--only NAME ...]  # what `tox -e mutants` runs
    python -m tools.mutants --tree NAME DEST    # write one variant out as a tree, to read, run or edit
    python -m tools.mutants --save NAME TREE    # after editing that tree: rewrite mutants/NAME.patch

The variants live in mutants/: a NAME.patch is one porting mistake, a small patch against py3_port whose
first paragraph says what the mistake is; it is applied to a fresh copy of py3_port, so the variants follow
the port as it changes (a patch that no longer applies is an error that names it). A folder NAME/ is a
variant kept whole (2to3_raw: what 2to3 makes of py2_original), with a README.md saying what it is.

The suite runs against every variant and against a copy of py3_port (tools/suite_against.py); the result
is printed and written to docs/mutants.md (not with --only). Exit status: 0 when every variant is caught by
at least one test and the real port passes every test, 1 otherwise, 2 when a run itself failed.
"""
from __future__ import print_function

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile

from tools import suite_against
from tools.suite_against import REPO, markdown_code

MUTANTS = os.path.join(REPO, 'mutants')
PORT = os.path.join(REPO, 'py3_port')
DOC = os.path.join(REPO, 'docs', 'mutants.md')
REAL = 'py3_port'
SHOWN = 4  # tests named per variant in the summaries; the matrix in docs/mutants.md has them all


def variants():
    """[(name, kind, path)]: kept-whole trees first, then patches, each in name order."""
    names = sorted(os.listdir(MUTANTS))
    trees = [(n, 'tree', os.path.join(MUTANTS, n)) for n in names if os.path.isdir(os.path.join(MUTANTS, n))]
    patches = [(n[:-len('.patch')], 'patch', os.path.join(MUTANTS, n)) for n in names if n.endswith('.patch')]
    return trees + patches


def description(kind, path):
    """The first line (the mistake) and the paragraph under it, from the patch or the tree's README.md."""
    with io.open(path if kind == 'patch' else os.path.join(path, 'README.md'), encoding='utf-8') as f:
        text = f.read().split('\ndiff --git ')[0]
    paragraphs = [p.strip() for p in text.split('\n\n') if p.strip()]
    return paragraphs[0].lstrip('# '), ' '.join(paragraphs[1].split()) if len(paragraphs) > 1 else ''


def _git(args, cwd):
    """git in a folder that is no repository (GIT_CEILING_DIRECTORIES stops it looking further up)."""
    env = dict(os.environ, GIT_CEILING_DIRECTORIES=os.path.dirname(os.path.abspath(cwd)), LC_ALL='C')
    return subprocess.run(['git', '-c', 'core.quotepath=false'] + args, cwd=cwd, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _copy_port(dest):
    shutil.copytree(PORT, dest, ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))


def build(name, kind, path, dest):
    """Write the variant as a tree at dest (which must not exist)."""
    if kind == 'tree':
        shutil.copytree(path, dest, ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        return
    _copy_port(dest)
    applied = _git(['apply', '-p1', '--whitespace=nowarn', os.path.abspath(path)], dest)
    if applied.returncode != 0:
        raise SystemExit('mutants/%s.patch no longer applies to py3_port:\n%s\nWrite it out against the old '
                         'port (git stash / checkout), rebase the edit by hand, and --save it again.'
                         % (name, applied.stdout.decode('utf-8', 'replace')))


def save(name, tree):
    """Rewrite mutants/NAME.patch as the difference between py3_port and tree, keeping its header."""
    path = os.path.join(MUTANTS, name + '.patch')
    header = 'TITLE: what the mistake is\n\nWhy a porter makes it, and what the faithful port does instead.\n'
    if os.path.exists(path):
        with io.open(path, encoding='utf-8') as f:
            header = f.read().split('\ndiff --git ')[0]
    work = tempfile.mkdtemp(prefix='mutant-save-')
    try:
        _copy_port(os.path.join(work, 'a'))
        shutil.copytree(tree, os.path.join(work, 'b'), ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        diff = _git(['diff', '--no-index', '--no-prefix', 'a', 'b'], work)
        body = ''.join(l for l in diff.stdout.decode('utf-8').splitlines(True) if not l.startswith('index '))
    finally:
        shutil.rmtree(work)
    if not body:
        raise SystemExit('%s is the same as py3_port: not a variant' % tree)
    with io.open(path, 'w', encoding='utf-8', newline='\n') as f:
        f.write(header.rstrip('\n') + '\n\n' + body)
    print('wrote %s' % os.path.relpath(path, REPO))


def report(runs, chosen, python):
    """The markdown written below the prose of docs/mutants.md."""
    real = runs[REAL]
    tests = suite_against.all_tests(runs)
    lines = ['Suite run with %s against each variant (a fresh tree: py3_port with the patch applied) and '
             'against a copy of py3_port.' % suite_against.environment_line(python), '',
             '| # | variant | the mistake | caught by |', '| --- | --- | --- | --- |']
    for number, (name, kind, path) in enumerate(chosen, 1):
        title, _ = description(kind, path)
        failing = runs[name].failing()
        named = ', '.join(markdown_code(t.split('::', 1)[1]) for t in failing[:SHOWN])
        more = ' and %d more' % (len(failing) - SHOWN) if len(failing) > SHOWN else ''
        caught = ('%d of %d: %s%s' % (len(failing), len(runs[name].outcomes), named, more)
                  if failing else '**not caught**')
        link = '../mutants/%s%s' % (name, '/' if kind == 'tree' else '.patch')
        lines.append('| %d | [`%s`](%s) | %s | %s |' % (number, name, link, title.replace('|', '\\|'), caught))
    lines.append('| | **%s** (the real port) | | %s |' % (REAL, '**fails**: ' + ', '.join(
        markdown_code(t) for t in real.failing()) if real.failing() else 'passes all %d tests' % len(tests)))
    lines += ['', 'Which test catches which variant (x: the test fails against it; numbers as above):', '',
              '| test | %s | catches |' % ' | '.join(str(n) for n in range(1, len(chosen) + 1)),
              '| --- |%s --- |' % (' :-: |' * len(chosen))]
    for test in tests:
        marks = [_mark(runs[name].outcomes.get(test)) for name, _, _ in chosen]
        lines.append('| %s | %s | %d |' % (markdown_code(test), ' | '.join(marks), marks.count('x')))
    lines += ['', suite_against.suite_list(suite_against.conformance_tests())]
    return '\n'.join(lines)


def _mark(outcome):
    if outcome is None:
        return '-'  # not run against this variant
    return {'failed': 'x', 'error': 'x', 'skipped': 's', 'xfailed': 's'}.get(outcome['outcome'], '')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    suite_against.add_run_options(parser, 'the interpreter that runs the variants')
    parser.add_argument('--only', nargs='+', metavar='NAME', help='just these variants; docs not written')
    parser.add_argument('--tree', nargs=2, metavar=('NAME', 'DEST'), help='write variant NAME out at DEST')
    parser.add_argument('--save', nargs=2, metavar=('NAME', 'TREE'), help='rewrite mutants/NAME.patch from TREE')
    args = parser.parse_args(argv)
    every = variants()
    if args.save:
        return save(*args.save)
    if args.tree:
        found = [v for v in every if v[0] == args.tree[0]]
        if not found:
            parser.error('no variant %r; there are: %s' % (args.tree[0], ', '.join(v[0] for v in every)))
        return build(found[0][0], found[0][1], found[0][2], args.tree[1])
    chosen = [v for v in every if not args.only or v[0] in args.only]
    unknown = set(args.only or ()) - set(v[0] for v in every)
    if unknown:
        parser.error('no variant %s' % ', '.join(sorted(unknown)))

    work = tempfile.mkdtemp(prefix='mutants-')
    try:
        tasks = [(REAL, os.path.join(work, REAL))]
        _copy_port(tasks[0][1])
        for name, kind, path in chosen:
            tree = os.path.join(work, name)
            build(name, kind, path, tree)
            tasks.append((name, tree))
        runs = suite_against.run_many(args, tasks)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    if suite_against.broken_runs(runs):
        return 2
    problems = suite_against.check_against_suite(list(runs.values())) if not args.only else []
    for problem in problems:
        print('suite check: %s' % problem)

    escaped = [name for name, _, _ in chosen if not runs[name].failing()]
    real_failing = runs[REAL].failing()
    print()
    for name, kind, path in chosen:
        failing = runs[name].failing()
        more = ', and %d more' % (len(failing) - SHOWN) if len(failing) > SHOWN else ''
        print('%-28s %s' % (name, ('caught by %d: %s%s' % (len(failing), ', '.join(
            t.split('::', 1)[1] for t in failing[:SHOWN]), more)) if failing else 'NOT CAUGHT'))
    print('%-28s %s' % (REAL, 'FAILS: %s' % ', '.join(real_failing) if real_failing else
                        'passes all %d tests' % len(runs[REAL].outcomes)))
    if not args.only:
        suite_against.write_generated(DOC, 'tox -e mutants (tools/mutants.py)', report(runs, chosen, args.python))
        print('\nwrote %s' % os.path.relpath(DOC, REPO))
    if escaped or real_failing or problems:
        print('\n%s' % '; '.join(filter(None, [
            escaped and 'not caught: %s' % ', '.join(escaped),
            real_failing and 'the real port fails %d tests' % len(real_failing),
            problems and 'the suite check found %d problems' % len(problems)])))
        return 1
    print('\nevery variant is caught; the real port passes')
    return 0


if __name__ == '__main__':
    sys.exit(main())
