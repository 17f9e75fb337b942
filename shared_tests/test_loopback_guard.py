# -*- coding: utf-8 -*-
"""Nothing leaves loopback: the launcher (loopback.py) refuses every other address, before any packet.

Each attempt runs in a probe script started through the launcher, with the interpreter under test, exactly as
the article's programs are. The probe reports three things, and each is a separate proof:

* what the call did: the guard's refusal (ENETUNREACH, its own message), never the kernel's;
* what became of the socket: still unbound and unconnected, so the kernel never took a step that a packet
  needs (a connect or sendto would have given it a local port first);
* on Python 3.8+, every socket call that reached the C layer (``sys.addaudithook``; the C methods raise the
  audit event before their system call): none but those to loopback.

And a canary: an address that the kernel itself would deliver on this machine (0.0.0.0, 'localhost',
::ffff:127.0.0.1) is refused too, and a listener of the harness on that port sees no connection and no
datagram, while a control attempt to 127.0.0.1 does reach it.
"""
import errno
import os
import select
import socket
import subprocess
import threading

import pytest

import harness
from harness import Deadline, Program

# The launcher's own behaviour, the same whichever tree is under test: tox runs it once per interpreter.
pytestmark = pytest.mark.launcher

PROBE = r'''
import socket, sys

calls, recording = [], [False]
WATCHED = ('socket.connect', 'socket.bind', 'socket.sendto', 'socket.sendmsg', 'socket.getaddrinfo',
           'socket.gethostbyname', 'socket.gethostbyaddr', 'socket.getnameinfo')

def hook(event, args):
    if recording[0] and event in WATCHED:
        where = args[1] if event in ('socket.connect', 'socket.bind', 'socket.sendto', 'socket.sendmsg') else args[0]
        calls.append('%s %s' % (event.split('.')[1], where[0] if isinstance(where, tuple) else where))

if hasattr(sys, 'addaudithook'):
    sys.addaudithook(hook)

namespace = {'socket': socket}
exec(sys.argv[1], namespace)                       # setup: not watched
recording[0] = True
try:
    exec(sys.argv[2], namespace)                   # the attempt
    print('done')
except socket.error as e:
    print('error: %s' % e)
recording[0] = False

s = namespace.get('s')
if s is not None:
    host, port = s.getsockname()[:2]
    try:
        s.getpeername()
        peer = 'connected'
    except socket.error:
        peer = 'not connected'
    print('s: %s, %s' % ('bound to %s' % host if port else 'unbound', peer))
if hasattr(sys, 'addaudithook'):
    print('C-level calls: %s' % (', '.join(calls) or 'none'))
else:
    print('C-level calls: not audited before Python 3.8')
'''

TCP = 's = socket.socket(socket.AF_INET, socket.SOCK_STREAM)'
TCP6 = 's = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)'
UDP = 's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)'
ACCEPTED = ('l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1); '
            'c = socket.socket(); c.connect(l.getsockname()); s, _ = l.accept()')
UNBOUND = 's: unbound, not connected'

