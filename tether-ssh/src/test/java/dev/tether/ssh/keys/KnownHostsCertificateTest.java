package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.keys.KnownHosts.Status;
import dev.tether.ssh.keys.KnownHostsVerifier.Mode;
import dev.tether.testkit.Peers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static dev.tether.ssh.keys.KnownHostsCertFixtures.blobOf;
import static dev.tether.ssh.keys.KnownHostsCertFixtures.keyField;
import static dev.tether.ssh.keys.KnownHostsCertFixtures.sign;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Host certificates against {@code @cert-authority} and {@code @revoked} lines, with certificates
 * made by {@code ssh-keygen -s -h}. Needs the OpenSshCertificate implementation (skipped without it).
 */
class KnownHostsCertificateTest {
    private static final Instant NOW = Instant.parse("2025-06-15T12:00:00Z");
    private static final String ALG = "ecdsa-sha2-nistp256-cert-v01@openssh.com";

    @TempDir
    static Path keys;

    private static Path caPub;
    private static Path otherCaPub;
    private static Path hostPub;
    private static byte[] hostKey;
    private static byte[] hostCert;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        Peers.requireSshKeygen();
        // not about a missing peer: a branch without certificates skips these
        assumeTrue(KnownHostsCertFixtures.certificatesImplemented(), KnownHostsCertFixtures.SKIP_REASON);
        caPub = KnownHostsCertFixtures.key(keys, "host_ca", "ed25519");
        otherCaPub = KnownHostsCertFixtures.key(keys, "other_ca", "ed25519");
        hostPub = KnownHostsCertFixtures.key(keys, "ssh_host_ecdsa_key", "ecdsa");
        hostKey = blobOf(hostPub);
        hostCert = sign(keys, priv(caPub), hostPub, "server host key", true, "server.example.com,server",
                "20200101:20990101", 42);
    }

    static Path priv(Path pub) {
        String n = pub.getFileName().toString();
        return pub.resolveSibling(n.substring(0, n.length() - 4));
    }

    private KnownHosts kh;

    private KnownHosts parse(String... lines) throws SshException {
        return KnownHosts.parse("kh", String.join("\n", lines) + "\n", true);
    }

    @BeforeEach
    void defaults() throws Exception {
        kh = parse("@cert-authority *.example.com,server " + keyField(caPub) + " host CA");
    }

    @Test
    void theFixtureIsAHostCertificate() throws Exception {
        OpenSshCertificate c = OpenSshCertificate.parse(hostCert);
        assertEquals(OpenSshCertificate.Type.HOST, c.type());
        assertEquals(List.of("server.example.com", "server"), c.principals());
        assertArrayEquals(blobOf(caPub), c.signatureKey());
        assertArrayEquals(hostKey, c.publicKeyBlob());
        assertEquals(ALG, KnownHostsCertFixtures.typeOf(hostCert));
    }

    @Test
    void aCertificateFromAListedCaMatches() throws Exception {
        KnownHosts.Result r = kh.check("server.example.com", 22, ALG, hostCert, NOW);
        assertEquals(Status.MATCH, r.status());
        assertEquals(KnownHostsEntry.Marker.CERT_AUTHORITY, r.entry().marker());
        assertEquals("kh:1", r.entry().location());
        assertEquals("ECDSA-CERT", r.keyType());
        assertEquals(SignatureAlgorithms.fingerprint(hostCert), r.fingerprint());
        assertArrayEquals(hostKey, r.plainKey());
        assertTrue(r.message().contains("host certificate"), r.message());
        assertEquals(Status.MATCH, kh.check("SERVER", 22, ALG, hostCert, NOW).status(), "the principal is the lower-cased host");
    }

    @Test
    void nonStandardPortsUseTheBracketFormForTheCaLineButTheBareHostAsPrincipal() throws Exception {
        KnownHosts ported = parse("@cert-authority [*.example.com]:2222 " + keyField(caPub));
        assertEquals(Status.MATCH, ported.check("server.example.com", 2222, ALG, hostCert, NOW).status());
        assertEquals(Status.UNKNOWN, ported.check("server.example.com", 22, ALG, hostCert, NOW).status());
        assertEquals(Status.UNKNOWN, kh.check("server.example.com", 2222, ALG, hostCert, NOW).status(),
                "a port-22 CA line does not cover port 2222");
    }

    @Test
    void withoutAMatchingCaLineTheCertificateFallsBackToItsPlainKey() throws Exception {
        KnownHosts.Result r = parse("@cert-authority *.example.org " + keyField(caPub)).check("server.example.com", 22, ALG,
                hostCert, NOW);
        assertEquals(Status.UNKNOWN, r.status());
        assertNotNull(r.certificateNote());
        assertTrue(r.message().contains("The host certificate was not accepted"), r.message());
        assertEquals("ECDSA", r.keyType(), "the plain key is what is unknown");
        assertArrayEquals(hostKey, r.plainKey());
        assertEquals(Status.UNKNOWN, parse("@cert-authority * " + keyField(otherCaPub))
                .check("server.example.com", 22, ALG, hostCert, NOW).status(), "another CA");
        assertEquals(Status.MATCH, parse("server.example.com " + keyField(hostPub))
                .check("server.example.com", 22, ALG, hostCert, NOW).status(), "the plain key is known");
    }

    @Test
    void aCertificateForAnotherHostIsNotAccepted() throws Exception {
        KnownHosts.Result r = kh.check("www.example.com", 22, ALG, hostCert, NOW);
        assertEquals(Status.UNKNOWN, r.status());
        assertTrue(r.certificateNote().contains("www.example.com"), r.certificateNote());
        KnownHosts both = parse("@cert-authority *.example.com " + keyField(caPub),
                "www.example.com " + KnownHostsTest.key(KnownHostsTest.EC256));
        assertEquals(Status.MISMATCH, both.check("www.example.com", 22, ALG, hostCert, NOW).status(),
                "the fallback plain key differs from the known one");
    }

    @Test
    void validityIsChecked() throws Exception {
        assertEquals(Status.UNKNOWN, kh.check("server.example.com", 22, ALG, hostCert, Instant.parse("2019-12-31T00:00:00Z")).status());
        assertEquals(Status.UNKNOWN, kh.check("server.example.com", 22, ALG, hostCert, Instant.parse("2099-01-02T00:00:00Z")).status());
    }

    @Test
    void userCertificatesAreNotHostCertificates() throws Exception {
        byte[] userCert = sign(keys, priv(caPub), hostPub, "not a host", false, "server.example.com", "20200101:20990101", 1);
        KnownHosts.Result r = kh.check("server.example.com", 22, ALG, userCert, NOW);
        assertEquals(Status.UNKNOWN, r.status());
        assertTrue(r.certificateNote().contains("user"), r.certificateNote());
    }

    @Test
    void hostCertificatesWithCriticalOptionsAreRefused() throws Exception {
        KeyPair ca = TestKeys.of("ssh-ed25519");
        KeyPair host = TestKeys.of("ecdsa-sha2-nistp256");
        byte[] caBlob = SignatureAlgorithms.encodePublicKey(ca.getPublic());
        OpenSshCertificate good = OpenSshCertificate.sign(host.getPublic(), OpenSshCertificate.Type.HOST, 1, "h",
                List.of("server"), 0, -1L, Map.of(), Map.of(), ca.getPublic(), ca.getPrivate(), "ssh-ed25519");
        OpenSshCertificate withOption = OpenSshCertificate.sign(host.getPublic(), OpenSshCertificate.Type.HOST, 2, "h",
                List.of("server"), 0, -1L, Map.of("force-command", "/bin/true"), Map.of(), ca.getPublic(), ca.getPrivate(),
                "ssh-ed25519");
        KnownHosts k = parse("@cert-authority server " + KnownHostsTest.key(caBlob));
        assertEquals(Status.MATCH, k.check("server", 22, ALG, good.encoded(), NOW).status());
        KnownHosts.Result r = k.check("server", 22, ALG, withOption.encoded(), NOW);
        assertEquals(Status.UNKNOWN, r.status());
        assertTrue(r.certificateNote().contains("critical options"), r.certificateNote());
    }

    @Test
    void revokedCaOrKeyWins() throws Exception {
        KnownHosts revokedCa = parse("@cert-authority * " + keyField(caPub), "@revoked * " + keyField(caPub));
        KnownHosts.Result r = revokedCa.check("server.example.com", 22, ALG, hostCert, NOW);
        assertEquals(Status.REVOKED, r.status());
        assertEquals("kh:2", r.entry().location());
        KnownHosts revokedKey = parse("@cert-authority * " + keyField(caPub), "@revoked * " + keyField(hostPub),
                "server.example.com " + keyField(hostPub));
        assertEquals(Status.REVOKED, revokedKey.check("server.example.com", 22, ALG, hostCert, NOW).status(),
                "revoking the plain key revokes its certificates");
        assertEquals(Status.REVOKED, revokedKey.check("server.example.com", 22, "ecdsa-sha2-nistp256", hostKey, NOW).status());
        KnownHosts revokedElsewhere = parse("@cert-authority * " + keyField(caPub), "@revoked other.example.com " + keyField(caPub));
        assertEquals(Status.MATCH, revokedElsewhere.check("server.example.com", 22, ALG, hostCert, NOW).status());
    }

    @Test
    void verifierAcceptsCertificatesAndRecordsPlainKeys() throws Exception {
        Path f = dir.resolve("known_hosts");
        Files.writeString(f, "@cert-authority *.example.com " + keyField(caPub) + "\n");
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        assertTrue(KnownHostsVerifier.of(f, Mode.STRICT).withClock(clock).verify("server.example.com", 22, ALG, hostCert));
        // an unknown CA under accept-new: the plain host key is recorded, not the certificate
        Path g = dir.resolve("known_hosts2");
        assertTrue(KnownHostsVerifier.of(g, Mode.ACCEPT_NEW).withClock(clock).verify("server", 22, ALG, hostCert));
        assertEquals("server " + keyField(hostPub) + "\n", Files.readString(g));
        assertTrue(KnownHostsVerifier.of(g, Mode.STRICT).withClock(clock).verify("server", 22, ALG, hostCert));
        Files.writeString(f, "@revoked * " + keyField(caPub) + "\n", java.nio.file.StandardOpenOption.APPEND);
        SshException e = assertThrows(SshException.class,
                () -> KnownHostsVerifier.of(f, Mode.OFF).withClock(clock).verify("server.example.com", 22, ALG, hostCert));
        assertTrue(e.getMessage().contains("REVOKED"), e.getMessage());
    }
}
