package dev.tether.ssh.transport;

import java.util.List;

/**
 * The registry of cipher and MAC names (RFC 4253 §6.3–6.4, RFC 4344, RFC 5647, OpenSSH PROTOCOL
 * §1.5–1.6 and PROTOCOL.chacha20poly1305) and the factory that makes a {@link PacketCipher} from
 * negotiated names and derived keys.
 */
public final class CipherAlgorithms {
    private CipherAlgorithms() {
    }

    /** Every cipher we implement, in default preference order. */
    public static final List<String> CIPHERS = List.of(
            "chacha20-poly1305@openssh.com",
            "aes128-gcm@openssh.com",
            "aes256-gcm@openssh.com",
            "aes128-ctr",
            "aes192-ctr",
            "aes256-ctr");

    /** Every MAC we implement, in default preference order; the SHA-1 ones come last. */
    public static final List<String> MACS = List.of(
            "hmac-sha2-256-etm@openssh.com",
            "hmac-sha2-512-etm@openssh.com",
            "hmac-sha2-256",
            "hmac-sha2-512",
            "hmac-sha1-etm@openssh.com",
            "hmac-sha1");

    /** True for ciphers that authenticate on their own, so the negotiated MAC is not used (RFC 5647 §5.1). */
    public static boolean isAead(String cipher) {
        throw new UnsupportedOperationException("to be implemented");
    }

    /** Bytes of key material the cipher needs (RFC 4253 §7.2 derives this many). */
    public static int keyLength(String cipher) {
        throw new UnsupportedOperationException("to be implemented");
    }

    /** Bytes of IV material the cipher needs; 0 for chacha20-poly1305. */
    public static int ivLength(String cipher) {
        throw new UnsupportedOperationException("to be implemented");
    }

    /** Bytes of MAC key the MAC needs. */
    public static int macKeyLength(String mac) {
        throw new UnsupportedOperationException("to be implemented");
    }

    /**
     * Builds the protection for one direction.
     *
     * @param cipher  negotiated cipher name
     * @param mac     negotiated MAC name, ignored (may be null) when the cipher is AEAD
     * @param encrypt true for the sending direction
     */
    public static PacketCipher create(String cipher, String mac, boolean encrypt, byte[] key, byte[] iv, byte[] macKey) {
        throw new UnsupportedOperationException("to be implemented");
    }
}
