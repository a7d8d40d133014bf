#!/usr/bin/python3
"""paramiko as a client against Tether's server.

Usage:
  paramiko_client.py --list
      Prints, as one JSON object, the algorithms this paramiko offers as a client.
  paramiko_client.py HOST PORT USER FINGERPRINTS_JSON CASES_JSON
      FINGERPRINTS_JSON maps a key type (ssh-ed25519, ecdsa-sha2-nistp256, ..., ssh-rsa) to the
      SHA256 fingerprint the server's host key of that type must have.
      CASES_JSON is a list of {"id": str, "kex": [..], "ciphers": [..], "macs": [..], "keys": [..],
      "rekey": bool} (each optional: paramiko's defaults otherwise).
      For every case: connect, t.start_client(timeout=15), compare the server key's fingerprint,
      with "rekey" run a key re-exchange (t.renegotiate_keys()), then t.auth_none(USER), which
      must raise BadAuthenticationType with the allowed methods.
      Prints one JSON object per case, one per line, as soon as the case is done.

Every network wait is bounded (socket timeout, start_client timeout, auth timeout).
"""
import base64
import hashlib
import json
import socket
import sys
import traceback

import paramiko


def fingerprint(key):
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


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
    return {
        "version": paramiko.__version__,
        "kex": list(T._preferred_kex),
        "ciphers": list(T._preferred_ciphers),
        "macs": list(T._preferred_macs),
        "keys": list(T._preferred_keys),
    }


def run_case(host, port, user, case, expected):
    out = {"id": case.get("id")}
    sock = None
    t = None
    try:
        sock = socket.create_connection((host, port), timeout=15)
        out["local_port"] = sock.getsockname()[1]
        t = paramiko.Transport(sock)
        record_kex(t)
        t.auth_timeout = 15
        t.banner_timeout = 15
        opts = t.get_security_options()
        if case.get("kex"):
            opts.kex = case["kex"]
        if case.get("ciphers"):
            opts.ciphers = case["ciphers"]
        if case.get("macs"):
            opts.digests = case["macs"]
        if case.get("keys"):
            opts.key_types = case["keys"]
        t.start_client(timeout=15)
        key = t.get_remote_server_key()
        out.update(
            kex=kex_name(t),
            host_key_algorithm=t.host_key_type,
            key_type=key.get_name(),
            cipher_c2s=t.local_cipher,
            cipher_s2c=t.remote_cipher,
            mac_c2s=t.local_mac,
            mac_s2c=t.remote_mac,
            remote_version=t.remote_version,
            fingerprint=fingerprint(key),
        )
        want = expected.get(key.get_name())
        out["expected_fingerprint"] = want
        out["fingerprint_ok"] = want is not None and want == out["fingerprint"]
        if case.get("rekey"):
            t.renegotiate_keys()
            out["rekeyed"] = True
        try:
            t.auth_none(user)
            out["auth"] = "success"
        except paramiko.BadAuthenticationType as e:
            out["auth"] = "BadAuthenticationType"
            out["allowed_types"] = list(e.allowed_types)
        except Exception as e:  # noqa: BLE001 - reported to the Java side
            out["auth"] = "%s: %s" % (type(e).__name__, e)
    except Exception as e:  # noqa: BLE001
        out["error"] = "%s: %s" % (type(e).__name__, e)
        out["traceback"] = traceback.format_exc()
    finally:
        if t is not None:
            t.close()
        elif sock is not None:
            sock.close()
    return out


def main(argv):
    if len(argv) == 2 and argv[1] == "--list":
        print(json.dumps(list_algorithms()))
        return 0
    if len(argv) != 6:
        print(__doc__, file=sys.stderr)
        return 2
    host, port, user = argv[1], int(argv[2]), argv[3]
    expected = json.loads(argv[4])
    cases = json.loads(argv[5])
    for case in cases:
        print(json.dumps(run_case(host, port, user, case, expected)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
