package dev.tether.ssh.transport;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Poly1305, the one-time authenticator of RFC 8439 §2.5: a 32-byte key {@code r || s}, the tag
 * {@code ((sum of m_i * r^(n-i+1)) mod 2^130-5 + s) mod 2^128} over 16-byte blocks, each block
 * read as a little-endian number with a 1 bit appended above its last byte.
 *
 * <p><b>Arithmetic.</b> The accumulator {@code h} is kept in three 64-bit limbs {@code h0 + h1 2^64
 * + h2 2^128} (h2 a few bits), {@code r} in two. Clamping leaves {@code r0, r1 < 2^60} with
 * {@code r1} a multiple of 4, so with {@code 2^130 = 5 (mod p)} the product folds as
 * <pre>
 *   d0 = h0 r0 + h1 s1            s1 = r1 + r1/4 = 5 r1/4, standing for r1 2^128
 *   d1 = h0 r1 + h1 r0 + h2 s1    (+ d0 >> 64)
 *   d2 = h2 r0                    (+ d1 >> 64)
 * </pre>
 * and the bits of d2 above 2 are folded back times 5, leaving {@code h < 2^130 + small}; only
 * {@link #finish} reduces fully mod {@code 2^130 - 5}. The high halves of the 64×64-bit products
 * come from {@link Math#multiplyHigh} (signed) with the unsigned correction; since the second
 * factor is always below 2^63 the correction is one masked add. This is the radix 2^64 scheme
 * of OpenSSL's and poly1305-donna's 64-bit code.
 *
 * <p><b>Constant time.</b> No branch, index or loop bound depends on the key, the accumulator or
 * the message contents, only on lengths: carries are taken from bit 63 with masks, and the final
 * choice between {@code h} and {@code h - p} is a mask select.
 *
 * <p><b>Threading.</b> Not thread-safe: one instance belongs to one {@link ChaCha20Poly1305Cipher}
 * (one direction of one connection) and is used by that direction's thread only. It is reused for
 * every packet: {@link #init} (or {@link #mac}) starts over, and nothing is allocated per packet.
 * {@link #finish} clears the key and accumulator.
 *
 * <p>Public (in an unexported package) only so that tether-bench can measure it next to Bouncy
 * Castle's; the engine's one user is {@link ChaCha20Poly1305Cipher}.
 */
public final class Poly1305 {
    public static final int KEY_LENGTH = 32;
    public static final int TAG_LENGTH = 16;
    private static final int BLOCK = 16;
    private static final VarHandle LE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Clamped r, and s1 = 5 r1 / 4. */
    private long r0;
    private long r1;
    private long s1;
    /** s, added at the end. */
    private long k0;
    private long k1;
    /** The accumulator, partially reduced. */
    private long h0;
    private long h1;
    private long h2;
    /** A partial block waiting for more input. */
    private final byte[] pending = new byte[BLOCK];
    private int pendingLength;

    /** Keys with {@code key[off, off+32)}: r (clamped, RFC 8439 §2.5) then s; the accumulator starts at 0. */
    public void init(byte[] key, int off) {
        if (off < 0 || off > key.length - KEY_LENGTH) {
            throw new IllegalArgumentException("Poly1305 needs a 32-byte key");
        }
        r0 = (long) LE64.get(key, off) & 0x0ffffffc0fffffffL;
        r1 = (long) LE64.get(key, off + 8) & 0x0ffffffc0ffffffcL;
        s1 = r1 + (r1 >>> 2);
        k0 = (long) LE64.get(key, off + 16);
        k1 = (long) LE64.get(key, off + 24);
        h0 = 0;
        h1 = 0;
        h2 = 0;
        pendingLength = 0;
    }

    /** Absorbs {@code in[off, off+len)}. */
    public void update(byte[] in, int off, int len) {
        if (off < 0 || len < 0 || off > in.length - len) {
            throw new IndexOutOfBoundsException("range [" + off + ", " + off + " + " + len + ") of " + in.length + " bytes");
        }
        if (pendingLength > 0) {
            int take = Math.min(len, BLOCK - pendingLength);
            System.arraycopy(in, off, pending, pendingLength, take);
            pendingLength += take;
            off += take;
            len -= take;
            if (pendingLength < BLOCK) {
                return;
            }
            blocks(pending, 0, 1, 1);
            pendingLength = 0;
        }
        int whole = len >>> 4;
        if (whole > 0) {
            blocks(in, off, whole, 1);
            off += whole << 4;
            len &= BLOCK - 1;
        }
        if (len > 0) {
            System.arraycopy(in, off, pending, 0, len);
            pendingLength = len;
        }
    }

    /**
     * Writes the 16-byte tag to {@code out[outOff]} and clears the key and state; {@link #init}
     * must come before the next use.
     */
    public void finish(byte[] out, int outOff) {
        if (outOff < 0 || outOff > out.length - TAG_LENGTH) {
            throw new IndexOutOfBoundsException("no room for a 16-byte tag at " + outOff + " in " + out.length + " bytes");
        }
        if (pendingLength > 0) {
            // The last partial block gets its 1 byte right after the data, zeros above, and no 2^128 bit.
            pending[pendingLength] = 1;
            Arrays.fill(pending, pendingLength + 1, BLOCK, (byte) 0);
            blocks(pending, 0, 1, 0);
        }
        long a0 = h0;
        long a1 = h1;
        long a2 = h2;
        // Fold h2's bits above 2^130 once more: h < 2^130 + 5 * small afterwards.
        long c = (a2 >>> 2) * 5;
        a2 &= 3;
        long t = a0 + c;
        c = carry(a0, c, t);
        a0 = t;
        t = a1 + c;
        c = carry(a1, c, t);
        a1 = t;
        a2 += c;
        // g = h + 5 - 2^130; h >= p exactly when g >= 0, i.e. when h + 5 reaches bit 130.
        long g0 = a0 + 5;
        c = carry(a0, 5, g0);
        long g1 = a1 + c;
        c = carry(a1, c, g1);
        long g2 = a2 + c;
        long useG = -(g2 >>> 2); // all ones when h + 5 >= 2^130
        a0 = (a0 & ~useG) | (g0 & useG);
        a1 = (a1 & ~useG) | (g1 & useG);
        // tag = (h mod p + s) mod 2^128
        t = a0 + k0;
        c = carry(a0, k0, t);
        LE64.set(out, outOff, t);
        LE64.set(out, outOff + 8, a1 + k1 + c);
        clear();
    }

    /** The tag of {@code data[off, off+len)} under {@code key[0, 32)}, written to {@code out[outOff]}. */
    public void mac(byte[] key, byte[] data, int off, int len, byte[] out, int outOff) {
        init(key, 0);
        update(data, off, len);
        finish(out, outOff);
    }

    private void clear() {
        r0 = 0;
        r1 = 0;
        s1 = 0;
        k0 = 0;
        k1 = 0;
        h0 = 0;
        h1 = 0;
        h2 = 0;
        pendingLength = 0;
        Arrays.fill(pending, (byte) 0);
    }

    /**
     * {@code count} 16-byte blocks from {@code in[off]}, each with {@code hibit} (1 for a whole
     * block, 0 for the padded last one) at 2^128. The caller has checked the bounds.
     */
    private void blocks(byte[] in, int off, int count, long hibit) {
        final long r0 = this.r0;
        final long r1 = this.r1;
        final long s1 = this.s1;
        long h0 = this.h0;
        long h1 = this.h1;
        long h2 = this.h2;
        for (int end = off + (count << 4); off < end; off += BLOCK) {
            long m0 = (long) LE64.get(in, off);
            long m1 = (long) LE64.get(in, off + 8);
            // h += m + hibit 2^128
            long t0 = h0 + m0;
            long c = carry(h0, m0, t0);
            long t1 = h1 + m1 + c;
            c = carry(h1, m1, t1);
            h2 += c + hibit;
            // d = h * r, folded mod 2^130 - 5 (see the class comment)
            long lo00 = t0 * r0;
            long hi00 = umulh(t0, r0);
            long lo11 = t1 * s1;
            long hi11 = umulh(t1, s1);
            long d0 = lo00 + lo11;
            long d0hi = hi00 + hi11 + carry(lo00, lo11, d0);

            long lo01 = t0 * r1;
            long hi01 = umulh(t0, r1);
            long lo10 = t1 * r0;
            long hi10 = umulh(t1, r0);
            long d1 = lo01 + lo10;
            long d1hi = hi01 + hi10 + carry(lo01, lo10, d1);
            long x = h2 * s1; // h2 is a few bits, s1 < 2^61: no overflow
            long d1b = d1 + x;
            d1hi += carry(d1, x, d1b);
            long d1c = d1b + d0hi;
            d1hi += carry(d1b, d0hi, d1c);

            long d2 = h2 * r0 + d1hi;
            // bits of d2 from 2 up are multiples of 2^130: fold them back times 5
            long f = (d2 >>> 2) * 5;
            h2 = d2 & 3;
            h0 = d0 + f;
            c = carry(d0, f, h0);
            h1 = d1c + c;
            c = carry(d1c, c, h1);
            h2 += c;
        }
        this.h0 = h0;
        this.h1 = h1;
        this.h2 = h2;
    }

    /** The carry out of {@code s = a + b (+ carry in)}: bit 63 of the majority of a, b and not s. */
    private static long carry(long a, long b, long s) {
        return ((a & b) | ((a | b) & ~s)) >>> 63;
    }

    /** The high 64 bits of the unsigned product of {@code a} and {@code b}, for {@code 0 <= b < 2^63}. */
    private static long umulh(long a, long b) {
        return Math.multiplyHigh(a, b) + ((a >> 63) & b);
    }
}
