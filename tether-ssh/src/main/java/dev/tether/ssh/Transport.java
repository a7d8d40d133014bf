package dev.tether.ssh;

import dev.tether.ssh.agent.AgentClient;
import dev.tether.ssh.auth.KeyboardInteractiveHandler;
import dev.tether.ssh.auth.PasswordChanger;
import dev.tether.ssh.auth.Signer;
import dev.tether.ssh.common.AuthenticationException;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.ConnectionInfo;
import dev.tether.ssh.common.DisconnectException;
import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.NegotiatedAlgorithms;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.connection.ConnectionService;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.OpenSshCertificate;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.policy.ConnectionValidator;
import dev.tether.ssh.policy.Login;
import dev.tether.ssh.policy.PerSourcePenalties;
import dev.tether.ssh.policy.ServerInterface;
import dev.tether.ssh.transport.EventLog;
import dev.tether.ssh.transport.Identification;
import dev.tether.ssh.transport.MessageHandler;
import dev.tether.ssh.transport.OutboundQueue;
import dev.tether.ssh.transport.PacketReader;
import dev.tether.ssh.transport.PacketWriter;
import dev.tether.ssh.transport.Threads;
import dev.tether.ssh.userauth.ClientAuthenticator;
import dev.tether.ssh.wire.Disconnect;
import dev.tether.ssh.wire.ExtInfo;
import dev.tether.ssh.wire.MessageNumbers;
import dev.tether.ssh.wire.SshReader;
import dev.tether.ssh.wire.TransportMessages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One SSH connection's transport layer (RFC 4253), in the client or the server role, over a
 * connected socket or any pair of streams. In the spirit of paramiko's {@code Transport}.
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
 *   <li>Both are virtual threads on JDK 21+ and daemon platform threads on 17. Neither outlives
 *       {@link #close()}: closing queues a DISCONNECT, gives the writer a bounded time to flush
 *       it, then closes the socket, which ends both threads.</li>
 *   <li>Public methods are thread-safe. Blocking calls take a timeout.</li>
 * </ul>
 *
 * <h2>Failure</h2>
 * A malformed, hostile or out-of-order packet ends the connection with a DISCONNECT whose reason
 * code and description name the problem; no exception escapes the reader thread, and the cause
 * is available from {@link #closeCause()}.
 *
 * <h2>Parts</h2>
 * This class holds the reader and writer loops, dispatch and the public API; {@link KeyExchanger}
 * runs key exchanges and rekeys, {@link Lifecycle} starts and tears down the connection, and
 * {@link ClientSide} holds the client's conveniences (service request, authenticator, exec).
 */
public final class Transport implements ConnectionInfo, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Transport.class);
    private static final AtomicLong IDS = new AtomicLong();

    private final boolean client;
    private final TransportConfig config;
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
    /** Client conveniences: service request, authenticator, keepalive, exec. */
    private final ClientSide clientSide;

    /** When the reader last received a packet (System.nanoTime), for the server's client-alive probes. */
    private volatile long lastReceivedNanos = System.nanoTime();

    private volatile String peerVersion;
    private java.util.function.Supplier<List<ConnectionValidator>> validators = List::of;
    private volatile Map<String, String> peerExtensions = Map.of();
    private volatile MessageHandler handler;
    private volatile boolean serviceActive;
    private volatile String activeService;
    private volatile boolean authenticated;
    /** Server: failed authentication attempts (for PerSourcePenalties; the lifecycle knows whether the login grace time ran out). */
    private final java.util.concurrent.atomic.AtomicInteger authFailures = new java.util.concurrent.atomic.AtomicInteger();
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> pings = new ConcurrentLinkedQueue<>();

    private Transport(boolean client, TransportConfig config, Socket socket, InputStream in, OutputStream out,
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
        this.clientSide = new ClientSide(this, client, kex);
        this.life = new Lifecycle(this, client, config, socket, in, out, queue, kex, readerThread, writerThread);
    }

    // ------------------------------------------------------------------ construction

    /** Connects to {@code host:port} and runs the client handshake; see {@link #startClient(Socket, String, int, TransportConfig, HostKeyVerifier)}. */
    public static Transport connect(String host, int port, TransportConfig config, HostKeyVerifier verifier) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(host, port), (int) Math.min(Integer.MAX_VALUE, config.handshakeTimeout().toMillis()));
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return startClient(s, host, port, config, verifier);
    }

    /**
     * Starts the client side over a connected socket and waits, up to the configured handshake
     * timeout, for the first key exchange to finish and the host key to be accepted.
     *
     * @param host the name the host key is verified for
     */
    public static Transport startClient(Socket socket, String host, int port, TransportConfig config,
                                        HostKeyVerifier verifier) throws IOException {
        tuneSocket(socket);
        return startClient(new Transport(true, config, socket, socket.getInputStream(),
                socket.getOutputStream(), host, port, requireVerifier(verifier)));
    }

    /** Starts the client side over a pair of streams (host name {@code "unknown"}, port 0). */
    public static Transport startClient(InputStream in, OutputStream out, TransportConfig config,
                                        HostKeyVerifier verifier) throws IOException {
        return startClient(new Transport(true, config, null, in, out, "unknown", 0, requireVerifier(verifier)));
    }

    private static Transport startClient(Transport t) throws IOException {
        t.life.start();
        t.awaitKeyExchange(t.config.handshakeTimeout());
        return t;
    }

    /**
     * Starts the server side over an accepted socket. Returns at once: the handshake runs on the
     * connection's own threads, bounded by the handshake timeout. Use
     * {@link #awaitKeyExchange(Duration)} to wait for it.
     */
    public static Transport startServer(Socket socket, TransportConfig config) throws IOException {
        return startServer(socket, config, List::of, (InetSocketAddress) socket.getRemoteSocketAddress());
    }

    /**
     * As {@link #startServer(Socket, TransportConfig)}, with the server's validators for the
     * post-login check and the client's address ({@code remote}: the socket's peer, or the one a
     * PROXY protocol header named), which {@link #remoteHost()} reports.
     */
    static Transport startServer(Socket socket, TransportConfig config,
                                 java.util.function.Supplier<List<ConnectionValidator>> validators,
                                 InetSocketAddress remote) throws IOException {
        tuneSocket(socket);
        Transport t = new Transport(false, checkServerConfig(config), socket,
                socket.getInputStream(), socket.getOutputStream(),
                remote == null ? "unknown" : remote.getAddress().getHostAddress(), remote == null ? 0 : remote.getPort(), null);
        t.validators = validators;
        return startServer(t);
    }

    /** Starts the server side over a pair of streams. */
    public static Transport startServer(InputStream in, OutputStream out, TransportConfig config) {
        return startServer(new Transport(false, checkServerConfig(config), null, in, out, "unknown", 0, null));
    }

    private static Transport startServer(Transport t) {
        EventLog.connect(t);
        t.life.start();
        return t;
    }

    private static HostKeyVerifier requireVerifier(HostKeyVerifier v) {
        if (v == null) {
            throw new IllegalArgumentException("a client needs a HostKeyVerifier; use HostKeyVerifier.insecureAcceptAny() "
                    + "only if the host key is checked some other way");
        }
        return v;
    }

    private static TransportConfig checkServerConfig(TransportConfig config) {
        if (config.hostKeys().isEmpty()) {
            throw new IllegalArgumentException("a server needs at least one host key");
        }
        return config;
    }

    private static void tuneSocket(Socket s) throws SocketException {
        s.setTcpNoDelay(true);
        s.setKeepAlive(true);
    }

    // ------------------------------------------------------------------ public API

    /** Waits for the first key exchange to complete. */
    public void awaitKeyExchange(Duration timeout) throws IOException {
        await(kex.firstKex(), timeout, "the key exchange");
    }

    /**
     * Client: requests a service (RFC 4253 §10), normally {@code ssh-userauth}, and waits for
     * SERVICE_ACCEPT.
     */
    public void requestService(String name, Duration timeout) throws IOException {
        clientSide.requestService(name, timeout);
    }

    /** Queues a message payload (beginning with its message number), waiting up to the send timeout for room. */
    public void send(byte[] payload) throws IOException {
        send(payload, config.sendTimeout());
    }

    public void send(byte[] payload, Duration timeout) throws IOException {
        checkSendable(payload);
        if (Thread.currentThread() == readerThread) {
            queue.putFromReader(payload, null);
        } else {
            queue.put(payload, null, timeout.toNanos());
        }
    }

    /**
     * Queues a payload without ever waiting, for timer tasks and other code that must not block:
     * like the reader's own replies, it fails (and the caller should end the connection) only
     * when four times {@code maxQueuedBytes} already wait, that is when the peer is not reading.
     */
    public void sendNoWait(byte[] payload) throws IOException {
        checkSendable(payload);
        queue.putFromReader(payload, null);
    }

    /** When the last packet from the peer arrived, on the {@link System#nanoTime()} clock. */
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
    public void sendIgnore(byte[] data) throws IOException {
        send(new TransportMessages.Ignore(data).encode());
    }

    /** Sends SSH_MSG_DEBUG (RFC 4253 §11.3). */
    public void sendDebug(boolean alwaysDisplay, String message) throws IOException {
        send(new TransportMessages.Debug(alwaysDisplay, message, "").encode());
    }

    /**
     * Sends {@code ping@openssh.com} (OpenSSH PROTOCOL §1.9) and returns a future completed by the
     * matching PONG. Fails at once if the peer did not announce the extension.
     */
    public CompletableFuture<Void> ping(byte[] data) throws IOException {
        if (!peerExtensions.containsKey("ping@openssh.com")) {
            throw new SshException(DisconnectReason.BY_APPLICATION, "peer does not support ping@openssh.com");
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        pings.add(f);
        send(new TransportMessages.Ping(data).encode());
        return f;
    }

    /** Starts a key re-exchange (RFC 4253 §9) and waits for it to complete. */
    public void renegotiateKeys(Duration timeout) throws IOException {
        CompletableFuture<Void> f = kex.rekeyWaiter();
        kex.requestKex();
        await(f, timeout, "the key re-exchange");
    }

    /** Starts a key re-exchange without waiting. */
    public void renegotiateKeys() throws IOException {
        kex.requestKex();
    }

    // ------------------------------------------------------------------ client authentication

    /**
     * RFC 4252 {@code none}: succeeds only on servers without authentication; otherwise throws
     * an {@link AuthenticationException} whose {@code allowed()} lists the server's methods.
     *
     * @return empty on success; on partial success, the methods that can continue
     */
    public List<String> authNone(String username) throws IOException {
        return clientSide.clientAuth().authNone(username, config.handshakeTimeout());
    }

    /** Password authentication, falling back to keyboard-interactive as paramiko does. */
    public List<String> authPassword(String username, String password) throws IOException {
        return clientSide.clientAuth().authPassword(username, password, config.handshakeTimeout());
    }

    /**
     * Password authentication that answers a password change request (RFC 4252 §8) with a new
     * password from {@code changer}, as OpenSSH's client does when it prompts for one.
     */
    public List<String> authPassword(String username, String password, PasswordChanger changer) throws IOException {
        return clientSide.clientAuth().authPassword(username, password, changer, config.handshakeTimeout());
    }

    /** Public key authentication with an in-memory key pair. */
    public List<String> authPublickey(String username, KeyPair key) throws IOException {
        return clientSide.clientAuth().authPublickey(username, Signer.keyPair(key), config.handshakeTimeout());
    }

    /**
     * Public key authentication with any signer: a key whose private half is read only once the
     * server has accepted the public half, a hardware token, a remote signing service.
     */
    public List<String> authPublickey(String username, Signer signer) throws IOException {
        return clientSide.clientAuth().authPublickey(username, signer, config.handshakeTimeout());
    }

    /** Public key authentication with an OpenSSH user certificate for {@code key}. */
    public List<String> authPublickey(String username, KeyPair key, OpenSshCertificate certificate) throws IOException {
        return clientSide.clientAuth().authPublickey(username, Signer.certificate(key, certificate), config.handshakeTimeout());
    }

    /**
     * Public key authentication with the keys of an ssh-agent, tried in the agent's order until
     * one is accepted.
     */
    public List<String> authAgent(String username, AgentClient agent) throws IOException {
        return clientSide.authAgent(username, agent, config.handshakeTimeout());
    }

    /** RFC 4256 keyboard-interactive authentication. */
    public List<String> authInteractive(String username, KeyboardInteractiveHandler handler) throws IOException {
        return clientSide.clientAuth().authInteractive(username, handler, config.handshakeTimeout());
    }

    /** The user name authentication was attempted with, or null. */
    public String getUsername() {
        ClientAuthenticator a = clientSide.existingAuth();
        return a == null ? null : a.username();
    }

    /** The server's USERAUTH_BANNER text, with control characters escaped, or null. */
    public String getBanner() {
        ClientAuthenticator a = clientSide.existingAuth();
        return a == null ? null : a.banner();
    }

    // ------------------------------------------------------------------ connection protocol

    private ConnectionService connection() throws SshException {
        MessageHandler h = handler;
        if (h instanceof ConnectionService cs) {
            return cs;
        }
        throw new SshException(DisconnectReason.BY_APPLICATION,
                authenticated ? "the connection service is not running" : "not authenticated yet");
    }

    /**
     * Sends {@code keepalive@openssh.com} every {@code interval} once the connection protocol
     * runs (paramiko's {@code set_keepalive}); {@link Duration#ZERO} stops it.
     */
    public void setKeepalive(Duration interval) {
        clientSide.setKeepalive(interval);
    }

    /** Channels currently open on this connection (0 before the connection protocol starts). */
    public int openChannelCount() {
        MessageHandler h = handler;
        return h instanceof ConnectionService cs ? cs.openChannelCount() : 0;
    }

    /** Opens a {@code session} channel (RFC 4254 §6.1). */
    public Channel openSession() throws IOException {
        return connection().openChannel("session", new byte[0]);
    }

    /** Opens a channel of any type with its type-specific data already encoded. */
    public Channel openChannel(String type, byte[] typeSpecificData) throws IOException {
        return connection().openChannel(type, typeSpecificData);
    }

    /** Server: the next channel a client opened and the policy accepted, or null after {@code wait}. */
    public Channel accept(Duration wait) throws IOException {
        return connection().accept(wait);
    }

    /** Sends a global request with want-reply and returns the reply data, or null if the peer refused. */
    public SshReader globalRequest(String name, byte[] data, Duration wait) throws IOException {
        return connection().globalRequest(name, data, wait);
    }

    /**
     * Runs a command and collects its output, error and exit status, reading both streams at
     * once so that neither can stall the other. Fails if the command has not finished within
     * {@code timeout}.
     */
    public ExecResult exec(String command, Duration timeout) throws IOException {
        return clientSide.exec(command, timeout);
    }

    /** Installs the layer above the transport; it receives messages 50 and up. */
    public void setMessageHandler(MessageHandler handler) {
        this.handler = handler;
        if (handler != null) {
            handler.installed();
        }
    }

    /**
     * Marks user authentication as complete. Starts delayed compression
     * ({@code zlib@openssh.com}) where negotiated, and from now on unknown messages are answered
     * with UNIMPLEMENTED instead of ending the connection.
     *
     * @param successMessage server side: the USERAUTH_SUCCESS payload, queued here so that
     *                       compression starts right after it; client side: null
     */
    public void authenticationSucceeded(byte[] successMessage) throws IOException {
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

    /**
     * Server, for the authentication service: runs the server's validators'
     * {@link ConnectionValidator#acceptIdentification} on a login that {@code policy} has just
     * accepted, whatever the policy is. The one place every successful login passes
     * ({@code ServerAuthService}) calls it once per login, before the policy's
     * {@link ServerInterface#authenticated} and before USERAUTH_SUCCESS; a refusal throws a
     * {@link DisconnectException} with the verdict's code and message, which ends the connection
     * with that DISCONNECT. The login the validators see is the {@link Portal}'s own (with its
     * authorized_keys match) when the policy is a Portal's, else the user and the methods that
     * succeeded, in order, without a key match.
     */
    public void checkLogin(ServerInterface policy, String username, List<String> methods) throws SshException {
        Login login = Portal.loginOf(policy, username)
                .orElseGet(() -> new Login(username, List.copyOf(methods), java.util.Optional.empty(), this));
        for (ConnectionValidator v : validators.get()) {
            ConnectionValidator.Verdict verdict = v.acceptIdentification(login);
            if (!verdict.accepted()) {
                throw new DisconnectException(verdict.reason().disconnectReason().code(), verdict.message(), false);
            }
        }
    }

    /** True until the connection has closed or started closing. */
    public boolean isActive() {
        return !life.isClosing();
    }

    public boolean isClientMode() {
        return client;
    }

    public boolean isAuthenticated() {
        return authenticated;
    }

    /** True once the first key exchange has completed (false again never; false if it failed). */
    public boolean hasCompletedKeyExchange() {
        return kex.firstKex().isDone() && !kex.firstKex().isCompletedExceptionally();
    }

    /**
     * Server, for the authentication service: one more failed authentication attempt (a method
     * other than {@code none} that did not succeed). The server's PerSourcePenalties charge
     * {@code authfail} for a connection that ends unauthenticated after one.
     */
    public void noteAuthenticationFailure() {
        authFailures.incrementAndGet();
    }

    /** Failed authentication attempts on this connection so far (server side). */
    public int authenticationFailures() {
        return authFailures.get();
    }

    /** True when this server connection was ended because the login grace time ran out. */
    public boolean loginGraceExceeded() {
        return life.loginGraceExceeded();
    }

    /** True if strict key exchange (kex-strict-*-v00@openssh.com) is in force. */
    public boolean isStrictKex() {
        return kex.isStrict();
    }

    /** The algorithms of the most recent key exchange, or null before the first completes. */
    public NegotiatedAlgorithms negotiatedAlgorithms() {
        return kex.algorithms();
    }

    /** The session identifier: H of the first key exchange. */
    public byte[] sessionId() {
        byte[] s = kex.sessionId();
        return s == null ? null : s.clone();
    }

    /**
     * The host key blob of this connection's first key exchange: on a client the server's key,
     * on a server our own key that was negotiated.
     */
    public byte[] hostKeyBlob() {
        byte[] k = kex.hostKey();
        return k == null ? null : k.clone();
    }

    /**
     * Ends the connection because of {@code cause}: a DISCONNECT carrying its reason code (for an
     * {@link SshException}) and message. Never blocks. For protocol layers and policies.
     */
    public void abort(Throwable cause) {
        life.fail(cause, !(isConnectionLoss(cause)));
    }

    /** The server's host key blob, as sent in the key exchange (client side). */
    public byte[] remoteHostKeyBlob() {
        byte[] k = kex.hostKey();
        return k == null ? null : k.clone();
    }

    /** The server's host key as a JCA key (client side). */
    public PublicKey remoteServerKey() throws SshException {
        byte[] k = kex.hostKey();
        return k == null ? null : SignatureAlgorithms.decodePublicKey(k);
    }

    /** The peer's identification line, e.g. {@code SSH-2.0-OpenSSH_9.2p1 Debian-2}. */
    public String peerVersion() {
        return peerVersion;
    }

    public String localVersion() {
        return ourVersion;
    }

    /** Extensions the peer announced with EXT_INFO (RFC 8308), e.g. {@code server-sig-algs}. */
    public Map<String, String> peerExtensions() {
        return peerExtensions;
    }

    public String remoteHost() {
        return remoteHost;
    }

    /** This connection's number, unique in the JVM; logs and the server's event log name it {@code #ID}. */
    public long id() {
        return id;
    }

    public int remotePort() {
        return remotePort;
    }

    public TransportConfig config() {
        return config;
    }

    /** How many key exchanges have completed, the first one included. */
    public int keyExchangeCount() {
        return kex.count();
    }

    /** Completes when the connection has closed and both its threads have ended. */
    public CompletableFuture<Void> closeFuture() {
        return life.closed();
    }

    /** Why the connection closed: null for an orderly close by us. */
    public Throwable closeCause() {
        return life.closeCause();
    }

    /** Sends DISCONNECT with the given reason and closes. Never blocks on the peer. */
    public void disconnect(DisconnectReason reason, String description) {
        life.fail(new DisconnectException(reason.code(), description, false), true);
    }

    /**
     * Closes the connection: DISCONNECT (BY_APPLICATION), a bounded wait for the writer to flush
     * it, then the socket is closed. Waits a bounded time for the threads to end.
     */
    @Override
    public void close() {
        life.close();
    }

    @Override
    public String toString() {
        return "Transport[" + (client ? "client" : "server") + " #" + id + " " + remoteHost + ":" + remotePort + "]";
    }

    /** Called by the key exchanger on the reader thread once the first exchange has completed. */
    void firstKeyExchangeDone() {
        life.firstKeyExchangeDone();
    }

    // ------------------------------------------------------------------ reader thread

    private void readLoop() {
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
                clientSide.serviceAccepted(reader.payloadAfterType());
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
        var factory = config.services().get(name);
        if (factory == null) {
            throw new SshException(DisconnectReason.SERVICE_NOT_AVAILABLE, "service not available: " + Disconnect.sanitize(name));
        }
        setMessageHandler(factory.apply(this));
        activeService = name;
        serviceActive = true;
        queue.putFromReader(new TransportMessages.ServiceAccept(name).encode(), null);
    }

    // ------------------------------------------------------------------ writer thread

    private void writeLoop() {
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
        } catch (Throwable t) {
            if (!life.isClosing()) {
                life.fail(t, false);
            }
        } finally {
            life.closeStreams();
            writer.release();
            life.threadEnded();
        }
    }

    // ------------------------------------------------------------------ teardown

    static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    /** For the teardown: fails everything that waits on this connection. */
    void failPending(Throwable cause) {
        Throwable c = cause != null ? cause : new SshException(DisconnectReason.BY_APPLICATION, "connection closed");
        kex.firstKex().completeExceptionally(c);
        clientSide.failPending(c);
        kex.failWaiters(c);
        CompletableFuture<Void> p;
        while ((p = pings.poll()) != null) {
            p.completeExceptionally(c);
        }
    }

    /** For the teardown: stops this connection's timers (the watchdogs are the lifecycle's own). */
    void stopTimers() {
        clientSide.stopKeepalive();
        kex.stopRekeyTimer();
    }

    /** The layer above the transport, or null. */
    MessageHandler handler() {
        return handler;
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

    static void await(CompletableFuture<Void> f, Duration timeout, String what) throws IOException {
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
