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

    /**
     * True for ciphers that authenticate on their own, so the negotiated MAC is not used (RFC 5647
     * §5.1, OpenSSH PROTOCOL §1.6 and PROTOCOL.chacha20poly1305).
     *
     * @throws IllegalArgumentException naming {@code cipher} if it is not one of {@link #CIPHERS}
     */
    public static boolean isAead(String cipher) {
        switch (known(cipher)) {
            case "chacha20-poly1305@openssh.com":
            case "aes128-gcm@openssh.com":
            case "aes256-gcm@openssh.com":
                return true;
            default:
                return false;
        }
    }

    /**
     * Bytes of key material the cipher needs (RFC 4253 §7.2 derives this many): 16, 24 or 32 for
     * AES, 64 for chacha20-poly1305 (two 256-bit keys).
     *
     * @throws IllegalArgumentException naming {@code cipher} if it is not one of {@link #CIPHERS}
     */
    public static int keyLength(String cipher) {
        switch (known(cipher)) {
            case "aes128-ctr":
            case "aes128-gcm@openssh.com":
                return 16;
            case "aes192-ctr":
                return 24;
            case "aes256-ctr":
            case "aes256-gcm@openssh.com":
                return 32;
            default: // chacha20-poly1305@openssh.com
                return ChaCha20Poly1305Cipher.KEY_LENGTH;
        }
    }

    /**
     * Bytes of IV material the cipher needs: 16 for CTR (the initial counter block, RFC 4344 §4),
     * 12 for GCM (fixed field and invocation counter, RFC 5647 §7.1), 0 for chacha20-poly1305.
     *
     * @throws IllegalArgumentException naming {@code cipher} if it is not one of {@link #CIPHERS}
     */
    public static int ivLength(String cipher) {
        switch (known(cipher)) {
            case "aes128-ctr":
            case "aes192-ctr":
            case "aes256-ctr":
                return AesCtr.BLOCK_SIZE;
            case "aes128-gcm@openssh.com":
            case "aes256-gcm@openssh.com":
                return AesGcmCipher.NONCE_LENGTH;
            default: // chacha20-poly1305@openssh.com
                return 0;
        }
    }

    /**
     * Bytes of MAC key the MAC needs: 20 for the SHA-1 MACs, 32 for SHA-256, 64 for SHA-512.
     *
     * @throws IllegalArgumentException naming {@code mac} if it is not one of {@link #MACS}
     */
    public static int macKeyLength(String mac) {
        return Hmac.forName(mac).keyLength();
    }

    /**
     * Builds the protection for one direction. Key, IV and MAC key must have exactly the lengths
     * that {@link #keyLength}, {@link #ivLength} and {@link #macKeyLength} report; they are copied,
     * so the caller may wipe its arrays afterwards.
     *
     * @param cipher  negotiated cipher name
     * @param mac     negotiated MAC name, ignored (may be null) when the cipher is AEAD
     * @param encrypt true for the sending direction
     * @param iv      may be null or empty for chacha20-poly1305
     * @param macKey  ignored (may be null) when the cipher is AEAD
     * @throws IllegalArgumentException for an unknown name (naming it) or a wrong key, IV or MAC
     *                                  key length (giving only lengths)
     */
    public static PacketCipher create(String cipher, String mac, boolean encrypt, byte[] key, byte[] iv, byte[] macKey) {
        requireLength(cipher + " key", key, keyLength(cipher));
        switch (cipher) {
            case "chacha20-poly1305@openssh.com":
                if (iv != null && iv.length != 0) {
                    throw new IllegalArgumentException(cipher + " takes no IV, got " + iv.length + " bytes");
                }
                return new ChaCha20Poly1305Cipher(encrypt, key);
            case "aes128-gcm@openssh.com":
            case "aes256-gcm@openssh.com":
                requireLength(cipher + " IV", iv, AesGcmCipher.NONCE_LENGTH);
                return new AesGcmCipher(cipher, encrypt, key, iv);
            default: { // the CTR ciphers
                requireLength(cipher + " IV", iv, AesCtr.BLOCK_SIZE);
                Hmac hmac = Hmac.forName(mac);
                requireLength(hmac.name() + " key", macKey, hmac.keyLength());
                return hmac.encryptThenMac()
                        ? new AesCtrEncryptThenMac(cipher, hmac, encrypt, key, iv, macKey)
                        : new AesCtrEncryptAndMac(cipher, hmac, encrypt, key, iv, macKey);
            }
        }
    }

    private static String known(String cipher) {
        if (cipher == null || !CIPHERS.contains(cipher)) {
            throw new IllegalArgumentException("unknown cipher: " + cipher);
        }
        return cipher;
    }

    private static void requireLength(String what, byte[] b, int length) {
        if (b == null || b.length != length) {
            throw new IllegalArgumentException(what + " must be " + length + " bytes, got "
                    + (b == null ? "none" : b.length + " bytes"));
        }
    }
}
