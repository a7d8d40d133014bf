#!/usr/bin/python3
"""Makes the seed corpora of the key file fuzz targets (dev.tether.ssh.fuzz) with real tools.

Usage: make_key_seeds.py RESOURCES_DIR      (tether-ssh/src/test/resources)

Writes RESOURCES_DIR/fuzz/<Target>/ for PrivateKeyFileTarget, PublicKeyFileTarget,
PublicKeyBlobTarget, CertificateTarget, KnownHostsTarget and AuthorizedKeysTarget, and the fixed
keys the known_hosts and authorized_keys targets check against, RESOURCES_DIR/fuzz-fixtures/.

Tools: ssh-keygen (OpenSSH 9.x) makes every key, certificate, RFC 4716 export and hashed
known_hosts; puttygen (0.78) converts keys to PPK v2 and v3; openssl makes the PKCS#8 and legacy
PEM variants. Signatures over PublicKeyBlobTarget's fixed data are made with pyca/cryptography
from the ssh-keygen keys (no tool signs raw data in the SSH signature format). RSA keys are 1024
bits to keep inputs short. Run once; the output is committed.
"""
import base64, os, shutil, struct, subprocess, sys, tempfile

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

res = sys.argv[1]
fuzz = os.path.join(res, "fuzz")
fixtures = os.path.join(res, "fuzz-fixtures")
tmp = tempfile.mkdtemp(prefix="keyseeds-")
PASS = "fuzz"
# what PublicKeyBlobTarget signs and verifies
SIGNED_DATA = b"tether fuzz: the signed data"
# the certificate validity window; the targets check at 2030-01-01T00:00:00Z, inside it
VALIDITY = "20250101:20350101"


def run(*args, **kw):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)


def out_dir(target):
    d = os.path.join(fuzz, target)
    os.makedirs(d, exist_ok=True)
    return d


