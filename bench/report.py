"""Turn docs/benchmarks.json (written by run.py) into docs/benchmarks.md and docs/benchmarks-blocking.png.

    python3 bench/report.py [docs/benchmarks.json]

Every figure in the page, prose included, is computed here from the JSON, so a rerun of ``tox -e bench``
regenerates all of it. Medians are over the repetitions of one run; "min–max" is their range.
"""
from __future__ import division, print_function

import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PLOT = 'benchmarks-blocking.png'
METHOD = 'benchmarks-method.md'  # how it is measured, beside this page
EX2, EX3 = 'example2_accept_loop', 'example3_threaded'  # harness.config's; EX3 is not the article's
KEEP_UP_FROM = (3, 11)  # on this Python and later the port must not be slower than the original
MARGIN = 0.03  # "slower" means: by more than this, and beyond the run-to-run spread


# -- servers: py27 (the original), py36 ... (the port), six-py27, six-py36 ... (py23_six, the straddle) ---------

def is_straddle(name):
    return name.startswith('six-')


def python_of(name):
    """(major, minor) of the Python a server runs on, from its name: py27 -> (2, 7), six-py315 -> (3, 15)."""
    digits = name.split('py')[-1]
    return int(digits[0]), int(digits[1:])


# -- numbers -----------------------------------------------------------------------------------------------

def rate(r):
    return r['rounds'] * 1e9 / r['elapsed_ns']


def mbps(r):
    return r['bytes'] * 1e3 / r['elapsed_ns']  # 10^6 bytes per second


def cpu_us(r):
    return r['server_cpu_ns'] / 1e3 / r['rounds'] if r['server_cpu_ns'] >= 0 else None


def client_cpu_us(r):
    return r['client_cpu_ns'] / 1e3 / r['rounds'] if r['client_cpu_ns'] >= 0 else None


class Stat(object):
    """Median, min and max of one metric over the repetitions."""

    def __init__(self, values):
        values = [v for v in values if v is not None]
        self.n = len(values)
        self.median = statistics.median(values) if values else None
        self.min = min(values) if values else None
        self.max = max(values) if values else None

    def __bool__(self):
        return self.n > 0


def pick(rows, **where):
    return [r for r in rows if all(r.get(k) == v for k, v in where.items())]


def stat(rows, metric, **where):
    return Stat([metric(r) for r in pick(rows, **where)])


def thousands(x):
    return '{:,.0f}'.format(x)


def one(x):
    return '%.1f' % x


def two(x):
    return '%.2f' % x


def spread(s, fmt):
    if not s:
        return '—'
    if s.n == 1:
        return fmt(s.median)
    return '%s (%s–%s)' % (fmt(s.median), fmt(s.min), fmt(s.max))


def ratio(a, b):
    if not a or not b or not b.median:
        return '—'
    return '×%.2f' % (a.median / b.median)


def verdict(port, base):
    """'slower', 'faster' or 'same' (higher is better): slower only when the port's median is more than
    MARGIN below the original's and the two min–max ranges do not overlap."""
    if not port or not base:
        return None
    if port.max < base.min and port.median < base.median * (1 - MARGIN):
        return 'slower'
    if port.min > base.max and port.median > base.median * (1 + MARGIN):
        return 'faster'
    return 'same'


# -- the page ----------------------------------------------------------------------------------------------

