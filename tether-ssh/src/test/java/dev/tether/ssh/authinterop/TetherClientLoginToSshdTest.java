package dev.tether.ssh.authinterop;

import dev.tether.ssh.Engines;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.agent.AgentClient;
import dev.tether.ssh.common.AuthenticationException;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.KeyFiles;
import dev.tether.ssh.keys.KnownHostsVerifier;
import dev.tether.ssh.keys.OpenSshCertificate;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.wire.MessageNumbers;
import dev.tether.testkit.Peers;
import dev.tether.testkit.PrivateSshd;
import dev.tether.testkit.SshAgent;
import dev.tether.testkit.SshKeygen;
import dev.tether.testkit.TempDirs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Our client logs into a real sshd (OpenSSH 9.2, tether-testkit's {@link PrivateSshd})
 * with key files of every type read by {@link KeyFiles}, through a real ssh-agent, and with a user
 * certificate trusted by sshd's {@code TrustedUserCAKeys}; sshd's DEBUG3 log confirms each login.
 * Host side: a host certificate verified through a {@code @cert-authority} known_hosts line, and a
 * changed host key refused.
 *
 * <p>sshd's host key here is our own ed25519 key with a certificate ({@code HostKey} and
 * {@code HostCertificate} lines), so the rig starts it without host keys of its own.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TetherClientLoginToSshdTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String BANNER = "sshd says: authinterop banner";
    private static Path dir;
    private static PrivateSshd sshd;
    private static String user;
    private static final Map<String, Path> keys = new LinkedHashMap<>();
    private static Path certKey;
    private static Path hostKey;
    private static Path hostCa;
    private static byte[] hostKeyBlob;
    private static String lastBanner;

    @BeforeAll
    static void start() throws Exception {
        Peers.requireSshd();
        Peers.requireSshKeygen();
        user = AuthInterop.osUser();
        dir = AuthInterop.tempDir("sshd-files");
        keys.put("ed25519", SshKeygen.generate(dir, "id_ed25519", "ed25519", 0));
        keys.put("ecdsa256", SshKeygen.generate(dir, "id_ecdsa256", "ecdsa", 256));
        keys.put("ecdsa384", SshKeygen.generate(dir, "id_ecdsa384", "ecdsa", 384));
        keys.put("ecdsa521", SshKeygen.generate(dir, "id_ecdsa521", "ecdsa", 521));
        keys.put("rsa", SshKeygen.generate(dir, "id_rsa", "rsa", 3072));
        Path userCa = SshKeygen.generate(dir, "user_ca", "ed25519", 0);
        certKey = SshKeygen.generate(dir, "id_cert", "ecdsa", 256);
        SshKeygen.signCertificate(userCa, certKey, "authinterop-client-cert", user, "+1h", false);
        hostKey = SshKeygen.generate(dir, "ssh_host_ed25519_key", "ed25519", 0);
        hostCa = SshKeygen.generate(dir, "host_ca", "ed25519", 0);
        Path hostCert = SshKeygen.signCertificate(hostCa, hostKey, "host", "127.0.0.1", "+1h", true);
        hostKeyBlob = SshKeygen.blobOf(SshKeygen.pubLine(hostKey));
        Path banner = dir.resolve("banner.txt");
        Files.writeString(banner, BANNER + "\n", StandardCharsets.UTF_8);
        sshd = PrivateSshd.start(EnumSet.noneOf(PrivateSshd.HostKey.class), List.of(
                "HostKey " + hostKey,
                "HostCertificate " + hostCert,
                "TrustedUserCAKeys " + userCa + ".pub",
                "Banner " + banner));
        StringBuilder ak = new StringBuilder();
        for (Path k : keys.values()) {
            ak.append(SshKeygen.pubLine(k)).append('\n');
        }
        Files.writeString(sshd.dir().resolve("authorized_keys"), ak.toString(), StandardCharsets.US_ASCII);
    }

    @AfterAll
    static void stop() {
        if (sshd != null) {
            sshd.close();
        }
        TempDirs.deleteTree(dir);
    }

    private static TransportConfig config() {
        return TransportConfig.builder().handshakeTimeout(TIMEOUT).hostKeyAlgorithms(List.of("ssh-ed25519")).build();
    }

    private static Transport connect() throws Exception {
        return Transport.connect(AuthInterop.LOOPBACK, sshd.port(), config(), HostKeyVerifier.acceptKeys(List.of(hostKeyBlob)));
    }

    /** sshd logged "Accepted publickey for USER from 127.0.0.1 ... ssh2: DETAIL"; returns the log since {@code mark}. */
    private static String assertSshdAccepted(long mark, String method, String detail) {
        String accepted = "Accepted " + method + " for " + user + " from 127.0.0.1";
        String log = sshd.awaitLog(mark, accepted, Duration.ofSeconds(10));
        String line = log.lines().filter(l -> l.contains(accepted)).findFirst().orElse(null);
        assertTrue(line != null, "sshd did not log \"" + accepted + "\"\n" + log);
        assertTrue(line.contains(detail), line);
        return log;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ed25519", "ecdsa256", "ecdsa384", "ecdsa521"})
    void publickeyFromKeyFile(String name) throws Exception {
        KeyPair kp = KeyFiles.readPrivateKey(keys.get(name), null);
        long mark = sshd.logMark();
        try (Transport t = connect()) {
            assertEquals(List.of(), t.authPublickey(user, kp));
            assertTrue(t.isAuthenticated());
            lastBanner = t.getBanner();
        }
        String type = SshKeygen.pubLine(keys.get(name)).split(" ")[0];
        assertEquals(BANNER, lastBanner == null ? null : lastBanner.strip());
        assertSshdAccepted(mark, "publickey", name.startsWith("ecdsa") ? "ECDSA SHA256:" : "ED25519 SHA256:");
        assertTrue(type.startsWith(name.startsWith("ecdsa") ? "ecdsa-sha2-nistp" + name.substring(5) : "ssh-ed25519"), type);
    }

    /**
     * sshd announces {@code publickey-hostbound@openssh.com} in EXT_INFO, so our client's signed
     * request is {@code publickey-hostbound-v00@openssh.com} naming sshd's host key (OpenSSH
     * PROTOCOL §2.5), which sshd checks against the key of the key exchange; the query before it
     * stays plain {@code publickey}, as OpenSSH's ssh sends it.
     */
    @Test
    void publickeyIsBoundToTheHostKeyWhenSshdOffersIt() throws Exception {
        KeyPair kp = KeyFiles.readPrivateKey(keys.get("ed25519"), null);
        long mark = sshd.logMark();
        try (Transport t = connect()) {
            assertEquals(List.of(), t.authPublickey(user, kp));
            assertTrue(t.isAuthenticated());
        }
        String log = assertSshdAccepted(mark, "publickey", "ED25519 SHA256:");
        String auth = String.join("\n", log.lines().filter(l -> l.contains("userauth")).toList());
        // sshd DEBUG: "userauth-request for user U service ssh-connection method publickey" (the
        // query), then "... method publickey-hostbound-v00@openssh.com" and DEBUG3 "userauth_pubkey:
        // publickey-hostbound-v00@openssh.com have ssh-ed25519 signature for ED25519 SHA256:..."
        assertTrue(auth.contains("service ssh-connection method publickey ["), auth);
        assertTrue(auth.contains("service ssh-connection method publickey-hostbound-v00@openssh.com"), auth);
        assertTrue(auth.contains("publickey-hostbound-v00@openssh.com have ssh-ed25519 signature for ED25519"), auth);
    }

    /** RSA: sshd's server-sig-algs lists rsa-sha2-512 first and our client must use it (never ssh-rsa). */
    @Test
    void rsaKeyFileSignsWithRsaSha2512() throws Exception {
        KeyPair kp = KeyFiles.readPrivateKey(keys.get("rsa"), null);
        long mark = sshd.logMark();
        try (Transport t = connect()) {
            assertEquals(List.of(), t.authPublickey(user, kp));
            assertTrue(t.isAuthenticated());
        }
        String log = assertSshdAccepted(mark, "publickey", "RSA SHA256:");
        // sshd DEBUG: "userauth_pubkey: publickey test pkalg rsa-sha2-512 pkblen ..." and
        // "userauth_pubkey: publickey have rsa-sha2-512 signature for RSA SHA256:..."
        assertTrue(log.contains("have rsa-sha2-512 signature for RSA"), String.join("\n",
                log.lines().filter(l -> l.contains("userauth_pubkey")).toList()));
        assertFalse(log.contains("pkalg ssh-rsa "), log);
    }

    @Test
    void throughSshAgent() throws Exception {
        Path agentDir = AuthInterop.tempDir("agent");
        try (SshAgent agent = SshAgent.start(agentDir)) {
            // a key sshd does not know comes first: authAgent must go on to the next
            agent.add(SshKeygen.generate(agentDir, "id_not_authorized", "ed25519", 0));
            agent.add(keys.get("ecdsa521"));
            long mark = sshd.logMark();
            try (AgentClient client = AgentClient.connect(agent.socket(), TIMEOUT); Transport t = connect()) {
                assertEquals(2, client.identities().size());
                assertEquals("id_not_authorized", client.identities().get(0).comment());
                assertEquals(List.of(), t.authAgent(user, client));
                assertTrue(t.isAuthenticated());
            }
            assertSshdAccepted(mark, "publickey", "ECDSA SHA256:");
        } finally {
            TempDirs.deleteTree(agentDir);
        }
    }

    /**
     * A key added with a destination constraint ({@code ssh-add -h 127.0.0.1}, sshd's host key in
     * the {@code -H} known_hosts file) signs only on an agent connection bound to a session with
     * that host key and only a host-bound request: authAgent binds its connection
     * ({@code session-bind@openssh.com}) and signs {@code publickey-hostbound-v00@openssh.com}.
     */
    @Test
    void destinationConstrainedAgentKey() throws Exception {
        Path agentDir = AuthInterop.tempDir("agent");
        try (SshAgent agent = SshAgent.start(agentDir)) {
            Path knownHosts = agentDir.resolve("known_hosts");
            Files.writeString(knownHosts, "127.0.0.1 " + SshKeygen.pubLine(hostKey) + "\n", StandardCharsets.US_ASCII);
            agent.sshAdd("-H", knownHosts.toString(), "-h", "127.0.0.1", keys.get("ecdsa256").toString()).expectSuccess();
            long mark = sshd.logMark();
            try (AgentClient client = AgentClient.connect(agent.socket(), TIMEOUT); Transport t = connect()) {
                assertEquals(List.of(), t.authAgent(user, client));
                assertTrue(t.isAuthenticated());
                // the caller's own connection stays unbound: it still lists the key
                assertEquals(1, client.identities().size());
            }
            String log = assertSshdAccepted(mark, "publickey", "ECDSA SHA256:");
            assertTrue(log.contains("publickey-hostbound-v00@openssh.com have ecdsa-sha2-nistp256 signature for ECDSA"), log);
        } finally {
            TempDirs.deleteTree(agentDir);
        }
    }

    @Test
    void userCertificateTrustedBySshd() throws Exception {
        KeyPair kp = KeyFiles.readPrivateKey(certKey, null);
        OpenSshCertificate cert = OpenSshCertificate.parseLine(Files.readString(Path.of(certKey + "-cert.pub")));
        long mark = sshd.logMark();
        try (Transport t = connect()) {
            assertEquals(List.of(), t.authPublickey(user, kp, cert));
            assertTrue(t.isAuthenticated());
        }
        // "Accepted publickey for root from 127.0.0.1 port N ssh2: ECDSA-CERT SHA256:... ID authinterop-client-cert (serial 0) CA ED25519 SHA256:..."
        assertSshdAccepted(mark, "publickey", "ECDSA-CERT SHA256:");
        assertTrue(sshd.logSince(mark).contains("ID authinterop-client-cert"), sshd.logSince(mark));
    }

    /** The certificate's key alone is not in authorized_keys: without the certificate sshd refuses it. */
    @Test
    void certifiedKeyWithoutItsCertificateIsRefused() throws Exception {
        KeyPair kp = KeyFiles.readPrivateKey(certKey, null);
        try (Transport t = connect()) {
            AuthenticationException e = assertThrows(AuthenticationException.class, () -> t.authPublickey(user, kp));
            assertTrue(e.allowed().contains("publickey"), e.allowed().toString());
            assertFalse(t.isAuthenticated());
        }
    }

    // ------------------------------------------------------------------ sshd's answers, the reference for AuthBypassAttemptsTest

    /**
     * sshd answers a signature blob naming another algorithm than its request (an rsa-sha2-256
     * signature sent as rsa-sha2-512) with an ordinary USERAUTH_FAILURE, and the client may go on.
     */
    @Test
    void sshdAnswersMislabelledSignatureWithFailure() throws Exception {
        KeyPair rsa = KeyFiles.readPrivateKey(keys.get("rsa"), null);
        byte[] blob = SignatureAlgorithms.encodePublicKey(rsa.getPublic());
        try (RawAuthClient c = RawAuthClient.connect(sshd.port(), hostKeyBlob)) {
            byte[] data512 = RawAuthClient.signedData(c.transport.sessionId(), user, "rsa-sha2-512", blob);
            byte[] sig256 = SignatureAlgorithms.sign("rsa-sha2-256", rsa.getPrivate(), data512);
            c.send(RawAuthClient.request(user, "publickey").bool(true).string("rsa-sha2-512").string(blob).string(sig256).toByteArray());
            RawAuthClient.Reply r = c.next(TIMEOUT);
            assertNotNull(r);
            assertEquals(MessageNumbers.USERAUTH_FAILURE, r.type(), r + " " + c.transport.closeCause());
            c.send(c.signed(user, "rsa-sha2-512", rsa));
            assertEquals(MessageNumbers.USERAUTH_SUCCESS, c.next(TIMEOUT).type(), c.received().toString());
        }
    }

    /** sshd answers each SERVICE_REQUEST ssh-userauth with SERVICE_ACCEPT until authentication succeeds (paramiko relies on it). */
    @Test
    void sshdAcceptsASecondServiceRequestDuringAuthentication() throws Exception {
        KeyPair kp = KeyFiles.readPrivateKey(keys.get("ed25519"), null);
        try (RawAuthClient c = RawAuthClient.connect(sshd.port(), hostKeyBlob)) {
            c.send(RawAuthClient.none(user));
            assertEquals(MessageNumbers.USERAUTH_FAILURE, c.next(TIMEOUT).type(), c.received().toString());
            Engines.of(c.transport).requestService("ssh-userauth", TIMEOUT);
            c.send(c.signed(user, "ssh-ed25519", kp));
            assertEquals(MessageNumbers.USERAUTH_SUCCESS, c.next(TIMEOUT).type(), c.received().toString());
        }
    }

    /** sshd counts publickey queries for keys it refuses toward MaxAuthTries (6 by default) and then ends the connection. */
    @Test
    void sshdCountsRefusedPublickeyQueries() throws Exception {
        try (RawAuthClient c = RawAuthClient.connect(sshd.port(), hostKeyBlob)) {
            for (int i = 0; i < 12; i++) {
                KeyPair k = SignatureAlgorithms.generate("ssh-ed25519", 0);
                c.send(RawAuthClient.query(user, "ssh-ed25519", SignatureAlgorithms.encodePublicKey(k.getPublic())));
                RawAuthClient.Reply r = c.next(TIMEOUT);
                assertNotNull(r, c.received().toString());
                if (r.type() == -1) {
                    break;
                }
                assertEquals(MessageNumbers.USERAUTH_FAILURE, r.type(), r.toString());
            }
            c.awaitDisconnect(TIMEOUT);
            long failures = c.received().stream().filter(x -> x.type() == MessageNumbers.USERAUTH_FAILURE).count();
            assertTrue(failures <= 6, "sshd answered " + failures + " refused queries");
        }
    }

    // ------------------------------------------------------------------ host keys

    private static Path knownHosts(String... lines) throws Exception {
        Path f = Files.createTempFile(dir, "known_hosts", "");
        Files.writeString(f, String.join("\n", lines) + "\n", StandardCharsets.US_ASCII);
        return f;
    }

    /**
     * sshd presents its host certificate; a known_hosts file that only names the host CA
     * ({@code @cert-authority [127.0.0.1]:PORT CA}) must make our client accept it.
     */
    @Test
    void hostCertificateVerifiedThroughCertAuthorityLine() throws Exception {
        Path kh = knownHosts("@cert-authority [127.0.0.1]:" + sshd.port() + " " + SshKeygen.pubLine(hostCa));
        KnownHostsVerifier verifier = KnownHostsVerifier.of(kh, KnownHostsVerifier.Mode.STRICT);
        TransportConfig config;
        try {
            config = TransportConfig.builder().handshakeTimeout(TIMEOUT)
                    .hostKeyAlgorithms(List.of("ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519")).build();
        } catch (IllegalArgumentException e) {
            fail("the client cannot ask for a host certificate: TransportConfig.Builder.hostKeyAlgorithms only takes "
                    + "SignatureAlgorithms.SUPPORTED, not SignatureAlgorithms.CERTIFICATE_ALGORITHMS: " + e.getMessage(), e);
            return;
        }
        long mark = sshd.logMark();
        try (Transport t = Transport.connect(AuthInterop.LOOPBACK, sshd.port(), config, verifier)) {
            Engines.of(t).requestService("ssh-userauth", TIMEOUT);
            assertEquals("ssh-ed25519-cert-v01@openssh.com", t.negotiatedAlgorithms().hostKey());
            OpenSshCertificate cert = OpenSshCertificate.parse(t.remoteHostKeyBlob());
            assertEquals(OpenSshCertificate.Type.HOST, cert.type());
            assertArrayEquals(hostKeyBlob, cert.publicKeyBlob());
        }
        String log = sshd.awaitLog(mark, "kex: host key algorithm:", Duration.ofSeconds(5));
        assertTrue(log.contains("kex: host key algorithm: ssh-ed25519-cert-v01@openssh.com"), log);
    }

    /** A @cert-authority line vouches for certificates only: sshd's plain key stays unknown and is refused. */
    @Test
    void certAuthorityLineDoesNotVouchForThePlainKey() throws Exception {
        Path kh = knownHosts("@cert-authority [127.0.0.1]:" + sshd.port() + " " + SshKeygen.pubLine(hostCa));
        SshException e = assertThrows(SshException.class,
                () -> Transport.connect(AuthInterop.LOOPBACK, sshd.port(), config(), KnownHostsVerifier.of(kh, KnownHostsVerifier.Mode.STRICT)).close());
        assertTrue(messages(e).contains("Host key verification failed."), messages(e));
    }

    /** The plain key in known_hosts is accepted (the control for the refusals around it). */
    @Test
    void knownPlainHostKeyIsAccepted() throws Exception {
        Path kh = knownHosts("[127.0.0.1]:" + sshd.port() + " " + SshKeygen.pubLine(hostKey));
        try (Transport t = Transport.connect(AuthInterop.LOOPBACK, sshd.port(), config(), KnownHostsVerifier.of(kh, KnownHostsVerifier.Mode.STRICT))) {
            Engines.of(t).requestService("ssh-userauth", TIMEOUT);
            assertArrayEquals(hostKeyBlob, t.remoteHostKeyBlob());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"STRICT", "ACCEPT_NEW"})
    void changedHostKeyIsRefused(String mode) throws Exception {
        Path other = SshKeygen.generate(Files.createTempDirectory(dir, "other"), "other_host_key", "ed25519", 0);
        Path kh = knownHosts("[127.0.0.1]:" + sshd.port() + " " + SshKeygen.pubLine(other));
        String before = Files.readString(kh);
        SshException e = assertThrows(SshException.class, () -> Transport.connect(AuthInterop.LOOPBACK, sshd.port(), config(),
                KnownHostsVerifier.of(kh, KnownHostsVerifier.Mode.valueOf(mode))).close());
        assertTrue(messages(e).contains("REMOTE HOST IDENTIFICATION HAS CHANGED"), messages(e));
        assertEquals(before, Files.readString(kh), "the changed key must not be recorded");
    }

    private static String messages(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(t).append('\n');
        }
        return sb.toString();
    }
}
