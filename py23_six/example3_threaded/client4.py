from __future__ import print_function
import socket
import os, sys, six


if not six.PY2:                                       # Python 2 keeps its built-in raw_input(); Python 3 gets the port's:
    def raw_input(prompt):                            # Python 2's raw_input(), on bytes: Python 3's input() decodes the line and flushes stdout
        if os.isatty(0) and os.isatty(1):             # at a terminal, Python 2 read through PyOS_Readline, which
            sys.stdout.flush()                        #   flushed stdout,
            sys.stderr.write(prompt)                  #   wrote the prompt to stderr,
            sys.stderr.flush()
            line = sys.stdin.buffer.readline(99).split(b'\0')[0]  #   read with C's fgets() into a 100-byte C string (a NUL ends it),
            while line and not line.endswith(b'\n'):  #   read on while it did not end in a newline (Ctrl-D, a NUL),
                more = sys.stdin.buffer.readline(len(line) + 1)   #   in pieces as long as what it had, plus one
                if not more:
                    break
                line += more.split(b'\0')[0]
            if not line:
                raise EOFError                        #   raised a bare EOFError for an empty C string
            return line[:-1]                          #   and cut the last character, the newline
        sys.stdout.write(prompt)                      # elsewhere it wrote the prompt to stdout, not flushed,
        line = sys.stdin.buffer.readline()            # read the line's bytes as they came
        if not line:
            raise EOFError('EOF when reading a line')
        return line[:-1] if line[-1:] == b'\n' else line  # and cut the newline, if there was one
 
HOST = '192.168.1.13'
PORT = 50007
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((HOST, PORT))
 
while True:
    user_input = raw_input('msg to send:').strip()
    s.sendall(user_input)
    data = s.recv(1024)
    print('Received', repr(data) if six.PY2 else repr(data)[1:])  # Python 2's repr of the str; on Python 3, of the bytes without the b
 
s.close()
