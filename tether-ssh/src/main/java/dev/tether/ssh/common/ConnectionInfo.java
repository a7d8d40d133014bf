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
    /** This connection's number, unique in the JVM; logs and the server's event log name it {@code #ID}. */
    long id();

    /**
     * The peer's address as text: for a server connection the client's (the one a PROXY protocol
     * header named, when that is on), for a client the host it connected to; {@code "unknown"}
     * over plain streams.
     */
    String remoteHost();

    /** The peer's port, 0 when unknown. */
    int remotePort();

    /** The peer's identification line, e.g. {@code SSH-2.0-OpenSSH_9.2p1 Debian-2}, or null before it arrived. */
    String peerVersion();

    /** Our identification line. */
    String localVersion();

    /** True on the client side of the connection. */
    boolean isClientMode();

    /** The session identifier (H of the first key exchange, RFC 4253 §7.2), a copy; null before it. */
    byte[] sessionId();

    /** The algorithms of the most recent key exchange, or null before the first completes. */
    NegotiatedAlgorithms negotiatedAlgorithms();
}
