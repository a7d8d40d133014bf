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
 * <p><b>Arithmetic.</b> Numbers mod {@code p = 2^130 - 5} are three limbs in radix 2^44
 * ({@code x0 + x1 2^44 + x2 2^88}; 44, 44 and 42 bits when carried), as in poly1305-donna's
 * 64-bit code. Since {@code 2^132 = 20 (mod p)}, a product folds into
 * <pre>
 *   d0 = a0 r0 + a1 20r2 + a2 20r1
 *   d1 = a0 r1 + a1 r0   + a2 20r2
 *   d2 = a0 r2 + a1 r1   + a2 r0
 * </pre>
 * Each term is up to 2^94, so each is split by two multiplications of operands pre-scaled by
 * 2^10 (the scaled product is the true one times 2^20): {@link Math#multiplyHigh} gives the
 * product {@code >> 44} and the low product {@code >>> 20} gives it {@code mod 2^44}. All
 * operands stay below 2^63, so the signed multiplyHigh is the unsigned one. The limbs have 20
 * spare bits, so a block is added without carries and a carry pass follows each multiplication.
 *
 * <p>Whole blocks go two at a time, {@code h = (h + m_1) r^2 + m_2 r}, with r^2 computed once in
 * {@link #init}: twelve products per limb instead of a chain of two multiplications, which lets
 * the CPU overlap them (the single-block Horner step is latency-bound). Against Bouncy Castle's
 * radix-2^26 Poly1305 this measured 2.5 to 3.3 times as fast in CPU time on JDK 17 and 25 (a
 * loaded 2-CPU machine; tether-bench {@code Poly1305Benchmark}, README there); a radix-2^64
 * version with {@code multiplyHigh} (ten multiplications per block, but carries recovered from
 * bit 63) was about 2.4 times as fast.
 *
 * <p><b>Constant time.</b> No branch, index or loop bound depends on the key, the accumulator or
 * the message contents, only on lengths; the final choice between {@code h} and {@code h - p} is a
 * mask select.
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
    private static final long M44 = (1L << 44) - 1;
    private static final long M42 = (1L << 42) - 1;
    /** The 1 bit above a whole block's 16 bytes (2^128), in limb 2. */
    private static final long HIBIT = 1L << 40;

    /** r in radix 2^44 and 20 r1, 20 r2, each times 2^10. */
    private long r0;
    private long r1;
    private long r2;
    private long r1x20;
    private long r2x20;
    /** r^2 mod p, the same way. */
    private long q0;
    private long q1;
    private long q2;
    private long q1x20;
    private long q2x20;
    /** s, added at the end. */
    private long k0;
    private long k1;
    /** The accumulator, limbs carried to 44 bits (the middle one to a few bits over). */
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
        long lo = (long) LE64.get(key, off) & 0x0ffffffc0fffffffL;
        long hi = (long) LE64.get(key, off + 8) & 0x0ffffffc0ffffffcL;
        long a0 = lo & M44;
        long a1 = ((lo >>> 44) | (hi << 20)) & M44;
        long a2 = hi >>> 24;
        r0 = a0 << 10;
        r1 = a1 << 10;
        r2 = a2 << 10;
        r1x20 = (a1 * 20) << 10;
        r2x20 = (a2 * 20) << 10;
        // r^2 = (0 + r) r
        h0 = 0;
        h1 = 0;
        h2 = 0;
        multiplyByR(a0, a1, a2);
        q0 = h0 << 10;
        q1 = h1 << 10;
        q2 = h2 << 10;
        q1x20 = (h1 * 20) << 10;
        q2x20 = (h2 * 20) << 10;
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
            block(pending, 0, HIBIT);
            pendingLength = 0;
        }
        int pairs = len >>> 5;
        if (pairs > 0) {
            pairs(in, off, pairs);
            off += pairs << 5;
            len &= 2 * BLOCK - 1;
        }
        if (len >= BLOCK) {
            block(in, off, HIBIT);
            off += BLOCK;
            len -= BLOCK;
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
            block(pending, 0, 0);
        }
        // Two full carry passes leave h < 2^130 with every limb in its width.
        long x0 = h0;
        long x1 = h1;
        long x2 = h2;
        for (int pass = 0; pass < 2; pass++) {
            x2 += x1 >>> 44;
            x1 &= M44;
            x0 += (x2 >>> 42) * 5;
            x2 &= M42;
            x1 += x0 >>> 44;
            x0 &= M44;
        }
        // g = h + 5 - 2^130 is h - p; h >= p exactly when g >= 0.
        long g0 = x0 + 5;
        long g1 = x1 + (g0 >>> 44);
        g0 &= M44;
        long g2 = x2 + (g1 >>> 44) - (1L << 42);
        g1 &= M44;
        long useG = ~(g2 >> 63);
        x0 = (x0 & ~useG) | (g0 & useG);
        x1 = (x1 & ~useG) | (g1 & useG);
        x2 = (x2 & ~useG) | (g2 & useG);
        // tag = (h mod p + s) mod 2^128
        long lo = x0 | (x1 << 44);
        long hi = (x1 >>> 20) | (x2 << 24);
        long t = lo + k0;
        long carry = ((lo & k0) | ((lo | k0) & ~t)) >>> 63;
        LE64.set(out, outOff, t);
        LE64.set(out, outOff + 8, hi + k1 + carry);
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
        r2 = 0;
        r1x20 = 0;
        r2x20 = 0;
        q0 = 0;
        q1 = 0;
        q2 = 0;
        q1x20 = 0;
        q2x20 = 0;
        k0 = 0;
        k1 = 0;
        h0 = 0;
        h1 = 0;
        h2 = 0;
        pendingLength = 0;
        Arrays.fill(pending, (byte) 0);
    }

    /** One block with {@code hibit} (HIBIT for a whole block, 0 for the padded last one): h = (h + m) r. */
    private void block(byte[] in, int off, long hibit) {
        long m0 = (long) LE64.get(in, off);
        long m1 = (long) LE64.get(in, off + 8);
        multiplyByR(m0 & M44, ((m0 >>> 44) | (m1 << 20)) & M44, (m1 >>> 24) | hibit);
    }

    /** h = (h + m) r, partially reduced, for m in limbs. */
    private void multiplyByR(long m0, long m1, long m2) {
        long a0 = (h0 + m0) << 10;
        long a1 = (h1 + m1) << 10;
        long a2 = (h2 + m2) << 10;
        long hi0 = Math.multiplyHigh(a0, r0) + Math.multiplyHigh(a1, r2x20) + Math.multiplyHigh(a2, r1x20);
        long lo0 = ((a0 * r0) >>> 20) + ((a1 * r2x20) >>> 20) + ((a2 * r1x20) >>> 20);
        long hi1 = Math.multiplyHigh(a0, r1) + Math.multiplyHigh(a1, r0) + Math.multiplyHigh(a2, r2x20);
        long lo1 = ((a0 * r1) >>> 20) + ((a1 * r0) >>> 20) + ((a2 * r2x20) >>> 20);
        long hi2 = Math.multiplyHigh(a0, r2) + Math.multiplyHigh(a1, r1) + Math.multiplyHigh(a2, r0);
        long lo2 = ((a0 * r2) >>> 20) + ((a1 * r1) >>> 20) + ((a2 * r0) >>> 20);
        // d_i = hi_i 2^44 + lo_i; carry d0 -> d1 -> d2 -> (times 5) d0 -> d1
        lo1 += (lo0 >>> 44) + hi0;
        lo2 += (lo1 >>> 44) + hi1;
        long x0 = (lo0 & M44) + ((lo2 >>> 42) + (hi2 << 2)) * 5;
        h1 = (lo1 & M44) + (x0 >>> 44);
        h0 = x0 & M44;
        h2 = lo2 & M42;
    }

    /**
     * {@code count} pairs of whole blocks from {@code in[off]}: h = (h + m) r^2 + n r for each
     * pair m, n. The caller has checked the bounds.
     */
    private void pairs(byte[] in, int off, int count) {
        final long r0 = this.r0;
        final long r1 = this.r1;
        final long r2 = this.r2;
        final long s1 = this.r1x20;
        final long s2 = this.r2x20;
        final long q0 = this.q0;
        final long q1 = this.q1;
        final long q2 = this.q2;
        final long t1 = this.q1x20;
        final long t2 = this.q2x20;
        long h0 = this.h0;
        long h1 = this.h1;
        long h2 = this.h2;
        for (int end = off + (count << 5); off < end; off += 2 * BLOCK) {
            long m0 = (long) LE64.get(in, off);
            long m1 = (long) LE64.get(in, off + 8);
            long n0 = (long) LE64.get(in, off + 16);
            long n1 = (long) LE64.get(in, off + 24);
            long a0 = (h0 + (m0 & M44)) << 10;
            long a1 = (h1 + (((m0 >>> 44) | (m1 << 20)) & M44)) << 10;
            long a2 = (h2 + ((m1 >>> 24) | HIBIT)) << 10;
            long b0 = (n0 & M44) << 10;
            long b1 = (((n0 >>> 44) | (n1 << 20)) & M44) << 10;
            long b2 = ((n1 >>> 24) | HIBIT) << 10;
            long hi0 = Math.multiplyHigh(a0, q0) + Math.multiplyHigh(a1, t2) + Math.multiplyHigh(a2, t1)
                    + Math.multiplyHigh(b0, r0) + Math.multiplyHigh(b1, s2) + Math.multiplyHigh(b2, s1);
            long lo0 = ((a0 * q0) >>> 20) + ((a1 * t2) >>> 20) + ((a2 * t1) >>> 20)
                    + ((b0 * r0) >>> 20) + ((b1 * s2) >>> 20) + ((b2 * s1) >>> 20);
            long hi1 = Math.multiplyHigh(a0, q1) + Math.multiplyHigh(a1, q0) + Math.multiplyHigh(a2, t2)
                    + Math.multiplyHigh(b0, r1) + Math.multiplyHigh(b1, r0) + Math.multiplyHigh(b2, s2);
            long lo1 = ((a0 * q1) >>> 20) + ((a1 * q0) >>> 20) + ((a2 * t2) >>> 20)
                    + ((b0 * r1) >>> 20) + ((b1 * r0) >>> 20) + ((b2 * s2) >>> 20);
            long hi2 = Math.multiplyHigh(a0, q2) + Math.multiplyHigh(a1, q1) + Math.multiplyHigh(a2, q0)
                    + Math.multiplyHigh(b0, r2) + Math.multiplyHigh(b1, r1) + Math.multiplyHigh(b2, r0);
            long lo2 = ((a0 * q2) >>> 20) + ((a1 * q1) >>> 20) + ((a2 * q0) >>> 20)
                    + ((b0 * r2) >>> 20) + ((b1 * r1) >>> 20) + ((b2 * r0) >>> 20);
            // The carry of multiplyByR, on locals: a shared method writing the fields measured ~5% slower.
            lo1 += (lo0 >>> 44) + hi0;
            lo2 += (lo1 >>> 44) + hi1;
            long x0 = (lo0 & M44) + ((lo2 >>> 42) + (hi2 << 2)) * 5;
            h1 = (lo1 & M44) + (x0 >>> 44);
            h0 = x0 & M44;
            h2 = lo2 & M42;
        }
        this.h0 = h0;
        this.h1 = h1;
        this.h2 = h2;
    }
}
