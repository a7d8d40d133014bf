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
import dev.tether.ssh.common.Forward;
import dev.tether.ssh.common.NegotiatedAlgorithms;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.forward.ChannelOpener;
import dev.tether.ssh.forward.LocalForward;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.OpenSshCertificate;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.policy.ConnectionValidator;
import dev.tether.ssh.policy.Login;
import dev.tether.ssh.policy.ServerInterface;
import dev.tether.ssh.transport.Threads;
import dev.tether.ssh.transport.TransportEngine;
import dev.tether.ssh.userauth.ClientAuthenticator;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * One SSH connection, in the client or the server role, over a connected socket or any pair of
 * streams: the transport layer (RFC 4253) with the paramiko-style client authentication methods
 * and the connection protocol's channels on top. In the spirit of paramiko's {@code Transport}.
 *
 * <h2>Threading model</h2>
 * <ul>
 *   <li>Each connection has one reader thread that decrypts and dispatches, and one writer
 *       thread; both are the engine's ({@link TransportEngine}), daemon platform threads (virtual
 *       threads on JDK 21+ when {@code -Dtether.virtualThreads=true}), and neither outlives
 *       {@link #close()}.</li>
 *   <li>Public methods are thread-safe and may be called from any thread. Blocking calls take a
 *       timeout (given, or the config's handshake or send timeout).</li>
 *   <li>The client's authentication methods run on the caller's thread; keepalives run on the
 *       shared timer (see {@link ClientSide}).</li>
 * </ul>
 *
 * <h2>Failure</h2>
 * A malformed, hostile or out-of-order packet ends the connection with a DISCONNECT whose reason
 * code and description name the problem; the cause is available from {@link #closeCause()}.
 *
 * <h2>Parts</h2>
 * This class is the public face. The engine ({@code transport/TransportEngine}: reader and writer
 * loops, key exchange, teardown) does the work; {@link ServiceStack} puts the layers above it
 * together (user authentication, then the connection protocol); {@link ClientSide} holds the
 * client's conveniences (authenticator, agent, keepalive, exec).
 */
public final class Transport implements ConnectionInfo, AutoCloseable {
    private final TransportEngine engine;
    private final TransportConfig config;
    private final ClientSide clientSide;
    /** Server: the validators' post-login check (set once, before start). */
    private Supplier<List<ConnectionValidator>> validators = List::of;

    private Transport(boolean client, TransportConfig config, Socket socket, InputStream in, OutputStream out,
                      String remoteHost, int remotePort, HostKeyVerifier verifier) {
        this.config = config;
        this.engine = new TransportEngine(client, config.settings(), socket, in, out, remoteHost, remotePort, verifier);
        this.clientSide = new ClientSide(this, engine, client);
    }

    // ------------------------------------------------------------------ construction

    /**
     * Connects to {@code host:port} and runs the client handshake; see
     * {@link #startClient(Socket, String, int, TransportConfig, HostKeyVerifier)}.
     *
     * @param host     the server's host name or address
     * @param port     the server's port
     * @param config   the client configuration
     * @param verifier decides whether the server's host key is trusted for {@code host}
     * @return the connection, its first key exchange done and the host key accepted
     * @throws IOException if the connection cannot be made, the handshake fails or times out, or the host key is
     *     refused
     */
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
     * @param socket   a connected socket, owned by the connection from now on
     * @param port     the port the host key is verified for
     * @param config   the client configuration
     * @param verifier decides whether the server's host key is trusted
     * @return the connection, its first key exchange done and the host key accepted
     * @throws IOException if the handshake fails or times out, or the host key is refused; the socket is closed then
     */
    public static Transport startClient(Socket socket, String host, int port, TransportConfig config,
                                        HostKeyVerifier verifier) throws IOException {
        tuneSocket(socket);
        return startClient(new Transport(true, config, socket, socket.getInputStream(),
                socket.getOutputStream(), host, port, requireVerifier(verifier)));
    }

    /**
     * Starts the client side over a pair of streams (host name {@code "unknown"}, port 0).
     *
     * @param in       the stream from the server
     * @param out      the stream to the server
     * @param config   the client configuration
     * @param verifier decides whether the server's host key is trusted
     * @return the connection, its first key exchange done and the host key accepted
     * @throws IOException if the handshake fails or times out, or the host key is refused
     */
    public static Transport startClient(InputStream in, OutputStream out, TransportConfig config,
                                        HostKeyVerifier verifier) throws IOException {
        return startClient(in, out, "unknown", 0, config, verifier);
    }

    /**
     * Starts the client side over any pair of streams (a {@code ProxyCommand}'s pipes, a
     * channel's streams) and waits, up to the configured handshake timeout, for the first key
     * exchange; {@code host} and {@code port} are what the host key is verified for. The streams
     * are closed with the connection; a failed handshake closes them too.
     *
     * @param in       the stream from the server
     * @param out      the stream to the server
     * @param host     the host name the host key is verified for
     * @param port     the port the host key is verified for
     * @param config   the client configuration
     * @param verifier decides whether the server's host key is trusted
     * @return the connection, its first key exchange done and the host key accepted
     * @throws IOException if the handshake fails or times out, or the host key is refused
     */
    public static Transport startClient(InputStream in, OutputStream out, String host, int port, TransportConfig config,
                                        HostKeyVerifier verifier) throws IOException {
        return startClient(new Transport(true, config, null, in, out, host, port, requireVerifier(verifier)));
    }

    /**
     * A connection through another one: the client side over {@code via}, typically
     * {@code jump.openDirectTcpip(host, port)} ({@code ssh -J}). The new connection owns the
     * channel and closes it when it closes (or when the handshake fails); the connection the
     * channel belongs to stays open and must outlive this one.
     *
     * @param host the name the host key is verified for
     * @param via      an open channel to the target, e.g. a {@code direct-tcpip} channel of the jump host's
     *     connection
     * @param port     the port the host key is verified for
     * @param config   the client configuration
     * @param verifier decides whether the target's host key is trusted
     * @return the connection, its first key exchange done and the host key accepted
     * @throws IOException if the handshake fails or times out, or the host key is refused
     */
    public static Transport connect(Channel via, String host, int port, TransportConfig config,
                                    HostKeyVerifier verifier) throws IOException {
        Transport t;
        try {
            t = startClient(via.getInputStream(), via.getOutputStream(), host, port, config, verifier);
        } catch (IOException | RuntimeException e) {
            via.close();
            throw e;
        }
        t.closeFuture().whenComplete((v, e) -> Threads.newThread("tether-via-close", via::close).start());
        return t;
    }

    private static Transport startClient(Transport t) throws IOException {
        t.engine.start(null, Map.of());
        try {
            t.awaitKeyExchange(t.config.handshakeTimeout());
        } catch (IOException | RuntimeException e) {
            t.close(); // the caller has no Transport to close: its threads and streams end here
            throw e;
        }
        return t;
    }

    /**
     * Starts the server side over an accepted socket. Returns at once: the handshake runs on the
     * connection's own threads, bounded by the handshake timeout. Use
     * {@link #awaitKeyExchange(Duration)} to wait for it.
     *
     * @param socket an accepted socket, owned by the connection from now on
     * @param config the server configuration, with host keys and a policy
     * @return the connection, its handshake under way
     * @throws IOException if the socket's streams cannot be had, or the configuration is not a server's
     */
    public static Transport startServer(Socket socket, TransportConfig config) throws IOException {
        return startServer(socket, config, List::of, (InetSocketAddress) socket.getRemoteSocketAddress(), false);
    }

    /**
     * As {@link #startServer(Socket, TransportConfig)}, for {@link SshServer}: with the server's
     * validators for the post-login check, the client's address ({@code remote}: the socket's
     * peer, or the one a PROXY protocol header named), which {@link #remoteHost()} reports, and a
     * placeholder authentication service when the config has no policy.
     */
    static Transport startServer(Socket socket, TransportConfig config, Supplier<List<ConnectionValidator>> validators,
                                 InetSocketAddress remote, boolean placeholderAuth) throws IOException {
        tuneSocket(socket);
        Transport t = new Transport(false, checkServerConfig(config), socket,
                socket.getInputStream(), socket.getOutputStream(),
                remote == null ? "unknown" : remote.getAddress().getHostAddress(), remote == null ? 0 : remote.getPort(), null);
        t.validators = validators;
        return startServer(t, placeholderAuth);
    }

    /**
     * Starts the server side over a pair of streams.
     *
     * @param in     the stream from the client
     * @param out    the stream to the client
     * @param config the server configuration, with host keys and a policy
     * @return the connection, its handshake under way
     */
    public static Transport startServer(InputStream in, OutputStream out, TransportConfig config) {
        return startServer(new Transport(false, checkServerConfig(config), null, in, out, "unknown", 0, null), false);
    }

    private static Transport startServer(Transport t, boolean placeholderAuth) {
        t.engine.start(ServiceStack.server(t, t.engine, t.config, placeholderAuth), ServiceStack.serverExtensions(t.config));
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

    // ------------------------------------------------------------------ transport layer

    /**
     * Waits for the first key exchange to complete.
     *
     * @param timeout how long to wait
     * @throws IOException if the key exchange fails, the connection closes, or {@code timeout} passes first
     */
    public void awaitKeyExchange(Duration timeout) throws IOException {
        engine.awaitKeyExchange(timeout);
    }

    /**
     * Sends SSH_MSG_IGNORE with the given data (RFC 4253 §11.2).
     *
     * @param data the message's data, which the peer ignores
     * @throws IOException if the connection is closed
     */
    public void sendIgnore(byte[] data) throws IOException {
        engine.sendIgnore(data);
    }

    /**
     * Sends SSH_MSG_DEBUG (RFC 4253 §11.3).
     *
     * @param alwaysDisplay whether the peer should show the message even when not debugging
     * @param message       the message
     * @throws IOException if the connection is closed
     */
    public void sendDebug(boolean alwaysDisplay, String message) throws IOException {
        engine.sendDebug(alwaysDisplay, message);
    }

    /**
     * Sends {@code ping@openssh.com} (OpenSSH PROTOCOL §1.9) and returns a future completed by the
     * matching PONG. Fails at once if the peer did not announce the extension.
     *
     * @param data the data the PONG must echo
     * @return a future completed when the PONG arrives
     * @throws IOException if the peer did not announce {@code ping@openssh.com}, or the connection is closed
     */
    public CompletableFuture<Void> ping(byte[] data) throws IOException {
        return engine.ping(data);
    }

    /**
     * Starts a key re-exchange (RFC 4253 §9) and waits for it to complete.
     *
     * @param timeout how long to wait
     * @throws IOException if the key exchange fails, the connection closes, or {@code timeout} passes first
     */
    public void renegotiateKeys(Duration timeout) throws IOException {
        engine.renegotiateKeys(timeout);
    }

    /**
     * Starts a key re-exchange without waiting.
     *
     * @throws IOException if the connection is closed
     */
    public void renegotiateKeys() throws IOException {
        engine.renegotiateKeys();
    }

    // ------------------------------------------------------------------ client authentication

    /**
     * RFC 4252 {@code none}: succeeds only on servers without authentication; otherwise throws
     * an {@link AuthenticationException} whose {@code allowed()} lists the server's methods.
     *
     * @param username the user name
     * @return empty on success; on partial success, the methods that can continue
     * @throws IOException as {@link AuthenticationException} when the server does not accept {@code none}, or if the
     *     connection fails or no reply comes within the handshake timeout
     */
    public List<String> authNone(String username) throws IOException {
        return clientSide.clientAuth().authNone(username, config.handshakeTimeout());
    }

    /**
     * Password authentication, falling back to keyboard-interactive as paramiko does.
     *
     * @param username the user name
     * @param password the password
     * @return empty once authenticated; after a partial success (RFC 4252 §5.1), the methods that can continue
     * @throws IOException as {@link AuthenticationException} when the server refuses the password, or if the
     *     connection fails or no reply comes within the handshake timeout
     */
    public List<String> authPassword(String username, String password) throws IOException {
        return clientSide.clientAuth().authPassword(username, password, config.handshakeTimeout());
    }

    /**
     * Password authentication that answers a password change request (RFC 4252 §8) with a new
     * password from {@code changer}, as OpenSSH's client does when it prompts for one.
     *
     * @param username the user name
     * @param password the password
     * @param changer  asked for a new password when the server requires a change; may give up with null
     * @return empty once authenticated; after a partial success, the methods that can continue
     * @throws IOException as {@link AuthenticationException} when the server refuses, or if the connection fails or
     *     no reply comes within the handshake timeout
     */
    public List<String> authPassword(String username, String password, PasswordChanger changer) throws IOException {
        return clientSide.clientAuth().authPassword(username, password, changer, config.handshakeTimeout());
    }

    /**
     * Public key authentication with an in-memory key pair.
     *
     * @param username the user name
     * @param key      the key pair
     * @return empty once authenticated; after a partial success, the methods that can continue
     * @throws IOException as {@link AuthenticationException} when the server refuses the key, or if the connection
     *     fails or no reply comes within the handshake timeout
     */
    public List<String> authPublickey(String username, KeyPair key) throws IOException {
        return clientSide.clientAuth().authPublickey(username, Signer.keyPair(key), config.handshakeTimeout());
    }

    /**
     * Public key authentication with any signer: a key whose private half is read only once the
     * server has accepted the public half, a hardware token, a remote signing service.
     *
     * @param username the user name
     * @param signer   the key to offer and sign with
     * @return empty once authenticated; after a partial success, the methods that can continue
     * @throws IOException as {@link AuthenticationException} when the server refuses the key, if the signer fails, or
     *     if the connection fails or no reply comes within the handshake timeout
     */
    public List<String> authPublickey(String username, Signer signer) throws IOException {
        return clientSide.clientAuth().authPublickey(username, signer, config.handshakeTimeout());
    }

    /**
     * Public key authentication with an OpenSSH user certificate for {@code key}.
     *
     * @param username    the user name
     * @param key         the key pair whose public key the certificate certifies
     * @param certificate the user certificate
     * @return empty once authenticated; after a partial success, the methods that can continue
     * @throws IOException as {@link AuthenticationException} when the server refuses the certificate, or if the
     *     connection fails or no reply comes within the handshake timeout
     */
    public List<String> authPublickey(String username, KeyPair key, OpenSshCertificate certificate) throws IOException {
        return clientSide.clientAuth().authPublickey(username, Signer.certificate(key, certificate), config.handshakeTimeout());
    }

    /**
     * Public key authentication with the keys of an ssh-agent, tried in the agent's order until
     * one is accepted. They sign over a connection of their own to the agent, bound to this
     * session first ({@link #bindAgent}), so keys added with destination constraints
     * ({@code ssh-add -h}) work where the server offers host-bound authentication.
     *
     * @param username the user name
     * @param agent    a connection to the agent; its keys sign over a further connection to the same socket
     * @return empty once authenticated; after a partial success, the methods that can continue
     * @throws IOException as {@link AuthenticationException} when the server accepts none of the keys, or if the
     *     agent or the connection fails
     */
    public List<String> authAgent(String username, AgentClient agent) throws IOException {
        return clientSide.authAgent(username, agent, config.handshakeTimeout());
    }

    /**
     * Client: binds an agent connection to this session for authentication, as OpenSSH's ssh
     * does before it signs with agent keys ({@code session-bind@openssh.com}, not forwarding;
     * OpenSSH PROTOCOL.agent). Keys added with destination constraints then sign for this server
     * over that connection. An agent takes one such binding per connection: bind a connection
     * used for this session's authentication only.
     *
     * @param agent the agent connection to bind
     * @return whether the agent accepted it (false for an agent that does not know the extension)
     * @throws SshException if the agent answers wrongly or the agent connection fails
     * @throws IllegalStateException on a server connection
     */
    public boolean bindAgent(AgentClient agent) throws SshException {
        requireClient();
        return clientSide.bindAgent(agent);
    }

    /**
     * RFC 4256 keyboard-interactive authentication.
     *
     * @param username the user name
     * @param handler  answers the server's prompts
     * @return empty once authenticated; after a partial success, the methods that can continue
     * @throws IOException as {@link AuthenticationException} when the server refuses, or if the connection fails or
     *     no reply comes within the handshake timeout
     */
    public List<String> authInteractive(String username, KeyboardInteractiveHandler handler) throws IOException {
        return clientSide.clientAuth().authInteractive(username, handler, config.handshakeTimeout());
    }

    /**
     * The user name authentication was attempted with, or null.
     *
     * @return the user name, or null before any authentication
     */
    public String getUsername() {
        ClientAuthenticator a = clientSide.existingAuth();
        return a == null ? null : a.username();
    }

    /**
     * The server's USERAUTH_BANNER text, with control characters escaped, or null.
     *
     * @return the banner, or null
     */
    public String getBanner() {
        ClientAuthenticator a = clientSide.existingAuth();
        return a == null ? null : a.banner();
    }

    // ------------------------------------------------------------------ connection protocol

    /**
     * Sends {@code keepalive@openssh.com} every {@code interval} once the connection protocol
     * runs (paramiko's {@code set_keepalive}); {@link Duration#ZERO} stops it.
     *
     * @param interval the interval between keepalives; zero stops them
     */
    public void setKeepalive(Duration interval) {
        clientSide.setKeepalive(interval, 0);
    }

    /**
     * {@link #setKeepalive(Duration)} that also gives up on a server that stopped answering, as
     * ssh's {@code ServerAliveInterval} with {@code ServerAliveCountMax}: once {@code countMax}
     * keepalives in a row went by with nothing at all received from the server, the connection
     * is closed ({@code Timeout, server not responding}).
     *
     * @param interval the interval between keepalives; zero stops them
     * @param countMax how many unanswered keepalives to allow; 0 never gives up
     */
    public void setKeepalive(Duration interval, int countMax) {
        if (countMax < 0) {
            throw new IllegalArgumentException("countMax " + countMax);
        }
        clientSide.setKeepalive(interval, countMax);
    }

    /**
     * Channels currently open on this connection (0 before the connection protocol starts).
     *
     * @return the number of open channels
     */
    public int openChannelCount() {
        return clientSide.openChannelCount();
    }

    /**
     * Opens a {@code session} channel (RFC 4254 §6.1).
     *
     * @return the open channel
     * @throws IOException if the server refuses (with its reason) or the connection fails
     */
    public Channel openSession() throws IOException {
        return clientSide.connection().openChannel("session", new byte[0]);
    }

    /**
     * Opens a channel of any type with its type-specific data already encoded.
     *
     * @param type             the channel type
     * @param typeSpecificData the type-specific data of CHANNEL_OPEN, encoded
     * @return the open channel
     * @throws IOException if the peer refuses (with its reason) or the connection fails
     */
    public Channel openChannel(String type, byte[] typeSpecificData) throws IOException {
        return clientSide.connection().openChannel(type, typeSpecificData);
    }

    /**
     * Server: the next channel a client opened and the policy accepted, or null after {@code wait}.
     *
     * @param wait how long to wait
     * @return the channel, or null
     * @throws IOException if the connection has closed
     */
    public Channel accept(Duration wait) throws IOException {
        return clientSide.connection().accept(wait);
    }

    /**
     * Sends a global request with want-reply (RFC 4254 §4) and returns the reply's request-specific
     * data (empty if it has none), or null if the peer refused.
     *
     * @param name the request name
     * @param data the request-specific data, encoded
     * @param wait how long to wait for the reply
     * @return the reply's data, or null if refused
     * @throws IOException if no reply comes within {@code wait}, or the connection fails
     */
    public byte[] globalRequest(String name, byte[] data, Duration wait) throws IOException {
        return clientSide.connection().globalRequest(name, data, wait);
    }

    // Agent and X11 forwarding (client; OpenSSH PROTOCOL §1.8, PROTOCOL.agent, RFC 4254 §6.3)

    /**
     * Client: asks the server to forward the SSH agent at {@code agentSocket} (the local
     * {@code SSH_AUTH_SOCK}) for this session channel, as {@code ssh -A} does; send it before
     * {@code exec} or {@code shell}. From then on the connection accepts the server's
     * {@code auth-agent@openssh.com} channels (refused before), and each is served by a connection
     * of its own to the agent, which first gets {@code session-bind@openssh.com} as OpenSSH 8.9+
     * sends it.
     *
     * @param session     the session channel
     * @param agentSocket the local agent's socket
     * @return whether the server agreed
     * @throws IOException if the request fails
     * @throws IllegalStateException on a server connection
     */
    public boolean requestAgentForwarding(Channel session, java.nio.file.Path agentSocket) throws IOException {
        requireClient();
        return clientSide.forwarding.agent().request(session, agentSocket);
    }

    /**
     * Client: asks the server to forward X11 connections for this session channel to the local
     * {@code display} (DISPLAY's syntax: {@code :0}, {@code unix:0}, {@code host:N.S}), as
     * {@code ssh -X} does, with OpenSSH's cookie spoofing: the server gets a random cookie, and
     * each forwarded connection must present it; it is replaced by the real one from
     * {@code xauthority} (null: {@code $XAUTHORITY} or ~/.Xauthority) before the connection
     * reaches the display. Send it before {@code exec} or {@code shell}.
     *
     * @param session          the session channel
     * @param display          the local display, e.g. {@code :0}
     * @param xauthority       the Xauthority file holding the real cookie, or null for the default
     * @param singleConnection whether only one X11 connection is to be forwarded
     * @return whether the server agreed
     * @throws IOException if the display or its cookie cannot be found, or the request fails
     * @throws IllegalStateException on a server connection
     */
    public boolean requestX11Forwarding(Channel session, String display, java.nio.file.Path xauthority,
                                        boolean singleConnection) throws IOException {
        requireClient();
        return clientSide.forwarding.x11().request(session, display, xauthority, singleConnection);
    }

    private void requireClient() {
        if (!isClientMode()) {
            throw new IllegalStateException("forwarding requests are for the client side");
        }
    }

    // ------------------------------------------------------------------ forwarding (client; RFC 4254 §7, OpenSSH PROTOCOL §2.4)

    /**
     * Opens a {@code direct-tcpip} channel to {@code host:port} as seen from the server (RFC 4254
     * §7.2), with originator 127.0.0.1 port 0: a socket through the connection. Its streams carry
     * the bytes; closing the output stream (or {@link Channel#sendEof()}) is a half-close; the
     * input ends when the far side's does. Fails with the server's reason if it refuses.
     *
     * @param host the host to connect to, as the server resolves it
     * @param port the port to connect to
     * @return the open channel
     * @throws IOException if the server refuses (with its reason) or the connection fails
     */
    public Channel openDirectTcpip(String host, int port) throws IOException {
        return openDirectTcpip(host, port, "127.0.0.1", 0);
    }

    /**
     * {@link #openDirectTcpip(String, int)} naming the originator of the connection.
     *
     * @param host       the host to connect to, as the server resolves it
     * @param port       the port to connect to
     * @param originHost the address of the connection's originator, as the server is told
     * @param originPort the originator's port
     * @return the open channel
     * @throws IOException if the server refuses (with its reason) or the connection fails
     */
    public Channel openDirectTcpip(String host, int port, String originHost, int originPort) throws IOException {
        return opener().directTcpip(host, port, originHost, originPort);
    }

    /**
     * Opens a {@code direct-streamlocal@openssh.com} channel to a Unix socket on the server (OpenSSH PROTOCOL §2.4).
     *
     * @param socketPath the path of the socket on the server
     * @return the open channel
     * @throws IOException if the server refuses (with its reason) or the connection fails
     */
    public Channel openDirectStreamLocal(String socketPath) throws IOException {
        return opener().directStreamLocal(socketPath);
    }

    /**
     * {@code ssh -L}: listens on {@code bind} (an {@link InetSocketAddress}, port 0 for any free
     * one, or a {@link java.net.UnixDomainSocketAddress}) and sends each connection through a
     * {@code direct-tcpip} channel to {@code host:port} as seen from the server. The handle tells
     * the port bound; closing it stops the listener; it closes with the connection.
     *
     * @param bind where to listen
     * @param host the target host, as the server resolves it
     * @param port the target port
     * @return the forward's handle
     * @throws IOException if the listener cannot be bound
     */
    public Forward forwardLocal(SocketAddress bind, String host, int port) throws IOException {
        return LocalForward.start(bind, LocalForward.Target.tcp(host, port), opener(), closeFuture());
    }

    /**
     * {@code ssh -L bind:/remote/socket}: as {@link #forwardLocal}, to a Unix socket on the server.
     *
     * @param bind             where to listen
     * @param remoteSocketPath the path of the socket on the server
     * @return the forward's handle
     * @throws IOException if the listener cannot be bound
     */
    public Forward forwardLocalToSocket(SocketAddress bind, String remoteSocketPath) throws IOException {
        return LocalForward.start(bind, LocalForward.Target.streamLocal(remoteSocketPath), opener(), closeFuture());
    }

    /**
     * {@code ssh -D}: a SOCKS4, 4a and 5 proxy (CONNECT, no authentication; RFC 1928) on
     * {@code bind}, each request a {@code direct-tcpip} channel to the host it names.
     *
     * @param bind where to listen
     * @return the forward's handle
     * @throws IOException if the listener cannot be bound
     */
    public Forward forwardDynamic(SocketAddress bind) throws IOException {
        return LocalForward.start(bind, LocalForward.Target.socks(), opener(), closeFuture());
    }

    /**
     * {@code ssh -R}: asks the server to listen on {@code bindAddress:port} ({@code ""} for all
     * addresses, {@code "localhost"} for loopback; port 0 lets the server pick, and
     * {@link Forward#boundPort()} tells which) with {@code tcpip-forward} (RFC 4254 §7.1), and
     * connects each connection it sends back to {@code target} (an {@link InetSocketAddress},
     * resolved when used, or a {@link java.net.UnixDomainSocketAddress}); a null target is
     * OpenSSH's remote dynamic forwarding: each connection speaks SOCKS and goes where it asks.
     * Fails if the server refuses. Closing the handle sends {@code cancel-tcpip-forward}.
     *
     * @param bindAddress the address for the server to listen on
     * @param port        the port for the server to listen on; 0 for one it picks
     * @param target      where to connect each forwarded connection, or null for remote dynamic forwarding
     * @return the forward's handle
     * @throws IOException if the server refuses or the connection fails
     */
    public Forward forwardRemote(String bindAddress, int port, SocketAddress target) throws IOException {
        return clientSide.remoteForwards().requestTcp(clientSide.connection(), bindAddress, port, target, config.sendTimeout());
    }

    /**
     * {@code ssh -R /remote/socket:target}: {@code streamlocal-forward@openssh.com} (OpenSSH
     * PROTOCOL §2.4), each connection to the server's socket sent to {@code target}.
     *
     * @param remoteSocketPath the path of the socket for the server to create
     * @param target           where to connect each forwarded connection
     * @return the forward's handle
     * @throws IOException if the server refuses or the connection fails
     */
    public Forward forwardRemoteSocket(String remoteSocketPath, SocketAddress target) throws IOException {
        Objects.requireNonNull(target, "target");
        return clientSide.remoteForwards().requestStreamLocal(clientSide.connection(), remoteSocketPath, target, config.sendTimeout());
    }

    private ChannelOpener opener() {
        return this::openChannel;
    }

    /**
     * Runs a command and collects its output, error and exit status, reading both streams at
     * once so that neither can stall the other. Fails if the command has not finished within
     * {@code timeout}.
     *
     * @param command the command line
     * @param timeout how long the command may take
     * @return the output, error output and exit status
     * @throws IOException if the server refuses the command, {@code timeout} passes first, or the connection fails
     */
    public ExecResult exec(String command, Duration timeout) throws IOException {
        return clientSide.exec(command, timeout);
    }

    // ------------------------------------------------------------------ state

    /**
     * True until the connection has closed or started closing.
     *
     * @return whether the connection is still up
     */
    public boolean isActive() {
        return engine.isActive();
    }

    @Override
    public boolean isClientMode() {
        return engine.isClientMode();
    }

    /**
     * Whether user authentication has succeeded on this connection.
     *
     * @return true once USERAUTH_SUCCESS was sent (server) or received (client)
     */
    public boolean isAuthenticated() {
        return engine.isAuthenticated();
    }

    /**
     * True if strict key exchange (kex-strict-*-v00@openssh.com) is in force.
     *
     * @return whether strict key exchange is on
     */
    public boolean isStrictKex() {
        return engine.isStrictKex();
    }

    @Override
    public NegotiatedAlgorithms negotiatedAlgorithms() {
        return engine.negotiatedAlgorithms();
    }

    @Override
    public byte[] sessionId() {
        return engine.sessionId();
    }

    /**
     * The host key blob of this connection's first key exchange: on a client the server's key,
     * on a server our own key that was negotiated.
     *
     * @return the host key blob, or null before the first key exchange
     */
    public byte[] hostKeyBlob() {
        return engine.hostKeyBlob();
    }

    /**
     * The server's host key blob, as sent in the key exchange (client side).
     *
     * @return the host key blob, or null before the first key exchange
     */
    public byte[] remoteHostKeyBlob() {
        return engine.hostKeyBlob();
    }

    /**
     * The server's host key as a JCA key (client side).
     *
     * @return the key, or null before the first key exchange
     * @throws SshException if the key's type is not one Tether decodes
     */
    public PublicKey remoteServerKey() throws SshException {
        byte[] k = engine.hostKeyBlob();
        return k == null ? null : SignatureAlgorithms.decodePublicKey(k);
    }

    @Override
    public String peerVersion() {
        return engine.peerVersion();
    }

    @Override
    public String localVersion() {
        return engine.localVersion();
    }

    /**
     * Extensions the peer announced with EXT_INFO (RFC 8308), e.g. {@code server-sig-algs}.
     *
     * @return the extensions by name; empty if none were announced
     */
    public Map<String, String> peerExtensions() {
        return engine.peerExtensions();
    }

    @Override
    public String remoteHost() {
        return engine.remoteHost();
    }

    @Override
    public long id() {
        return engine.id();
    }

    /**
     * The slf4j MDC key that every thread of a connection (its reader and writer, and the threads
     * started from them for its channels, sessions, commands and forwards) sets to
     * {@code server-N} or {@code client-N}, N being {@link #id()}, so that the log lines of one
     * connection can be grouped: with logback, {@code %X{tether.connection}} in the pattern.
     */
    public static final String MDC_CONNECTION = TransportEngine.MDC_CONNECTION;

    @Override
    public int remotePort() {
        return engine.remotePort();
    }

    /**
     * The configuration this connection was started with.
     *
     * @return the configuration
     */
    public TransportConfig config() {
        return config;
    }

    /**
     * How many key exchanges have completed, the first one included.
     *
     * @return the count
     */
    public int keyExchangeCount() {
        return engine.keyExchangeCount();
    }

    /**
     * Completes when the connection has closed and both its threads have ended.
     *
     * @return the future
     */
    public CompletableFuture<Void> closeFuture() {
        return engine.closeFuture();
    }

    /**
     * Why the connection closed: null for an orderly close by us.
     *
     * @return the cause, or null
     */
    public Throwable closeCause() {
        return engine.closeCause();
    }

    /**
     * Sends DISCONNECT with the given reason and closes. Never blocks on the peer.
     *
     * @param reason      the reason code to send
     * @param description the message to send with it
     */
    public void disconnect(DisconnectReason reason, String description) {
        engine.disconnect(reason, description);
    }

    /**
     * Closes the connection: DISCONNECT (BY_APPLICATION), a bounded wait for the writer to flush
     * it, then the socket is closed. Waits a bounded time for the threads to end.
     */
    @Override
    public void close() {
        engine.close();
    }

    @Override
    public String toString() {
        return engine.toString();
    }

    // ------------------------------------------------------------------ for the library's own layers

    /** The engine, for {@link ServiceStack}, {@link SshServer} and the tests' engine-level checks. */
    TransportEngine engine() {
        return engine;
    }

    /**
     * Server: runs the server's validators' {@link ConnectionValidator#acceptIdentification} on a
     * login that {@code policy} has just accepted, whatever the policy is. The authentication
     * service calls it (through {@link ServiceStack}) once per login, before the policy's
     * {@link ServerInterface#authenticated} and before USERAUTH_SUCCESS; a refusal throws a
     * {@link DisconnectException} with the verdict's code and message, which ends the connection
     * with that DISCONNECT. The login the validators see is the {@link Portal}'s own (with its
     * authorized_keys match) when the policy is a Portal's, else the user and the methods that
     * succeeded, in order, without a key match.
     */
    void checkLogin(ServerInterface policy, String username, List<String> methods) throws SshException {
        Login login = Portal.loginOf(policy, username)
                .orElseGet(() -> new Login(username, List.copyOf(methods), Optional.empty(), this));
        for (ConnectionValidator v : validators.get()) {
            ConnectionValidator.Verdict verdict = v.acceptIdentification(login);
            if (!verdict.accepted()) {
                throw new DisconnectException(verdict.reason().disconnectReason().code(), verdict.message(), false);
            }
        }
    }
}