# name: (setup, attempt, what the probe prints first, what the socket is after it, the guard's event[, the
# C-level calls expected on Python 3.8+ when not none])
ATTEMPTS = {
    'connect_to_the_article_address_without_a_redirect': (
        TCP, "s.connect(('192.168.1.13', 50007))",
        "error: [Errno 101] loopback guard: refusing to connect ('192.168.1.13', 50007); "
        "only 127.0.0.0/8 and ::1 are allowed", UNBOUND, 'refused connect 192.168.1.13 50007'),
    'connect_to_the_name_localhost': (
        TCP, "s.connect(('localhost', 50007))",
        "error: [Errno 101] loopback guard: refusing to connect ('localhost', 50007); "
        "only 127.0.0.0/8 and ::1 are allowed", UNBOUND, 'refused connect localhost 50007'),
    'connect_to_a_public_name': (
        TCP, "s.connect(('example.com', 80))",
        "error: [Errno 101] loopback guard: refusing to connect ('example.com', 80); "
        "only 127.0.0.0/8 and ::1 are allowed", UNBOUND, 'refused connect example.com 80'),
    'connect_to_the_wildcard_address': (
        TCP, "s.connect(('0.0.0.0', 50007))",
        "error: [Errno 101] loopback guard: refusing to connect ('0.0.0.0', 50007); "
        "only 127.0.0.0/8 and ::1 are allowed", UNBOUND, 'refused connect 0.0.0.0 50007'),
    'connect_over_ipv6_to_a_documentation_address': (
        TCP6, "s.connect(('2001:db8::13', 50007))",
        "error: [Errno 101] loopback guard: refusing to connect ('2001:db8::13', 50007); "
        "only 127.0.0.0/8 and ::1 are allowed", UNBOUND, 'refused connect 2001:db8::13 50007'),
    'connect_over_ipv6_to_an_ipv4_mapped_address': (
        TCP6, "s.connect(('::ffff:192.168.1.13', 50007))",
        "error: [Errno 101] loopback guard: refusing to connect ('::ffff:192.168.1.13', 50007); "
        "only 127.0.0.0/8 and ::1 are allowed", UNBOUND, 'refused connect ::ffff:192.168.1.13 50007'),
    'connect_ex_to_the_article_address': (
        TCP, "s.connect_ex(('192.168.1.13', 50007))",
        "error: [Errno 101] loopback guard: refusing to connect ('192.168.1.13', 50007); "
        "only 127.0.0.0/8 and ::1 are allowed", UNBOUND, 'refused connect 192.168.1.13 50007'),
    'create_connection_to_the_article_address': (
        '', "socket.create_connection(('192.168.1.13', 50007))",
        "error: [Errno 101] loopback guard: refusing to connect ('192.168.1.13', 50007); "
        "only 127.0.0.0/8 and ::1 are allowed", None, 'refused connect 192.168.1.13 50007',
        'getaddrinfo 192.168.1.13'),  # a literal is parsed (AI_NUMERICHOST), never looked up
    'create_connection_to_a_name_is_refused_before_the_name_is_looked_up': (
        '', "socket.create_connection(('example.com', 80))",
        "error: [Errno 101] loopback guard: refusing to resolve ('example.com', 80); "
        "only 127.0.0.0/8 and ::1 are allowed", None, 'refused resolve example.com 80'),
    'gethostbyname_of_a_name': (
        '', "socket.gethostbyname('example.com')",
        "error: [Errno 101] loopback guard: refusing to resolve ('example.com', 0); "
        "only 127.0.0.0/8 and ::1 are allowed", None, 'refused resolve example.com 0'),
    'reverse_look_up_of_the_article_address': (
        '', "socket.gethostbyaddr('192.168.1.13')",
        "error: [Errno 101] loopback guard: refusing to resolve ('192.168.1.13', 0); "
        "only 127.0.0.0/8 and ::1 are allowed", None, 'refused resolve 192.168.1.13 0'),
    'getnameinfo_of_the_article_address': (
        '', "socket.getnameinfo(('192.168.1.13', 50007), 0)",
        "error: [Errno 101] loopback guard: refusing to resolve ('192.168.1.13', 50007); "
        "only 127.0.0.0/8 and ::1 are allowed", None, 'refused resolve 192.168.1.13 50007'),
    'sendto_the_article_address': (
        UDP, "s.sendto(b'x', ('192.168.1.13', 50007))",
        "error: [Errno 101] loopback guard: refusing to sendto ('192.168.1.13', 50007); "
        "only 127.0.0.0/8 and ::1 are allowed", UNBOUND, 'refused sendto 192.168.1.13 50007'),
    'sendto_with_flags_the_article_address': (
        UDP, "s.sendto(b'x', 0, ('192.168.1.13', 50007))",
        "error: [Errno 101] loopback guard: refusing to sendto ('192.168.1.13', 50007); "
        "only 127.0.0.0/8 and ::1 are allowed", UNBOUND, 'refused sendto 192.168.1.13 50007'),
    'bind_to_the_article_address': (
        TCP, "s.bind(('192.168.1.13', 0))",
        "error: [Errno 101] loopback guard: refusing to bind ('192.168.1.13', 0); "
        "only 127.0.0.0/8 and ::1 are allowed", UNBOUND, 'refused bind 192.168.1.13 0'),
    'bind_to_the_ipv6_wildcard': (
        TCP6, "s.bind(('::', 0))",
        "error: [Errno 101] loopback guard: refusing to bind ('::', 0); "
        "only 127.0.0.0/8 and ::1 are allowed", UNBOUND, 'refused bind :: 0'),
    'connect_through_a_dup': (
        TCP, "s.dup().connect(('192.168.1.13', 50007))",
        "error: [Errno 101] loopback guard: refusing to connect ('192.168.1.13', 50007); "
        "only 127.0.0.0/8 and ::1 are allowed", UNBOUND, 'refused connect 192.168.1.13 50007'),
    'connect_through_fromfd': (
        's0 = socket.socket(); s = socket.fromfd(s0.fileno(), socket.AF_INET, socket.SOCK_STREAM)',
        "s.connect(('192.168.1.13', 50007))",
        "error: [Errno 101] loopback guard: refusing to connect ('192.168.1.13', 50007); "
        "only 127.0.0.0/8 and ::1 are allowed", UNBOUND, 'refused connect 192.168.1.13 50007'),
    'sendto_on_an_accepted_connection': (
        ACCEPTED, "s.sendto(b'x', ('192.168.1.13', 50007))",
        "error: [Errno 101] loopback guard: refusing to sendto ('192.168.1.13', 50007); "
        "only 127.0.0.0/8 and ::1 are allowed", 's: bound to 127.0.0.1, connected',
        'refused sendto 192.168.1.13 50007'),
}
if harness.impl_version()[0] >= 3:  # Python 2 sockets have no sendmsg()
    ATTEMPTS['sendmsg_to_the_article_address'] = (
        UDP, "s.sendmsg([b'x'], [], 0, ('192.168.1.13', 50007))",
        "error: [Errno 101] loopback guard: refusing to sendmsg ('192.168.1.13', 50007); "
        "only 127.0.0.0/8 and ::1 are allowed", UNBOUND, 'refused sendmsg 192.168.1.13 50007')

