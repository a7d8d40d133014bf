package dev.tether.ssh.kex;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * X25519 (RFC 7748), with keys as the raw 32-byte little-endian strings that SSH puts on the wire
 * (RFC 8731 §3). Used by curve25519-sha256 and by the post-quantum hybrids.
 *
 * <p>Bouncy Castle's RFC 7748 code does the arithmetic rather than the JCA: JDK 17's XDH provider
 * is pure Java and about 2.5 times slower (339 µs against 138 µs per operation here, see
 * tether-bench's HandshakeCryptoBenchmark), on the path of every handshake. The private scalar
 * lives in this object only and is wiped by {@link #destroy}.
 */
final class X25519 {
    static final int KEY_SIZE = 32;

    private final byte[] privateKey;
    private final byte[] publicKey;

    private X25519(byte[] privateKey) {
        this.privateKey = privateKey;
        this.publicKey = new byte[KEY_SIZE];
        org.bouncycastle.math.ec.rfc7748.X25519.generatePublicKey(privateKey, 0, publicKey, 0);
    }

    /** A fresh ephemeral key pair. */
    static X25519 generate(SecureRandom random) {
        byte[] k = new byte[KEY_SIZE];
        org.bouncycastle.math.ec.rfc7748.X25519.generatePrivateKey(random, k);
        return new X25519(k);
    }

    /** A key pair from a fixed 32-byte scalar; for known-answer tests. */
    static X25519 fromPrivate(byte[] scalar) throws SshException {
        if (scalar.length != KEY_SIZE) {
            throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED, "X25519 private key must be 32 bytes");
        }
        return new X25519(scalar.clone());
    }

    /** Our public value, 32 bytes little-endian. */
    byte[] publicKey() {
        return publicKey.clone();
    }

    /**
     * The shared secret with the peer's 32-byte public value. Fails if the peer's value has the
     * wrong length or the result is all zeros (RFC 7748 §6.1, RFC 8731 §3).
     */
    byte[] agree(byte[] peerPublic) throws SshException {
        if (peerPublic.length != KEY_SIZE) {
            throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED,
                    "X25519 public key must be 32 bytes, got " + peerPublic.length);
        }
        byte[] secret = new byte[KEY_SIZE];
        // false when the result is all zeros, i.e. the peer sent a small-order point
        if (!org.bouncycastle.math.ec.rfc7748.X25519.calculateAgreement(privateKey, 0, peerPublic, 0, secret, 0)) {
            throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED, "X25519 shared secret is all zeros");
        }
        return secret;
    }

    /** Wipes the private scalar. */
    void destroy() {
        Arrays.fill(privateKey, (byte) 0);
    }
}
