package dev.tether.ssh.forward;

import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.ConnectionInfo;
import dev.tether.ssh.connection.ChannelImpl;
import dev.tether.ssh.transport.EventLog;
import dev.tether.ssh.transport.Threads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes both ways between a local endpoint (a TCP or Unix-domain socket, or a pair of streams
 * such as stdin and stdout) and a channel: what every forwarding (local, remote, dynamic, stdio,
 * agent, X11; either role) does once its channel is open. The one relay of the library.
 *
 * <ul>
 *   <li><b>EOF.</b> The local side's EOF becomes CHANNEL_EOF; the channel's EOF shuts the local
 *       side's output (a socket's half-close). A channel the peer closes shuts the local input, so
 *       a read blocked on it wakes up; data the peer sent before its CLOSE is still written out,
 *       within {@link #DRAIN_GRACE} (a local side that does not read it is then closed).</li>
 *   <li><b>Flow control.</b> The channel's window reopens only as its data is read, and this
 *       relay reads the next chunk only once the previous one is written to the local side: a slow
 *       socket holds the window shut instead of growing a buffer, and the connection's reader
 *       thread, which only appends to the channel's bounded buffer, never waits for it.</li>
 *   <li><b>End.</b> When both directions are done, or either fails, the local endpoint and the
 *       channel are closed (nothing leaks: no thread, no descriptor, no channel), the
 *       {@link Ended} callback hears the bytes moved each way (the server's event log), and
 *       {@link #done()} completes.</li>
 *   <li><b>Bounds.</b> A peer that keeps its window shut longer than the connection's
 *       {@code sendTimeout} ends the relay (the channel's write fails), as does a local side that
 *       will not take the peer's last data within {@link #DRAIN_GRACE} of its CLOSE.</li>
 * </ul>
 *
 * <p><b>Threading.</b> Two threads per relay from {@link Threads}, one per
 * direction, each blocking on its own source; they end with the relay. The state shared between
 * them is atomics; {@link #close()} may be called from any thread. The drain deadline runs on
 * the shared timer.
 */
public final class StreamRelay implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(StreamRelay.class);
    /** One channel packet's worth (our maximum packet size). */
    static final int CHUNK = 32 * 1024;
    /** How long data the peer sent before its CLOSE may take to reach a local side that does not read it. */
    static final Duration DRAIN_GRACE = Duration.ofSeconds(30);
    private static final byte[] NOTHING = new byte[0];

    /** Told once, when a relay has ended and closed both sides, the bytes it moved each way. */
    @FunctionalInterface
    public interface Ended {
        void ended(long toLocal, long toChannel);
    }

    /**
     * The local side of a relay. {@code read} and {@code write} are called from different threads
     * at once; {@code shutdownInput} and {@code close} may be called from any thread and must wake
     * a blocked {@code read} where the endpoint can.
     */
    public interface Endpoint extends Closeable {
        /** Reads up to {@code len} bytes, blocking for at least one; -1 at end of input. */
        int read(byte[] b, int off, int len) throws IOException;

        /** Writes all {@code len} bytes. */
        void write(byte[] b, int off, int len) throws IOException;

        /** No more writes: a socket's half-close. */
        void shutdownOutput() throws IOException;

        /** No more reads; wakes a blocked read if the endpoint can. */
        void shutdownInput() throws IOException;

        @Override
        void close();
    }

    /**
     * A connected socket channel in blocking mode (TCP or Unix domain). Reads and writes go to the
     * channel itself, which has separate read and write locks, not through
     * {@code Channels.newInputStream}, whose streams share one lock.
     */
    public static Endpoint socket(SocketChannel sc) {
        return new Endpoint() {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return sc.read(ByteBuffer.wrap(b, off, len));
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ByteBuffer bb = ByteBuffer.wrap(b, off, len);
                while (bb.hasRemaining()) {
                    sc.write(bb);
                }
            }

            @Override
            public void shutdownOutput() throws IOException {
                sc.shutdownOutput();
            }

            @Override
            public void shutdownInput() throws IOException {
                sc.shutdownInput();
            }

            @Override
            public void close() {
                closeQuietly(sc);
            }

            @Override
            public String toString() {
                return String.valueOf(sc);
            }
        };
    }

    /**
     * A pair of streams (stdin and stdout, a process's pipes, a channel's streams): half-close
     * closes {@code out}; {@code close} closes both and then {@code onClose} (may be null). A read
     * blocked on {@code in} wakes only if closing {@code in} wakes it.
     */
    public static Endpoint streams(InputStream in, OutputStream out, Closeable onClose) {
        return new Endpoint() {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return in.read(b, off, len);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
                out.flush();
            }

            @Override
            public void shutdownOutput() throws IOException {
                out.close();
            }

            @Override
            public void shutdownInput() {
                closeQuietly(in);
            }

            @Override
            public void close() {
                closeQuietly(out);
                closeQuietly(in);
                if (onClose != null) {
                    closeQuietly(onClose);
                }
            }
        };
    }

    /** A channel seen as an endpoint, for protocols spoken on it before a relay (SOCKS on a remote dynamic forward). */
    public static Endpoint channel(Channel ch) {
        return streams(ch.getInputStream(), ch.getOutputStream(), ch::close);
    }

    private final String name;
    private final Endpoint local;
    private final Channel channel;
    private final InputStream fromChannel;
    private final OutputStream toChannel;
    private final byte[] firstToLocal;
    private final Ended ended;
    private final AtomicInteger running = new AtomicInteger(2);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong movedToLocal = new AtomicLong();
    private final AtomicLong movedToChannel = new AtomicLong();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile ScheduledFuture<?> drainDeadline;

    private StreamRelay(String name, Endpoint local, Channel channel, byte[] firstToLocal, Ended ended) {
        this.name = name;
        this.local = local;
        this.channel = channel;
        this.fromChannel = channel.getInputStream();
        this.toChannel = channel.getOutputStream();
        this.firstToLocal = firstToLocal;
        this.ended = ended;
    }

    /**
     * Starts relaying between {@code local} and the open {@code channel}; from now on the relay
     * owns both and closes both when it ends.
     *
     * @param name names the threads, e.g. {@code tether-fwd-L8080}
     */
    public static StreamRelay start(String name, Endpoint local, Channel channel) {
        return start(name, local, channel, NOTHING, null);
    }

    /**
     * As {@link #start(String, Endpoint, Channel)}, writing {@code firstToLocal} (may be empty) to
     * the local side before anything from the channel (X11's connection setup with the real
     * cookie), and telling {@code ended} (may be null) the bytes moved once the relay has ended.
     */
    public static StreamRelay start(String name, Endpoint local, Channel channel, byte[] firstToLocal, Ended ended) {
        StreamRelay r = new StreamRelay(name, local, channel, firstToLocal, ended);
        channel.closeFuture().whenComplete((v, e) -> r.channelClosed());
        Threads.newThread(name + "-out", r::localToChannel).start();
        Threads.newThread(name + "-in", r::channelToLocal).start();
        return r;
    }

    /**
     * A forwarded connection of the server: relays {@code socket} over {@code channel} as an
     * event-log line at its start and one, with the bytes each way, at its end.
     *
     * @param kind   the channel type
     * @param target what the socket is connected to or accepted on
     */
    static void startLogged(ChannelImpl channel, SocketChannel socket, ConnectionInfo info, String kind, String target) {
        int id = channel.localId();
        EventLog.forwardOpen(info, id, kind, target);
        start("tether-forward-" + id, socket(socket), channel, NOTHING,
                (toLocal, toChannel) -> EventLog.forwardEnd(info, id, kind, target, toLocal, toChannel));
    }

    /**
     * For a connection accepted on the server's agent or X11 listener: on a short-lived thread of
     * its own (an open waits for the peer's answer), opens a channel of {@code type} on the
     * session's connection and relays the socket over it; closes the socket if the open fails.
     */
    static void openAndStart(ChannelImpl session, String type, byte[] typeSpecific, SocketChannel s) {
        Threads.newThread("tether-" + type + "-open-" + session.localId(), () -> {
            try {
                Channel ch = session.connection().openChannel(type, typeSpecific);
                start("tether-" + type + "-" + ch.localId(), socket(s), ch);
            } catch (IOException | RuntimeException e) {
                log.debug("{} {} channel for {}: {}", session.transport(), type, session, e.getMessage());
                closeQuietly(s);
            }
        }).start();
    }

    /**
     * The peer closed the channel (or the connection ended): wake the local read. Data the peer
     * sent before its CLOSE is still in the channel's buffer and is written out, within
     * {@link #DRAIN_GRACE}. Runs on the reader thread; never blocks.
     */
    private void channelClosed() {
        if (closed.get()) {
            return;
        }
        try {
            local.shutdownInput();
        } catch (IOException | RuntimeException ex) {
            // already closed
        }
        drainDeadline = Threads.timer().schedule(this::close, DRAIN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        if (closed.get()) {
            drainDeadline.cancel(false);
        }
    }

    /** Completes when both directions have ended and both sides are closed. */
    public CompletableFuture<Void> done() {
        return done;
    }

    private void localToChannel() {
        byte[] buf = new byte[CHUNK];
        try {
            int n;
            while ((n = local.read(buf, 0, buf.length)) >= 0) {
                if (n > 0) {
                    toChannel.write(buf, 0, n);
                    movedToChannel.addAndGet(n);
                }
            }
            channel.sendEof();
            finished();
        } catch (IOException | RuntimeException e) {
            if (channel.isClosed()) {
                finished(); // the peer closed the channel: nothing more can go to it
            } else {
                fail(e);
            }
        }
    }

    private void channelToLocal() {
        byte[] buf = new byte[CHUNK];
        try {
            if (firstToLocal.length > 0) {
                local.write(firstToLocal, 0, firstToLocal.length);
            }
            int n;
            while ((n = fromChannel.read(buf, 0, buf.length)) >= 0) {
                local.write(buf, 0, n);
                movedToLocal.addAndGet(n);
            }
            local.shutdownOutput();
            finished();
        } catch (IOException | RuntimeException e) {
            fail(e);
        }
    }

    private void finished() {
        if (running.decrementAndGet() == 0) {
            close();
        }
    }

    private void fail(Throwable e) {
        log.debug("{} {}: {}", name, channel, e.toString());
        close();
    }

    /** Ends the relay at once: closes the local endpoint and the channel; both threads then end. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ScheduledFuture<?> deadline = drainDeadline;
        if (deadline != null) {
            deadline.cancel(false);
        }
        local.close();
        try {
            // on a relay thread this waits (bounded) for the peer's CLOSE; on the timer or the
            // reader thread the channel is closed already and it returns at once
            channel.close();
        } finally {
            if (ended != null) {
                try {
                    ended.ended(movedToLocal.get(), movedToChannel.get());
                } catch (RuntimeException e) {
                    log.warn("{}: the end callback failed", name, e);
                }
            }
            done.complete(null);
        }
    }

    static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException | RuntimeException e) {
            // best effort
        }
    }
}
