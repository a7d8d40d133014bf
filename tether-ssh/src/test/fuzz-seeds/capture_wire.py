#!/usr/bin/python3
"""Captures real SSH, agent and PROXY traffic for the seed corpora of WireMessagesTarget,
UserAuthRequestTarget, ChannelRequestTarget, AgentProtocolTarget, ProxyHeaderTarget and
IdentificationTarget (tether-ssh/src/test/java/dev/tether/ssh/fuzz/).

Usage: capture_wire.py FUZZDIR     (FUZZDIR = tether-ssh/src/test/resources/fuzz)

How each part is captured (everything on 127.0.0.1 / ::1, keys and configs in a temp dir):
  * SSH payloads: paramiko's Packetizer.read_message/send_message are wrapped to record every
    decrypted payload (the same bytes paramiko's set_hexdump log shows, without parsing the log).
    - A paramiko server that accepts everything is driven by OpenSSH's ssh client: publickey,
      password (sshpass), keyboard-interactive (sshpass); -tt with SendEnv (pty-req, env, shell),
      exec, subsystem sftp, -A, -X (fake DISPLAY: ssh sends x11-req with fake cookie), -R (tcp and
      Unix socket), -L (tcp and Unix socket, then connected: direct-tcpip,
      direct-streamlocal@openssh.com), ServerAliveInterval (keepalive@openssh.com) and
      no-more-sessions@openssh.com (paramiko announces itself as OpenSSH for that). The paramiko
      server also opens forwarded-tcpip, x11 and auth-agent@openssh.com channels to ssh and sends
      exit-status: paramiko's real channel opens for the client side.
    - A paramiko client against a private OpenSSH sshd records sshd's replies: EXT_INFO,
      USERAUTH_FAILURE, PK_OK, hostkeys-00@openssh.com, exit-status, exit-signal, channel
      keepalive@openssh.com (ClientAliveInterval), window adjusts, data.
  * Agent: a recording proxy in front of a real ssh-agent, used by ssh-add (-l, add, add -t,
    -d, -D, -L, -x/-X via SSH_ASKPASS) and by ssh logging in to the private sshd with an agent
    key (sign requests, session-bind@openssh.com): real requests and real replies.
  * PROXY: haproxy with send-proxy, send-proxy-v2 and send-proxy-v2 with crc32c/authority TLVs,
    over IPv4 and IPv6; the backend records the header and the SSH line after it.
  * Identification: the version lines (and what follows) of sshd, ssh and paramiko.
Built from the protocol layout here, not captured (no OpenSSH or paramiko peer sends them in a
scripted run): window-change, signal, break, xon-xoff, hostkeys-prove-00@openssh.com (its body is
the key list of the captured hostkeys-00), the hostbound publickey request (the captured signed
publickey request with the host key field inserted, naming UserAuthRequestTarget.HOST_KEY), and
identification variants (bare LF, lines before the version line, SSH-1.99).
"""
import glob, os, shutil, socket, struct, subprocess, sys, tempfile, threading, time

OUT = sys.argv[1]
D = tempfile.mkdtemp(prefix="tether-capture-")
TIMEOUT = 20
seeds = {}  # target -> {name: bytes}


def seed(target, name, data):
    if len(data) > 16384:
        return
    t = seeds.setdefault(target, {})
    if data in t.values():
        return
    t[name] = data


def sstr(b):
    if isinstance(b, str):
        b = b.encode()
    return struct.pack(">I", len(b)) + b


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def wait_port(port, host="127.0.0.1"):
    for _ in range(200):
        try:
            socket.create_connection((host, port), timeout=1).close(); return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("port %d never opened" % port)


def keygen(name, t="ed25519"):
    p = os.path.join(D, name)
    subprocess.run(["ssh-keygen", "-q", "-N", "", "-t", t, "-f", p] + (["-b", "2048"] if t == "rsa" else []), check=True)
    return p


# ----------------------------------------------------------------- paramiko recording
import paramiko
from paramiko.packet import Packetizer

records = []  # (direction, payload), direction "in"/"out" from paramiko's view
rec_lock = threading.Lock()
_orig_read, _orig_send = Packetizer.read_message, Packetizer.send_message


def _read(self):
    cmd, msg = _orig_read(self)
    with rec_lock:
        records.append((getattr(self, "_tag", "?") + "-in", bytes([cmd]) + msg.asbytes()))
    return cmd, msg


