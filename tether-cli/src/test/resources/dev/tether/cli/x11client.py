"""An X11 client's first step, for X11ForwardingTest: finds $DISPLAY's cookie in $XAUTHORITY
(libXau's binary format), connects to the display's TCP port and sends the connection setup
with that cookie, then prints what came back. Prints DISPLAY=, XAUTHORITY=, COOKIE= and REPLY=."""
import os
import socket
import struct
import sys

display = os.environ.get("DISPLAY", "")
xauth = os.environ.get("XAUTHORITY", "")
print("DISPLAY=" + display)
print("XAUTHORITY=" + xauth)
host, _, rest = display.rpartition(":")
number = rest.split(".")[0]
entries = []
with open(xauth, "rb") as f:
    data = f.read()
pos = 0


def counted():
    global pos
    (n,) = struct.unpack(">H", data[pos:pos + 2])
    value = data[pos + 2:pos + 2 + n]
    pos += 2 + n
    return value


while pos < len(data):
    (family,) = struct.unpack(">H", data[pos:pos + 2])
    pos += 2
    address, num, name, cookie = counted(), counted(), counted(), counted()
    entries.append((family, address, num.decode(), name.decode(), cookie))
match = [e for e in entries if e[2] == number and e[3] == "MIT-MAGIC-COOKIE-1"]
if not match:
    print("NO-COOKIE")
    sys.exit(3)
cookie = match[0][4]
print("COOKIE=" + cookie.hex())
name = b"MIT-MAGIC-COOKIE-1"


def pad(b):
    return b + b"\0" * ((4 - len(b) % 4) % 4)


setup = struct.pack("<cxHHHHxx", b"l", 11, 0, len(name), len(cookie)) + pad(name) + pad(cookie)
s = socket.create_connection(("127.0.0.1" if host in ("localhost", "") else host, 6000 + int(number)), timeout=60)
s.sendall(setup)
reply = b""
while len(reply) < 8:
    chunk = s.recv(8 - len(reply))
    if not chunk:
        break
    reply += chunk
print("REPLY=" + reply.decode("ascii", "replace"))
s.close()
