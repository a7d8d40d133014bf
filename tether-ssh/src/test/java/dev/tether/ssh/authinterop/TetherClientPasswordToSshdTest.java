package dev.tether.ssh.authinterop;

import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.AuthenticationException;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.KeyFiles;
import dev.tether.ssh.policy.InteractiveQuery;
import dev.tether.testkit.Peers;
import dev.tether.testkit.PrivateSshd;
import dev.tether.testkit.Processes;
import dev.tether.testkit.SshKeygen;
import dev.tether.testkit.TempDirs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Our client's password and keyboard-interactive logins against a real sshd. sshd checks the OS
 * password of the user, so the test never touches an existing account: running as root, it makes
 * a throwaway user {@code tethertestNNNNNN} with a random password ({@code useradd -m},
 * {@code chpasswd}) and deletes it ({@code userdel -r}) afterwards; otherwise it is skipped.
 *
 * <p>Password runs against a {@link PrivateSshd} with its default {@code UsePAM no} (sshd reads the
 * shadow file). keyboard-interactive needs PAM (OpenSSH on Linux has no other device), so those runs
 * use one started with {@code UsePAM yes}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TetherClientPasswordToSshdTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static Path dir;
    private static String user;
    private static String password;
    private static PrivateSshd sshd;
    private static PrivateSshd pamSshd;
    private static PrivateSshd kbdOnlySshd;
    private static PrivateSshd twoFactorSshd;
    private static PrivateSshd twoFactorPamSshd;
    private static Path userKey;

    @BeforeAll
    static void start() throws Exception {
        Peers.requireSshd();
        // not about a missing peer: without root there is no throwaway user, so this stays a skip even in CI
        assumeTrue(isRoot(), "needs root to create a throwaway user for sshd's password check");
        Peers.require("useradd, chpasswd and userdel (Debian package passwd)", Files.isExecutable(Path.of("/usr/sbin/useradd"))
                && Files.isExecutable(Path.of("/usr/sbin/chpasswd")) && Files.isExecutable(Path.of("/usr/sbin/userdel")));
        dir = AuthInterop.tempDir("password");
        SecureRandom random = new SecureRandom();
        String candidate = "tethertest" + (100000 + random.nextInt(900000));
        byte[] pw = new byte[12];
        random.nextBytes(pw);
        password = "Tt-" + HexFormat.of().formatHex(pw);
        AuthInterop.runOk(List.of("/usr/sbin/useradd", "-m", "-s", "/bin/sh", candidate), Map.of(), dir);
        user = candidate; // from here on @AfterAll deletes it
        Path input = dir.resolve("chpasswd.in");
        Files.writeString(input, user + ":" + password + "\n", StandardCharsets.UTF_8);
        try {
            Processes.Result r = AuthInterop.run(List.of("/usr/sbin/chpasswd"), Map.of(), input, dir, Duration.ofSeconds(30));
            if (r.exitCode() != 0) {
                throw new IOException("chpasswd failed: " + r.describe());
            }
        } finally {
            Files.delete(input);
        }
        sshd = PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519), List.of());
        pamSshd = PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519),
                List.of("UsePAM yes", "PasswordAuthentication yes", "KbdInteractiveAuthentication yes"));
        kbdOnlySshd = PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519),
                List.of("UsePAM yes", "PasswordAuthentication no", "KbdInteractiveAuthentication yes"));
        userKey = SshKeygen.generate(dir, "id_ed25519", "ed25519", 0);
        twoFactorSshd = PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519), List.of("AuthenticationMethods publickey,password"));
        Files.writeString(twoFactorSshd.dir().resolve("authorized_keys"), SshKeygen.pubLine(userKey) + "\n");
        AuthInterop.readableByAll(twoFactorSshd.dir().resolve("authorized_keys")); // sshd reads it as the throwaway user
        twoFactorPamSshd = PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519),
                List.of("UsePAM yes", "KbdInteractiveAuthentication yes", "AuthenticationMethods publickey,keyboard-interactive"));
        Files.writeString(twoFactorPamSshd.authorizedKeys(), SshKeygen.pubLine(userKey) + "\n");
        AuthInterop.readableByAll(twoFactorPamSshd.authorizedKeys());
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            for (AutoCloseable c : new AutoCloseable[]{sshd, pamSshd, kbdOnlySshd, twoFactorSshd, twoFactorPamSshd}) {
                if (c != null) {
                    c.close();
                }
            }
        } finally {
            if (user != null) {
                // the user's processes are gone with the servers; -r removes the home directory
                Processes.Result r = AuthInterop.run(List.of("/usr/sbin/userdel", "-r", user), Map.of(), dir, Duration.ofSeconds(30));
                // 12: "mail spool not found" and the like, after the user itself is gone
                assertTrue(r.exitCode() == 0 || r.exitCode() == 12, r.describe());
                Processes.Result check = AuthInterop.run(List.of("/usr/bin/id", user), Map.of(), dir, Duration.ofSeconds(10));
                assertTrue(check.exitCode() != 0, "throwaway user " + user + " still exists: " + r.describe());
            }
            TempDirs.deleteTree(dir);
        }
    }

    private static boolean isRoot() {
        try {
            Path d = AuthInterop.tempDir("id");
            try {
                Processes.Result r = AuthInterop.run(List.of("/usr/bin/id", "-u"), Map.of(), d, Duration.ofSeconds(10));
                return r.exitCode() == 0 && r.stdout().strip().equals("0");
            } finally {
                TempDirs.deleteTree(d);
            }
        } catch (IOException e) {
            return false;
        }
    }

    private static Transport connect(int port, byte[] hostKeyBlob) throws IOException {
        TransportConfig config = TransportConfig.builder().handshakeTimeout(TIMEOUT).hostKeyAlgorithms(List.of("ssh-ed25519")).build();
        return Transport.connect(AuthInterop.LOOPBACK, port, config, HostKeyVerifier.acceptKeys(List.of(hostKeyBlob)));
    }

    @Test
    void passwordAgainstSshd() throws Exception {
        long mark = sshd.logMark();
        try (Transport t = connect(sshd.port(), sshd.hostKeyBlob(PrivateSshd.HostKey.ED25519))) {
            assertEquals(List.of(), t.authPassword(user, password));
            assertTrue(t.isAuthenticated());
        }
        String accepted = "Accepted password for " + user + " from 127.0.0.1";
        assertTrue(sshd.awaitLog(mark, accepted, Duration.ofSeconds(10)).contains(accepted), sshd.logSince(mark));
    }

    /** A wrong password fails and names what can continue; the right one then succeeds on the same connection. */
    @Test
    void wrongPasswordThenRightOne() throws Exception {
        long mark = sshd.logMark();
        try (Transport t = connect(sshd.port(), sshd.hostKeyBlob(PrivateSshd.HostKey.ED25519))) {
            AuthenticationException e = assertThrows(AuthenticationException.class, () -> t.authPassword(user, password + "x"));
            assertTrue(e.allowed().contains("password"), e.allowed().toString());
            assertFalse(t.isAuthenticated());
            assertEquals(List.of(), t.authPassword(user, password));
            assertTrue(t.isAuthenticated());
        }
        String log = sshd.awaitLog(mark, "Accepted password for " + user, Duration.ofSeconds(10));
        assertTrue(log.contains("Failed password for " + user + " from 127.0.0.1"), log);
    }

    @Test
    void keyboardInteractiveAgainstPamSshd() throws Exception {
        List<String> prompts = new ArrayList<>();
        try (Transport t = connect(pamSshd.port(), pamSshd.hostKeyBlob())) {
            assertEquals(List.of(), t.authInteractive(user, (name, instruction, ps) -> {
                List<String> answers = new ArrayList<>();
                for (InteractiveQuery.Prompt p : ps) {
                    prompts.add(p.text() + (p.echo() ? " (echo)" : ""));
                    answers.add(password);
                }
                return answers;
            }));
            assertTrue(t.isAuthenticated());
        }
        assertEquals(List.of("Password: "), prompts);
        String accepted = "Accepted keyboard-interactive/pam for " + user + " from 127.0.0.1";
        assertTrue(pamSshd.awaitLog(accepted, Duration.ofSeconds(10)).contains(accepted), pamSshd.log());
    }

    @Test
    void wrongKeyboardInteractiveAnswerFails() throws Exception {
        try (Transport t = connect(pamSshd.port(), pamSshd.hostKeyBlob())) {
            AuthenticationException e = assertThrows(AuthenticationException.class,
                    () -> t.authInteractive(user, (name, instruction, ps) -> ps.stream().map(p -> "not-" + password).toList()));
            assertTrue(e.allowed().contains("keyboard-interactive"), e.allowed().toString());
            assertFalse(t.isAuthenticated());
        }
    }

    /** sshd offers keyboard-interactive only: authPassword answers its password prompt (paramiko's fallback). */
    @Test
    void passwordFallsBackToKeyboardInteractive() throws Exception {
        try (Transport t = connect(kbdOnlySshd.port(), kbdOnlySshd.hostKeyBlob())) {
            assertEquals(List.of(), t.authPassword(user, password));
            assertTrue(t.isAuthenticated());
        }
        String accepted = "Accepted keyboard-interactive/pam for " + user + " from 127.0.0.1";
        assertTrue(kbdOnlySshd.awaitLog(accepted, Duration.ofSeconds(10)).contains(accepted), kbdOnlySshd.log());
    }

    /** sshd with AuthenticationMethods publickey,password: the key is a partial success, then the password logs in. */
    @Test
    void twoFactorPublickeyThenPasswordAgainstSshd() throws Exception {
        KeyPair kp = KeyFiles.readPrivateKey(userKey, null);
        long mark = twoFactorSshd.logMark();
        try (Transport t = connect(twoFactorSshd.port(), twoFactorSshd.hostKeyBlob(PrivateSshd.HostKey.ED25519))) {
            assertEquals(List.of("password"), t.authPublickey(user, kp));
            assertFalse(t.isAuthenticated());
            assertEquals(List.of(), t.authPassword(user, password));
            assertTrue(t.isAuthenticated());
        }
        String log = twoFactorSshd.awaitLog(mark, "Accepted password for " + user, Duration.ofSeconds(10));
        assertTrue(log.contains("Partial publickey for " + user), log);
        assertTrue(log.contains("Accepted password for " + user), log);
    }

    /** A password alone is not enough there: sshd only lists publickey. */
    @Test
    void twoFactorPasswordFirstIsRefusedBySshd() throws Exception {
        try (Transport t = connect(twoFactorSshd.port(), twoFactorSshd.hostKeyBlob(PrivateSshd.HostKey.ED25519))) {
            AuthenticationException e = assertThrows(AuthenticationException.class, () -> t.authPassword(user, password));
            assertEquals(List.of("publickey"), e.allowed());
            assertFalse(t.isAuthenticated());
        }
    }

    /**
     * sshd with AuthenticationMethods publickey,keyboard-interactive: after the key only
     * keyboard-interactive can continue, and authPassword answers its password prompt.
     */
    @Test
    void twoFactorPublickeyThenKeyboardInteractiveAgainstPamSshd() throws Exception {
        KeyPair kp = KeyFiles.readPrivateKey(userKey, null);
        try (Transport t = connect(twoFactorPamSshd.port(), twoFactorPamSshd.hostKeyBlob())) {
            assertEquals(List.of("keyboard-interactive"), t.authPublickey(user, kp));
            assertFalse(t.isAuthenticated());
            assertEquals(List.of(), t.authPassword(user, password));
            assertTrue(t.isAuthenticated());
        }
        String accepted = "Accepted keyboard-interactive/pam for " + user;
        String log = twoFactorPamSshd.awaitLog(accepted, Duration.ofSeconds(10));
        assertTrue(log.contains("Partial publickey for " + user), log);
        assertTrue(log.contains(accepted), log);
    }
}
