package dev.tether.ssh.authinterop;

import dev.tether.ssh.SshServer;
import dev.tether.ssh.keys.OpenSshCertificate;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.policy.Login;
import dev.tether.testkit.OpenSshClient;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Processes;
import dev.tether.testkit.SshAgent;
import dev.tether.testkit.SshKeygen;
import dev.tether.testkit.TempDirs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OpenSSH's {@code ssh} (9.2) logs into our SshServer behind a {@link dev.tether.ssh.Portal}: with
 * keys of every type, RSA with each SHA-2 signature, a password, keyboard-interactive, through
 * ssh-agent, with a user certificate trusted by a {@code cert-authority} line, and through a
 * two-factor portal.
 *
 * <p>Sessions do not exist yet: after login our server refuses the session channel, so ssh exits
 * 255 after authenticating. Success is read from ssh's {@code -v} line {@code Authenticated to
 * 127.0.0.1 ([127.0.0.1]:PORT) using "METHOD".} and from the {@link Login} our realm received.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OpenSshLoginToTetherServerTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static PortalFixture fx;
    private static SshServer server;
    private static SshServer twoFactor;
    private static OpenSshClient ssh;
    private static Path hostCa;
    private static SshServer certifiedHost;
    private static SshServer wronglyCertifiedHost;

    @BeforeAll
    static void start() throws Exception {
        Peers.requireSsh();
        fx = new PortalFixture();
        server = fx.start(fx.portal().banner(PortalFixture.BANNER).build(), 6);
        twoFactor = fx.start(fx.portal().require(List.of("publickey", "password")).build(), 6);
        ssh = new OpenSshClient();
        // a host CA, and a certificate for our host key as ssh-keygen -h makes it
        hostCa = SshKeygen.generate(fx.dir, "host_ca", "ed25519", 0);
        Path ourHostKey = fx.dir.resolve("tether_host_key");
        Files.writeString(Path.of(ourHostKey + ".pub"), OpenSshKeyFile.publicKeyLine(fx.hostKey.getPublic(), "tether") + "\n");
        OpenSshCertificate good = OpenSshCertificate.parseLine(Files.readString(
                SshKeygen.signCertificate(hostCa, ourHostKey, "tether-host", "127.0.0.1", "+1h", true)));
        Files.delete(Path.of(ourHostKey + "-cert.pub"));
        OpenSshCertificate otherHost = OpenSshCertificate.parseLine(Files.readString(
                SshKeygen.signCertificate(hostCa, ourHostKey, "tether-host", "other.example", "+1h", true)));
        certifiedHost = fx.start(AuthInterop.serverConfig(fx.portal().build(), 6, fx.hostKey).addHostCertificate(good).build());
        wronglyCertifiedHost = fx.start(AuthInterop.serverConfig(fx.portal().build(), 6, fx.hostKey).addHostCertificate(otherHost).build());
    }

    @AfterAll
    static void stop() {
        if (ssh != null) {
            ssh.close();
        }
        if (fx != null) {
            fx.close();
        }
    }

    @BeforeEach
    void forgetLogins() {
        fx.logins.clear();
    }

    /** ssh got in with {@code method}, then our server refused its session channel. */
    private static void assertLoggedIn(OpenSshClient.Result r, SshServer s, String method) {
        assertTrue(r.hasLine(OpenSshClient.authenticated(s.port(), method)),
                "ssh did not authenticate with " + method + "\n" + r.describe());
        assertTrue(r.hasLine("administratively prohibited"),
                "after login our server should refuse the session channel\n" + r.describe());
        assertEquals(255, r.exitCode(), r.describe());
    }

    private Login login(String... methods) throws InterruptedException {
        Login l = fx.nextLogin(WAIT);
        assertNotNull(l, "the realm was not asked for an avatar");
        assertEquals(fx.user, l.username());
        assertEquals(List.of(methods), l.methods());
        return l;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ed25519", "ecdsa256", "ecdsa384", "ecdsa521"})
    void publickey(String keyName) throws Exception {
        Path key = fx.keys.get(keyName);
        OpenSshClient.Result r = ssh.to(server.port(), fx.user).identity(key).preferred("publickey").run();
        assertLoggedIn(r, server, "publickey");
        // our EXT_INFO offers publickey-hostbound@openssh.com, so ssh 9.2 binds its signature to our host key
        assertTrue(r.hasLine("using publickey-hostbound-v00@openssh.com"), String.join("\n", r.grep("sign_and_send_pubkey")));
        Login l = login("publickey");
        assertTrue(l.keyMatch().isPresent(), l.toString());
        assertArrayEquals(SshKeygen.blobOf(SshKeygen.pubLine(key)), l.keyMatch().get().entry().blob());
        assertTrue(r.hasLine(PortalFixture.BANNER), "ssh did not show the banner\n" + r.describe());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"rsa-sha2-256", "rsa-sha2-512"})
    void rsaWithEachSha2Signature(String algorithm) throws Exception {
        OpenSshClient.Result r = ssh.to(server.port(), fx.user).identity(fx.keys.get("rsa")).preferred("publickey")
                .option("PubkeyAcceptedAlgorithms", algorithm).run();
        assertLoggedIn(r, server, "publickey");
        // ssh -vvv: "debug3: sign_and_send_pubkey: using publickey with RSA SHA256:..." and
        // "debug3: sign_and_send_pubkey: signing using rsa-sha2-NNN SHA256:..."
        assertTrue(r.hasLine("signing using " + algorithm + " "), "ssh did not sign with " + algorithm + "\n"
                + String.join("\n", r.grep("sign")));
        login("publickey");
    }

    @Test
    void password() throws Exception {
        OpenSshClient.Result r = ssh.to(server.port(), fx.user).password(PortalFixture.PASSWORD).preferred("password")
                .option("PubkeyAuthentication", "no").run();
        assertLoggedIn(r, server, "password");
        Login l = login("password");
        assertTrue(l.keyMatch().isEmpty(), l.toString());
    }

    /** The portal's keyboard-interactive asks "Password: " once; sshpass answers prompts containing "assword". */
    @Test
    void keyboardInteractive() throws Exception {
        OpenSshClient.Result r = ssh.to(server.port(), fx.user).password(PortalFixture.PASSWORD).preferred("keyboard-interactive")
                .option("PubkeyAuthentication", "no").run();
        assertLoggedIn(r, server, "keyboard-interactive");
        // the portal counts keyboard-interactive as the password factor
        login("password");
    }

    @Test
    void throughSshAgent() throws Exception {
        Path agentDir = AuthInterop.tempDir("agent");
        try (SshAgent agent = SshAgent.start(agentDir)) {
            agent.add(fx.keys.get("ecdsa384"));
            OpenSshClient.Result r = ssh.to(server.port(), fx.user).preferred("publickey").option("IdentitiesOnly", "no")
                    .env("SSH_AUTH_SOCK", agent.socket().toString()).run();
            assertLoggedIn(r, server, "publickey");
            // "debug1: Server accepts key: id_ecdsa384 ECDSA SHA256:... agent"
            assertTrue(r.output().lines().anyMatch(l -> l.contains("Server accepts key: id_ecdsa384 ") && l.endsWith(" agent")),
                    "the key did not come from the agent\n" + String.join("\n", r.grep("key")));
            Login l = login("publickey");
            assertArrayEquals(SshKeygen.blobOf(SshKeygen.pubLine(fx.keys.get("ecdsa384"))), l.keyMatch().orElseThrow().entry().blob());
        } finally {
            TempDirs.deleteTree(agentDir);
        }
    }

    @Test
    void userCertificateFromCertAuthorityLine() throws Exception {
        OpenSshClient.Result r = ssh.to(server.port(), fx.user).identity(fx.certKey).preferred("publickey")
                .option("CertificateFile", fx.certKey + "-cert.pub").run();
        assertLoggedIn(r, server, "publickey");
        assertTrue(r.output().lines().anyMatch(l -> l.contains("Server accepts key:") && l.contains("ED25519-CERT")),
                "ssh did not offer the certificate\n" + String.join("\n", r.grep("key")));
        Login l = login("publickey");
        OpenSshCertificate cert = l.keyMatch().orElseThrow().certificate().orElseThrow();
        assertEquals("authinterop-cert", cert.keyId());
        assertEquals(List.of(fx.user), cert.principals());
        assertTrue(l.keyMatch().get().isCertAuthority(), l.keyMatch().get().description());
    }

    /** publickey, then password: the first is a partial success, then ssh logs in. */
    @Test
    void twoFactorPublickeyThenPassword() throws Exception {
        OpenSshClient.Result r = ssh.to(twoFactor.port(), fx.user).identity(fx.keys.get("ed25519")).password(PortalFixture.PASSWORD)
                .preferred("publickey,password").run();
        assertTrue(r.hasLine("Authenticated using \"publickey\" with partial success."), r.describe());
        assertLoggedIn(r, twoFactor, "password");
        Login l = login("publickey", "password");
        assertTrue(l.keyMatch().isPresent(), l.toString());
    }

    @Test
    void twoFactorPublickeyThenKeyboardInteractive() throws Exception {
        OpenSshClient.Result r = ssh.to(twoFactor.port(), fx.user).identity(fx.keys.get("ecdsa256")).password(PortalFixture.PASSWORD)
                .preferred("publickey,keyboard-interactive").run();
        assertTrue(r.hasLine("Authenticated using \"publickey\" with partial success."), r.describe());
        assertLoggedIn(r, twoFactor, "keyboard-interactive");
        login("publickey", "password");
    }

    /** The factors in the other order: the password is the partial success. */
    @Test
    void twoFactorPasswordThenPublickey() throws Exception {
        OpenSshClient.Result r = ssh.to(twoFactor.port(), fx.user).identity(fx.keys.get("ed25519")).password(PortalFixture.PASSWORD)
                .preferred("password,publickey").run();
        assertTrue(r.hasLine("Authenticated using \"password\" with partial success."), r.describe());
        assertLoggedIn(r, twoFactor, "publickey");
        login("password", "publickey");
    }

    // ------------------------------------------------------------------ host certificates

    private static Path caKnownHosts(SshServer s) throws Exception {
        Path kh = Files.createTempFile(ssh.dir(), "known_hosts_ca", "");
        Files.writeString(kh, "@cert-authority [127.0.0.1]:" + s.port() + " " + SshKeygen.pubLine(hostCa) + "\n");
        return kh;
    }

    /** ssh trusts our server through its host certificate and a @cert-authority line, with strict checking. */
    @Test
    void sshVerifiesOurHostCertificate() throws Exception {
        OpenSshClient.Result r = ssh.to(certifiedHost.port(), fx.user).identity(fx.keys.get("ed25519")).preferred("publickey")
                .option("UserKnownHostsFile", caKnownHosts(certifiedHost).toString()).option("StrictHostKeyChecking", "yes").run();
        assertTrue(r.hasLine("kex: host key algorithm: ssh-ed25519-cert-v01@openssh.com"), r.describe());
        assertTrue(r.hasLine("Server host certificate: ssh-ed25519-cert-v01@openssh.com"), r.describe());
        assertTrue(r.hasLine("matches the ED25519-CERT host certificate"), r.describe());
        assertLoggedIn(r, certifiedHost, "publickey");
        login("publickey");
    }

    /** A host certificate for another name: ssh refuses it and, with strict checking, the host. */
    @Test
    void sshRefusesHostCertificateForAnotherName() throws Exception {
        OpenSshClient.Result r = ssh.to(wronglyCertifiedHost.port(), fx.user).identity(fx.keys.get("ed25519")).preferred("publickey")
                .option("UserKnownHostsFile", caKnownHosts(wronglyCertifiedHost).toString()).option("StrictHostKeyChecking", "yes").run();
        assertEquals(255, r.exitCode(), r.describe());
        assertTrue(r.hasLine("Host key verification failed."), r.describe());
        assertFalse(r.hasLine("Authenticated to"), r.describe());
    }
}
