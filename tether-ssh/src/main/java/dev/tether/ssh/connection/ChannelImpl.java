package dev.tether.ssh.connection;

import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.PtyRequest;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.transport.PacketConnection;
import dev.tether.ssh.wire.ChannelMessages;

import dev.tether.ssh.wire.TerminalModes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A channel of the connection protocol (RFC 4254 §5): window accounting both ways, data and
 * extended data, EOF and CLOSE, and the replies to its requests.
 *
 * <p><b>Threads.</b> The reader thread calls the {@code on*} methods, which never block. The
 * application reads the inbound buffers and writes the output streams from its own threads;
 * writers block on the peer's window with a timeout. Window adjustments are sent from the thread
 * that consumed the data. State is guarded by {@code this}; the windows and buffers have their
 * own locks.
 */
public final class ChannelImpl implements Channel {
    /** Our window per channel, and the largest packet we accept. */
    static final int LOCAL_WINDOW = 2 * 1024 * 1024;
    static final int LOCAL_MAX_PACKET = 32 * 1024;
    private static final long CLOSE_WAIT_MILLIS = 2000;

    private final ConnectionService service;
    private final PacketConnection transport;
    private final String type;
    private final int localId;
    private volatile int remoteId;
    private volatile RemoteWindow remoteWindow;
    private final InboundBuffer stdout;
    private final InboundBuffer stderr;
    private final Duration timeout;

    private long localWindowLeft = LOCAL_WINDOW;
    private long unadjusted;
    private boolean eofSent;
    private boolean eofReceived;
    private boolean closeSent;
    private boolean closeReceived;
    private Integer exitStatus;
    private Integer sentExitStatus;
    private String exitSignal;
    private final ArrayDeque<CompletableFuture<Boolean>> pendingRequests = new ArrayDeque<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final ArrayDeque<Runnable> afterReply = new ArrayDeque<>();
    /** Server: the reader thread while it handles one of this channel's requests (guarded by this). */
    private Thread replying;
    /** When data last went either way (System.nanoTime), for the server's channel timeout. */
    private volatile long lastActivityNanos = System.nanoTime();
    private volatile long inactivityTimeoutNanos;

    ChannelImpl(ConnectionService service, PacketConnection transport, String type, int localId, Duration timeout) {
        this.service = service;
        this.transport = transport;
        this.type = type;
        this.localId = localId;
        this.timeout = timeout;
        this.stdout = new InboundBuffer(this::consumed, InboundBuffer.nanos(null));
        this.stderr = new InboundBuffer(this::consumed, InboundBuffer.nanos(null));
    }

    /** The peer's side became known: its channel id, window and packet size. */
    void opened(int remoteId, long remoteWindowSize, int remoteMaxPacket) {
        this.remoteId = remoteId;
        this.remoteWindow = new RemoteWindow(remoteWindowSize, Math.max(1, Math.min(remoteMaxPacket, LOCAL_MAX_PACKET)));
    }

    @Override
    public int remoteMaxPacket() {
        RemoteWindow w = remoteWindow;
        return w == null ? LOCAL_MAX_PACKET : w.maxPacket();
    }

    public PacketConnection transport() {
        return transport;
    }

    /** The connection service this channel belongs to, for features that open further channels. */
    public ConnectionService connection() {
        return service;
    }

    @Override
    public int localId() {
        return localId;
    }

    @Override
    public int remoteId() {
        return remoteId;
    }

    @Override
    public String type() {
        return type;
    }

    // ------------------------------------------------------------------ reader thread

    void onData(SshReader r, boolean extended) throws IOException {
        int dataType = extended ? r.uint32() : 0;
        int off = r.stringInPlace();
        int len = r.position() - off;
        lastActivityNanos = System.nanoTime();
        if (len > LOCAL_MAX_PACKET) {
            // RFC 4254 §5.2: never more than the maximum packet size we gave. OpenSSH drops such a
            // packet and goes on, which silently loses data; ending the connection says why.
            throw new SshException(DisconnectReason.PROTOCOL_ERROR,
                    "channel " + localId + ": peer sent " + len + " bytes in one packet, over the maximum packet size of "
                            + LOCAL_MAX_PACKET);
        }
        synchronized (this) {
            if (len > localWindowLeft) {
                throw new SshException(DisconnectReason.PROTOCOL_ERROR,
                        "channel " + localId + ": peer sent " + len + " bytes with only " + localWindowLeft + " left in the window");
            }
            localWindowLeft -= len;
            if (eofReceived || closeReceived) {
                throw new SshException(DisconnectReason.PROTOCOL_ERROR, "channel " + localId + ": data after EOF");
            }
        }
        if (!extended) {
            stdout.append(r.array(), off, len);
        } else if (dataType == ChannelMessages.ExtendedData.STDERR) {
            stderr.append(r.array(), off, len);
        } else {
            consumed(len); // unknown extended data types are dropped, and their window reopened
        }
    }

