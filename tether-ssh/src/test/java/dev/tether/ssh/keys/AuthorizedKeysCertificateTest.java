package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.keys.AuthorizedKeys.Match;
import dev.tether.testkit.Peers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import static dev.tether.ssh.keys.KnownHostsCertFixtures.blobOf;
import static dev.tether.ssh.keys.KnownHostsCertFixtures.keyField;
import static dev.tether.ssh.keys.KnownHostsCertFixtures.sign;
import static dev.tether.ssh.keys.KnownHostsCertificateTest.priv;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * User certificates against {@code cert-authority} lines, with certificates made by
 * {@code ssh-keygen -s}: principals, validity, and the merge of certificate restrictions with the
 * line's options. Needs the OpenSshCertificate implementation (skipped without it).
 */
class AuthorizedKeysCertificateTest {
    private static final Instant NOW = Instant.parse("2025-06-15T12:00:00Z");
    private static final String VALIDITY = "20200101:20990101";

    @TempDir
    static Path keys;

    private static Path caPub;
    private static Path otherCaPub;
    private static Path userPub;
    /** Principals alice and bob, serial 7, all default extensions. */
    private static byte[] cert;
    private static InetAddress client;

    @BeforeAll
    static void setUp() throws Exception {
        Peers.requireSshKeygen();
        // not about a missing peer: a branch without certificates skips these
        assumeTrue(KnownHostsCertFixtures.certificatesImplemented(), KnownHostsCertFixtures.SKIP_REASON);
        caPub = KnownHostsCertFixtures.key(keys, "user_ca", "ed25519");
        otherCaPub = KnownHostsCertFixtures.key(keys, "other_ca", "ecdsa");
        userPub = KnownHostsCertFixtures.key(keys, "id_ed25519", "ed25519");
        cert = sign(keys, priv(caPub), userPub, "alice-key", false, "alice,bob", VALIDITY, 7);
        client = InetAddress.getByName("192.0.2.10");
    }

    private static AuthorizedKeys parse(String... lines) throws SshException {
        return AuthorizedKeys.parse("ak", String.join("\n", lines) + "\n", ZoneOffset.UTC, true);
    }

    private static String ca() throws Exception {
        return keyField(caPub);
    }

    private static byte[] certWith(String principals, String... options) throws Exception {
        return sign(keys, priv(caPub), userPub, "variant", false, principals, VALIDITY, 99, options);
    }

    @Test
    void theCaLineAcceptsListedPrincipals() throws Exception {
        AuthorizedKeys ak = parse("cert-authority " + ca() + " users CA");
        Match m = ak.find(cert, "alice", client, NOW).orElseThrow();
        assertTrue(m.isCertAuthority());
        assertTrue(m.certificate().isPresent());
        assertEquals("alice-key", m.certificate().get().keyId());
        assertTrue(ak.find(cert, "bob", client, NOW).isPresent());
        assertTrue(ak.find(cert, "carol", client, NOW).isEmpty());
        String d = m.description();
        assertTrue(d.startsWith("ED25519-CERT " + SignatureAlgorithms.fingerprint(cert) + " ID \"alice-key\" (serial 7) CA ED25519 "
                + SignatureAlgorithms.fingerprint(blobOf(caPub))), d);
        assertTrue(d.endsWith("accepted by ak:1"), d);
    }

    @Test
    void onlyCaLinesWithTheSigningKeyAccept() throws Exception {
        assertTrue(parse(ca()).find(cert, "alice", client, NOW).isEmpty(), "a plain line with the CA key");
        assertTrue(parse("cert-authority " + keyField(otherCaPub)).find(cert, "alice", client, NOW).isEmpty());
        assertTrue(parse(keyField(userPub)).find(cert, "alice", client, NOW).isEmpty(),
                "the certified key's own line does not accept its certificate");
        Match m = parse("cert-authority " + keyField(otherCaPub), "cert-authority,no-pty " + ca())
                .find(cert, "alice", client, NOW).orElseThrow();
        assertEquals(2, m.entry().line());
    }

    @Test
    void principalsOptionReplacesTheUserNameCheck() throws Exception {
        AuthorizedKeys ak = parse("cert-authority,principals=\"carol,bob\" " + ca());
        assertTrue(ak.find(cert, "zed", client, NOW).isPresent(), "bob is in both lists; the user name is not checked");
        assertEquals(Optional.of(List.of("carol", "bob")), ak.find(cert, "zed", client, NOW).orElseThrow().principals());
        assertTrue(parse("cert-authority,principals=\"carol\" " + ca()).find(cert, "alice", client, NOW).isEmpty(),
                "no certificate principal is in principals=");
    }

    @Test
    void aCertificateWithoutPrincipalsIsValidForAnyUserButNoPrincipalsOption() throws Exception {
        byte[] any = certWith(null);
        assertTrue(OpenSshCertificate.parse(any).principals().isEmpty());
        assertTrue(parse("cert-authority " + ca()).find(any, "whoever", client, NOW).isPresent());
        assertTrue(parse("cert-authority,principals=\"whoever\" " + ca()).find(any, "whoever", client, NOW).isEmpty());
    }

    @Test
    void validityAndLineExpiry() throws Exception {
        AuthorizedKeys ak = parse("cert-authority " + ca());
        assertTrue(ak.find(cert, "alice", client, Instant.parse("2019-12-31T00:00:00Z")).isEmpty(), "not yet valid");
        assertTrue(ak.find(cert, "alice", client, Instant.parse("2099-01-02T00:00:00Z")).isEmpty(), "expired");
        Match m = ak.find(cert, "alice", client, NOW).orElseThrow();
        assertFalse(m.expired(NOW));
        assertTrue(m.expired(Instant.parse("2099-01-02T00:00:00Z")));
        assertTrue(parse("cert-authority,expiry-time=\"20250101Z\" " + ca()).find(cert, "alice", client, NOW).isEmpty());
    }

