package dev.tether.ssh.transport;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES in counter mode as SSH uses it, RFC 4344 §4: the IV is the initial 128-bit big-endian
 * counter and the key stream runs on across packets, never restarting, for the life of the keys.
 *
 * <p>One JCA {@code AES/CTR/NoPadding} instance per direction is initialised once and then only
 * {@code update}d, which gives exactly that continuous stream (the JCA counter increments the full
 * 128 bits, as RFC 4344 requires). Encryption and decryption are the same XOR, so both directions
 * use ENCRYPT_MODE.
 */
final class AesCtr {
    static final int BLOCK_SIZE = 16;

    private AesCtr() {
    }

    /** The SSH name's key length in bytes, or -1 if it is not one of the CTR ciphers. */
    static int keyLength(String cipher) {
        switch (cipher) {
            case "aes128-ctr":
                return 16;
            case "aes192-ctr":
                return 24;
            case "aes256-ctr":
                return 32;
            default:
                return -1;
        }
    }

    /** A key stream for {@code key} (16, 24 or 32 bytes) starting at counter {@code iv} (16 bytes). */
    static Cipher stream(byte[] key, byte[] iv) {
        if (key == null || (key.length != 16 && key.length != 24 && key.length != 32)) {
            throw new IllegalArgumentException("AES-CTR needs a 16, 24 or 32-byte key");
        }
        if (iv == null || iv.length != BLOCK_SIZE) {
            throw new IllegalArgumentException("AES-CTR needs a 16-byte IV, got "
                    + (iv == null ? "none" : iv.length + " bytes"));
        }
        try {
            Cipher c = Cipher.getInstance("AES/CTR/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR/NoPadding unavailable in this JRE", e);
        }
    }

    /** XORs the next {@code len} bytes of the stream into {@code buf[off ..)} in place. */
    static void apply(Cipher c, byte[] buf, int off, int len) {
        try {
            int n = c.update(buf, off, len, buf, off);
            if (n != len) {
                throw new IllegalStateException("CTR update produced " + n + " of " + len + " bytes");
            }
        } catch (ShortBufferException e) {
            throw new IllegalArgumentException("buffer too short", e);
        }
    }
}
