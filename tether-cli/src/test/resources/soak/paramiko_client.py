"""One soak iteration with paramiko against tether server (bin/soak, Soak.java).

usage: paramiko_client.py HOST PORT USER KEY KNOWN_HOSTS REMOTE_PATH SIZE

Connects (host key checked against KNOWN_HOSTS), runs `sha256sum` with SIZE random bytes on its
stdin and compares the digest, then puts SIZE other random bytes to REMOTE_PATH over SFTP, gets
them back, compares SHA-256 and removes the file. Prints "ok BYTES" and exits 0, or prints what
differed and exits 1.
"""
import hashlib
import io
import os
import sys

import paramiko


def main():
    host, port, user, key, known, remote, size = sys.argv[1:8]
    port, size = int(port), int(size)
    c = paramiko.SSHClient()
    c.load_host_keys(known)
    c.set_missing_host_key_policy(paramiko.RejectPolicy())
    c.connect(host, port=port, username=user, key_filename=key, look_for_keys=False,
              allow_agent=False, timeout=60, banner_timeout=60, auth_timeout=60)
    moved = 0
    try:
        # exec: upload through stdin, digest computed remotely
        data = os.urandom(size)
        stdin, stdout, stderr = c.exec_command("sha256sum", timeout=120)
        stdin.write(data)
        stdin.channel.shutdown_write()
        out = stdout.read().decode()
        status = stdout.channel.recv_exit_status()
        want = hashlib.sha256(data).hexdigest()
        if status != 0 or out.split()[:1] != [want]:
            print("exec sha256sum: status %d, got %r, want %s" % (status, out, want))
            return 1
        moved += size
        # SFTP put, get, compare, remove
        data = os.urandom(size)
        sftp = c.open_sftp()
        sftp.get_channel().settimeout(120)
        sftp.putfo(io.BytesIO(data), remote)
        buf = io.BytesIO()
        sftp.getfo(remote, buf)
        sftp.remove(remote)
        sftp.close()
        if hashlib.sha256(buf.getvalue()).digest() != hashlib.sha256(data).digest():
            print("sftp round trip: %d bytes back, checksum differs" % len(buf.getvalue()))
            return 1
        moved += 2 * size
    finally:
        c.close()
    print("ok %d" % moved)
    return 0


if __name__ == "__main__":
    sys.exit(main())
