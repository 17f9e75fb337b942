# -*- coding: utf-8 -*-
import socket
 
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
        print('Received',data)
        if not data:break
        conn.sendall(data)
conn.close()
