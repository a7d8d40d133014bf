package dev.tether.ssh.kex;

import java.io.IOException;

/**
 * One key exchange method (RFC 4253 §8 and its successors), with its client and its server
 * side. Both sides run on the connection's reader thread, blocking in {@link KexIo#read()}.
 *
 * <p>Implementations are stateless and shareable: per-exchange state lives in locals of
 * {@link #client} and {@link #server}. Ephemeral secrets are wiped before returning.
 */
public interface KexAlgorithm {
    /** The name as negotiated, e.g. {@code curve25519-sha256}. */
    String name();

    /** The JCA name of the hash, e.g. {@code SHA-256}. */
    String hashAlgorithm();

    /**
     * Runs the client side: sends the client's message(s), reads the server's reply, and
     * returns K, H, K_S and the signature. Signature verification and host key checking are the
     * caller's job.
     */
    KexResult client(KexIo io, KexContext ctx) throws IOException;

    /** Runs the server side, signing H with {@code hostKey}. */
    KexResult server(KexIo io, KexContext ctx, HostKeySigner hostKey) throws IOException;
}
