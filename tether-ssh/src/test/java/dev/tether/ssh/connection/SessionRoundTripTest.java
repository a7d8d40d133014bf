package dev.tether.ssh.connection;

import dev.tether.ssh.ExecResult;
import dev.tether.ssh.Portal;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.testutil.Pair;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sessions between our client and our server: exec, streams, flow control, many channels. */
class SessionRoundTripTest {
    private static final Duration T = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    static KeyPair key;
    static Path authorizedKeys;

    @BeforeAll
    static void setUp() throws Exception {
        key = SignatureAlgorithms.generate("ssh-ed25519", 0);
        authorizedKeys = dir.resolve("authorized_keys");
        Files.writeString(authorizedKeys, OpenSshKeyFile.publicKeyLine(key.getPublic(), "k") + "\n");
    }

    static Pair connect(boolean sessions) throws Exception {
        Portal.Builder portal = Portal.builder().publicKeys(AuthorizedKeysChecker.forUser("u", authorizedKeys));
        if (sessions) {
            portal.processSessions(dir);
        }
        TransportConfig server = Pair.serverConfig().serverInterface(portal.build().serverInterface()).build();
        Pair p = Pair.overTcp(TransportConfig.builder().build(), server);
        p.client.authPublickey("u", key);
        return p;
    }

    @Test
    void execReportsOutputErrorAndExitStatus() throws Exception {
        try (Pair p = connect(true)) {
            ExecResult r = p.client.exec("echo out; echo err >&2; pwd; exit 3", T);
            assertEquals("out\n" + dir.toRealPath() + "\n", r.stdoutText());
            assertEquals("err\n", r.stderrText());
            assertEquals(3, r.exitStatus());
            assertEquals(255, p.client.exec("exit 255", T).exitStatus());
        }
    }

