"""ssh ProxyCommand for ServerLimitFlagsTest: connect to HOST PORT, send a PROXY protocol
header line (argument 3, CR LF appended), then relay stdin to the socket and the socket to
stdout until either side ends."""
import os
import socket
import sys
import threading

host, port, header = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sock = socket.create_connection((host, port), timeout=10)
sock.settimeout(None)
sock.sendall(header.encode("ascii") + b"\r\n")


def upstream():
    while True:
        data = os.read(0, 65536)
        if not data:
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            return
        sock.sendall(data)


threading.Thread(target=upstream, daemon=True).start()
out = sys.stdout.buffer
while True:
    data = sock.recv(65536)
    if not data:
        break
    out.write(data)
    out.flush()
