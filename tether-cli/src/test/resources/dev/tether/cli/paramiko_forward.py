#!/usr/bin/python3
"""paramiko's client against tether server: port forwarding.

Usage: paramiko_forward.py PORT USER KEY_FILE HOST_KEY_BASE64 ECHO_PORT

Connects to 127.0.0.1:PORT, checks the host key, logs in as USER with the OpenSSH ed25519 key
KEY_FILE, then prints one line per step:
  direct HEX            what came back through Transport.open_channel("direct-tcpip") to
                        127.0.0.1:ECHO_PORT after sending "paramiko-direct" and EOF
  listening N           request_port_forward("127.0.0.1", 0) answered port N; the test then
                        connects to it, sends some bytes and EOF
  forwarded HEX         what the forwarded-tcpip channel carried; it is sent back upper-cased
  origin HOST PORT      the forwarded-tcpip channel's origin, as the server named it
  cancelled             cancel_port_forward("127.0.0.1", N) returned
  done
Every blocking step has a timeout; any failure prints "error ..." and exits 1.
"""
import socket
import sys
import traceback

import paramiko

TIMEOUT = 60


def read_all(chan):
    chan.settimeout(TIMEOUT)
    out = b""
    while True:
        data = chan.recv(65536)
        if not data:
            return out
        out += data


def main():
    port, user, key_file, host_key_b64, echo_port = sys.argv[1:6]
    sock = socket.create_connection(("127.0.0.1", int(port)), timeout=TIMEOUT)
    t = paramiko.Transport(sock)
    try:
        t.start_client(timeout=TIMEOUT)
        if t.get_remote_server_key().get_base64() != host_key_b64:
            print("error host key mismatch", flush=True)
            return 1
        t.auth_publickey(user, paramiko.Ed25519Key(filename=key_file))
        if not t.is_authenticated():
            print("error not authenticated", flush=True)
            return 1

        chan = t.open_channel("direct-tcpip", ("127.0.0.1", int(echo_port)), ("127.0.0.1", 4444), timeout=TIMEOUT)
        chan.sendall(b"paramiko-direct")
        chan.shutdown_write()
        print("direct " + read_all(chan).hex(), flush=True)
        chan.close()

        origins = []

        def handler(channel, origin, server):
            origins.append(origin)
            t._queue_incoming_channel(channel)

        listening = t.request_port_forward("127.0.0.1", 0, handler=handler)
        print("listening %d" % listening, flush=True)
        chan = t.accept(TIMEOUT)
        if chan is None:
            print("error no forwarded-tcpip channel", flush=True)
            return 1
        data = read_all(chan)
        print("forwarded " + data.hex(), flush=True)
        print("origin %s %d" % (origins[0][0], origins[0][1]), flush=True)
        chan.sendall(data.upper())
        chan.shutdown_write()
        chan.close()

        t.cancel_port_forward("127.0.0.1", listening)
        print("cancelled", flush=True)
        print("done", flush=True)
        return 0
    except Exception as e:
        print("error " + repr(e), flush=True)
        traceback.print_exc()
        return 1
    finally:
        t.close()


if __name__ == "__main__":
    sys.exit(main())