    @Test
    void dataThroughCatIsIntactBeyondManyWindows() throws Exception {
        try (Pair p = connect(true); Channel ch = p.client.openSession()) {
            assertTrue(ch.exec("cat"));
            byte[] data = new byte[12 << 20];
            new Random(5).nextBytes(data);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try (OutputStream out = ch.getOutputStream()) {
                    out.write(data);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            InputStream in = ch.getInputStream();
            byte[] buf = new byte[65536];
            long total = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
                total += n;
            }
            writer.get(30, TimeUnit.SECONDS);
            assertEquals(data.length, total);
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), md.digest());
            assertEquals(0, ch.awaitExitStatus(T));
        }
    }

    @Test
    void aReaderThatStopsHoldsAtMostItsWindowAndOthersFlow() throws Exception {
        try (Pair p = connect(true)) {
            Channel stalled = p.client.openSession();
            assertTrue(stalled.exec("head -c 20000000 /dev/zero"));
            // the other channel streams to completion while the first is never read
            ExecResult r = p.client.exec("head -c 8000000 /dev/zero | wc -c", T);
            assertEquals("8000000", r.stdoutText().trim());
            // the stalled channel fills its window and stops there: the server's process waits
            ChannelImpl s = (ChannelImpl) stalled;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (s.buffered() < ChannelImpl.LOCAL_WINDOW && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(ChannelImpl.LOCAL_WINDOW, s.buffered(), "a stalled reader holds exactly one window");
            stalled.close();
        }
    }

    @Test
    void manySessionsLeaveNoChannelsBehind() throws Exception {
        try (Pair p = connect(true)) {
            for (int i = 0; i < 50; i++) {
                assertEquals(0, p.client.exec("true", T).exitStatus());
            }
            assertEquals(0, p.client.openChannelCount());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (p.server.openChannelCount() != 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(0, p.server.openChannelCount());
        }
    }

    @Test
    void subsystemHandlerServesTheChannelAndClosesItOnReturn() throws Exception {
        Portal portal = Portal.builder().publicKeys(AuthorizedKeysChecker.forUser("u", authorizedKeys))
                .subsystem("echo-upper", (ch, name, login) -> {
                    byte[] in = ch.getInputStream().readAllBytes();
                    ch.getOutputStream().write((login.username() + ":" + new String(in).toUpperCase()).getBytes());
                }).build();
        TransportConfig server = Pair.serverConfig().serverInterface(portal.serverInterface()).build();
        try (Pair p = Pair.overTcp(TransportConfig.builder().build(), server)) {
            p.client.authPublickey("u", key);
            Channel ch = p.client.openSession();
            assertTrue(!ch.subsystem("nope"));
            Channel ch2 = p.client.openSession();
            assertTrue(ch2.subsystem("echo-upper"));
            ch2.getOutputStream().write("hello".getBytes());
            ch2.getOutputStream().close();
            assertEquals("u:HELLO", new String(ch2.getInputStream().readAllBytes()));
            assertEquals(0, ch2.awaitExitStatus(T));
            ch.close();
        }
    }

    @Test
    void inProcessCommandsServeExecWithStreamsSignalsAndStatus() throws Exception {
        Portal portal = Portal.builder().publicKeys(AuthorizedKeysChecker.forUser("u", authorizedKeys))
                .commands(cmd -> {
                    if ("upper".equals(cmd)) {
                        return ctx -> {
                            ctx.stdout().write(new String(ctx.stdin().readAllBytes()).toUpperCase().getBytes());
                            ctx.stderr().write(("user " + ctx.login().username()).getBytes());
                            return 42;
                        };
                    }
                    if ("wait-for-signal".equals(cmd)) {
                        return ctx -> {
                            CompletableFuture<String> sig = new CompletableFuture<>();
                            ctx.onSignal(sig::complete);
                            ctx.stdout().write("ready\n".getBytes());
                            ctx.stdout().flush();
                            return sig.get(30, TimeUnit.SECONDS).equals("TERM") ? 143 : 1;
                        };
                    }
                    return null;
                }).build();
        TransportConfig server = Pair.serverConfig().serverInterface(portal.serverInterface()).build();
        try (Pair p = Pair.overTcp(TransportConfig.builder().build(), server)) {
            p.client.authPublickey("u", key);
            try (Channel ch = p.client.openSession()) {
                assertTrue(ch.exec("upper"));
                ch.getOutputStream().write("abc".getBytes());
                ch.getOutputStream().close();
                assertEquals("ABC", new String(ch.getInputStream().readAllBytes()));
                assertEquals("user u", new String(ch.getErrorStream().readAllBytes()));
                assertEquals(42, ch.awaitExitStatus(T));
            }
            try (Channel ch = p.client.openSession()) {
                assertTrue(ch.exec("wait-for-signal"));
                byte[] ready = new byte[6];
                assertEquals(6, ch.getInputStream().readNBytes(ready, 0, 6));
                ch.signal("TERM");
                assertEquals(143, ch.awaitExitStatus(T));
            }
            try (Channel ch = p.client.openSession()) {
                assertTrue(!ch.exec("unknown"), "no OS processes configured: an unknown command is refused");
            }
        }
    }

    @Test
    void avatarWithoutSessionCannotOpenOne() throws Exception {
        Portal portal = Portal.builder().publicKeys(AuthorizedKeysChecker.forUser("u", authorizedKeys)).processSessions(dir)
                .realm((user, login) -> new dev.tether.ssh.Avatar() {
                    @Override
                    public String username() {
                        return user;
                    }

                    @Override
                    public java.util.Set<String> channelTypes() {
                        return java.util.Set.of();
                    }
                }).build();
        TransportConfig server = Pair.serverConfig().serverInterface(portal.serverInterface()).build();
        try (Pair p = Pair.overTcp(TransportConfig.builder().build(), server)) {
            p.client.authPublickey("u", key);
            SshException e = assertThrows(SshException.class, () -> p.client.openSession());
            assertTrue(e.getMessage().contains("refused (1)"), e.getMessage());
        }
    }

    @Test
    void serverWithoutSessionsRefusesTheChannel() throws Exception {
        try (Pair p = connect(false)) {
            SshException e = assertThrows(SshException.class, () -> p.client.openSession());
            assertTrue(e.getMessage().contains("refused (1)"), e.getMessage());
        }
    }
}
