# -*- coding: utf-8 -*-
"""The article's two demonstrations, and the threaded server its conclusion calls for, each written once: for
the demo tests, the differential tests and ``tox -e demo``.

Three terminals, as in the article: the server's, client A's and client B's, each program unmodified on a
pseudo-terminal of its own. The story, in acts a caller plays as far as it needs (``acts``):

Examples 1 and 2, the article's (ACTS):

1. ``client_a_talks``: the server starts; client A types the article's messages, each echoed.
2. ``client_b_waits``: client B connects and types its message; while A is connected, B gets no answer and the
   server reads nothing (``b_was_blocked``, a bounded wait).
3. ``client_a_leaves``: A presses Ctrl-C. Example 1: the server exits with A, and B's connection is reset.
   Example 2: the server accepts B and serves it, and goes on accepting (``server_went_on``).
4. ``the_end`` (example 2): B presses Ctrl-D, the server, back in accept(), is stopped with Ctrl-C.

Example 3, not the article's (THREADED_ACTS, two endings): A talks as in example 2; ``client_b_is_served``:
B connects and types, and its echo comes back while A is still connected. Then either

* ``nobody_connected``: ``client_a_leaves`` (Ctrl-C), ``client_b_leaves`` (Ctrl-D), and ``server_stopped``:
  SIGINT with no client connected, and the server ends; or
* ``a_connected``: ``client_b_leaves``; ``server_interrupted``: SIGINT while A is connected: the server prints
  its traceback and goes on (``server_went_on``, a bounded wait); ``client_a_talks_on``: A types once more and
  is echoed; ``client_a_leaves``: A presses Ctrl-C, and the server ends with it.

The threaded server gets its Ctrl-C as SIGINT sent to it (``kill -INT``, so no ``^C`` on its terminal): what a
person's Ctrl-C does to a running process, whose main thread takes the signal (harness/programs.py:
``interrupt_by_signal``). Every step waits for its echo, so the server's lines come in one order whatever its
threads do.
``marks`` records where each act began on every terminal, for a transcript that shows the story.
"""
from harness.capture import nothing_new_within
from harness.config import EX1, EX2, EX3, PROMPT, QUIET_MS

# What the article's people type: client A's messages, then client B's (example 3: example 2's).
ARTICLE = {
    EX1: ([b'The first msg.', b'The second msg.', b'The third msg.', b"I'm A."], b"I'm B"),
    EX2: ([b'Hello!', b"I'm Client A."], b"I'm Client B."),
    EX3: ([b'Hello!', b"I'm Client A."], b"I'm Client B."),
}
A_ONCE_MORE = b'Still here.'  # what A types in example 3 after the server got Ctrl-C (not the article's)
ROLES = ('server', 'client A', 'client B')
ACTS = ('client_a_talks', 'client_b_waits', 'client_a_leaves', 'the_end')
THREADED_ACTS = {
    'nobody_connected': ('client_a_talks', 'client_b_is_served', 'client_a_leaves', 'client_b_leaves',
                         'server_stopped'),
    'a_connected': ('client_a_talks', 'client_b_is_served', 'client_b_leaves', 'server_interrupted',
                    'client_a_talks_on', 'client_a_leaves'),
}


