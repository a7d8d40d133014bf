package dev.tether.ssh;

import dev.tether.ssh.auth.NoAuthService;
import dev.tether.ssh.transport.Identification;
import dev.tether.ssh.transport.PacketWriter;
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
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A listening SSH server: accepts TCP connections and runs a server-mode {@link Transport} on
 * each.
 *
 * <p>Threads: one accept thread; each connection has its own reader and writer threads (see
 * {@link Transport}). {@link #close()} stops accepting and closes every connection.
 */
public final class SshServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SshServer.class);

    private final TransportConfig config;
    private final ServerLimits limits;
    private final ServerSocket listener;
    private final Thread acceptThread;
    private final Set<Transport> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private volatile List<ConnectionValidator> validators = List.of();

    private SshServer(TransportConfig config, ServerLimits limits, ServerSocket listener) {
        this.config = config;
        this.limits = limits;
        this.listener = listener;
        this.acceptThread = Threads.newThread("tether-accept-" + listener.getLocalPort(), this::acceptLoop);
    }

    /**
     * Binds and starts accepting.
     *
     * @param address the address to bind, e.g. 127.0.0.1
     * @param port    the port; 0 picks a free one (see {@link #port()})
     */
    public static SshServer start(String address, int port, TransportConfig config) throws IOException {
        return start(address, port, config, ServerLimits.defaults());
    }

    /** Binds and starts accepting, with server-wide limits (MaxStartups, PROXY protocol, ...). */
    public static SshServer start(String address, int port, TransportConfig config, ServerLimits limits)
            throws IOException {
        java.util.Objects.requireNonNull(limits);
        if (config.hostKeys().isEmpty()) {
            throw new IllegalArgumentException("a server needs at least one host key");
        }
        TransportConfig withAuth = config.services().containsKey("ssh-userauth") ? config
                : config.toBuilder().service("ssh-userauth",
                        t -> new NoAuthService(t, List.of("publickey", "password", "keyboard-interactive"), 6)).build();
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(InetAddress.getByName(address), port), 128);
        SshServer s = new SshServer(withAuth, limits, ss);
        s.acceptThread.start();
        return s;
    }

    public ServerLimits limits() {
        return limits;
    }

    public int port() {
        return listener.getLocalPort();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    /** The connections currently open. */
    public Set<Transport> connections() {
        return Set.copyOf(connections);
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
            ConnectionValidator.Verdict verdict = validate(s);
            if (!verdict.accepted()) {
                refuse(s, verdict);
                continue;
            }
            try {
                Transport t = Transport.startServer(s, config, this::validators);
                connections.add(t);
                t.closeFuture().whenComplete((v, e) -> connections.remove(t));
                log.debug("connection from {}", s.getRemoteSocketAddress());
            } catch (IOException | RuntimeException e) {
                log.warn("could not start a connection from {}: {}", s.getRemoteSocketAddress(), e.toString());
                try {
                    s.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
        }
    }

    /**
     * Replaces the validators; the first refusal in list order wins. Thread-safe: connections
     * arriving after the call see the new list.
     */
    public void setValidators(List<ConnectionValidator> list) {
        validators = List.copyOf(list);
    }

    public List<ConnectionValidator> validators() {
        return validators;
    }

    private ConnectionValidator.Verdict validate(Socket s) {
        List<ConnectionValidator> vs = validators;
        if (vs.isEmpty()) {
            return ConnectionValidator.Verdict.accept();
        }
        InetSocketAddress remote = (InetSocketAddress) s.getRemoteSocketAddress();
        int total = 0;
        int unauthenticated = 0;
        int fromSource = 0;
        for (Transport t : connections) {
            total++;
            if (!t.isAuthenticated()) {
                unauthenticated++;
            }
            if (t.remoteHost().equals(remote.getAddress().getHostAddress())) {
                fromSource++;
            }
        }
        ConnectionValidator.Peer peer = new ConnectionValidator.Peer(remote, (InetSocketAddress) s.getLocalSocketAddress(),
                total, unauthenticated, fromSource);
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
     * reset the connection before the client has read our DISCONNECT.
     */
    private void refuse(Socket s, ConnectionValidator.Verdict verdict) {
        log.info("refused {}: {} ({})", s.getRemoteSocketAddress(), verdict.message(), verdict.reason());
        Threads.newThread("tether-refuse", () -> {
            try (s) {
                s.setSoTimeout(2000);
                java.io.OutputStream out = s.getOutputStream();
                out.write((Identification.ourLine(config.softwareVersion(), config.comment()) + "\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                new PacketWriter(out, config.random()).write(
                        new Disconnect(verdict.reason().disconnectReason().code(), verdict.message()).encode());
                out.flush();
                s.shutdownOutput();
                java.io.InputStream in = s.getInputStream();
                byte[] sink = new byte[4096];
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(2);
                while (System.nanoTime() < deadline && in.read(sink) >= 0) {
                    // drain until the client closes
                }
            } catch (IOException e) {
                log.trace("refusing {}: {}", s.getRemoteSocketAddress(), e.toString());
            }
        }).start();
    }

    /**
     * Closes the listener and stops accepting, leaving open connections to end on their own (a
     * graceful shutdown: wait on {@link #connections()}, then {@link #close()}).
     */
    public void stopAccepting() {
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            log.debug("closing listener: {}", e.toString());
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
        for (Transport t : connections) {
            t.close();
        }
    }
}