    void onWindowAdjust(long bytes) throws SshException {
        RemoteWindow w = remoteWindow;
        if (w != null) {
            w.adjust(bytes);
        }
    }

    void onEof() {
        synchronized (this) {
            eofReceived = true;
        }
        stdout.eof();
        stderr.eof();
    }

    void onClose() throws IOException {
        boolean reply;
        List<CompletableFuture<Boolean>> unanswered;
        synchronized (this) {
            closeReceived = true;
            reply = !closeSent;
            closeSent = true;
            unanswered = List.copyOf(pendingRequests);
            pendingRequests.clear();
            if (reply) {
                transport.sendNoWait(new ChannelMessages.Close(remoteId).encode()); // the reader thread: never waits
            }
        }
        // nothing follows the peer's CLOSE (RFC 4254 §5.3): requests it did not answer never will be
        for (CompletableFuture<Boolean> f : unanswered) {
            f.completeExceptionally(new SshException(DisconnectReason.BY_APPLICATION,
                    "channel " + localId + " was closed by the peer before it replied"));
        }
        stdout.eof();
        stderr.eof();
        if (remoteWindow != null) {
            remoteWindow.close();
        }
        finish();
    }

    void onRequestReply(boolean success) throws SshException {
        CompletableFuture<Boolean> f;
        synchronized (this) {
            f = pendingRequests.poll();
        }
        if (f == null) {
            throw new SshException(DisconnectReason.PROTOCOL_ERROR, "channel " + localId + ": a reply to no request");
        }
        f.complete(success);
    }

    /** Client: the server reported the command's exit status (RFC 4254 §6.10). */
    public synchronized void onExitStatus(int status) {
        exitStatus = status;
    }

    /** Client: the server reported the command's death by a signal (RFC 4254 §6.10). */
    public synchronized void onExitSignal(String signal) {
        exitSignal = signal;
    }

    /** The connection ended: wake everyone. */
    void connectionLost(IOException cause) {
        stdout.fail(cause);
        stderr.fail(cause);
        if (remoteWindow != null) {
            remoteWindow.close();
        }
        synchronized (this) {
            pendingRequests.forEach(f -> f.completeExceptionally(cause));
            pendingRequests.clear();
        }
        closed.complete(null);
    }

    /**
     * Server: the reader thread is handling a request of this channel and has not yet queued its
     * reply. Application threads that send on the channel meanwhile (a policy that hands the
     * channel to a thread of its own, as paramiko servers do) wait for the reply, so that data,
     * EOF and CLOSE never overtake it (RFC 4254 §5.3 forbids anything after CLOSE).
     */
    synchronized void requestHandling() {
        replying = Thread.currentThread();
    }

    /** Server: the reply to the request being handled is queued (or none was wanted). */
    synchronized void replySent() {
        replying = null;
        notifyAll();
    }