class Page(object):
    def __init__(self, data):
        self.data = data
        self.meta = data['meta']
        self.lines = []
        self.echo = data['echo']
        self.cases = [c['name'] for c in self.meta['settings']['cases']]
        self.size = {c['name']: c['size'] for c in self.meta['settings']['cases']}
        self.base = self.meta['baseline']
        self.pythons = sorted(self.meta['interpreters'], key=self.order)  # every Python server
        self.ports = [n for n in self.pythons if n != self.base and not is_straddle(n)]
        self.straddles = [n for n in self.pythons if is_straddle(n)]
        self.must_keep_up = [n for n in self.ports if python_of(n) >= KEEP_UP_FROM]
        # the straddle is compared on 2.7 and on the same newer Pythons
        self.straddles_compared = [n for n in self.straddles
                                   if python_of(n) == (2, 7) or python_of(n) >= KEEP_UP_FROM]

    @staticmethod
    def order(name):
        """The original, the port from 3.6 up, then the straddle from 2.7 up."""
        return (is_straddle(name),) + python_of(name)

    def label(self, name):
        if name in self.meta['interpreters']:
            v = self.meta['interpreters'][name]
            if name == self.base:
                return 'original, Python %s' % v
            return ('straddle, Python %s' if is_straddle(name) else 'port, Python %s') % v
        return {'socat': 'socat (native echo)', 'sockperf': 'sockperf (native ping-pong)'}.get(name, name)

    def add(self, *lines):
        self.lines.extend(lines)

    def table(self, header, rows):
        self.add('| ' + ' | '.join(header) + ' |', '| ' + ' | '.join('---' for _ in header) + ' |')
        for row in rows:
            self.add('| ' + ' | '.join(row) + ' |')
        self.add('')

    def placements(self):
        return [p for p in ('same core', 'cross core') if p in self.meta['placements']]

    def cases_in(self, placement):
        return [c for c in self.cases if pick(self.echo, placement=placement, case=c)]

    def metric(self, case):
        return mbps if self.size[case] >= 1 << 20 else rate

    def servers_in(self, placement, wanted=None):
        """The servers measured in this placement, in the page's order; only those of ``wanted`` if given."""
        names = set(r['server'] for r in pick(self.echo, placement=placement))
        return [n for n in self.pythons + ['socat', 'sockperf'] if n in names and (wanted is None or n in wanted)]

    def newest_port(self):
        """The port in the blocking and unpinned runs: on the newest Python 3 found (None: none found)."""
        ports = [s for s in self.meta['settings']['blocking']['servers'] if s != self.base]
        return ports[-1] if ports else None

    def compared(self):
        """Who the blocking and unpinned runs compare, in words."""
        newest = self.newest_port()
        return 'the original on 2.7' + (' and the port on the newest Python 3 found, %s' % (
            self.meta['interpreters'][newest]) if newest else '')

    def six_text(self):
        return 'six %s (the bench env\'s, on `PYTHONPATH`)' % self.meta['six']

    def where(self, placement):
        p = self.meta['placements'][placement]
        return 'server on CPU %s, client on CPU %s' % (
            ','.join(map(str, p['server_cpus'])), ','.join(map(str, p['client_cpus'])))

    # -- sections ----------------------------------------------------------------------------------------
    def header(self):
        m, load = self.meta, self.meta.get('load', {})
        self.add('# Benchmarks: what the port costs, and what blocking costs', '',
                 'Generated by `tox -e bench` (`bench/run.py`, then `bench/report.py`) on %s; the raw numbers are '
                 'in [`benchmarks.json`](benchmarks.json). Do not edit this page: rerun the env. How it is '
                 'measured: [%s](%s).' % (m['date'], METHOD, METHOD), '')
        mach = m['machine']
        plain = [n for n in self.pythons if not is_straddle(n)]
        rows = [('CPU', '%s, %d CPUs (%s)' % (mach['cpu'], mach['cpus'], mach['arch'])),
                ('kernel', '%s (%s)' % (mach['kernel'], mach['os'])),
                ('interpreters', ', '.join('%s %s' % (n, m['interpreters'][n]) for n in plain)),
                ('builds', 'shared `libpython` (`--enable-shared`, pyenv\'s default): %s' % (
                    ', '.join(n for n in plain if m.get('shared_libpython', {}).get(n)) or 'none')),
                ('straddle', 'py23_six on %s, with %s' % (', '.join('%d.%d' % python_of(n) for n in self.straddles),
                                                          self.six_text()) if self.straddles else 'not measured'),
                ('native floor', ', '.join('%s %s' % (t, m['tools'][t]) for t in ('socat', 'sockperf')
                                           if m['tools'].get(t)) or 'none installed'),
                ('load generator', '`bench/echo_client.c`, built with %s' % m['tools']['cc']),
                ('profiler', 'perf %s' % m['tools']['perf'] if m['tools'].get('perf') else 'none'),
                ('settings', '%d repetitions of each measurement, %.2f s of round trips each after a warm-up; '
                             'stdout of every server to /dev/null' % (m['settings']['reps'], m['settings']['seconds'])),
                ('load during the run', 'load average %s at the start, %s at the end; the machine was %.0f%% busy, '
                 'this run about %.0f%%, other processes about %.0f%% (of all CPUs); run time %.0f s' % (
                     ' '.join(load.get('loadavg_start', '').split()[:3]), ' '.join(load.get('loadavg_end', '').split()[:3]),
                     100 * load.get('machine_busy', 0), 100 * load.get('bench_busy', 0),
                     100 * load.get('others_busy', 0), m.get('duration_s', 0)))]
        self.table(['', 'this run'], [('**%s**' % k, v) for k, v in rows])
        for note in m.get('notes', []):
            self.add('> Note: ' + note, '')

    def summary(self):
        self.add('## What it means for a migration', '')
        same = 'same core'
        bullets = []
        # The goal: not slower on 3.11+.
        slower = self.slower_in(same)
        parts = []
        for case in self.cases_in(same):
            metric = self.metric(case)
            base = stat(self.echo, metric, placement=same, case=case, server=self.base)
            ratios = ['%s %s' % (port, ratio(stat(self.echo, metric, placement=same, case=case, server=port), base))
                      for port in self.must_keep_up]
            parts.append('%s: %s' % (case, ', '.join(ratios)))
        bullets.append('**Is Python 3 slower for this code?** Throughput of the port relative to the original '
                       '(×1.00 = the same; same core) — ' + '; '.join(parts) + '. ' + (
                           'On 3.11+ the port is nowhere slower than the original (slower would mean: by more than '
                           '%d %%, with the min–max ranges apart).' % (100 * MARGIN) if not slower else
                           'Slower by more than %d %%, with the min–max ranges apart: %s; see "Where the time goes" '
                           'below.' % (100 * MARGIN, ', '.join('%s at %s' % s for s in slower))))
        bullets += [b for b in (self.straddle_sentence(same), self.why_sentence(), self.floor_sentence(same),
                                self.nagle_sentence(),
                                self.blocking_sentence(), self.threaded_sentence(), self.placement_sentence(),
                                self.client_sentence()) if b]
        for b in bullets:
            self.add('- ' + b)
        self.add('')
        self.slower = slower

    def straddle_sentence(self, placement):
        """py23_six against the original on 2.7: on 2.7, and on the Pythons the port must keep up on."""
        if not self.straddles_compared:
            return None
        parts = []
        for case in self.cases_in(placement):
            metric = self.metric(case)
            base = stat(self.echo, metric, placement=placement, case=case, server=self.base)
            parts.append('%s: %s' % (case, ', '.join(
                '%s %s' % (n, ratio(stat(self.echo, metric, placement=placement, case=case, server=n), base))
                for n in self.straddles_compared)))
        slower = self.slower_in(placement, self.straddles_compared)
        return ('**And the straddle?** py23_six, one source for 2.7 and 3.x with %s, relative to the original on '
                '2.7 (%s) — %s. %s Every Python: "Straddle cost" below.' % (
                    self.six_text(), placement, '; '.join(parts),
                    'On 2.7 and on 3.11+ it is nowhere slower than the original.' if not slower else
                    'Slower by more than %d %%, with the min–max ranges apart: %s.' % (
                        100 * MARGIN, ', '.join('%s at %s' % s for s in slower))))

    def print_cost(self, name):
        rows = [r for r in self.data.get('print_cost', []) if r['server'] == name]
        return rows[0] if rows else None

    def profile_us(self, name):
        """{group: CPU µs per 1 MiB message} from the perf profile of that server."""
        rows = [r for r in self.data.get('profile', []) if r['server'] == name]
        if not rows or not rows[0]['rounds']:
            return None
        per_message = rows[0]['server_cpu_ns'] / 1e3 / rows[0]['rounds']
        return dict((k, v * per_message) for k, v in rows[0]['shares'].items())

    def why_sentence(self):
        base = self.print_cost(self.base)
        ports = [(p, self.print_cost(p)) for p in self.ports if self.print_cost(p)]
        if not base or not ports:
            return None
        new = [c['print_us']['1024'] for p, c in ports if p in self.must_keep_up] or [
            c['print_us']['1024'] for _, c in ports]
        return ('**Where the time goes.** Per piece of up to 1 KiB the server makes one `recv`, one `print` and '
                'one `sendall`; the two system calls and the loopback TCP path under them are most of its CPU '
                'time, alike in every version. The one line that changed, the `print`, costs %s µs on 2.7 and '
                '%s–%s µs on 3.11+: Python 3 pays for it only on messages of many pieces (10 KiB, 1 MiB). '
                'Details: "Where the time goes" below.' % (
                    two(base['print_us']['1024']), two(min(new)), two(max(new))))

    def where_time_goes(self):
        if not self.data.get('print_cost') and not self.data.get('profile'):
            return
        self.add('## Where the time goes', '')
        slower = getattr(self, 'slower', [])
        if slower:
            self.add('The port is slower than the original at: %s (by more than %d %%, with the min–max ranges '
                     'apart). Here is why.' % (', '.join('%s at %s' % s for s in slower), 100 * MARGIN), '')
        profiles = [(n, self.profile_us(n)) for n in self.pythons if self.profile_us(n)]
        if profiles:
            groups = ['kernel', 'interpreter', 'libc', 'dynamic linker', 'socket module', 'other']
            self.add('**The server\'s CPU time per 1 MiB message** (1024 pieces of 1 KiB), in µs, split by where '
                     'the code lives, from `perf record` of the server during the same echo (same core; its '
                     'samples shared out over the server\'s measured CPU time):', '')
            rows = []
            for name, us in profiles:
                rows.append([self.label(name)] + [('%.0f' % us.get(g, 0)) for g in groups] +
                            ['%.0f' % sum(us.values())])
            self.table(['server'] + groups + ['total'], rows)
            kernel = [us.get('kernel', 0) for _, us in profiles]
            interp = dict((n, us.get('interpreter', 0)) for n, us in profiles)
            ld = dict((n, us.get('dynamic linker', 0)) for n, us in profiles)
            ported = [interp[n] for n in self.ports if n in interp]
            straddled = [interp[n] for n in self.straddles if n in interp]
            text = 'The kernel\'s part is %.0f–%.0f µs for all of them. The interpreter\'s part is %.0f µs on 2.7' % (
                min(kernel), max(kernel), interp.get(self.base, 0))
            if ported:
                text += ' and %.0f–%.0f µs on the ports' % (min(ported), max(ported))
            if straddled:
                text += ', %.0f–%.0f µs on the straddle' % (min(straddled), max(straddled))
            text += '.'
            total = sum(dict(profiles).get(self.base, {}).values()) or 1.0
            heavy_ld = [n for n, _ in profiles if ld.get(n, 0) > 0.005 * total]
            if heavy_ld:
                shared = self.meta.get('shared_libpython', {})
                built = [n for n in heavy_ld if shared.get(n)]
                text += (' On %s the dynamic linker appears too (%s µs): that is `__tls_get_addr`. Since 3.12 the '
                         'interpreter keeps its current thread state in a thread-local variable '
                         '(python/cpython#103323), and from a shared `libpython`%s every access to it is a call '
                         'to `__tls_get_addr`.' % (
                             ', '.join(heavy_ld), ', '.join('%.0f' % ld[n] for n in heavy_ld),
                             ' (%s here, as pyenv builds them)' % ', '.join(built) if built else ''))
            self.add(text, '')
        costs = [(n, self.print_cost(n)) for n in self.pythons if self.print_cost(n)]
        if costs:
            base = self.print_cost(self.base)
            self.add('**The print line alone**, as published, on each interpreter (`bench/print_cost.py`: the '
                     'server\'s own lines before `HOST =`, then its `print` line in a loop, stdout to /dev/null, '
                     'on the server\'s CPU), in µs per call; on Python 3 also its parts: the Latin-1 decode '
                     'alone, and the same bytes written with one `sys.stdout.buffer.write()`:', '')
            big = [c for c in self.cases if self.size[c] >= 1 << 20 and c in self.cases_in('same core')]
            big = big[0] if big else None
            pieces = self.size[big] // 1024 if big else 0
            big_base = stat(self.echo, cpu_us, placement='same core', case=big, server=self.base) if big else None
            rows = []
            for name, c in costs:
                row = [self.label(name), '`%s`' % c['line'], two(c['print_us']['16']), two(c['print_us']['1024']),
                       '×%.2f' % (c['print_us']['1024'] / base['print_us']['1024']) if base else '—',
                       two(c['decode_us']['1024']) if c['decode_us'] else '—',
                       two(c['buffer_write_us']['1024']) if c.get('buffer_write_us') else '—']
                if big:
                    cpu = stat(self.echo, cpu_us, placement='same core', case=big, server=name)
                    row += ['%+.2f' % (pieces * (c['print_us']['1024'] - base['print_us']['1024']) / 1e3),
                            '%+.2f' % ((cpu.median - big_base.median) / 1e3) if cpu and big_base else '—']
                rows.append(row)
            header = ['server', 'line', '16 B', '1 KiB', 'vs 2.7', 'decode, 1 KiB', 'one buffer write, 1 KiB']
            if big:
                header += ['%d print lines, ms more than 2.7' % pieces, 'server CPU per %s, ms more than 2.7' % big]
            self.table(header, rows)
            ports = [c for n, c in costs if n in self.ports]
            if base and ports:
                lo = min(c['print_us']['1024'] for c in ports)
                hi = max(c['print_us']['1024'] for c in ports)
                text = (
                    'So the Latin-1 decode is not the cost (%s–%s µs). The cost is `print()` on a `TextIOWrapper`: '
                    'it looks up `sys.stdout`, calls `str()` on each argument and `write()` four times (`Received`, '
                    'the space, the text, the newline), and each `write()` runs the wrapper\'s bookkeeping (state '
                    'checks, the Latin-1 encoding, queueing for the binary buffer below); Python 2\'s `print` '
                    'statement hands the same four pieces straight to C stdio\'s buffer. Writing the same bytes in one call to the binary buffer under the wrapper costs Python '
                    '3 %s–%s µs, more than Python 2\'s whole line. The port\'s line takes %s–%s µs more per piece '
                    'than the original\'s, next to the original\'s %s µs of CPU for a whole 16 B round trip, most '
                    'of it system calls: lost in the noise for a message of one piece; for a message of many '
                    'pieces, the bulk of what the port spends more (compare the last two columns: the first is '
                    'computed from the per-call times, the second measured on the servers and noisier).' % (
                        two(min(c['decode_us']['1024'] for c in ports)),
                        two(max(c['decode_us']['1024'] for c in ports)),
                        two(min(c['buffer_write_us']['1024'] for c in ports)),
                        two(max(c['buffer_write_us']['1024'] for c in ports)),
                        two(lo - base['print_us']['1024']), two(hi - base['print_us']['1024']),
                        self.base_cpu_16()))
                self.add(text, '')
            self.straddle_print_sentence(costs)

    def straddle_print_sentence(self, costs):
        """The straddle's print line against the original's on 2.7 and the port's on Python 3."""
        base = self.print_cost(self.base)
        ports = [c['print_us']['1024'] for n, c in costs if n in self.ports]
        on2 = [c for n, c in costs if is_straddle(n) and python_of(n)[0] == 2]
        on3 = [c['print_us']['1024'] for n, c in costs if is_straddle(n) and python_of(n)[0] == 3]
        if not base or not (on2 or on3):
            return
        text = 'The straddle\'s line is `%s`.' % [c for n, c in costs if is_straddle(n)][0]['line']
        if on2:
            text += (' On 2.7 it is a call of the print function (the script\'s `from __future__ import '
                     'print_function`), and `six.ensure_str` hands the `str` back as it is: %s µs per 1 KiB call, '
                     'against %s µs for the original\'s print statement.' % (
                         two(on2[0]['print_us']['1024']), two(base['print_us']['1024'])))
        if on3 and ports:
            text += (' On Python 3 `six.ensure_str` decodes as the port\'s line does, and prints to the same Latin-1 '
                     '`TextIOWrapper`: %s–%s µs, against %s–%s µs for the port\'s line.' % (
                         two(min(on3)), two(max(on3)), two(min(ports)), two(max(ports))))
        self.add(text, '')

    def base_cpu_16(self):
        s = stat(self.echo, cpu_us, placement='same core', case='16 B', server=self.base)
        return two(s.median) if s else '—'

    def floor_sentence(self, placement):
        parts = []
        for native, what in (('socat', 'socat\'s echo through the same client'),
                             ('sockperf', 'sockperf\'s native client and server')):
            n = stat(self.echo, rate, placement=placement, case='16 B', server=native)
            if not n:
                continue
            py = [stat(self.echo, rate, placement=placement, case='16 B', server=p) for p in self.pythons]
            py = [p.median / n.median for p in py if p]
            parts.append('×%.2f–×%.2f the round trips per second of %s (%s)' % (
                min(py), max(py), what, thousands(n.median)))
        if not parts:
            return None
        return ('**Against the native floor** (16 B, same core), the Python servers make ' + ', and '.join(parts) +
                '. For one small message per round trip, two system calls and a wake-up are the whole job, '
                'native or not; socat also copies through a pipe.')

    def nagle_sentence(self):
        rows = self.data.get('nagle', [])
        if not rows:
            return None
        parts = []
        for server in sorted(set(r['server'] for r in rows), key=self.order):
            s = Stat([r['p50_ns'] / 1e6 for r in pick(rows, server=server)])
            parts.append('%s %s ms' % (server, one(s.median)))
        quick = stat(self.echo, lambda r: r['p50_ns'] / 1e3, placement='same core', case='10 KiB', server=self.base)
        return ('**A 10 KiB message is slow for any client that acknowledges late**, in Python 2 and 3 alike: '
                'the server writes each 1 KiB piece with Nagle\'s algorithm on, so each piece waits for the '
                'acknowledgement of the one before, and a client with Linux\'s default delayed ACK sends that '
                'only after its 40 ms timer. Median round trip with such a client: %s, against %s µs when the '
                'client acknowledges at once (as the load generator does, so that the tables show the server, '
                'not the timer). The port keeps this, as it must: it makes the same calls.' % (
                    ', '.join(parts), one(quick.median) if quick else '—'))

    def blocking_sentence(self):
        rows = self.data.get('blocking', [])
        if not rows:
            return None
        table = self.blocking_table_data()
        server = self.meta['settings']['blocking']['servers'][0]
        nmax = max(self.meta['settings']['blocking']['clients'])
        firsts = table.get((EX2, server, nmax))
        if not firsts:
            return None
        rows = self.blocking_rows(EX2)
        session = Stat([(c['done_ns'] - c['first_echo_ns']) / 1e6 for r in pick(rows, server=server)
                        for c in r['clients']])
        late = [k + 1 for k, s in enumerate(firsts) if s.median >= 900]
        text = ('**Blocking costs each client the sessions before it.** With %d clients connecting at once to the '
                'original on 2.7, each holding its session for %d round trips (about %s ms), the k-th client '
                'served gets its first echo after %s ms (k = 1 … %d).' % (
                    nmax, self.meta['settings']['blocking']['rounds'], one(session.median),
                    ', '.join(one(s.median) for s in firsts), nmax))
        if late:
            text += (' From client %d on, add about a second: `listen(1)` leaves room for only two waiting '
                     'connections, and the kernel drops what comes on top; TCP retries after 1 s (a dropped SYN) '
                     'or 0.2 s (a dropped last ACK or first data segment).' % late[0])
            spans = [r for r in pick(rows, server=server, clients_n=nmax)]
            busy = Stat([sum(c['done_ns'] - c['first_echo_ns'] for c in r['clients']) / 1e6 for r in spans])
            total = Stat([max(c['done_ns'] for c in r['clients']) / 1e6 for r in spans])
            text += (' Meanwhile the server sits idle in `accept()`: it serves the %d sessions in about %s ms of '
                     'the %s ms it takes until the last client is done.' % (nmax, one(busy.median), one(total.median)))
        if self.newest_port():
            text += (' The port on Python %s behaves the same (table below): this is the design, not the '
                     'interpreter.' % self.meta['interpreters'][self.newest_port()])
        threaded = table.get((EX3, server, nmax))
        if threaded:
            text += (' **A thread per client removes the queue:** example 3 (not the article\'s: the threaded '
                     '`SocketServer` server its conclusion calls for) on 2.7 gives the same %d clients their first '
                     'echo after %s ms.' % (nmax, ', '.join(one(s.median) for s in threaded)))
            newest = self.newest_port()
            if newest and (EX3, newest, nmax) in table:
                text += ' The port on Python %s: %s ms.' % (self.meta['interpreters'][newest], ', '.join(
                    one(s.median) for s in table[(EX3, newest, nmax)]))
            late3 = [k + 1 for k, s in enumerate(threaded) if s.median >= 900]
            if late3:
                text += ' ' + self.backlog_text(nmax, late3[0])
        return text

    def slower_in(self, placement, servers=None):
        """[(server, case)] where one of ``servers`` (default: the port on 3.11+) is slower than the original
        (see verdict())."""
        out = []
        for case in self.cases_in(placement):
            metric = self.metric(case)
            base = stat(self.echo, metric, placement=placement, case=case, server=self.base)
            for port in self.must_keep_up if servers is None else servers:
                if verdict(stat(self.echo, metric, placement=placement, case=case, server=port), base) == 'slower':
                    out.append((port, case))
        return out

    def placement_sentence(self):
        if 'cross core' not in self.meta['placements']:
            return None
        same = stat(self.echo, rate, placement='same core', case='16 B', server=self.base)
        cross = stat(self.echo, rate, placement='cross core', case='16 B', server=self.base)
        un = stat(self.data.get('unpinned', []), rate, server=self.base)
        text = ('**Pin before you compare.** On this virtual machine a round trip between two CPUs costs more than '
                'the work itself: the original does %s round trips per second with server and client on one CPU, '
                '%s on two' % (thousands(same.median), thousands(cross.median)))
        if un:
            text += ', and unpinned anywhere from %s to %s' % (thousands(un.min), thousands(un.max))
        text += '. Compare interpreters on the same-core table, where runs repeat closely.'
        same_slower = set(self.slower_in('same core'))
        cross_slower = set(self.slower_in('cross core'))
        shared_cases = set(self.cases_in('cross core'))
        same_slower = set(s for s in same_slower if s[1] in shared_cases)
        if same_slower == cross_slower:
            text += ' The cross-core table tells the same story (the same cases, if any, are slower on 3.11+).'
        else:
            def show(items):
                return ', '.join('%s at %s' % s for s in sorted(items)) or 'none'
            text += (' The cross-core table tells a different story: slower on 3.11+ there: %s; on one core: %s '
                     '(of the cases measured on both)' % (show(cross_slower), show(same_slower)))
            same_spread, cross_spread = self.spread_pct('same core'), self.spread_pct('cross core')
            if cross_spread > 2 * same_spread:
                text += ('; but there the min–max range of a measurement is typically %.0f %% of its median '
                         '(same core: %.0f %%), too wide to show differences of this size' % (cross_spread, same_spread))
            text += '.'
        return text

    def spread_pct(self, placement):
        """Typical (median) width of the min–max range of one measurement, in % of its median."""
        widths = []
        for case in self.cases_in(placement):
            for server in self.servers_in(placement):
                s = stat(self.echo, self.metric(case), placement=placement, case=case, server=server)
                if s and s.n > 1 and s.median:
                    widths.append(100 * (s.max - s.min) / s.median)
        return statistics.median(widths) if widths else 0.0

    def client_sentence(self):
        rows = self.data.get('client_cost', [])
        if not rows:
            return None
        c = Stat([client_cpu_us(r) for r in pick(rows, client='c')])
        p = Stat([client_cpu_us(r) for r in pick(rows, client='python')])
        rc = stat(rows, rate, client='c', server=self.base)
        rp = stat(rows, rate, client='python', server=self.base)
        return ('**The client is not the bottleneck.** The C load generator spends %s µs of CPU per 16 B round '
                'trip, most of it in the kernel; the same client in Python spends %s µs, and against the original '
                'gets %s of the C client\'s round trips per second. The C client is used so that more of each round '
                'trip is the server.' % (two(c.median), two(p.median), ratio(rp, rc)))

    def port_tables(self, placement):
        self.add('## Port cost, %s (%s)' % (placement, self.where(placement)), '')
        self.echo_tables(placement, [self.base] + self.ports + ['socat', 'sockperf'])

    def straddle_tables(self, placement):
        if not self.servers_in(placement, self.straddles):
            return
        self.add('## Straddle cost, %s (%s)' % (placement, self.where(placement)), '')
        self.add('py23_six\'s server, one source for Python 2.7 and 3.x, with %s, on each interpreter; measured '
                 'in the same run as the port and compared with the same original on 2.7 (first row).' %
                 self.six_text(), '')
        self.echo_tables(placement, [self.base] + self.straddles)

    def echo_tables(self, placement, wanted):
        """Throughput, latency and CPU (and the floor, if natives are among them) of the servers ``wanted``."""
        cases = self.cases_in(placement)
        servers = self.servers_in(placement, wanted)
        self.add('Round trips per second (1 MiB: MB/s of echoed payload, 10^6 bytes, one way), median of the '
                 'repetitions (min–max), and the ratio of medians to the original on 2.7 (higher is faster).', '')
        header = ['server']
        for case in cases:
            header += [case + (' MB/s' if self.size[case] >= 1 << 20 else ''), 'vs 2.7']
        rows = []
        for server in servers:
            row = [self.label(server)]
            for case in cases:
                m = self.metric(case)
                s = stat(self.echo, m, placement=placement, case=case, server=server)
                base = stat(self.echo, m, placement=placement, case=case, server=self.base)
                row += [spread(s, one if m is mbps else thousands), ratio(s, base) if s else '—']
            rows.append(row)
        self.table(header, rows)

        small = [c for c in cases if self.size[c] < 1 << 20]
        self.add('Latency of one round trip, p50 / p99 in µs (medians of the repetitions), and the server\'s CPU '
                 'time per round trip in µs (from `/proc/PID/schedstat`, user and kernel, during the measured '
                 'round trips%s).' % ('; not available for sockperf' if 'sockperf' in servers else ''), '')
        header = ['server'] + ['%s p50 / p99' % c for c in small] + ['%s CPU' % c for c in small]
        rows = []
        for server in servers:
            row = [self.label(server)]
            for case in small:
                p50 = stat(self.echo, lambda r: r['p50_ns'] / 1e3, placement=placement, case=case, server=server)
                p99 = stat(self.echo, lambda r: r['p99_ns'] / 1e3, placement=placement, case=case, server=server)
                row.append('%s / %s' % (one(p50.median), one(p99.median)) if p50 else '—')
            for case in small:
                c = stat(self.echo, cpu_us, placement=placement, case=case, server=server)
                row.append(two(c.median) if c else '—')
            rows.append(row)
        self.table(header, rows)

        natives = [n for n in ('socat', 'sockperf') if n in servers]
        if natives:
            self.add('The floor: each Python server\'s round trips per second as a share of the native servers\' '
                     '(1 = as fast as native).', '')
            header = ['server'] + ['%s vs %s' % (c, n) for c in small for n in natives]
            rows = []
            for server in [s for s in servers if s in self.pythons]:
                row = [self.label(server)]
                for case in small:
                    s = stat(self.echo, rate, placement=placement, case=case, server=server)
                    for n in natives:
                        f = stat(self.echo, rate, placement=placement, case=case, server=n)
                        row.append('%.2f' % (s.median / f.median) if s and f else '—')
                rows.append(row)
            self.table(header, rows)

    def backlog_text(self, nmax, first_late):
        return ('Client %d on 2.7 waits about a second more, not for a session but for the kernel: '
                '`ThreadingTCPServer` listens with `request_queue_size = 5`, room for six finished handshakes; with '
                'the server on the clients\' CPU the %d `connect()`s come before it gets to `accept()`, and what '
                'finds the queue full is dropped and tried again after 1 s.' % (first_late, nmax))

    def blocking_rows(self, example):
        return [r for r in self.data.get('blocking', []) if r.get('example', EX2) == example]

    def threaded_servers(self):
        """Example 3's servers (not the article's), in the page's order."""
        return self.meta['settings'].get('threaded', {}).get('servers', [])

    def label_in(self, example, name):
        """label(), but example 3 on 2.7 is py2_original's, not the article's original."""
        if example == EX3 and name == self.base:
            return 'py2_original, Python %s' % self.meta['interpreters'][name]
        return self.label(name)

    def example_label(self, example):
        return {EX2: 'example 2 (the article\'s, one client at a time)',
                EX3: 'example 3 (not the article\'s: a thread per client)'}[example]

    def blocking_table_data(self):
        """(example, server, N) -> [Stat of the k-th served client's first echo, ms] for k = 1..N."""
        out = {}
        for r in self.data.get('blocking', []):
            firsts = sorted(c['first_echo_ns'] / 1e6 for c in r['clients'])
            out.setdefault((r.get('example', EX2), r['server'], r['clients_n']), []).append(firsts)
        return {key: [Stat(col) for col in zip(*runs)] for key, runs in out.items()}

    def blocking(self):
        rows = self.data.get('blocking', [])
        if not rows:
            return
        b = self.meta['settings']['blocking']
        nmax = max(b['clients'])
        self.add('## Blocking, quantified', '')
        self.add('N clients connect at once (non-blocking `connect()`s in a row) to example 2\'s server (%s), '
                 'and to example 3\'s, which is not the article\'s: the threaded `SocketServer` server its '
                 'conclusion calls for, a thread per client running example 2\'s inner loop (the same two, and '
                 'below on every Python). Each client, once connected, holds its session for %d round trips of '
                 '%d B, then closes. Time from the first `connect()` to each client\'s first echo, in ms, clients '
                 'in the order they were served; median of %d runs (min–max), %s.' % (
                     self.compared(), b['rounds'], b['size'], len(set(r['rep'] for r in rows)),
                     self.where('same core')), '')
        table = self.blocking_table_data()
        header = ['example', 'server', 'N'] + ['client %d' % k for k in range(1, nmax + 1)] + ['one session']
        out = []
        for example in (EX2, EX3):
            for server in b['servers']:
                for n in b['clients']:
                    firsts = table.get((example, server, n))
                    if not firsts:
                        continue
                    session = Stat([(c['done_ns'] - c['first_echo_ns']) / 1e6
                                    for r in pick(self.blocking_rows(example), server=server, clients_n=n)
                                    for c in r['clients']])
                    out.append(['%s' % example[7], self.label_in(example, server), str(n)] + [spread(s, one) for s in firsts] +
                               [''] * (nmax - n) + [one(session.median)])
        self.table(header, out)
        self.add('Example: %s.' % '; '.join('%s = %s' % (e[7], self.example_label(e)) for e in (EX2, EX3)), '')
        self.add('![Time to first echo, by client](%s)' % PLOT, '')
        every = [n for n in self.threaded_servers() if any((EX3, n, k) in table for k in b['clients'])]
        if every:
            self.add('Example 3 on every Python: when the last client of the N gets its first echo, in ms, median '
                     '(min–max); example 2\'s in the first rows for comparison.', '')
            out = []
            for example, servers in ((EX2, b['servers']), (EX3, every)):
                for server in servers:
                    out.append([example[7], self.label_in(example, server)] + [
                        spread(table[(example, server, n)][-1], one) if (example, server, n) in table else '—'
                        for n in b['clients']])
            self.table(['example', 'server'] + ['N = %d' % n for n in b['clients']], out)
        self.add('A blocking, single-threaded server serves one client at a time: client k waits for the k−1 '
                 'sessions before it. `listen(1)` adds to that. Only two finished handshakes wait in the '
                 'queue; a connection that finds it full is not refused but dropped, and TCP tries again: after '
                 '1 s when its SYN was dropped, and 0.2 s apart (the minimum retransmission timeout) when the '
                 'client already counts itself connected and its last ACK or first message was dropped. Those are '
                 'the steps of about 1 s and 0.2 s in the later clients\' times, and the server waits idle in '
                 '`accept()` while the clients wait for their timers. Which clients win the queue varies from run '
                 'to run, hence the wide ranges. Example 3 accepts each connection as it comes and hands it to '
                 'a thread of its own, so no client waits for another\'s session; its clients share the one '
                 'CPU (and the interpreter lock) instead. Its listening queue is longer (`SocketServer`\'s '
                 '`request_queue_size = 5`: six finished handshakes) but not endless: where a client of example 3 '
                 'waits about a second, its SYN found the queue full before the server, on the same CPU, got to '
                 '`accept()`.', '')

    def threaded(self):
        rows = self.data.get('threaded', [])
        if not rows:
            return
        t = self.meta['settings']['threaded']
        self.add('## Example 3: N clients at once', '')
        self.add('Example 3 is not the article\'s: the threaded `SocketServer` server its conclusion calls for, '
                 '`py2_original`\'s on 2.7 and the port\'s on each Python 3, beside socat forking a process per '
                 'connection (`TCP-LISTEN:0,bind=127.0.0.1,fork,reuseaddr PIPE`), the native floor. N clients '
                 'connect one after another (each makes %d round trips as it opens), then all N do round trips '
                 'of %d B at the same time for %.2f s, each sending its next message as soon as its echo is back. '
                 'Round trips per second of all N together, median of %d runs (min–max); the ratio of medians to '
                 'example 3 on 2.7, and to socat; %s.' % (
                     t['warmup'], t['size'], self.meta['settings']['seconds'], len(set(r['rep'] for r in rows)),
                     self.where('same core')), '')
        base = self.base
        names = [n for n in t['servers'] + ['socat'] if pick(rows, server=n)]
        header = ['server']
        for n in t['clients']:
            header += ['N = %d' % n, 'vs 2.7', 'vs socat']
        nmax = max(t['clients'])
        header.append('N = %d: slowest / fastest client' % nmax)
        out = []
        for name in names:
            row = [self.label_in(EX3, name) if name != 'socat' else 'socat, a process per connection (native)']
            for n in t['clients']:
                s = stat(rows, rate, server=name, clients_n=n)
                row += [spread(s, thousands), ratio(s, stat(rows, rate, server=base, clients_n=n)) if s else '—',
                        ratio(s, stat(rows, rate, server='socat', clients_n=n)) if s else '—']
            fair = stat(rows, lambda r: min(r['per_client']) / max(1, max(r['per_client'])), server=name,
                        clients_n=nmax)
            row.append(two(fair.median) if fair else '—')
            out.append(row)
        self.table(header, out)
        found = {'slower': [], 'faster': []}
        for name in [n for n in names if n not in (base, 'socat')]:
            for n in t['clients']:
                v = verdict(stat(rows, rate, server=name, clients_n=n), stat(rows, rate, server=base, clients_n=n))
                if v in found:
                    found[v].append('%s at N = %d' % (name, n))
        self.add('Against example 3 on 2.7, with the min–max ranges apart and the medians more than %d %% apart '
                 '(as in the tables above): slower: %s; faster: %s. Elsewhere the ranges overlap, and the ratios '
                 'show no difference.' % (100 * MARGIN, ', '.join(found['slower']) or 'none',
                                          ', '.join(found['faster']) or 'none'), '')

    def threaded_sentence(self):
        rows = self.data.get('threaded', [])
        if not rows:
            return None
        t = self.meta['settings']['threaded']
        nmax = max(t['clients'])
        base = stat(rows, rate, server=self.base, clients_n=nmax)
        floor = stat(rows, rate, server='socat', clients_n=nmax)
        ports = [(n, stat(rows, rate, server=n, clients_n=nmax)) for n in t['servers'] if n in self.must_keep_up]
        ports = [(n, s) for n, s in ports if s]
        if not base:
            return None
        text = ('**Example 3 with %d clients at once** (not the article\'s: a thread per client; 16 B round '
                'trips, all on one CPU): %s round trips per second on 2.7' % (nmax, thousands(base.median)))
        if ports:
            text += ', ×%.2f–×%.2f that on 3.11+' % (min(s.median for _, s in ports) / base.median,
                                                    max(s.median for _, s in ports) / base.median)
        if floor:
            text += ('; socat forking a process per connection makes %s (2.7 makes ×%.2f of it%s)' % (
                thousands(floor.median), base.median / floor.median,
                ': no floor here, socat relays each message through a pipe, reading and writing it twice, and '
                'switches between %d processes where Python switches between threads of one' % nmax
                if base.median > floor.median else ''))
        one_client = stat(rows, rate, server=self.base, clients_n=min(t['clients']))
        if one_client and min(t['clients']) == 1:
            text += ('. With one client the same server on 2.7 makes %s: the %d clients share one CPU, so together '
                     'they make ×%.2f of one client\'s round trips, not ×%d' % (
                         thousands(one_client.median), nmax, base.median / one_client.median, nmax))
        return text + '. Table: "Example 3: N clients at once" below.'

    def unpinned(self):
        rows = self.data.get('unpinned', [])
        if not rows:
            return
        self.add('## Why pinning: the same measurement, three placements', '')
        self.add('16 B round trips per second, median (min–max) over the repetitions; %s.' % self.compared(), '')
        header = ['server', 'same core', 'cross core', 'unpinned', 'unpinned max / min']
        out = []
        for server in sorted(set(r['server'] for r in rows), key=self.order):
            u = stat(rows, rate, server=server)
            out.append([self.label(server),
                        spread(stat(self.echo, rate, placement='same core', case='16 B', server=server), thousands),
                        spread(stat(self.echo, rate, placement='cross core', case='16 B', server=server), thousands),
                        spread(u, thousands), '×%.1f' % (u.max / u.min)])
        self.table(header, out)

    def client_cost(self):
        rows = self.data.get('client_cost', [])
        if not rows:
            return
        self.add('## What the client costs', '')
        self.add('16 B round trips, same core, with the C load generator and with the same client in Python '
                 '(`bench/echo_client.py`): round trips per second, and CPU per round trip of each side in µs.', '')
        out = []
        for server in sorted(set(r['server'] for r in rows), key=lambda s: (s not in self.pythons, s)):
            for client in ('c', 'python'):
                sel = pick(rows, server=server, client=client)
                if not sel:
                    continue
                out.append([self.label(server), {'c': 'C', 'python': 'Python 3 (%s)' % self.meta['tools'][
                    'bench_python']}[client], spread(Stat([rate(r) for r in sel]), thousands),
                    two(Stat([client_cpu_us(r) for r in sel]).median),
                    two(Stat([cpu_us(r) for r in sel]).median)])
        self.table(['server', 'client', 'round trips/s', 'client CPU', 'server CPU'], out)

    def render(self):
        self.header()
        self.summary()
        for placement in self.placements():
            self.port_tables(placement)
        for placement in self.placements():
            self.straddle_tables(placement)
        self.where_time_goes()
        self.blocking()
        self.threaded()
        self.unpinned()
        self.client_cost()
        return '\n'.join(self.lines).rstrip() + '\n'