def audited():
    """Whether the interpreter under test has sys.addaudithook (Python 3.8+, PEP 578)."""
    return harness.impl_version() >= (3, 8)


def probe(session, setup, attempt, env=None, prefix=()):
    """Run the probe through the launcher; return its stdout lines and the guard's events."""
    folder = os.path.join(session.tmpdir, 'guard')
    if not os.path.isdir(folder):
        os.mkdir(folder)
        with open(os.path.join(folder, 'probe.py'), 'w') as f:
            f.write(PROBE)
    program = Program(session, 'guard', 'probe.py', 'probe', impl_dir=session.tmpdir, args=[setup, attempt],
                      env=env, prefix=prefix)
    assert program.wait_exit() == 0, program.stderr_bytes()
    return program.stdout_bytes().decode('ascii').splitlines(), program


def refusals(program):
    return [e for e in program.events if e.startswith('refused')]


@pytest.mark.parametrize('name', sorted(ATTEMPTS))
def test_guard_refuses_before_the_kernel_is_asked(session, name):
    setup, attempt, outcome, state, event = ATTEMPTS[name][:5]
    c_level = (ATTEMPTS[name][5:] or ('none',))[0]
    # Should the guard fail, this attempt must still send nothing: where the machine allows, it runs in a
    # network namespace of its own, with no interface up. The kernel's answer there would be its own
    # "Network is unreachable", which the expected lines (the guard's message) tell apart.
    lines, program = probe(session, setup, attempt, prefix=harness.no_network_prefix())
    expected = [outcome] + ([state] if state else [])
    expected.append('C-level calls: ' + c_level if audited() else 'C-level calls: not audited before Python 3.8')
    assert lines == expected
    assert refusals(program) == [event]


def test_guard_lets_loopback_through_and_sees_it_at_the_c_level(session):
    """The control: the same probe, to 127.0.0.1, connects, and the audit hook sees the call."""
    fake = session.fake_server()
    lines, program = probe(session, TCP, "s.connect(('127.0.0.1', %d))" % fake.port)
    fake.accept()
    assert lines == ['done', 's: bound to 127.0.0.1, connected',
                     'C-level calls: connect 127.0.0.1' if audited()
                     else 'C-level calls: not audited before Python 3.8']
    assert refusals(program) == []


