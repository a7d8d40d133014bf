#!/usr/bin/python3
"""paramiko as a server for Tether's client: one connection, exec served from a ServerInterface.

Usage: paramiko_session_server.py HOST_KEY_FILE [TIMEOUT_SECONDS]

Binds 127.0.0.1:0 and prints the port as the first line of stdout. Accepts one connection, with
the ed25519 host key HOST_KEY_FILE (OpenSSH format), user "tester" password "secret". For each
exec request on a session channel it reads the channel's input to EOF (so that its CHANNEL_SUCCESS
reply has certainly gone out first), then writes the payload bytes(range(256)) * 4096 (1 MiB) on
stdout, "stderr for: COMMAND\n" on stderr, sends exit status 3 and closes the channel. When the
client disconnects it prints "served N" (N exec requests) and exits. Exits after TIMEOUT_SECONDS
(default 60) in any case, or when stdin reaches EOF.
"""
import os
import socket
import sys
import threading
import traceback

import paramiko

PAYLOAD = bytes(range(256)) * 4096


class Server(paramiko.ServerInterface):
    def __init__(self):
        self.served = 0
        self.lock = threading.Lock()

    def get_allowed_auths(self, username):
        return "password"

    def check_auth_password(self, username, password):
        if username == "tester" and password == "secret":
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind, chanid):
        if kind == "session":
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_exec_request(self, channel, command):
        threading.Thread(target=self.serve, args=(channel, command), daemon=True).start()
        return True

    def serve(self, chan, command):
        try:
            chan.settimeout(30)
            while chan.recv(65536):
                pass
            chan.sendall(PAYLOAD)
            chan.sendall_stderr(b"stderr for: " + command + b"\n")
            chan.send_exit_status(3)
            with self.lock:
                self.served += 1
        except Exception:
            traceback.print_exc()
        finally:
            chan.close()


def main():
    key = paramiko.Ed25519Key(filename=sys.argv[1])
    timeout = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    ls.settimeout(timeout)
    print(ls.getsockname()[1], flush=True)

    def stdin_watch():
        sys.stdin.read()
        os._exit(3)

    threading.Thread(target=stdin_watch, daemon=True).start()
    killer = threading.Timer(timeout, lambda: os._exit(2))
    killer.daemon = True
    killer.start()

    conn, _ = ls.accept()
    t = paramiko.Transport(conn)
    t.add_server_key(key)
    server = Server()
    t.start_server(server=server)
    while t.is_active():
        t.join(0.5)
    print("served %d" % server.served, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
