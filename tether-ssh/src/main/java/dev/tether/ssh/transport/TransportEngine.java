package dev.tether.ssh.transport;

import dev.tether.ssh.common.DisconnectException;
import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.NegotiatedAlgorithms;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.wire.Disconnect;
import dev.tether.ssh.wire.ExtInfo;
import dev.tether.ssh.wire.MessageNumbers;
import dev.tether.ssh.wire.TransportMessages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The engine of one SSH connection's transport layer (RFC 4253), in the client or the server
 * role, over a connected socket or any pair of streams: the reader and writer loops, dispatch of
 * the transport's own messages (RFC 4253 §10–11, RFC 8308, {@code ping@openssh.com}) and the
 * service request. The public {@code dev.tether.ssh.Transport} is built on it; the layers above
 * (user authentication, the connection protocol) see it as a {@link PacketConnection}.
 *
 * <h2>Threading model</h2>
 * <ul>
 *   <li><b>One reader thread</b> reads, decrypts and dispatches every packet. It runs key
 *       exchanges itself, synchronously, and hands every message from number 50 up to the
 *       current {@link MessageHandler}, which must not block.</li>
 *   <li><b>One writer thread</b> takes packets from an {@link OutboundQueue}, encrypts and writes
 *       them. Every sender, the reader included, only queues, so the reader never blocks on the
 *       socket and two peers can never deadlock each other. During a key exchange the queue
 *       holds non-KEX packets back until our NEWKEYS is out (RFC 4253 §7.1).</li>
 *   <li>Both are daemon platform threads from {@link Threads} (virtual threads on JDK 21+ when
 *       {@code tether.virtualThreads=true}). Neither outlives
 *       {@link #close()}: closing queues a DISCONNECT, gives the writer a bounded time to flush
 *       it, then closes the socket, which ends both threads.</li>
 *   <li>Public methods are thread-safe. Blocking calls take a timeout. A pending service request
 *       is guarded by this object's monitor.</li>
 * </ul>
 *
 * <h2>Failure</h2>
 * A malformed, hostile or out-of-order packet ends the connection with a DISCONNECT whose reason
 * code and description name the problem; no exception escapes the reader thread, and the cause
 * is available from {@link #closeCause()}.
 *
 * <h2>Parts</h2>
 * This class holds the reader and writer loops and dispatch; {@link KeyExchanger} runs key
 * exchanges and rekeys, {@link Lifecycle} starts and tears down the connection. Logs go to the
 * logger {@code dev.tether.ssh.Transport}, the name users know.
 */
public final class TransportEngine implements PacketConnection {
    private static final Logger log = LoggerFactory.getLogger("dev.tether.ssh.Transport");
    private static final AtomicLong IDS = new AtomicLong();

    private final boolean client;
    private final TransportSettings config;
    private final OutputStream out;
    private final String remoteHost;
    private final int remotePort;
    private final long id;
    private final String ourVersion;
    private final PacketReader reader;
    private final PacketWriter writer;
    private final OutboundQueue queue;
    private final Thread readerThread;
    private final Thread writerThread;
    /** The key exchange state machine: KEXINIT, rekeying, NEWKEYS, strict KEX; its results. */
    private final KeyExchanger kex;
    /** Starting the threads and watchdogs; the teardown. */
    private final Lifecycle life;

    /** When the reader last received a packet (System.nanoTime), for the server's client-alive probes. */
    private volatile long lastReceivedNanos = System.nanoTime();

    private volatile String peerVersion;
    /** Server: the services a client may request (RFC 4253 §10), by name; null for a name it may not. */
    private volatile Function<String, MessageHandler> services = name -> null;
    /** Server: what the services announce in EXT_INFO beside the transport's own extensions. */
    private volatile Map<String, String> serviceExtensions = Map.of();
    private volatile Map<String, String> peerExtensions = Map.of();
    private volatile MessageHandler handler;
    private volatile boolean serviceActive;
    private volatile String activeService;
    private volatile boolean authenticated;
    /** Client: the service request waiting for SERVICE_ACCEPT (guarded by this). */
    private String pendingServiceName;
    private CompletableFuture<Void> pendingService;
    /** Server: failed authentication attempts (for PerSourcePenalties; the lifecycle knows whether the login grace time ran out). */
    private final AtomicInteger authFailures = new AtomicInteger();
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> pings = new ConcurrentLinkedQueue<>();

    /**
     * A connection that has not started yet; {@link #start} starts it.
     *
     * @param socket     the socket, closed at the end, or null over plain streams
     * @param remoteHost the peer's address (or the host name a client verifies the host key for)
     * @param verifier   client: checks the server's host key; server: null
     */
    public TransportEngine(boolean client, TransportSettings config, Socket socket, InputStream in, OutputStream out,
                           String remoteHost, int remotePort, HostKeyVerifier verifier) {
        this.client = client;
        this.config = config;
        this.out = out;
        this.remoteHost = remoteHost;
        this.remotePort = remotePort;
        this.id = IDS.incrementAndGet();
        this.ourVersion = Identification.ourLine(config.softwareVersion(), config.comment());
        this.reader = new PacketReader(in);
        this.writer = new PacketWriter(out, config.random());
        this.queue = new OutboundQueue(config.maxQueuedBytes());
        this.kex = new KeyExchanger(this, client, config, reader, writer, queue, verifier);
        String role = client ? "client" : "server";
        this.readerThread = Threads.newThread("tether-" + role + "-" + id + "-reader", this::readLoop);
        this.writerThread = Threads.newThread("tether-" + role + "-" + id + "-writer", this::writeLoop);
        this.life = new Lifecycle(this, client, config, socket, in, out, queue, kex, readerThread, writerThread);
    }

    /**
     * Starts the threads and watchdogs. A server logs the connection in the event log first.
     *
     * @param services          server: the service for each name a client may request, or null
     *                          for a name it may not (SERVICE_NOT_AVAILABLE); ignored by a client
     * @param serviceExtensions server: RFC 8308 extensions the services support, announced in
     *                          our EXT_INFO (e.g. {@code publickey-hostbound@openssh.com}); ignored by a client
     */
    public void start(Function<String, MessageHandler> services, Map<String, String> serviceExtensions) {
        if (!client) {
            this.services = services;
            this.serviceExtensions = Map.copyOf(serviceExtensions);
            EventLog.connect(this);
        }
        life.start();
    }

    // ------------------------------------------------------------------ the application's calls

    /** Waits for the first key exchange to complete. */
    public void awaitKeyExchange(Duration timeout) throws SshException {
        await(kex.firstKex(), timeout, "the key exchange");
    }

    @Override
    public void requestService(String name, Duration timeout) throws SshException {
        if (!client) {
            throw new IllegalStateException("only a client requests services");
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        synchronized (this) {
            if (pendingService != null) {
                throw new IllegalStateException("a service request is already pending");
            }
            pendingServiceName = name;
            pendingService = f;
        }
        send(new TransportMessages.ServiceRequest(name).encode());
        await(f, timeout, "SERVICE_ACCEPT for " + name);
    }

    @Override
    public TransportSettings settings() {
        return config;
    }

    @Override
    public void send(byte[] payload) throws SshException {
        send(payload, config.sendTimeout());
    }

    @Override
    public void send(byte[] payload, Duration timeout) throws SshException {
        checkSendable(payload);
        if (Thread.currentThread() == readerThread) {
            queue.putFromReader(payload, null);
        } else {
            queue.put(payload, null, timeout.toNanos());
        }
    }

    @Override
    public void awaitRoom(Duration timeout) throws SshException {
        if (Thread.currentThread() != readerThread) {
            queue.awaitRoom(timeout.toNanos());
        }
    }

    @Override
    public void sendNoWait(byte[] payload) throws SshException {
        checkSendable(payload);
        queue.putFromReader(payload, null);
    }

    @Override
    public long lastReceivedNanos() {
        return lastReceivedNanos;
    }

    private void checkSendable(byte[] payload) throws SshException {
        int m = payload[0] & 0xff;
        if (m == MessageNumbers.KEXINIT || m == MessageNumbers.NEWKEYS || MessageNumbers.isKexMethodSpecific(m)) {
            throw new IllegalArgumentException("key exchange messages are sent by the transport itself");
        }
        if (life.isClosing()) {
            throw new SshException(DisconnectReason.CONNECTION_LOST, "connection is closed");
        }
    }

    /** Sends SSH_MSG_IGNORE with the given data (RFC 4253 §11.2). */
    public void sendIgnore(byte[] data) throws SshException {
        send(new TransportMessages.Ignore(data).encode());
    }

    /** Sends SSH_MSG_DEBUG (RFC 4253 §11.3). */
    public void sendDebug(boolean alwaysDisplay, String message) throws SshException {
        send(new TransportMessages.Debug(alwaysDisplay, message, "").encode());
    }

    /**
     * Sends {@code ping@openssh.com} (OpenSSH PROTOCOL §1.9) and returns a future completed by the
     * matching PONG. Fails at once if the peer did not announce the extension.
     */
    public CompletableFuture<Void> ping(byte[] data) throws SshException {
        if (!peerExtensions.containsKey("ping@openssh.com")) {
            throw new SshException(DisconnectReason.BY_APPLICATION, "peer does not support ping@openssh.com");
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        pings.add(f);
        send(new TransportMessages.Ping(data).encode());
        return f;
    }

    /** Starts a key re-exchange (RFC 4253 §9) and waits for it to complete. */
    public void renegotiateKeys(Duration timeout) throws SshException {
        CompletableFuture<Void> f = kex.rekeyWaiter();
        kex.requestKex();
        await(f, timeout, "the key re-exchange");
    }

    /** Starts a key re-exchange without waiting. */
    public void renegotiateKeys() throws SshException {
        kex.requestKex();
    }

    @Override
    public void setMessageHandler(MessageHandler handler) {
        this.handler = handler;
        if (handler != null) {
            handler.installed();
        }
    }

    @Override
    public MessageHandler messageHandler() {
        return handler;
    }

    @Override
    public void authenticationSucceeded(byte[] successMessage) throws SshException {
        authenticated = true;
        life.loginSucceeded();
        if (kex.delayedInbound()) {
            reader.enableCompression();
        }
        Runnable startOut = () -> {
            if (kex.delayedOutbound()) {
                writer.enableCompression();
            }
        };
        if (successMessage != null) {
            if (Thread.currentThread() == readerThread) {
                queue.putFromReader(successMessage, startOut);
            } else {
                queue.put(successMessage, startOut, config.sendTimeout().toNanos());
            }
        } else {
            queue.putAction(startOut);
        }
    }

    @Override
    public boolean isActive() {
        return !life.isClosing();
    }

    @Override
    public boolean isClientMode() {
        return client;
    }

    @Override
    public boolean isAuthenticated() {
        return authenticated;
    }

    @Override
    public boolean hasCompletedKeyExchange() {
        return kex.firstKex().isDone() && !kex.firstKex().isCompletedExceptionally();
    }

    @Override
    public void noteAuthenticationFailure() {
        authFailures.incrementAndGet();
    }

    @Override
    public int authenticationFailures() {
        return authFailures.get();
    }

    @Override
    public boolean loginGraceExceeded() {
        return life.loginGraceExceeded();
    }

    /** True if strict key exchange (kex-strict-*-v00@openssh.com) is in force. */
    public boolean isStrictKex() {
        return kex.isStrict();
    }

    @Override
    public NegotiatedAlgorithms negotiatedAlgorithms() {
        return kex.algorithms();
    }

    @Override
    public byte[] sessionId() {
        byte[] s = kex.sessionId();
        return s == null ? null : s.clone();
    }

    @Override
    public byte[] hostKeyBlob() {
        byte[] k = kex.hostKey();
        return k == null ? null : k.clone();
    }

    /**
     * The server's signature blob over the first exchange hash, as sent in its KEX reply (for
     * {@code session-bind@openssh.com}, OpenSSH PROTOCOL.agent); null before the first exchange.
     */
    public byte[] initialSignature() {
        byte[] s = kex.initialSignature();
        return s == null ? null : s.clone();
    }

    @Override
    public void abort(Throwable cause) {
        life.fail(cause, !(isConnectionLoss(cause)));
    }

    @Override
    public String peerVersion() {
        return peerVersion;
    }

    @Override
    public String localVersion() {
        return ourVersion;
    }

    @Override
    public Map<String, String> peerExtensions() {
        return peerExtensions;
    }

    @Override
    public String remoteHost() {
        return remoteHost;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public int remotePort() {
        return remotePort;
    }

    /** How many key exchanges have completed, the first one included. */
    public int keyExchangeCount() {
        return kex.count();
    }

    @Override
    public CompletableFuture<Void> closeFuture() {
        return life.closed();
    }

    @Override
    public Throwable closeCause() {
        return life.closeCause();
    }

    @Override
    public void disconnect(DisconnectReason reason, String description) {
        life.fail(new DisconnectException(reason.code(), description, false), true);
    }

    /**
     * Closes the connection: DISCONNECT (BY_APPLICATION), a bounded wait for the writer to flush
     * it, then the socket is closed. Waits a bounded time for the threads to end.
     */
    public void close() {
        life.close();
    }

    @Override
    public String toString() {
        return "Transport[" + (client ? "client" : "server") + " #" + id + " " + remoteHost + ":" + remotePort + "]";
    }

    /** The slf4j MDC key under which this connection's threads log its {@link #mdcValue()}. */
    public static final String MDC_CONNECTION = "tether.connection";

    /** {@code server-N} or {@code client-N}, N being {@link #id()}: what the MDC holds on this connection's threads. */
    private String mdcValue() {
        return (client ? "client-" : "server-") + id;
    }

    /** Server: the services' EXT_INFO extensions, for the key exchanger. */
    Map<String, String> serviceExtensions() {
        return serviceExtensions;
    }

    /** Called by the key exchanger on the reader thread once the first exchange has completed. */
    void firstKeyExchangeDone() {
        life.firstKeyExchangeDone();
    }

    // ------------------------------------------------------------------ reader thread

    private void readLoop() {
        MDC.put(MDC_CONNECTION, mdcValue());
        try {
            peerVersion = Identification.readPeerLine(reader.input()); // buffered by the reader: no BufferedInputStream
            log.debug("{} peer version {}", this, Disconnect.sanitize(peerVersion));
            kex.requestKex();
            while (!life.isClosing()) {
                int m = reader.read();
                lastReceivedNanos = System.nanoTime();
                if (log.isTraceEnabled()) {
                    log.trace("{} recv {} ({} bytes, seq {})", this, MessageNumbers.name(m), reader.payloadLength(), reader.lastSequence());
                }
                dispatch(m);
                kex.checkRekeyDue(reader.bytesSinceRekey());
            }
        } catch (Throwable t) {
            if (!life.isClosing()) {
                life.fail(t, !(t instanceof DisconnectException) && !(isConnectionLoss(t)));
            }
        } finally {
            life.drainAndClose();
            reader.release();
            life.threadEnded();
        }
    }

    private static boolean isConnectionLoss(Throwable t) {
        return t instanceof IOException && !(t instanceof SshException);
    }

    private void dispatch(int m) throws IOException {
        boolean kexDone = kex.firstKex().isDone();
        kex.noteIncoming(m);
        switch (m) {
            case MessageNumbers.DISCONNECT:
                throw peerDisconnect();
            case MessageNumbers.IGNORE:
                return;
            case MessageNumbers.DEBUG:
                logDebugMessage();
                return;
            case MessageNumbers.UNIMPLEMENTED:
                kex.peerUnimplemented(TransportMessages.Unimplemented.decode(reader.payloadAfterType()).sequence());
                return;
            case MessageNumbers.KEXINIT:
                kex.peerKexInit(reader.payloadCopy());
                return;
            default:
                break;
        }
        if (!kexDone) {
            throw new SshException(DisconnectReason.PROTOCOL_ERROR,
                    "unexpected " + MessageNumbers.name(m) + " before the key exchange completed");
        }
        switch (m) {
            case MessageNumbers.NEWKEYS:
                throw new SshException(DisconnectReason.PROTOCOL_ERROR, "NEWKEYS outside a key exchange");
            case MessageNumbers.SERVICE_REQUEST:
                handleServiceRequest(reader.payloadAfterType());
                return;
            case MessageNumbers.SERVICE_ACCEPT:
                serviceAccepted(reader.payloadAfterType());
                return;
            case MessageNumbers.EXT_INFO:
                peerExtensions = ExtInfo.decode(reader.payloadAfterType()).extensions();
                log.debug("{} peer extensions {}", this, peerExtensions.keySet());
                return;
            case MessageNumbers.PING: {
                byte[] data = TransportMessages.Ping.decode(reader.payloadAfterType()).data();
                queue.putFromReader(new TransportMessages.Pong(data).encode(), null);
                return;
            }
            case MessageNumbers.PONG: {
                CompletableFuture<Void> f = pings.poll();
                if (f != null) {
                    f.complete(null);
                }
                return;
            }
            default:
                break;
        }
        if (MessageNumbers.isKexMethodSpecific(m)) {
            throw new SshException(DisconnectReason.PROTOCOL_ERROR,
                    "key exchange message " + m + " outside a key exchange");
        }
        if (MessageNumbers.isTransport(m)) {
            unknown(m);
            return;
        }
        if (!client && !serviceActive) {
            throw new SshException(DisconnectReason.PROTOCOL_ERROR,
                    "unexpected " + MessageNumbers.name(m) + " before a service was requested");
        }
        MessageHandler h = handler;
        if (h != null && h.handle(m, reader.payloadAfterType())) {
            return;
        }
        unknown(m);
    }

    private void unknown(int m) throws SshException {
        if (!authenticated) {
            throw new SshException(DisconnectReason.PROTOCOL_ERROR,
                    "unexpected message " + MessageNumbers.name(m) + " before authentication");
        }
        // RFC 4253 §11.4
        queue.putFromReader(new TransportMessages.Unimplemented(reader.lastSequence()).encode(), null);
    }

    DisconnectException peerDisconnect() throws SshException {
        Disconnect d = Disconnect.decode(reader.payloadAfterType());
        return new DisconnectException(d.reasonCode(), d.description(), true);
    }

    private void logDebugMessage() throws SshException {
        String msg = TransportMessages.Debug.decode(reader.payloadAfterType()).message();
        log.debug("{} peer debug message: {}", this, Disconnect.sanitize(msg));
    }

    /** Reader thread, client: SERVICE_ACCEPT for the pending request. */
    private void serviceAccepted(SshReader r) throws IOException {
        String name = TransportMessages.ServiceAccept.decode(r).name();
        CompletableFuture<Void> f;
        synchronized (this) {
            f = pendingService;
            if (f == null || !client) {
                throw new SshException(DisconnectReason.PROTOCOL_ERROR, "SERVICE_ACCEPT without a request");
            }
            if (name != null && !name.equals(pendingServiceName)) {
                throw new SshException(DisconnectReason.PROTOCOL_ERROR,
                        "SERVICE_ACCEPT for " + Disconnect.sanitize(name) + ", requested " + pendingServiceName);
            }
            pendingService = null;
        }
        f.complete(null);
    }

    private void handleServiceRequest(SshReader r) throws IOException {
        String name = TransportMessages.ServiceRequest.decode(r).name();
        if (client) {
            throw new SshException(DisconnectReason.PROTOCOL_ERROR, "server sent SERVICE_REQUEST");
        }
        if (serviceActive) {
            // paramiko asks for ssh-userauth again before each method; sshd accepts that until
            // authentication succeeds, and so do we, without restarting the service
            if (!authenticated && name.equals(activeService)) {
                queue.putFromReader(new TransportMessages.ServiceAccept(name).encode(), null);
                return;
            }
            throw new SshException(DisconnectReason.PROTOCOL_ERROR, "a second SERVICE_REQUEST (" + Disconnect.sanitize(name) + ")");
        }
        MessageHandler service = services.apply(name);
        if (service == null) {
            throw new SshException(DisconnectReason.SERVICE_NOT_AVAILABLE, "service not available: " + Disconnect.sanitize(name));
        }
        setMessageHandler(service);
        activeService = name;
        serviceActive = true;
        queue.putFromReader(new TransportMessages.ServiceAccept(name).encode(), null);
    }

    // ------------------------------------------------------------------ writer thread

    private void writeLoop() {
        MDC.put(MDC_CONNECTION, mdcValue());
        try {
            out.write((ourVersion + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            while (true) {
                OutboundQueue.Entry e = queue.poll(TimeUnit.SECONDS.toNanos(30));
                if (e == null) {
                    if (queue.isClosed()) {
                        break;
                    }
                    continue;
                }
                if (e.payload() != null) {
                    if (e.payload()[0] == MessageNumbers.KEXINIT) {
                        kex.kexInitWriting(e.payload()); // recorded before the write, so an UNIMPLEMENTED answer always finds it
                    }
                    if (log.isTraceEnabled()) {
                        log.trace("{} send {} ({} bytes, seq {})", this, MessageNumbers.name(e.payload()[0] & 0xff),
                                e.payload().length, writer.nextSequence());
                    }
                    writer.write(e.payload());
                }
                queue.written(e);
                if (e.afterWrite() != null) {
                    e.afterWrite().run();
                }
                if (queue.isIdle()) {
                    writer.flush();
                }
                if (!life.isClosing()) {
                    kex.checkRekeyDue(writer.bytesSinceRekey());
                }
            }
            writer.flush();
            life.writingDone(); // a FIN after our DISCONNECT; the reader drains, then closes
        } catch (Throwable t) {
            if (!life.isClosing()) {
                life.fail(t, false);
            }
            life.closeStreams();
        } finally {
            writer.release();
            life.threadEnded();
        }
    }

    // ------------------------------------------------------------------ teardown

    /** Cancels a timer task if there is one. */
    public static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    /** For the teardown: fails everything that waits on this connection. */
    void failPending(Throwable cause) {
        Throwable c = cause != null ? cause : new SshException(DisconnectReason.BY_APPLICATION, "connection closed");
        kex.firstKex().completeExceptionally(c);
        CompletableFuture<Void> service;
        synchronized (this) {
            service = pendingService;
        }
        if (service != null) {
            service.completeExceptionally(c);
        }
        kex.failWaiters(c);
        CompletableFuture<Void> p;
        while ((p = pings.poll()) != null) {
            p.completeExceptionally(c);
        }
    }

    /** For the teardown: stops this connection's timers (the watchdogs are the lifecycle's own). */
    void stopTimers() {
        kex.stopRekeyTimer();
    }

    /** For the teardown, once both threads have ended: the handler hears that the connection closed. */
    void handlerClosed(Throwable closeCause) {
        MessageHandler h = handler;
        if (h != null) {
            try {
                h.closed(closeCause);
            } catch (RuntimeException e) {
                log.warn("{} handler failed on close", this, e);
            }
        }
    }

    /**
     * Waits for {@code f} up to {@code timeout}, turning every way it can end badly into an
     * {@link SshException} (a copy of the connection's failure, so the caller's stack shows).
     */
    public static void await(CompletableFuture<Void> f, Duration timeout, String what) throws SshException {
        try {
            f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SshException(DisconnectReason.BY_APPLICATION, "interrupted while waiting for " + what);
        } catch (TimeoutException e) {
            throw new SshException(DisconnectReason.BY_APPLICATION, "timed out after " + timeout.toMillis() + " ms waiting for " + what);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof SshException se) {
                if (se instanceof DisconnectException de) {
                    throw new DisconnectException(de.code(), de.description(), de.fromPeer());
                }
                throw new SshException(se.reason(), se.getMessage(), se);
            }
            if (c instanceof EOFException) {
                throw new SshException(DisconnectReason.CONNECTION_LOST, "connection closed by peer while waiting for " + what, c);
            }
            if (c instanceof IOException) {
                throw new SshException(DisconnectReason.CONNECTION_LOST, c.getMessage(), c);
            }
            throw new SshException(DisconnectReason.PROTOCOL_ERROR, "failed waiting for " + what + ": " + c, c);
        }
    }
}
