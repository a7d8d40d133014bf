package dev.tether.ssh.forward;

import dev.tether.ssh.common.Channel;
import dev.tether.ssh.connection.ChannelImpl;
import dev.tether.ssh.transport.Threads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Copies bytes both ways between a local socket (TCP or Unix, a blocking {@link SocketChannel})
 * and an SSH channel, for the agent and X11 forwarding of this package; the port forwarding's own
 * relay may replace it. The socket's EOF becomes the channel's EOF and the channel's EOF shuts
 * the socket's output; when both directions are done, or either side closes, both are closed.
 *
 * <p><b>Threads.</b> Two per connection, from {@link Threads} (virtual on JDK 21+): one reads the
 * socket and writes the channel (blocking only on the peer's window), one reads the channel and
 * writes the socket. Neither is the connection's reader thread, so a slow local socket stalls
 * only its own channel. The socket is read and written directly (never through
 * {@code Channels.newInputStream}, whose JDK 17 streams share one lock for both directions).
 */
final class SocketChannelRelay {
    private static final Logger log = LoggerFactory.getLogger(SocketChannelRelay.class);
    private static final int BUFFER = 32 * 1024;

    private final SocketChannel socket;
    private final Channel channel;
    private final AtomicInteger running = new AtomicInteger(2);

    private SocketChannelRelay(SocketChannel socket, Channel channel) {
        this.socket = socket;
        this.channel = channel;
    }

    /**
     * Starts relaying; {@code firstToSocket} (may be empty) is written to the socket before
     * anything read from the channel. Returns at once.
     */
    static void start(String name, SocketChannel socket, Channel channel, byte[] firstToSocket) {
        SocketChannelRelay r = new SocketChannelRelay(socket, channel);
        channel.closeFuture().whenComplete((v, e) -> r.closeBoth());
        Threads.newThread(name + "-in", r::socketToChannel).start();
        Threads.newThread(name + "-out", () -> r.channelToSocket(firstToSocket)).start();
    }

    /**
     * For a connection accepted on a forwarding listener: on a short-lived thread of its own (an
     * open waits for the peer's answer), opens a channel of {@code type} on the session's
     * connection and relays the socket over it; closes the socket if the open fails.
     */
    static void openAndRelay(ChannelImpl session, String type, byte[] typeSpecific, SocketChannel s) {
        Threads.newThread("tether-" + type + "-open-" + session.localId(), () -> {
            try {
                Channel ch = session.connection().openChannel(type, typeSpecific);
                start("tether-" + type + "-" + ch.localId(), s, ch, new byte[0]);
            } catch (IOException e) {
                log.debug("{} {} channel for {}: {}", session.transport(), type, session, e.getMessage());
                closeQuietly(s);
            }
        }).start();
    }

    static void closeQuietly(SocketChannel s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing
        }
    }

    private void socketToChannel() {
        ByteBuffer buf = ByteBuffer.allocate(BUFFER);
        try {
            OutputStream out = channel.getOutputStream();
            while (true) {
                buf.clear();
                int n = socket.read(buf);
                if (n < 0) {
                    break;
                }
                out.write(buf.array(), 0, n);
            }
            channel.sendEof();
        } catch (IOException e) {
            log.debug("{}: socket to channel: {}", channel, e.toString());
            closeBoth();
        } finally {
            done();
        }
    }

    private void channelToSocket(byte[] first) {
        byte[] buf = new byte[BUFFER];
        try {
            if (first.length > 0) {
                writeFully(ByteBuffer.wrap(first));
            }
            InputStream in = channel.getInputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                writeFully(ByteBuffer.wrap(buf, 0, n));
            }
            socket.shutdownOutput();
        } catch (IOException e) {
            log.debug("{}: channel to socket: {}", channel, e.toString());
            closeBoth();
        } finally {
            done();
        }
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            socket.write(b);
        }
    }

    private void done() {
        if (running.decrementAndGet() == 0) {
            closeBoth();
        }
    }

    private void closeBoth() {
        closeQuietly(socket);
        if (!channel.isClosed()) {
            channel.close(); // on a relay thread: the callback above runs only once the channel is closed
        }
    }
}
