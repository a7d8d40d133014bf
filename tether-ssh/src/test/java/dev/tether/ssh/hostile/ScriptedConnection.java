package dev.tether.ssh.hostile;

import dev.tether.ssh.Engines;
import dev.tether.ssh.Transport;
import dev.tether.ssh.common.DisconnectException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.transport.MessageHandler;
import dev.tether.ssh.wire.ChannelMessages;
import dev.tether.ssh.wire.GlobalRequests;
import dev.tether.ssh.wire.MessageNumbers;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One side of an authenticated connection, client or server, whose connection layer is replaced
 * by a test script: whatever arrives is queued for the test, and what the test sends goes out as
 * it is, through the real transport (keys, sequence numbers, rekeying). The peer on the other
 * side is the real thing under test.
 *
 * <p>Threads: the transport's reader queues messages; the test thread takes them and sends.
 */
final class ScriptedConnection implements MessageHandler, AutoCloseable {
    static final Duration STEP = Duration.ofSeconds(20);

    record Message(int number, byte[] payload) {
        SshReader reader() {
            return new SshReader(payload);
        }
    }

    /** A channel the script opened or confirmed: the peer's id for it, and the peer's window and maximum packet. */
    record Opened(int peerId, long window, int maxPacket) {
    }

    final Transport connection;
    private final LinkedBlockingQueue<Message> received = new LinkedBlockingQueue<>();

    /** Takes over {@code t}'s messages from now on; {@code t} must be past authentication. */
    ScriptedConnection(Transport t) {
        this.connection = t;
        Engines.of(t).setMessageHandler(this);
    }

    @Override
    public boolean handle(int messageNumber, SshReader payload) {
        byte[] rest = new byte[payload.remaining()];
        System.arraycopy(payload.array(), payload.position(), rest, 0, rest.length);
        received.add(new Message(messageNumber, rest));
        return true;
    }

    @Override
    public void closed(Throwable cause) {
        received.add(new Message(MessageNumbers.DISCONNECT, new byte[0]));
    }

    void send(byte[] payload) throws IOException {
        Engines.of(connection).send(payload, STEP);
    }

    /** Sends unless the peer has already ended the connection (a flood may outrun its DISCONNECT). */
    void sendQuietly(byte[] payload) {
        try {
            send(payload);
        } catch (IOException e) {
            // the connection is over; the test looks at why
        }
    }

    /** The next message from the peer; DISCONNECT when the connection ended. */
    Message next() throws InterruptedException {
        Message m = received.poll(STEP.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(m, "no message from the peer within " + STEP);
        return m;
    }

    /** The next message numbered {@code number}, skipping others (DISCONNECT fails unless asked for). */
    Message expect(int number) throws InterruptedException {
        while (true) {
            Message m = next();
            if (m.number == number) {
                return m;
            }
            assertFalse(m.number == MessageNumbers.DISCONNECT, "the connection ended waiting for "
                    + MessageNumbers.name(number) + ": " + connection.closeCause());
        }
    }

    /** Opens a session channel as {@code sender} with a 2 MiB window; fails unless the peer confirms. */
    Opened openSession(int sender) throws Exception {
        send(new ChannelMessages.Open("session", sender, 2 * 1024 * 1024, 32768, new byte[0]).encode());
        Message m = next();
        assertEquals(MessageNumbers.CHANNEL_OPEN_CONFIRMATION, m.number, "answer to a session open");
        SshReader r = m.reader();
        r.uint32(); // our id
        return new Opened(r.uint32(), r.uint32() & 0xffffffffL, r.uint32());
    }

    /** Waits for the peer's CHANNEL_OPEN and confirms it as channel {@code ours}, with the given window. */
    Opened confirmNextOpen(int ours, long window, int maxPacket) throws Exception {
        SshReader r = expect(MessageNumbers.CHANNEL_OPEN).reader();
        r.utf8(); // type
        int peerId = r.uint32();
        long peerWindow = r.uint32() & 0xffffffffL;
        int peerMax = r.uint32();
        send(new ChannelMessages.OpenConfirmation(peerId, ours, window, maxPacket).encode());
        return new Opened(peerId, peerWindow, peerMax);
    }

    /**
     * The connection ended with the peer's DISCONNECT {@code code} (any code when negative), whose
     * description contains {@code words}.
     */
    void expectDisconnect(int code, String words) throws Exception {
        HostileSupport.awaitClosed(connection, STEP);
        Throwable cause = connection.closeCause();
        DisconnectException d = assertInstanceOf(DisconnectException.class, cause,
                "the peer ended the connection without a DISCONNECT: " + cause);
        if (code >= 0) {
            assertEquals(code, d.code(), "reason code; description: " + d.getMessage());
        }
        assertTrue(d.getMessage().contains(words), "the DISCONNECT \"" + d.getMessage() + "\" does not say \"" + words + "\"");
    }

    /**
     * The connection works: a global request gets its answer after everything sent before it,
     * and nothing from the authentication protocol came back in between.
     */
    void stillAnswers() throws Exception {
        assertTrue(connection.isActive(), "the connection ended: " + connection.closeCause());
        send(new GlobalRequests.GlobalRequest("still-there@example.com", true, new byte[0]).encode());
        while (true) {
            Message m = next();
            assertFalse(m.number == MessageNumbers.DISCONNECT, "the connection ended: " + connection.closeCause());
            assertFalse(m.number >= MessageNumbers.USERAUTH_REQUEST && m.number < MessageNumbers.GLOBAL_REQUEST
                    && m.number != MessageNumbers.USERAUTH_BANNER, "an authentication answer after authentication: "
                    + MessageNumbers.name(m.number));
            if (m.number == MessageNumbers.REQUEST_FAILURE) {
                return;
            }
        }
    }

    @Override
    public void close() {
        connection.close();
    }
}