    @Test
    void hostCertificatesAreNotUserCertificates() throws Exception {
        byte[] host = sign(keys, priv(caPub), userPub, "host", true, "alice", VALIDITY, 3);
        assertTrue(parse("cert-authority " + ca()).find(host, "alice", client, NOW).isEmpty());
    }

    @Test
    void aFeatureNeedsBothTheExtensionAndTheLine() throws Exception {
        Match all = parse("cert-authority " + ca()).find(cert, "alice", client, NOW).orElseThrow();
        assertTrue(all.permitsPty() && all.permitsPortForwarding() && all.permitsAgentForwarding() && all.permitsX11()
                && all.permitsUserRc(), "ssh-keygen grants every permit-* extension by default");
        assertTrue(all.permitOpen("db", 5432));

        byte[] ptyOnly = certWith("alice", "clear", "permit-pty");
        Match m = parse("cert-authority " + ca()).find(ptyOnly, "alice", client, NOW).orElseThrow();
        assertTrue(m.permitsPty());
        assertFalse(m.permitsPortForwarding());
        assertFalse(m.permitsAgentForwarding());
        assertFalse(m.permitsX11());
        assertFalse(m.permitsUserRc());
        assertFalse(m.permitOpen("db", 5432), "no permit-port-forwarding");
        assertFalse(m.permitListen("localhost", 8080));
        assertTrue(m.options().permitsPortForwarding(), "the line alone would allow it");

        Match restricted = parse("cert-authority,restrict " + ca()).find(cert, "alice", client, NOW).orElseThrow();
        assertFalse(restricted.permitsPty() || restricted.permitsPortForwarding() || restricted.permitsAgentForwarding()
                || restricted.permitsX11() || restricted.permitsUserRc());
        Match restrictPty = parse("cert-authority,restrict,pty " + ca()).find(cert, "alice", client, NOW).orElseThrow();
        assertTrue(restrictPty.permitsPty());
        assertFalse(restrictPty.permitsX11());
        Match both = parse("cert-authority,restrict,pty,port-forwarding " + ca()).find(ptyOnly, "alice", client, NOW).orElseThrow();
        assertTrue(both.permitsPty());
        assertFalse(both.permitsPortForwarding());
    }

    @Test
    void forceCommandMustAgreeWithTheLine() throws Exception {
        byte[] forced = certWith("alice", "force-command=/usr/bin/backup");
        Match m = parse("cert-authority " + ca()).find(forced, "alice", client, NOW).orElseThrow();
        assertEquals(Optional.of("/usr/bin/backup"), m.forcedCommand());
        assertTrue(parse("cert-authority,command=\"/usr/bin/backup\" " + ca()).find(forced, "alice", client, NOW).isPresent());
        assertTrue(parse("cert-authority,command=\"/bin/sh\" " + ca()).find(forced, "alice", client, NOW).isEmpty(),
                "different commands: the certificate is refused");
        Match lineOnly = parse("cert-authority,command=\"/bin/date\" " + ca()).find(cert, "alice", client, NOW).orElseThrow();
        assertEquals(Optional.of("/bin/date"), lineOnly.forcedCommand());
    }

    @Test
    void sourceAddressAndFromBothApply() throws Exception {
        byte[] sourced = certWith("alice", "source-address=10.0.0.0/8,192.0.2.10");
        AuthorizedKeys ak = parse("cert-authority " + ca());
        InetAddress inside = InetAddress.getByName("10.2.3.4");
        InetAddress outside = InetAddress.getByName("192.0.2.11");
        Match m = ak.find(sourced, "alice", inside, NOW).orElseThrow();
        assertTrue(m.fromAllows(null, inside));
        assertFalse(m.fromAllows(null, outside));
        assertTrue(ak.find(sourced, "alice", client, NOW).isPresent());
        assertTrue(ak.find(sourced, "alice", outside, NOW).isEmpty());
        AuthorizedKeys withFrom = parse("cert-authority,from=\"192.0.2.0/24\" " + ca());
        assertTrue(withFrom.find(sourced, "alice", inside, NOW).isEmpty(), "from= refuses 10.2.3.4");
        assertTrue(withFrom.find(sourced, "alice", outside, NOW).isEmpty(), "source-address refuses 192.0.2.11");
        assertTrue(withFrom.find(sourced, "alice", client, NOW).isPresent(), "192.0.2.10 satisfies both");
    }

    @Test
    void verifyRequiredAndNoTouchRequired() throws Exception {
        byte[] verify = certWith("alice", "verify-required");
        assertTrue(parse("cert-authority " + ca()).find(verify, "alice", client, NOW).orElseThrow().verifyRequired());
        assertFalse(parse("cert-authority " + ca()).find(cert, "alice", client, NOW).orElseThrow().verifyRequired());
        byte[] noTouch = certWith("alice", "no-touch-required");
        assertTrue(parse("cert-authority,no-touch-required " + ca()).find(noTouch, "alice", client, NOW).orElseThrow()
                .noTouchRequired());
        assertFalse(parse("cert-authority " + ca()).find(noTouch, "alice", client, NOW).orElseThrow().noTouchRequired(),
                "the line must allow it too");
        assertFalse(parse("cert-authority,no-touch-required " + ca()).find(cert, "alice", client, NOW).orElseThrow()
                .noTouchRequired(), "and the certificate must ask for it");
    }
}
