"""How strong is the suite, and what each change of the port buys: the suite against deliberately unfaithful
ports, each of which it must catch.

    python -m tools.mutants [--jobs N] [--timeout S] [--python PY ...] [--only NAME ...] [--json OUT]
    python -m tools.mutants --tree NAME DEST    # write one variant out as a tree, to read, run or edit
    python -m tools.mutants --save NAME TREE    # after editing that tree: rewrite mutants/NAME.patch
    python -m tools.mutants --render OUT.json [--doc PATH]  # the document again from a run saved with --json

The variants live in mutants/. A NAME.patch is one porting mistake: its first line says what the mistake is,
the paragraph under it why a porter makes it and what the faithful port does instead, then header lines

    Tree: py3_port                   the tree the patch is against (default: py3_port)
    Entry: MIGRATION.md#line-end     the ledger entry whose change the variant leaves out
    Changes: nothing observable      only for a style choice: the variant must then pass every test

and then the patch. It is applied to a fresh copy of its tree, so the variants follow the port as it changes
(a patch that no longer applies is an error that names it). A folder NAME/ is a variant kept whole (2to3_raw:
what 2to3 makes of py2_original), whose README.md has the same paragraphs and header lines; its Tree: is the
tree it stands in for, and `Entry: MIGRATION.md` without an anchor means every change at once.

Interpreters: --python, repeatable (default: the one running this script). Each tree runs on those of them
whose major version it is written for (TREE_PYTHONS: py3_port on Python 3, py23_six on 2 and 3), so
`--python python3.12 --python python2.7` runs py3_port and its variants on 3.12 and py23_six and its
variants on both. Every tree that a chosen variant is made from also runs as itself, on the same
interpreters. A variant is caught when at least one test of the programs fails (outcome failed or error) on
at least one interpreter. The harness's own tests (tools/suite_against.py: harness_tests) run against every
tree too, but do not run its programs: they are counted apart, and catch nothing.

The result is printed and written to docs/mutants.md (not with --only): the table "what each change buys",
one row per ledger entry and variant, then every variant and the tests that catch it. Exit status: 0 when
every variant is caught (a variant that declares `Changes: nothing observable`: when it passes every test)
and every real tree passes every test everywhere; 1 otherwise; 2 when a run itself failed.
"""
from __future__ import print_function

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import OrderedDict

import harness
from tools import ledger, suite_against
from tools.suite_against import REPO, markdown_code

MUTANTS = os.path.join(REPO, 'mutants')
DOC = os.path.join(REPO, 'docs', 'mutants.md')
DEFAULT_TREE = 'py3_port'
TREE_PYTHONS = {'py2_original': (2,), 'py3_port': (3,), 'py23_six': (2, 3)}  # major versions; others: all
UNOBSERVABLE = 'nothing observable'  # the value of a Changes: header that declares a style choice
HEADER = re.compile(r'^(Tree|Entry|Changes):[ \t]*(.*?)[ \t]*$', re.M)
SHOWN = 4          # tests named per variant in the summaries; the matrix in docs/mutants.md has them all
LONGEST = 160      # characters of a failure line shown in the table
BUYS = '### What each change buys'  # the heading of the table shared_tests/test_repository_variants.py reads


# -- the variants and their headers ----------------------------------------------------------------------

def variants():
    """[(name, kind, path)]: kept-whole trees first, then patches, each in name order."""
    names = sorted(os.listdir(MUTANTS))
    trees = [(n, 'tree', os.path.join(MUTANTS, n)) for n in names if os.path.isdir(os.path.join(MUTANTS, n))]
    patches = [(n[:-len('.patch')], 'patch', os.path.join(MUTANTS, n)) for n in names if n.endswith('.patch')]
    return trees + patches


def _header_text(kind, path):
    with io.open(path if kind == 'patch' else os.path.join(path, 'README.md'), encoding='utf-8') as f:
        return f.read().split('\ndiff --git ')[0]


def description(kind, path):
    """The first line (the mistake) and the paragraph under it, from the patch or the tree's README.md."""
    paragraphs = [p.strip() for p in _header_text(kind, path).split('\n\n') if p.strip()]
    return paragraphs[0].lstrip('# '), ' '.join(paragraphs[1].split()) if len(paragraphs) > 1 else ''