def plot(page, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    b = page.meta['settings']['blocking']
    table = page.blocking_table_data()
    servers = [s for s in b['servers'] if any((e, s, n) in table for e in (EX2, EX3) for n in b['clients'])]
    examples = [e for e in (EX2, EX3) if any((e, s, n) in table for s in servers for n in b['clients'])]
    panels = [(e, s) for e in examples for s in servers]  # a row of panels per example
    fig, axes = plt.subplots(len(examples), len(servers), figsize=(5.2 * len(servers), 3.6 * len(examples) + 0.6),
                             sharey=True, squeeze=False)
    for ax, (example, server) in zip([ax for row in axes for ax in row], panels):
        for n in b['clients']:
            firsts = table.get((example, server, n))
            if not firsts:
                continue
            ks = list(range(1, len(firsts) + 1))
            med = [max(s.median, 1e-2) for s in firsts]
            err = [[m - max(s.min, 1e-2) for m, s in zip(med, firsts)], [s.max - m for m, s in zip(med, firsts)]]
            ax.errorbar(ks, med, yerr=err, marker='o', capsize=3, label='N = %d' % n)
        ax.set_yscale('log')
        ax.set_xlabel('client k, in the order served')
        ax.set_title('%s\n%s' % (page.example_label(example), page.label_in(example, server)), fontsize=10)
        ax.grid(True, which='both', alpha=0.3)
        ax.set_xticks(range(1, max(b['clients']) + 1))
    for row in axes:
        row[0].set_ylabel('time to first echo, ms (log)')
    axes[0][-1].legend(title='clients at once')
    runs = len(set(r['rep'] for r in page.data.get('blocking', [])))
    fig.suptitle('N clients connect at once; each holds %d round trips (median of %d runs, bars: min–max)' % (
        b['rounds'], runs))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    source = argv[0] if argv else os.path.join(REPO, 'docs', 'benchmarks.json')
    with open(source) as f:
        data = json.load(f)
    page = Page(data)
    folder = os.path.dirname(os.path.abspath(source))
    md = os.path.join(folder, 'benchmarks.md')
    with open(md, 'w') as f:
        f.write(page.render())
    print('wrote %s' % os.path.relpath(md))
    if data.get('blocking'):
        png = os.path.join(folder, PLOT)
        plot(page, png)
        print('wrote %s' % os.path.relpath(png))
    return 0


if __name__ == '__main__':
    sys.exit(main())
