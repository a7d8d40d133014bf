package dev.tether.ssh.agent;

import dev.tether.ssh.agent.AgentMessages.AddIdentity;
import dev.tether.ssh.agent.AgentMessages.Constraints;
import dev.tether.ssh.agent.AgentMessages.Extension;
import dev.tether.ssh.agent.AgentMessages.ExtensionFailure;
import dev.tether.ssh.agent.AgentMessages.ExtensionResponse;
import dev.tether.ssh.agent.AgentMessages.Failure;
import dev.tether.ssh.agent.AgentMessages.IdentitiesAnswer;
import dev.tether.ssh.agent.AgentMessages.KeyEntry;
import dev.tether.ssh.agent.AgentMessages.Lock;
import dev.tether.ssh.agent.AgentMessages.RemoveAllIdentities;
import dev.tether.ssh.agent.AgentMessages.RemoveIdentity;
import dev.tether.ssh.agent.AgentMessages.Request;
import dev.tether.ssh.agent.AgentMessages.RequestIdentities;
import dev.tether.ssh.agent.AgentMessages.Response;
import dev.tether.ssh.agent.AgentMessages.SignRequest;
import dev.tether.ssh.agent.AgentMessages.SignResponse;
import dev.tether.ssh.agent.AgentMessages.Success;
import dev.tether.ssh.agent.AgentMessages.Unlock;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.keys.SignatureAlgorithms;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A client of an SSH agent (OpenSSH's ssh-agent or any agent speaking draft-miller-ssh-agent)
 * over a Unix domain socket, with the JDK's own {@link SocketChannel} (JDK 16+).
 *
 * <p><b>Threads.</b> Thread-safe: requests go one at a time under a lock, each a complete
 * write of the request and read of its reply. <b>Timeouts.</b> Every call, including waiting
 * for the lock, finishes within the timeout given at {@link #connect(Path, Duration)}
 * ({@link #DEFAULT_TIMEOUT} otherwise) or fails with {@link SshException}; the channel is
 * non-blocking and every wait is a bounded {@link Selector#select(long)}.
 *
 * <p><b>Failures.</b> A refusal by the agent (SSH_AGENT_FAILURE) is an {@link SshException}
 * and leaves the connection usable. A timeout, an interrupt, an I/O error, the agent closing
 * the connection, or a malformed or oversized ({@value AgentMessages#MAX_MESSAGE_LENGTH} bytes,
 * checked before allocating) reply closes the connection, since the stream can no longer be
 * trusted to be at a message boundary; later calls fail at once.
 *
 * <p>The message codec is in {@link AgentMessages}; {@link #transact(byte[])} relays raw
 * payloads, for agent forwarding.
 */
public final class AgentClient implements AutoCloseable {
    /** The environment variable naming the agent's socket. */
    public static final String SSH_AUTH_SOCK = "SSH_AUTH_SOCK";
    /**
     * The default bound on each call. Generous, because an agent may ask the user to confirm
     * a signature (ssh-add -c) before it answers.
     */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private final Path socket;
    private final Duration timeout;
    private final SocketChannel channel;
    private final Selector selector;
    private final SelectionKey key;
    private final ReentrantLock lock = new ReentrantLock();
    private final ByteBuffer probe = ByteBuffer.allocate(1);
    private volatile boolean closed;
    /** Why the connection was closed by a failure, for the message of later calls; guarded by lock. */
    private String closedBecause;

    private AgentClient(Path socket, Duration timeout, SocketChannel channel, Selector selector, SelectionKey key) {
        this.socket = socket;
        this.timeout = timeout;
        this.channel = channel;
        this.selector = selector;
        this.key = key;
    }

    /**
     * Connects to the agent listening on the Unix domain socket {@code socket}.
     *
     * @param socket the path of the agent's Unix domain socket
     * @return a connected client whose calls are each bounded by {@link #DEFAULT_TIMEOUT}
     * @throws SshException if there is no agent listening there, or connecting takes longer than
     *     {@link #DEFAULT_TIMEOUT}
     */
    public static AgentClient connect(Path socket) throws SshException {
        return connect(socket, DEFAULT_TIMEOUT);
    }

    /**
     * Connects to the agent listening on the Unix domain socket {@code socket}; connecting and
     * every later call are each bounded by {@code timeout}.
     *
     * @param socket  the path of the agent's Unix domain socket
     * @param timeout the bound on connecting and on each later call; must be positive
     * @return a connected client
     * @throws SshException if there is no agent listening there, or connecting takes too long
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public static AgentClient connect(Path socket, Duration timeout) throws SshException {
        Objects.requireNonNull(socket, "socket");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        SocketChannel ch = null;
        Selector sel = null;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.configureBlocking(false);
            sel = Selector.open();
            boolean connected = ch.connect(UnixDomainSocketAddress.of(socket));
            SelectionKey k = ch.register(sel, 0);
            while (!connected) {
                await(sel, k, SelectionKey.OP_CONNECT, deadline, timeout, "connecting to the agent at " + socket);
                connected = ch.finishConnect();
            }
            return new AgentClient(socket, timeout, ch, sel, k);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            closeQuietly(sel);
            if (e instanceof SshException se) {
                throw se;
            }
            throw new SshException("cannot connect to the agent at " + socket + ": " + describe(e), e);
        }
    }

    /**
     * Connects to the agent named by the environment variable {@value #SSH_AUTH_SOCK}.
     *
     * @return empty if the variable is unset or empty
     * @throws SshException if it is set but no agent answers there
     */
    public static Optional<AgentClient> fromEnvironment() throws SshException {
        return fromEnvironment(System.getenv(), DEFAULT_TIMEOUT);
    }

    /**
     * {@link #fromEnvironment()} with the environment given.
     *
     * @param environment the environment to read {@value #SSH_AUTH_SOCK} from, e.g. {@link System#getenv()}
     * @param timeout     the bound on connecting and on each later call; must be positive
     * @return a connected client, or empty if the variable is unset or empty
     * @throws SshException if the variable is set but no agent answers at that path in time
     */
    public static Optional<AgentClient> fromEnvironment(Map<String, String> environment, Duration timeout) throws SshException {
        String path = environment.get(SSH_AUTH_SOCK);
        if (path == null || path.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(connect(Path.of(path), timeout));
    }

    /**
     * The socket this client is connected to.
     *
     * @return the path given to {@link #connect(Path, Duration)}
     */
    public Path socket() {
        return socket;
    }

    /**
     * The bound on each call.
     *
     * @return the timeout given to {@link #connect(Path, Duration)}, or {@link #DEFAULT_TIMEOUT}
     */
    public Duration timeout() {
        return timeout;
    }

    /**
     * False once closed, by {@link #close()} or by a failure.
     *
     * @return whether calls can still be made on this connection
     */
    public boolean isOpen() {
        return !closed;
    }

    // ---------------------------------------------------------------- operations

    /**
     * The keys the agent holds (SSH2_AGENTC_REQUEST_IDENTITIES). A locked OpenSSH agent
     * answers with none.
     *
     * @return the agent's keys, each with its comment, in the agent's order; an unmodifiable list
     * @throws SshException if the agent refuses or answers wrongly, or the connection fails or times out
     */
    public List<Identity> identities() throws SshException {
        Response r = request(new RequestIdentities());
        if (r instanceof IdentitiesAnswer answer) {
            List<Identity> out = new ArrayList<>(answer.keys().size());
            for (KeyEntry k : answer.keys()) {
                out.add(new Identity(k.keyBlob(), k.comment(), this));
            }
            return List.copyOf(out);
        }
        if (r instanceof Failure) {
            throw new SshException("agent refused to list its keys");
        }
        throw unexpected("a key list request", r);
    }

    /**
     * Has the agent sign {@code data} with the key whose public blob is {@code keyBlob}
     * (SSH2_AGENTC_SIGN_REQUEST). For {@code rsa-sha2-256} and {@code rsa-sha2-512} the request
     * carries the flag that selects the hash; the name in the returned blob is checked to be
     * the one asked for, so an agent that ignores the flag and signs with SHA-1 is caught.
     *
     * @param algorithm a signature algorithm fitting the key, e.g. {@code ssh-ed25519},
     *                  {@code ecdsa-sha2-nistp384}, {@code rsa-sha2-512} or {@code ssh-rsa}
     * @param keyBlob   the public key blob (SSH wire encoding) of a key the agent holds
     * @param data      the data to sign
     * @return the signature blob {@code string algorithm || string signature}
     * @throws IllegalArgumentException if the algorithm does not fit the blob's key type
     * @throws SshException             if the agent refuses (it does not hold the key, is
     *                                  locked, or the user declined), or answers wrongly
     */
    public byte[] sign(byte[] keyBlob, byte[] data, String algorithm) throws SshException {
        String keyType = keyTypeOf(keyBlob);
        if (!AgentMessages.keyTypeFor(algorithm).equals(keyType)) {
            throw new IllegalArgumentException("a " + keyType + " key cannot make " + algorithm + " signatures");
        }
        Response r = request(new SignRequest(keyBlob, data, AgentMessages.signFlags(algorithm)));
        if (r instanceof SignResponse s) {
            byte[] sig = s.signature();
            checkSignatureBlob(sig, AgentMessages.signatureName(algorithm));
            return sig;
        }
        if (r instanceof Failure) {
            throw new SshException("agent refused to sign with " + keyType + " key " + SignatureAlgorithms.fingerprint(keyBlob));
        }
        throw unexpected("a sign request", r);
    }

    /**
     * Adds a private key to the agent (SSH2_AGENTC_ADD_IDENTITY) without constraints.
     *
     * @param keyPair the key pair to add: Ed25519, ECDSA on nistp256/384/521, or RSA with CRT parameters
     * @param comment the comment the agent lists with the key
     * @throws IllegalArgumentException if the key pair is of none of those kinds
     * @throws SshException             if the agent refuses, or the connection fails or times out
     */
    public void addIdentity(KeyPair keyPair, String comment) throws SshException {
        addIdentity(keyPair, comment, Constraints.NONE);
    }

    /**
     * Adds a private key to the agent; with constraints (a lifetime, confirmation of each use)
     * as SSH2_AGENTC_ADD_ID_CONSTRAINED. Adding a key the agent already holds replaces it.
     *
     * @param keyPair     the key pair to add
     * @param comment     the comment the agent lists with the key
     * @param constraints the constraints to add it with, or {@link Constraints#NONE}
     * @throws IllegalArgumentException if the key pair is not Ed25519, ECDSA on
     *                                  nistp256/384/521, or RSA with CRT parameters
     * @throws SshException             if the agent refuses
     */
    public void addIdentity(KeyPair keyPair, String comment, Constraints constraints) throws SshException {
        Response r = request(new AddIdentity(keyPair, comment, constraints));
        expectSuccess(r, "add", () -> "agent refused to add the key "
                + SignatureAlgorithms.fingerprint(SignatureAlgorithms.encodePublicKey(keyPair.getPublic())));
    }

    /**
     * Removes the key with this public blob from the agent (SSH2_AGENTC_REMOVE_IDENTITY).
     *
     * @param keyBlob the public key blob (SSH wire encoding) of the key to remove
     * @throws SshException if the agent refuses, as OpenSSH does when it does not hold the key
     */
    public void removeIdentity(byte[] keyBlob) throws SshException {
        Response r = request(new RemoveIdentity(keyBlob));
        expectSuccess(r, "remove", () -> "agent refused to remove the key " + SignatureAlgorithms.fingerprint(keyBlob)
                + " (it does not hold it, or is locked)");
    }

    /**
     * Removes every key from the agent (SSH2_AGENTC_REMOVE_ALL_IDENTITIES).
     *
     * @throws SshException if the agent refuses (OpenSSH does when it is locked), or the connection fails or times
     *     out
     */
    public void removeAll() throws SshException {
        Response r = request(new RemoveAllIdentities());
        expectSuccess(r, "remove all", () -> "agent refused to remove all keys");
    }

    /**
     * Locks the agent with a passphrase (SSH_AGENTC_LOCK): until unlocked it lists no keys and
     * signs nothing.
     *
     * @param passphrase the passphrase that {@link #unlock(char[])} will need; not kept, and its encoding in the
     *     request is wiped once sent
     * @throws SshException if the agent refuses, as OpenSSH does when it is already locked
     */
    public void lock(char[] passphrase) throws SshException {
        Response r = requestWithPassphrase(passphrase, Lock::new, Lock::wipe);
        expectSuccess(r, "lock", () -> "agent refused to lock (is it locked already?)");
    }

    /**
     * Unlocks the agent (SSH_AGENTC_UNLOCK).
     *
     * @param passphrase the passphrase the agent was locked with; its encoding in the request is wiped once sent
     * @throws SshException if the agent refuses: a wrong passphrase, or it is not locked
     */
    public void unlock(char[] passphrase) throws SshException {
        Response r = requestWithPassphrase(passphrase, Unlock::new, Unlock::wipe);
        expectSuccess(r, "unlock", () -> "agent refused to unlock (wrong passphrase, or not locked)");
    }

    /**
     * Sends an extension request (SSH_AGENTC_EXTENSION) and returns the reply as it came:
     * {@link Success} (with extension data), {@link ExtensionResponse}, {@link Failure} (the
     * agent does not know the extension) or {@link ExtensionFailure}.
     *
     * @param name     the extension's name, e.g. {@code session-bind@openssh.com}
     * @param contents the extension's request data, encoded as that extension defines
     * @return the agent's reply, one of the four kinds above
     * @throws SshException if the agent answers with another kind of message, or the connection fails or times out
     */
    public Response extension(String name, byte[] contents) throws SshException {
        Response r = request(new Extension(name, contents));
        if (r instanceof Success || r instanceof Failure || r instanceof ExtensionFailure || r instanceof ExtensionResponse) {
            return r;
        }
        throw unexpected("an extension request", r);
    }

    /**
     * {@code session-bind@openssh.com} (OpenSSH PROTOCOL.agent): tells the agent which session
     * this connection's signatures are for (the server's host key, the session identifier and
     * the server's signature over it from the first key exchange) and whether the connection is
     * forwarded. OpenSSH's agent lets keys added with destination constraints ({@code ssh-add
     * -h}) sign only on connections bound so; it accepts one binding for authentication per
     * connection.
     *
     * @param hostKey    the server's host key blob
     * @param sessionId  the session identifier (the exchange hash of the first key exchange)
     * @param signature  the server's signature over the session identifier from that key exchange
     * @param forwarding whether this agent connection is one forwarded to a remote host ({@code true}) rather than
     *     used by the local client for authentication
     * @return whether the agent accepted it; an agent that does not know the extension refuses
     * @throws SshException if the agent answers with an unexpected message, or the connection fails or times out
     */
    public boolean bindSession(byte[] hostKey, byte[] sessionId, byte[] signature, boolean forwarding) throws SshException {
        byte[] contents = new SshWriter(hostKey.length + sessionId.length + signature.length + 16)
                .string(hostKey).string(sessionId).string(signature).bool(forwarding).toByteArray();
        return extension("session-bind@openssh.com", contents) instanceof Success;
    }

    /**
     * The extensions the agent supports, by the optional {@code query} extension; empty if the
     * agent does not implement {@code query} (OpenSSH's agent, as of 9.x, does not).
     *
     * @return the extension names the agent lists, or empty if it does not implement {@code query}
     * @throws SshException if the agent answers {@code query} wrongly, or the connection fails or times out
     */
    public Optional<List<String>> queryExtensions() throws SshException {
        Response r = extension("query", new byte[0]);
        if (r instanceof Success s) {
            return Optional.of(parseNames(s.contents()));
        }
        if (r instanceof ExtensionResponse e && e.name().equals("query")) {
            return Optional.of(parseNames(e.contents()));
        }
        if (r instanceof ExtensionResponse e) {
            throw new SshException("agent answered the query extension as " + e.name());
        }
        return Optional.empty();
    }

    /**
     * Sends a request and decodes the reply; a FAILURE reply is returned, not thrown. The
     * encoding of a request that carries a secret (a private key, a passphrase) is wiped after
     * sending.
     *
     * @param request the request to send
     * @return the agent's decoded reply, which may be {@link Failure}
     * @throws SshException if the reply cannot be decoded, or the connection fails, times out or is already closed
     */
    public Response request(Request request) throws SshException {
        boolean secret = request instanceof AddIdentity || request instanceof Lock || request instanceof Unlock;
        byte[] payload = request.encode();
        try {
            return AgentMessages.decodeResponse(exchange(payload, secret));
        } finally {
            if (secret) {
                Arrays.fill(payload, (byte) 0);
            }
        }
    }

    /**
     * Sends one request payload (type byte and body, unframed) and returns the reply payload,
     * unparsed but bounded to {@value AgentMessages#MAX_MESSAGE_LENGTH} bytes. For relaying,
     * as agent forwarding does.
     *
     * @param requestPayload the request: its type byte and body, without the length prefix
     * @return the reply payload: its type byte and body, without the length prefix
     * @throws SshException if the connection fails, times out or is already closed, or the reply is longer than
     *     {@value AgentMessages#MAX_MESSAGE_LENGTH} bytes
     */
    public byte[] transact(byte[] requestPayload) throws SshException {
        return exchange(requestPayload, false);
    }

    /**
     * Closes the connection; idempotent. A call in progress on another thread fails promptly
     * with {@link SshException}.
     */
    @Override
    public void close() {
        closed = true;
        closeQuietly(channel);
        closeQuietly(selector); // wakes a thread blocked in select
    }

    @Override
    public String toString() {
        return "AgentClient[" + socket + (closed ? ", closed" : "") + "]";
    }

    // ---------------------------------------------------------------- I/O

    private byte[] exchange(byte[] payload, boolean secret) throws SshException {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] framed = AgentMessages.frame(payload);
        try {
            try {
                if (!lock.tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                    throw new SshException("timed out after " + timeout.toMillis() + " ms waiting for another request to the agent at "
                            + socket);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SshException("interrupted while waiting for the agent connection", e);
            }
            try {
                if (closed) {
                    throw new SshException("the connection to the agent at " + socket + " is closed"
                            + (closedBecause == null ? "" : " (" + closedBecause + ")"));
                }
                try {
                    checkNothingPending();
                    writeFully(ByteBuffer.wrap(framed), deadline);
                    ByteBuffer header = ByteBuffer.allocate(4);
                    readFully(header, deadline);
                    int length = AgentMessages.checkLength(header.getInt(0) & 0xffffffffL);
                    ByteBuffer body = ByteBuffer.allocate(length);
                    readFully(body, deadline);
                    return body.array();
                } catch (SshException e) {
                    fail(e.getMessage());
                    throw e;
                } catch (ClosedByInterruptException e) {
                    fail("interrupted");
                    throw new SshException("interrupted while talking to the agent at " + socket, e);
                } catch (ClosedChannelException | ClosedSelectorException | CancelledKeyException e) {
                    fail("closed");
                    throw new SshException("the connection to the agent at " + socket + " was closed", e);
                } catch (IOException e) {
                    String why = "agent connection failed: " + describe(e);
                    fail(why);
                    throw new SshException(why + " (" + socket + ")", e);
                }
            } finally {
                lock.unlock();
            }
        } finally {
            if (secret) {
                Arrays.fill(framed, (byte) 0);
            }
        }
    }

    /** Between requests the agent must be silent: a byte now would be read as the next reply. */
    private void checkNothingPending() throws IOException {
        probe.clear();
        int n = channel.read(probe);
        if (n < 0) {
            throw new SshException("the agent at " + socket + " closed the connection");
        }
        if (n > 0) {
            throw new SshException("the agent at " + socket + " sent data nobody asked for");
        }
    }

    private void writeFully(ByteBuffer buf, long deadline) throws IOException {
        while (buf.hasRemaining()) {
            if (channel.write(buf) == 0) {
                await(selector, key, SelectionKey.OP_WRITE, deadline, timeout, "sending to the agent at " + socket);
            }
        }
    }

    private void readFully(ByteBuffer buf, long deadline) throws IOException {
        while (buf.hasRemaining()) {
            int n = channel.read(buf);
            if (n < 0) {
                throw new SshException("the agent at " + socket + " closed the connection before answering");
            }
            if (n == 0) {
                await(selector, key, SelectionKey.OP_READ, deadline, timeout, "waiting for the agent at " + socket);
            }
        }
    }

    /** Waits until the channel is ready for {@code op} or the deadline passes. */
    private static void await(Selector sel, SelectionKey k, int op, long deadline, Duration timeout, String what)
            throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new SshException("timed out after " + timeout.toMillis() + " ms " + what);
        }
        k.interestOps(op);
        // select(0) would wait forever: round up so that a sub-millisecond remainder still waits a little
        sel.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left + 999_999)));
        sel.selectedKeys().clear();
        if (Thread.currentThread().isInterrupted()) {
            throw new ClosedByInterruptException();
        }
    }

    /** Closes after a failure that leaves the stream in an unknown state; called under the lock. */
    private void fail(String why) {
        closedBecause = why;
        close();
    }

    // ---------------------------------------------------------------- helpers

    private static void expectSuccess(Response r, String what, java.util.function.Supplier<String> refusal) throws SshException {
        if (r instanceof Success s && s.contents().length == 0) {
            return;
        }
        if (r instanceof Failure) {
            throw new SshException(refusal.get());
        }
        throw unexpected("a " + what + " request", r);
    }

    /**
     * Sends the request {@code message} makes of the passphrase's UTF-8 bytes; those bytes and
     * the request's own copy ({@code wipe}) are cleared once it has been sent.
     */
    private <M extends Request> Response requestWithPassphrase(char[] passphrase, Function<byte[], M> message, Consumer<M> wipe)
            throws SshException {
        byte[] pass = utf8(passphrase);
        M msg = message.apply(pass);
        Arrays.fill(pass, (byte) 0);
        try {
            return request(msg);
        } finally {
            wipe.accept(msg);
        }
    }

    private static SshException unexpected(String what, Response r) {
        return new SshException("agent answered " + what + " with an unexpected message of type " + r.type());
    }

    private static String keyTypeOf(byte[] keyBlob) {
        try {
            return new SshReader(keyBlob).ascii();
        } catch (SshException e) {
            throw new IllegalArgumentException("not a public key blob: " + e.getMessage(), e);
        }
    }

    /** Checks that a signature blob names {@code expected} and, for algorithms we know, is well-formed. */
    private static void checkSignatureBlob(byte[] sig, String expected) throws SshException {
        SshReader r = new SshReader(sig);
        String name;
        try {
            name = r.ascii();
            if (name.equals(expected) && SignatureAlgorithms.SUPPORTED.contains(name)) {
                r.string();
                r.expectEnd("signature blob");
            }
        } catch (SshException e) {
            throw new SshException("agent returned a malformed signature: " + e.getMessage(), e);
        }
        if (!name.equals(expected)) {
            throw new SshException("agent returned a " + quote(name) + " signature, not the " + expected + " signature asked for");
        }
    }

    /**
     * The extension names of a query reply: a sequence of strings, or (as some agents send it)
     * a uint32 count followed by that many strings.
     */
    static List<String> parseNames(byte[] contents) throws SshException {
        SshException first = null;
        if (contents.length >= 4) {
            try {
                SshReader r = new SshReader(contents);
                long n = r.uint32AsLong();
                if (n <= r.remaining() / 4) {
                    List<String> out = new ArrayList<>((int) n);
                    for (long i = 0; i < n; i++) {
                        out.add(r.ascii());
                    }
                    r.expectEnd("query reply");
                    return List.copyOf(out);
                }
            } catch (SshException e) {
                first = e;
            }
        }
        try {
            SshReader r = new SshReader(contents);
            List<String> out = new ArrayList<>();
            while (r.hasRemaining()) {
                out.add(r.ascii());
            }
            return List.copyOf(out);
        } catch (SshException e) {
            SshException ex = new SshException("agent sent a malformed query reply: " + e.getMessage(), e);
            if (first != null) {
                ex.addSuppressed(first);
            }
            throw ex;
        }
    }

    private static byte[] utf8(char[] passphrase) {
        try {
            ByteBuffer b = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(passphrase));
            byte[] out = new byte[b.remaining()];
            b.get(out);
            if (b.hasArray()) {
                Arrays.fill(b.array(), (byte) 0);
            }
            return out;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("the passphrase is not valid Unicode (unpaired surrogate)", e);
        }
    }

    private static String quote(String s) {
        return "\"" + (s.length() > 64 ? s.substring(0, 64) + "..." : s) + "\"";
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing is best effort
            }
        }
    }
}
