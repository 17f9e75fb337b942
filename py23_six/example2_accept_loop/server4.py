# -*- coding: utf-8 -*-
from __future__ import print_function
import socket
import io, sys, six          #Python 3: print() takes text but recv() gives bytes; Latin-1 turns each byte into one character and back
if not six.PY2:              #Python 2 prints the received str's bytes as they are (and 2.7's stdout has no detach())
    sys.stdout = io.TextIOWrapper(sys.stdout.detach(), 'latin-1', 'strict', '\n', sys.stdout.line_buffering, getattr(sys.stdout, 'write_through', False))
 
HOST =''
PORT = 50007
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind((HOST, PORT))
s.listen(1)
 
while 1:
    conn, addr = s.accept()        #在循环中接受Client端连接的请求
    print('Connected by', addr)
    while True:                    #再做一个内部的循环
        data = conn.recv(1024)
        print('Received',six.ensure_str(data, 'latin-1'))
        if not data:break
        conn.sendall(data)
conn.close()
