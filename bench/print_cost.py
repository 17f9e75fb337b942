# -*- coding: utf-8 -*-
"""What the server's print line costs, alone, on the interpreter running this (Python 2.7 or 3.x).

    python print_cost.py SERVER_SCRIPT RESULT_JSON

Runs the script's own lines before ``HOST =`` (its imports and, in the port, the re-wrapping of stdout as
Latin-1), then times its ``print ... 'Received' ...`` line, as published, with ``data`` a 16-byte and a
1024-byte message (the most one ``recv(1024)`` gives) and stdout wherever the caller put it (the bench
uses /dev/null, as for the servers). On Python 3 it also times the line's parts: the Latin-1 decode alone,
and the same bytes written with one ``sys.stdout.buffer.write()``. No socket is opened. Writes the best
per-call times in microseconds to RESULT_JSON; stdout is for the print line only.
"""
import __future__
import json
import sys
import timeit

SIZES = (16, 1024)
TARGET_S = 0.05  # each timing repeat runs about this long
REPEATS = 5


def lines_of(script):
    """The script's lines as bytes: compile() then honours its coding line, on Python 2 and 3."""
    with open(script, 'rb') as f:
        return f.read().splitlines()


def future_flags(namespace):
    """The compiler flags of the script's ``from __future__ import ...`` lines (py23_six's print_function: on
    Python 2 its print line is a call, not a statement printing a tuple)."""
    return sum(value.compiler_flag for value in namespace.values() if isinstance(value, __future__._Feature))


def best_per_call(stmt, namespace):
    """Microseconds per execution of stmt, in a loop compiled in the script's namespace, as the script's own
    lines are (its __future__ imports hold); best of REPEATS."""
    namespace['_range'] = range if sys.version_info[0] >= 3 else xrange  # noqa: F821 (Python 2)
    exec(compile('def _loop(_n):\n    for _i in _range(_n):\n        %s\n' % stmt, '<print line>', 'exec',
                 future_flags(namespace), True), namespace)
    loop, clock = namespace['_loop'], timeit.default_timer

    def run(n):
        start = clock()
        loop(n)
        return clock() - start

    n = 1
    while run(n) < TARGET_S / 5:
        n *= 2
    n = max(1, int(n * TARGET_S / max(run(n), 1e-9)))
    return min(run(n) for _ in range(REPEATS)) / n * 1e6


def main(argv):
    script, result = argv[1], argv[2]
    lines = lines_of(script)
    preamble = []
    for line in lines:
        if line.startswith(b'HOST'):
            break
        preamble.append(line)
    printing = [l.strip() for l in lines if l.strip().startswith(b'print') and b"'Received'" in l]
    if len(printing) != 1:
        sys.stderr.write('print_cost.py: no single Received print line in %s\n' % script)
        return 2
    stmt = printing[0].split(b'#')[0].strip().decode('ascii')
    namespace = {'__name__': '__print_cost__'}
    exec(compile(b'\n'.join(preamble) + b'\n', script, 'exec'), namespace)
    out = {'line': stmt, 'print_us': {}, 'decode_us': {}, 'buffer_write_us': {}}
    for size in SIZES:
        namespace['data'] = b'x' * size
        out['print_us'][str(size)] = best_per_call(stmt, namespace)
        if sys.version_info[0] >= 3:
            # The parts: the Latin-1 decode alone, and the same bytes written in one call to the buffer
            # under the text layer (what the line would cost without print() and TextIOWrapper).
            out['decode_us'][str(size)] = best_per_call("data.decode('latin-1')", namespace)
            namespace['_stdout'] = sys.stdout
            out['buffer_write_us'][str(size)] = best_per_call(
                "_stdout.buffer.write(b'Received ' + data + b'\\n')", namespace)
    sys.stdout.flush()
    with open(result, 'w') as f:
        json.dump(out, f)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
