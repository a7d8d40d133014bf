package dev.tether.ssh.connection;

import dev.tether.ssh.Engines;
import dev.tether.ssh.Portal;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.DisconnectException;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.testutil.Duplex;
import dev.tether.ssh.testutil.Pair;
import dev.tether.testkit.Poll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server's per-connection limits between our client and our server in memory: MaxSessions,
 * client-alive probes (with a client whose bytes stop reaching the server), the unused
 * connection timeout, and the channel inactivity timeout. Timing assertions measure the elapsed
 * time to the close event and allow generous slack above, never sleep.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IdleTimersTest {
    private static final Duration T = Duration.ofSeconds(20);
    /** Scheduling slack on a loaded two-core machine. */
    private static final long SLACK_MS = 2500;

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

    /** A client and server in memory, the server's config changed by {@code limits}; the client's bytes pass {@code gate}. */
    private static final class Conn implements AutoCloseable {
        final Transport client;
        final Transport server;
        final Gate gate;
        final long authenticatedAt;

        Conn(UnaryOperator<TransportConfig.Builder> limits) throws IOException {
            Portal portal = Portal.builder().publicKeys(AuthorizedKeysChecker.forUser("u", authorizedKeys))
                    .commands(cmd -> ctx -> {
                        // "cat": echo stdin until EOF
                        ctx.stdin().transferTo(ctx.stdout());
                        return 0;
                    }).build();
            TransportConfig sc = limits.apply(Pair.serverConfig().serverInterface(portal.serverInterface())).build();
            Duplex d = new Duplex();
            gate = new Gate(d.serverIn);
            server = Transport.startServer(gate, d.serverOut, sc);
            client = Transport.startClient(d.clientIn, d.clientOut, TransportConfig.defaults(), Pair.trustAllTestKeys());
            // before the login: the server starts its clocks when it accepts it, which a loaded
            // machine may let happen well before authPublickey returns here
            authenticatedAt = System.nanoTime();
            client.authPublickey("u", key);
        }

        @Override
        public void close() throws Exception {
            gate.open();
            client.close();
            server.close();
            client.closeFuture().get(10, TimeUnit.SECONDS);
            server.closeFuture().get(10, TimeUnit.SECONDS);
        }
    }

    /** An input stream that stops passing bytes while paused, as a client that stopped sending. */
    private static final class Gate extends InputStream {
        private final InputStream in;
        private boolean paused;
        private boolean closed;

        Gate(InputStream in) {
            this.in = in;
        }

        synchronized void pause() {
            paused = true;
        }

        synchronized void open() {
            paused = false;
            notifyAll();
        }

        private synchronized void awaitOpen() throws IOException {
            while (paused && !closed) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
            if (closed) {
                throw new IOException("closed");
            }
        }

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            awaitOpen();
            return in.read(b, off, len);
        }

        @Override
        public void close() throws IOException {
            synchronized (this) {
                closed = true;
                notifyAll();
            }
            in.close();
        }
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    /** Waits (bounded) for the close; returns the milliseconds from {@code since} to when it was seen. */
    private static long awaitClose(Transport t, long since, long boundMs) throws Exception {
        t.closeFuture().get(boundMs, TimeUnit.MILLISECONDS);
        return millisSince(since);
    }

    /** True if {@code f} is still not done after {@code ms}: the bounded wait for "nothing happens". */
    private static boolean stillPending(CompletableFuture<?> f, long ms) throws Exception {
        try {
            f.get(ms, TimeUnit.MILLISECONDS);
            return false;
        } catch (TimeoutException e) {
            return true;
        } catch (ExecutionException e) {
            return false;
        }
    }

    static IdleTimers idleTimers(Transport server) {
        return ((ConnectionService) Engines.of(server).messageHandler()).idleTimers();
    }

    // ------------------------------------------------------------------ MaxSessions

    @Test
    void maxSessionsRefusesOneMoreAsSshdDoesAndFreesTheSlotOnClose() throws Exception {
        try (Conn c = new Conn(b -> b.maxSessions(2))) {
            Channel a = c.client.openSession();
            Channel b = c.client.openSession();
            SshException e = assertThrows(SshException.class, c.client::openSession);
            assertTrue(e.getMessage().contains("refused (2): open failed"), e.getMessage());
            a.close();
            Channel again = c.client.openSession();
            assertTrue(again.exec("cat"));
            again.getOutputStream().write("still works".getBytes());
            again.getOutputStream().close();
            assertEquals("still works", new String(again.getInputStream().readAllBytes()));
            assertEquals(0, again.awaitExitStatus(T));
            b.close();
            assertTrue(c.server.isActive() && c.client.isActive());
        }
    }

    @Test
    void maxSessionsZeroRefusesEverySession() throws Exception {
        try (Conn c = new Conn(b -> b.maxSessions(0))) {
            SshException e = assertThrows(SshException.class, c.client::openSession);
            assertTrue(e.getMessage().contains("open failed"), e.getMessage());
            assertTrue(c.client.isActive(), "a refused session leaves the connection up");
        }
    }

    @Test
    void defaultsAreSshds() {
        TransportConfig d = TransportConfig.defaults();
        assertEquals(10, d.maxSessions());
        assertEquals(Duration.ZERO, d.clientAliveInterval());
        assertEquals(3, d.clientAliveCountMax());
        assertEquals(Duration.ZERO, d.unusedConnectionTimeout());
        assertEquals(Duration.ZERO, d.channelTimeout());
        TransportConfig per = TransportConfig.builder().channelTimeout("direct-*", Duration.ofSeconds(5))
                .channelTimeout(Duration.ofSeconds(9)).build().toBuilder().build();
        assertEquals(Duration.ofSeconds(5), per.channelTimeout("direct-tcpip"));
        assertEquals(Duration.ofSeconds(9), per.channelTimeout());
        assertEquals(Duration.ZERO, per.channelTimeout("x11"));
        assertThrows(IllegalArgumentException.class, () -> TransportConfig.builder().maxSessions(-1));
        assertThrows(IllegalArgumentException.class, () -> TransportConfig.builder().clientAliveInterval(Duration.ofSeconds(-1)));
    }

    // ------------------------------------------------------------------ ClientAlive

    @Test
    void aClientThatAnswersProbesStaysConnected() throws Exception {
        // three probes may go unanswered in a row before the server gives up: an answer held up
        // by a loaded machine for one interval must not count as silence (it failed once at 150 ms x 1)
        try (Conn c = new Conn(b -> b.clientAliveInterval(Duration.ofMillis(300)).clientAliveCountMax(3))) {
            // 10 intervals: without answers it would be gone after 4
            assertTrue(stillPending(c.server.closeFuture(), 3000), () -> "the server dropped a client that answers: " + c.server.closeCause() + " / " + c.client.closeCause());
            assertTrue(idleTimers(c.server).scheduled());
            assertEquals("ok", new String(exec(c.client, "ok")));
        }
    }

    @Test
    void aSilentClientIsDroppedAfterCountMaxUnansweredProbes() throws Exception {
        long interval = 300;
        int count = 2;
        try (Conn c = new Conn(b -> b.clientAliveInterval(Duration.ofMillis(interval)).clientAliveCountMax(count))) {
            IdleTimers timers = idleTimers(c.server);
            c.gate.pause();
            long paused = System.nanoTime();
            long elapsed = awaitClose(c.server, paused, (count + 1) * interval + SLACK_MS);
            // the last packet arrived at most one interval before the pause (a probe's answer)
            assertTrue(elapsed >= count * interval - 50, "dropped too early: " + elapsed + " ms");
            assertTrue(elapsed <= (count + 1) * interval + SLACK_MS, "dropped too late: " + elapsed + " ms");
            DisconnectException d = assertInstanceOf(DisconnectException.class, c.server.closeCause());
            assertEquals(11, d.code());
            assertTrue(d.description().contains("Timeout, client not responding"), d.description());
            // the client still reads the server: it got the DISCONNECT
            c.client.closeFuture().get(10, TimeUnit.SECONDS);
            DisconnectException seen = assertInstanceOf(DisconnectException.class, c.client.closeCause());
            assertTrue(seen.description().contains("Timeout, client not responding"), seen.description());
            assertFalse(timers.scheduled(), "no timer task outlives the connection");
        }
    }

    @Test
    void countMaxZeroDropsAfterOneIntervalOfSilence() throws Exception {
        try (Conn c = new Conn(b -> b.clientAliveInterval(Duration.ofMillis(300)).clientAliveCountMax(0))) {
            c.gate.pause();
            long elapsed = awaitClose(c.server, System.nanoTime(), 300 + SLACK_MS);
            assertTrue(elapsed <= 300 + SLACK_MS, elapsed + " ms");
            assertTrue(c.server.closeCause().getMessage().contains("Timeout, client not responding"));
        }
    }

    // ------------------------------------------------------------------ UnusedConnectionTimeout

    @Test
    void aConnectionWithoutChannelsIsClosedAfterTheUnusedTimeout() throws Exception {
        long timeout = 400;
        try (Conn c = new Conn(b -> b.unusedConnectionTimeout(Duration.ofMillis(timeout)))) {
            long elapsed = awaitClose(c.server, c.authenticatedAt, timeout + SLACK_MS);
            assertTrue(elapsed >= timeout - 50, "closed too early: " + elapsed + " ms");
            c.client.closeFuture().get(10, TimeUnit.SECONDS);
            assertTrue(c.client.closeCause().getMessage().contains("unused connection timeout"), c.client.closeCause().getMessage());
        }
    }

    @Test
    void anOpenChannelKeepsTheConnectionAndItsCloseRestartsTheClock() throws Exception {
        long timeout = 300;
        try (Conn c = new Conn(b -> b.unusedConnectionTimeout(Duration.ofMillis(timeout)))) {
            Channel ch = c.client.openSession();
            assertTrue(ch.exec("cat"));
            assertTrue(stillPending(c.server.closeFuture(), 4 * timeout), () -> "closed with a channel open: " + c.server.closeCause());
            long closedAt = System.nanoTime(); // before: the server's clock restarts when it sees the close
            ch.close();
            long elapsed = awaitClose(c.server, closedAt, timeout + SLACK_MS);
            assertTrue(elapsed >= timeout - 50, "closed too early after the last channel: " + elapsed + " ms");
        }
    }

    // ------------------------------------------------------------------ ChannelTimeout

    @Test
    void anIdleChannelIsClosedAndTheConnectionStays() throws Exception {
        long timeout = 400;
        try (Conn c = new Conn(b -> b.channelTimeout(Duration.ofMillis(timeout)))) {
            long opened = System.nanoTime(); // before: the server's clock starts when it opens the channel
            Channel ch = c.client.openSession();
            assertTrue(ch.exec("cat"));
            ch.closeFuture().get(timeout + SLACK_MS, TimeUnit.MILLISECONDS);
            long elapsed = millisSince(opened);
            assertTrue(elapsed >= timeout - 50, "closed too early: " + elapsed + " ms");
            assertTrue(c.client.isActive() && c.server.isActive(), "only the channel closes");
            assertTrue(Poll.until(() -> c.server.openChannelCount() == 0, T), "the server forgot the channel");
            assertEquals("again", new String(exec(c.client, "again")));
        }
    }

    @Test
    void trafficKeepsAChannelOpen() throws Exception {
        long timeout = 400;
        try (Conn c = new Conn(b -> b.channelTimeout(Duration.ofMillis(timeout)))) {
            Channel ch = c.client.openSession();
            assertTrue(ch.exec("cat"));
            var out = ch.getOutputStream();
            var in = ch.getInputStream();
            // one byte every timeout/4 for three timeouts, each echoed back
            CompletableFuture<Void> never = new CompletableFuture<>();
            for (int i = 0; i < 12; i++) {
                out.write('x');
                out.flush();
                assertEquals('x', in.read());
                assertTrue(stillPending(never, timeout / 4));
                assertFalse(ch.isClosed(), "closed despite traffic, after " + i + " bytes");
            }
            out.close();
            assertEquals(0, ch.awaitExitStatus(T));
        }
    }

    @Test
    void perTypeTimeoutZeroExemptsSessions() throws Exception {
        try (Conn c = new Conn(b -> b.channelTimeout("session", Duration.ZERO).channelTimeout("*", Duration.ofMillis(200)))) {
            Channel ch = c.client.openSession();
            assertTrue(ch.exec("cat"));
            assertTrue(stillPending(ch.closeFuture(), 1000), "the first matching pattern (session=0) applies");
            ch.getOutputStream().close();
            assertEquals(0, ch.awaitExitStatus(T));
        }
    }

    @Test
    void noLimitsScheduleNothing() throws Exception {
        try (Conn c = new Conn(b -> b)) {
            assertEquals(null, idleTimers(c.server));
        }
    }

    private static byte[] exec(Transport client, String input) throws IOException {
        try (Channel ch = client.openSession()) {
            assertTrue(ch.exec("cat"));
            ch.getOutputStream().write(input.getBytes());
            ch.getOutputStream().close();
            return ch.getInputStream().readAllBytes();
        }
    }
}
