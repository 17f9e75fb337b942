"""What the launcher does (harness/loopback.py says what that is): a module of its own, like the guard, so that
each interpreter reads it compiled, as it reads an installed library (harness/launch.py compiles both once),
where ``python loopback.py`` would compile it at every start. loopback.py is only its entry.
"""
import os
import socket
import sys
import types

try:
    import _signal as signal  # Python 3: the C module; ``signal`` would build its enums too (about 1 ms a start)
except ImportError:
    import signal  # Python 2: the C module

from loopback_guard import EXIT_NOT_GUARDED, Reporter, install, parse_connect_map  # beside this file

LAUNCHER_GLOBALS = []  # of the launcher's frames, which a traceback of the script leaves out


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
    launcher = sys.modules['__main__']
    sys.modules['_loopback_launcher'] = launcher
    LAUNCHER_GLOBALS[:] = [globals(), launcher.__dict__]  # this module's frames, and loopback.py's
    name = script_name(script)
    main_module = types.ModuleType('__main__')
    main_module.__file__ = name
    sys.modules['__main__'] = main_module
    sys.excepthook = excepthook_without_launcher
    if sys.version_info[0] == 2:
        # The file's own parser, as ``python SCRIPT``: Python 2's compile() of a string takes non-ASCII bytes
        # without a coding line, where a script file without one is a SyntaxError (PEP 263).
        execfile(script, main_module.__dict__)  # noqa: F821 (Python 2 only)
    else:
        with open(script, 'rb') as f:
            source = f.read()
        exec(compile(source, name, 'exec', 0, True), main_module.__dict__)
    return None


def script_name(script):
    """The script's name in ``__main__.__file__`` and in its code (its tracebacks, its warnings), as ``python
    SCRIPT`` gives it: from Python 3.9 joined to the working directory if relative, not normalised
    (bpo-20443: ``python ../s.py`` is ``/cwd/../s.py``); before, as given. sys.argv[0] stays as given."""
    if sys.version_info >= (3, 9) and not os.path.isabs(script):
        return os.path.join(os.getcwd(), script)
    return script


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
    while tb is not None and any(tb.tb_frame.f_globals is g for g in LAUNCHER_GLOBALS):
        tb = tb.tb_next
    if hasattr(value, '__traceback__'):
        value.__traceback__ = tb  # Python 3 prints the exception's own traceback, not the argument
    sys.__excepthook__(etype, value, tb)
