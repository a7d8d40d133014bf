package dev.tether.ssh.connection;

import dev.tether.ssh.Channel;
import dev.tether.ssh.ChannelOpenResult;
import dev.tether.ssh.DisconnectReason;
import dev.tether.ssh.PtyRequest;
import dev.tether.ssh.ServerInterface;
import dev.tether.ssh.SshException;
import dev.tether.ssh.Transport;
import dev.tether.ssh.transport.MessageHandler;
import dev.tether.ssh.wire.ChannelMessages;
import dev.tether.ssh.wire.Disconnect;
import dev.tether.ssh.wire.GlobalRequests;
import dev.tether.ssh.wire.MessageNumbers;
import dev.tether.ssh.wire.SshReader;
import dev.tether.ssh.wire.SshWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code ssh-connection} service (RFC 4254) for both roles: the channel table, channel open
 * and its answers, the dispatch of channel messages, session requests to the server's
 * {@link ServerInterface}, and global requests.
 *
 * <p><b>Threads.</b> {@link #handle} runs on the reader thread and never blocks: channel data
 * goes into bounded per-channel buffers, policy callbacks are expected to be quick, and replies
 * are queued. Opening channels and sending global requests happen on application threads and
 * wait, with a timeout, for the answer. The channel table is a concurrent map.
 */
public final class ConnectionService implements MessageHandler {
    private static final Logger log = LoggerFactory.getLogger(ConnectionService.class);
    /** Channels one connection may hold open at once. */
    static final int MAX_CHANNELS = 1024;

    private final Transport transport;
    private final ServerInterface policy;
    private final Duration timeout;
    private final Map<Integer, ChannelImpl> channels = new ConcurrentHashMap<>();
    private final Map<Integer, CompletableFuture<ChannelImpl>> opening = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger();
    private final LinkedBlockingQueue<Channel> accepted = new LinkedBlockingQueue<>();
    private final ArrayDeque<CompletableFuture<SshReader>> globalReplies = new ArrayDeque<>();
    private volatile boolean noMoreSessions;
    /** Server: the client-alive, unused-connection and channel timeouts; null when none is on. */
    private volatile IdleTimers idle;

    /**
     * @param policy the server's policy; null on the client, which refuses every channel the
     *               server tries to open
     */
    public ConnectionService(Transport transport, ServerInterface policy) {
        this.transport = transport;
        this.policy = policy;
        this.timeout = transport.config().sendTimeout();
    }

    /** Server: starts the idle and liveness timers the config turns on, from authentication on. */
    @Override
    public void installed() {
        if (policy != null && transport.isActive()) {
            idle = IdleTimers.start(transport, this);
        }
    }

    // ------------------------------------------------------------------ application side

    /** Opens a channel and waits for the peer's answer (RFC 4254 §5.1). */
    public Channel openChannel(String type, byte[] typeSpecific) throws IOException {
        if (channels.size() + opening.size() >= MAX_CHANNELS) {
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
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SshException(DisconnectReason.BY_APPLICATION, "interrupted opening a " + type + " channel");
        } catch (TimeoutException e) {
            channels.remove(id);
            channelsChanged();
            throw new SshException(DisconnectReason.BY_APPLICATION, "no answer to a " + type + " channel open");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof SshException se ? new SshException(se.reason(), se.getMessage(), se)
                    : new SshException(DisconnectReason.CONNECTION_LOST, String.valueOf(c.getMessage()), c);
        } finally {
            opening.remove(id);
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

    /** Sends a global request (RFC 4254 §4) and waits for the answer; the reply data, or null on failure. */
    public SshReader globalRequest(String name, byte[] data, Duration wait) throws IOException {
        CompletableFuture<SshReader> f = new CompletableFuture<>();
        synchronized (globalReplies) {
            globalReplies.add(f);
            transport.send(new GlobalRequests.GlobalRequest(name, true, data).encode());
        }
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

    /** {@link #sendKeepalive()} that never blocks, for timer tasks ({@link Transport#sendNoWait}). */
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
        if (policy != null) {
            ch.inactivityTimeout(transport.config().channelTimeout(type));
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

    /** Server: session channels open now, against MaxSessions. */
    private int openSessions() {
        int n = 0;
        for (ChannelImpl ch : channels.values()) {
            if (ch.type().equals("session")) {
                n++;
            }
        }
        return n;
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
                CompletableFuture<SshReader> f;
                synchronized (globalReplies) {
                    f = globalReplies.poll();
                }
                if (f == null) {
                    throw new SshException(DisconnectReason.PROTOCOL_ERROR, "a global request reply nobody asked for");
                }
                if (m == MessageNumbers.REQUEST_SUCCESS) {
                    f.complete(new SshReader(GlobalRequests.RequestSuccess.decode(r).data()));
                } else {
                    f.complete(null);
                }
                return true;
            }
            case MessageNumbers.CHANNEL_OPEN:
                channelOpen(r);
                return true;
            case MessageNumbers.CHANNEL_OPEN_CONFIRMATION: {
                int id = ChannelMessages.peekRecipient(r);
                CompletableFuture<ChannelImpl> f = opening.get(id);
                ChannelImpl ch = channels.get(id);
                if (f == null || ch == null) {
                    throw new SshException(DisconnectReason.PROTOCOL_ERROR, "confirmation for channel " + id + " that is not opening");
                }
                ChannelMessages.OpenConfirmation c = ChannelMessages.OpenConfirmation.decode(r);
                ch.opened(c.sender(), c.initialWindow(), c.maxPacket());
                f.complete(ch);
                return true;
            }
            case MessageNumbers.CHANNEL_OPEN_FAILURE: {
                int id = ChannelMessages.peekRecipient(r);
                CompletableFuture<ChannelImpl> f = opening.get(id);
                if (f == null) {
                    throw new SshException(DisconnectReason.PROTOCOL_ERROR, "open failure for channel " + id + " that is not opening");
                }
                channels.remove(id);
                channelsChanged();
                ChannelMessages.OpenFailure failure = ChannelMessages.OpenFailure.decode(r);
                int code = failure.reasonCode();
                String why = Disconnect.sanitize(failure.description());
                f.completeExceptionally(new SshException(DisconnectReason.BY_APPLICATION,
                        "channel open refused (" + code + "): " + why));
                return true;
            }
            case MessageNumbers.CHANNEL_WINDOW_ADJUST: {
                ChannelImpl ch = channel(ChannelMessages.peekRecipient(r));
                ch.onWindowAdjust(ChannelMessages.WindowAdjust.decode(r).bytesToAdd());
                return true;
            }
            case MessageNumbers.CHANNEL_DATA:
                // the bulk path reads in place (layout: ChannelMessages.Data); onData reads the data
                channel(r.uint32()).onData(r, false);
                return true;
            case MessageNumbers.CHANNEL_EXTENDED_DATA:
                // layout: ChannelMessages.ExtendedData; onData reads the type and the data in place
                channel(r.uint32()).onData(r, true);
                return true;
            case MessageNumbers.CHANNEL_EOF:
                channel(ChannelMessages.Eof.decode(r).recipient()).onEof();
                return true;
            case MessageNumbers.CHANNEL_CLOSE:
                channel(ChannelMessages.Close.decode(r).recipient()).onClose();
                return true;
            case MessageNumbers.CHANNEL_REQUEST: {
                ChannelImpl ch = channel(ChannelMessages.peekRecipient(r));
                channelRequest(ch, ChannelMessages.Request.decode(r));
                return true;
            }
            case MessageNumbers.CHANNEL_SUCCESS:
                channel(ChannelMessages.Success.decode(r).recipient()).onRequestReply(true);
                return true;
            case MessageNumbers.CHANNEL_FAILURE:
                channel(ChannelMessages.Failure.decode(r).recipient()).onRequestReply(false);
                return true;
            default:
                return false;
        }
    }

    private ChannelImpl channel(int id) throws SshException {
        ChannelImpl ch = channels.get(id);
        if (ch == null) {
            throw new SshException(DisconnectReason.PROTOCOL_ERROR, "message for unknown channel " + (id & 0xffffffffL));
        }
        return ch;
    }

    private void globalRequest(SshReader payload) throws IOException {
        GlobalRequests.GlobalRequest req = GlobalRequests.GlobalRequest.decode(payload);
        String name = req.name();
        boolean wantReply = req.wantReply();
        SshReader r = new SshReader(req.data());
        boolean ok = false;
        if (policy != null) {
            switch (name) {
                case "no-more-sessions@openssh.com":
                    noMoreSessions = true;
                    break;
                case "keepalive@openssh.com":
                    break; // answered with failure, which is all a keepalive needs
                case "tcpip-forward": {
                    String address = r.utf8();
                    int port = r.uint32();
                    int bound = policy.checkPortForwardRequest(address, port);
                    if (bound >= 0) {
                        if (wantReply) {
                            // RFC 4254 §7.1: the port bound is returned only when port 0 was asked for
                            byte[] data = port == 0 ? new SshWriter(4).uint32(bound).toByteArray() : new byte[0];
                            transport.send(new GlobalRequests.RequestSuccess(data).encode());
                        }
                        return;
                    }
                    break;
                }
                case "cancel-tcpip-forward":
                    policy.cancelPortForwardRequest(r.utf8(), r.uint32());
                    ok = true;
                    break;
                default:
                    ok = policy.checkGlobalRequest(name);
            }
        }
        if (wantReply) {
            transport.send(ok ? new GlobalRequests.RequestSuccess().encode() : new GlobalRequests.RequestFailure().encode());
        }
    }

    private void channelOpen(SshReader payload) throws IOException {
        ChannelMessages.Open open = ChannelMessages.Open.decode(payload);
        String type = open.type();
        int sender = open.sender();
        long window = open.initialWindow();
        int maxPacket = open.maxPacket();
        SshReader r = new SshReader(open.typeSpecific());
        ChannelOpenResult result;
        String refusal = "channel type " + Disconnect.sanitize(type) + " refused";
        int id = nextId.getAndIncrement();
        if (policy == null) {
            result = ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED;
        } else if (channels.size() >= MAX_CHANNELS) {
            result = ChannelOpenResult.RESOURCE_SHORTAGE;
        } else if (maxPacket <= 0) {
            result = ChannelOpenResult.CONNECT_FAILED;
        } else if (type.equals("session") && noMoreSessions) {
            result = ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED;
        } else if (type.equals("session") && openSessions() >= transport.config().maxSessions()) {
            // as sshd: CONNECT_FAILED, "open failed" (ssh prints "open failed: connect failed: open failed")
            result = ChannelOpenResult.CONNECT_FAILED;
            refusal = "open failed";
            log.info("{} refused a session: MaxSessions ({}) reached", transport, transport.config().maxSessions());
        } else if (type.equals("direct-tcpip")) {
            String host = r.utf8();
            int port = r.uint32();
            String origin = r.utf8();
            int originPort = r.uint32();
            result = policy.checkChannelDirectTcpipRequest(id, origin, originPort, host, port);
        } else {
            result = policy.checkChannelRequest(type, id);
        }
        if (result != ChannelOpenResult.SUCCEEDED) {
            log.debug("{} refused {} channel: {}", transport, Disconnect.sanitize(type), result);
            transport.send(new ChannelMessages.OpenFailure(sender, result.code(), refusal, "").encode());
            return;
        }
        ChannelImpl ch = newChannel(type, id);
        ch.opened(sender, window, maxPacket);
        channels.put(id, ch);
        channelsChanged();
        transport.send(new ChannelMessages.OpenConfirmation(sender, id, ChannelImpl.LOCAL_WINDOW, ChannelImpl.LOCAL_MAX_PACKET).encode());
        accepted.add(ch);
    }

    private void channelRequest(ChannelImpl ch, ChannelMessages.Request req) throws IOException {
        String name = req.type();
        boolean wantReply = req.wantReply();
        SshReader r = new SshReader(req.typeSpecific());
        boolean ok;
        if (policy == null) {
            ok = clientSideRequest(ch, name, r);
        } else {
            ok = serverSideRequest(ch, name, r);
        }
        if (wantReply) {
            transport.send(ok ? new ChannelMessages.Success(ch.remoteId()).encode() : new ChannelMessages.Failure(ch.remoteId()).encode());
        }
        ch.runAfterReply();
    }

    private boolean clientSideRequest(ChannelImpl ch, String name, SshReader r) throws IOException {
        switch (name) {
            case "exit-status":
                ch.onExitStatus(r.uint32());
                return true;
            case "exit-signal":
                ch.onExitSignal(Disconnect.sanitize(r.ascii()));
                return true;
            default:
                return false; // keepalive@openssh.com and friends: failure is the expected answer
        }
    }

    private boolean serverSideRequest(ChannelImpl ch, String name, SshReader r) throws IOException {
        switch (name) {
            case "pty-req": {
                String term = r.utf8();
                int cols = r.uint32();
                int rows = r.uint32();
                int w = r.uint32();
                int h = r.uint32();
                byte[] modes = r.string();
                return policy.checkChannelPtyRequest(ch, new PtyRequest(term, cols, rows, w, h, TerminalModes.decode(modes)));
            }
            case "shell":
                return policy.checkChannelShellRequest(ch);
            case "exec":
                return policy.checkChannelExecRequest(ch, r.utf8());
            case "subsystem":
                return policy.checkChannelSubsystemRequest(ch, r.utf8());
            case "env":
                return policy.checkChannelEnvRequest(ch, r.utf8(), r.utf8());
            case "window-change":
                return policy.checkChannelWindowChangeRequest(ch, r.uint32(), r.uint32(), r.uint32(), r.uint32());
            case "signal":
                return policy.checkChannelSignalRequest(ch, r.ascii());
            case "x11-req":
                return policy.checkChannelX11Request(ch, r.bool(), r.utf8(), r.utf8(), r.uint32());
            case "auth-agent-req@openssh.com":
                return policy.checkChannelForwardAgentRequest(ch);
            default:
                return false;
        }
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
        opening.values().forEach(f -> f.completeExceptionally(e));
        synchronized (globalReplies) {
            globalReplies.forEach(f -> f.completeExceptionally(e));
            globalReplies.clear();
        }
    }
}