    /** Waits, bounded, until no request reply of this channel is pending; never on the handling thread. */
    private void awaitPendingReply(long nanos) {
        synchronized (this) {
            long deadline = System.nanoTime() + nanos;
            while (replying != null && replying != Thread.currentThread()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Runs an action after the reply to the request being handled has been queued. */
    public synchronized void afterReply(Runnable action) {
        afterReply.add(action);
    }

    void runAfterReply() {
        Runnable r;
        while (true) {
            synchronized (this) {
                r = afterReply.poll();
            }
            if (r == null) {
                return;
            }
            r.run();
        }
    }

    private void finish() {
        boolean done;
        synchronized (this) {
            done = closeSent && closeReceived;
        }
        if (done) {
            service.remove(this);
            closed.complete(null);
        }
    }

    // ------------------------------------------------------------------ application threads

    /** Bytes the application consumed: reopen the window in steps of half of it. */
    private void consumed(int n) {
        synchronized (this) {
            unadjusted += n;
            if (unadjusted >= LOCAL_WINDOW / 2 && !closeSent && !closeReceived) {
                long adjust = unadjusted;
                unadjusted = 0;
                localWindowLeft += adjust;
                try {
                    transport.sendNoWait(new ChannelMessages.WindowAdjust(remoteId, adjust).encode());
                } catch (IOException e) {
                    // the connection is going away; readers will see it
                }
            }
        }
    }

    @Override
    public InputStream getInputStream() {
        return stdout;
    }

    @Override
    public InputStream getErrorStream() {
        return stderr;
    }

    @Override
    public OutputStream getOutputStream() {
        return new DataOutput(false);
    }

    @Override
    public OutputStream getErrorOutputStream() {
        return new DataOutput(true);
    }

    private final class DataOutput extends OutputStream {
        private final boolean extended;
        private boolean closedStream;

        DataOutput(boolean extended) {
            this.extended = extended;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (closedStream) {
                throw new IOException("stream closed");
            }
            awaitPendingReply(timeout.toNanos());
            while (len > 0) {
                synchronized (ChannelImpl.this) {
                    if (eofSent || closeSent) {
                        throw closedForWriting();
                    }
                }
                int n = remoteWindow.reserve(len, timeout.toNanos());
                lastActivityNanos = System.nanoTime();
                byte[] m = extended ? ChannelMessages.ExtendedData.encode(remoteId, ChannelMessages.ExtendedData.STDERR, b, off, n)
                        : ChannelMessages.Data.encode(remoteId, b, off, n);
                if (!sendBeforeClose(m, Follows.DATA)) {
                    throw closedForWriting();
                }
                off += n;
                len -= n;
            }
        }

        @Override
        public void close() throws IOException {
            if (!closedStream) {
                closedStream = true;
                if (!extended) {
                    sendEof();
                }
            }
        }
    }

    @Override
    public void sendEof() throws IOException {
        awaitPendingReply(timeout.toNanos());
        sendBeforeClose(new ChannelMessages.Eof(remoteId).encode(), Follows.EOF);
    }

    /** What {@link #sendBeforeClose} queues: data and EOF must not follow our EOF, a request may. */
    private enum Follows { DATA, EOF, REQUEST }

    /**
     * Queues {@code m} unless our CLOSE (or, for data and EOF, our EOF) has gone out; returns
     * whether it was queued. The check and the queuing happen under this object's lock, where
     * every CLOSE and EOF is queued too, so nothing ever follows our CLOSE (RFC 4254 §5.3; OpenSSH
     * ends the connection on a message for a channel it has freed) and no data follows our EOF,
     * even when another thread sends the EOF while a write waits for window. The wait for room in
     * the outbound queue comes first, outside the lock; the queuing itself never blocks.
     */
    private boolean sendBeforeClose(byte[] m, Follows kind) throws IOException {
        transport.awaitRoom(timeout);
        synchronized (this) {
            if (closeSent || (kind != Follows.REQUEST && eofSent)) {
                return false;
            }
            if (kind == Follows.EOF) {
                eofSent = true;
            }
            transport.sendNoWait(m);
            return true;
        }
    }

    private SshException closedForWriting() {
        return new SshException(DisconnectReason.BY_APPLICATION, "channel " + localId + " is closed for writing");
    }

    @Override
    public void close() {
        awaitPendingReply(Math.min(timeout.toNanos(), TimeUnit.SECONDS.toNanos(5)));
        IOException failed = null;
        synchronized (this) {
            if (!closeSent && transport.isActive()) {
                try {
                    transport.sendNoWait(new ChannelMessages.Close(remoteId).encode());
                } catch (IOException e) {
                    failed = e;
                }
            }
            closeSent = true;
        }
        if (failed != null) {
            connectionLost(failed);
        }
        stdout.close();
        stderr.close();
        finish();
        try {
            closed.get(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // the peer did not answer in time; the channel id stays reserved until it does
        }
    }

    /** Server: close the channel after this long without data (0: never); set before the channel is published. */
    void inactivityTimeout(Duration d) {
        inactivityTimeoutNanos = d.toNanos();
    }

    long inactivityTimeoutNanos() {
        return inactivityTimeoutNanos;
    }

    long lastActivityNanos() {
        return lastActivityNanos;
    }

    /**
     * Closes the channel from our side without waiting, for the inactivity timer: sends CLOSE
     * (never blocking) and leaves the rest to the peer's CLOSE, which ends the channel as any
     * close does. A no-op once either side has sent CLOSE.
     */
    void closeForInactivity() {
        IOException failed = null;
        synchronized (this) {
            if (closeSent || closeReceived) {
                return;
            }
            closeSent = true;
            try {
                transport.sendNoWait(new ChannelMessages.Close(remoteId).encode());
            } catch (IOException e) {
                failed = e;
            }
        }
        if (failed != null) {
            transport.disconnect(DisconnectReason.BY_APPLICATION, "channel " + localId + ": " + failed.getMessage());
        }
    }

    @Override
    public synchronized boolean isClosed() {
        return closeSent || closeReceived;
    }

    @Override
    public CompletableFuture<Void> closeFuture() {
        return closed;
    }

    // ------------------------------------------------------------------ requests

    private boolean request(String name, SshWriter body) throws IOException {
        CompletableFuture<Boolean> f = new CompletableFuture<>();
        byte[] m = new ChannelMessages.Request(remoteId, name, true, body.toByteArray()).encode();
        transport.awaitRoom(timeout);
        synchronized (this) {
            if (closeSent || closeReceived) {
                throw new SshException(DisconnectReason.BY_APPLICATION, "channel " + localId + " is closed");
            }
            pendingRequests.add(f);
            transport.sendNoWait(m);
        }
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SshException(DisconnectReason.BY_APPLICATION, "interrupted waiting for the reply to " + name);
        } catch (TimeoutException e) {
            throw new SshException(DisconnectReason.BY_APPLICATION, "no reply to " + name + " within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new SshException(DisconnectReason.CONNECTION_LOST, "connection lost waiting for the reply to " + name, e.getCause());
        }
    }

    private void requestNoReply(String name, SshWriter body) throws IOException {
        awaitPendingReply(timeout.toNanos());
        // RFC 4254 §5.3: nothing may follow our CLOSE; a late exit-status is simply dropped
        sendBeforeClose(new ChannelMessages.Request(remoteId, name, false, body.toByteArray()).encode(), Follows.REQUEST);
    }

    /**
     * Sends a channel request of any name with its encoded data (the forwarding requests:
     * {@code auth-agent-req@openssh.com}, {@code x11-req}); with {@code wantReply}, waits for the
     * answer and returns it, else returns true once it is queued.
     */
    public boolean sendRequest(String name, boolean wantReply, byte[] data) throws IOException {
        SshWriter body = new SshWriter(data.length).raw(data);
        if (wantReply) {
            return request(name, body);
        }
        requestNoReply(name, body);
        return true;
    }

    @Override
    public boolean exec(String command) throws IOException {
        return request("exec", new SshWriter().string(command));
    }

    @Override
    public boolean shell() throws IOException {
        return request("shell", new SshWriter());
    }

    @Override
    public boolean subsystem(String name) throws IOException {
        return request("subsystem", new SshWriter().string(name));
    }

    @Override
    public boolean requestPty(PtyRequest pty) throws IOException {
        return request("pty-req", new SshWriter().string(pty.term()).uint32(pty.columns()).uint32(pty.rows())
                .uint32(pty.widthPixels()).uint32(pty.heightPixels()).string(TerminalModes.encode(pty.modes())));
    }

    @Override
    public boolean setEnvironment(String name, String value) throws IOException {
        return request("env", new SshWriter().string(name).string(value));
    }

    @Override
    public void windowChange(int columns, int rows, int widthPixels, int heightPixels) throws IOException {
        requestNoReply("window-change", new SshWriter().uint32(columns).uint32(rows).uint32(widthPixels).uint32(heightPixels));
    }

    @Override
    public void signal(String name) throws IOException {
        requestNoReply("signal", new SshWriter().string(name));
    }

    @Override
    public synchronized Integer exitStatus() {
        return exitStatus;
    }

    @Override
    public synchronized String exitSignal() {
        return exitSignal;
    }

    @Override
    public int awaitExitStatus(Duration wait) throws IOException {
        try {
            closed.get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SshException(DisconnectReason.BY_APPLICATION, "interrupted waiting for the exit status");
        } catch (TimeoutException e) {
            throw new SshException(DisconnectReason.BY_APPLICATION, "the channel did not close within " + wait.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new SshException(DisconnectReason.CONNECTION_LOST, "connection lost", e.getCause());
        }
        Integer s = exitStatus();
        return s == null ? -1 : s;
    }

    @Override
    public void sendExitStatus(int status) throws IOException {
        synchronized (this) {
            sentExitStatus = status;
        }
        requestNoReply("exit-status", new SshWriter().uint32(status));
    }

    /** Server side: the exit status we sent, or null if none was (for the event log). */
    public synchronized Integer sentExitStatus() {
        return sentExitStatus;
    }

    @Override
    public void sendExitSignal(String signal, boolean coreDumped, String message) throws IOException {
        requestNoReply("exit-signal", new SshWriter().string(signal).bool(coreDumped).string(message).string(""));
    }

    @Override
    public String toString() {
        return "Channel[" + type + " " + localId + "/" + remoteId + "]";
    }

    /** For tests and bounds checks: bytes buffered, unread. */
    long buffered() {
        return stdout.buffered() + stderr.buffered();
    }
}
