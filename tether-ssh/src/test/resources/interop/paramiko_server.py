#!/usr/bin/python3
"""paramiko as a server for Tether's client.

Usage:
  paramiko_server.py --list
      Prints, as one JSON object, the algorithms this paramiko offers as a server (group
      exchange only if a moduli file loads).
  paramiko_server.py [--max-connections N] [--timeout SECONDS] KIND:PRIVATE_KEY_FILE...
      KIND is ed25519, ecdsa or rsa. Binds 127.0.0.1:0 and prints the port as the first line of
      stdout. Serves connections (each on its own thread): key exchange with the given host
      keys, then SERVICE_ACCEPT for ssh-userauth (paramiko's own AuthHandler); authentication
      never succeeds. When a connection ends it prints one JSON line describing it.
      Exits after N connections have ended (default 1), when stdin reaches EOF, or after
      SECONDS (default 120) - whichever comes first.
"""
import json
import socket
import sys
import threading
import time
import traceback

import paramiko


class RecordingKexInfo(dict):
    """paramiko looks the agreed method up in Transport._kex_info and later drops its engine: remember the name."""

    chosen = None

    def __getitem__(self, name):
        self.chosen = name
        return dict.__getitem__(self, name)


def record_kex(t):
    t._kex_info = RecordingKexInfo(t._kex_info)


def kex_name(t):
    return t._kex_info.chosen


def list_algorithms():
    T = paramiko.Transport
    kex = list(T._preferred_kex)
    if not T.load_server_moduli():
        kex = [k for k in kex if not k.startswith("diffie-hellman-group-exchange-")]
    return {
        "version": paramiko.__version__,
        "kex": kex,
        "ciphers": list(T._preferred_ciphers),
        "macs": list(T._preferred_macs),
        "keys": list(T._preferred_keys),
    }


def load_key(spec):
    kind, path = spec.split(":", 1)
    cls = {"ed25519": paramiko.Ed25519Key, "ecdsa": paramiko.ECDSAKey, "rsa": paramiko.RSAKey}[kind]
    return cls(filename=path)


class Server(paramiko.ServerInterface):
    def __init__(self, record):
        self.record = record

    def get_banner(self):
        # paramiko's AuthHandler calls this right after it sent SERVICE_ACCEPT for ssh-userauth.
        self.record["service_accepted"] = "ssh-userauth"
        return (None, None)

    def get_allowed_auths(self, username):
        return "publickey,password"

    def check_auth_none(self, username):
        return paramiko.AUTH_FAILED

    def check_auth_password(self, username, password):
        return paramiko.AUTH_FAILED


def serve(conn, keys, done, timeout):
    record = {"event": "connection", "service_accepted": None}
    t = None
    try:
        t = paramiko.Transport(conn)
        record_kex(t)
        for k in keys:
            t.add_server_key(k)
        # Not the blocking form of start_server: that one polls every 0.1 s and reports
        # "Negotiation failed" if a fast client has already finished and hung up in between.
        negotiated = threading.Event()
        t.start_server(event=negotiated, server=Server(record))
        negotiated.wait(timeout)
        # Wait for the client to go away (bounded).
        t.join(timeout)
        record["ended_by_client"] = not t.is_alive()
        record["key_exchange_done"] = t.session_id is not None
        record.update(
            kex=kex_name(t),
            host_key_algorithm=t.host_key_type,
            cipher_c2s=t.remote_cipher,
            cipher_s2c=t.local_cipher,
            mac_c2s=t.remote_mac,
            mac_s2c=t.local_mac,
            remote_version=t.remote_version,
        )
        e = t.get_exception()
        if e is not None:
            # e.g. EOFError once the client hung up: only an error if we never got that far
            record["exception"] = "%s: %s" % (type(e).__name__, e)
        if t.session_id is None or record["service_accepted"] is None:
            record["error"] = record.get("exception") or "no key exchange / no service request"
    except Exception as e:  # noqa: BLE001 - reported to the Java side
        record["error"] = "%s: %s" % (type(e).__name__, e)
        record["traceback"] = traceback.format_exc()
    finally:
        if t is not None:
            t.close()
        print(json.dumps(record), flush=True)
        done.release()


def main(argv):
    args = argv[1:]
    if args == ["--list"]:
        print(json.dumps(list_algorithms()))
        return 0
    max_connections = 1
    timeout = 120.0
    specs = []
    while args:
        a = args.pop(0)
        if a == "--max-connections":
            max_connections = int(args.pop(0))
        elif a == "--timeout":
            timeout = float(args.pop(0))
        else:
            specs.append(a)
    if not specs:
        print(__doc__, file=sys.stderr)
        return 2
    keys = [load_key(s) for s in specs]

    stop = threading.Event()

    def watch_stdin():
        try:
            while sys.stdin.read(4096):
                pass
        finally:
            stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    paramiko.Transport.load_server_moduli()  # enables group exchange on the server side

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    print(listener.getsockname()[1], flush=True)

    deadline = time.monotonic() + timeout
    done = threading.Semaphore(0)
    finished = 0
    while not stop.is_set() and finished < max_connections and time.monotonic() < deadline:
        while done.acquire(blocking=False):
            finished += 1
        if finished >= max_connections:
            break
        try:
            conn, _ = listener.accept()
        except socket.timeout:
            continue
        conn.settimeout(None)
        threading.Thread(target=serve, args=(conn, keys, done, max(1.0, deadline - time.monotonic())),
                         daemon=True).start()
    listener.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
