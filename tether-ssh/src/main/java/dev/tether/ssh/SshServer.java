package dev.tether.ssh;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.policy.ConnectionValidator;
import dev.tether.ssh.policy.PerSourcePenalties;
import dev.tether.ssh.policy.ServerLimits;
import dev.tether.ssh.server.StartupGate;
import dev.tether.ssh.transport.Identification;
import dev.tether.ssh.transport.PacketConnection;
import dev.tether.ssh.transport.PacketWriter;
import dev.tether.ssh.transport.ProxyProtocol;
import dev.tether.ssh.transport.Threads;
import dev.tether.ssh.wire.Disconnect;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A listening SSH server: accepts TCP connections and runs a server-mode {@link Transport} on
 * each.
 *
 * <p>On arrival a connection passes, in order: the {@link PerSourcePenalties} of its source, the
 * {@link ConnectionValidator}s, and MaxStartups / PerSourceMaxStartups (see {@link ServerLimits},
 * which may evict a stale unauthenticated connection to make room). A refusal is our version
 * line and an unencrypted DISCONNECT with a code and a readable message.
 *
 * <p>Threads: one accept thread; each connection has its own reader and writer threads (see
 * {@link Transport}); refusals are sent by short-lived threads, at most 64 at once.
 * {@link #close()} stops accepting and closes every connection.
 */
public final class SshServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SshServer.class);
    private static final int MAX_REFUSING = 64;

    private final TransportConfig config;
    private final ServerLimits limits;
    private final ServerSocket listener;
    private final Thread acceptThread;
    private final ProxyProtocol proxy;
    private final StartupGate gate;
    /** The public face of each connection the gate tracks (entries leave when the connection closes). */
    private final Map<PacketConnection, Transport> faces = new ConcurrentHashMap<>();
    /** Refusals being sent now, each on a short-lived thread; past {@link #MAX_REFUSING} they are sent inline without draining. */
    private final AtomicInteger refusing = new AtomicInteger();
    private volatile boolean closed;
    private volatile List<ConnectionValidator> validators = List.of();

    private SshServer(TransportConfig config, ServerLimits limits, ServerSocket listener) {
        this.config = config;
        this.limits = limits;
        this.gate = new StartupGate(limits);
        this.listener = listener;
        this.acceptThread = Threads.newThread("tether-accept-" + listener.getLocalPort(), this::acceptLoop);
        this.proxy = limits.proxyProtocol() ? new ProxyProtocol(limits.proxyHeaderTimeout(), limits.maxStartupsFull()) : null;
    }

    /**
     * Binds and starts accepting.
     *
     * @param address the address to bind, e.g. 127.0.0.1
     * @param port    the port; 0 picks a free one (see {@link #port()})
     * @param config  the server configuration, with at least one host key and a policy
     * @return the running server, with the default {@link ServerLimits}
     * @throws IOException if the address cannot be bound
     */
    public static SshServer start(String address, int port, TransportConfig config) throws IOException {
        return start(address, port, config, ServerLimits.defaults());
    }

    /**
     * Binds and starts accepting, with server-wide limits (MaxStartups, PROXY protocol, ...).
     *
     * @param address the address to bind, e.g. 127.0.0.1
     * @param port    the port; 0 picks a free one (see {@link #port()})
     * @param config  the server configuration, with at least one host key and a policy
     * @param limits  the server-wide limits
     * @return the running server
     * @throws IOException if the address cannot be bound
     */
    public static SshServer start(String address, int port, TransportConfig config, ServerLimits limits)
            throws IOException {
        java.util.Objects.requireNonNull(limits);
        if (config.hostKeys().isEmpty()) {
            throw new IllegalArgumentException("a server needs at least one host key");
        }
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(InetAddress.getByName(address), port), 128);
        SshServer s = new SshServer(config, limits, ss);
        s.acceptThread.start();
        return s;
    }

    /**
     * The server-wide limits it was started with.
     *
     * @return the limits
     */
    public ServerLimits limits() {
        return limits;
    }

    /**
     * The port the server listens on (the one picked, for port 0).
     *
     * @return the local port
     */
    public int port() {
        return listener.getLocalPort();
    }

    /**
     * The address and port the server listens on.
     *
     * @return the bound address
     */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    /**
     * The connections currently open.
     *
     * @return a snapshot of the open connections
     */
    public Set<Transport> connections() {
        Set<Transport> out = new HashSet<>();
        for (PacketConnection c : gate.connections()) {
            Transport t = faces.get(c);
            if (t != null) {
                out.add(t);
            }
        }
        return Collections.unmodifiableSet(out);
    }

    /** The connection table and its limits (package-private, for tests). */
    StartupGate gate() {
        return gate;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = listener.accept();
            } catch (SocketException e) {
                if (!closed) {
                    log.warn("accept failed: {}", e.toString());
                }
                return;
            } catch (IOException e) {
                log.warn("accept failed: {}", e.toString());
                continue;
            }
            if (proxy != null) {
                proxy.readThen(s, remote -> admit(s, remote)); // header read off the accept thread
            } else {
                admit(s, (InetSocketAddress) s.getRemoteSocketAddress());
            }
        }
    }

    /**
     * Admits or refuses a connection whose client is {@code remote} (the PROXY header's address,
     * when that is on). Runs on the accept thread, or on a PROXY header thread; admissions are
     * serialised so that the counts a decision sees include every connection admitted before it.
     */
    private void admit(Socket s, InetSocketAddress remote) {
        ConnectionValidator.Verdict verdict;
        synchronized (gate) {
            verdict = admission(s, remote);
            if (verdict.accepted()) {
                start(s, remote);
            }
        }
        if (!verdict.accepted()) {
            refuse(s, remote, verdict);
        }
    }

    /**
     * Whether a new connection may start: penalties of its source, then the validators, then
     * MaxStartups / PerSourceMaxStartups (which may evict a stale connection to make room).
     */
    private ConnectionValidator.Verdict admission(Socket s, InetSocketAddress remote) {
        ConnectionValidator.Verdict verdict = gate.penalty(remote);
        if (verdict.accepted()) {
            verdict = validate(remote, (InetSocketAddress) s.getLocalSocketAddress());
        }
        if (verdict.accepted()) {
            verdict = gate.admit(remote);
        }
        return verdict;
    }

    private void start(Socket s, InetSocketAddress remote) {
        try {
            Transport t = Transport.startServer(s, config, this::validators, remote, true);
            faces.put(t.engine(), t);
            t.closeFuture().whenComplete((v, x) -> faces.remove(t.engine()));
            gate.started(t.engine(), remote);
            if (closed) {
                t.close(); // a PROXY header finished while the server closed
            }
            log.debug("connection from {}", remote);
        } catch (IOException | RuntimeException e) {
            log.warn("could not start a connection from {}: {}", remote, e.toString());
            try {
                s.close();
            } catch (IOException ignored) {
                // already failing
            }
        }
    }

    /**
     * Replaces the validators; the first refusal in list order wins. Thread-safe: connections
     * arriving after the call see the new list.
     *
     * @param list the validators, in order
     */
    public void setValidators(List<ConnectionValidator> list) {
        validators = List.copyOf(list);
    }

    /**
     * The validators, in the order they are asked.
     *
     * @return the current list, unmodifiable
     */
    public List<ConnectionValidator> validators() {
        return validators;
    }

    private ConnectionValidator.Verdict validate(InetSocketAddress remote, InetSocketAddress local) {
        List<ConnectionValidator> vs = validators;
        if (vs.isEmpty()) {
            return ConnectionValidator.Verdict.accept();
        }
        ConnectionValidator.Peer peer = gate.peer(remote, local);
        for (ConnectionValidator v : vs) {
            ConnectionValidator.Verdict verdict;
            try {
                verdict = v.acceptHost(peer);
            } catch (RuntimeException e) {
                log.warn("validator {} failed; refusing {}", v, remote, e);
                verdict = ConnectionValidator.Verdict.deny(ConnectionValidator.Reason.SECURITY, "connection refused");
            }
            if (!verdict.accepted()) {
                return verdict;
            }
        }
        return ConnectionValidator.Verdict.accept();
    }

    /**
     * Sends our version line and an unencrypted DISCONNECT with the verdict's code, then closes,
     * on a short-lived thread so the accept loop never waits on the client. The client's own
     * version line and KEXINIT are read (bounded) before closing, so that the close does not
     * reset the connection before the client has read our DISCONNECT. At most
     * {@link #MAX_REFUSING} such threads run at once; past that (a flood of refused clients) the
     * refusal is written at once and the socket closed without draining, which costs no thread.
     */
    private void refuse(Socket s, InetSocketAddress remote, ConnectionValidator.Verdict verdict) {
        log.info("refused {}: {} ({})", remote, verdict.message(), verdict.reason());
        if (refusing.incrementAndGet() > MAX_REFUSING) {
            refusing.decrementAndGet();
            try (s) {
                writeRefusal(s, verdict);
            } catch (IOException e) {
                log.trace("refusing {}: {}", remote, e.toString());
            }
            return;
        }
        Threads.newThread("tether-refuse", () -> {
            try (s) {
                s.setSoTimeout(2000);
                writeRefusal(s, verdict);
                java.io.InputStream in = s.getInputStream();
                byte[] sink = new byte[4096];
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(2);
                while (System.nanoTime() < deadline && in.read(sink) >= 0) {
                    // drain until the client closes
                }
            } catch (IOException e) {
                log.trace("refusing {}: {}", remote, e.toString());
            } finally {
                refusing.decrementAndGet();
            }
        }).start();
    }

    private void writeRefusal(Socket s, ConnectionValidator.Verdict verdict) throws IOException {
        java.io.OutputStream out = s.getOutputStream();
        out.write((Identification.ourLine(config.softwareVersion(), config.comment()) + "\r\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        new PacketWriter(out, config.random()).write(
                new Disconnect(verdict.reason().disconnectReason().code(), verdict.message()).encode());
        out.flush();
        s.shutdownOutput();
    }

    /**
     * Closes the listener and stops accepting (connections still waiting for a PROXY header are
     * closed), leaving open connections to end on their own: a graceful shutdown waits on
     * {@link #connections()}, then calls {@link #close()}.
     */
    public void stopAccepting() {
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            log.debug("closing listener: {}", e.toString());
        }
        if (proxy != null) {
            proxy.close();
        }
        try {
            acceptThread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops accepting and closes every connection, each with a bounded wait. */
    @Override
    public void close() {
        stopAccepting();
        gate.closing();
        Set<Transport> all = connections();
        for (Transport t : all) {
            t.disconnect(DisconnectReason.BY_APPLICATION, "server shutting down");
        }
        for (Transport t : all) {
            t.close();
        }
    }
}