def _send(self, data):
    with rec_lock:
        records.append((getattr(self, "_tag", "?") + "-out", bytes(data.asbytes())))
    return _orig_send(self, data)


Packetizer.read_message, Packetizer.send_message = _read, _send

HOST_KEY = paramiko.Ed25519Key.from_private_key_file(keygen("phost"))
USER_KEY = keygen("user")
USER_RSA = keygen("user_rsa", "rsa")
USER_ECDSA = keygen("user_ecdsa", "ecdsa")
USER_CERT = keygen("user_cert")
CA = keygen("ca")
subprocess.run(["ssh-keygen", "-q", "-s", CA, "-I", "fuzz-id", "-n", "u", "-V", "+52w", USER_CERT + ".pub"], check=True)
KEYS = {"pubkey": USER_KEY, "rsa": USER_RSA, "ecdsa": USER_ECDSA, "cert": USER_CERT}


class Accepting(paramiko.ServerInterface):
    def __init__(self, mode):
        self.mode = mode
        self.event = threading.Event()

    def get_allowed_auths(self, u):
        return {"pw": "password", "kbd": "keyboard-interactive", "none": "none"}.get(self.mode, "publickey")

    def check_auth_publickey(self, u, k):
        # the first offer is refused, so that ssh sends both the query and the signed request
        self.offers = getattr(self, "offers", 0) + 1
        return paramiko.AUTH_SUCCESSFUL if self.offers > 1 or self.mode == "pubkey" else paramiko.AUTH_FAILED

    def check_auth_none(self, u):
        return paramiko.AUTH_SUCCESSFUL if self.mode == "none" else paramiko.AUTH_FAILED

    def check_auth_password(self, u, p):
        return paramiko.AUTH_SUCCESSFUL

    def check_auth_interactive(self, u, sub):
        return paramiko.InteractiveQuery("", "", ("Password: ", False))

    def check_auth_interactive_response(self, r):
        return paramiko.AUTH_SUCCESSFUL

    def check_channel_request(self, kind, cid):
        return paramiko.OPEN_SUCCEEDED

    def check_channel_pty_request(self, *a):
        return True

    def check_channel_shell_request(self, c):
        self.event.set(); return True

    def check_channel_exec_request(self, c, cmd):
        self.event.set(); return True

    def check_channel_subsystem_request(self, c, name):
        self.event.set(); return True

    def check_channel_env_request(self, *a):
        return True

    def check_channel_window_change_request(self, *a):
        return True

    def check_channel_x11_request(self, *a):
        return True

    def check_channel_forward_agent_request(self, c):
        return True

    def check_port_forward_request(self, addr, port):
        return port or 40000

    def check_global_request(self, kind, msg):
        return True

    def check_channel_direct_tcpip_request(self, cid, origin, dest):
        return paramiko.OPEN_SUCCEEDED


def paramiko_server_for_ssh(args, mode="pubkey", env=None, after=None, stdin=b""):
    """Runs one `ssh` invocation against a paramiko server; after(transport, chan) runs server-side."""
    ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0)); ls.listen(1); port = ls.getsockname()[1]
    base = ["ssh", "-F", "/dev/null", "-p", str(port), "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR"]
    if mode in KEYS:
        base = base + ["-i", KEYS[mode], "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes"]
    elif mode in ("pw", "kbd"):
        pref = "password" if mode == "pw" else "keyboard-interactive"
        base = ["sshpass", "-p", "secret"] + base + ["-o", "PreferredAuthentications=" + pref, "-o", "PubkeyAuthentication=no"]
    cmd = base + args
    e = dict(os.environ); e.update(env or {})
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=e)
    ls.settimeout(TIMEOUT)
    c, _ = ls.accept()
    t = paramiko.Transport(c)
    t.local_version = "SSH-2.0-OpenSSH_9.2p1 Debian-2"
    t.packetizer._tag = "psrv"
    t.add_server_key(HOST_KEY)
    srv = Accepting(mode)
    t.start_server(server=srv)
    chan = t.accept(TIMEOUT)
    srv.event.wait(5)
    try:
        if after:
            after(t, chan)
        time.sleep(0.5)
        if chan is not None:
            chan.send_exit_status(3)
            time.sleep(0.2)
            chan.close()
    finally:
        try:
            proc.stdin.write(stdin); proc.stdin.close()
        except Exception:
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
        t.close(); ls.close()