def put(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    assert len(data) < 16384, name
    with open(os.path.join(out_dir(target), name), "wb") as f:
        f.write(data)


def read(path, mode="rb"):
    with open(path, mode) as f:
        return f.read()


def keygen(name, type_, bits=None, passphrase="", fmt=None, extra=()):
    path = os.path.join(tmp, name)
    args = ["ssh-keygen", "-q", "-t", type_, "-N", passphrase, "-C", name + "@seed", "-f", path]
    if bits:
        args += ["-b", str(bits)]
    if fmt:
        args += ["-m", fmt]
    run(*args, *extra)
    return path


def sshstr(b):
    if isinstance(b, str):
        b = b.encode()
    return struct.pack(">I", len(b)) + b


def mpint(n):
    if n == 0:
        return sshstr(b"")
    b = n.to_bytes((n.bit_length() + 8) // 8, "big")
    return sshstr(b)


def blob_of(pub_path):
    return base64.b64decode(read(pub_path, "r").split()[1])


def certify(ca, key, ident, principals=None, host=False, options=(), validity=VALIDITY, sigalg=None):
    args = ["ssh-keygen", "-q", "-s", ca, "-I", ident, "-z", "42"]
    if host:
        args.append("-h")
    if principals is not None:
        args += ["-n", principals]
    for o in options:
        args += ["-O", o]
    if validity:
        args += ["-V", validity]
    if sigalg:
        args += ["-t", sigalg]
    run(*args, key + ".pub")
    return key + "-cert.pub"


# ------------------------------------------------------------------ keys

ed = keygen("ed25519", "ed25519")
ec256 = keygen("ecdsa256", "ecdsa", 256)
ec384 = keygen("ecdsa384", "ecdsa", 384)
ec521 = keygen("ecdsa521", "ecdsa", 521)
rsa1k = keygen("rsa1024", "rsa", 1024)
plain_keys = [ed, ec256, ec384, ec521, rsa1k]

# ------------------------------------------------------------------ PrivateKeyFileTarget

T = "PrivateKeyFileTarget"
for k in plain_keys:
    put(T, "openssh-" + os.path.basename(k), read(k))
put(T, "openssh-ed25519-enc", read(keygen("ed25519-enc", "ed25519", passphrase=PASS)))
put(T, "openssh-ecdsa384-enc", read(keygen("ecdsa384-enc", "ecdsa", 384, passphrase=PASS)))
put(T, "openssh-rsa1024-enc", read(keygen("rsa1024-enc", "rsa", 1024, passphrase=PASS)))
put(T, "openssh-ed25519-enc-a4", read(keygen("ed25519-a4", "ed25519", passphrase=PASS, extra=("-a", "4"))))
for cipher in ["aes128-ctr", "aes256-cbc", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com"]:
    k = keygen("ed25519-" + cipher.split("@")[0], "ed25519", passphrase=PASS, extra=("-Z", cipher))
    put(T, "openssh-ed25519-enc-" + cipher.split("@")[0], read(k))
# PEM by ssh-keygen: PKCS#1 / SEC1 and PKCS#8 (ssh-keygen refuses a PEM passphrase under five
# characters, so openssl encrypts them with "fuzz" below)
put(T, "pem-rsa1024-pkcs1", read(keygen("rsa-pem", "rsa", 1024, fmt="PEM")))
put(T, "pem-ecdsa256-sec1", read(keygen("ec256-pem", "ecdsa", 256, fmt="PEM")))
put(T, "pem-rsa1024-pkcs8", read(keygen("rsa-pkcs8", "rsa", 1024, fmt="PKCS8")))
put(T, "pem-ecdsa384-pkcs8", read(keygen("ec384-pkcs8", "ecdsa", 384, fmt="PKCS8")))
ec521_pem = keygen("ec521-pem", "ecdsa", 521, fmt="PEM")


def openssl(*args):
    return subprocess.run(["openssl", *args], check=True, capture_output=True).stdout


pem_rsa = os.path.join(tmp, "rsa-pem")
pem_ec = os.path.join(tmp, "ec256-pem")
ed_pem = os.path.join(tmp, "ed25519.pem")
run("openssl", "genpkey", "-algorithm", "ed25519", "-out", ed_pem)
put(T, "pem-ed25519-pkcs8", read(ed_pem))
put(T, "pem-ed25519-pkcs8-enc", openssl("pkcs8", "-topk8", "-in", ed_pem, "-v2", "aes-128-cbc", "-passout", "pass:" + PASS))
put(T, "pem-rsa1024-pkcs8-enc-sha512-aes256",
    openssl("pkcs8", "-topk8", "-in", pem_rsa, "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA512", "-iter", "1000",
            "-passout", "pass:" + PASS))
put(T, "pem-ecdsa256-pkcs8-enc-sha1-aes192",
    openssl("pkcs8", "-topk8", "-in", pem_ec, "-v2", "aes-192-cbc", "-v2prf", "hmacWithSHA1", "-passout", "pass:" + PASS))
put(T, "pem-rsa1024-pkcs1-enc-des3",
    openssl("rsa", "-in", pem_rsa, "-traditional", "-des3", "-passout", "pass:" + PASS))
put(T, "pem-ecdsa256-sec1-enc-aes256", openssl("ec", "-in", pem_ec, "-aes256", "-passout", "pass:" + PASS))
put(T, "pem-ecdsa521-sec1-enc-aes128", openssl("ec", "-in", ec521_pem, "-aes128", "-passout", "pass:" + PASS))
put(T, "pem-rsa1024-pkcs1-enc-aes128",
    openssl("rsa", "-in", pem_rsa, "-traditional", "-aes128", "-passout", "pass:" + PASS))
put(T, "pem-ecdsa256-pkcs8-enc", openssl("pkcs8", "-topk8", "-in", pem_ec, "-passout", "pass:" + PASS))
# PuTTY: versions 2 and 3, plain and encrypted; Argon2 variants with small costs
ppk_n = 0


def puttygen(src, name, *params, passphrase=None):
    out = os.path.join(tmp, name + ".ppk")
    args = ["puttygen", src, "-o", out, "-O", "private"]
    for p in params:
        args += ["--ppk-param", p]
    env = None
    if passphrase:
        pf = os.path.join(tmp, "pass.txt")
        with open(pf, "w") as f:
            f.write(passphrase + "\n")
        args += ["--new-passphrase", pf]
    run(*args)
    put(T, "putty-" + name, read(out))


puttygen(ed, "ed25519-v2", "version=2")
puttygen(ed, "ed25519-v2-enc", "version=2", passphrase=PASS)
puttygen(ed, "ed25519-v3", "version=3")
puttygen(ed, "ed25519-v3-enc", "version=3", passphrase=PASS)
puttygen(ec256, "ecdsa256-v3-enc-argon2i", "version=3", "kdf=argon2i", "memory=64", "passes=2", passphrase=PASS)
puttygen(ec384, "ecdsa384-v3-enc-argon2d-par2", "version=3", "kdf=argon2d", "memory=128", "passes=1",
         "parallelism=2", passphrase=PASS)
puttygen(ec521, "ecdsa521-v2", "version=2")
puttygen(rsa1k, "rsa1024-v2-enc", "version=2", passphrase=PASS)
puttygen(rsa1k, "rsa1024-v3", "version=3")

# ------------------------------------------------------------------ public keys, certificates

user_ca = keygen("user_ca", "ed25519")
host_ca = keygen("host_ca", "ecdsa", 256)
rsa_ca = keygen("rsa_ca", "rsa", 1024)
user = keygen("user_ed25519", "ed25519")
user_cert = certify(user_ca, user, "alice@seed", "alice,bob",
                    options=("force-command=/usr/bin/backup", "source-address=192.0.2.0/24,127.0.0.1/32"))
host_ed = keygen("host_ed25519", "ed25519")
host_ec = keygen("host_ecdsa", "ecdsa", 256)
host_rsa = keygen("host_rsa", "rsa", 1024)
host_cert = certify(host_ca, host_ed, "server", "server.example.com,server", host=True)

certs = {
    "user-ed25519-by-ed25519": user_cert,
    "user-ecdsa256-by-rsa-sha512": certify(rsa_ca, ec256, "ec256", "a,b", options=("clear", "permit-pty")),
    "user-rsa-by-rsa-ssh-rsa": certify(rsa_ca, rsa1k, "rsa-sha1", "a", sigalg="ssh-rsa"),
    "user-ecdsa384-by-ecdsa-verify-required": certify(host_ca, ec384, "ec384", "a",
                                                      options=("verify-required", "no-touch-required")),
    "user-ecdsa521-no-principals-forever": certify(user_ca, ec521, "ec521", validity=None),
    "user-ed25519-expired": certify(rsa_ca, ed, "old", "a,b", options=("force-command=x", "source-address=127.0.0.1/32"),
                                    validity="20200101:20210101", sigalg="rsa-sha2-256"),
    "user-ed25519-extensions": certify(user_ca, keygen("ed-ext", "ed25519"), "ext", "a",
                                       options=("no-pty", "no-port-forwarding", "extension:custom@example.com=v",
                                                "critical:unknown@example.com=z")),
    "host-ed25519-by-ecdsa": host_cert,
}
for name, path in certs.items():
    line = read(path, "r")
    put("CertificateTarget", name, base64.b64decode(line.split()[1]))
    put("PublicKeyFileTarget", "cert-" + name + ".pub", line)

T = "PublicKeyFileTarget"
for k in plain_keys + [rsa_ca]:
    n = os.path.basename(k)
    put(T, n + ".pub", read(k + ".pub"))
    put(T, n + ".rfc4716", subprocess.run(["ssh-keygen", "-e", "-f", k + ".pub"], check=True, capture_output=True).stdout)
# puttygen's RFC 4716 export has a Comment header in quotes
put(T, "ecdsa384.putty.rfc4716",
    subprocess.run(["puttygen", ec384, "-O", "public"], check=True, capture_output=True).stdout)
# a .pub with comment lines and blank lines around the key, and a long header continued with '\'
put(T, "commented.pub", "# my key\n\n" + read(ed + ".pub", "r") + "\n")
b64 = read(ec256 + ".pub", "r").split()[1]
wrapped = "\n".join(b64[i:i + 70] for i in range(0, len(b64), 70))
put(T, "continued-header.rfc4716", "---- BEGIN SSH2 PUBLIC KEY ----\nSubject: alice\nComment: \"a long comment that \\\n"
    "goes on\"\nx-private: yes\n" + wrapped + "\n---- END SSH2 PUBLIC KEY ----\n")

# ------------------------------------------------------------------ PublicKeyBlobTarget

T = "PublicKeyBlobTarget"


def private_of(path):
    return serialization.load_ssh_private_key(read(path), password=None)


def sign_blob(priv, alg):
    if isinstance(priv, ed25519.Ed25519PrivateKey):
        sig = priv.sign(SIGNED_DATA)
    elif isinstance(priv, rsa.RSAPrivateKey):
        h = {"rsa-sha2-256": hashes.SHA256(), "rsa-sha2-512": hashes.SHA512(), "ssh-rsa": hashes.SHA1()}[alg]
        sig = priv.sign(SIGNED_DATA, padding.PKCS1v15(), h)
    else:
        h = {256: hashes.SHA256(), 384: hashes.SHA384(), 521: hashes.SHA512()}[priv.curve.key_size]
        r, s = decode_dss_signature(priv.sign(SIGNED_DATA, ec.ECDSA(h)))
        sig = mpint(r) + mpint(s)
    return sshstr(alg) + sshstr(sig)


def blob_seed(name, key_blob, sig_blob):
    put(T, name, struct.pack(">I", len(key_blob)) + key_blob + sig_blob)


for k, algs in [(ed, ["ssh-ed25519"]), (ec256, ["ecdsa-sha2-nistp256"]), (ec384, ["ecdsa-sha2-nistp384"]),
                (ec521, ["ecdsa-sha2-nistp521"]), (rsa1k, ["rsa-sha2-256", "rsa-sha2-512", "ssh-rsa"])]:
    for alg in algs:
        blob_seed(os.path.basename(k) + "-" + alg, blob_of(k + ".pub"), sign_blob(private_of(k), alg))
blob_seed("cert-user-ed25519", blob_of(user_cert), sign_blob(private_of(user), "ssh-ed25519"))
blob_seed("cert-ecdsa256-rsa-sha2-512", blob_of(certs["user-ecdsa256-by-rsa-sha512"]),
          sign_blob(private_of(ec256), "ecdsa-sha2-nistp256"))
blob_seed("cert-rsa", blob_of(certs["user-rsa-by-rsa-ssh-rsa"]), sign_blob(private_of(rsa1k), "rsa-sha2-512"))
# a FIDO key blob (no authenticator here to make one: the layout of PROTOCOL.u2f around a real
# Ed25519 key) with an sk signature (flags and counter after the signature)
ed_pk = blob_of(ed + ".pub")[4 + 11:]
sk_blob = sshstr("sk-ssh-ed25519@openssh.com") + ed_pk + sshstr("ssh:")
blob_seed("sk-ssh-ed25519", sk_blob,
          sshstr("sk-ssh-ed25519@openssh.com") + sshstr(private_of(ed).sign(SIGNED_DATA)) + b"\x01\x00\x00\x00\x07")
# a signature blob with a wrong name and one with a truncated signature
blob_seed("ed25519-wrong-alg", blob_of(ed + ".pub"), sign_blob(private_of(ec256), "ecdsa-sha2-nistp256"))
blob_seed("rsa-short-sig", blob_of(rsa1k + ".pub"), sign_blob(private_of(rsa1k), "rsa-sha2-256")[:-40])

# ------------------------------------------------------------------ fixtures for known_hosts / authorized_keys

os.makedirs(fixtures, exist_ok=True)
for src, name in [(host_ed + ".pub", "host_ed25519.pub"), (host_ec + ".pub", "host_ecdsa.pub"),
                  (host_rsa + ".pub", "host_rsa.pub"), (host_cert, "host_ed25519-cert.pub"),
                  (host_ca + ".pub", "host_ca.pub"), (user + ".pub", "user_ed25519.pub"),
                  (user_cert, "user_ed25519-cert.pub"), (user_ca + ".pub", "user_ca.pub")]:
    shutil.copy(src, os.path.join(fixtures, name))


def key_text(path):
    return " ".join(read(path, "r").split()[:2])


other = keygen("other", "ed25519")

# ------------------------------------------------------------------ KnownHostsTarget

T = "KnownHostsTarget"
known = f"""# known_hosts written for the fuzz seeds
server.example.com,192.0.2.1 {key_text(host_ed + '.pub')}
server.example.com {key_text(host_ec + '.pub')} ecdsa host key
[server.example.com]:2222,[192.0.2.1]:2222 {key_text(host_rsa + '.pub')}
*.example.com,!bad.example.com {key_text(other + '.pub')}
serv?r.example.*,[server.example.com]:* {key_text(ec384 + '.pub')}
@cert-authority *.example.com,!*.internal.example.com {key_text(host_ca + '.pub')} the host CA
@revoked * {key_text(rsa1k + '.pub')}

  # indented comment
elsewhere.example.org {key_text(ed + '.pub')}
"""
put(T, "plain", known)
kh = os.path.join(tmp, "known_hosts")
with open(kh, "w") as f:
    f.write(known)
run("ssh-keygen", "-H", "-f", kh)
put(T, "hashed", read(kh))
put(T, "changed-key", f"server.example.com {key_text(other + '.pub')}\n")
put(T, "revoked-host-key", f"@revoked server.example.com {key_text(host_ed + '.pub')}\n"
    f"server.example.com {key_text(host_ed + '.pub')}\n")
put(T, "cert-authority-port", f"@cert-authority [server.example.com]:2222,server.example.com {key_text(host_ca + '.pub')}\n"
    f"@revoked * {key_text(user_ca + '.pub')}\n")
put(T, "crlf-and-bad-lines", f"server.example.com {key_text(host_ed + '.pub')}\r\n@bogus host ssh-ed25519 AAAA\r\n"
    "host ssh-unknown AAAA\r\nhost\r\n|1|notbase64|x ssh-ed25519 AAAA\r\n")

# ------------------------------------------------------------------ AuthorizedKeysTarget

T = "AuthorizedKeysTarget"
u = key_text(user + ".pub")
uca = key_text(user_ca + ".pub")
put(T, "plain", f"# authorized_keys\n{u} alice@laptop\n\n{key_text(ec256 + '.pub')}\n")
put(T, "options", f"""from="192.0.2.0/24,!192.0.2.66,*.example.com",command="/usr/bin/backup --run",no-pty,no-port-forwarding {u} backup
environment="LANG=C",environment="TZ=UTC",permitopen="localhost:8080",permitopen="[2001:db8::1]:*",permitlisten="0.0.0.0:9000",permitlisten="localhost:*" {u}
restrict,pty,port-forwarding,expiry-time="20350101",tunnel="0" {u} restricted
no-agent-forwarding,no-X11-forwarding,no-user-rc,no-touch-required,verify-required {u}
expiry-time="202001011200" {u} expired
from="10.0.0.0/8" {u} wrong network
""")
put(T, "cert-authority", f"""cert-authority,principals="alice,root",from="192.0.2.10" {uca} user CA
cert-authority,command="/usr/bin/backup",restrict,pty {uca}
cert-authority,principals="bob" {uca}
""")
put(T, "quoting-and-case", f"""COMMAND="echo \\"hi\\", there",No-Pty,Environment="A=b c" {u}
from="192.0.2.*",permitopen="host.example.com:22",expiry-time="20351231235959" {u} comment with spaces
""")
put(T, "bad-lines", f"""bogus-option {u}
command="unterminated {u}
permitopen="host" {u}
tunnel="x" {u}
expiry-time="2035" {u}
from="192.0.2.0/33" {u}
{u.split()[0]} not-base64!
""")

shutil.rmtree(tmp)
print("seeds written under", fuzz, "and", fixtures)
