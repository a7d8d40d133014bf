package dev.tether.cli;

import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.policy.ServerLimits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sshd_config subset parser, in process: syntax, first-value-wins, list modifiers, times, errors. */
class SshdConfigTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream warnings = new ByteArrayOutputStream();

    private ServerSettings read(String... lines) throws Exception {
        Path f = Files.writeString(dir.resolve("sshd_config"), String.join("\n", lines) + "\n");
        ServerSettings s = new ServerSettings();
        SshdConfig.read(f, s, new PrintStream(warnings, true, StandardCharsets.UTF_8));
        return s;
    }

    private String warnings() {
        return warnings.toString(StandardCharsets.UTF_8);
    }

    private SshdConfig.ConfigException bad(String... lines) {
        return assertThrows(SshdConfig.ConfigException.class, () -> read(lines));
    }

    @Test
    void syntaxAsSshdReadsIt() throws Exception {
        ServerSettings s = read(
                "  # comment line",
                "",
                "PORT 2200",
                "port=2201",
                "ListenAddress = 127.0.0.2",
                "ListenAddress [::1]:2300",
                "ListenAddress 127.0.0.3:2400",
                "HostKey \"keys/my key\"   # trailing comment",
                "AuthorizedKeysFile %h/.ssh/authorized_keys /etc/keys/%u",
                "PubKeyAuthentication no",
                "PubkeyAuthentication yes",
                "ChallengeResponseAuthentication no",
                "PermitEmptyPasswords yes",
                "AllowUsers alice bob@10.0.0.0/8",
                "AllowUsers carol",
                "DenyUsers mallory",
                "AcceptEnv LANG LC_*",
                "AcceptEnv TETHER_*",
                "Subsystem sftp /usr/lib/openssh/sftp-server -l INFO",
                "AllowTcpForwarding local");
        assertEquals(List.of(2200, 2201), s.ports);
        assertEquals(List.of(new ServerSettings.Listen("127.0.0.2", 2200), new ServerSettings.Listen("127.0.0.2", 2201),
                new ServerSettings.Listen("::1", 2300), new ServerSettings.Listen("127.0.0.3", 2400)), s.endpoints());
        assertEquals(List.of(dir.resolve("keys/my key")), s.hostKeys);
        assertEquals(List.of("%h/.ssh/authorized_keys", "/etc/keys/%u"), s.authorizedKeysFiles);
        assertEquals(false, s.pubkeyAuthentication, "first value wins");
        assertEquals(false, s.kbdInteractiveAuthentication);
        assertEquals(true, s.permitEmptyPasswords);
        assertEquals(List.of("alice", "bob@10.0.0.0/8", "carol"), s.allowUsers);
        assertEquals(List.of("mallory"), s.denyUsers);
        assertEquals(List.of("LANG", "LC_*", "TETHER_*"), s.acceptEnv);
        assertEquals(Map.of("sftp", "/usr/lib/openssh/sftp-server -l INFO"), s.subsystems);
        assertEquals(ServerSettings.Forwarding.LOCAL, s.forwarding());
        assertEquals("", warnings());
    }

    @Test
    void limitsAndTimes() throws Exception {
        ServerSettings s = read("MaxAuthTries 3", "MaxAuthTries 9", "MaxSessions 4", "MaxStartups 5:50:20",
                "LoginGraceTime 1h30m", "ClientAliveInterval 2m", "ClientAliveCountMax 5");
        assertEquals(3, s.maxAuthTries);
        assertEquals(4, s.maxSessions);
        assertEquals(Duration.ofMinutes(90), s.loginGraceTime);
        assertEquals(Duration.ofMinutes(2), s.clientAliveInterval);
        assertEquals(5, s.clientAliveCountMax);
        ServerLimits limits = s.limits();
        assertEquals(List.of(5, 50, 20), List.of(limits.maxStartupsBegin(), limits.maxStartupsRate(), limits.maxStartupsFull()));
        assertFalse(limits.proxyProtocol());

        ServerLimits bare = read("MaxStartups 7").limits();
        assertEquals(List.of(7, 100, 7), List.of(bare.maxStartupsBegin(), bare.maxStartupsRate(), bare.maxStartupsFull()));

        assertEquals(Duration.ofSeconds(30), SshdConfig.time("30"));
        assertEquals(Duration.ofSeconds(90), SshdConfig.time("1m30s"));
        assertEquals(Duration.ofDays(8), SshdConfig.time("1w1D"));
        assertEquals(Duration.ZERO, SshdConfig.time("0"));
        for (String t : List.of("", "m", "10x", "1.5h", "-1")) {
            assertThrows(IllegalArgumentException.class, () -> SshdConfig.time(t), t);
        }
    }

    @Test
    void algorithmListModifiers() throws Exception {
        List<String> defaults = TransportConfig.defaults().ciphers();
        assertEquals(List.of("aes128-ctr", "aes256-ctr"), read("Ciphers aes128-ctr,aes256-ctr").ciphers);

        List<String> minus = read("Ciphers -aes*-ctr").ciphers;
        assertTrue(minus.stream().noneMatch(c -> c.endsWith("-ctr")), minus.toString());
        assertEquals(defaults.stream().filter(c -> !c.endsWith("-ctr")).toList(), minus);

        List<String> caret = read("Ciphers ^aes128-ctr").ciphers;
        assertEquals("aes128-ctr", caret.get(0));
        assertEquals(defaults.size(), caret.size(), "moved, not duplicated");

        List<String> macs = read("MACs -hmac-sha1*").macs;
        assertTrue(macs.stream().noneMatch(m -> m.startsWith("hmac-sha1")), macs.toString());
        assertEquals(List.of("curve25519-sha256"), read("KexAlgorithms curve25519-sha256").kexAlgorithms);
        assertEquals(List.of("ssh-ed25519"), read("HostKeyAlgorithms ssh-ed25519").hostKeyAlgorithms);

        assertTrue(bad("Ciphers +no-such-cipher").getMessage().endsWith(":1: Ciphers: unsupported algorithm 'no-such-cipher'; supported: "
                + String.join(",", dev.tether.ssh.transport.CipherAlgorithms.CIPHERS)));
        assertTrue(bad("", "MACs hmac-sha2-256,,umac").getMessage().contains("sshd_config:2: MACs: empty name"));
        assertTrue(bad("Ciphers -*").getMessage().contains("sshd_config:1: Ciphers: empty cipher list"));
    }

    @Test
    void unknownKeywordsAndKeywordsMatchBlocksCannotSetAreWarnedWithFileAndLine() throws Exception {
        ServerSettings s = read("UsePAM yes", "Port 2200", "PermitTunnel=yes", "Match User bob", "  Port 9999",
                "  Banner none", "  PermitTunnel no", "Match all", "PasswordAuthentication yes");
        String f = dir.resolve("sshd_config").toString();
        assertTrue(warnings().contains("tether: " + f + ":1: unsupported keyword UsePAM, ignored\n"), warnings());
        assertTrue(warnings().contains("tether: " + f + ":3: unsupported keyword PermitTunnel, ignored\n"), warnings());
        assertTrue(warnings().contains("tether: " + f + ":5: Port is not allowed in a Match block, ignored\n"), warnings());
        assertTrue(warnings().contains("tether: " + f + ":6: Banner in a Match block is not supported, ignored\n"), warnings());
        assertTrue(warnings().contains("tether: " + f + ":7: unsupported keyword PermitTunnel, ignored\n"), warnings());
        assertEquals(List.of(2200), s.ports, "lines in a Match block do not reach the global section");
        assertNull(s.banner);
        assertNull(s.passwordAuthentication, "a Match All value is the block's, not the global section's");
        assertEquals(2, s.matches.size());
        assertEquals(Map.of("passwordauthentication", true), s.matches.get(1).values());
    }

    @Test
    void x11KeywordsAreReadGloballyAndX11ForwardingPerLogin() throws Exception {
        ServerSettings s = read("X11Forwarding yes", "X11DisplayOffset 20", "X11UseLocalhost no", "Match User bob", "  X11Forwarding no");
        String f = dir.resolve("sshd_config").toString();
        assertEquals(Boolean.TRUE, s.x11Forwarding);
        assertEquals(Integer.valueOf(20), s.x11DisplayOffset);
        assertTrue(warnings().contains("tether: " + f + ":3: X11UseLocalhost no is not supported"), warnings());
        assertTrue(s.forLogin(dir, "alice", "127.0.0.1").channelTypes().contains("x11"));
        assertFalse(s.forLogin(dir, "bob", "127.0.0.1").channelTypes().contains("x11"));
        assertFalse(read("Port 2200").forLogin(dir, "alice", "127.0.0.1").channelTypes().contains("x11"), "off by default");
        assertTrue(bad("X11Forwarding perhaps").getMessage().startsWith(dir.resolve("sshd_config") + ":1: X11Forwarding: expected yes or no"));
    }

    @Test
    void badValuesNameFileAndLine() throws Exception {
        String f = dir.resolve("sshd_config") + ":";
        assertTrue(bad("# x", "Port 70000").getMessage().startsWith(f + "2: Port: bad port number"));
        assertTrue(bad("PasswordAuthentication maybe").getMessage().startsWith(f + "1: PasswordAuthentication: expected yes or no"));
        assertTrue(bad("MaxStartups 10:30").getMessage().startsWith(f + "1: MaxStartups: expected START:RATE:FULL"));
        assertTrue(bad("MaxStartups 10:30:5").getMessage().startsWith(f + "1: MaxStartups: MaxStartups needs"));
        assertTrue(bad("LoginGraceTime soon").getMessage().startsWith(f + "1: LoginGraceTime: bad time"));
        assertTrue(bad("MaxAuthTries 0").getMessage().startsWith(f + "1: MaxAuthTries: expected a number of at least 1"));
        assertTrue(bad("Port").getMessage().startsWith(f + "1: Port: missing argument"));
        assertTrue(bad("Port 1 2").getMessage().startsWith(f + "1: Port: expected one argument"));
        assertTrue(bad("Banner /no/such/banner").getMessage().startsWith(f + "1: Banner: cannot read"));
        assertTrue(bad("AllowTcpForwarding sometimes").getMessage().startsWith(f + "1: AllowTcpForwarding: expected yes, no"));
        assertTrue(bad("Subsystem sftp").getMessage().startsWith(f + "1: Subsystem: needs a name and a command"));
        assertTrue(bad("Subsystem a /bin/a", "Subsystem a /bin/b").getMessage().startsWith(f + "2: Subsystem: subsystem 'a' already defined"));
        assertTrue(bad("HostKey \"unterminated").getMessage().startsWith(f + "1: unterminated quote"));
        // a later, ignored value is still checked, as in sshd
        assertTrue(bad("MaxAuthTries 3", "MaxAuthTries x").getMessage().startsWith(f + "2: MaxAuthTries"));
    }

    @Test
    void bannerFileIsReadRelativeToTheConfigAndNoneTurnsItOff() throws Exception {
        Files.writeString(dir.resolve("banner"), "hello\n");
        assertEquals("hello\n", read("Banner banner").banner);
        assertEquals("", read("Banner none", "Banner banner").banner);
    }

    @Test
    void userPatternsAsAllowUsersMatchesThem() {
        assertTrue(UserAccess.matches("alice", "alice", "10.1.2.3"));
        assertTrue(UserAccess.matches("al?ce", "alice", "10.1.2.3"));
        assertTrue(UserAccess.matches("*", "anyone", "10.1.2.3"));
        assertFalse(UserAccess.matches("alice", "alicia", "10.1.2.3"));
        assertTrue(UserAccess.matches("alice@10.0.0.0/8", "alice", "10.1.2.3"));
        assertFalse(UserAccess.matches("alice@10.0.0.0/8", "alice", "192.168.1.1"));
        assertTrue(UserAccess.matches("a*@192.168.1.*", "anna", "192.168.1.77"));
        assertFalse(UserAccess.matches("a*@192.168.1.*", "bob", "192.168.1.77"));
    }

    @Test
    void flagsAndDefaultsAreWiredIntoTheLibraryObjects() throws Exception {
        ServerSettings s = read("MaxSessions 3", "ClientAliveInterval 15", "ClientAliveCountMax 2");
        s.proxyProtocol = true;
        assertTrue(s.limits().proxyProtocol());
        assertEquals(List.of(new ServerSettings.Listen("127.0.0.1", 2222)), new ServerSettings().endpoints());
        // --sftp-only keeps only the sftp subsystem and turns forwarding off whatever the file says
        ServerSettings only = read("Subsystem sftp /usr/lib/openssh/sftp-server", "Subsystem other /bin/cat",
                "AllowTcpForwarding yes");
        only.sftpOnly = true;
        assertEquals(Map.of("sftp", "/usr/lib/openssh/sftp-server"), only.effectiveSubsystems());
        assertEquals(ServerSettings.Forwarding.NONE, only.forwarding());
        assertTrue(s.validators().isEmpty());
        assertEquals(1, read("AllowUsers a", "DenyUsers b").validators().size(), "AllowUsers/DenyUsers make a validator");
    }

    @Test
    void perSourceLimitsPenaltiesAndIdleTimeouts() throws Exception {
        ServerSettings s = read(
                "PerSourceMaxStartups 3",
                "PerSourceNetBlockSize 24:64",
                "PerSourcePenalties authfail:30s noauth:2 min:1m max:1h overflow:deny-all max-sources4:100 invaliduser:5",
                "PerSourcePenaltyExemptList 10.0.0.0/8,192.0.2.1",
                "UnusedConnectionTimeout 5m",
                "ChannelTimeout session=1m direct-tcpip=30s session=9m");
        ServerLimits l = s.limits();
        assertEquals(3, l.perSourceMaxStartups());
        assertEquals(24, l.perSourceNetBlockSizeV4());
        assertEquals(64, l.perSourceNetBlockSizeV6());
        assertTrue(l.penalties().enabled());
        String p = l.penalties().toString();
        assertTrue(p.contains("30000ms") && p.contains("max-sources4:100") && p.contains("DENY_ALL")
                && p.contains("10.0.0.0/8") && p.contains("192.0.2.1"), p);
        assertTrue(warnings().contains(":3: PerSourcePenalties: invaliduser is not supported"), warnings());
        TransportConfig.Builder b = TransportConfig.builder();
        s.applyPerConnection(b);
        TransportConfig c = b.build();
        assertEquals(Duration.ofMinutes(5), c.unusedConnectionTimeout());
        assertEquals(Duration.ofMinutes(1), c.channelTimeout("session"), "the first session= wins");
        assertEquals(Duration.ofSeconds(30), c.channelTimeout("direct-tcpip"));

        ServerSettings off = read("PerSourcePenalties no", "PerSourceMaxStartups none", "ChannelTimeout none");
        assertFalse(off.limits().penalties().enabled());
        assertEquals(0, off.limits().perSourceMaxStartups());
        assertTrue(read("PerSourcePenalties yes").limits().penalties().enabled());

        assertTrue(bad("PerSourcePenalties authfail").getMessage().contains(":1: PerSourcePenalties: expected yes, no or KEY:VALUE"));
        assertTrue(bad("PerSourcePenalties bogus:5").getMessage().contains(":1: PerSourcePenalties: unknown penalty 'bogus'"));
        assertTrue(bad("PerSourceNetBlockSize 33").getMessage().contains(":1: PerSourceNetBlockSize"));
        assertTrue(bad("PerSourcePenaltyExemptList 10.0.0.0/99").getMessage().contains(":1: PerSourcePenaltyExemptList"));
        assertTrue(bad("ChannelTimeout session").getMessage().contains(":1: ChannelTimeout: expected TYPE=INTERVAL"));
    }

    @Test
    void matchBlocksSetPerLoginKeywordsAndTheFirstMatchingBlockWins() throws Exception {
        Path home = Path.of("/home/srv");
        ServerSettings s = read(
                "ChrootDirectory /srv/all",
                "AllowTcpForwarding no",
                "ForceCommand none",
                "Match User *,!bob Address 10.0.0.0/8,192.168.1.*",
                "  ChrootDirectory /jails/%u",
                "  ChrootDirectory /ignored",
                "  AllowTcpForwarding local",
                "Match User a*",
                "  ChrootDirectory none",
                "  ForceCommand internal-sftp -R -u 027 -d /upload -P remove,rename",
                "match host 127.0.0.*",
                "  PasswordAuthentication no",
                "  PermitOpen localhost:80 [::1]:*",
                "  PermitListen 8080 localhost:*",
                "  GatewayPorts clientspecified",
                "  AllowAgentForwarding no",
                "  AllowStreamLocalForwarding remote",
                "Match Address 127.0.0.2",
                "  DisableForwarding yes");
        assertEquals("", warnings());
        assertEquals("/srv/all", s.chrootDirectory);
        assertEquals(ServerSettings.Forwarding.NONE, s.forwarding());

        // alice from 10/8: the first block's ChrootDirectory beats the second's none; the second's ForceCommand applies
        LoginPolicy alice = s.forLogin(home, "alice", "10.1.2.3");
        assertEquals(Path.of("/jails/alice"), alice.chroot());
        assertEquals(new SftpServerCommand.Flags("/upload", true, 027, Set.of(), Set.of("remove", "rename"), null, false),
                alice.forcedSftp());
        assertEquals(ServerSettings.Forwarding.LOCAL, alice.tcpForwarding());
        assertEquals(Set.of("session", "direct-tcpip", "direct-streamlocal@openssh.com", "forwarded-streamlocal@openssh.com",
                "auth-agent@openssh.com"), alice.channelTypes());
        assertTrue(alice.passwordAuthentication());

        // carol from 192.168.1.7: jailed by the first block; the global ForceCommand none
        LoginPolicy carol = s.forLogin(home, "carol", "192.168.1.7");
        assertEquals(Path.of("/jails/carol"), carol.chroot());
        assertFalse(carol.sftpForced());

        // bob is negated in the first block: the global section
        LoginPolicy bob = s.forLogin(home, "bob", "10.1.2.3");
        assertEquals(Path.of("/srv/all"), bob.chroot());
        assertEquals(ServerSettings.Forwarding.NONE, bob.tcpForwarding());

        // anna from elsewhere: only the second block, whose "none" unjails her
        LoginPolicy anna = s.forLogin(home, "anna", "172.16.0.1");
        assertNull(anna.chroot());
        assertTrue(anna.sftpForced());

        // Host is matched against the address (UseDNS no)
        LoginPolicy dave = s.forLogin(home, "dave", "127.0.0.1");
        assertFalse(dave.passwordAuthentication());
        assertTrue(dave.pubkeyAuthentication());
        assertEquals(List.of("localhost:80", "[::1]:*"), dave.permitOpen());
        assertEquals(List.of("8080", "localhost:*"), dave.permitListen());
        assertEquals("clientspecified", dave.gatewayPorts());
        assertFalse(dave.agentForwarding());
        assertEquals(ServerSettings.Forwarding.REMOTE, dave.streamLocalForwarding());
        assertEquals(Set.of("session", "forwarded-streamlocal@openssh.com"), dave.channelTypes());
        assertEquals(List.of("any"), bob.permitOpen(), "the default");

        // DisableForwarding turns every kind off
        assertEquals(Set.of("session"), s.forLogin(home, "dave", "127.0.0.2").channelTypes());

        // the flags hold for everyone, Match blocks included
        s.chroot = Path.of("/flag");
        assertEquals(Path.of("/flag"), s.forLogin(home, "anna", "172.16.0.1").chroot());
        s.sftpOnly = true;
        assertEquals(Set.of("session"), s.forLogin(home, "alice", "10.1.2.3").channelTypes());

        // a Match PasswordAuthentication makes the validator that refuses such logins
        assertEquals(1, s.validators().size());
    }

    @Test
    void internalSftpTakesSftpServerFlagsAndChrootDirectoryTakesTokens() throws Exception {
        ServerSettings s = read("Subsystem sftp internal-sftp -R -u 027 -d \"/srv/my dir\" -P remove",
                "Subsystem other internal-sftp", "ChrootDirectory %h/jails/%u/%%");
        assertEquals(new SftpServerCommand.Flags("/srv/my dir", true, 027, Set.of(), Set.of("remove"), null, false),
                s.internalSftp.get("sftp"));
        assertEquals(SftpServerCommand.Flags.NONE, s.internalSftp.get("other"));
        assertEquals("internal-sftp -R -u 027 -d /srv/my dir -P remove", s.effectiveSubsystems().get("sftp"));
        assertTrue(ServerSettings.isInternalSftp(s.effectiveSubsystems().get("other")));
        assertFalse(ServerSettings.isInternalSftp("/usr/lib/openssh/sftp-server"));
        assertEquals(Path.of("/home/x/jails/alice/%"), s.forLogin(Path.of("/home/x"), "alice", "10.0.0.1").chroot());
        assertEquals(Path.of("/home/x/j"), LoginPolicy.chrootPath("~/j", Path.of("/home/x"), "alice"));
        assertNull(LoginPolicy.chrootPath("none", Path.of("/home/x"), "alice"));
        assertThrows(IllegalArgumentException.class, () -> LoginPolicy.chrootPath("/j/%u", Path.of("/h"), "../etc"));
        assertThrows(IllegalArgumentException.class, () -> LoginPolicy.chrootPath("/j/%u", Path.of("/h"), "a/b"));
        assertEquals(Path.of("/j/%u"), LoginPolicy.chrootPath("/j/%%u", Path.of("/h"), "a/b"));
        // no Match block: the global ChrootDirectory jails everyone
        assertEquals(Path.of("/home/x/jails/bob/%"), s.forLogin(Path.of("/home/x"), "bob", "127.0.0.1").chroot());
    }

    @Test
    void badMatchLinesAndPerLoginValuesNameFileAndLine() throws Exception {
        String f = dir.resolve("sshd_config") + ":";
        assertTrue(bad("Match").getMessage().startsWith(f + "1: Match: missing criteria"));
        assertTrue(bad("# x", "Match Group staff").getMessage().startsWith(f + "2: Match: Match Group is not supported"));
        assertTrue(bad("Match LocalPort 22").getMessage().startsWith(f + "1: Match: Match LocalPort is not supported"));
        assertTrue(bad("Match User").getMessage().startsWith(f + "1: Match: missing patterns after User"));
        assertTrue(bad("Match All User bob").getMessage().startsWith(f + "1: Match: 'All' cannot be combined"));
        assertTrue(bad("Match User bob All").getMessage().startsWith(f + "1: Match: 'All' cannot be combined"));
        assertTrue(bad("Match Address 10.0.0.0/33").getMessage().startsWith(f + "1: Match: bad address list '10.0.0.0/33'"));
        assertTrue(bad("Match Colour blue").getMessage().startsWith(f + "1: Match: unknown criterion 'Colour'"));
        assertTrue(bad("ForceCommand /bin/date").getMessage().startsWith(f + "1: ForceCommand: only 'internal-sftp'"));
        assertTrue(bad("ForceCommand internal-sftp -x").getMessage().startsWith(f + "1: ForceCommand: internal-sftp: Unknown option: '-x'"));
        assertTrue(bad("Match User a", "  ForceCommand internal-sftp -u 999").getMessage()
                .startsWith(f + "2: ForceCommand: internal-sftp: Invalid umask \"999\""));
        assertTrue(bad("ChrootDirectory relative/dir").getMessage().startsWith(f + "1: ChrootDirectory: not an absolute path"));
        assertTrue(bad("ChrootDirectory /srv/%x").getMessage().startsWith(f + "1: ChrootDirectory: unknown token %x"));
        assertTrue(bad("ChrootDirectory /a /b").getMessage().startsWith(f + "1: ChrootDirectory: expected one argument"));
        assertTrue(bad("Subsystem sftp internal-sftp -l LOUD").getMessage()
                .startsWith(f + "1: Subsystem: internal-sftp: Invalid log level \"LOUD\""));
        assertTrue(bad("Subsystem sftp internal-sftp -Q requests").getMessage()
                .startsWith(f + "1: Subsystem: internal-sftp: -h, -V and -Q are not flags of a session"));
        assertTrue(bad("Subsystem sftp internal-sftp -P bogus").getMessage()
                .startsWith(f + "1: Subsystem: internal-sftp: -P: unknown request name \"bogus\""));
        assertTrue(bad("PermitOpen any localhost:22").getMessage().startsWith(f + "1: PermitOpen: 'any' must appear alone"));
        assertTrue(bad("PermitOpen localhost").getMessage().startsWith(f + "1: PermitOpen: expected host:port"));
        assertTrue(bad("PermitListen localhost:99999").getMessage().startsWith(f + "1: PermitListen: bad port number"));
        assertTrue(bad("GatewayPorts sometimes").getMessage().startsWith(f + "1: GatewayPorts: expected no, yes or clientspecified"));
        assertTrue(bad("AllowStreamLocalForwarding maybe").getMessage().startsWith(f + "1: AllowStreamLocalForwarding: expected yes, no"));
        assertTrue(bad("Match User x", "  AllowAgentForwarding perhaps").getMessage()
                .startsWith(f + "2: AllowAgentForwarding: expected yes or no"));
        assertTrue(bad("Match User x", "  DisableForwarding").getMessage().startsWith(f + "2: DisableForwarding: missing argument"));
    }

    @Test
    void bytesThatAreNotUtf8OrNulNameTheirLine() throws Exception {
        // found by SshdConfigTarget: the whole file failed with "cannot read: Input length = 1"
        Path f = dir.resolve("sshd_config");
        Files.write(f, "Port 2222\r\nBanner /etc/issue\nListenAddress \u00e9\n# caf\u00e9 \u00ff\n".getBytes(StandardCharsets.ISO_8859_1));
        SshdConfig.ConfigException e = assertThrows(SshdConfig.ConfigException.class,
                () -> SshdConfig.read(f, new ServerSettings(), new PrintStream(warnings, true, StandardCharsets.UTF_8)));
        assertEquals(f + ":3: not valid UTF-8", e.getMessage());
        Files.write(f, "Port 2222\nChrootDirectory /srv/a\0b\n".getBytes(StandardCharsets.UTF_8));
        e = assertThrows(SshdConfig.ConfigException.class,
                () -> SshdConfig.read(f, new ServerSettings(), new PrintStream(warnings, true, StandardCharsets.UTF_8)));
        assertEquals(f + ":2: NUL character in line", e.getMessage());
    }
}
