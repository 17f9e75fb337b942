"""Run a program unmodified, with its sockets confined to loopback.

    python loopback.py SCRIPT [ARG ...]

The article's programs bind ('', 50007) and connect to ('192.168.1.13', 50007). This launcher runs such a
script in the same interpreter (Python 2.7 or 3.x), after replacing ``socket.socket`` with a class that

* rewrites addresses from outside:  ``bind`` to '' / 0.0.0.0 becomes 127.0.0.1 on port LOOPBACK_BIND_PORT
  (default 0: the OS chooses), and ``connect`` to an address named in LOOPBACK_CONNECT goes where it says;
* refuses, before any packet is sent, every bind, connect, connect_ex, sendto or sendmsg whose address is
  not a literal 127.0.0.0/8 or ::1 address, raising ``socket.error`` (OSError) with ENETUNREACH; names are
  refused too, even 'localhost', and so is every look-up that could ask a name server (getaddrinfo,
  gethostbyname, gethostbyname_ex, gethostbyaddr, getnameinfo of anything but a literal address);
* guards every socket object a script can get from the socket module: made by ``socket.socket``, returned by
  ``accept()``, ``dup()``, ``fromfd()``, ``create_connection()`` (Python 2 builds the first three from a
  class of its own, ``socket._socketobject``, which is replaced too); a socket that listens without a bind
  is bound to loopback first, not left on every interface;
* reports what it did, one line per event, to the harness over the AF_UNIX stream socket LOOPBACK_REPORT.

It fails closed: without LOOPBACK_REPORT, or if the report socket cannot be reached, the script is not run
and the exit status is 70. The first line the harness receives is ``guard <pid>``, written only once the
guard is in place; the harness does not trust a process that has not said it.

Environment:
    LOOPBACK_REPORT     path of the harness's AF_UNIX listening socket (required)
    LOOPBACK_CONNECT    "HOST:PORT=127.0.0.1:PORT[,...]" connect redirections (optional)
    LOOPBACK_BIND_PORT  port that binds to the wildcard address get (optional, default 0)
    LOOPBACK_TERMINAL   "1": make the terminal on stdio the controlling terminal of the program's session
                        (the harness starts it in a session of its own), so that a Ctrl-C typed there sends
                        SIGINT, as at a person's shell

Like a person's interactive shell, it also starts the script with Ctrl-C as KeyboardInterrupt: a runner started
in the background by a non-interactive shell (``cmd &``) ignores SIGINT, and its children would inherit that.

Events (space separated, one per line): ``guard PID``, ``bind HOST PORT -> HOST PORT``, ``listen PORT``,
``accepting`` (blocked in accept()), ``accept PEERHOST PEERPORT``, ``connect HOST PORT -> HOST PORT``, ``connected LOCALPORT``,
``refused VERB HOST PORT`` (VERB: bind, connect, sendto, sendmsg, resolve), ``error VERB ERRNO``.

What it is not: a sandbox against a program that tries to escape it (``import _socket``, ctypes, a child
process). It confines honest programs and mistaken ports; the second wall is CI's network namespace, in which
only loopback exists (see docs/reliability.md).
"""
import os
import signal
import socket
import sys
import types

from loopback_guard import EXIT_NOT_GUARDED, Reporter, install, parse_connect_map  # beside this file


def main(argv):
    if len(argv) < 2:
        sys.stderr.write('usage: loopback.py SCRIPT [ARG ...]\n')
        return 2
    path = os.environ.get('LOOPBACK_REPORT')
    if not path:
        sys.stderr.write('loopback.py: LOOPBACK_REPORT is not set; refusing to run %s unguarded\n' % argv[1])
        return EXIT_NOT_GUARDED
    try:
        reporter = Reporter(path, socket.socket)
        guarded = install(reporter, parse_connect_map(os.environ.get('LOOPBACK_CONNECT')),
                          int(os.environ.get('LOOPBACK_BIND_PORT') or 0))
    except Exception as e:  # any failure to guard means: do not run
        sys.stderr.write('loopback.py: cannot put the loopback guard in place (%s); refusing to run %s\n'
                         % (e, argv[1]))
        return EXIT_NOT_GUARDED
    if socket.socket is not guarded:
        return EXIT_NOT_GUARDED
    reporter.say('guard', os.getpid())
    as_at_a_shell(os.environ.get('LOOPBACK_TERMINAL') == '1')

    script = argv[1]
    sys.argv = argv[1:]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    # The script gets a fresh __main__, as with ``python SCRIPT``. This module stays alive under another
    # name: Python 2 empties a module's globals when the module object dies.
    sys.modules['_loopback_launcher'] = sys.modules['__main__']
    main_module = types.ModuleType('__main__')
    main_module.__file__ = script
    sys.modules['__main__'] = main_module
    sys.excepthook = excepthook_without_launcher
    if sys.version_info[0] == 2:
        # The file's own parser, as ``python SCRIPT``: Python 2's compile() of a string takes non-ASCII bytes
        # without a coding line, where a script file without one is a SyntaxError (PEP 263).
        execfile(script, main_module.__dict__)  # noqa: F821 (Python 2 only)
    else:
        with open(script, 'rb') as f:
            code = compile(f.read(), script, 'exec', 0, True)
        exec(code, main_module.__dict__)
    return None


def as_at_a_shell(terminal):
    """Ctrl-C raises KeyboardInterrupt, as when Python starts with SIGINT at its default; with ``terminal``,
    the first of stdin, stdout, stderr that is a terminal becomes the session's controlling terminal."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if terminal:
        import fcntl
        import termios
        fcntl.ioctl([fd for fd in (0, 1, 2) if os.isatty(fd)][0], termios.TIOCSCTTY, 0)


def excepthook_without_launcher(etype, value, tb):
    """Show the traceback as ``python SCRIPT`` would: without this launcher's frames."""
    while tb is not None and tb.tb_frame.f_globals is LAUNCHER_GLOBALS:
        tb = tb.tb_next
    if hasattr(value, '__traceback__'):
        value.__traceback__ = tb  # Python 3 prints the exception's own traceback, not the argument
    sys.__excepthook__(etype, value, tb)


LAUNCHER_GLOBALS = globals()

if __name__ == '__main__':
    status = main(sys.argv)
    if status is not None:
        sys.exit(status)