def headers(kind, path):
    """{'Tree': ..., 'Entry': ... or None, 'Changes': ... or None} from the lines after the paragraph."""
    found = dict((m.group(1), m.group(2)) for m in HEADER.finditer(_header_text(kind, path)))
    return {'Tree': found.get('Tree') or DEFAULT_TREE, 'Entry': found.get('Entry'),
            'Changes': found.get('Changes')}


def entry_of(kind, path):
    """(ledger file, anchor or None) named by the Entry: header, or None. 'MIGRATION.md (every change at
    once)' -> ('MIGRATION.md', None)."""
    value = headers(kind, path)['Entry']
    if not value:
        return None
    target = value.split()[0]
    name, _, anchor = target.partition('#')
    return name, anchor or None


def declared_unobservable(kind, path):
    return (headers(kind, path)['Changes'] or '').strip().lower() == UNOBSERVABLE


# -- trees -----------------------------------------------------------------------------------------------

def _git(args, cwd):
    """git in a folder that is no repository (GIT_CEILING_DIRECTORIES stops it looking further up)."""
    env = dict(os.environ, GIT_CEILING_DIRECTORIES=os.path.dirname(os.path.abspath(cwd)), LC_ALL='C')
    return subprocess.run(['git', '-c', 'core.quotepath=false'] + args, cwd=cwd, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _copy_tree(tree, dest):
    source = os.path.join(REPO, tree)
    if not os.path.isdir(source):
        raise SystemExit('no tree %s at the top of the repository' % tree)
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))


