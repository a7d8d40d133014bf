#!/usr/bin/python3
"""Captures real SFTP and SCP traffic for the seed corpora of SftpRequestTarget, SftpReplyTarget and ScpTarget.

Usage: capture_sftp.py RESOURCES   (tether-sftp/src/test/resources/fuzz)

SFTP: OpenSSH's sftp runs batch files (ls, get, put, mkdir, rename, symlink, ln, rm, chmod, chown,
df, reget, reput, ...) against /usr/lib/openssh/sftp-server directly (sftp -D WRAPPER), where
WRAPPER tees the client's stream and the server's stream to files around the real sftp-server.
The client's stream, after one settings byte (0, or 2: start in /dir), seeds SftpRequestTarget;
the server's stream seeds SftpReplyTarget as it is (the target reads the framing).

SCP: OpenSSH's scp -O (the legacy protocol) copies files and a directory tree with -p through
scp -S FAKESSH, a fake ssh that runs the remote scp command locally with tee around it. Uploads
(scp -t) give the client's records for the sink; downloads (scp -f) give the client's status
bytes for the source. Each is written after the settings byte of ScpTarget (see ScpTarget.LINES).
Each seed is kept below 16 KiB.
"""
import os, shutil, subprocess, sys, tempfile

res = sys.argv[1]
LIMIT = 16 * 1024
work = tempfile.mkdtemp()
srv = os.path.join(work, "srv")
local = os.path.join(work, "local")
os.makedirs(srv)
os.makedirs(os.path.join(local, "tree", "sub"))


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def reset_server_files():
    shutil.rmtree(srv)
    os.makedirs(os.path.join(srv, "dir", "sub"))
    write(os.path.join(srv, "hello.txt"), b"hello, world\n")
    write(os.path.join(srv, "dir", "a.bin"), bytes(range(256)) * 4)
    os.symlink("hello.txt", os.path.join(srv, "link"))


write(os.path.join(local, "small.txt"), b"a small file\n")
write(os.path.join(local, "data.bin"), bytes((i * 7) & 0xff for i in range(5000)))
write(os.path.join(local, "tree", "one.txt"), b"one\n")
write(os.path.join(local, "tree", "sub", "two.txt"), b"two\n" * 10)
os.chmod(os.path.join(local, "tree", "sub", "two.txt"), 0o640)

wrapper = os.path.join(work, "sftp-server-tee")
write(wrapper, f"""#!/bin/sh
tee "$CAPTURE.in" | /usr/lib/openssh/sftp-server -d {srv} | tee "$CAPTURE.out"
""".encode())
os.chmod(wrapper, 0o755)

BATCHES = {
    "ls-get": ["ls -la", "ls -l dir", "get hello.txt " + local + "/got.txt", "get -p dir/a.bin " + local + "/got.bin",
               "lls", "pwd", "cd dir", "ls", "cd ..", "readlink link", "df -h", "df -i"],
    "put-mkdir-rename": ["mkdir newdir", "put " + local + "/small.txt newdir/small.txt", "put -p " + local + "/data.bin data.bin",
                         "rename newdir/small.txt newdir/renamed.txt", "ls -l newdir", "chmod 600 data.bin",
                         "chgrp 0 data.bin", "symlink hello.txt sym", "ln hello.txt hard", "ls -ln", "rm sym", "rm hard",
                         "rm newdir/renamed.txt", "rmdir newdir", "rm data.bin"],
    "recursive": ["put -r " + local + "/tree tree", "ls -R tree", "get -r tree " + local + "/tree-back",
                  "rename tree tree2", "rm tree2/sub/two.txt", "rmdir tree2/sub", "rm tree2/one.txt", "rmdir tree2"],
    "resume-errors": ["put " + local + "/data.bin part.bin", "reput " + local + "/data.bin part.bin",
                      "reget part.bin " + local + "/part.bin", "-get nothing-here", "-rm nothing", "-mkdir dir",
                      "-rmdir hello.txt", "-cd hello.txt", "-ls /no/such", "lumask 022", "rm part.bin", "version"],
    "statvfs-chown": ["df", "-chown 0 hello.txt", "chmod 644 hello.txt", "ls -lh /", "ls -la ..", "cd /tmp", "cd -", "progress"],
}


