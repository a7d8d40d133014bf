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

    /** Bytes encrypted per JCA call by {@link #apply}: small enough to stay in the L1/L2 cache. */
    static final int SCRATCH_SIZE = 8192;

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

    /**
     * XORs the next {@code len} bytes of the stream into {@code buf[off ..)} in place, passing
     * through {@code scratch} a chunk at a time.
     *
     * <p>Why not {@code c.update(buf, off, len, buf, off)}: when input and output overlap, SunJCE's
     * {@code CipherCore} first copies the whole input to a new array, i.e. one packet-sized
     * allocation and copy per call. Encrypting a chunk into a reused scratch array and copying it
     * back does the same memory traffic without allocating.
     */
    static void apply(Cipher c, byte[] scratch, byte[] buf, int off, int len) {
        if (off < 0 || len < 0 || len > buf.length - off) {
            throw new IllegalArgumentException("range " + off + "+" + len + " outside a buffer of " + buf.length);
        }
        try {
            while (len > 0) {
                int n = Math.min(len, scratch.length);
                int done = c.update(buf, off, n, scratch, 0);
                if (done != n) {
                    throw new IllegalStateException("CTR update produced " + done + " of " + n + " bytes");
                }
                System.arraycopy(scratch, 0, buf, off, n);
                off += n;
                len -= n;
            }
        } catch (ShortBufferException e) {
            throw new IllegalStateException("scratch buffer too short", e);
        }
    }

    /** A scratch array for {@link #apply}. */
    static byte[] newScratch() {
        return new byte[SCRATCH_SIZE];
    }
}
