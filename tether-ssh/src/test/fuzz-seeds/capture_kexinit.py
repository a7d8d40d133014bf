#!/usr/bin/python3
"""Captures real KEXINIT payloads (and version lines) for KexInitTarget's seed corpus.

Usage: capture_kexinit.py OUTDIR
Starts a private OpenSSH sshd on 127.0.0.1 (keys and config in a temp dir) and reads its
KEXINIT; listens and lets OpenSSH's ssh and paramiko's client connect to read theirs; and
connects with paramiko's server side. Each payload is written as OUTDIR/<peer>-kexinit.
"""
import os, socket, struct, subprocess, sys, tempfile, threading, time

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def read_packet(f):
    hdr = f.read(5)
    length, pad = struct.unpack(">IB", hdr)
    body = f.read(length - 1)
    return body[: length - 1 - pad]


def read_version(f):
    while True:
        line = f.readline()
        if line.startswith(b"SSH-"):
            return line


def save(name, payload):
    with open(os.path.join(out, name), "wb") as w:
        w.write(payload)


def as_client_of(port, name):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"SSH-2.0-seedcapture\r\n")
    f = s.makefile("rb")
    read_version(f)
    save(name, read_packet(f))
    s.close()


def as_server_for(run_client, name):
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    port = ls.getsockname()[1]
    t = threading.Thread(target=run_client, args=(port,), daemon=True)
    t.start()
    ls.settimeout(20)
    c, _ = ls.accept()
    c.settimeout(10)
    c.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
    f = c.makefile("rb")
    read_version(f)
    save(name, read_packet(f))
    c.close()
    ls.close()


d = tempfile.mkdtemp()
subprocess.run(["ssh-keygen", "-q", "-N", "", "-t", "ed25519", "-f", d + "/host"], check=True)
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); port = ls.getsockname()[1]; ls.close()
with open(d + "/sshd_config", "w") as c:
    c.write(f"Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host\nPidFile {d}/pid\nUsePAM no\n")
os.makedirs("/run/sshd", exist_ok=True)
sshd = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", d + "/sshd_config"], stderr=subprocess.DEVNULL)
try:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    as_client_of(port, "openssh-sshd-kexinit")
finally:
    sshd.kill()

def ssh(port, extra=()):
    subprocess.run(["ssh", "-F", "/dev/null", "-p", str(port), "-o", "BatchMode=yes", "-o", "ConnectTimeout=5",
                    "-o", "UserKnownHostsFile=/dev/null", *extra, "x@127.0.0.1", "true"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)

as_server_for(ssh, "openssh-ssh-kexinit")
as_server_for(lambda p: ssh(p, ["-o", "KexAlgorithms=diffie-hellman-group-exchange-sha256,ecdh-sha2-nistp256",
                                "-o", "Ciphers=aes128-ctr", "-o", "MACs=hmac-sha2-256", "-o", "Compression=yes"]),
              "openssh-ssh-kexinit-gex-ctr-zlib")

import paramiko
def para(port):
    try:
        t = paramiko.Transport(("127.0.0.1", port))
        t.start_client(timeout=5)
    except Exception:
        pass
as_server_for(para, "paramiko-client-kexinit")
