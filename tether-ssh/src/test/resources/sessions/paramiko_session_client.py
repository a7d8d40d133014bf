#!/usr/bin/python3
"""paramiko's client against Tether's server: sessions.

Usage: paramiko_session_client.py PORT USER KEY_FILE HOST_KEY_BASE64 BIG_FILE

Connects to 127.0.0.1:PORT, checks that the server's host key is HOST_KEY_BASE64, logs in as
USER with the OpenSSH ed25519 private key KEY_FILE, then prints one line per result, each
"NAME VALUE" (byte strings as hex):
  host_key ok
  exec_stdout HEX / exec_stderr HEX / exec_status N    for: echo out; echo err >&2; exit 7
  big_bytes N / big_sha256 HEX / big_stderr HEX / big_status N    for: cat BIG_FILE, read in chunks
  done
Every blocking step has a timeout; any failure prints "error ..." and exits 1.
"""
import hashlib
import socket
import sys
import traceback

import paramiko

TIMEOUT = 60


def run(chan, command):
    chan.settimeout(TIMEOUT)
    chan.exec_command(command)
    chan.shutdown_write()
    return chan


def main():
    port, user, key_file, host_key_b64, big_file = sys.argv[1:6]
    sock = socket.create_connection(("127.0.0.1", int(port)), timeout=TIMEOUT)
    t = paramiko.Transport(sock)
    try:
        t.start_client(timeout=TIMEOUT)
        if t.get_remote_server_key().get_base64() != host_key_b64:
            print("error host key mismatch: " + t.get_remote_server_key().get_base64())
            return 1
        print("host_key ok")
        t.auth_publickey(user, paramiko.Ed25519Key(filename=key_file))
        if not t.is_authenticated():
            print("error not authenticated")
            return 1

        chan = run(t.open_session(timeout=TIMEOUT), "echo out; echo err >&2; exit 7")
        out = chan.makefile("rb").read()
        err = chan.makefile_stderr("rb").read()
        print("exec_stdout " + out.hex())
        print("exec_stderr " + err.hex())
        print("exec_status %d" % chan.recv_exit_status())
        chan.close()

        chan = run(t.open_session(timeout=TIMEOUT), "cat " + big_file)
        h = hashlib.sha256()
        total = 0
        while True:
            data = chan.recv(65536)
            if not data:
                break
            h.update(data)
            total += len(data)
        err = chan.makefile_stderr("rb").read()
        print("big_bytes %d" % total)
        print("big_sha256 " + h.hexdigest())
        print("big_stderr " + err.hex())
        print("big_status %d" % chan.recv_exit_status())
        chan.close()
        print("done")
        return 0
    except Exception as e:
        print("error " + repr(e).replace("\n", " "))
        traceback.print_exc()
        return 1
    finally:
        t.close()


if __name__ == "__main__":
    sys.exit(main())
