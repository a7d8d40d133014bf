package dev.tether.ssh.forward;

import dev.tether.ssh.common.ConnectionInfo;
import dev.tether.ssh.connection.ChannelImpl;
import dev.tether.ssh.transport.EventLog;
import dev.tether.ssh.transport.Threads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Moves bytes both ways between a forwarding channel and a socket (TCP or Unix domain), with
 * EOF and close carried across (RFC 4254 §5.3): the peer's EOF shuts down the socket's output
 * (a half-close), the socket's end of input sends our EOF, and the channel is closed once both
 * directions have ended, at once on an error, and after the peer's CLOSE once what it sent is
 * written; the socket is closed with it. Flow control follows the socket: the channel reopens the peer's window only for bytes
 * written to the socket ({@link ChannelImpl#windowFollowsWrites}), so a slow socket holds back
 * its own peer and nothing else.
 *
 * <p><b>Threads.</b> Two per relay, from {@link Threads} (virtual on JDK 21+): the thread that
 * calls {@link #run} (which made the connection or accepted it) carries socket to channel and
 * blocks on the socket and on the peer's window; a thread it starts carries channel to socket
 * and blocks on the channel's buffer and on the socket. The connection's reader thread only
 * appends to the channel's buffer, so it never waits for a socket. Neither thread outlives the
 * channel: the channel's end (close or connection lost) shuts down the socket's input, which
 * ends a blocked read, and ends the other direction once the data the peer sent before it is
 * written (bounded by {@link #DRAIN_GRACE}, on the shared timer). The last of them closes both,
 * once. The counters and flags are atomics or volatile; the rest is confined to its thread.
 *
 * <p><b>Bounds.</b> A peer that keeps its window shut longer than the connection's
 * {@code sendTimeout} (5 minutes by default) ends the relay, as does a socket that will not take
 * the peer's last data within {@link #DRAIN_GRACE} of its CLOSE.
 */
final class Relay {
    private static final Logger log = LoggerFactory.getLogger(Relay.class);
    private static final int BUFFER = 32 * 1024;
    /** How long data the peer sent before its CLOSE may take to reach a socket that does not read it. */
    static final Duration DRAIN_GRACE = Duration.ofSeconds(30);

    private final ChannelImpl channel;
    private final SocketChannel socket;
    private final ConnectionInfo connection;
    private final String kind;
    private final String target;
    private final AtomicInteger directionsDone = new AtomicInteger();
    private final AtomicBoolean ended = new AtomicBoolean();
    /** The channel has closed (the peer's CLOSE, or the connection's end): the socket is drained, then closed. */
    private volatile boolean channelClosed;
    private volatile ScheduledFuture<?> drainDeadline;
    private final AtomicLong toSocket = new AtomicLong();
    private final AtomicLong toChannel = new AtomicLong();

    private Relay(ChannelImpl channel, SocketChannel socket, ConnectionInfo connection, String kind, String target) {
        this.channel = channel;
        this.socket = socket;
        this.connection = connection;
        this.kind = kind;
        this.target = target;
    }

    /**
     * Relays until both directions end, on the calling thread (socket to channel) and one more
     * (channel to socket). Logs the forwarded connection's start and end in the event log.
     *
     * @param kind   the channel type, for the event log
     * @param target what the socket is connected to or accepted on, for the event log
     */
    static void run(ChannelImpl channel, SocketChannel socket, ConnectionInfo connection, String kind, String target) {
        new Relay(channel, socket, connection, kind, target).run();
    }

    private void run() {
        channel.windowFollowsWrites();
        channel.closeFuture().whenComplete((v, e) -> channelClosed());
        EventLog.forwardOpen(connection, channel.localId(), kind, target);
        Threads.newThread("tether-forward-out-" + channel.localId(), this::channelToSocket).start();
        socketToChannel();
    }

    private void socketToChannel() {
        OutputStream out = channel.getOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(BUFFER);
        try {
            while (true) {
                buf.clear();
                int n = socket.read(buf);
                if (n < 0) {
                    break;
                }
                out.write(buf.array(), 0, n);
                toChannel.addAndGet(n);
            }
            channel.sendEof();
            done();
        } catch (IOException e) {
            if (channelClosed) {
                done(); // nothing more may go to the channel; the other direction still drains
            } else {
                fail("socket to channel", e);
            }
        }
    }

    private void channelToSocket() {
        InputStream in = channel.getInputStream();
        byte[] buf = new byte[BUFFER];
        try {
            while (true) {
                int n = in.read(buf, 0, buf.length);
                if (n < 0) {
                    break;
                }
                ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                while (b.hasRemaining()) {
                    socket.write(b);
                }
                toSocket.addAndGet(n);
                channel.delivered(n);
            }
            if (!ended.get()) {
                socket.shutdownOutput();
            }
            done();
        } catch (IOException e) {
            fail("channel to socket", e);
        }
    }

    /**
     * The channel closed (the peer's CLOSE; or the connection ended, and then the buffer fails once
     * drained). What the peer sent before it still goes to the socket: the socket's input is shut
     * down (ending the other direction), and the socket is closed when the data is out, or after
     * {@link #DRAIN_GRACE} if the socket does not take it. Runs on the reader thread; never blocks.
     */
    private void channelClosed() {
        channelClosed = true;
        if (ended.get()) {
            return;
        }
        try {
            socket.shutdownInput();
        } catch (IOException e) {
            // closed already
        }
        drainDeadline = Threads.timer().schedule(this::end, DRAIN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        if (ended.get()) {
            drainDeadline.cancel(false);
        }
    }

    /** One direction reached its end of data; the second one closes the channel. */
    private void done() {
        if (directionsDone.incrementAndGet() == 2) {
            end();
        }
    }

    private void fail(String direction, IOException e) {
        if (!ended.get()) {
            log.debug("{} {} channel {}: {} ended: {}", connection, kind, channel.localId(), direction, e.toString());
        }
        end();
    }

    /** Closes the socket and the channel, once; logs the end. */
    private void end() {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        ScheduledFuture<?> deadline = drainDeadline;
        if (deadline != null) {
            deadline.cancel(false);
        }
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
        // on a relay thread this waits (bounded) for the peer's CLOSE; from closeFuture (the reader
        // thread) the channel is closed already and it returns at once
        channel.close();
        EventLog.forwardEnd(connection, channel.localId(), kind, target, toSocket.get(), toChannel.get());
    }
}
