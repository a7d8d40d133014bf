package dev.tether.ssh.auth;

import dev.tether.ssh.Portal;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.AuthenticationException;
import dev.tether.ssh.common.DisconnectException;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.testutil.Pair;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Our client against our server through the portal: each method, multi-factor, and limits. */
class AuthRoundTripTest {
    @TempDir
    static Path dir;
    static KeyPair alice;
    static KeyPair stranger;
    static Path authorizedKeys;
    static Path passwords;

    @BeforeAll
    static void files() throws Exception {
        alice = SignatureAlgorithms.generate("ssh-ed25519", 0);
        stranger = SignatureAlgorithms.generate("ecdsa-sha2-nistp256", 0);
        authorizedKeys = dir.resolve("authorized_keys");
        Files.writeString(authorizedKeys, OpenSshKeyFile.publicKeyLine(alice.getPublic(), "alice") + "\n");
        passwords = dir.resolve("htpasswd");
        byte[] salt = new byte[16];
        Files.writeString(passwords, "alice:" + OpenBSDBCrypt.generate("2y", "s3cret".toCharArray(), salt, 5) + "\n");
    }

    static Pair connect(Portal portal, int maxTries) throws Exception {
        TransportConfig server = Pair.serverConfig().serverInterface(portal.serverInterface()).maxAuthTries(maxTries).build();
        return Pair.inMemory(TransportConfig.builder().build(), server);
    }

    static Portal.Builder portal() throws Exception {
        return Portal.builder().publicKeys(AuthorizedKeysChecker.forUser("alice", authorizedKeys))
                .passwords(HtpasswdFile.load(passwords));
    }

    @Test
    void publickeyLogsIn() throws Exception {
        try (Pair p = connect(portal().build(), 6)) {
            assertEquals(List.of(), p.client.authPublickey("alice", alice));
            assertTrue(p.client.isAuthenticated());
            assertTrue(p.server.isAuthenticated());
            assertEquals("alice", p.client.getUsername());
        }
    }

    @Test
    void unknownKeyFailsAndNamesWhatCanContinue() throws Exception {
        try (Pair p = connect(portal().build(), 6)) {
            AuthenticationException e = assertThrows(AuthenticationException.class, () -> p.client.authPublickey("alice", stranger));
            assertEquals(List.of("publickey", "password", "keyboard-interactive"), e.allowed());
            assertFalse(p.client.isAuthenticated());
            assertEquals(List.of(), p.client.authPassword("alice", "s3cret"));
        }
    }

    @Test
    void wrongAndEmptyPasswordsFail() throws Exception {
        try (Pair p = connect(portal().build(), 6)) {
            assertThrows(AuthenticationException.class, () -> p.client.authPassword("alice", "wrong"));
            assertThrows(AuthenticationException.class, () -> p.client.authPassword("alice", ""));
            AuthenticationException e = assertThrows(AuthenticationException.class, () -> p.client.authPassword("alice", "S3cret"));
            assertTrue(e.tried().contains("password"), e.getMessage());
        }
    }

    @Test
    void keyboardInteractiveAsksForThePassword() throws Exception {
        try (Pair p = connect(portal().build(), 6)) {
            assertEquals(List.of(), p.client.authInteractive("alice", (name, instruction, prompts) -> {
                assertEquals(1, prompts.size());
                assertFalse(prompts.get(0).echo());
                return List.of("s3cret");
            }));
        }
    }

    @Test
    void twoFactorNeedsKeyThenPassword() throws Exception {
        Portal twoFactor = portal().require(List.of("publickey", "password")).build();
        try (Pair p = connect(twoFactor, 6)) {
            List<String> remaining = p.client.authPublickey("alice", alice);
            assertEquals(List.of("password", "keyboard-interactive"), remaining);
            assertFalse(p.client.isAuthenticated());
            assertFalse(p.server.isAuthenticated());
            assertEquals(List.of(), p.client.authPassword("alice", "s3cret"));
            assertTrue(p.server.isAuthenticated());
        }
        try (Pair p = connect(twoFactor, 6)) {
            // a password alone is only a partial success
            assertEquals(List.of("publickey"), p.client.authPassword("alice", "s3cret"));
            assertFalse(p.server.isAuthenticated());
        }
    }

    @Test
    void loginGraceTimeEndsAnUnauthenticatedConnection() throws Exception {
        TransportConfig server = Pair.serverConfig().serverInterface(portal().build().serverInterface())
                .loginGraceTime(java.time.Duration.ofSeconds(1)).build();
        try (Pair p = Pair.inMemory(TransportConfig.builder().build(), server)) {
            p.client.closeFuture().get(10, TimeUnit.SECONDS);
            DisconnectException d = (DisconnectException) p.client.closeCause();
            assertEquals(11, d.code());
            assertTrue(d.description().contains("login grace time"), d.description());
        }
        // once authenticated, the grace timer no longer applies (a roomier grace time, so that a
        // loaded machine still authenticates within it)
        TransportConfig roomy = server.toBuilder().loginGraceTime(java.time.Duration.ofSeconds(3)).build();
        try (Pair p = Pair.inMemory(TransportConfig.builder().build(), roomy)) {
            p.client.authPublickey("alice", alice);
            assertThrows(java.util.concurrent.TimeoutException.class, () -> p.client.closeFuture().get(4, TimeUnit.SECONDS));
            assertTrue(p.client.isActive());
        }
    }

    @Test
    void tooManyFailuresEndTheConnectionWithCode14() throws Exception {
        try (Pair p = connect(portal().build(), 3)) {
            assertThrows(AuthenticationException.class, () -> p.client.authPassword("alice", "a"));
            assertThrows(AuthenticationException.class, () -> p.client.authPassword("alice", "b"));
            SshException e = assertThrows(SshException.class, () -> p.client.authPassword("alice", "c"));
            p.client.closeFuture().get(10, TimeUnit.SECONDS);
            assertTrue(p.client.closeCause() instanceof DisconnectException, String.valueOf(p.client.closeCause()));
            assertEquals(14, ((DisconnectException) p.client.closeCause()).code(), e.getMessage());
        }
    }
}
