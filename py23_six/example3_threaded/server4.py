# -*- coding: utf-8 -*-
#Not from the article: the threaded server its last paragraph calls for, written for this repository in its style
from __future__ import print_function
from six.moves import socketserver   #SocketServer on Python 2, socketserver on Python 3
import io, sys, six          #Python 3: print() takes text but recv() gives bytes; Latin-1 turns each byte into one character and back
if not six.PY2:              #Python 2 prints the received str's bytes as they are (and 2.7's stdout has no detach())
    sys.stdout = io.TextIOWrapper(sys.stdout.detach(), 'latin-1', 'strict', '\n', sys.stdout.line_buffering, getattr(sys.stdout, 'write_through', False))
    sys.stderr = io.TextIOWrapper(sys.stderr.detach(), sys.stderr.encoding, sys.stderr.errors, None, True)  #Python 3.6, 3.7: a traceback to a file waits in stderr's buffer; Python 2 wrote it at once
 
HOST =''
PORT = 50007
 
class MyTCPHandler(socketserver.BaseRequestHandler):
    def handle(self):                  #每个Client端连接都在自己的线程里处理
        print('Connected by', self.client_address)
        while True:                    #再做一个内部的循环
            data = self.request.recv(1024)
            print('Received',six.ensure_str(data, 'latin-1'))
            if not data:break
            self.request.sendall(data)
 
s = socketserver.ThreadingTCPServer((HOST, PORT), MyTCPHandler)   #每接受一个连接就开一个线程
s.serve_forever()
