#!/usr/bin/python3
"""paramiko's SFTPClient against Tether's SFTP server.

Usage:
  paramiko_sftp_client.py PORT USER KEY_FILE HOST_KEY_BASE64 WORK_DIR
      Logs in to 127.0.0.1:PORT as USER with the Ed25519 key in KEY_FILE, checking that the
      server's host key is HOST_KEY_BASE64 (the key blob), then, on the server's files:
        put WORK_DIR/up.bin as /up.bin; get it back as WORK_DIR/down.bin;
        listdir_attr("/"); stat("/up.bin"); posix_rename("/up.bin", "/renamed.bin");
        symlink("a.txt", "/plink") (paramiko sends the target first, as OpenSSH does);
        open and stat a missing file (paramiko raises FileNotFoundError, errno 2).
      Prints one result a line, "NAME VALUE" (an entry: "entry NAME SIZE MODE_OCTAL"), and
      "done" last. Exits 3 on a host key mismatch; any other error ends it with a traceback.

Every network wait is bounded (connect, banner, auth and channel timeouts of 30 s).
"""
import base64
import hashlib
import os
import socket
import sys

import paramiko

TIMEOUT = 30


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def missing(label, call):
    try:
        call()
        print(label + "_error none")
    except FileNotFoundError as e:
        print(label + "_error FileNotFoundError " + str(e.errno))
    except IOError as e:
        print(label + "_error " + type(e).__name__ + " " + str(e.errno))


def main():
    port, user, key_file, host_key, work = sys.argv[1:6]
    sock = socket.create_connection(("127.0.0.1", int(port)), timeout=TIMEOUT)
    t = paramiko.Transport(sock)
    t.banner_timeout = TIMEOUT
    t.auth_timeout = TIMEOUT
    t.start_client(timeout=TIMEOUT)
    if t.get_remote_server_key().asbytes() != base64.b64decode(host_key):
        print("host key mismatch")
        sys.exit(3)
    t.auth_publickey(user, paramiko.Ed25519Key.from_private_key_file(key_file))
    sftp = paramiko.SFTPClient.from_transport(t)
    sftp.get_channel().settimeout(TIMEOUT)

    attrs = sftp.put(os.path.join(work, "up.bin"), "/up.bin")
    print("put_size %d" % attrs.st_size)
    sftp.get("/up.bin", os.path.join(work, "down.bin"))
    print("down_sha256 " + sha256(os.path.join(work, "down.bin")))

    for a in sorted(sftp.listdir_attr("/"), key=lambda a: a.filename):
        print("entry %s %d %o" % (a.filename, a.st_size, a.st_mode))

    st = sftp.stat("/up.bin")
    print("stat_size %d" % st.st_size)
    print("stat_mode %o" % st.st_mode)
    print("stat_mtime %d" % st.st_mtime)

    sftp.posix_rename("/up.bin", "/renamed.bin")
    print("renamed_size %d" % sftp.stat("/renamed.bin").st_size)

    sftp.symlink("a.txt", "/plink")
    print("readlink " + sftp.readlink("/plink"))

    missing("open", lambda: sftp.open("/missing.txt", "r"))
    missing("stat", lambda: sftp.stat("/missing.txt"))

    sftp.close()
    t.close()
    print("done")


if __name__ == "__main__":
    main()