def build(name, kind, path, dest):
    """Write the variant as a tree at dest (which must not exist)."""
    if kind == 'tree':
        shutil.copytree(path, dest, ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        return
    tree = headers(kind, path)['Tree']
    _copy_tree(tree, dest)
    applied = _git(['apply', '-p1', '--whitespace=nowarn', os.path.abspath(path)], dest)
    if applied.returncode != 0:
        raise SystemExit('mutants/%s.patch no longer applies to %s:\n%s\nWrite it out against the old '
                         'tree (git stash / checkout), rebase the edit by hand, and --save it again.'
                         % (name, tree, applied.stdout.decode('utf-8', 'replace')))


def save(name, tree):
    """Rewrite mutants/NAME.patch as the difference between its Tree: and tree, keeping its header."""
    path = os.path.join(MUTANTS, name + '.patch')
    header = ('TITLE: what the mistake is\n\nWhy a porter makes it, and what the faithful port does instead.\n\n'
              'Tree: py3_port\nEntry: MIGRATION.md#ANCHOR\n')
    if os.path.exists(path):
        with io.open(path, encoding='utf-8') as f:
            header = f.read().split('\ndiff --git ')[0]
    base = headers('patch', path)['Tree'] if os.path.exists(path) else DEFAULT_TREE
    work = tempfile.mkdtemp(prefix='mutant-save-')
    try:
        _copy_tree(base, os.path.join(work, 'a'))
        shutil.copytree(tree, os.path.join(work, 'b'), ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        diff = _git(['diff', '--no-index', '--no-prefix', 'a', 'b'], work)
        body = ''.join(l for l in diff.stdout.decode('utf-8').splitlines(True) if not l.startswith('index '))
    finally:
        shutil.rmtree(work)
    if not body:
        raise SystemExit('%s is the same as %s: not a variant' % (tree, base))
    with io.open(path, 'w', encoding='utf-8', newline='\n') as f:
        f.write(header.rstrip('\n') + '\n\n' + body)
    print('wrote %s' % os.path.relpath(path, REPO))


# -- interpreters and runs -------------------------------------------------------------------------------

def interpreter(python):
    """--python PY: a path, or a version ('2.7') found as the suite finds it (PATH, pyenv); SystemExit if none."""
    if re.match(r'^\d+\.\d+$', python):
        found = harness.find_python(python)
        if not found:
            raise SystemExit('--python %s: no Python %s found (PYTHON%s, PATH, pyenv)' % (
                python, python, python.replace('.', '')))
        python = found
    # A relative path would name another file from the example folders the programs start in.
    return os.path.abspath(python) if os.sep in python else python


def interpreter_version(python):
    """'3.12' for the interpreter; SystemExit if it does not run."""
    version = harness.python_version(python)
    if version == (0, 0, 0):
        raise SystemExit('--python %s does not run' % python)
    return harness.dotted(version[:2])


def runs_on(tree, versions):
    """The versions (of those given) a tree runs on."""
    majors = TREE_PYTHONS.get(tree)
    return [v for v in versions if majors is None or int(v.split('.')[0]) in majors]


def run_all(args, jobs):
    """jobs: [(name, tree folder, versions)]; interpreters: OrderedDict version -> python. Runs each job on
    each of its versions, one suite_against.run_many per interpreter; returns {name: {version: SuiteRun}}."""
    runs = OrderedDict((name, OrderedDict()) for name, _, _ in jobs)
    for version, python in args.interpreters.items():
        tasks = [('%s @ %s' % (name, version), folder) for name, folder, versions in jobs if version in versions]
        if not tasks:
            continue
        done = suite_against.run_many(argparse.Namespace(jobs=args.jobs, timeout=args.timeout, python=python),
                                      tasks)
        for name, _, versions in jobs:
            if version in versions:
                runs[name][version] = done['%s @ %s' % (name, version)]
    return runs


def failing(per_version):
    """OrderedDict version -> failing tests of the programs, for the versions where some fail."""
    found = OrderedDict((v, suite_against.programs_only(run.failing())) for v, run in per_version.items())
    return OrderedDict((v, tests) for v, tests in found.items() if tests)


def harness_failing(per_version):
    """OrderedDict version -> failing tests of the harness's own, for the versions where some fail."""
    found = OrderedDict((v, [t for t in run.failing() if not suite_against.of_programs(t)])
                        for v, run in per_version.items())
    return OrderedDict((v, tests) for v, tests in found.items() if tests)


def program_count(run):
    return len(suite_against.programs_only(run.outcomes))


def caught(per_version):
    return bool(failing(per_version))


# -- what a person sees ----------------------------------------------------------------------------------

SECTION = re.compile(r'^_+ ((?:ERROR at \w+ of )?[Tt]est.*?) _+$')  # a long title gets one _ each side
WHERE = re.compile(r'^(shared_tests/[\w/]+\.py):\d+: ')


def failure_sections(output):
    """[(title, test file, the failing statement ('>' line), the first 'E' line)] from pytest's output."""
    sections, current = [], None
    for line in output.splitlines():
        m = SECTION.match(line)
        if m:
            current = [m.group(1).replace('ERROR at setup of ', '').replace('ERROR at teardown of ', ''),
                       None, None, None]
            sections.append(current)
            continue
        if current is None:
            continue
        if current[1] is None and WHERE.match(line):
            current[1] = WHERE.match(line).group(1).split('/')[-1]
        if current[2] is None and line.startswith('>'):
            current[2] = line[1:].strip()
        if current[3] is None and line.startswith('E ') and line[1:].strip():
            current[3] = line[1:].strip()
    return sections


def first_seen(run, tests):
    """For the first of tests (in the order they ran) that fails in run: (test id, the failing statement,
    the first line of the error, (role, exception) of the program under test that died, or None); None if
    none of them fails."""
    failed = [t for t in run.outcomes if t in tests and run.outcomes[t]['outcome'] in suite_against.CAUGHT]
    if not failed:
        return None
    test = failed[0]
    outcome = run.outcomes[test]
    name = test.split('::', 1)[1].replace('::', '.')
    statement, message = None, outcome.get('message') or ''
    for title, path, gt, e in failure_sections(run.output):
        if title == name and path in (None, test.split('::')[0]):
            statement, message = gt, e or message
            break
    died = None
    for ended in outcome.get('ended') or []:
        if ended.get('under_test', True) and ended.get('exception'):
            died = (ended.get('role', '?'), ended['exception'])
            break
    return test, statement, message, died


def _short(text):
    text = ' '.join(text.split())
    return text if len(text) <= LONGEST else text[:LONGEST - 3] + '...'


def _cell(text):
    return text.replace('|', '\\|')


def seen_cell(seen):
    """`test[case]` `> the failing statement` `E the error`; the server: `UnicodeDecodeError: ...`"""
    test, statement, message, died = seen
    text = markdown_code(test.split('::', 1)[1])
    if statement:
        text += ' ' + markdown_code('> ' + _short(statement))
    if message:
        text += ' ' + markdown_code('E ' + _short(message))
    if died:
        text += '; the %s: %s' % (died[0], markdown_code(_short(died[1])))
    return _cell(text)


# -- the ledger, read through the variants' Entry: headers ------------------------------------------------

def ledgers(chosen):
    """{ledger file: ledger.Ledger} for MIGRATION.md and every other ledger a chosen variant names."""
    files = ['MIGRATION.md'] + sorted(set(e[0] for e in (entry_of(k, p) for _, k, p in chosen) if e) -
                                      set(['MIGRATION.md']))
    return OrderedDict((f, ledger.Ledger(os.path.join(REPO, f))) for f in files
                       if os.path.exists(os.path.join(REPO, f)))


def proof_functions(entry):
    """The entry's **Proven by** tests as run ids: 'test_x.py::test_y' (or with its [case])."""
    return [t.split('/', 1)[1] if t.startswith('shared_tests/') else t for t in entry.tests]


def proving(entry, tests):
    """The entry's proof tests among tests (run ids): [(proof id, [run ids])]."""
    found = []
    for proof in proof_functions(entry):
        hits = [t for t in tests if t == proof or suite_against.function_of(t) == proof]
        if hits:
            found.append((proof, hits))
    return found


def grouped(tests):
    """OrderedDict test function -> how many of its cases are in tests."""
    counts = OrderedDict()
    for t in tests:
        counts[suite_against.function_of(t)] = counts.get(suite_against.function_of(t), 0) + 1
    return counts


def named_functions(tests, limit=SHOWN):
    counts = grouped(tests)
    names = ['%s%s' % (markdown_code(f), ' x%d' % n if n > 1 else '') for f, n in list(counts.items())[:limit]]
    more = ' and %d more' % (len(counts) - limit) if len(counts) > limit else ''
    return ', '.join(names) + more


# -- the report --------------------------------------------------------------------------------------------

def buys_rows(chosen, books):
    """The rows of "what each change buys", in ledger order: (ledger file, entry, variant or None). entry is
    a ledger.Entry, None for the whole ledger (2to3_raw), or a string saying what is wrong."""
    by_entry = OrderedDict()
    for name, kind, path in chosen:
        by_entry.setdefault(entry_of(kind, path), []).append((name, kind, path))
    rows = []
    for file, book in books.items():
        for entry in book.entries:
            found = by_entry.pop((file, entry.anchor), [])
            if not found and entry.is_change:
                rows.append((file, entry, None))
            rows.extend((file, entry, v) for v in found)
    for target, found in by_entry.items():
        if target is None:
            file, entry = '?', '**no Entry: header**'
        elif target[1] is None:
            file, entry = target[0], None
        else:
            file, entry = target[0], '**no such entry**: %s#%s' % target
        rows.extend((file, entry, v) for v in found)
    return rows


def buys_table(runs, chosen, books, totals):
    lines = [BUYS, '',
             'One row per ledger entry and variant: the port without that change, as a porter would write it. '
             '"Of its proof" names the tests of the entry\'s **Proven by** that fail on the variant; '
             '`shared_tests/test_repository_variants.py` checks that every change has a variant and that its '
             'proof catches it.', '',
             '| entry | variant | tests that fail | of its proof | what a person sees first |',
             '| --- | --- | --- | --- | --- |']
    for file, entry, variant in buys_rows(chosen, books):
        if isinstance(entry, ledger.Entry):
            label = '[%s](../%s#%s)' % (_cell(entry.title.replace('`', '')), file, entry.anchor)
        elif entry is None:
            label = 'every change at once ([%s](../%s))' % (file, file)
        else:
            label = entry
        if variant is None:
            lines.append('| %s | **no variant** | | | |' % label)
            continue
        name, kind, path = variant
        link = '[`%s`](../mutants/%s%s)' % (name, name, '/' if kind == 'tree' else '.patch')
        fails = failing(runs[name])
        if fails:
            tests_cell = '; '.join('on %s: %d of %d, %s' % (v, len(t), totals[name][v], named_functions(t))
                                   for v, t in fails.items())
        else:
            tests_cell = 'none, on %s' % ', '.join(runs[name])
        proof_cell, seen = '', None
        if isinstance(entry, ledger.Entry):
            where = OrderedDict()
            for v, t in fails.items():
                for proof, _ in proving(entry, t):
                    where.setdefault(proof, []).append(v)
            every = list(runs[name])
            proof_cell = ('%d of %d: %s' % (len(where), len(proof_functions(entry)), ', '.join(
                '%s%s' % (markdown_code(p), '' if vs == every else ' (on %s)' % ', '.join(vs))
                for p, vs in where.items())) if where else 'none of %d' % len(proof_functions(entry)))
            if declared_unobservable(kind, path):
                proof_cell += ', as declared: changes nothing observable' if not fails else \
                    ', **but it is declared to change nothing observable**'
            elif not where:
                proof_cell = '**%s**' % proof_cell
            for proof in where:  # the first proof, in the ledger's order, that fails: what it shows
                for run in runs[name].values():
                    seen = first_seen(run, set(t for p, hits in proving(entry, suite_against.programs_only(
                        run.failing())) if p == proof for t in hits))
                    if seen:
                        break
                if seen:
                    break
        if seen is None:
            for run in runs[name].values():
                seen = first_seen(run, set(suite_against.programs_only(run.outcomes)))
                if seen:
                    break
        lines.append('| %s | %s | %s | %s | %s |' % (label, link, tests_cell, proof_cell,
                                                     seen_cell(seen) if seen else ''))
    return lines


def report(runs, chosen, reals, books, run_line, date):
    """The markdown written below the prose of docs/mutants.md. run_line: who ran what
    (suite_against.run_line); date: when."""
    every = suite_against.all_tests(OrderedDict(('%s @ %s' % (n, v), r) for n in runs for v, r in runs[n].items()))
    tests = suite_against.programs_only(every)
    own = [t for t in every if t not in tests]
    totals = dict((n, dict((v, program_count(r)) for v, r in runs[n].items())) for n in runs)
    lines = ['Generated on %s by `tox -e mutants`, against each variant (a fresh tree: its Tree: with the patch '
             'applied) and against a copy of each tree it is made from: %s.' % (date, run_line), '',
             'Every count below is of the tests of the programs. The harness\'s own tests (%s: %d cases, which '
             'start probe scripts of their own, not the tree\'s programs) ran against every tree too, and are '
             'counted apart: %s.' % (', '.join(sorted(set(markdown_code(t.split('::')[0]) for t in own))) or 'none',
                                     len(own), _harness_summary(runs)), '']
    lines += buys_table(runs, chosen, books, totals)
    lines += ['', '### Every variant', '',
              '| # | variant | the mistake | entry | caught by |', '| --- | --- | --- | --- | --- |']
    for number, (name, kind, path) in enumerate(chosen, 1):
        title, _ = description(kind, path)
        fails = failing(runs[name])
        if fails:
            caught_cell = '; '.join('on %s: %d of %d: %s%s' % (
                v, len(t), totals[name][v], ', '.join(markdown_code(x.split('::', 1)[1]) for x in t[:SHOWN]),
                ' and %d more' % (len(t) - SHOWN) if len(t) > SHOWN else '') for v, t in fails.items())
        else:
            caught_cell = ('passes every test, as declared' if declared_unobservable(kind, path)
                           else '**not caught**')
        target = entry_of(kind, path)
        entry_cell = ('[%s](../%s#%s)' % (target[1], target[0], target[1]) if target and target[1]
                      else 'all of %s' % target[0] if target else '**none**')
        link = '../mutants/%s%s' % (name, '/' if kind == 'tree' else '.patch')
        lines.append('| %d | [`%s`](%s) | %s | %s | %s |' % (number, name, link, _cell(title), entry_cell,
                                                            caught_cell))
    for tree in reals:
        bad = failing(runs[tree])
        lines.append('| | **%s** (the real tree) | | | %s |' % (tree, '**fails**: ' + '; '.join(
            'on %s: %s' % (v, ', '.join(markdown_code(t) for t in f)) for v, f in bad.items()) if bad else
            'passes all %s tests of the programs on %s' % (
                '/'.join(str(n) for n in sorted(set(totals[tree].values()))), ', '.join(runs[tree]))))
    lines += ['', 'Which test catches which variant (x: the test fails against it on every interpreter it ran '
              'on, or the versions where it fails; s: skipped; -: not run; numbers as above):', '',
              '| test | %s | catches |' % ' | '.join(str(n) for n in range(1, len(chosen) + 1)),
              '| --- |%s --- |' % (' :-: |' * len(chosen))]
    for test in tests:
        marks = [_mark(runs[name], test) for name, _, _ in chosen]
        lines.append('| %s | %s | %d |' % (markdown_code(test), ' | '.join(marks),
                                           len([m for m in marks if m not in ('', 's', '-')])))
    lines += ['', suite_against.suite_list(suite_against.conformance_tests())]
    return '\n'.join(lines)


def _harness_summary(runs):
    """'they passed against every tree', or which failed where: noise in the harness, not a catch."""
    bad = ['%s on %s: %s' % (n, v, ', '.join(markdown_code(t) for t in tests))
           for n in runs for v, tests in harness_failing(runs[n]).items()]
    return 'they passed against every tree' if not bad else 'some failed, which says nothing of the trees: ' + \
        '; '.join(bad)


def _mark(per_version, test):
    outcomes = [(v, run.outcomes.get(test)) for v, run in per_version.items()]
    ran = [(v, o) for v, o in outcomes if o is not None]
    if not ran:
        return '-'  # not run against this variant
    caught_on = [v for v, o in ran if o['outcome'] in suite_against.CAUGHT]
    if caught_on:
        return 'x' if len(caught_on) == len(ran) else ' '.join(caught_on)
    return 's' if all(o['outcome'] in ('skipped', 'xfailed') for _, o in ran) else ''


# -- main --------------------------------------------------------------------------------------------------

def options():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], conflict_handler='resolve')
    suite_against.add_run_options(parser, 'unused')
    parser.add_argument('--python', action='append', metavar='PY',
                        help='an interpreter to run the trees on; repeat it for several (default: this one). '
                             'A tree runs on those whose major version TREE_PYTHONS gives it')
    parser.add_argument('--only', nargs='+', metavar='NAME', help='just these variants; docs not written')
    parser.add_argument('--json', metavar='OUT', help='write every outcome here: {tree: {version: outcomes}}, '
                        'and what ran under "_about"')
    parser.add_argument('--render', metavar='JSON', help='run nothing: write the document from a run saved with '
                        '--json (the failing statements shown are the recorded messages)')
    parser.add_argument('--doc', metavar='PATH', default=DOC, help='the document --render writes (default: %s)'
                        % os.path.relpath(DOC, REPO))
    parser.add_argument('--tree', nargs=2, metavar=('NAME', 'DEST'), help='write variant NAME out at DEST')
    parser.add_argument('--save', nargs=2, metavar=('NAME', 'TREE'), help='rewrite mutants/NAME.patch from TREE')
    return parser