class Demonstration(object):
    """The story of one example, on one implementation (``python``, ``impl_dir``: the session's defaults if
    not given); ``ending`` (example 3 only) one of THREADED_ACTS; ``label`` goes into the programs' names,
    ``step(text)`` hears of every step."""

    def __init__(self, session, example, python=None, impl_dir=None, label=None, step=None, ending=None):
        self.session = session
        self.example = example
        if example == EX3:
            self.acts = THREADED_ACTS[ending or 'nobody_connected']
        elif ending:
            raise ValueError('only example 3 has endings to choose from')
        else:
            self.acts = ACTS
        self.runs = dict((k, v) for k, v in (('python', python), ('impl_dir', impl_dir)) if v)
        self.label = label
        self.step = step or (lambda text: None)
        self.a_messages, self.b_message = ARTICLE[example]
        self.programs = {}
        self.marks = []            # (what happens next, {role: offset in its terminal})
        self.interrupted = set()   # the roles that were sent Ctrl-C
        self.acts_done = []
        self.b_was_blocked = None
        self.server_went_on = None

    # -- the people --------------------------------------------------------------------------------------
    @property
    def server(self):
        return self.programs['server']

    @property
    def a(self):
        return self.programs['client A']

    @property
    def b(self):
        return self.programs['client B']

    def role(self, who):
        return who if not self.label else '%s (%s)' % (who, self.label)

    def mark(self, what):
        """A line of the story in every terminal's transcript: what happens from this point on."""
        self.marks.append((what, dict((role, len(p.terminal.bytes())) for role, p in self.programs.items())))

    def ports(self):
        """The clients' local ports by name ('A', 'B'), as the server prints them in 'Connected by'."""
        return dict((role.split()[-1], p.local_port) for role, p in self.programs.items()
                    if role.startswith('client') and p.event_count('connected'))

    # -- the acts ----------------------------------------------------------------------------------------
    def play(self, until=None):
        """Play the acts in order, up to and including ``until`` (by default, to the end)."""
        for act in self.acts[:self.acts.index(until or self.acts[-1]) + 1]:
            if act not in self.acts_done:
                getattr(self, act)()
        return self

    def _begin(self, act):
        previous = self.acts[:self.acts.index(act)]
        if previous:
            self.play(previous[-1])
        self.acts_done.append(act)

    def client_a_talks(self):
        self._begin('client_a_talks')
        server = self.programs['server'] = self.session.server(self.example, role=self.role('server'), tty=True,
                                                               **self.runs)
        self.step('server listening')
        a = self.programs['client A'] = self.session.client(self.example, server.port, role=self.role('client A'),
                                                            tty=True, **self.runs)
        for message in self.a_messages:
            a.expect(PROMPT)
            a.type(message + b'\r')
            server.expect(message + b'\r\n')
        a.expect(PROMPT)
        self.step('client A: %d messages echoed' % len(self.a_messages))

    def client_b_waits(self):
        self._begin('client_b_waits')
        self.mark('client B connects and types "%s"' % self.b_message.decode('ascii'))
        b = self.programs['client B'] = self.session.client(self.example, self.server.port,
                                                            role=self.role('client B'), tty=True, **self.runs)
        b.expect(PROMPT)
        b.type(self.b_message + b'\r')
        b.expect(self.b_message + b'\r\n')                  # the terminal echoes what was typed
        self.b_was_blocked = nothing_new_within([b.terminal, self.server.terminal])
        self.step('client B: no answer within %d ms (blocked)' % QUIET_MS if self.b_was_blocked
                  else 'client B: ANSWERED while A was connected')

    def client_a_leaves(self):
        self._begin('client_a_leaves')
        self.mark('client A presses Ctrl-C')
        self.interrupt('client A')
        self.a.wait_exit()
        self.step('client A: Ctrl-C')
        if self.example == EX3:                              # A's thread prints A's end of stream
            self.server.expect(b'Received \r\n')
            if 'server_interrupted' in self.acts_done:       # the server was waiting for A's thread only
                self.server.wait_exit()
                self.step('server ended with A')
            else:
                # A's thread ends: its print statement is over, not only its newline written. Python 2's
                # keeps the space it owes the next item (softspace) on the file, for every thread, until then.
                self.server.wait_for_threads(2)               # the main thread and B's
            return
        if self.example == EX1:                              # the server leaves with A; B's connection is reset
            self.server.wait_exit()
            self.step('server exited')
            self.b.wait_exit()
            self.step('client B: connection reset')
        else:                                                # the server accepts B and serves it
            self.b.expect(PROMPT)
            self.server.expect(self.b_message + b'\r\n')
            self.step('client B served')
            self.server_went_on = self.server.still_running_after()
            self.step('server still accepting' if self.server_went_on else 'server EXITED')

    def the_end(self):
        self._begin('the_end')
        if self.example != EX2:
            return
        self.mark('client B presses Ctrl-D; the server, back in accept(), gets Ctrl-C')
        self.b.type(b'\x04')
        self.b.wait_exit()
        self.server.wait_in_accept(3)
        self.interrupt('server')
        self.server.wait_exit()
        self.step('client B: Ctrl-D; server: Ctrl-C')

    # -- example 3's acts (not the article's) ---------------------------------------------------------------
    def client_b_is_served(self):
        self._begin('client_b_is_served')
        self.mark('client B connects and types "%s"' % self.b_message.decode('ascii'))
        b = self.programs['client B'] = self.session.client(self.example, self.server.port,
                                                            role=self.role('client B'), tty=True, **self.runs)
        b.expect(PROMPT)
        b.type(self.b_message + b'\r')
        self.server.expect(self.b_message + b'\r\n')
        b.expect(PROMPT)
        self.step('client B: served while A is connected')

    def client_b_leaves(self):
        self._begin('client_b_leaves')
        self.mark('client B presses Ctrl-D')
        self.b.type(b'\x04')
        self.b.wait_exit()
        self.server.expect(b'Received \r\n')               # B's end of stream, printed by B's thread
        self.server.wait_for_threads(1 if 'client_a_leaves' in self.acts_done else 2)   # B's has ended (softspace)
        self.step('client B: Ctrl-D')

    def server_stopped(self):
        self._begin('server_stopped')
        self.mark('the server gets SIGINT (kill -INT, as Ctrl-C); no client is connected')
        self.interrupt('server', typed=False)
        self.server.wait_exit()
        self.step('server: SIGINT, ended')

    def server_interrupted(self):
        self._begin('server_interrupted')
        self.mark('the server gets SIGINT (kill -INT, as Ctrl-C) while client A is connected')
        self.interrupt('server', typed=False)
        self.server.expect(b'KeyboardInterrupt\r\n')
        self.server_went_on = self.server.still_running_after()
        self.step('server: SIGINT, traceback; %s' % ('still serving A' if self.server_went_on else 'EXITED'))

    def client_a_talks_on(self):
        self._begin('client_a_talks_on')
        self.mark('client A types "%s"' % A_ONCE_MORE.decode('ascii'))
        self.a.type(A_ONCE_MORE + b'\r')
        self.server.expect(A_ONCE_MORE + b'\r\n')
        self.a.expect(PROMPT)
        self.step('client A: served after the server\'s Ctrl-C')

    def interrupt(self, role, typed=True):
        """Ctrl-C: typed on the role's terminal, or (``typed=False``) SIGINT sent to its process."""
        self.interrupted.add(role)
        if typed:
            self.programs[role].interrupt()
        else:
            self.programs[role].interrupt_by_signal()
