package dev.tether.ssh.connection;

import dev.tether.ssh.Engines;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.policy.ChannelOpenResult;
import dev.tether.ssh.testutil.NoneAuthPolicy;
import dev.tether.ssh.testutil.Pair;
import dev.tether.ssh.transport.MessageHandler;
import dev.tether.ssh.wire.MessageNumbers;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A channel open that timed out on our client, answered late by the peer: the connection
 * survives. The peer is our server transport (real key exchange and authentication over the
 * in-memory {@link dev.tether.ssh.testutil.Duplex} pipe) whose connection layer is replaced,
 * once the client is authenticated, by a scripted {@link MessageHandler}: it records what the
 * client sends and the test answers by hand, late; then a real {@link ConnectionService} takes
 * over again to show that the connection still works.
 */
class LateChannelOpenAnswerTest {
    /** Generous bound on every wait. */
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** The client's open timeout (its sendTimeout bounds the wait for the open's answer). */
    private static final Duration OPEN_TIMEOUT = Duration.ofMillis(300);
    private static final int SCRIPTED_ID = 77;

    /** Lets anyone in with none, accepts every channel, and answers the global request ping@test. */
    private static final class Policy extends NoneAuthPolicy {
        @Override
        public ChannelOpenResult checkChannelRequest(String kind, int chanid) {
            return ChannelOpenResult.SUCCEEDED;
        }

        @Override
        public boolean checkGlobalRequest(String kind) {
            return kind.equals("ping@test");
        }
    }

    /** Records every connection-layer message the client sends; never blocks. */
    private static final class Script implements MessageHandler {
        final LinkedBlockingQueue<byte[]> received = new LinkedBlockingQueue<>();

        @Override
        public boolean handle(int messageNumber, SshReader payload) {
            byte[] m = new byte[payload.remaining() + 1];
            m[0] = (byte) messageNumber;
            System.arraycopy(payload.array(), payload.position(), m, 1, payload.remaining());
            received.add(m);
            return true;
        }

        /** The client, whose end fails an expectation at once rather than at the bound. */
        dev.tether.ssh.Transport client;

        SshReader expect(int messageNumber) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            byte[] m = null;
            while (m == null && System.nanoTime() < deadline && (client == null || client.isActive() || !received.isEmpty())) {
                m = received.poll(100, TimeUnit.MILLISECONDS);
            }
            assertNotNull(m, "nothing from the client, expected " + MessageNumbers.name(messageNumber)
                    + (client != null && !client.isActive() ? "; the client closed: " + client.closeCause() : " within " + WAIT));
            assertEquals(MessageNumbers.name(messageNumber), MessageNumbers.name(m[0] & 0xff));
            return new SshReader(m, 1, m.length - 1);
        }
    }

    private final Policy policy = new Policy();

    private Pair authenticatedPair() throws Exception {
        Pair p = Pair.inMemory(TransportConfig.builder().sendTimeout(OPEN_TIMEOUT).build(),
                Pair.serverConfig().serverInterface(t -> policy).build());
        assertEquals(List.of(), p.client.authNone("u"));
        return p;
    }

    /** The client's open, which the script does not answer in time; returns the client's channel id. */
    private static int openThatTimesOut(Pair p, Script script) throws Exception {
        SshException e = assertThrows(SshException.class, p.client::openSession);
        assertTrue(e.getMessage().contains("no answer"), e.getMessage());
        // the open's timeout has fired (openSession returned): now read the open it sent
        SshReader open = script.expect(MessageNumbers.CHANNEL_OPEN);
        assertEquals("session", open.ascii());
        return open.uint32();
    }

    /** The connection still works: a global request, a new channel with data both ways. */
    private static void connectionStillWorks(Pair p) throws Exception {
        Engines.of(p.server).setMessageHandler(Engines.serverConnection(p.server, new Policy()));
        assertNotNull(p.client.globalRequest("ping@test", new byte[0], WAIT));
        assertNull(p.client.globalRequest("other@test", new byte[0], WAIT));
        Channel c = p.client.openSession();
        Channel s = p.server.accept(WAIT);
        assertNotNull(s);
        s.getOutputStream().write("after\n".getBytes(StandardCharsets.UTF_8));
        s.close();
        assertArrayEquals("after\n".getBytes(StandardCharsets.UTF_8), c.getInputStream().readAllBytes());
        c.close();
        assertTrue(p.client.isActive(), String.valueOf(p.client.closeCause()));
        assertTrue(p.server.isActive(), String.valueOf(p.server.closeCause()));
    }

    private static void send(Pair p, SshWriter w) throws IOException {
        Engines.of(p.server).send(w.toByteArray());
    }

    @Test
    void aLateConfirmationIsAnsweredWithCloseAndTheConnectionSurvives() throws Exception {
        try (Pair p = authenticatedPair()) {
            Script script = new Script();
            script.client = p.client;
            Engines.of(p.server).setMessageHandler(script);
            int clientId = openThatTimesOut(p, script);
            assertEquals(0, p.client.openChannelCount(), "an abandoned open is not an open channel");

            send(p, new SshWriter(32).byteValue(MessageNumbers.CHANNEL_OPEN_CONFIRMATION).uint32(clientId).uint32(SCRIPTED_ID)
                    .uint32(1 << 20).uint32(32 * 1024));
            // our side closes the channel nobody waits for any more
            SshReader close = script.expect(MessageNumbers.CHANNEL_CLOSE);
            assertEquals(SCRIPTED_ID, close.uint32());
            // before the peer's CLOSE: whatever the peer sends on that channel is dropped
            send(p, new SshWriter(32).byteValue(MessageNumbers.CHANNEL_WINDOW_ADJUST).uint32(clientId).uint32(4096));
            send(p, new SshWriter(32).byteValue(MessageNumbers.CHANNEL_DATA).uint32(clientId).string("late data"));
            send(p, new SshWriter(32).byteValue(MessageNumbers.CHANNEL_EXTENDED_DATA).uint32(clientId).uint32(1).string("late err"));
            send(p, new SshWriter(32).byteValue(MessageNumbers.CHANNEL_REQUEST).uint32(clientId).string("exit-status")
                    .bool(false).uint32(3));
            send(p, new SshWriter(32).byteValue(MessageNumbers.CHANNEL_REQUEST).uint32(clientId).string("keepalive@openssh.com")
                    .bool(true));
            send(p, new SshWriter(32).byteValue(MessageNumbers.CHANNEL_EOF).uint32(clientId));
            send(p, new SshWriter(32).byteValue(MessageNumbers.CHANNEL_CLOSE).uint32(clientId));
            // a global request through the script: its reply also shows that everything above was read
            java.util.concurrent.CompletableFuture<byte[]> reply = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return p.client.globalRequest("ping@test", new byte[0], WAIT);
                } catch (IOException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            SshReader g = script.expect(MessageNumbers.GLOBAL_REQUEST);
            assertEquals("ping@test", g.ascii());
            Engines.of(p.server).send(new byte[]{(byte) MessageNumbers.REQUEST_SUCCESS});
            assertNotNull(reply.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
            assertTrue(script.received.isEmpty(), "nothing more on the abandoned channel: " + script.received.size());
            assertTrue(p.client.isActive(), String.valueOf(p.client.closeCause()));
            connectionStillWorks(p);
        }
    }

    @Test
    void aLateOpenFailureJustFreesTheId() throws Exception {
        try (Pair p = authenticatedPair()) {
            Script script = new Script();
            script.client = p.client;
            Engines.of(p.server).setMessageHandler(script);
            int clientId = openThatTimesOut(p, script);
            send(p, new SshWriter(64).byteValue(MessageNumbers.CHANNEL_OPEN_FAILURE).uint32(clientId).uint32(2)
                    .string("too late, and no").string(""));
            connectionStillWorks(p);
            assertTrue(script.received.isEmpty(), "no answer to a late failure: " + script.received.size());
        }
    }

    @Test
    void answersForAChannelNeverOpenedStillEndTheConnection() throws Exception {
        try (Pair p = authenticatedPair()) {
            Engines.of(p.server).send(new SshWriter(32).byteValue(MessageNumbers.CHANNEL_OPEN_CONFIRMATION).uint32(5).uint32(SCRIPTED_ID)
                    .uint32(1 << 20).uint32(32 * 1024).toByteArray());
            p.client.closeFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertTrue(String.valueOf(p.client.closeCause()).contains("not opening"), String.valueOf(p.client.closeCause()));
        }
    }
}
