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

The script runs as ``python SCRIPT`` runs it: a fresh ``__main__``, ``sys.argv`` from SCRIPT on, the script's
folder as ``sys.path[0]``, and its name as that version gives it (from Python 3.9 ``__file__`` and the
script's frames are absolute, bpo-20443); a traceback leaves out the launcher's frames.

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
import sys

from loopback_main import main  # beside this file: the launcher itself, read compiled

if __name__ == '__main__':
    status = main(sys.argv)
    if status is not None:
        sys.exit(status)