def main(argv=None):
    parser = options()
    args = parser.parse_args(argv)
    every = variants()
    if args.save:
        return save(*args.save)
    if args.render:
        return render(args.render, args.doc)
    if args.tree:
        found = [v for v in every if v[0] == args.tree[0]]
        if not found:
            parser.error('no variant %r; there are: %s' % (args.tree[0], ', '.join(v[0] for v in every)))
        return build(found[0][0], found[0][1], found[0][2], args.tree[1])
    chosen = [v for v in every if not args.only or v[0] in args.only]
    unknown = set(args.only or ()) - set(v[0] for v in every)
    if unknown:
        parser.error('no variant %s' % ', '.join(sorted(unknown)))
    args.interpreters = OrderedDict()
    for python in args.python or [sys.executable]:
        python = interpreter(python)
        args.interpreters.setdefault(interpreter_version(python), python)
    versions = list(args.interpreters)
    reals = [DEFAULT_TREE] + sorted(set(headers(k, p)['Tree'] for _, k, p in chosen) - set([DEFAULT_TREE]))
    for tree in reals:
        if not runs_on(tree, versions):
            parser.error('%s runs on Python %s; give such an interpreter with --python' % (
                tree, ' or '.join(str(m) for m in TREE_PYTHONS[tree])))

    work = tempfile.mkdtemp(prefix='mutants-')
    try:
        jobs = []
        for tree in reals:
            _copy_tree(tree, os.path.join(work, tree))
            jobs.append((tree, os.path.join(work, tree), runs_on(tree, versions)))
        for name, kind, path in chosen:
            build(name, kind, path, os.path.join(work, name))
            jobs.append((name, os.path.join(work, name), runs_on(headers(kind, path)['Tree'], versions)))
        runs = run_all(args, jobs)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    flat = OrderedDict(('%s @ %s' % (n, v), r) for n in runs for v, r in runs[n].items())
    used = [v for v in versions if any(v in runs[n] for n in runs)]
    full = [harness.dotted(harness.python_version(args.interpreters[v])) for v in used]
    if args.json:
        saved = OrderedDict((n, OrderedDict((v, r.outcomes) for v, r in runs[n].items())) for n in runs)
        saved['_about'] = suite_against.about(full)
        with io.open(args.json, 'w', encoding='utf-8') as f:
            f.write(json.dumps(saved, indent=1))
    if suite_against.broken_runs(flat):
        return 2
    problems = suite_against.check_against_suite(list(flat.values())) if not args.only else []
    for problem in problems:
        print('suite check: %s' % problem)

    wrong = []
    print()
    for name, kind, path in chosen:
        fails = failing(runs[name])
        quiet = declared_unobservable(kind, path)
        if bool(fails) == quiet:
            wrong.append(name)
        print('%-34s %s' % (name, '; '.join('caught on %s by %d: %s%s' % (
            v, len(t), ', '.join(x.split('::', 1)[1] for x in t[:SHOWN]),
            ', and %d more' % (len(t) - SHOWN) if len(t) > SHOWN else '') for v, t in fails.items())
            + (' -- BUT IT IS DECLARED TO CHANGE NOTHING OBSERVABLE' if quiet else '')
            if fails else 'passes every test, as declared' if quiet else 'NOT CAUGHT'))
    real_failing = [tree for tree in reals if caught(runs[tree])]
    for tree in reals:
        bad = failing(runs[tree])
        print('%-34s %s' % (tree, 'FAILS: %s' % '; '.join('on %s: %s' % (v, ', '.join(t)) for v, t in bad.items())
                            if bad else 'passes every test on %s' % ', '.join(runs[tree])))
    if not args.only:
        suite_against.write_generated(DOC, 'tox -e mutants (tools/mutants.py)',
                                      report(runs, chosen, reals, ledgers(chosen), suite_against.run_line(full),
                                             suite_against.today()))
        print('\nwrote %s' % os.path.relpath(DOC, REPO))
    if wrong or real_failing or problems:
        print('\n%s' % '; '.join(filter(None, [
            wrong and 'not as expected (caught, or passing when declared to change nothing): %s' % ', '.join(wrong),
            real_failing and 'a real tree fails: %s' % ', '.join(real_failing),
            problems and 'the suite check found %d problems' % len(problems)])))
        return 1
    print('\nevery variant is caught (the style choices pass); the real trees pass')
    return 0


def render(path, doc):
    """Write the document from a run saved with --json: the variants and real trees it holds, as they ran."""
    with io.open(path, encoding='utf-8') as f:
        saved = json.loads(f.read(), object_pairs_hook=OrderedDict)
    about = saved.pop('_about', None) or {}
    runs = OrderedDict((n, OrderedDict((v, suite_against.saved_run(n, o)) for v, o in per.items()))
                       for n, per in saved.items())
    chosen = [v for v in variants() if v[0] in runs]
    reals = [n for n in runs if n in TREE_PYTHONS]
    line = suite_against.run_line(about.get('programs') or list(OrderedDict.fromkeys(
        v for per in runs.values() for v in per)), about.get('pytest'), about.get('pytest_python'))
    suite_against.write_generated(doc, 'tox -e mutants (tools/mutants.py)',
                                  report(runs, chosen, reals, ledgers(chosen), line,
                                         about.get('date') or suite_against.today()))
    print('wrote %s' % doc)
    return 0


if __name__ == '__main__':
    sys.exit(main())
