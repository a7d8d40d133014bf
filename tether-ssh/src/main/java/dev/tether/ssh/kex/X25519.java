package dev.tether.ssh.kex;

import dev.tether.ssh.DisconnectReason;
import dev.tether.ssh.SshException;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import javax.crypto.KeyAgreement;

/**
 * X25519 (RFC 7748) over the JCA, with keys as the raw 32-byte little-endian strings that SSH
 * puts on the wire (RFC 8731 §3). Used by curve25519-sha256 and by the post-quantum hybrids.
 */
final class X25519 {
    static final int KEY_SIZE = 32;

    private final PrivateKey privateKey;
    private final byte[] publicKey;

    private X25519(PrivateKey privateKey, byte[] publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
    }

    /** A fresh ephemeral key pair. */
    static X25519 generate(SecureRandom random) throws SshException {
        try {
            KeyPairGenerator kpg = KeyPairGenerator.getInstance("X25519");
            kpg.initialize(NamedParameterSpec.X25519, random);
            KeyPair kp = kpg.generateKeyPair();
            return new X25519(kp.getPrivate(), encodeU(((XECPublicKey) kp.getPublic()).getU()));
        } catch (GeneralSecurityException e) {
            throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED, "X25519 unavailable: " + e.getMessage(), e);
        }
    }

    /** A key pair from a fixed 32-byte scalar; for known-answer tests. */
    static X25519 fromPrivate(byte[] scalar) throws SshException {
        try {
            KeyFactory kf = KeyFactory.getInstance("X25519");
            PrivateKey priv = kf.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar.clone()));
            // the public key is scalar * base point (u = 9)
            byte[] base = new byte[KEY_SIZE];
            base[0] = 9;
            X25519 tmp = new X25519(priv, null);
            return new X25519(priv, tmp.agreeRaw(base));
        } catch (GeneralSecurityException e) {
            throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED, "X25519 unavailable: " + e.getMessage(), e);
        }
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
        byte[] secret;
        try {
            secret = agreeRaw(peerPublic);
        } catch (GeneralSecurityException e) {
            // SunEC rejects small-order points itself
            throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED, "X25519 agreement failed: " + e.getMessage(), e);
        }
        if (MessageDigest.isEqual(secret, new byte[KEY_SIZE])) {
            throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED, "X25519 shared secret is all zeros");
        }
        return secret;
    }

    private byte[] agreeRaw(byte[] peerPublic) throws GeneralSecurityException {
        KeyFactory kf = KeyFactory.getInstance("X25519");
        XECPublicKey pub = (XECPublicKey) kf.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, decodeU(peerPublic)));
        KeyAgreement ka = KeyAgreement.getInstance("X25519");
        ka.init(privateKey);
        ka.doPhase(pub, true);
        return ka.generateSecret();
    }

    /** RFC 7748 §5: little-endian, with the most significant bit of the last byte masked. */
    static BigInteger decodeU(byte[] le) {
        byte[] be = new byte[KEY_SIZE];
        for (int i = 0; i < KEY_SIZE; i++) {
            be[i] = le[KEY_SIZE - 1 - i];
        }
        be[0] &= 0x7f;
        return new BigInteger(1, be);
    }

    static byte[] encodeU(BigInteger u) {
        byte[] be = u.toByteArray();
        byte[] le = new byte[KEY_SIZE];
        for (int i = 0; i < KEY_SIZE && i < be.length; i++) {
            le[i] = be[be.length - 1 - i];
        }
        Arrays.fill(be, (byte) 0);
        return le;
    }
}