def resize_later(t, chan):
    time.sleep(0.3)


def open_server_channels(t, chan):
    """paramiko (as the server) opens forwarded-tcpip, x11 and auth-agent channels to ssh."""
    for opener in (lambda: t.open_forwarded_tcpip_channel(("127.0.0.1", 5555), ("127.0.0.1", 40000)),
                   lambda: t.open_x11_channel(("127.0.0.1", 6010)),
                   lambda: t.open_forward_agent_channel()):
        try:
            ch = opener(); time.sleep(0.2); ch.close()
        except Exception:
            pass


def connect_local(port=None, path=None):
    def go(t, chan):
        time.sleep(0.5)
        try:
            if path:
                s = socket.socket(socket.AF_UNIX); s.connect(path)
            else:
                s = socket.create_connection(("127.0.0.1", port), timeout=3)
            s.sendall(b"hi"); time.sleep(0.3); s.close()
        except OSError:
            pass
    return go


def capture_openssh_client():
    lport, fport = free_port(), free_port()
    sock = os.path.join(D, "l.sock")
    runs = [
        (["-tt", "-o", "SendEnv=LANG FUZZ_VAR", "-o", "ServerAliveInterval=1", "u@127.0.0.1"], "pubkey",
         {"LANG": "C.UTF-8", "FUZZ_VAR": "x y", "TERM": "xterm-256color"}, lambda t, c: time.sleep(1.5), b"exit\n"),
        (["u@127.0.0.1", "echo hello; exit 3"], "pw", None, None, b""),
        (["-tt", "u@127.0.0.1", "uname -a"], "kbd", None, None, b""),
        (["-s", "u@127.0.0.1", "sftp"], "pubkey", None, None, b""),
        (["-A", "-X", "-R", "40000:127.0.0.1:22", "-R", os.path.join(D, "r.sock") + ":" + os.path.join(D, "t.sock"),
          "u@127.0.0.1", "true"], "pubkey", {"DISPLAY": ":7", "SSH_AUTH_SOCK": os.path.join(D, "none.sock")},
         open_server_channels, b""),
        (["-L", "%d:127.0.0.1:%d" % (lport, fport), "u@127.0.0.1", "sleep 2"], "pubkey", None, connect_local(port=lport), b""),
        (["-L", sock + ":/tmp/remote.sock", "u@127.0.0.1", "sleep 2"], "pubkey", None, connect_local(path=sock), b""),
        (["u@127.0.0.1", "true"], "rsa", None, None, b""),
        (["u@127.0.0.1", "true"], "ecdsa", None, None, b""),
        (["u@127.0.0.1", "true"], "cert", None, None, b""),
        (["-N", "-o", "ExitOnForwardFailure=yes", "-L", "%d:[::1]:80" % free_port(), "u@127.0.0.1"], "pubkey", None, None, b""),
    ]
    for args, mode, env, after, stdin in runs:
        try:
            paramiko_server_for_ssh(args, mode, env, after, stdin)
        except Exception as e:
            print("ssh run failed:", args, e, file=sys.stderr)