def save(target, name, data):
    d = os.path.join(res, target)
    os.makedirs(d, exist_ok=True)
    if len(data) > LIMIT:
        data = data[:LIMIT]
    write(os.path.join(d, name), data)


for name, cmds in BATCHES.items():
    reset_server_files()
    batch = os.path.join(work, name + ".batch")
    write(batch, ("\n".join(cmds) + "\n").encode())
    cap = os.path.join(work, "cap-" + name)
    env = dict(os.environ, CAPTURE=cap)
    subprocess.run(["sftp", "-b", batch, "-D", wrapper], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=60, cwd=local)
    client = open(cap + ".in", "rb").read()
    server = open(cap + ".out", "rb").read()
    save("SftpRequestTarget", "openssh-sftp-" + name, b"\x00" + client)
    save("SftpReplyTarget", "openssh-sftp-server-" + name, server)
save("SftpRequestTarget", "openssh-sftp-ls-get-in-dir-readonly", b"\x03" + open(os.path.join(work, "cap-ls-get.in"), "rb").read())

# SCP: a fake ssh runs "scp -t/-f ..." locally in the served directory, teeing both streams.
fakessh = os.path.join(work, "fake-ssh")
write(fakessh, f"""#!/usr/bin/python3
# ssh [options] host command: runs the command (the last argument) in the served directory,
# copying both streams to $CAPTURE.in and $CAPTURE.out; exits when the command does
import os, subprocess, sys, threading
cap = os.environ["CAPTURE"]
p = subprocess.Popen(["sh", "-c", sys.argv[-1]], cwd="{srv}", stdin=subprocess.PIPE, stdout=subprocess.PIPE)
def pump(src, dst, copy):
    with open(copy, "ab") as c:
        while True:
            b = os.read(src.fileno(), 65536)
            if not b:
                break
            c.write(b); c.flush()
            try:
                os.write(dst.fileno(), b)
            except OSError:
                break
    try:
        dst.close()
    except OSError:
        pass
threading.Thread(target=pump, args=(sys.stdin, p.stdin, cap + ".in"), daemon=True).start()
pump(p.stdout, sys.stdout, cap + ".out")
sys.exit(p.wait())
""".encode())
os.chmod(fakessh, 0o755)

# (ScpTarget line index, scp arguments): the remote paths are relative to the served directory
SCP = {
    "upload-file": (0, ["-O", local + "/small.txt", "x:."]),
    "upload-two-files-p": (2, ["-O", "-p", local + "/small.txt", local + "/data.bin", "x:."]),
    "upload-tree-rp": (2, ["-O", "-r", "-p", local + "/tree", "x:."]),
    "upload-tree-r": (1, ["-O", "-r", local + "/tree", "x:."]),
    "upload-to-file-p": (4, ["-O", "-p", local + "/small.txt", "x:new.txt"]),
    "download-files": (6, ["-O", "x:hello.txt", "x:dir/a.bin", local + "/dl"]),
    "download-tree-rp": (7, ["-O", "-r", "-p", "x:dir", local + "/dl-tree"]),
}
for name, (line, args) in SCP.items():
    reset_server_files()
    os.makedirs(os.path.join(local, "dl"), exist_ok=True)
    cap = os.path.join(work, "scp-" + name)
    env = dict(os.environ, CAPTURE=cap)
    for suffix in (".in", ".out"):
        if os.path.exists(cap + suffix):
            os.remove(cap + suffix)
    subprocess.run(["scp", "-S", fakessh] + args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    client = open(cap + ".in", "rb").read()
    save("ScpTarget", "openssh-scp-" + name, bytes([line]) + client)
    save("ScpTarget", "openssh-scp-" + name + "-jail", bytes([line | 8]) + client)
shutil.rmtree(work)
