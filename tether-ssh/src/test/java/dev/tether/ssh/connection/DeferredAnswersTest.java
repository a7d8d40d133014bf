package dev.tether.ssh.connection;

import dev.tether.ssh.Engines;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.policy.ChannelOpenResult;
import dev.tether.ssh.testutil.NoneAuthPolicy;
import dev.tether.ssh.testutil.Pair;
import dev.tether.testkit.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What forwarding needs of the multiplexer, over the in-memory pipe: a global request answered
 * later (a policy's stage, a listener bound on another thread) still gets its reply in request
 * order; a channel open answered later (after a connect) is confirmed or refused from another
 * thread, and a confirmed one belongs to whoever deferred it, not to {@code accept}; close hooks
 * run when the connection ends.
 */
class DeferredAnswersTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final CompletableFuture<byte[]> slow = new CompletableFuture<>();
    private final LinkedBlockingQueue<ConnectionService.PendingOpen> pending = new LinkedBlockingQueue<>();
    private final AtomicInteger hooks = new AtomicInteger();
    private Pair p;

    @BeforeEach
    void connect() throws Exception {
        p = Pair.inMemory(TransportConfig.builder().build(), Pair.serverConfig().serverInterface(t -> new NoneAuthPolicy()).build());
        assertEquals(java.util.List.of(), p.client.authNone("u"));
        ConnectionHandlers.Builder h = ConnectionHandlers.builder()
                .globalRequestAsync("slow@test", (cs, name, r) -> slow)
                .globalRequest("fast@test", (name, r) -> new byte[]{2})
                .channelType("later@test", open -> {
                    pending.add(open.defer());
                    return null;
                })
                .onClose(cs -> hooks.incrementAndGet());
        Engines.of(p.server).setMessageHandler(new ConnectionService(Engines.of(p.server), h.build()));
    }

    @AfterEach
    void close() throws Exception {
        p.close();
    }

    @Test
    void aLaterAnswerKeepsTheRepliesInRequestOrder() throws Exception {
        CompletableFuture<byte[]> first = CompletableFuture.supplyAsync(() -> request("slow@test"));
        // the slow request is out before the fast one: wait until the server owes its reply
        ConnectionService server = (ConnectionService) Engines.of(p.server).messageHandler();
        assertTrue(Poll.until(() -> server.repliesOwedCount() == 1, WAIT));
        CompletableFuture<byte[]> second = CompletableFuture.supplyAsync(() -> request("fast@test"));
        // the fast answer is ready, but it may not overtake the slow one
        assertThrows(java.util.concurrent.TimeoutException.class, () -> second.get(300, TimeUnit.MILLISECONDS));
        slow.complete(new byte[]{1});
        assertArrayEquals(new byte[]{1}, first.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        assertArrayEquals(new byte[]{2}, second.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Test
    void aDeferredOpenIsConfirmedFromAnotherThreadAndNotAccepted() throws Exception {
        CompletableFuture<Channel> opened = openLater();
        ConnectionService.PendingOpen open = pending.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(open);
        assertFalse(opened.isDone(), "answered before the handler's decision");
        ChannelImpl server = open.confirm();
        Channel client = opened.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        server.getOutputStream().write("after a connect".getBytes(StandardCharsets.UTF_8));
        server.sendEof();
        assertArrayEquals("after a connect".getBytes(StandardCharsets.UTF_8), client.getInputStream().readAllBytes());
        assertNull(p.server.accept(Duration.ofMillis(200)), "a deferred channel belongs to who deferred it");
        assertThrows(SshException.class, open::confirm, "one answer per open");
        client.close();
    }

    @Test
    void aDeferredOpenRefusedCarriesItsReasonAndText() throws Exception {
        CompletableFuture<Channel> opened = openLater();
        ConnectionService.PendingOpen open = pending.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(open);
        open.refuse(ChannelOpenResult.CONNECT_FAILED, "connect to db:5432 failed: Connection refused");
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> opened.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        assertTrue(e.getCause().getMessage().contains("(2): connect to db:5432 failed: Connection refused"), e.getCause().getMessage());
        assertEquals(0, p.server.openChannelCount());
    }

    @Test
    void closeHooksRunWhenTheConnectionEnds() throws Exception {
        assertEquals(0, hooks.get());
        p.client.close();
        assertTrue(Poll.until(() -> hooks.get() == 1, WAIT));
    }

    /** Opens a {@code later@test} channel on another thread, which waits for the answer. */
    private CompletableFuture<Channel> openLater() {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return p.client.openChannel("later@test", new byte[0]);
            } catch (java.io.IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
    }

    private byte[] request(String name) {
        try {
            return p.client.globalRequest(name, new byte[0], WAIT);
        } catch (java.io.IOException e) {
            throw new java.util.concurrent.CompletionException(e);
        }
    }
}