# ----------------------------------------------------------------- private sshd
def start_sshd(extra=""):
    port = free_port()
    hk = keygen("sshd_host_%d" % port)
    with open(os.path.join(D, "authorized_keys"), "w") as w:
        for k in (USER_KEY, USER_RSA):
            w.write(open(k + ".pub").read())
    cfg = os.path.join(D, "sshd_config_%d" % port)
    with open(cfg, "w") as c:
        c.write(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {hk}
PidFile {D}/sshd_{port}.pid
AuthorizedKeysFile {D}/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin yes
PasswordAuthentication yes
KbdInteractiveAuthentication yes
ClientAliveInterval 1
Banner {D}/banner
Subsystem sftp /usr/lib/openssh/sftp-server
{extra}
""")
    with open(os.path.join(D, "banner"), "w") as b:
        b.write("Authorized use only.\n")
    os.makedirs("/run/sshd", exist_ok=True)
    p = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", cfg], stderr=subprocess.DEVNULL)
    wait_port(port)
    return p, port


def capture_sshd(port):
    import getpass
    user = getpass.getuser()
    t = paramiko.Transport(("127.0.0.1", port))
    t.packetizer._tag = "pcli"
    t.start_client(timeout=TIMEOUT)
    try:
        t.auth_password(user, "wrong")
    except Exception:
        pass
    # a publickey query (PK_OK) then the signed request
    k = paramiko.Ed25519Key.from_private_key_file(USER_KEY)
    t.auth_publickey(user, k)
    time.sleep(0.5)  # hostkeys-00@openssh.com arrives after auth
    for command, wait in (("echo out; echo err >&2; exit 7", 0.5), ("sleep 2.5", 3), ("kill -TERM $$", 0.5)):
        ch = t.open_session()
        ch.exec_command(command)
        time.sleep(wait)
        ch.recv_exit_status()
        ch.close()
    ch = t.open_session(); ch.get_pty("vt100", 80, 24); ch.invoke_shell(); ch.resize_pty(100, 40); time.sleep(0.3)
    ch.send("exit\n"); ch.recv_exit_status(); ch.close()
    try:
        t.request_port_forward("127.0.0.1", 0)
        t.cancel_port_forward("127.0.0.1", 0)
    except Exception:
        pass
    t.close()


# ----------------------------------------------------------------- agent
agent_records = []  # (direction, payload): "req" from a client, "rep" from ssh-agent


def read_frame(s):
    h = b""
    while len(h) < 4:
        x = s.recv(4 - len(h))
        if not x:
            return None
        h += x
    n = struct.unpack(">I", h)[0]
    b = b""
    while len(b) < n:
        x = s.recv(n - len(b))
        if not x:
            return None
        b += x
    return b


def agent_proxy(listen_path, real_path):
    ls = socket.socket(socket.AF_UNIX); ls.bind(listen_path); ls.listen(8)

    def handle(c):
        r = socket.socket(socket.AF_UNIX); r.connect(real_path)
        while True:
            q = read_frame(c)
            if q is None:
                break
            agent_records.append(("req", q))
            r.sendall(struct.pack(">I", len(q)) + q)
            a = read_frame(r)
            if a is None:
                break
            agent_records.append(("rep", a))
            c.sendall(struct.pack(">I", len(a)) + a)
        c.close(); r.close()

    def loop():
        while True:
            c, _ = ls.accept()
            threading.Thread(target=handle, args=(c,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()


def capture_agent(sshd_port):
    real = os.path.join(D, "agent.real")
    ag = subprocess.Popen(["ssh-agent", "-D", "-a", real], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if os.path.exists(real):
            break
        time.sleep(0.05)
    proxy = os.path.join(D, "agent.proxy")
    agent_proxy(proxy, real)
    askpass = os.path.join(D, "askpass.sh")
    with open(askpass, "w") as a:
        a.write("#!/bin/sh\necho lockpw\n")
    os.chmod(askpass, 0o755)
    env = dict(os.environ, SSH_AUTH_SOCK=proxy, SSH_ASKPASS=askpass, SSH_ASKPASS_REQUIRE="force", DISPLAY=":9")
    q = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env, timeout=20)
    subprocess.run(["ssh-add", "-l"], **q)
    subprocess.run(["ssh-add", USER_KEY], **q)
    subprocess.run(["ssh-add", "-t", "600", "-c", USER_RSA], **q)
    subprocess.run(["ssh-add", "-l"], **q)
    subprocess.run(["ssh-add", "-L"], **q)
    subprocess.run(["ssh", "-F", "/dev/null", "-p", str(sshd_port), "-o", "StrictHostKeyChecking=no",
                    "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "127.0.0.1", "true"], **q)
    subprocess.run(["ssh", "-F", "/dev/null", "-p", str(sshd_port), "-o", "StrictHostKeyChecking=no",
                    "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "PubkeyAcceptedAlgorithms=rsa-sha2-512",
                    "-i", USER_RSA + ".pub", "127.0.0.1", "true"], **q)
    subprocess.run(["ssh-add", "-d", USER_KEY + ".pub"], **q)
    subprocess.run(["ssh-add", "-x"], **q)
    subprocess.run(["ssh-add", "-l"], **q)
    subprocess.run(["ssh-add", "-X"], **q)
    subprocess.run(["ssh-add", "-D"], **q)
    # the query extension and a sign request for a key the agent lacks (failure), from python
    s = socket.socket(socket.AF_UNIX); s.connect(proxy)
    for req in (bytes([27]) + sstr("query"), bytes([13]) + sstr(open(USER_KEY + ".pub").read().split()[1].encode()) + sstr(b"x") + b"\0\0\0\0"):
        s.sendall(struct.pack(">I", len(req)) + req); read_frame(s)
    s.close()
    ag.kill()


# ----------------------------------------------------------------- PROXY
def capture_proxy():
    got = []
    backend = socket.socket(); backend.bind(("127.0.0.1", 0)); backend.listen(16); bport = backend.getsockname()[1]

    def accept_loop():
        while True:
            c, _ = backend.accept()
            c.settimeout(1)
            data = b""
            try:
                while len(data) < 4096:
                    x = c.recv(4096)
                    if not x:
                        break
                    data += x
            except socket.timeout:
                pass
            got.append(data); c.close()
    threading.Thread(target=accept_loop, daemon=True).start()
    fronts = []
    cfg = "global\n  maxconn 100\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 5s\n  timeout server 5s\n"
    variants = ["send-proxy", "send-proxy-v2", "send-proxy-v2 proxy-v2-options crc32c,authority,unique-id"]
    for i, v in enumerate(variants):
        for fam, addr in (("4", "127.0.0.1"), ("6", "::1")):
            p = free_port()
            fronts.append((fam, addr, p))
            cfg += f"listen l{i}{fam}\n  bind {'[' + addr + ']' if fam == '6' else addr}:{p}\n  unique-id-format fuzz-%ci\n  server s 127.0.0.1:{bport} {v}\n"
    path = os.path.join(D, "haproxy.cfg")
    open(path, "w").write(cfg)
    hp = subprocess.Popen(["/usr/sbin/haproxy", "-f", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    for fam, addr, p in fronts:
        try:
            s = socket.create_connection((addr, p), timeout=3)
            s.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"); time.sleep(0.5); s.close()
        except OSError as e:
            print("haproxy front", addr, p, e, file=sys.stderr)
    time.sleep(1.5)
    hp.kill()
    return got


# ----------------------------------------------------------------- identification
def version_lines(sshd_port):
    out = []
    s = socket.create_connection(("127.0.0.1", sshd_port), timeout=5)
    s.sendall(b"SSH-2.0-capture\r\n"); time.sleep(0.3); out.append(("openssh-sshd", s.recv(300))); s.close()
    ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(2); port = ls.getsockname()[1]
    p = subprocess.Popen(["ssh", "-F", "/dev/null", "-p", str(port), "-o", "BatchMode=yes", "127.0.0.1", "true"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    c, _ = ls.accept(); c.sendall(b"SSH-2.0-OpenSSH_9.2\r\n"); time.sleep(0.3); out.append(("openssh-ssh", c.recv(300))); c.close(); p.kill()

    def para():
        try:
            t = paramiko.Transport(("127.0.0.1", port)); t.start_client(timeout=3)
        except Exception:
            pass
    threading.Thread(target=para, daemon=True).start()
    c, _ = ls.accept(); c.sendall(b"SSH-2.0-OpenSSH_9.2\r\n"); time.sleep(0.3); out.append(("paramiko-client", c.recv(300))); c.close()
    return out


# ----------------------------------------------------------------- write seeds
WIRE = {1: 0, 7: 1, 80: 2, 81: 3, 5: 4, 6: 5, 2: 6, 4: 7, 3: 8, 192: 9, 193: 10, 20: 11,
        34: 14, 31: 16, 32: 17, 33: 18, 51: 21, 53: 22, 61: 26, 50: 27,
        90: 29, 91: 30, 92: 31, 93: 32, 94: 33, 95: 34, 96: 35, 97: 36, 98: 37, 99: 38, 100: 39}
NAMES = {1: "disconnect", 7: "ext-info", 80: "global-request", 81: "request-success", 5: "service-request",
         6: "service-accept", 2: "ignore", 4: "debug", 3: "unimplemented", 20: "kexinit", 30: "kex-init",
         31: "kex-reply", 34: "gex-request", 32: "gex-init", 33: "gex-reply", 51: "userauth-failure",
         53: "banner", 60: "userauth-60", 61: "info-response", 50: "userauth-request", 90: "channel-open",
         91: "open-confirmation", 92: "open-failure", 93: "window-adjust", 94: "data", 95: "extended-data",
         96: "eof", 97: "close", 98: "channel-request", 99: "channel-success", 100: "channel-failure"}


def label(p):
    """A short description of an SSH payload for its seed file name."""
    m = p[0]
    name = NAMES.get(m, "msg%d" % m)
    try:
        if m in (80,):
            n = struct.unpack(">I", p[1:5])[0]; name += "-" + p[5:5 + n].decode()
        elif m == 90:
            n = struct.unpack(">I", p[1:5])[0]; name += "-" + p[5:5 + n].decode()
        elif m == 98:
            n = struct.unpack(">I", p[5:9])[0]; name += "-" + p[9:9 + n].decode()
        elif m == 50:
            o = 1
            for _ in range(3):
                n = struct.unpack(">I", p[o:o + 4])[0]; last = p[o + 4:o + 4 + n]; o += 4 + n
            name += "-" + last.decode()
    except Exception:
        pass
    return name.replace("@", "-at-").replace("/", "_")


def write_ssh_seeds():
    count = {}
    for direction, p in records:
        m = p[0]
        if direction.startswith("?"):
            continue  # the version_lines probes
        src = {"psrv-in": "openssh-ssh", "psrv-out": "paramiko-server", "pcli-in": "openssh-sshd", "pcli-out": "paramiko-client"}[direction]
        base = src + "-" + label(p)
        n = count[base] = count.get(base, 0) + 1
        nm = base + ("" if n == 1 else "-%d" % n)
        if m in WIRE and n <= 2:
            seed("WireMessagesTarget", nm, bytes([WIRE[m]]) + p[1:])
        if m == 30 and n <= 1:
            seed("WireMessagesTarget", nm + "-ecdh", bytes([19]) + p[1:])
        if m == 31 and n <= 1:
            seed("WireMessagesTarget", nm + "-ecdh", bytes([20]) + p[1:])
        if m == 60 and n <= 2:
            seed("WireMessagesTarget", nm + "-pkok", bytes([23]) + p[1:])
            seed("WireMessagesTarget", nm + "-inforeq", bytes([25]) + p[1:])
        if m == 50:
            seed("UserAuthRequestTarget", nm, b"\0" + p[1:])
        if m == 61:
            seed("UserAuthRequestTarget", nm, bytes([1 | (1 << 1)]) + p[1:])  # one prompt, as paramiko asked
        if m == 98 and p[1:5] == b"\0\0\0\0" or m in (80, 90):
            # channel requests to our channel 0; the server side sees what OpenSSH sends,
            # the client side what sshd and paramiko's server send
            side = b"\1" if direction in ("pcli-in", "psrv-out") else b"\0"
            if m == 90 and not direction.endswith("in") and direction != "psrv-out":
                continue
            seed("ChannelRequestTarget", nm, side + p)
        elif m == 98:
            side = b"\1" if direction in ("pcli-in", "psrv-out") else b"\0"
            seed("ChannelRequestTarget", nm + "-to-channel-0", side + p[0:1] + b"\0\0\0\0" + p[5:])
        if m == 98 and b"pty-req" in p[:20]:
            o = 5 + 4 + 7 + 1
            tl = struct.unpack(">I", p[o:o + 4])[0]; o += 4 + tl + 16
            ml = struct.unpack(">I", p[o:o + 4])[0]
            seed("WireMessagesTarget", nm + "-terminal-modes", bytes([28]) + p[o + 4:o + 4 + ml])
    # built, not captured (see the docstring)
    def req(name, body, want=False):
        return b"\0" + bytes([98]) + b"\0\0\0\0" + sstr(name) + (b"\1" if want else b"\0") + body
    seed("ChannelRequestTarget", "built-window-change", req("window-change", struct.pack(">IIII", 132, 43, 1056, 688)))
    seed("ChannelRequestTarget", "built-signal", req("signal", sstr("INT")))
    seed("ChannelRequestTarget", "built-break", req("break", struct.pack(">I", 500), True))
    seed("ChannelRequestTarget", "built-xon-xoff", b"\1" + req("xon-xoff", b"\1")[1:])
    seed("ChannelRequestTarget", "built-exit-signal", b"\1" + req("exit-signal", sstr("KILL") + b"\1" + sstr("killed") + sstr(""))[1:])
    for d, p in records:
        if p[0] == 80 and b"hostkeys-00@openssh.com" in p:
            body = p[5 + 23 + 1:]
            seed("ChannelRequestTarget", "built-hostkeys-prove-00", b"\0\x50" + sstr("hostkeys-prove-00@openssh.com") + b"\1" + body)
            break
    for d, p in records:
        if p[0] == 50 and b"publickey" in p and d == "psrv-in":
            o = 1
            parts = []
            for _ in range(3):
                n = struct.unpack(">I", p[o:o + 4])[0]; parts.append(p[o + 4:o + 4 + n]); o += 4 + n
            signed = p[o]; o += 1
            alg_n = struct.unpack(">I", p[o:o + 4])[0]; alg = p[o + 4:o + 4 + alg_n]; o += 4 + alg_n
            blob_n = struct.unpack(">I", p[o:o + 4])[0]; blob = p[o + 4:o + 4 + blob_n]; o += 4 + blob_n
            host = sstr("ssh-ed25519") + sstr(b"\x11" * 32)  # UserAuthRequestTarget.HOST_KEY
            body = sstr(parts[0]) + sstr(parts[1]) + sstr("publickey-hostbound-v00@openssh.com") + bytes([signed]) \
                + sstr(alg) + sstr(blob) + sstr(host) + p[o:]
            seed("UserAuthRequestTarget", "built-hostbound-" + ("signed" if signed else "query"), b"\0" + body)
            seed("WireMessagesTarget", "built-hostbound-" + ("signed" if signed else "query"), bytes([27]) + body)
    seed("UserAuthRequestTarget", "built-password-change", b"\0" + sstr("u") + sstr("ssh-connection") + sstr("password")
         + b"\1" + sstr("old") + sstr("new"))


def write_agent_seeds():
    count = {}
    for d, p in agent_records:
        base = ("ssh-agent-reply-%d" if d == "rep" else "openssh-request-%d") % p[0]
        n = count[base] = count.get(base, 0) + 1
        nm = base + ("" if n == 1 else "-%d" % n)
        if d == "rep":
            op = {12: 0, 14: 1, 6: 4, 5: 4, 29: 3, 28: 3}.get(p[0], 5)
            if p[0] == 14 and b"rsa-sha2-512" in p:
                op = 2
            seed("AgentProtocolTarget", nm, bytes([op]) + p)
            seed("AgentProtocolTarget", nm + "-decode", bytes([5]) + p)
        else:
            seed("AgentProtocolTarget", nm, bytes([6]) + p)
    stream = b"".join(struct.pack(">I", len(p)) + p for _, p in agent_records[:6])
    seed("AgentProtocolTarget", "stream-frames", bytes([7]) + stream[:4000])


def diverse(files, target):
    """Seeds in an order that takes one of each kind of message before a second of any (for
    WireMessagesTarget a kind is a decoder, the first byte)."""
    import re
    rank = {}
    out = []
    for name in sorted(files):
        kind = re.sub(r"^(openssh-sshd|openssh-ssh|paramiko-server|paramiko-client|built)-", "", name)
        kind = re.sub(r"-\d+(-|$)", r"\1", kind)
        if target == "WireMessagesTarget":
            kind = files[name][0]
        rank[kind] = rank.get(kind, 0) + 1
        out.append((rank[kind], name))
    return [(n, files[n]) for _, n in sorted(out)]


def main():
    sshd, port = start_sshd()
    try:
        for name, data in version_lines(port):
            seed("IdentificationTarget", name, data)
            line = data.split(b"\n")[0] + b"\n"
            seed("IdentificationTarget", "built-" + name + "-bare-lf", line.replace(b"\r\n", b"\n"))
            seed("IdentificationTarget", "built-" + name + "-pre-lines", b"Please wait\r\n\r\nnot ssh\n" + line)
        seed("IdentificationTarget", "built-1.99", b"SSH-1.99-OpenSSH_3.9p1\r\n")
        capture_openssh_client()
        capture_sshd(port)
        capture_agent(port)
    finally:
        sshd.kill()
    write_ssh_seeds()
    write_agent_seeds()
    for i, data in enumerate(capture_proxy()):
        v = "v2" if data.startswith(b"\r\n\r\n\0") else "v1"
        seed("ProxyHeaderTarget", "haproxy-%s-%d" % (v, i), data)
    for target, files in seeds.items():
        d = os.path.join(OUT, target)
        os.makedirs(d, exist_ok=True)
        for old in glob.glob(os.path.join(d, "*")):
            if not os.path.basename(old).startswith("regress-"):
                os.remove(old)
        for name, data in diverse(files, target)[:40]:
            with open(os.path.join(d, name), "wb") as w:
                w.write(data)
        print(target, len(files), "captured,", min(len(files), 40), "written")
    shutil.rmtree(D, ignore_errors=True)


main()