def test_guard_binds_a_socket_that_listens_unbound_to_loopback(session):
    """listen() without bind() would put the socket on every interface; the guard binds it to 127.0.0.1."""
    lines, program = probe(session, TCP, 's.listen(1)')
    assert lines == ['done', 's: bound to 127.0.0.1, not connected',
                     'C-level calls: bind 127.0.0.1' if audited()
                     else 'C-level calls: not audited before Python 3.8']
    assert refusals(program) == []


def nothing_reaches_within(sock, ms=None):
    """The bounded wait: True if no connection or datagram arrives on ``sock`` within ``ms`` ms."""
    ready, _, _ = select.select([sock], [], [], (harness.QUIET_MS if ms is None else ms) / 1000.0)
    return not ready


@pytest.mark.parametrize('setup,host', [(TCP, '0.0.0.0'), (TCP, 'localhost'), (TCP6, '::ffff:127.0.0.1')],
                         ids=['wildcard', 'localhost', 'ipv4_mapped'])
def test_an_address_the_kernel_would_deliver_here_is_refused_and_nothing_arrives(session, setup, host):
    fake = session.fake_server()                         # listens on 127.0.0.1: each host above reaches it
    lines, program = probe(session, setup, "s.connect(('%s', %d))" % (host, fake.port))
    assert lines[0] == ("error: [Errno 101] loopback guard: refusing to connect ('%s', %d); "
                        "only 127.0.0.0/8 and ::1 are allowed" % (host, fake.port))
    assert nothing_reaches_within(fake.sock), 'a refused connect reached the listener'


def test_a_datagram_the_kernel_would_deliver_here_is_refused_and_nothing_arrives(session):
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    session.closing.append(sink)
    sink.bind((harness.LOOPBACK, 0))
    port = sink.getsockname()[1]
    lines, program = probe(session, UDP, "s.sendto(b'leak', ('0.0.0.0', %d))" % port)
    assert lines[0] == ("error: [Errno 101] loopback guard: refusing to sendto ('0.0.0.0', %d); "
                        "only 127.0.0.0/8 and ::1 are allowed" % port)
    assert nothing_reaches_within(sink), 'a refused datagram arrived'
    lines, program = probe(session, UDP, "s.sendto(b'control', ('127.0.0.1', %d))" % port)
    assert lines[0] == 'done'
    assert sink.recv(100) == b'control'                  # the same sink does see a datagram it is sent


# -- the launcher fails closed ---------------------------------------------------------------------------

RAN = b"print('the script ran')\n"


