#!/usr/bin/python3
"""paramiko logs into Tether's server.

Usage:
  paramiko_login.py HOST USER CASES_JSON
      CASES_JSON is a list of cases, each an object with
        "id":        a name for the case
        "port":      the server's port
        "password":  a password to give SSHClient.connect (optional)
        "key":       a private key file, read with "key_class" (Ed25519Key, ECDSAKey, RSAKey) (optional)
        "disabled_pubkeys": public key algorithms to disable, e.g. ["rsa-sha2-512"] (optional)
        "interactive": a password answered to keyboard-interactive prompts through
                       Transport.auth_interactive instead of SSHClient.connect (optional)
      For every case prints one JSON object, one per line, as soon as the case is done:
        {"id", "authenticated", "error_type", "error", "allowed", "host_keys", "pubkey_algorithm",
         "prompts"}
      "host_keys" lists what the recording MissingHostKeyPolicy saw: [hostname, key type, SHA256 fingerprint].

With AUTHINTEROP_PARAMIKO_LOG set, paramiko's DEBUG log goes to that file.

SSHClient.connect runs with look_for_keys=False and allow_agent=False, so only the given
credentials are tried. Every network wait is bounded (timeout, banner_timeout, auth_timeout).
"""
import base64
import hashlib
import json
import os
import socket
import sys
import traceback

import paramiko


def fingerprint(key):
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


class RecordingPolicy(paramiko.MissingHostKeyPolicy):
    """Accepts the host key and records it, so the test can compare it with the server's."""

    def __init__(self):
        self.seen = []

    def missing_host_key(self, client, hostname, key):
        self.seen.append([hostname, key.get_name(), fingerprint(key)])


KEY_CLASSES = {
    "Ed25519Key": paramiko.Ed25519Key,
    "ECDSAKey": paramiko.ECDSAKey,
    "RSAKey": paramiko.RSAKey,
}


def run_client(host, user, case):
    out = {"id": case["id"], "authenticated": False, "error_type": None, "error": None, "allowed": None,
           "host_keys": [], "pubkey_algorithm": None, "prompts": None}
    client = paramiko.SSHClient()
    policy = RecordingPolicy()
    client.set_missing_host_key_policy(policy)
    kwargs = dict(hostname=host, port=case["port"], username=user, look_for_keys=False, allow_agent=False,
                  timeout=10, banner_timeout=10, auth_timeout=10)
    if case.get("password") is not None:
        kwargs["password"] = case["password"]
    if case.get("key"):
        kwargs["pkey"] = KEY_CLASSES[case["key_class"]].from_private_key_file(case["key"])
    if case.get("disabled_pubkeys"):
        kwargs["disabled_algorithms"] = {"pubkeys": case["disabled_pubkeys"]}
    try:
        client.connect(**kwargs)
        t = client.get_transport()
        out["authenticated"] = bool(t.is_authenticated())
        out["pubkey_algorithm"] = getattr(t, "_agreed_pubkey_algorithm", None)
    except paramiko.BadAuthenticationType as e:
        out["error_type"] = type(e).__name__
        out["error"] = str(e)
        out["allowed"] = list(e.allowed_types)
    except Exception as e:
        out["error_type"] = type(e).__name__
        out["error"] = str(e)
    finally:
        out["host_keys"] = policy.seen
        client.close()
    return out


def run_interactive(host, user, case):
    out = {"id": case["id"], "authenticated": False, "error_type": None, "error": None, "allowed": None,
           "host_keys": [], "pubkey_algorithm": None, "prompts": []}
    sock = socket.create_connection((host, case["port"]), timeout=10)
    t = paramiko.Transport(sock)
    try:
        t.banner_timeout = 10
        t.auth_timeout = 10
        t.start_client(timeout=10)
        key = t.get_remote_server_key()
        out["host_keys"].append([host, key.get_name(), fingerprint(key)])

        def handler(title, instructions, prompts):
            out["prompts"].extend([p for p, echo in prompts])
            return [case["interactive"] for _ in prompts]

        t.auth_interactive(user, handler)
        out["authenticated"] = bool(t.is_authenticated())
    except Exception as e:
        out["error_type"] = type(e).__name__
        out["error"] = str(e)
    finally:
        t.close()
    return out


def main():
    host, user, cases = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    if os.environ.get("AUTHINTEROP_PARAMIKO_LOG"):
        paramiko.util.log_to_file(os.environ["AUTHINTEROP_PARAMIKO_LOG"], level="DEBUG")
    for case in cases:
        try:
            if case.get("interactive") is not None:
                result = run_interactive(host, user, case)
            else:
                result = run_client(host, user, case)
        except Exception as e:
            result = {"id": case["id"], "authenticated": False, "error_type": type(e).__name__,
                      "error": str(e) + "\n" + traceback.format_exc()}
        print(json.dumps(result, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
