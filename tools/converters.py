"""What the converters get wrong: 2to3, futurize and python-modernize on py2_original, measured by the suite.

    python -m tools.converters [--jobs N] [--timeout S] [--json OUT]  # what `tox -e converters` runs (Python <= 3.12)
    python -m tools.converters --render OUT.json [--doc PATH]         # the document again from a saved run

Each converter runs, as a migrating person would run it, on its own copy of py2_original (the original is
never touched: its files are compared before and after). The suite then runs against each output, under
the Python 3 running this script (which has `future` and `six`, which futurize's and python-modernize's
output import), and against a copy of py3_port. The table of which behaviours break, with the failing
tests, is printed and written to docs/converters.md below its prose, dated. Each output is scored on the
tests of its programs; the harness's own tests (tools/suite_against.py: harness_tests), which start probe
scripts rather than the programs, are counted apart. The examples are the article's two and example 3, the
threaded server that is not the article's (harness.config: EXAMPLES, EX3). The 2to3 output must also be
exactly mutants/2to3_raw, the raw 2to3 variant that tox -e mutants runs.

Exit status: 0 when every converter ran and py3_port passes (failures of the converters' output are the
findings, not errors), 1 when py3_port fails or mutants/2to3_raw is out of date, 2 when a run failed.
"""
from __future__ import print_function

import argparse
import difflib
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections import OrderedDict

import harness
from tools import ledger, suite_against
from tools.suite_against import REPO, markdown_code

ORIGINAL = os.path.join(REPO, 'py2_original')
PORT = os.path.join(REPO, 'py3_port')
RAW_2TO3 = os.path.join(REPO, 'mutants', '2to3_raw')
DOC = os.path.join(REPO, 'docs', 'converters.md')
EXAMPLES = harness.EXAMPLES + (harness.EX3,)  # the article's two, then the threaded server, not the article's
REAL = 'py3_port'


def _version(distribution):
    from importlib.metadata import version
    return version(distribution)


def _script(name):
    return os.path.join(sysconfig.get_path('scripts'), name)


def converters():
    """(name, what ran, argv without the folder): the commands a migrating person would type."""
    python = 'Python %d.%d.%d' % sys.version_info[:3]
    return [
        ('2to3', 'lib2to3 of %s: `2to3 -w -n DIR`' % python, [sys.executable, '-m', 'lib2to3', '-w', '-n']),
        ('futurize', 'future %s: `futurize --both-stages -w -n DIR`' % _version('future'),
         [_script('futurize'), '--both-stages', '-w', '-n']),
        ('python-modernize', 'modernize %s (fissix %s): `python-modernize -w -n DIR`' % (
            _version('modernize'), _version('fissix')), [_script('python-modernize'), '-w', '-n']),
    ]


def python_files(tree, examples=EXAMPLES):
    found = OrderedDict()
    for example in examples:
        for name in sorted(os.listdir(os.path.join(tree, example))):
            if name.endswith('.py'):
                with io.open(os.path.join(tree, example, name), 'rb') as f:
                    found['%s/%s' % (example, name)] = f.read()
    return found


def fingerprint(tree):
    digest = hashlib.sha256()
    for root, dirs, files in sorted(os.walk(tree)):
        dirs.sort()
        for name in sorted(files):
            with open(os.path.join(root, name), 'rb') as f:
                digest.update(os.path.relpath(os.path.join(root, name), tree).encode() + b'\0' + f.read())
    return digest.hexdigest()


