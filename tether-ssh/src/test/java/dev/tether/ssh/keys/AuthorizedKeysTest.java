package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.keys.AuthorizedKeys.AuthorizedKey;
import dev.tether.ssh.keys.AuthorizedKeys.HostPort;
import dev.tether.ssh.keys.AuthorizedKeys.KeyOptions;
import dev.tether.ssh.keys.AuthorizedKeys.Match;
import dev.tether.testkit.Peers;
import dev.tether.testkit.SshKeygen;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.tether.ssh.keys.KnownHostsTest.EC256;
import static dev.tether.ssh.keys.KnownHostsTest.ED;
import static dev.tether.ssh.keys.KnownHostsTest.ED2;
import static dev.tether.ssh.keys.KnownHostsTest.RSA;
import static dev.tether.ssh.keys.KnownHostsTest.key;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** authorized_keys parsing (sshd's option syntax), the policy answers of the options, and key matching. */
class AuthorizedKeysTest {
    private static final ZoneId UTC = ZoneOffset.UTC;
    private static final Instant NOW = Instant.parse("2025-06-15T12:00:00Z");

    @TempDir
    Path dir;

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    private static KeyOptions opts(String s) throws SshException {
        return KeyOptions.parse(s, UTC);
    }

    private static AuthorizedKeys parse(String... lines) throws SshException {
        return AuthorizedKeys.parse("ak", String.join("\n", lines) + "\n", UTC, true);
    }

    // ------------------------------------------------------------------ line syntax

    @Test
    void parsesPlainLinesCommentsAndOptions() throws Exception {
        AuthorizedKeys ak = AuthorizedKeys.parse("ak", String.join("\r\n",
                "# comment",
                "",
                key(ED) + " alice@laptop with spaces",
                "  no-pty,command=\"echo hello, world\" " + key(EC256),
                "NO-Agent-Forwarding\t" + key(RSA) + "\tbob"), UTC, true);
        List<AuthorizedKey> e = ak.entries();
        assertEquals(3, e.size());
        assertEquals(3, e.get(0).line());
        assertEquals("ak:3", e.get(0).location());
        assertEquals("ssh-ed25519", e.get(0).keyType());
        assertArrayEquals(ED, e.get(0).blob());
        assertEquals("alice@laptop with spaces", e.get(0).comment());
        assertEquals(KeyOptions.NONE.toString(), e.get(0).options().toString());
        assertNull(e.get(0).file());
        assertEquals(4, e.get(1).line());
        assertFalse(e.get(1).options().permitsPty());
        assertEquals(Optional.of("echo hello, world"), e.get(1).options().forcedCommand());
        assertEquals("", e.get(1).comment());
        assertFalse(e.get(2).options().permitsAgentForwarding(), "option names are case-insensitive");
        assertEquals("bob", e.get(2).comment());
        assertEquals(SignatureAlgorithms.fingerprint(ED), e.get(0).fingerprint());
        assertEquals("no-pty,command=\"echo hello, world\" " + key(EC256), e.get(1).toLine());
    }

    @Test
    void quotedValuesAndEscapes() throws Exception {
        KeyOptions o = opts("command=\"echo \\\"hi there\\\", a\\b  c\",environment=\"MSG=x \\\"y\\\" z\"");
        assertEquals(Optional.of("echo \"hi there\", a\\b  c"), o.forcedCommand(),
                "\\\" is a quote, any other backslash stays");
        assertEquals(Map.of("MSG", "x \"y\" z"), o.environment());
        // a round trip through the canonical form
        assertEquals(o.toString(), opts(o.toString()).toString());
        AuthorizedKeys ak = parse("command=\"a b\\\" c\",no-pty " + key(ED) + " comment");
        assertEquals(Optional.of("a b\" c"), ak.entries().get(0).options().forcedCommand());
        assertEquals("comment", ak.entries().get(0).comment());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "unknown-option",
            "no-pty,bogus",
            "no-pty,",
            "no-pty,,no-x11-forwarding",
            ",no-pty",
            "command=unquoted",
            "command=\"no end quote",
            "command",
            "no-pty=\"x\"",
            "restrictx",
            "no-pty\"x\"",
            "command=\"a\",command=\"b\"",
            "from=\"a\",from=\"b\"",
            "principals=\"a\",principals=\"b\"",
            "environment=\"NOEQUALS\"",
            "environment=\"=value\"",
            "environment=\"BAD-NAME=x\"",
            "expiry-time=\"2025\"",
            "expiry-time=\"20251301\"",
            "expiry-time=\"20250230\"",
            "expiry-time=\"202501011260\"",
            "expiry-time=\"2025010112\"",
            "expiry-time=\"Z\"",
            "permitopen=\"host\"",
            "permitopen=\"host:\"",
            "permitopen=\"host:0\"",
            "permitopen=\"host:65536\"",
            "permitopen=\":80\"",
            "permitopen=\"[::1]\"",
            "permitopen=\"[::1:80\"",
            "permitopen=\"host:http\"",
            "permitlisten=\"host:-1\"",
            "tunnel=\"x\"",
            "tunnel=\"-1\""})
    void invalidOptions(String options) {
        assertThrows(SshException.class, () -> opts(options), options);
        SshException e = assertThrows(SshException.class, () -> parse("# first", options + " " + key(ED)));
        assertTrue(e.getMessage().contains("ak:2: "), e.getMessage());
    }

    @Test
    void badLinesAreReportedWithFileAndLine() throws Exception {
        Path f = dir.resolve("authorized_keys");
        Files.writeString(f, String.join("\n",
                key(ED) + " good",
                "frobnicate " + key(ED2),
                "no-pty ssh-foo AAAA",
                "no-pty",
                "ssh-ed25519 !!!",
                "ssh-rsa " + java.util.Base64.getEncoder().encodeToString(ED),
                "restrict " + key(EC256) + " also good") + "\n");
        SshException e = assertThrows(SshException.class, () -> AuthorizedKeys.loadStrict(f));
        for (int line = 2; line <= 6; line++) {
            assertTrue(e.getMessage().contains(f + ":" + line + ": "), "line " + line + ": " + e.getMessage());
        }
        assertTrue(e.getMessage().contains("unknown key option \"frobnicate\""), e.getMessage());
        assertTrue(e.getMessage().contains("unknown key type \"ssh-foo\""), e.getMessage());
        assertFalse(e.getMessage().contains(f + ":1:"));
        assertFalse(e.getMessage().contains(f + ":7:"));
        AuthorizedKeys lenient = AuthorizedKeys.load(f);
        assertEquals(List.of(1, 7), lenient.entries().stream().map(AuthorizedKey::line).toList());
        assertEquals(5, lenient.errors().size());
        assertTrue(lenient.errors().get(0).getMessage().startsWith(f + ":2: "));
        assertEquals(f, lenient.entries().get(0).file());
        assertEquals(f + ":7", lenient.entries().get(1).location());
    }

    // ------------------------------------------------------------------ policy answers

    @Test
    void defaultsAllowEverything() {
        KeyOptions o = KeyOptions.NONE;
        assertTrue(o.permitsPty() && o.permitsPortForwarding() && o.permitsAgentForwarding() && o.permitsX11() && o.permitsUserRc());
        assertTrue(o.permitOpen("anywhere", 1234));
        assertTrue(o.permitListen("localhost", 8080));
        assertTrue(o.forcedCommand().isEmpty());
        assertTrue(o.environment().isEmpty());
        assertFalse(o.expired(NOW));
        assertTrue(o.principals().isEmpty());
        assertFalse(o.isCertAuthority());
        assertFalse(o.isRestricted());
        assertEquals("", o.toString());
    }

    @Test
    void noFlagsTurnFeaturesOff() throws Exception {
        KeyOptions o = opts("no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding,no-user-rc");
        assertFalse(o.permitsPty());
        assertFalse(o.permitsPortForwarding());
        assertFalse(o.permitsAgentForwarding());
        assertFalse(o.permitsX11());
        assertFalse(o.permitsUserRc());
        assertFalse(o.permitOpen("host", 80));
        assertFalse(o.permitListen("localhost", 8080));
    }

    @Test
    void restrictAndReEnablersApplyInOrder() throws Exception {
        KeyOptions r = opts("restrict");
        assertTrue(r.isRestricted());
        assertFalse(r.permitsPty() || r.permitsPortForwarding() || r.permitsAgentForwarding() || r.permitsX11() || r.permitsUserRc());
        KeyOptions rp = opts("restrict,pty");
        assertTrue(rp.permitsPty());
        assertFalse(rp.permitsPortForwarding() || rp.permitsAgentForwarding() || rp.permitsX11() || rp.permitsUserRc());
        KeyOptions pr = opts("pty,restrict");
        assertFalse(pr.permitsPty(), "restrict after pty turns it off again");
        KeyOptions all = opts("restrict,pty,port-forwarding,agent-forwarding,X11-forwarding,user-rc");
        assertTrue(all.permitsPty() && all.permitsPortForwarding() && all.permitsAgentForwarding() && all.permitsX11()
                && all.permitsUserRc());
        KeyOptions pf = opts("restrict,port-forwarding,permitopen=\"db:5432\"");
        assertTrue(pf.permitOpen("db", 5432));
        assertFalse(pf.permitOpen("db", 5433));
        assertFalse(opts("restrict,permitopen=\"db:5432\"").permitOpen("db", 5432), "permitopen does not re-enable forwarding");
        assertEquals("restrict,pty", rp.toString());
        assertEquals(rp.toString(), opts(rp.toString()).toString());
    }

    @Test
    void permitOpenMatchesLiteralHostsAndWildcardPorts() throws Exception {
        KeyOptions o = opts("permitopen=\"192.0.2.1:80\",permitopen=\"db.example.com:*\",permitopen=\"[2001:db8::1]:443\"");
        assertEquals(List.of(new HostPort("192.0.2.1", 80), new HostPort("db.example.com", HostPort.ANY_PORT),
                new HostPort("2001:db8::1", 443)), o.permitOpenList());
        assertTrue(o.permitOpen("192.0.2.1", 80));
        assertFalse(o.permitOpen("192.0.2.1", 81));
        assertFalse(o.permitOpen("192.0.2.2", 80));
        assertTrue(o.permitOpen("db.example.com", 5432));
        assertTrue(o.permitOpen("db.example.com", 1));
        assertTrue(o.permitOpen("2001:db8::1", 443));
        assertFalse(o.permitOpen("[2001:db8::1]", 443), "brackets are syntax, not part of the host");
        assertFalse(o.permitOpen("*.example.com", 5432));
        KeyOptions noPattern = opts("permitopen=\"*.example.com:80\"");
        assertFalse(noPattern.permitOpen("www.example.com", 80), "permitopen hosts are not patterns");
        assertTrue(opts("permitopen=\"*:25\"").permitOpen("mail.example.com", 25), "a host of * is any host");
        assertFalse(opts("permitopen=\"*:25\"").permitOpen("mail.example.com", 26));
        assertTrue(opts("permitopen=\"*:*\"").permitOpen("x", 9));
        assertEquals("[2001:db8::1]:443", o.permitOpenList().get(2).toString());
        assertEquals("db.example.com:*", o.permitOpenList().get(1).toString());
        assertEquals(o.toString(), opts(o.toString()).toString());
    }

    @Test
    void permitListenTakesBarePortsAndHostPatterns() throws Exception {
        KeyOptions o = opts("permitlisten=\"8080\",permitlisten=\"localhost:9000\",permitlisten=\"[::1]:22000\","
                + "permitlisten=\"*.internal:*\"");
        assertEquals(new HostPort("*", 8080), o.permitListenList().get(0));
        assertTrue(o.permitListen("localhost", 8080));
        assertTrue(o.permitListen("0.0.0.0", 8080), "a bare port allows any listen host");
        assertTrue(o.permitListen("", 8080));
        assertFalse(o.permitListen("localhost", 8081));
        assertTrue(o.permitListen("localhost", 9000));
        assertTrue(o.permitListen("LOCALHOST", 9000), "listen hosts compare case-insensitively");
        assertFalse(o.permitListen("127.0.0.1", 9000), "localhost is not 127.0.0.1");
        assertTrue(o.permitListen("::1", 22000));
        assertTrue(o.permitListen("gw.internal", 1234));
        assertFalse(o.permitListen("gw.external", 1234));
    }

    @Test
    void environmentIsOrderedAndFirstWins() throws Exception {
        KeyOptions o = opts("environment=\"B=2\",environment=\"A=1\",environment=\"B=3\",environment=\"EMPTY=\",environment=\"X_1=a=b\"");
        assertEquals(List.of("B", "A", "EMPTY", "X_1"), List.copyOf(o.environment().keySet()));
        assertEquals("2", o.environment().get("B"));
        assertEquals("", o.environment().get("EMPTY"));
        assertEquals("a=b", o.environment().get("X_1"));
        assertThrows(UnsupportedOperationException.class, () -> o.environment().put("C", "x"));
    }

    @Test
    void expiryTimes() throws Exception {
        assertEquals(Optional.of(Instant.parse("2020-01-01T00:00:00Z")), opts("expiry-time=\"20200101Z\"").expiryTime());
        assertEquals(Optional.of(Instant.parse("2020-01-01T12:30:00Z")), opts("expiry-time=\"202001011230Z\"").expiryTime());
        assertEquals(Optional.of(Instant.parse("2020-01-01T12:30:45Z")), opts("expiry-time=\"20200101123045Z\"").expiryTime());
        assertEquals(Optional.of(Instant.parse("2020-01-01T12:30:45Z")), opts("expiry-time=\"20200101123045UTC\"").expiryTime());
        assertEquals(Optional.of(Instant.parse("2020-01-01T12:30:45Z")), opts("expiry-time=\"20200101123045z\"").expiryTime());
        // local time: in the zone given (the system zone when loading files)
        ZoneId tokyo = ZoneId.of("Asia/Tokyo");
        assertEquals(Optional.of(Instant.parse("2020-01-01T03:30:00Z")),
                KeyOptions.parse("expiry-time=\"202001011230\"", tokyo).expiryTime());
        assertEquals(Optional.of(Instant.parse("2020-01-01T12:30:00Z")),
                KeyOptions.parse("expiry-time=\"202001011230Z\"", tokyo).expiryTime(), "Z ignores the zone");
        // the earliest of several wins
        assertEquals(Optional.of(Instant.parse("2019-05-05T00:00:00Z")),
                opts("expiry-time=\"20300101Z\",expiry-time=\"20190505Z\",expiry-time=\"20250101Z\"").expiryTime());

        KeyOptions past = opts("expiry-time=\"20200101Z\"");
        KeyOptions future = opts("expiry-time=\"20991231Z\"");
        assertTrue(past.expired(NOW));
        assertFalse(future.expired(NOW));
        KeyOptions edge = opts("expiry-time=\"20250615120000Z\"");
        assertFalse(edge.expired(NOW), "not expired during its last second");
        assertFalse(edge.expired(NOW.plusMillis(999)));
        assertTrue(edge.expired(NOW.plusSeconds(1)));
    }

    @Test
    void fromAllowsByHostNameOrAddress() throws Exception {
        KeyOptions o = opts("from=\"*.example.com,!*.dialup.example.com,10.0.0.0/8,2001:db8::/32\"");
        assertEquals(Optional.of("*.example.com,!*.dialup.example.com,10.0.0.0/8,2001:db8::/32"), o.from());
        assertTrue(o.fromAllows("ws1.example.com", ip("192.0.2.1")), "by canonical host name");
        assertTrue(o.fromAllows("WS1.EXAMPLE.COM", ip("192.0.2.1")));
        assertFalse(o.fromAllows("p7.dialup.example.com", ip("10.1.1.1")), "negated host name wins over the address");
        assertTrue(o.fromAllows(null, ip("10.1.2.3")), "by CIDR");
        assertTrue(o.fromAllows("unrelated.org", ip("10.1.2.3")));
        assertTrue(o.fromAllows(null, ip("2001:db8:1::5")));
        assertFalse(o.fromAllows(null, ip("192.0.2.1")));
        assertFalse(o.fromAllows("ws1.example.org", ip("192.168.1.1")));
        assertFalse(o.fromAllows("ws1.example.com", null));
        assertTrue(KeyOptions.NONE.fromAllows(null, null), "no from=, no restriction");
        KeyOptions wild = opts("from=\"192.168.1.*,!192.168.1.13\"");
        assertTrue(wild.fromAllows(null, ip("192.168.1.12")));
        assertFalse(wild.fromAllows(null, ip("192.168.1.13")));
        assertFalse(opts("from=\"10.0.0.1/8\"").fromAllows(null, ip("10.0.0.1")), "a malformed network fails closed");
    }

    @Test
    void otherOptions() throws Exception {
        KeyOptions o = opts("cert-authority,principals=\"alice,ops team\",no-touch-required,verify-required,tunnel=\"3\"");
        assertTrue(o.isCertAuthority());
        assertEquals(Optional.of(List.of("alice", "ops team")), o.principals());
        assertTrue(o.noTouchRequired());
        assertTrue(o.verifyRequired());
        assertEquals(Optional.of("3"), o.tunnel());
        assertEquals(Optional.of("any"), opts("tunnel=\"any\"").tunnel());
        assertFalse(opts("no-touch-required,touch-required").noTouchRequired());
        assertEquals(o.toString(), opts(o.toString()).toString());
    }

    // ------------------------------------------------------------------ matching

    @Test
    void findsPlainKeysByExactBlob() throws Exception {
        AuthorizedKeys ak = parse(key(EC256) + " other", "no-pty " + key(ED) + " mine");
        Optional<Match> m = ak.find(ED, "alice", ip("192.0.2.1"), NOW);
        assertTrue(m.isPresent());
        assertEquals(2, m.get().entry().line());
        assertFalse(m.get().permitsPty());
        assertTrue(m.get().permitsPortForwarding());
        assertTrue(m.get().certificate().isEmpty());
        assertFalse(m.get().isCertAuthority());
        assertEquals("ED25519 " + SignatureAlgorithms.fingerprint(ED) + " accepted by ak:2", m.get().description());
        assertTrue(ak.find(ED2, "alice", ip("192.0.2.1"), NOW).isEmpty());
        assertTrue(ak.find(RSA, "alice", ip("192.0.2.1"), NOW).isEmpty());
    }

    @Test
    void caLinesDoNotAuthoriseTheCaKeyItself() throws Exception {
        AuthorizedKeys ak = parse("cert-authority " + key(ED));
        assertTrue(ak.find(ED, "alice", ip("192.0.2.1"), NOW).isEmpty());
    }

    @Test
    void refusingLinesArePassedOver() throws Exception {
        AuthorizedKeys ak = parse(
                "from=\"10.0.0.0/8\",command=\"internal\" " + key(ED),
                "expiry-time=\"20200101Z\",command=\"expired\" " + key(ED),
                "from=\"*.example.com\",command=\"by-name\" " + key(ED),
                "restrict,command=\"fallback\" " + key(ED));
        assertEquals(Optional.of("internal"), ak.find(ED, "u", ip("10.9.9.9"), NOW).orElseThrow().forcedCommand());
        assertEquals(Optional.of("by-name"),
                ak.find(ED, "u", "box.example.com", ip("192.0.2.5"), NOW).orElseThrow().forcedCommand());
        Match m = ak.find(ED, "u", ip("192.0.2.5"), NOW).orElseThrow();
        assertEquals(Optional.of("fallback"), m.forcedCommand());
        assertEquals(4, m.entry().line());
        assertFalse(m.permitsPty());
        assertFalse(m.permitOpen("x", 1));
        assertEquals(Optional.of("expired"),
                ak.find(ED, "u", ip("192.0.2.5"), Instant.parse("2019-12-31T23:59:59Z")).orElseThrow().forcedCommand(),
                "before its expiry the second line is first to accept");
        AuthorizedKeys only = parse("from=\"10.0.0.0/8\" " + key(ED));
        assertTrue(only.find(ED, "u", ip("192.0.2.5"), NOW).isEmpty());
        assertTrue(parse("expiry-time=\"20200101Z\" " + key(ED)).find(ED, "u", ip("10.0.0.1"), NOW).isEmpty());
    }

    @Test
    void matchAnswersAsTheLineForPlainKeys() throws Exception {
        AuthorizedKeys ak = parse("restrict,pty,environment=\"A=1\",permitopen=\"h:1\",port-forwarding,"
                + "expiry-time=\"20991231Z\",from=\"192.0.2.0/24\" " + key(ED));
        Match m = ak.find(ED, "u", ip("192.0.2.9"), NOW).orElseThrow();
        KeyOptions o = m.options();
        assertEquals(o.permitsPty(), m.permitsPty());
        assertTrue(m.permitsPty());
        assertTrue(m.permitsPortForwarding());
        assertFalse(m.permitsAgentForwarding());
        assertFalse(m.permitsX11());
        assertFalse(m.permitsUserRc());
        assertEquals(Map.of("A", "1"), m.environment());
        assertTrue(m.permitOpen("h", 1));
        assertFalse(m.permitOpen("h", 2));
        assertTrue(m.permitListen("localhost", 5));
        assertTrue(m.fromAllows(null, ip("192.0.2.200")));
        assertFalse(m.fromAllows(null, ip("192.0.3.1")));
        assertFalse(m.expired(NOW));
        assertTrue(m.expired(Instant.parse("2100-01-01T00:00:00Z")));
        assertTrue(m.principals().isEmpty());
    }

    @Test
    void malformedOfferedBlobsAreRefused() throws Exception {
        AuthorizedKeys ak = parse(key(ED));
        assertThrows(SshException.class, () -> ak.find(new byte[] {0, 0, 0, 5, 'a'}, "u", ip("192.0.2.1"), NOW));
    }

    @Test
    void readsAFileWrittenBySshKeygenPublicKeys() throws Exception {
        Peers.requireSshKeygen();
        Path k1 = SshKeygen.generate(dir, "id_ed25519", "ed25519", 0, "test@tether");
        Path k2 = SshKeygen.generate(dir, "id_ecdsa", "ecdsa", 384, "test@tether");
        String pub1 = Files.readString(dir.resolve("id_ed25519.pub")).strip();
        String pub2 = Files.readString(dir.resolve("id_ecdsa.pub")).strip();
        Path f = dir.resolve("authorized_keys");
        Files.writeString(f, pub1 + "\nrestrict,command=\"backup\" " + pub2 + "\n");
        AuthorizedKeys ak = AuthorizedKeys.loadStrict(f);
        byte[] blob2 = SignatureAlgorithms.encodePublicKey(OpenSshKeyFile.read(k2).getPublic());
        Match m = ak.find(blob2, "u", ip("127.0.0.1"), NOW).orElseThrow();
        assertEquals(2, m.entry().line());
        assertEquals("test@tether", m.entry().comment());
        assertEquals(Optional.of("backup"), m.forcedCommand());
        byte[] blob1 = SignatureAlgorithms.encodePublicKey(OpenSshKeyFile.read(k1).getPublic());
        assertEquals(1, ak.find(blob1, "u", ip("127.0.0.1"), NOW).orElseThrow().entry().line());
    }
}
