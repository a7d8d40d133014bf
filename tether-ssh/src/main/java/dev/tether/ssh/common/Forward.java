package dev.tether.ssh.common;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * A port forwarding a client set up (RFC 4254 §7, OpenSSH PROTOCOL §2.4): a local listener whose
 * connections go through the connection ({@code ssh -L}, {@code -D}), or a listener the server
 * opened whose connections come back to a local target ({@code ssh -R}). Closing it stops new
 * connections (a local listener is closed; a remote one is cancelled with
 * {@code cancel-tcpip-forward} or {@code cancel-streamlocal-forward@openssh.com}); connections
 * already relayed run on until they end or the connection closes. Every forwarding ends with its
 * connection. Thread-safe.
 */
public interface Forward extends AutoCloseable {
    /**
     * Where connections are accepted: a local forward's listening address with its real port (so
     * port 0 shows the port the system chose), or a Unix socket's address; for a remote forward
     * the address the server was asked to bind, as an unresolved {@link InetSocketAddress} with
     * the port the server bound (the allocated one for port 0), or a Unix socket's address.
     *
     * @return the bound address
     */
    SocketAddress boundAddress();

    /**
     * The port of {@link #boundAddress()}, or -1 for a Unix socket.
     *
     * @return the port, or -1
     */
    default int boundPort() {
        return boundAddress() instanceof InetSocketAddress a ? a.getPort() : -1;
    }

    /**
     * True until closed (by {@link #close()} or by the end of the connection).
     *
     * @return whether the forward still accepts connections
     */
    boolean isOpen();

    /**
     * Connections accepted so far (local) or forwarded to us so far (remote).
     *
     * @return the number of connections so far
     */
    long connections();

    /** Stops accepting connections; never blocks on the peer for long (a bounded wait for a cancel's reply). */
    @Override
    void close();
}