def launch_without_harness(session, env_changes, report=False, source=RAN):
    """Run loopback.py on a probe (by default one that says it ran), with env_changes, not through Program
    (which always gives a report channel). Returns (status, stdout, stderr, events the guard reported)."""
    folder = os.path.join(session.tmpdir, 'unreported')
    os.mkdir(folder)
    with open(os.path.join(folder, 'probe.py'), 'wb') as f:
        f.write(source)
    env = harness.child_environment()
    env.pop('LOOPBACK_REPORT', None)
    listener = None
    if report:
        env['LOOPBACK_REPORT'] = os.path.join(session.tmpdir, 'report-unreported')
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        session.closing.append(listener)
        listener.bind(env['LOOPBACK_REPORT'])
        listener.listen(1)
    env.update(env_changes)
    proc = subprocess.Popen([harness.IMPL_PYTHON, harness.LAUNCHER, 'probe.py'], cwd=folder, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    timer = threading.Timer(Deadline().seconds, proc.kill)  # it must not hang; if it does, it dies
    timer.start()
    try:
        out, err = proc.communicate(b'')
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    events = b''
    if listener is not None and select.select([listener], [], [], 0)[0]:
        conn, _ = listener.accept()
        session.closing.append(conn)
        conn.setblocking(False)
        try:
            events = conn.recv(65536)
        except socket.error as e:
            assert e.errno in (errno.EAGAIN, errno.EWOULDBLOCK)
    return proc.returncode, out, err, events


def test_launcher_refuses_to_run_a_script_without_its_report_channel(session):
    status, out, err, _ = launch_without_harness(session, {})
    assert (status, out, err) == (
        70, b'', b'loopback.py: LOOPBACK_REPORT is not set; refusing to run probe.py unguarded\n')


def test_launcher_refuses_to_run_a_script_when_the_report_channel_is_not_there(session):
    status, out, err, _ = launch_without_harness(
        session, {'LOOPBACK_REPORT': os.path.join(session.tmpdir, 'nobody-listens-here')})
    assert (status, out, err) == (
        70, b'', b'loopback.py: cannot put the loopback guard in place ([Errno 2] No such file or directory); '
                 b'refusing to run probe.py\n')


@pytest.mark.parametrize('target', ['192.168.1.14:50007', 'localhost:50007'], ids=['address', 'name'])
def test_launcher_refuses_a_redirect_whose_target_is_not_a_loopback_address(session, target):
    status, out, err, events = launch_without_harness(
        session, {'LOOPBACK_CONNECT': '192.168.1.13:50007=' + target}, report=True)
    assert (status, out, err) == (
        70, b'', b"loopback.py: cannot put the loopback guard in place (LOOPBACK_CONNECT target "
                 b"'" + target.encode('ascii') + b"' is not loopback); refusing to run probe.py\n")
    assert events == b''                                 # it never said 'guard': the harness would not trust it


# -- the script runs as ``python SCRIPT`` runs it ----------------------------------------------------------

def probe_name(session, name='probe.py'):
    """The name ``python probe.py`` gives the probe of launch_without_harness (in its folder) in ``__file__``
    and in its code: from Python 3.9 the absolute path (bpo-20443), before it as given."""
    folder = os.path.join(os.path.realpath(session.tmpdir), 'unreported')
    return os.path.join(folder, name) if harness.impl_version() >= (3, 9) else name


def as_python_script_runs_it(folder, script):
    """(status, stdout, stderr) of ``python SCRIPT`` in ``folder``, unguarded: only for probes that touch no
    socket."""
    proc = subprocess.Popen([harness.IMPL_PYTHON, script], cwd=folder, env=harness.child_environment(),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(b'')
    return proc.returncode, out, err


def test_a_script_that_warns_as_it_compiles_warns_on_its_own_stderr(session):
    """An invalid escape warns as the script compiles (a SyntaxWarning from 3.12, a DeprecationWarning hidden
    by default before): the launcher compiles the script, so the warning, worded as the interpreter under test
    words it, is on the program's stderr, as with ``python script.py``."""
    folder = os.path.join(session.tmpdir, 'warns')
    os.mkdir(folder)
    with open(os.path.join(folder, 'script.py'), 'wb') as f:
        f.write(b"x = '\\d'\nprint('ran')\n")               # x = '\\d': an invalid escape
    program = Program(session, 'warns', 'script.py', 'warns', impl_dir=session.tmpdir)
    assert program.wait_exit() == 0
    assert (0, program.stdout_bytes(), program.stderr_bytes()) == as_python_script_runs_it(folder, 'script.py')
    if harness.impl_version() >= (3, 12):                 # and it did warn: the comparison is not of nothing
        assert b'SyntaxWarning' in program.stderr_bytes()


# -- the script sees itself as ``python SCRIPT`` shows it -------------------------------------------------

KNOWS_ITSELF = b"""import sys
print(repr(__name__))
print(repr(__file__))
print(repr(sys.argv))
print(repr(sys.path[0]))
print(sys.modules['__main__'].__file__ == __file__)
def fails():
    return 1 / 0
fails()
"""


def test_the_script_sees_its_name_path_and_traceback_as_python_script_gives_them(session):
    """``__file__`` and the script's frames in a traceback: from Python 3.9 an absolute path (bpo-20443),
    before it the name on the command line; sys.argv[0] is that name in every version."""
    status, out, err, _ = launch_without_harness(session, {}, report=True, source=KNOWS_ITSELF)
    folder = os.path.join(session.tmpdir, 'unreported')
    name = probe_name(session)
    assert out.decode('utf-8').splitlines() == [
        "'__main__'", repr(name), "['probe.py']", repr(os.path.realpath(folder)), 'True']
    assert err.decode('utf-8').splitlines()[1:3] == ['  File "%s", line 9, in <module>' % name, '    fails()']
    assert (status, out, err) == as_python_script_runs_it(folder, 'probe.py')
