# -*- coding: utf-8 -*-
#Not from the article: the threaded server its last paragraph calls for, written for this repository in its style
import socketserver
 
HOST =''
PORT = 50007
 
class MyTCPHandler(socketserver.BaseRequestHandler):
    def handle(self):                  #每个Client端连接都在自己的线程里处理
        print('Connected by', self.client_address)
        while True:                    #再做一个内部的循环
            data = self.request.recv(1024)
            print('Received',data)
            if not data:break
            self.request.sendall(data)
 
s = socketserver.ThreadingTCPServer((HOST, PORT), MyTCPHandler)   #每接受一个连接就开一个线程
s.serve_forever()
