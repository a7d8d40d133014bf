package dev.tether.ssh.forward;

import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.Forward;
import dev.tether.ssh.transport.Threads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client's local listener whose connections go through the connection: {@code ssh -L} to a
 * fixed {@code direct-tcpip} target (RFC 4254 §7.2) or a server-side Unix socket
 * ({@code direct-streamlocal@openssh.com}, OpenSSH PROTOCOL §2.4), and {@code ssh -D}, a SOCKS4,
 * 4a and 5 proxy ({@link Socks}) that opens one {@code direct-tcpip} channel per CONNECT. It
 * listens on TCP or on a Unix socket (removed again on close).
 *
 * <p><b>Threading.</b> One accept thread per listener; each accepted connection gets a thread
 * that speaks SOCKS if need be, opens its channel (waiting for the server's answer) and starts a
 * {@link StreamRelay}, whose two threads then carry it. All from {@link Threads}. A
 * refused open closes that one connection. {@link #close()} may be called from any thread; it
 * also runs when the connection ends.
 */
public final class LocalForward implements Forward {
    private static final Logger log = LoggerFactory.getLogger(LocalForward.class);

    /** Where a listener's connections go: a TCP host and port, a server socket path, or SOCKS (both null). */
    public record Target(String host, int port, String path) {
        public static Target tcp(String host, int port) {
            return new Target(host, port, null);
        }

        public static Target streamLocal(String path) {
            return new Target(null, 0, path);
        }

        public static Target socks() {
            return new Target(null, 0, null);
        }

        boolean isSocks() {
            return host == null && path == null;
        }

        @Override
        public String toString() {
            return isSocks() ? "socks" : path != null ? path : host + ":" + port;
        }
    }

    private final ServerSocketChannel server;
    private final SocketAddress bound;
    private final Target target;
    private final ChannelOpener opener;
    private final String name;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong connections = new AtomicLong();
    private static final long ACCEPTOR_EXIT_MILLIS = 5000;
    /** The accept thread; set before it starts. */
    private volatile Thread acceptor;

    private LocalForward(ServerSocketChannel server, SocketAddress bound, Target target, ChannelOpener opener) {
        this.server = server;
        this.bound = bound;
        this.target = target;
        this.opener = opener;
        this.name = "tether-fwd-" + (target.isSocks() ? "D" : "L")
                + (bound instanceof InetSocketAddress a ? Integer.toString(a.getPort()) : String.valueOf(bound));
    }

    /**
     * Binds {@code bind} (an {@link InetSocketAddress}, port 0 for any, or a
     * {@link UnixDomainSocketAddress}) and starts accepting; closes when {@code connectionEnd}
     * completes.
     */
    public static LocalForward start(SocketAddress bind, Target target, ChannelOpener opener,
                                     CompletableFuture<?> connectionEnd) throws IOException {
        ServerSocketChannel s;
        if (bind instanceof UnixDomainSocketAddress) {
            s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        } else {
            s = ServerSocketChannel.open();
            s.socket().setReuseAddress(true);
        }
        try {
            s.bind(bind, 128);
        } catch (IOException | RuntimeException e) {
            StreamRelay.closeQuietly(s);
            throw e;
        }
        LocalForward f = new LocalForward(s, s.getLocalAddress(), target, opener);
        f.acceptor = Threads.newThread(f.name, f::acceptLoop);
        f.acceptor.start();
        connectionEnd.whenComplete((v, e) -> f.close());
        return f;
    }

    private void acceptLoop() {
        while (!closed.get()) {
            SocketChannel sc;
            try {
                sc = server.accept();
            } catch (IOException e) {
                if (!closed.get()) {
                    log.debug("{}: accept failed: {}", name, e.toString());
                    close();
                }
                return;
            }
            if (closed.get()) {
                // accepted while close() ran: the listening socket lives until this accept
                // returns, so a connection can still land in it; it is not served
                StreamRelay.closeQuietly(sc);
                return;
            }
            long n = connections.incrementAndGet();
            Threads.newThread(name + "-" + n, () -> serve(sc, name + "-" + n)).start();
        }
    }

    private void serve(SocketChannel sc, String connName) {
        StreamRelay.Endpoint local = StreamRelay.socket(sc);
        String originHost = "127.0.0.1";
        int originPort = 0;
        try {
            if (sc.getRemoteAddress() instanceof InetSocketAddress a) {
                originHost = a.getAddress().getHostAddress();
                originPort = a.getPort();
            }
        } catch (IOException e) {
            // keep the defaults
        }
        Socks.Request request = null;
        Channel ch;
        try {
            if (target.isSocks()) {
                request = Socks.readRequest(local);
                ch = opener.directTcpip(request.host(), request.port(), originHost, originPort);
                Socks.reply(local, request, Socks.SUCCEEDED);
            } else if (target.path() != null) {
                ch = opener.directStreamLocal(target.path());
            } else {
                ch = opener.directTcpip(target.host(), target.port(), originHost, originPort);
            }
        } catch (IOException | RuntimeException e) {
            log.info("{}: {}{}", connName, request != null ? request.host() + ":" + request.port() + ": " : "", e.getMessage());
            if (request != null && !(e instanceof Socks.SocksException)) {
                try {
                    Socks.reply(local, request, Socks.CONNECTION_REFUSED);
                } catch (IOException ex) {
                    // the client is gone
                }
            }
            local.close();
            return;
        }
        StreamRelay.start(connName, local, ch);
    }

    @Override
    public SocketAddress boundAddress() {
        return bound;
    }

    @Override
    public boolean isOpen() {
        return !closed.get();
    }

    @Override
    public long connections() {
        return connections.get();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        StreamRelay.closeQuietly(server);
        // the socket stops listening only once the accept thread has left accept(): wait for
        // it, so that a connection made after close() returns is refused
        Thread a = acceptor;
        if (a != null && a != Thread.currentThread()) {
            try {
                a.join(ACCEPTOR_EXIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (bound instanceof UnixDomainSocketAddress u) {
            try {
                Files.deleteIfExists(u.getPath());
            } catch (IOException e) {
                // best effort
            }
        }
    }

    @Override
    public String toString() {
        return "LocalForward[" + bound + " -> " + target + "]";
    }
}
