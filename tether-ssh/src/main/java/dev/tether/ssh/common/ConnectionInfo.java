package dev.tether.ssh.common;

/**
 * What a policy, a checker or a subsystem may know about the connection it is working for: who
 * is at the other end and what was negotiated, without the means to send on it or end it.
 * {@link dev.tether.ssh.Transport} implements it; policies receive it through
 * {@code Login.connection()} and credential checkers as an argument.
 *
 * <p>Implementations are thread-safe; values that the key exchange sets are null before the
 * first exchange completes.
 */
public interface ConnectionInfo {
    /**
     * This connection's number, unique in the JVM; logs and the server's event log name it {@code #ID}.
     *
     * @return the connection id
     */
    long id();

    /**
     * The peer's address as text: for a server connection the client's (the one a PROXY protocol
     * header named, when that is on), for a client the host it connected to; {@code "unknown"}
     * over plain streams.
     *
     * @return the peer's address
     */
    String remoteHost();

    /**
     * The peer's port, 0 when unknown.
     *
     * @return the port, or 0
     */
    int remotePort();

    /**
     * The peer's identification line, e.g. {@code SSH-2.0-OpenSSH_9.2p1 Debian-2}, or null before it arrived.
     *
     * @return the peer's identification line without CR LF, or null
     */
    String peerVersion();

    /**
     * Our identification line.
     *
     * @return our identification line without CR LF, e.g. {@code SSH-2.0-Tether_0.1}
     */
    String localVersion();

    /**
     * True on the client side of the connection.
     *
     * @return true for a client connection, false for a server connection
     */
    boolean isClientMode();

    /**
     * The session identifier (H of the first key exchange, RFC 4253 §7.2), a copy; null before it.
     *
     * @return a copy of the session identifier, or null
     */
    byte[] sessionId();

    /**
     * The algorithms of the most recent key exchange, or null before the first completes.
     *
     * @return the negotiated algorithms, or null
     */
    NegotiatedAlgorithms negotiatedAlgorithms();
}
