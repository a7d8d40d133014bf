package dev.tether.ssh.transport;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.ChaCha20ParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A ChaCha20 key stream under one key, restarted for every packet at block 0 with the nonce
 * {@code 00000000 || uint64 seq}, as {@link ChaCha20Poly1305Cipher} needs it. {@link #create}
 * picks the implementation: the JDK's {@code "ChaCha20"} cipher on JDK 21 and later, where it has
 * SIMD intrinsics (about 3 GB/s), and our {@link ChaCha20} on older runtimes, where the JDK's is
 * scalar Java (about 0.45 GB/s, ours about twice that).
 *
 * <p><b>Threading.</b> Implementations are not thread-safe; each belongs to one cipher direction.
 */
interface ChaCha20Stream {
    /** The first long-term-support JDK whose ChaCha20 has intrinsics (added in JDK 20). */
    int JDK_WITH_INTRINSICS = 21;

    /** Restarts at block 0 with the nonce {@code 00000000 || uint64 seq}, seq taken as unsigned. */
    void start(int seq);

    /**
     * {@code out[outOff, +len) = in[inOff, +len) xor} the next {@code len} bytes of key stream;
     * {@code in} and {@code out} may be the same array at the same offset, not overlapping
     * otherwise.
     */
    void xor(byte[] in, int inOff, int len, byte[] out, int outOff);

    /**
     * A stream under {@code key[off, off+32)}; {@code bulk} when it will encrypt whole packets (our
     * implementation then computes many blocks at once), not when it only covers a 4-byte length.
     */
    static ChaCha20Stream create(byte[] key, int off, boolean bulk) {
        if (Runtime.version().feature() >= JDK_WITH_INTRINSICS) {
            return new Jdk(key, off);
        }
        return new ChaCha20(key, off, bulk ? 128 : 1);
    }

    /**
     * The JDK's {@code "ChaCha20"} cipher, initialised in DECRYPT_MODE also when sealing: ChaCha20
     * is a plain XOR stream so the two modes compute the same thing, while SunJCE refuses to
     * re-initialise an ENCRYPT_MODE cipher with the key and nonce it used last. That guard is
     * meant for one-shot use; here the nonce is the sequence number, whose uniqueness under one
     * set of keys is the transport's job (RFC 4253 §9 rekeying, strict KEX resets).
     */
    final class Jdk implements ChaCha20Stream {
        private final SecretKeySpec key;
        private final Cipher cipher;
        private final byte[] nonce = new byte[12];

        Jdk(byte[] key, int off) {
            this.key = new SecretKeySpec(key, off, 32, "ChaCha20");
            try {
                this.cipher = Cipher.getInstance("ChaCha20");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("ChaCha20 unavailable in this JRE", e);
            }
        }

        @Override
        public void start(int seq) {
            Tags.putInt(seq, nonce, 8);
            try {
                cipher.init(Cipher.DECRYPT_MODE, key, new ChaCha20ParameterSpec(nonce, 0));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("ChaCha20 initialisation failed", e);
            }
        }

        @Override
        public void xor(byte[] in, int inOff, int len, byte[] out, int outOff) {
            try {
                int n = cipher.update(in, inOff, len, out, outOff);
                if (n != len) {
                    throw new IllegalStateException("ChaCha20 produced " + n + " of " + len + " bytes");
                }
            } catch (ShortBufferException e) {
                throw new IllegalArgumentException("buffer too short", e);
            }
        }
    }
}
