package dev.tether.ssh.transport;

import dev.tether.ssh.common.DisconnectException;
import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.policy.PerSourcePenalties;
import dev.tether.ssh.wire.Disconnect;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The start and the end of one {@link TransportEngine}: starting its two threads with the handshake
 * watchdog and (server) the login grace time, and the teardown that runs once whoever ends the
 * connection ({@link #fail}): our DISCONNECT, failing what waits, the bounded final flush, closing
 * the streams, and completing {@link #closed()} when both threads have ended.
 *
 * <h2>Threading</h2>
 * {@link #fail} may run on any thread (reader, writer, timer, application) and never blocks; a
 * compare-and-set makes it run once. The watchdogs run on the shared timer. The count of running
 * threads is guarded by the owning {@link TransportEngine}'s monitor, as it was before this class was
 * split out. Logs go to the logger {@code dev.tether.ssh.Transport} and name the transport.
 */
final class Lifecycle {
    private static final Logger log = LoggerFactory.getLogger("dev.tether.ssh.Transport");
    /** How long the writer may take to flush our final DISCONNECT before the socket is closed under it. */
    private static final long FINAL_FLUSH_MILLIS = 1000;
    /**
     * Our DISCONNECT descriptions are cut to this many characters, so that a failure message that
     * quotes peer input (a name-list, say) never makes a packet a peer cannot read.
     */
    private static final int MAX_DESCRIPTION = 512;

    private final TransportEngine t;
    private final boolean client;
    private final TransportSettings config;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final OutboundQueue queue;
    private final KeyExchanger kex;
    private final Thread readerThread;
    private final Thread writerThread;

    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean streamsClosed = new AtomicBoolean();
    /** Counts {@link #writingDone} (socket half-closed) and {@link #drainAndClose}; see {@link #sideDone}. */
    private final AtomicInteger sidesDone = new AtomicInteger();
    private volatile Throwable closeCause;
    private volatile int threadsRunning = 2;
    private volatile ScheduledFuture<?> handshakeWatchdog;
    private volatile ScheduledFuture<?> loginWatchdog;
    /** Server: whether the login grace time ran out (for PerSourcePenalties). */
    private volatile boolean loginGraceExceeded;

    Lifecycle(TransportEngine t, boolean client, TransportSettings config, Socket socket, InputStream in, OutputStream out,
              OutboundQueue queue, KeyExchanger kex, Thread readerThread, Thread writerThread) {
        this.t = t;
        this.client = client;
        this.config = config;
        this.socket = socket;
        this.in = in;
        this.out = out;
        this.queue = queue;
        this.kex = kex;
        this.readerThread = readerThread;
        this.writerThread = writerThread;
    }

    // ------------------------------------------------------------------ start

    /** Starts both threads, the handshake watchdog and, on a server, the login grace timer. */
    void start() {
        writerThread.start();
        readerThread.start();
        long timeout = config.handshakeTimeout().toMillis();
        if (!client) {
            loginWatchdog = Threads.timer().schedule(() -> {
                if (!t.isAuthenticated()) {
                    loginGraceExceeded = true;
                    fail(new SshException(DisconnectReason.BY_APPLICATION, "login grace time of "
                            + config.loginGraceTime().toSeconds() + " s exceeded"), true);
                }
            }, config.loginGraceTime().toMillis(), TimeUnit.MILLISECONDS);
        }
        handshakeWatchdog = Threads.timer().schedule(() -> {
            if (!kex.firstKex().isDone()) {
                fail(new SshException(DisconnectReason.PROTOCOL_ERROR,
                        "key exchange did not complete within " + config.handshakeTimeout().toSeconds() + " s"), true);
            }
        }, timeout, TimeUnit.MILLISECONDS);
    }

    /** Reader thread: the first key exchange has completed. */
    void firstKeyExchangeDone() {
        ScheduledFuture<?> w = handshakeWatchdog;
        if (w != null) {
            w.cancel(false);
        }
    }

    /** Authentication has succeeded: the login grace time no longer applies. */
    void loginSucceeded() {
        TransportEngine.cancel(loginWatchdog);
    }

    boolean loginGraceExceeded() {
        return loginGraceExceeded;
    }

    // ------------------------------------------------------------------ state

    /** True once the connection has started closing. */
    boolean isClosing() {
        return closing.get();
    }

    CompletableFuture<Void> closed() {
        return closed;
    }

    Throwable closeCause() {
        return closeCause;
    }

    // ------------------------------------------------------------------ teardown

    /**
     * Ends the connection once. Queues our DISCONNECT when asked (and when the failure is ours to
     * report), closes the queue so the writer exits after flushing it, and arms a timer that
     * closes the socket if the writer cannot finish in time. Never blocks.
     */
    void fail(Throwable cause, boolean sendDisconnect) {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        closeCause = cause;
        String description;
        int code;
        if (cause == null) {
            code = DisconnectReason.BY_APPLICATION.code();
            description = "closed by application";
            log.debug("{} closing", t);
        } else if (cause instanceof DisconnectException de) {
            code = de.code();
            description = clip(de.description());
            if (de.fromPeer()) {
                log.debug("{} {}", t, de.getMessage());
            } else {
                log.debug("{} disconnecting: {}", t, description);
            }
        } else if (cause instanceof SshException se) {
            code = se.reason().code();
            description = clip(se.getMessage());
            if (client) {
                log.info("{} disconnecting ({}): {}", t, se.reason(), description);
            } else {
                log.debug("{} disconnecting ({}): {}", t, se.reason(), description); // the event log has it
            }
        } else if (cause instanceof IOException) {
            code = DisconnectReason.CONNECTION_LOST.code();
            description = clip(String.valueOf(cause.getMessage()));
            log.debug("{} connection lost: {}", t, description);
        } else {
            code = DisconnectReason.PROTOCOL_ERROR.code();
            description = "internal error";
            log.warn("{} internal error", t, cause);
        }
        boolean fromPeer = cause instanceof DisconnectException de && de.fromPeer();
        boolean send = sendDisconnect && !fromPeer;
        if (!client) {
            EventLog.disconnect(t, fromPeer ? "by peer" : cause instanceof IOException && !(cause instanceof SshException)
                    ? "connection lost" : "by server", code, description);
        }
        queue.close(description, send ? new Disconnect(code, description).encode() : null);
        t.failPending(cause);
        Threads.timer().schedule(this::closeStreams, FINAL_FLUSH_MILLIS, TimeUnit.MILLISECONDS);
        TransportEngine.cancel(handshakeWatchdog);
        TransportEngine.cancel(loginWatchdog);
        t.stopTimers();
    }

    private static String clip(String s) {
        return s.length() > MAX_DESCRIPTION ? s.substring(0, MAX_DESCRIPTION) + "..." : s;
    }

    /**
     * {@link TransportEngine#close()}: ends the connection and, unless called on one of its own threads,
     * waits a bounded time for both threads to end, closing the streams if they have not.
     */
    void close() {
        fail(null, true);
        if (Thread.currentThread() != readerThread && Thread.currentThread() != writerThread) {
            try {
                closed.get(FINAL_FLUSH_MILLIS * 3, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                closeStreams();
            }
        }
    }

    void closeStreams() {
        if (!streamsClosed.compareAndSet(false, true)) {
            return;
        }
        try {
            if (socket != null) {
                socket.close();
            } else {
                try {
                    out.close();
                } finally {
                    in.close();
                }
            }
        } catch (IOException e) {
            log.trace("{} close: {}", t, e.toString());
        }
    }

    /**
     * Writer thread, after its last packet when it ends normally (the connection is closing): a FIN
     * follows our final packets, and the socket stays open for the reader to drain what the peer
     * still sends. Closing a socket with unread data in it sends a RST, and a RST can destroy our
     * DISCONNECT in the peer's receive buffer before the peer reads it (a client that pipelined
     * password guesses saw "connection reset" instead of the reason). Not a socket: closes.
     */
    void writingDone() {
        if (socket != null && !streamsClosed.get()) {
            try {
                socket.shutdownOutput();
                sideDone();
                return;
            } catch (IOException e) {
                // closed under us; close the rest
            }
        }
        closeStreams();
    }

    /**
     * Reader thread, at its end while the connection closes: reads and drops what the peer still
     * sends until its EOF (or until the final-flush timer or the writer closes the socket, so at
     * most {@link #FINAL_FLUSH_MILLIS} after the end began). The streams are closed once the writer
     * is done too: it may still be writing our last packets (or our identification line).
     */
    void drainAndClose() {
        if (socket != null && closing.get() && !streamsClosed.get()) {
            byte[] scratch = new byte[8192];
            try {
                while (in.read(scratch) >= 0) {
                    // dropped: nothing the peer sends now is read
                }
            } catch (IOException e) {
                // the socket was closed: done
            }
        }
        sideDone();
    }

    /** The reader has drained or the writer has half-closed; the second of them closes the streams. */
    private void sideDone() {
        if (sidesDone.incrementAndGet() == 2) {
            closeStreams();
        }
    }

    /** The reader or the writer thread ends; after the second, the handler hears of it and {@link #closed()} completes. */
    void threadEnded() {
        boolean last;
        synchronized (t) {
            last = --threadsRunning == 0;
        }
        if (last) {
            t.handlerClosed(closeCause);
            closed.complete(null);
        }
    }
}