def convert(name, argv, dest):
    """Copy py2_original's programs to dest and run the converter there; return its output."""
    for example in EXAMPLES:
        shutil.copytree(os.path.join(ORIGINAL, example), os.path.join(dest, example))
    done = subprocess.run(argv + [dest], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = done.stdout.decode('utf-8', 'replace')
    if done.returncode != 0:
        raise SystemExit('%s failed (exit status %d):\n%s' % (name, done.returncode, output))
    return output


def diff(tree, label):
    """What the converter changed, as a unified diff of py2_original and its output."""
    before, after = python_files(ORIGINAL), python_files(tree)
    lines = []
    for path in before:
        lines += difflib.unified_diff(before[path].decode('utf-8').splitlines(True),
                                      after[path].decode('utf-8').splitlines(True),
                                      'py2_original/%s' % path, '%s/%s' % (label, path), n=1)
    return ''.join(lines)


def _ran(run, programs=True):
    """The tests that ran (not skipped: a test for the other family), of the programs (or the harness's own)."""
    return [t for t, o in run.outcomes.items() if o['outcome'] not in ('skipped', 'xfailed')
            and suite_against.of_programs(t) == programs]


def _passed(run, programs=True):
    """'47 of 154 (2 skipped)': the tests of the programs (or the harness's own) that passed, of those that ran."""
    ran = _ran(run, programs)
    skipped = len([t for t in run.outcomes if suite_against.of_programs(t) == programs]) - len(ran)
    return '%d of %d%s' % (len([t for t in ran if t not in run.failing()]), len(ran),
                           ' (%d skipped)' % skipped if skipped else '')


def changed(before, after):
    """'removes 9, adds 54': the lines a tree removes from py2_original and adds, as `diff -ru` counts them."""
    removed = added = 0
    for path in before:
        old = before[path].decode('utf-8').splitlines()
        new = after.get(path, b'').decode('utf-8').splitlines()
        for op, i1, i2, j1, j2 in ledger.opcodes(old, new):
            if op != 'equal':
                removed, added = removed + i2 - i1, added + j2 - j1
    return 'removes %d, adds %d' % (removed, added)


def report(runs, made, diffs, run_line, date, changes):
    """The markdown below the prose of docs/converters.md. run_line: who ran what (suite_against.run_line);
    changes: {label: changed(...)} for each converter, py3_port and py23_six."""
    labels = [name for name, _, _ in made] + [REAL]
    tests = suite_against.programs_only(suite_against.all_tests(runs))
    lines = ['Generated on %s by `tox -e converters`: %s. Each converter ran on a copy of py2_original; the suite '
             'ran against its output as it was written, and against a copy of py3_port.' % (date, run_line), '',
             'Each tree is scored on the tests of its programs. The harness\'s own tests (%s), which start probe '
             'scripts of their own rather than the programs, ran against each tree too: %s.' % (
                 ', '.join(sorted(set(markdown_code(t.split('::')[0]) for t in suite_against.all_tests(runs)
                                      if not suite_against.of_programs(t)))) or 'none',
                 '; '.join('%s %s passed' % (l, _passed(runs[l], programs=False)) for l in labels)), '',
             '| converter | what ran | lines of `py2_original` it changes | tests of the programs passed | what the '
             'programs died of |', '| --- | --- | --- | --- | --- |']
    for name, what, _ in made:
        run = runs[name]
        lines.append('| **%s** | %s | %s | %s | %s |' % (
            name, what, changes.get(name, ''), _passed(run),
            '<br>'.join('%s (%s)' % (markdown_code(e), ', '.join(s)) for e, s in died_of(run).items()) or '-'))
    real = runs[REAL]
    lines.append('| **%s** | the port in this repository | %s | %s | |' % (REAL, changes.get(REAL, ''), _passed(real)))
    if 'py23_six' in changes:
        lines.append('| **py23_six** | the straddle in this repository (not run here: `tox -e six-py312`) | %s | | |'
                     % changes['py23_six'])

    areas = suite_against.test_file_areas()
    lines += ['', 'Broken behaviours, by test file (failing tests of the programs, of all that ran):', '',
              '| behaviour | %s |' % ' | '.join(labels), '| --- |%s' % (' :-: |' * len(labels))]
    for area_file, area in areas.items():
        in_area = [t for t in tests if t.split('::')[0] == area_file]
        if in_area:
            lines.append('| %s (%s) | %s |' % (area, markdown_code(area_file), ' | '.join(
                '%d of %d' % (len([t for t in in_area if t in runs[l].failing()]),
                              len([t for t in in_area if t in _ran(runs[l])]))
                for l in labels)))
    lines += ['', 'Test by test (the tests of the programs):', '', '| test | %s |' % ' | '.join(labels),
              '| --- |%s' % (' :-: |' * len(labels))]
    for test in tests:
        lines.append('| %s | %s |' % (markdown_code(test), ' | '.join(
            _cell(runs[l].outcomes.get(test)) for l in labels)))
    for name, _, _ in made:
        lines += ['', '<details><summary>What %s changed</summary>' % name, '', '```diff',
                  diffs[name].rstrip('\n'), '```', '', '</details>']
    lines += ['', suite_against.suite_list(suite_against.conformance_tests())]
    return '\n'.join(lines)


def died_of(run):
    """{last exception line: scripts that printed it}: the programs of the tree under test, in the failing
    tests (Ctrl-C sent by a test, and end of input, which the article's client answers with EOFError, left
    out)."""
    found = OrderedDict()
    for test in run.failing():
        for program in run.outcomes[test]['ended']:
            exception = program['exception']
            if exception and program.get('under_test', True) and not exception.startswith(('KeyboardInterrupt', 'EOFError')):
                scripts = found.setdefault(exception, [])
                if program['script'] not in scripts:
                    scripts.append(program['script'])
    return found


def _cell(outcome):
    if outcome is None:
        return '-'
    return {'failed': 'fails', 'error': 'error', 'skipped': 'skipped', 'xfailed': 'skipped'}.get(
        outcome['outcome'], 'ok')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    suite_against.add_run_options(parser, 'the Python 3 that runs the output')
    parser.add_argument('--json', metavar='OUT', help='also save the run here, to --render it again')
    parser.add_argument('--render', metavar='JSON', help='run nothing: write the document from a run saved with '
                        '--json')
    parser.add_argument('--doc', metavar='PATH', default=DOC, help='the document --render writes (default: %s)'
                        % os.path.relpath(DOC, REPO))
    args = parser.parse_args(argv)
    if args.render:
        return render(args.render, args.doc)
    made = converters()
    before = fingerprint(ORIGINAL)
    work = tempfile.mkdtemp(prefix='converters-')
    problems = []
    diffs = {}
    changes = OrderedDict()
    try:
        tasks = [(REAL, os.path.join(work, REAL))]
        shutil.copytree(PORT, tasks[0][1], ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        for name, what, argv in made:
            tree = os.path.join(work, name)
            print('%s: %s' % (name, what))
            convert(name, argv, tree)
            diffs[name] = diff(tree, name)
            changes[name] = changed(python_files(ORIGINAL), python_files(tree))
            tasks.append((name, tree))
        for tree in (REAL, 'py23_six'):
            changes[tree] = changed(python_files(ORIGINAL), python_files(os.path.join(REPO, tree)))
        if python_files(tasks[1][1]) != python_files(RAW_2TO3):
            problems.append('mutants/2to3_raw is not what 2to3 writes now; copy the example folders of a '
                            'fresh 2to3 run of py2_original over it')
        if fingerprint(ORIGINAL) != before:
            raise SystemExit('py2_original changed while the converters ran: they must work on copies')
        runs = suite_against.run_many(args, tasks)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    if suite_against.broken_runs(runs):
        return 2
    problems += ['suite check: %s' % p for p in suite_against.check_against_suite(list(runs.values()))]
    if runs[REAL].failing():
        problems.append('py3_port fails %s: the table cannot be trusted' % ', '.join(runs[REAL].failing()))
    print()
    for name, _, _ in made:
        print('%-18s passes %s tests' % (name, _passed(runs[name])))
        for exception, scripts in died_of(runs[name]).items():
            print('%-18s   %s died of %s' % ('', ', '.join(scripts), exception))
    programs = [harness.dotted(harness.python_version(args.python))]
    if args.json:
        saved = OrderedDict([('runs', OrderedDict((l, r.outcomes) for l, r in runs.items())),
                             ('made', [[name, what] for name, what, _ in made]), ('diffs', diffs),
                             ('changes', changes), ('about', suite_against.about(programs))])
        with io.open(args.json, 'w', encoding='utf-8') as f:
            f.write(json.dumps(saved, indent=1))
    suite_against.write_generated(DOC, 'tox -e converters (tools/converters.py)',
                                  report(runs, made, diffs, suite_against.run_line(programs), suite_against.today(),
                                         changes))
    print('\nwrote %s' % os.path.relpath(DOC, REPO))
    for problem in problems:
        print('PROBLEM: %s' % problem)
    return 1 if problems else 0


def render(path, doc):
    """Write the document from a run saved with --json."""
    with io.open(path, encoding='utf-8') as f:
        saved = json.loads(f.read(), object_pairs_hook=OrderedDict)
    runs = OrderedDict((l, suite_against.saved_run(l, o)) for l, o in saved['runs'].items())
    made = [(name, what, None) for name, what in saved['made']]
    about = saved.get('about') or {}
    line = suite_against.run_line(about.get('programs') or ['?'], about.get('pytest'), about.get('pytest_python'))
    suite_against.write_generated(doc, 'tox -e converters (tools/converters.py)',
                                  report(runs, made, saved['diffs'], line, about.get('date') or suite_against.today(),
                                         saved.get('changes') or {}))
    print('wrote %s' % doc)
    return 0


if __name__ == '__main__':
    sys.exit(main())
