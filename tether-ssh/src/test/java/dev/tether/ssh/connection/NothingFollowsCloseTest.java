package dev.tether.ssh.connection;

import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.transport.PacketConnection;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RFC 4254 §5.3: nothing follows a channel's CLOSE. A relay's two threads race to end a channel:
 * one sends EOF (or data, or a request) while the other closes it. The peer frees the channel
 * once both CLOSEs have crossed and, as OpenSSH does ("ieof packet referred to nonexistent
 * channel"), ends the connection on any later message for it. Here the sender is held inside the
 * transport (waiting for room in its queue, as under load) while the channel closes; once let go
 * it must not queue anything, and the channel's messages end with its CLOSE.
 */
class NothingFollowsCloseTest {
    private static final long WAIT_S = 30;
    private static final int EOF = 96;
    private static final int CLOSE = 97;
    private static final Object SETTINGS = settings();

    /** The engine's copy of the default settings (package-private in the API layer). */
    private static Object settings() {
        try {
            java.lang.reflect.Method m = TransportConfig.class.getDeclaredMethod("settings");
            m.setAccessible(true);
            return m.invoke(TransportConfig.builder().build());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** The transport below one channel: records what is queued, and holds the thread named "sender" on its way in. */
    private static final class HeldTransport {
        final List<Integer> queued = new ArrayList<>();
        final CountDownLatch senderHeld = new CountDownLatch(1);
        final CountDownLatch letGo = new CountDownLatch(1);
        final PacketConnection proxy = (PacketConnection) Proxy.newProxyInstance(PacketConnection.class.getClassLoader(),
                new Class<?>[]{PacketConnection.class}, (p, m, args) -> {
                    switch (m.getName()) {
                        case "send", "sendNoWait", "awaitRoom" -> {
                            if (!m.getName().equals("sendNoWait") && Thread.currentThread().getName().equals("sender")
                                    && letGo.getCount() > 0) {
                                senderHeld.countDown();
                                assertTrue(letGo.await(WAIT_S, TimeUnit.SECONDS));
                            }
                            if (!m.getName().equals("awaitRoom")) {
                                synchronized (queued) {
                                    queued.add(((byte[]) args[0])[0] & 0xff);
                                }
                            }
                            return null;
                        }
                        case "isActive", "isClientMode" -> {
                            return true;
                        }
                        case "settings" -> {
                            return SETTINGS;
                        }
                        case "toString" -> {
                            return "held transport";
                        }
                        default -> {
                            return null;
                        }
                    }
                });

        List<Integer> queued() {
            synchronized (queued) {
                return List.copyOf(queued);
            }
        }
    }

    @FunctionalInterface
    interface Send {
        void on(ChannelImpl ch) throws IOException;
    }

    /** An open channel (remote id 7, a 1 MiB window) over {@code t}. */
    private static ChannelImpl open(HeldTransport t) {
        ChannelImpl ch = new ChannelImpl(new ConnectionService(t.proxy, ConnectionHandlers.builder().build()), t.proxy,
                "race@test", 0, Duration.ofSeconds(WAIT_S));
        ch.opened(7, 1 << 20, 32768);
        return ch;
    }

    /** Runs {@code send} on a thread named "sender", which the transport holds; a refusal (IOException) is allowed. */
    private static Thread startSender(ChannelImpl ch, Send send) {
        Thread sender = new Thread(() -> {
            try {
                send.on(ch);
            } catch (IOException refusedAsTheChannelEndedFirst) {
                // allowed
            }
        }, "sender");
        sender.start();
        return sender;
    }

    private static void raceWithClose(Send send, String what) throws Exception {
        HeldTransport t = new HeldTransport();
        ChannelImpl ch = open(t);
        Thread sender = startSender(ch, send);
        assertTrue(t.senderHeld.await(WAIT_S, TimeUnit.SECONDS), what + " reached the transport");
        Thread closer = new Thread(ch::close, "closer");
        closer.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (!t.queued().contains(CLOSE) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(t.queued().contains(CLOSE), "close() queued CLOSE while the " + what + " was held");
        ch.onClose(); // the peer's CLOSE: the channel is freed on both sides now
        closer.join(TimeUnit.SECONDS.toMillis(WAIT_S));
        assertFalse(closer.isAlive());
        t.letGo.countDown();
        sender.join(TimeUnit.SECONDS.toMillis(WAIT_S));
        assertFalse(sender.isAlive());
        List<Integer> q = t.queued();
        assertEquals(CLOSE, q.get(q.size() - 1), what + " queued after CLOSE: " + q);
        assertEquals(1, q.stream().filter(n -> n == CLOSE).count(), "one CLOSE: " + q);
    }

    @Test
    void anEofRacingCloseIsNotSentAfterIt() throws Exception {
        raceWithClose(ChannelImpl::sendEof, "EOF");
    }

    @Test
    void dataRacingCloseIsNotSentAfterIt() throws Exception {
        raceWithClose(ch -> ch.getOutputStream().write(new byte[]{1, 2, 3}), "data");
    }

    @Test
    void aRequestRacingCloseIsNotSentAfterIt() throws Exception {
        raceWithClose(ch -> ch.sendRequest("keepalive@openssh.com", false, new byte[0]), "request");
    }

    /**
     * RFC 4254 §5.3: no data follows our EOF. A writer held inside the transport (after its
     * check of the channel's state, as while waiting for room) while another thread sends EOF
     * must not queue its data behind that EOF.
     */
    @Test
    void dataRacingEofIsNotSentAfterIt() throws Exception {
        HeldTransport t = new HeldTransport();
        ChannelImpl ch = open(t);
        Thread sender = startSender(ch, c -> c.getOutputStream().write(new byte[]{1, 2, 3}));
        assertTrue(t.senderHeld.await(WAIT_S, TimeUnit.SECONDS), "data reached the transport");
        ch.sendEof();
        assertEquals(List.of(EOF), t.queued());
        t.letGo.countDown();
        sender.join(TimeUnit.SECONDS.toMillis(WAIT_S));
        assertFalse(sender.isAlive());
        assertEquals(List.of(EOF), t.queued(), "data queued after EOF");
    }

    @Test
    void withoutARaceTheEofGoesBeforeTheClose() throws Exception {
        HeldTransport t = new HeldTransport();
        t.letGo.countDown();
        ChannelImpl ch = open(t);
        ch.sendEof();
        ch.onClose();
        assertEquals(List.of(EOF, CLOSE), t.queued());
    }
}
