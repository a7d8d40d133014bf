package dev.tether.ssh.connection;

import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.policy.ChannelOpenResult;
import dev.tether.ssh.transport.MessageHandler;
import dev.tether.ssh.transport.PacketConnection;
import dev.tether.ssh.wire.ChannelMessages;
import dev.tether.ssh.wire.Disconnect;
import dev.tether.ssh.wire.GlobalRequests;
import dev.tether.ssh.wire.MessageNumbers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code ssh-connection} service (RFC 4254) for both roles, as a multiplexer: the channel
 * table, channel open and its answers, the dispatch of channel messages, and global requests.
 * What to do with the channels, channel requests and global requests the peer starts is not
 * decided here but by the handlers registered by name in its {@link ConnectionHandlers}
 * ({@code session} in {@code session/}, forwarding in {@code forward/}, ...).
 *
 * <p><b>Threads.</b> {@link #handle} runs on the reader thread and never blocks: channel data
 * goes into bounded per-channel buffers, handlers (and the policy callbacks behind them) are
 * expected to be quick, and replies are queued. Opening channels and sending global requests
 * happen on application threads and wait, with a timeout, for the answer. The channel table is a
 * concurrent map.
 *
 * <p><b>Opens that time out.</b> An open waits for its answer as long as the connection's
 * {@code sendTimeout}. When that passes (or the opener is interrupted) the open is abandoned,
 * but its id stays reserved in {@code abandoned} until the peer answers: a late
 * OPEN_CONFIRMATION is answered with CHANNEL_CLOSE, and whatever the peer sends on that channel
 * before its CLOSE (data, EOF, requests, window adjustments) is dropped; its CLOSE frees the id.
 * A late OPEN_FAILURE frees the id at once. Abandoned ids count against {@link #MAX_CHANNELS}
 * (so a peer that never answers cannot make them pile up) and are forgotten when the connection
 * ends. Whether an answer came in time or the open is abandoned is decided under the lock on
 * {@code opening}, held by the opener when its wait ends and by the reader thread while it
 * handles OPEN_CONFIRMATION and OPEN_FAILURE (it only queues under it, never blocks); the
 * abandoned entries are otherwise read and changed on the reader thread only.
 */
public final class ConnectionService implements MessageHandler {
    private static final Logger log = LoggerFactory.getLogger(ConnectionService.class);
    /** Channels one connection may hold open at once. */
    static final int MAX_CHANNELS = 1024;

    private final PacketConnection transport;
    private final ConnectionHandlers handlers;
    /** True on the server side, which has idle timers and lets handlers' own threads wait for request replies. */
    private final boolean server;
    private final Duration timeout;
    private final Map<Integer, ChannelImpl> channels = new ConcurrentHashMap<>();
    private final Map<Integer, CompletableFuture<ChannelImpl>> opening = new ConcurrentHashMap<>();
    /** Opens given up by their opener whose ids the peer has not released yet; see the class comment. */
    private final Map<Integer, Abandoned> abandoned = new ConcurrentHashMap<>();
    /** Opens from the peer whose handler answers later ({@link ChannelOpenHandler.IncomingOpen#defer}), by our id. */
    private final Map<Integer, PendingOpen> pending = new ConcurrentHashMap<>();
    /** Replies owed to the peer's global requests, in the order asked (RFC 4254 §4); guarded by itself. */
    private final ArrayDeque<CompletableFuture<byte[]>> repliesOwed = new ArrayDeque<>();
    private final AtomicInteger nextId = new AtomicInteger();
    private final LinkedBlockingQueue<Channel> accepted = new LinkedBlockingQueue<>();
    private final ArrayDeque<CompletableFuture<byte[]>> globalReplies = new ArrayDeque<>();
    /** Server: the client-alive, unused-connection and channel timeouts; null when none is on. */
    private volatile IdleTimers idle;

    /** @param handlers what to do with the channels and requests the peer starts */
    public ConnectionService(PacketConnection transport, ConnectionHandlers handlers) {
        this.transport = transport;
        this.handlers = handlers;
        this.server = !transport.isClientMode();
        this.timeout = transport.settings().sendTimeout();
    }

    /** The transport below, for handlers. */
    public PacketConnection transport() {
        return transport;
    }

    /** Server: starts the idle and liveness timers the config turns on, from authentication on. */
    @Override
    public void installed() {
        if (server && transport.isActive()) {
            idle = IdleTimers.start(transport, this);
        }
    }

    // ------------------------------------------------------------------ application side

    /** Opens a channel and waits for the peer's answer (RFC 4254 §5.1). */
    public Channel openChannel(String type, byte[] typeSpecific) throws IOException {
        if (channels.size() + opening.size() + abandoned.size() + pending.size() >= MAX_CHANNELS) {
            throw new SshException(DisconnectReason.BY_APPLICATION, "too many open channels (" + MAX_CHANNELS + ")");
        }
        int id = nextId.getAndIncrement();
        ChannelImpl ch = newChannel(type, id);
        CompletableFuture<ChannelImpl> f = new CompletableFuture<>();
        opening.put(id, f);
        channels.put(id, ch);
        channelsChanged();
        transport.send(new ChannelMessages.Open(type, id, ChannelImpl.LOCAL_WINDOW, ChannelImpl.LOCAL_MAX_PACKET, typeSpecific).encode());
        try {
            try {
                return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abandon(id, type, f, new SshException(DisconnectReason.BY_APPLICATION, "interrupted opening a " + type + " channel"));
                return f.getNow(null); // answered just as the wait ended
            } catch (TimeoutException e) {
                abandon(id, type, f, new SshException(DisconnectReason.BY_APPLICATION, "no answer to a " + type + " channel open"));
                return f.getNow(null);
            }
        } catch (java.util.concurrent.CompletionException e) {
            throw unwrap(e.getCause());
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        } finally {
            opening.remove(id);
        }
    }

    private static SshException unwrap(Throwable c) {
        return c instanceof SshException se ? new SshException(se.reason(), se.getMessage(), se)
                : new SshException(DisconnectReason.CONNECTION_LOST, String.valueOf(c.getMessage()), c);
    }

    /**
     * The opener's wait ended without an answer: unless the answer came in meanwhile (then
     * {@code f} is done and the caller takes it), the open is abandoned and {@code why} thrown.
     */
    private void abandon(int id, String type, CompletableFuture<ChannelImpl> f, SshException why) throws SshException {
        synchronized (opening) {
            if (f.isDone()) {
                return;
            }
            f.completeExceptionally(why);
            opening.remove(id);
            channels.remove(id);
            abandoned.put(id, new Abandoned(type));
        }
        channelsChanged();
        throw why;
    }

    /** An abandoned open: unanswered, or confirmed late and closed by us. */
    private static final class Abandoned {
        final String type;
        /** The peer confirmed it late and we sent CHANNEL_CLOSE; set and read on the reader thread. */
        volatile boolean closeSent;

        Abandoned(String type) {
            this.type = type;
        }
    }

    /** Server: the next channel a client opened and the policy accepted (paramiko's {@code accept}). */
    public Channel accept(Duration wait) throws IOException {
        try {
            return accepted.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SshException(DisconnectReason.BY_APPLICATION, "interrupted in accept");
        }
    }

    /** Sends a global request (RFC 4254 §4) and waits for the answer; the reply data (empty if none), or null on failure. */
    public byte[] globalRequest(String name, byte[] data, Duration wait) throws IOException {
        return awaitGlobalReply(name, globalRequestAsync(name, data, null), wait);
    }

    /**
     * Sends a global request with want-reply without waiting: the future completes with the
     * reply data (empty if none), or null on failure. {@code onReply} (may be null) runs on the
     * reader thread with the same value before any later message is handled, so what it sets up
     * (a remote forward's table entry) is in place before the peer can use it.
     */
    public CompletableFuture<byte[]> globalRequestAsync(String name, byte[] data,
                                                        java.util.function.Consumer<byte[]> onReply) throws IOException {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        CompletableFuture<byte[]> result = onReply == null ? f : f.thenApply(reply -> {
            onReply.accept(reply);
            return reply;
        });
        synchronized (globalReplies) {
            globalReplies.add(f);
            transport.send(new GlobalRequests.GlobalRequest(name, true, data).encode());
        }
        return result;
    }

    /** Waits for a global request's reply: its data, or null on failure. */
    public static byte[] awaitGlobalReply(String name, CompletableFuture<byte[]> f, Duration wait) throws IOException {
        try {
            return f.get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SshException(DisconnectReason.BY_APPLICATION, "interrupted waiting for " + name);
        } catch (TimeoutException e) {
            throw new SshException(DisconnectReason.BY_APPLICATION, "no answer to global request " + name);
        } catch (ExecutionException e) {
            throw new SshException(DisconnectReason.CONNECTION_LOST, "connection lost waiting for " + name, e.getCause());
        }
    }

    /**
     * Sends {@code keepalive@openssh.com} with want-reply and does not wait; the reply (a
     * failure, normally) is consumed when it comes.
     */
    public void sendKeepalive() throws IOException {
        keepalive(false);
    }

    /** {@link #sendKeepalive()} that never blocks, for timer tasks ({@link PacketConnection#sendNoWait}). */
    public void sendKeepaliveNoWait() throws IOException {
        keepalive(true);
    }

    private void keepalive(boolean noWait) throws IOException {
        byte[] m = new GlobalRequests.GlobalRequest("keepalive@openssh.com", true).encode();
        synchronized (globalReplies) {
            globalReplies.add(new CompletableFuture<>());
            if (noWait) {
                transport.sendNoWait(m);
            } else {
                transport.send(m);
            }
        }
    }

    public int openChannelCount() {
        return channels.size();
    }

    java.util.Collection<ChannelImpl> channelList() {
        return channels.values();
    }

    void remove(ChannelImpl ch) {
        if (channels.remove(ch.localId(), ch)) {
            channelsChanged();
        }
    }

    private ChannelImpl newChannel(String type, int id) {
        ChannelImpl ch = new ChannelImpl(this, transport, type, id, timeout);
        if (server) {
            ch.inactivityTimeout(transport.settings().channelTimeout(type));
        }
        return ch;
    }

    /** Server: the idle and liveness timers, or null when the config turns none on. */
    IdleTimers idleTimers() {
        return idle;
    }

    private void channelsChanged() {
        IdleTimers t = idle;
        if (t != null) {
            t.poke();
        }
    }

    /** Channels of {@code type} open now (for limits such as MaxSessions). */
    public int openChannelCount(String type) {
        int n = 0;
        for (ChannelImpl ch : channels.values()) {
            if (ch.type().equals(type)) {
                n++;
            }
        }
        return n;
    }

    /** Registers a deferred open (reader thread, from {@link ChannelOpenHandler.IncomingOpen#defer}). */
    PendingOpen pending(ChannelOpenHandler.IncomingOpen open) {
        PendingOpen p = new PendingOpen(open);
        pending.put(open.channelId(), p);
        return p;
    }

    /**
     * A channel open from the peer that is answered later, from any thread (a connect that must
     * not run on the reader thread). Exactly one of {@link #confirm} and {@link #refuse} counts;
     * after the connection ends both fail quietly ({@code confirm} throws).
     */
    public final class PendingOpen {
        private final ChannelOpenHandler.IncomingOpen open;

        private PendingOpen(ChannelOpenHandler.IncomingOpen open) {
            this.open = open;
        }

        /**
         * Sends OPEN_CONFIRMATION and returns the channel, which the caller owns (it is not
         * handed to {@code accept}).
         *
         * @throws SshException the connection has ended, or the open was answered already
         */
        public ChannelImpl confirm() throws IOException {
            if (!pending.remove(open.channelId(), this) || !transport.isActive()) {
                throw new SshException(DisconnectReason.CONNECTION_LOST, "the connection ended before the "
                        + Disconnect.sanitize(open.type()) + " channel could be confirmed");
            }
            ChannelImpl ch = newChannel(open.type(), open.channelId());
            ch.opened(open.sender, open.window, open.maxPacket);
            channels.put(open.channelId(), ch);
            if (!transport.isActive()) {
                // the connection ended meanwhile, perhaps after closed() went through the table
                channels.remove(open.channelId());
                SshException gone = new SshException(DisconnectReason.CONNECTION_LOST, "the connection ended");
                ch.connectionLost(gone);
                throw gone;
            }
            channelsChanged();
            transport.send(new ChannelMessages.OpenConfirmation(open.sender, open.channelId(), ChannelImpl.LOCAL_WINDOW,
                    ChannelImpl.LOCAL_MAX_PACKET).encode());
            return ch;
        }

        /** Sends OPEN_FAILURE with {@code reason} and {@code description} (RFC 4254 §5.1). */
        public void refuse(ChannelOpenResult reason, String description) {
            if (!pending.remove(open.channelId(), this) || !transport.isActive()) {
                return;
            }
            log.debug("{} refused {} channel: {} ({})", transport, Disconnect.sanitize(open.type()), reason, description);
            try {
                transport.send(new ChannelMessages.OpenFailure(open.sender, reason.code(), description, "").encode());
            } catch (IOException e) {
                // the connection is going away
            }
        }
    }

    // ------------------------------------------------------------------ reader thread

    @Override
    public boolean handle(int m, SshReader r) throws IOException {
        switch (m) {
            case MessageNumbers.GLOBAL_REQUEST:
                globalRequest(r);
                return true;
            case MessageNumbers.REQUEST_SUCCESS:
            case MessageNumbers.REQUEST_FAILURE: {
                CompletableFuture<byte[]> f;
                synchronized (globalReplies) {
                    f = globalReplies.poll();
                }
                if (f == null) {
                    throw new SshException(DisconnectReason.PROTOCOL_ERROR, "a global request reply nobody asked for");
                }
                if (m == MessageNumbers.REQUEST_SUCCESS) {
                    f.complete(GlobalRequests.RequestSuccess.decode(r).data());
                } else {
                    f.complete(null);
                }
                return true;
            }
            case MessageNumbers.CHANNEL_OPEN:
                channelOpen(r);
                return true;
            case MessageNumbers.CHANNEL_OPEN_CONFIRMATION: {
                ChannelMessages.OpenConfirmation c = ChannelMessages.OpenConfirmation.decode(r);
                int id = c.recipient();
                int remote = c.sender();
                synchronized (opening) {
                    CompletableFuture<ChannelImpl> f = opening.get(id);
                    ChannelImpl ch = channels.get(id);
                    if (f != null && ch != null && !f.isDone()) {
                        ch.opened(remote, c.initialWindow(), c.maxPacket());
                        f.complete(ch);
                        return true;
                    }
                    Abandoned a = abandoned.get(id);
                    if (a == null || a.closeSent) {
                        throw new SshException(DisconnectReason.PROTOCOL_ERROR, "confirmation for channel " + (id & 0xffffffffL) + " that is not opening");
                    }
                    // its opener gave up: close it; the peer's CLOSE frees the id
                    a.closeSent = true;
                    log.debug("{} late confirmation of abandoned {} channel {}: closing it", transport, a.type, id & 0xffffffffL);
                    transport.send(new ChannelMessages.Close(remote).encode());
                }
                return true;
            }
            case MessageNumbers.CHANNEL_OPEN_FAILURE: {
                ChannelMessages.OpenFailure failure = ChannelMessages.OpenFailure.decode(r);
                int id = failure.recipient();
                int code = failure.reasonCode();
                String why = Disconnect.sanitize(failure.description());
                synchronized (opening) {
                    CompletableFuture<ChannelImpl> f = opening.get(id);
                    if (f == null || f.isDone()) {
                        Abandoned a = abandoned.get(id);
                        if (a == null || a.closeSent) {
                            throw new SshException(DisconnectReason.PROTOCOL_ERROR, "open failure for channel " + (id & 0xffffffffL) + " that is not opening");
                        }
                        abandoned.remove(id);
                        log.debug("{} late open failure of abandoned {} channel {} ({}): {}", transport, a.type, id & 0xffffffffL, code, why);
                        return true;
                    }
                    channels.remove(id);
                    f.completeExceptionally(new SshException(DisconnectReason.BY_APPLICATION,
                            "channel open refused (" + code + "): " + why));
                }
                channelsChanged();
                return true;
            }
            case MessageNumbers.CHANNEL_WINDOW_ADJUST: {
                ChannelImpl ch = channel(r, m);
                if (ch != null) {
                    ch.onWindowAdjust(ChannelMessages.WindowAdjust.decode(r).bytesToAdd());
                }
                return true;
            }
            case MessageNumbers.CHANNEL_DATA:
            case MessageNumbers.CHANNEL_EXTENDED_DATA: {
                ChannelImpl ch = channel(r, m);
                if (ch != null) {
                    // the bulk path reads in place (layouts: ChannelMessages.Data, ExtendedData)
                    r.uint32();
                    ch.onData(r, m == MessageNumbers.CHANNEL_EXTENDED_DATA);
                }
                return true;
            }
            case MessageNumbers.CHANNEL_EOF: {
                ChannelImpl ch = channel(r, m);
                if (ch != null) {
                    ch.onEof();
                }
                return true;
            }
            case MessageNumbers.CHANNEL_CLOSE: {
                ChannelImpl ch = channel(r, m);
                if (ch != null) {
                    ch.onClose();
                }
                return true;
            }
            case MessageNumbers.CHANNEL_REQUEST: {
                ChannelImpl ch = channel(r, m);
                if (ch != null) {
                    channelRequest(ch, ChannelMessages.Request.decode(r));
                }
                return true;
            }
            case MessageNumbers.CHANNEL_SUCCESS:
            case MessageNumbers.CHANNEL_FAILURE: {
                ChannelImpl ch = channel(r, m);
                if (ch != null) {
                    ch.onRequestReply(m == MessageNumbers.CHANNEL_SUCCESS);
                }
                return true;
            }
            default:
                return false;
        }
    }

    /**
     * The channel a message names, or null for a late-confirmed abandoned channel we have
     * closed: its messages are dropped (no reply, even to a want-reply request, since we sent
     * CLOSE), and its CLOSE frees the id. Any other id ends the connection.
     */
    private ChannelImpl channel(SshReader r, int m) throws SshException {
        int id = ChannelMessages.peekRecipient(r);
        ChannelImpl ch = channels.get(id);
        if (ch != null) {
            return ch;
        }
        Abandoned a = abandoned.get(id);
        if (a != null && a.closeSent) {
            if (m == MessageNumbers.CHANNEL_CLOSE) {
                abandoned.remove(id);
                log.debug("{} abandoned {} channel {} closed", transport, a.type, id & 0xffffffffL);
            }
            return null;
        }
        throw new SshException(DisconnectReason.PROTOCOL_ERROR, "message for unknown channel " + (id & 0xffffffffL));
    }

    /**
     * A global request from the peer. A handler may answer later (a {@link CompletionStage} from
     * {@link ConnectionHandlers.Builder#globalRequestAsync}); replies still go out in the order
     * the requests came (RFC 4254 §4), each sent by whichever thread completes the one at the
     * head. At most {@link #MAX_REPLIES_OWED} may wait; past that a request is refused in its turn.
     */
    private void globalRequest(SshReader payload) throws IOException {
        GlobalRequests.GlobalRequest req = GlobalRequests.GlobalRequest.decode(payload);
        CompletableFuture<byte[]> owed = new CompletableFuture<>();
        boolean tooMany;
        synchronized (repliesOwed) {
            tooMany = repliesOwed.size() >= MAX_REPLIES_OWED;
            if (req.wantReply()) {
                repliesOwed.add(owed);
            }
        }
        if (tooMany) {
            log.debug("{} global request {} refused: {} replies owed already", transport, Disconnect.sanitize(req.name()), MAX_REPLIES_OWED);
            owed.complete(null);
        } else {
            handlers.globalRequest(req.name()).handle(this, req.name(), new SshReader(req.data()))
                    .whenComplete((reply, e) -> owed.complete(e == null ? reply : null));
        }
        if (req.wantReply()) {
            owed.whenComplete((reply, e) -> sendRepliesOwed());
        }
    }

    /** Sends the replies at the head of {@link #repliesOwed} that are ready, in order; never blocks. */
    private void sendRepliesOwed() {
        synchronized (repliesOwed) {
            while (!repliesOwed.isEmpty() && repliesOwed.peek().isDone()) {
                byte[] reply = repliesOwed.poll().getNow(null);
                try {
                    transport.sendNoWait(reply != null ? new GlobalRequests.RequestSuccess(reply).encode()
                            : new GlobalRequests.RequestFailure().encode());
                } catch (IOException e) {
                    transport.abort(e);
                    return;
                }
            }
        }
    }

    /** Replies owed now, for tests. */
    int repliesOwedCount() {
        synchronized (repliesOwed) {
            return repliesOwed.size();
        }
    }

    /** Global request replies that may be owed at once. */
    static final int MAX_REPLIES_OWED = 16;

    private void channelOpen(SshReader payload) throws IOException {
        ChannelMessages.Open open = ChannelMessages.Open.decode(payload);
        String type = open.type();
        int sender = open.sender();
        long window = open.initialWindow();
        int maxPacket = open.maxPacket();
        int id = nextId.getAndIncrement();
        ChannelOpenHandler handler = handlers.channelType(type);
        ChannelOpenResult result;
        ChannelOpenHandler.IncomingOpen incoming = new ChannelOpenHandler.IncomingOpen(type, id, new SshReader(open.typeSpecific()),
                this, sender, window, maxPacket);
        if (handler == ConnectionHandlers.PROHIBIT) {
            result = ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED;
        } else if (channels.size() + pending.size() >= MAX_CHANNELS) {
            result = ChannelOpenResult.RESOURCE_SHORTAGE;
        } else if (maxPacket <= 0) {
            result = ChannelOpenResult.CONNECT_FAILED;
        } else {
            result = handler.open(incoming);
            if (incoming.deferred() != null) {
                return; // answered later by PendingOpen
            }
            if (result == null) {
                throw new IllegalStateException("the " + type + " handler answered null without deferring");
            }
        }
        if (result != ChannelOpenResult.SUCCEEDED) {
            log.debug("{} refused {} channel: {}", transport, Disconnect.sanitize(type), result);
            transport.send(new ChannelMessages.OpenFailure(sender, result.code(), incoming.refusalDescription(), "").encode());
            return;
        }
        ChannelImpl ch = newChannel(type, id);
        ch.opened(sender, window, maxPacket);
        channels.put(id, ch);
        channelsChanged();
        transport.send(new ChannelMessages.OpenConfirmation(sender, id, ChannelImpl.LOCAL_WINDOW, ChannelImpl.LOCAL_MAX_PACKET).encode());
        if (incoming.onOpened() != null) {
            incoming.onOpened().accept(ch); // a channel the engine serves itself
            return;
        }
        accepted.add(ch);
    }

    private void channelRequest(ChannelImpl ch, ChannelMessages.Request req) throws IOException {
        String name = req.type();
        ChannelRequestHandler handler = handlers.channelRequest(name);
        SshReader r = new SshReader(req.typeSpecific());
        if (server) {
            ch.requestHandling(); // the policy's own threads wait for our reply before they send
        }
        try {
            boolean ok = handler != null && handler.handle(ch, name, r);
            if (req.wantReply()) {
                transport.send(ok ? new ChannelMessages.Success(ch.remoteId()).encode() : new ChannelMessages.Failure(ch.remoteId()).encode());
            }
        } finally {
            if (server) {
                ch.replySent();
            }
        }
        ch.runAfterReply();
    }

    @Override
    public void closed(Throwable cause) {
        IdleTimers t = idle;
        if (t != null) {
            t.stop();
        }
        IOException e = cause instanceof IOException io ? io : new SshException(DisconnectReason.CONNECTION_LOST, "connection closed");
        channels.values().forEach(ch -> ch.connectionLost(e));
        channels.clear();
        pending.clear();
        for (java.util.function.Consumer<ConnectionService> hook : handlers.closeHooks()) {
            try {
                hook.accept(this);
            } catch (RuntimeException ex) {
                log.warn("{} a close hook failed", transport, ex);
            }
        }
        opening.values().forEach(f -> f.completeExceptionally(e));
        abandoned.clear();
        synchronized (globalReplies) {
            globalReplies.forEach(f -> f.completeExceptionally(e));
            globalReplies.clear();
        }
    }
}
