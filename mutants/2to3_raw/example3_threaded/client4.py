import socket
 
HOST = '192.168.1.13'
PORT = 50007
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((HOST, PORT))
 
while True:
    user_input = input('msg to send:').strip()
    s.sendall(user_input)
    data = s.recv(1024)
    print('Received', repr(data))
 
s.close()
