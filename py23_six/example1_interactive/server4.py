# -*- coding: utf-8 -*-
from __future__ import print_function
import socket                #导入socket类
import io, sys, six          #Python 3: print() takes text but recv() gives bytes; Latin-1 turns each byte into one character and back
if not six.PY2:              #Python 2 prints the received str's bytes as they are (and 2.7's stdout has no detach())
    sys.stdout = io.TextIOWrapper(sys.stdout.detach(), 'latin-1', 'strict', '\n', sys.stdout.line_buffering, getattr(sys.stdout, 'write_through', False))
  
HOST =''                     #定义侦听本地地址口(多个IP地址情况下),这里表示侦听所有,也可以写成0.0.0.0
PORT = 50007                 #Server端开放的服务端口
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)    #选择Socket类型和Socket数据包类型
s.bind((HOST, PORT))         #绑定IP地址和端口
s.listen(1)                  #定义侦听数开始侦听(实际上并没有效果)
conn, addr = s.accept()      #定义实例,accept()函数的返回值可以看上面的socket函数说明
  
print('Connected by', addr)
while 1:
    data = conn.recv(1024)    #接受套接字的数据
    if not data:break         #如果没有数据接收,则断开连接
    print('revc:',six.ensure_str(data, 'latin-1'))  #发送接收到的数据
    conn.sendall(data)        #发送接收到的数据
conn.close()                      #关闭套接字
