package dev.tether.ssh.keys;

import dev.tether.ssh.SshException;

import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.List;

/**
 * Public key signature algorithms by SSH name (RFC 4253 §6.6, RFC 5656 §3, RFC 8332, RFC 8709)
 * and the wire encoding of public keys and signatures.
 *
 * <p>Keys are plain JCA keys: Ed25519 ({@code EdECPublicKey}), EC on nistp256/384/521
 * ({@code ECPublicKey}) and RSA ({@code RSAPublicKey}).
 */
public final class SignatureAlgorithms {
    private SignatureAlgorithms() {
    }

    /** Host key algorithms in default preference order; {@code ssh-rsa} (SHA-1) is not among them. */
    public static final List<String> DEFAULT = List.of(
            "ssh-ed25519",
            "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521",
            "rsa-sha2-512",
            "rsa-sha2-256");

    /** Every algorithm we implement, including {@code ssh-rsa}, which is only used when configured. */
    public static final List<String> SUPPORTED = List.of(
            "ssh-ed25519",
            "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521",
            "rsa-sha2-512",
            "rsa-sha2-256",
            "ssh-rsa");

    /** The key type name as it appears in a public key blob: {@code ssh-rsa} for every RSA algorithm. */
    public static String keyType(String algorithm) {
        throw new UnsupportedOperationException("to be implemented");
    }

    /** The signature algorithms this key can make, in default preference order. */
    public static List<String> algorithmsFor(PublicKey key) {
        throw new UnsupportedOperationException("to be implemented");
    }

    /** The SSH public key blob (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4). */
    public static byte[] encodePublicKey(PublicKey key) {
        throw new UnsupportedOperationException("to be implemented");
    }

    /** Parses an SSH public key blob into a JCA key. */
    public static PublicKey decodePublicKey(byte[] blob) throws SshException {
        throw new UnsupportedOperationException("to be implemented");
    }

    /** Signs {@code data}, returning the SSH signature blob {@code string name || string sig}. */
    public static byte[] sign(String algorithm, PrivateKey key, byte[] data) throws SshException {
        throw new UnsupportedOperationException("to be implemented");
    }

    /**
     * Verifies an SSH signature blob. The blob's algorithm name must equal {@code algorithm};
     * returns false for a wrong signature, throws for a malformed blob.
     */
    public static boolean verify(String algorithm, PublicKey key, byte[] data, byte[] signatureBlob) throws SshException {
        throw new UnsupportedOperationException("to be implemented");
    }

    /** Generates a key pair: {@code type} is ssh-ed25519, ecdsa-sha2-nistpNNN or ssh-rsa (bits used for RSA). */
    public static KeyPair generate(String type, int bits) throws SshException {
        throw new UnsupportedOperationException("to be implemented");
    }

    /** SHA256 fingerprint as ssh-keygen -l prints it: {@code SHA256:} and unpadded base64. */
    public static String fingerprint(byte[] publicKeyBlob) {
        throw new UnsupportedOperationException("to be implemented");
    }
}
