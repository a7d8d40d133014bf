#!/usr/bin/python3
"""Writes the seed corpora of SshConfigTarget and SshdConfigTarget.

Usage: make_config_seeds.py RESOURCES   (tether-cli/src/test/resources/fuzz)

Debian's own /etc/ssh/ssh_config and /etc/ssh/sshd_config as installed, and realistic configs
written here that use every feature the readers know: Host and Match blocks (negation, all,
canonical, final, exec), % tokens, Include (relative, absolute, globs, /dev/null), quoting,
Keyword=value, forwardings, and for sshd Match User/Address/Host/All with per-login keywords.
"""
import os, shutil, sys

res = sys.argv[1]


def seed(target, name, text):
    d = os.path.join(res, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "w") as f:
        f.write(text)


shutil.os.makedirs(os.path.join(res, "SshConfigTarget"), exist_ok=True)
seed("SshConfigTarget", "debian-ssh_config", open("/etc/ssh/ssh_config").read())
seed("SshdConfigTarget", "debian-sshd_config", open("/etc/ssh/sshd_config").read())

seed("SshConfigTarget", "user-config-hosts", """# ~/.ssh/config of a developer
Host web1 web2 web*.example.org !web9.example.org
    HostName %h
    User deploy
    Port 2222
    IdentityFile ~/.ssh/id_ed25519
    IdentityFile ~/.ssh/id_%r@%h_%p
    IdentitiesOnly yes
    ServerAliveInterval 30
    ServerAliveCountMax 4

Host bastion
    HostName bastion.example.org
    User ops
    ForwardAgent yes

Host db-*
    ProxyJump bastion
    LocalForward 5432 localhost:5432
    LocalForward 127.0.0.1:6379 [::1]:6379
    RemoteForward 9000 localhost:9000
    RemoteForward 1080
    DynamicForward 1081

Host legacy
    ProxyCommand ssh -W %h:%p bastion
    KexAlgorithms +diffie-hellman-group14-sha1
    HostKeyAlgorithms=+ssh-rsa
    PubkeyAcceptedAlgorithms = +ssh-rsa

Host *
    UserKnownHostsFile ~/.ssh/known_hosts ~/.ssh/known_hosts.d/%k
    StrictHostKeyChecking accept-new
    ConnectTimeout 10
    SendEnv LANG LC_*
    SetEnv FOO=bar "GREETING=hello world"
    EscapeChar ^]
    ControlMaster auto
    ControlPath ~/.ssh/cm-%r@%h:%p
    ControlPersist 10m
""")
seed("SshConfigTarget", "match-include", """# Match and Include
Include inc/*.conf
Include inc/extra.conf "inc/other.conf" /dev/null
IgnoreUnknown UseKeychain,AddKeysToAgent
UseKeychain yes
Match host web1.example.org,*.internal user alice
    User alice2
    PreferredAuthentications publickey,keyboard-interactive
Match originalhost web* !localuser root
    Compression yes
    LogLevel QUIET
Match canonical
    CanonicalizeHostname yes
Match final host *.example.org
    RequestTTY force
Match exec "test -f /etc/hostname" host *
    BatchMode yes
Match all
    NumberOfPasswordPrompts 2
    PasswordAuthentication no
    KbdInteractiveAuthentication=no
    HashKnownHosts no
    HostKeyAlias web-alias
    RemoteCommand "tmux new -A -s main"
    IdentityAgent ~/.ssh/agent-%l.sock
""")
seed("SshConfigTarget", "quoting-equals-tokens", """Host="web1.example.org"
  HostName=%h.internal
  User = "alice smith"
  Port=22
  IdentityFile "~/.ssh/my key" # a comment after
  CertificateFile ~/.ssh/id_ed25519-cert.pub
  GlobalKnownHostsFile /etc/ssh/ssh_known_hosts none
  EscapeChar none
  ServerAliveInterval none
  LocalForward "8080" "localhost:80"
  SetEnv "A=\\"quoted\\"" B=\\\\back
  ProxyJump user@jump1:2222,jump2
  Tag dev
  ConnectTimeout=5
  StrictHostKeyChecking=no
  LogLevel DEBUG3
""")

seed("SshdConfigTarget", "server-match-blocks", """# a server with Match blocks
Port 2222
Port 2223
ListenAddress 127.0.0.2
ListenAddress [::1]:2300
ListenAddress 127.0.0.3:2400
HostKey /etc/ssh/ssh_host_ed25519_key
HostKey keys/host_rsa
AuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys2 /etc/ssh/keys/%u
PasswordAuthentication no
PubkeyAuthentication yes
KbdInteractiveAuthentication no
PermitEmptyPasswords no
MaxAuthTries 3
MaxSessions 4
MaxStartups 10:30:60
PerSourceMaxStartups 3
PerSourceNetBlockSize 24:64
PerSourcePenalties crash:90 authfail:5 noauth:1 grace-exceeded:10 max:600 min:15 max-sources4:65536 max-sources6:65536 overflow:permissive
PerSourcePenaltyExemptList 10.0.0.0/8,192.168.0.0/16
LoginGraceTime 1m30s
ClientAliveInterval 15
ClientAliveCountMax 3
UnusedConnectionTimeout 5m
ChannelTimeout session=30m direct-tcpip=10m
AllowUsers alice bob@10.0.0.0/8 carol
DenyUsers mallory
AcceptEnv LANG LC_*
Ciphers aes256-gcm@openssh.com,chacha20-poly1305@openssh.com
MACs hmac-sha2-256-etm@openssh.com
KexAlgorithms curve25519-sha256,sntrup761x25519-sha512@openssh.com
HostKeyAlgorithms ssh-ed25519,rsa-sha2-512
Banner /etc/issue.net
AllowTcpForwarding local
AllowAgentForwarding yes
AllowStreamLocalForwarding no
GatewayPorts clientspecified
PermitOpen localhost:8080 [::1]:443
PermitListen 0.0.0.0:9000 localhost:9001
X11Forwarding yes
X11DisplayOffset 10
X11UseLocalhost yes
Subsystem sftp internal-sftp -l INFO -f AUTH -u 022

Match User alice,bob Address 10.0.0.0/8,!10.9.0.0/16
    ChrootDirectory /srv/%u
    ForceCommand internal-sftp -R -d /upload
    AllowTcpForwarding no
    PasswordAuthentication yes
    X11Forwarding no

Match Host *.example.org User carol
    DisableForwarding yes
    PermitOpen none
    PermitListen any

Match Address ::1,127.0.0.0/8
    GatewayPorts yes
    PubkeyAuthentication no
    PermitTTY no
    Banner none

Match All
    AllowAgentForwarding no
    ForceCommand /usr/bin/rrsync -ro /srv
""")
seed("SshdConfigTarget", "quoting-equals", """Port=2222
ListenAddress="127.0.0.1"
Subsystem sftp "/usr/lib/openssh/sftp-server" -e
Subsystem backup /usr/local/bin/backup
AuthorizedKeysFile none
PasswordAuthentication=yes
ChrootDirectory "/srv/with space/%u"
ForceCommand "echo hello; exit 0"
MaxStartups 5
PerSourcePenalties no
AllowTcpForwarding=all
AllowStreamLocalForwarding remote
GatewayPorts no
DisableForwarding no
UseDNS no # unsupported, warned
Match user root
  PermitRootLogin prohibit-password
  ClientAliveInterval 10
""")
