package dev.tether.ssh.transport;

import dev.tether.ssh.common.ConnectionInfo;
import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The transport as the layers above it see it (user authentication, the connection protocol,
 * sessions, the server's limits): send a message, learn what the key exchange produced, mark the
 * login done, end the connection. In the manner of Go's {@code packetConn}, this narrow interface
 * is all those layers depend on; {@link TransportEngine} implements it, and the public
 * {@code dev.tether.ssh.Transport} puts the layers together on top.
 *
 * <p>Every method is thread-safe. The send methods only queue (the writer thread writes), so
 * they may be called on the reader thread, which never blocks on the socket.
 */
public interface PacketConnection extends ConnectionInfo {
    /** The settings the connection was started with. */
    TransportSettings settings();

    /**
     * Queues a message payload (beginning with its message number). On the reader thread it never
     * waits; elsewhere it waits up to the send timeout while too much is queued.
     */
    void send(byte[] payload) throws SshException;

    /** {@link #send(byte[])} with its own bound on the wait for room. */
    void send(byte[] payload, Duration timeout) throws SshException;

    /**
     * Queues a payload without ever waiting, for timer tasks and other code that must not block;
     * fails (and the caller should end the connection) only when the peer has stopped reading.
     */
    void sendNoWait(byte[] payload) throws SshException;

    /**
     * Waits (off the reader thread; on it, returns at once) up to {@code timeout} until there is
     * room to queue, as {@link #send(byte[], Duration)} does; then {@link #sendNoWait} queues
     * without blocking, for callers that must check and queue under a lock of their own.
     */
    void awaitRoom(Duration timeout) throws SshException;

    /** Client: requests a service (RFC 4253 §10) and waits for SERVICE_ACCEPT. */
    void requestService(String name, Duration timeout) throws SshException;

    /** Installs the layer above the transport; it receives messages 50 and up. */
    void setMessageHandler(MessageHandler handler);

    /** The layer above the transport, or null. */
    MessageHandler messageHandler();

    /**
     * Marks user authentication as complete: delayed compression starts, and unknown messages are
     * answered with UNIMPLEMENTED from now on instead of ending the connection.
     *
     * @param successMessage server: the USERAUTH_SUCCESS payload, queued here so that compression
     *                       starts right after it; client: null
     */
    void authenticationSucceeded(byte[] successMessage) throws SshException;

    boolean isAuthenticated();

    /** True until the connection has closed or started closing. */
    boolean isActive();

    /** True once the first key exchange has completed. */
    boolean hasCompletedKeyExchange();

    /**
     * The host key blob of the first key exchange: on a client the server's key, on a server our
     * own key that was negotiated; a copy, or null before it.
     */
    byte[] hostKeyBlob();

    /** Extensions the peer announced with EXT_INFO (RFC 8308), e.g. {@code server-sig-algs}. */
    Map<String, String> peerExtensions();

    /** When the last packet from the peer arrived, on the {@link System#nanoTime()} clock. */
    long lastReceivedNanos();

    /** Server: one more failed authentication attempt, for PerSourcePenalties' {@code authfail}. */
    void noteAuthenticationFailure();

    /** Failed authentication attempts on this connection so far (server side). */
    int authenticationFailures();

    /** True when this server connection was ended because the login grace time ran out. */
    boolean loginGraceExceeded();

    /**
     * Ends the connection because of {@code cause}: a DISCONNECT carrying its reason code (for an
     * {@link SshException}) and message. Never blocks.
     */
    void abort(Throwable cause);

    /** Sends DISCONNECT with the given reason and closes. Never blocks on the peer. */
    void disconnect(DisconnectReason reason, String description);

    /** Completes when the connection has closed and both its threads have ended. */
    CompletableFuture<Void> closeFuture();

    /** Why the connection closed: null for an orderly close by us. */
    Throwable closeCause();
}
