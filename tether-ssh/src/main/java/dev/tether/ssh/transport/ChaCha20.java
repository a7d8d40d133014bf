package dev.tether.ssh.transport;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The ChaCha20 key stream of RFC 8439 §2.3-2.4 (32-bit block counter, 96-bit nonce) under one
 * key, written for JDK 17, whose own {@code "ChaCha20"} cipher is scalar Java without intrinsics
 * (about 0.45 GB/s here; JDK 21+ has AVX intrinsics and {@link ChaCha20Stream} uses the JDK's there).
 *
 * <p><b>How.</b> Up to {@code lanes} blocks are computed side by side: word i of block j lives in
 * {@code x[i][j]}, and each quarter round is a loop over j of adds, xors and rotates on four
 * arrays with the same index, which C2's superword pass turns into SIMD instructions (AVX2 or
 * AVX-512). The finished words are added to the input state and xored into the data as
 * little-endian ints. This measured about 2× the JDK 17 cipher on 32 KiB; with few lanes (under
 * about 64) the vector loops do not pay off and it is no faster. All operations are the same for
 * every key and input (adds, xors, fixed rotates), so it is constant-time like any ChaCha20.
 *
 * <p>A partial block's unused key stream is kept for the next {@link #xor} call, so a stream can
 * be consumed in pieces of any size, as a JCA {@code update} can. Unlike the JDK's cipher it does
 * not refuse to run past block 2^32 - 1 (256 GiB); the packet cipher restarts it for every packet.
 *
 * <p><b>Threading.</b> Not thread-safe: one instance belongs to one {@link ChaCha20Poly1305Cipher}
 * (one direction of one connection) and is used by that direction's thread only; nothing is
 * allocated after construction.
 */
final class ChaCha20 implements ChaCha20Stream {
    private static final VarHandle LE32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private final int lanes;
    /** The input block: constants, key, counter, nonce. */
    private final int[] state = new int[16];
    /** Word i of the lanes' blocks in x[i]. */
    private final int[][] x;
    /** Key stream of the last partial block, and how much of it is used. */
    private final byte[] partial = new byte[64];
    private int partialUsed = 64;

    /** {@code key[off, off+32)}; {@code lanes} is how many blocks are computed at once (at least 1). */
    ChaCha20(byte[] key, int off, int lanes) {
        if (lanes < 1 || off < 0 || off > key.length - 32) {
            throw new IllegalArgumentException("ChaCha20 needs a 32-byte key and at least one lane");
        }
        this.lanes = lanes;
        this.x = new int[16][lanes];
        state[0] = 0x61707865;
        state[1] = 0x3320646e;
        state[2] = 0x79622d32;
        state[3] = 0x6b206574;
        for (int i = 0; i < 8; i++) {
            state[4 + i] = (int) LE32.get(key, off + 4 * i);
        }
    }

    /** The nonce {@code 00000000 || uint64 seq} (OpenSSH's 64-bit nonce in the IETF layout), block 0. */
    @Override
    public void start(int seq) {
        state[12] = 0;
        state[13] = 0;
        state[14] = 0;
        state[15] = Integer.reverseBytes(seq);
        partialUsed = 64;
    }

    /** Any 12-byte nonce and initial block counter. */
    void start(byte[] nonce, int counter) {
        state[12] = counter;
        for (int i = 0; i < 3; i++) {
            state[13 + i] = (int) LE32.get(nonce, 4 * i);
        }
        partialUsed = 64;
    }

    @Override
    public void xor(byte[] in, int inOff, int len, byte[] out, int outOff) {
        if (len < 0 || inOff < 0 || inOff > in.length - len || outOff < 0 || outOff > out.length - len) {
            throw new IndexOutOfBoundsException("ChaCha20 range out of bounds");
        }
        while (len > 0 && partialUsed < 64) {
            out[outOff++] = (byte) (in[inOff++] ^ partial[partialUsed++]);
            len--;
        }
        while (len >= 64) {
            int n = Math.min(lanes, len >>> 6);
            rounds(n);
            emit(n, in, inOff, out, outOff);
            inOff += n << 6;
            outOff += n << 6;
            len -= n << 6;
        }
        if (len > 0) {
            rounds(1);
            Arrays.fill(partial, (byte) 0);
            emit(1, partial, 0, partial, 0);
            for (partialUsed = 0; partialUsed < len; partialUsed++) {
                out[outOff + partialUsed] = (byte) (in[inOff + partialUsed] ^ partial[partialUsed]);
            }
        }
    }

    /** The 20 rounds over blocks counter .. counter + n - 1, into x. */
    private void rounds(int n) {
        int[][] x = this.x;
        for (int i = 0; i < 16; i++) {
            Arrays.fill(x[i], 0, n, state[i]);
        }
        int[] x12 = x[12];
        for (int j = 0; j < n; j++) {
            x12[j] += j;
        }
        for (int r = 0; r < 10; r++) {
            quarterRound(x[0], x[4], x[8], x[12], n);
            quarterRound(x[1], x[5], x[9], x[13], n);
            quarterRound(x[2], x[6], x[10], x[14], n);
            quarterRound(x[3], x[7], x[11], x[15], n);
            quarterRound(x[0], x[5], x[10], x[15], n);
            quarterRound(x[1], x[6], x[11], x[12], n);
            quarterRound(x[2], x[7], x[8], x[13], n);
            quarterRound(x[3], x[4], x[9], x[14], n);
        }
    }

    /** out = in xor (x + state) for n blocks, then the counter moves on by n. */
    private void emit(int n, byte[] in, int inOff, byte[] out, int outOff) {
        for (int i = 0; i < 16; i++) {
            int[] xi = x[i];
            int add = state[i];
            int step = i == 12 ? 1 : 0; // block j's counter is state[12] + j
            for (int j = 0; j < n; j++) {
                int at = (j << 6) + (i << 2);
                LE32.set(out, outOff + at, (int) LE32.get(in, inOff + at) ^ (xi[j] + add + step * j));
            }
        }
        state[12] += n;
    }

    /** RFC 8439 §2.1 on lanes [0, n) of four words. */
    private static void quarterRound(int[] a, int[] b, int[] c, int[] d, int n) {
        for (int j = 0; j < n; j++) {
            int va = a[j] + b[j];
            int vd = Integer.rotateLeft(d[j] ^ va, 16);
            int vc = c[j] + vd;
            int vb = Integer.rotateLeft(b[j] ^ vc, 12);
            va += vb;
            vd = Integer.rotateLeft(vd ^ va, 8);
            vc += vd;
            vb = Integer.rotateLeft(vb ^ vc, 7);
            a[j] = va;
            b[j] = vb;
            c[j] = vc;
            d[j] = vd;
        }
    }
}
