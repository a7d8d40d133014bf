package dev.tether.ssh.authinterop;

import dev.tether.ssh.Portal;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.keys.AuthorizedKeys;
import dev.tether.ssh.policy.Login;
import dev.tether.testkit.OpenSshClient;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Processes;
import dev.tether.testkit.SshKeygen;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What OpenSSH's {@code ssh} must NOT get from our server: wrong credentials of every kind exit
 * 255 with {@code Permission denied (METHODS).} naming the methods that can continue, and
 * authorized_keys options restrict a key as sshd's do ({@code from=}, {@code expiry-time=},
 * {@code principals=} on a {@code cert-authority} line), including those that bite in sessions
 * ({@code command=}, {@code environment=}, {@code no-pty}): the server with options runs real
 * sessions ({@link Portal.Builder#processSessions}). They are also checked on the {@link Login}
 * the realm receives.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OpenSshRefusedByTetherServerTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String ALL_METHODS = "Permission denied (publickey,password,keyboard-interactive).";
    private static PortalFixture fx;
    private static SshServer server;
    private static SshServer twoFactor;
    private static SshServer restricted;
    private static OpenSshClient ssh;
    private static Path expiredCertKey;
    private static Path wrongPrincipalCertKey;
    private static Path farKey;
    private static Path loopbackKey;
    private static Path forcedKey;
    private static Path envKey;
    private static Path expiredEntryKey;
    private static Path caWithPrincipals;
    private static Path principalsCertKey;

    @BeforeAll
    static void start() throws Exception {
        Peers.requireSsh();
        fx = new PortalFixture();
        expiredCertKey = SshKeygen.generate(fx.dir, "id_expired_cert", "ed25519", 0);
        SshKeygen.signCertificate(fx.ca, expiredCertKey, "expired", fx.user, "-2h:-1h", false);
        wrongPrincipalCertKey = SshKeygen.generate(fx.dir, "id_other_principal", "ed25519", 0);
        SshKeygen.signCertificate(fx.ca, wrongPrincipalCertKey, "someone-else", "someone-else", "+1h", false);
        server = fx.start(fx.portal().build(), 6);
        twoFactor = fx.start(fx.portal().require(List.of("publickey", "password")).build(), 6);

        // a second authorized_keys file with options
        farKey = SshKeygen.generate(fx.dir, "id_far", "ed25519", 0);
        loopbackKey = SshKeygen.generate(fx.dir, "id_loopback", "ed25519", 0);
        forcedKey = SshKeygen.generate(fx.dir, "id_forced", "ecdsa", 256);
        envKey = SshKeygen.generate(fx.dir, "id_env", "ed25519", 0);
        expiredEntryKey = SshKeygen.generate(fx.dir, "id_expired_entry", "ed25519", 0);
        caWithPrincipals = SshKeygen.generate(fx.dir, "ca_principals", "ed25519", 0);
        principalsCertKey = SshKeygen.generate(fx.dir, "id_principals_cert", "ed25519", 0);
        SshKeygen.signCertificate(caWithPrincipals, principalsCertKey, "ops-cert", "ops,web", "+1h", false);
        Path ak = fx.dir.resolve("authorized_keys_options");
        Files.writeString(ak, String.join("\n",
                "from=\"10.0.0.0/8\" " + SshKeygen.pubLine(farKey),
                "from=\"127.0.0.1\" " + SshKeygen.pubLine(loopbackKey),
                "command=\"echo forced:$SSH_ORIGINAL_COMMAND\",no-pty " + SshKeygen.pubLine(forcedKey),
                "environment=\"AUTHINTEROP_ENV=from-authorized-keys\" " + SshKeygen.pubLine(envKey),
                "expiry-time=\"20200101\" " + SshKeygen.pubLine(expiredEntryKey),
                // the certificate names "ops" and "web", not the user: admitted only through principals=
                "cert-authority,principals=\"admin,ops\" " + SshKeygen.pubLine(caWithPrincipals),
                ""), StandardCharsets.US_ASCII);
        restricted = fx.start(Portal.builder().publicKeys(AuthorizedKeysChecker.forUser(fx.user, ak))
                .realm(fx.recordingRealm()).processSessions(fx.dir).build(), 6);
        ssh = new OpenSshClient();
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

    /**
     * ssh exited 255 with {@code USER@127.0.0.1: Permission denied (METHODS).}, the methods (in
     * any order: a portal's sets have none) being those of {@code deniedLine}.
     */
    private static void assertDenied(OpenSshClient.Result r, String deniedLine) throws InterruptedException {
        assertEquals(255, r.exitCode(), r.describe());
        List<String> denied = r.grep("Permission denied (");
        assertEquals(1, denied.size(), "expected \"" + deniedLine + "\"\n" + r.describe());
        assertEquals(methods(deniedLine), methods(denied.get(0)), denied.get(0));
        assertFalse(r.hasLine("Authenticated to"), r.describe());
        assertNull(fx.nextLogin(Duration.ofMillis(200)), "the realm was asked for an avatar");
    }

    private static Set<String> methods(String deniedLine) {
        String m = deniedLine.substring(deniedLine.indexOf("Permission denied (") + "Permission denied (".length(), deniedLine.lastIndexOf(')'));
        return new TreeSet<>(List.of(m.split(",")));
    }

    @Test
    void unknownKey() throws Exception {
        OpenSshClient.Result r = ssh.to(server.port(), fx.user).identity(fx.unknownKey).preferred("publickey").run();
        assertDenied(r, ALL_METHODS);
    }

    /** A key of the file, but for another user name: forUser files serve their own user only. */
    @Test
    void knownKeyForAnotherUser() throws Exception {
        OpenSshClient.Result r = ssh.to(server.port(), "not-" + fx.user).identity(fx.keys.get("ed25519")).preferred("publickey").run();
        assertDenied(r, ALL_METHODS);
    }

    @Test
    void wrongPassword() throws Exception {
        OpenSshClient.Result r = ssh.to(server.port(), fx.user).password("Correct horse battery staple").preferred("password")
                .option("PubkeyAuthentication", "no").run();
        assertDenied(r, ALL_METHODS);
    }

    @Test
    void emptyPassword() throws Exception {
        OpenSshClient.Result r = ssh.to(server.port(), fx.user).password("").preferred("password")
                .option("PubkeyAuthentication", "no").run();
        assertDenied(r, ALL_METHODS);
    }

    @Test
    void wrongPasswordByKeyboardInteractive() throws Exception {
        OpenSshClient.Result r = ssh.to(server.port(), fx.user).password("wrong").preferred("keyboard-interactive")
                .option("PubkeyAuthentication", "no").run();
        assertDenied(r, ALL_METHODS);
    }

    @Test
    void expiredCertificate() throws Exception {
        OpenSshClient.Result r = ssh.to(server.port(), fx.user).identity(expiredCertKey).preferred("publickey")
                .option("CertificateFile", expiredCertKey + "-cert.pub").run();
        assertTrue(r.output().lines().anyMatch(l -> l.contains("Offering public key:") && l.contains("ED25519-CERT")),
                "ssh did not offer the expired certificate\n" + String.join("\n", r.grep("key")));
        assertDenied(r, ALL_METHODS);
    }

    @Test
    void certificateForAnotherPrincipal() throws Exception {
        OpenSshClient.Result r = ssh.to(server.port(), fx.user).identity(wrongPrincipalCertKey).preferred("publickey")
                .option("CertificateFile", wrongPrincipalCertKey + "-cert.pub").run();
        assertDenied(r, ALL_METHODS);
    }

    /** Two-factor: the key passes (partial success), a wrong password then fails with only the password methods left. */
    @Test
    void twoFactorWrongSecondFactor() throws Exception {
        OpenSshClient.Result r = ssh.to(twoFactor.port(), fx.user).identity(fx.keys.get("ed25519")).password("wrong")
                .preferred("publickey,password").run();
        assertTrue(r.hasLine("Authenticated using \"publickey\" with partial success."), r.describe());
        assertDenied(r, "Permission denied (password,keyboard-interactive).");
    }

    /** Two-factor: an unknown key never reaches the password step. */
    @Test
    void twoFactorUnknownKey() throws Exception {
        OpenSshClient.Result r = ssh.to(twoFactor.port(), fx.user).identity(fx.unknownKey).password(PortalFixture.PASSWORD)
                .preferred("publickey").run();
        assertDenied(r, "Permission denied (publickey,password,keyboard-interactive).");
    }

    // ------------------------------------------------------------------ authorized_keys options

    @Test
    void fromOtherNetworkRefusesLoopback() throws Exception {
        OpenSshClient.Result r = ssh.to(restricted.port(), fx.user).identity(farKey).preferred("publickey").run();
        assertDenied(r, "Permission denied (publickey).");
    }

    @Test
    void fromLoopbackAdmits() throws Exception {
        OpenSshClient.Result r = ssh.to(restricted.port(), fx.user).identity(loopbackKey).preferred("publickey").run();
        assertTrue(r.hasLine(OpenSshClient.authenticated(restricted.port(), "publickey")), r.describe());
        Login l = fx.nextLogin(WAIT);
        assertNotNull(l);
        assertEquals("127.0.0.1", l.keyMatch().orElseThrow().options().from().orElseThrow());
    }

    @Test
    void expiryTimeInThePastRefuses() throws Exception {
        OpenSshClient.Result r = ssh.to(restricted.port(), fx.user).identity(expiredEntryKey).preferred("publickey").run();
        assertDenied(r, "Permission denied (publickey).");
    }

    /** command= replaces what ssh asks for (which it finds in SSH_ORIGINAL_COMMAND); the realm gets it with the login. */
    @Test
    void forcedCommandRuns() throws Exception {
        OpenSshClient.Result r = ssh.to(restricted.port(), fx.user).identity(forcedKey).preferred("publickey")
                .command("echo not-forced").run();
        assertTrue(r.hasLine(OpenSshClient.authenticated(restricted.port(), "publickey")), r.describe());
        assertEquals("forced:echo not-forced", r.stdout().strip(), r.describe());
        assertEquals(0, r.exitCode(), r.describe());
        Login l = fx.nextLogin(WAIT);
        assertNotNull(l, "the realm was not asked for an avatar");
        AuthorizedKeys.Match m = l.keyMatch().orElseThrow();
        assertEquals("echo forced:$SSH_ORIGINAL_COMMAND", m.forcedCommand().orElse(null), m.description());
        assertFalse(m.permitsPty(), m.description());
        assertTrue(m.permitsPortForwarding(), m.description());
    }

    /**
     * no-pty: ssh -tt asks for a terminal and is refused; an explicitly requested terminal that is
     * refused is fatal to ssh (exit 255 before the command runs). (The portal refuses every pty
     * for now, so this cannot yet tell no-pty from the general refusal; the Login check can.)
     */
    @Test
    void noPtyRefusesTheTerminal() throws Exception {
        OpenSshClient.Result r = ssh.to(restricted.port(), fx.user).identity(forcedKey).preferred("publickey").tty()
                .command("x").run();
        assertTrue(r.hasLine(OpenSshClient.authenticated(restricted.port(), "publickey")), r.describe());
        assertTrue(r.hasLine("PTY allocation request failed"), r.describe());
        assertEquals(255, r.exitCode(), r.describe());
        assertFalse(r.stdout().contains("forced:"), r.describe());
        assertFalse(fx.nextLogin(WAIT).keyMatch().orElseThrow().permitsPty());
    }

    @Test
    void environmentOptionReachesTheCommand() throws Exception {
        OpenSshClient.Result r = ssh.to(restricted.port(), fx.user).identity(envKey).preferred("publickey")
                .command("echo env:$AUTHINTEROP_ENV").run();
        assertTrue(r.hasLine(OpenSshClient.authenticated(restricted.port(), "publickey")), r.describe());
        assertEquals("env:from-authorized-keys", r.stdout().strip(), r.describe());
        assertEquals(0, r.exitCode(), r.describe());
        assertNotNull(fx.nextLogin(WAIT));
    }

    /** cert-authority,principals="admin,ops": a certificate for "ops" admits the user, whatever its name. */
    @Test
    void certAuthorityPrincipalsOption() throws Exception {
        OpenSshClient.Result r = ssh.to(restricted.port(), fx.user).identity(principalsCertKey).preferred("publickey")
                .option("CertificateFile", principalsCertKey + "-cert.pub").run();
        assertTrue(r.hasLine(OpenSshClient.authenticated(restricted.port(), "publickey")), r.describe());
        Login l = fx.nextLogin(WAIT);
        assertNotNull(l);
        assertEquals("ops-cert", l.keyMatch().orElseThrow().certificate().orElseThrow().keyId());
    }
}
