package dev.tether.ssh.forward;

import dev.tether.ssh.policy.GatewayPorts;
import dev.tether.ssh.transport.Threads;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * The sockets forwarding makes: outgoing TCP connections with a bounded connect time and
 * outgoing Unix-domain connections; TCP listeners where {@link GatewayPorts} says and Unix-domain
 * listeners with mode 0600 (sshd's StreamLocalBindMask 0177). Names are resolved here, so callers
 * run these on a thread of their own ({@link #SPAWN}), never on the connection's reader thread.
 *
 * <p>Stateless and thread-safe.
 */
final class Sockets {
    /** How long an outgoing TCP connect may take before the open is answered "connect failed". */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);

    /** Runs each task on a new thread from {@link Threads}. */
    static final Executor SPAWN = task -> Threads.newThread("tether-forward", task).start();

    private Sockets() {
    }

    /** Connects to {@code host:port} within {@link #CONNECT_TIMEOUT}; the message says why not. */
    static SocketChannel connectTcp(String host, int port) throws IOException {
        SocketChannel s = SocketChannel.open();
        try {
            InetSocketAddress a = new InetSocketAddress(host, port);
            if (a.isUnresolved()) {
                throw new IOException("unknown host " + host);
            }
            s.socket().connect(a, (int) CONNECT_TIMEOUT.toMillis());
            s.socket().setTcpNoDelay(true);
            return s;
        } catch (SocketTimeoutException e) {
            s.close();
            throw new IOException("no answer within " + CONNECT_TIMEOUT.toSeconds() + " s", e);
        } catch (IOException | IllegalArgumentException | SecurityException e) {
            s.close();
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
    }

    /** Connects to the Unix-domain socket at {@code path}. */
    static SocketChannel connectUnix(String path) throws IOException {
        try {
            return SocketChannel.open(UnixDomainSocketAddress.of(path));
        } catch (IllegalArgumentException e) {
            throw new IOException("bad socket path: " + e.getMessage(), e);
        }
    }

    /**
     * A TCP listener on {@code host} (as {@link GatewayPorts#listenHost} gives it) and
     * {@code port} (0: one the system picks).
     */
    static ServerSocketChannel listenTcp(String host, int port) throws IOException {
        InetSocketAddress a = host.equals(GatewayPorts.ANY) ? new InetSocketAddress(port)
                : host.equals(GatewayPorts.LOOPBACK) ? new InetSocketAddress(InetAddress.getLoopbackAddress(), port)
                : new InetSocketAddress(InetAddress.getByName(host), port);
        ServerSocketChannel s = ServerSocketChannel.open();
        try {
            s.bind(a);
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** A Unix-domain listener at {@code path}, which must not exist yet; the socket file gets mode 0600. */
    static ServerSocketChannel listenUnix(Path path) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            s.bind(UnixDomainSocketAddress.of(path));
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException | IOException e) {
            // a file system without POSIX modes: as made
        }
        return s;
    }

    /** {@code host:port}, with an IPv6 address in brackets. */
    static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** The readable reason of a failed connect or bind. */
    static String why(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
