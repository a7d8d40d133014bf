package dev.tether.ssh.session;

import dev.tether.ssh.Portal;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.PtyRequest;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.testutil.Pair;
import dev.tether.ssh.testutil.Streams;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Signals (RFC 4254 §6.9) to commands without a pty, and the pty policy of a portal that has no
 * {@link dev.tether.ssh.pty.PtySpawner}; the pty side itself is tested in the tether-pty module.
 */
@Timeout(120)
class SessionSignalTest {
    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    static KeyPair key;
    static KeyPair forcedKey;
    static Path authorizedKeys;

    @BeforeAll
    static void files() throws Exception {
        key = SignatureAlgorithms.generate("ssh-ed25519", 0);
        forcedKey = SignatureAlgorithms.generate("ssh-ed25519", 0);
        authorizedKeys = dir.resolve("authorized_keys");
        Files.writeString(authorizedKeys, OpenSshKeyFile.publicKeyLine(key.getPublic(), "plain") + "\n"
                + "command=\"echo started; sleep 2; echo survived\" "
                + OpenSshKeyFile.publicKeyLine(forcedKey.getPublic(), "forced") + "\n");
    }

    static Pair connect(KeyPair as) throws Exception {
        Portal portal = Portal.builder().processSessions(dir).ptySpawner(null)
                .publicKeys(AuthorizedKeysChecker.forUser("alice", authorizedKeys)).build();
        Pair p = Pair.inMemory(TransportConfig.builder().build(),
                Pair.serverConfig().serverInterface(portal.serverInterface()).build());
        assertEquals(List.of(), p.client.authPublickey("alice", as));
        return p;
    }

    /** Reads until {@code regex} matches what was read; bounded. */
    static Matcher readUntil(InputStream in, String regex, StringBuilder seen) throws Exception {
        return Streams.readUntil(in, regex, seen, WAIT);
    }

    @Test
    void termReachesTheWholeProcessGroup() throws Exception {
        try (Pair p = connect(key); Channel ch = p.client.openSession()) {
            assertTrue(ch.exec("sleep 100 & echo child $!; wait"));
            long child = Long.parseLong(readUntil(ch.getInputStream(), "child (\\d+)\n", new StringBuilder()).group(1));
            ProcessHandle sleeper = ProcessHandle.of(child).orElseThrow();
            ch.signal("TERM");
            // the shell dies of the TERM too: exit-signal, not exit-status 143
            assertEquals(-1, ch.awaitExitStatus(WAIT));
            assertEquals("TERM", ch.exitSignal());
            sleeper.onExit().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertFalse(sleeper.isAlive(), "the background sleep got the signal too");
        }
    }

    @Test
    void unknownSignalsAreIgnored() throws Exception {
        try (Pair p = connect(key); Channel ch = p.client.openSession()) {
            assertTrue(ch.exec("echo started; read line; echo got $line"));
            readUntil(ch.getInputStream(), "started\n", new StringBuilder());
            ch.signal("WINCH");
            ch.signal("TERM; reboot");
            ch.getOutputStream().write("x\n".getBytes(StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            readUntil(ch.getInputStream(), "got x\n", seen);
            assertEquals(0, ch.awaitExitStatus(WAIT));
        }
    }

    @Test
    void aForcedCommandIsNotSignalled() throws Exception {
        try (Pair p = connect(forcedKey); Channel ch = p.client.openSession()) {
            assertTrue(ch.exec("ignored"));
            StringBuilder seen = new StringBuilder();
            readUntil(ch.getInputStream(), "started\n", seen);
            ch.signal("KILL");
            readUntil(ch.getInputStream(), "survived\n", seen);
            assertEquals(0, ch.awaitExitStatus(WAIT));
        }
    }

    @Test
    void anInProcessCommandSeesItsPtyAndWindowChanges() throws Exception {
        Portal portal = Portal.builder().ptySpawner(null).publicKeys(AuthorizedKeysChecker.forUser("alice", authorizedKeys))
                .commands(cmd -> ctx -> {
                    CompletableFuture<PtyRequest> resized = new CompletableFuture<>();
                    ctx.onWindowChange(resized::complete);
                    PtyRequest t = ctx.terminal();
                    ctx.stdout().write((t.term() + " " + t.columns() + "x" + t.rows() + "\n").getBytes(StandardCharsets.UTF_8));
                    ctx.stdout().flush();
                    PtyRequest r = resized.get(30, TimeUnit.SECONDS);
                    ctx.stdout().write((r.columns() + "x" + r.rows() + "\n").getBytes(StandardCharsets.UTF_8));
                    return 0;
                }).build();
        try (Pair p = Pair.inMemory(TransportConfig.builder().build(),
                Pair.serverConfig().serverInterface(portal.serverInterface()).build())) {
            p.client.authPublickey("alice", key);
            try (Channel ch = p.client.openSession()) {
                assertTrue(ch.requestPty(new PtyRequest("vt220", 90, 25, 0, 0, Map.of())));
                ch.windowChange(100, 30, 0, 0); // before the command: its first size
                assertTrue(ch.shell());
                StringBuilder seen = new StringBuilder();
                readUntil(ch.getInputStream(), "vt220 100x30\n", seen);
                ch.windowChange(132, 43, 0, 0);
                readUntil(ch.getInputStream(), "132x43\n", seen);
                assertEquals(0, ch.awaitExitStatus(WAIT));
            }
        }
    }

    @Test
    void withoutASpawnerPtyRequestsAreRefused() throws Exception {
        try (Pair p = connect(key); Channel ch = p.client.openSession()) {
            assertFalse(ch.requestPty(new PtyRequest("xterm", 80, 24, 0, 0, Map.of())));
            assertTrue(ch.exec("tty"));
            assertEquals("not a tty\n", new String(ch.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            assertEquals(1, ch.awaitExitStatus(WAIT));
        }
    }
}
