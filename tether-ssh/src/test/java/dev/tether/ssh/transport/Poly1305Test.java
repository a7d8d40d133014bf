package dev.tether.ssh.transport;

import static dev.tether.ssh.transport.CipherTestSupport.HEX;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Poly1305}: RFC 8439's vectors (§2.5.2, Appendix A.3), the edge cases of the limb
 * arithmetic (all-ones keys, tags and blocks; accumulators on and around 2^130 - 5, which random
 * inputs practically never reach), every length up to 64 and every way of splitting a message
 * into updates (odd and even block counts take different paths), against an independent
 * {@link BigInteger} reference, and agreement with Bouncy Castle's Poly1305 on millions of
 * random inputs.
 */
class Poly1305Test {
    private static final BigInteger P = BigInteger.ONE.shiftLeft(130).subtract(BigInteger.valueOf(5));
    private static final BigInteger MOD_128 = BigInteger.ONE.shiftLeft(128);

    private static final String IETF_TEXT = "416e79207375626d697373696f6e20746f20746865204945544620696e74656e"
            + "6465642062792074686520436f6e7472696275746f7220666f72207075626c69"
            + "636174696f6e20617320616c6c206f722070617274206f6620616e2049455446"
            + "20496e7465726e65742d4472616674206f722052464320616e6420616e792073"
            + "746174656d656e74206d6164652077697468696e2074686520636f6e74657874"
            + "206f6620616e204945544620616374697669747920697320636f6e7369646572"
            + "656420616e20224945544620436f6e747269627574696f6e222e205375636820"
            + "73746174656d656e747320696e636c756465206f72616c2073746174656d656e"
            + "747320696e20494554462073657373696f6e732c2061732077656c6c20617320"
            + "7772697474656e20616e6420656c656374726f6e696320636f6d6d756e696361"
            + "74696f6e73206d61646520617420616e792074696d65206f7220706c6163652c"
            + "20776869636820617265206164647265737365642074" + "6f";

    private static final String JABBERWOCKY = "2754776173206272696c6c69672c20616e642074686520736c6974687920746f"
            + "7665730a446964206779726520616e642067696d626c6520696e207468652077"
            + "6162653a0a416c6c206d696d737920776572652074686520626f726f676f7665"
            + "732c0a416e6420746865206d6f6d65207261746873206f757467726162652e";

    @Test
    void rfc8439Section2_5_2() {
        byte[] key = HEX.parseHex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
        byte[] msg = "Cryptographic Forum Research Group".getBytes(StandardCharsets.US_ASCII);
        assertEquals("a8061dc1305136c6c22b8baf0c0127a9", tag(key, msg));
    }

    /** RFC 8439 Appendix A.3, test vectors #1 to #11; #5 to #11 aim at the carries around 2^130 - 5. */
    @ParameterizedTest(name = "A.3 #{0}")
    @CsvSource({
        "1, 0000000000000000000000000000000000000000000000000000000000000000, "
            + "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000, "
            + "00000000000000000000000000000000",
        "2, 0000000000000000000000000000000036e5f6b5c5e06070f0efca96227a863e, IETF, 36e5f6b5c5e06070f0efca96227a863e",
        "3, 36e5f6b5c5e06070f0efca96227a863e00000000000000000000000000000000, IETF, f3477e7cd95417af89a6b8794c310cf0",
        "4, 1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0, JABBERWOCKY, 4541669a7eaaee61e708dc7cbcc5eb62",
        "5, 0200000000000000000000000000000000000000000000000000000000000000, ffffffffffffffffffffffffffffffff, "
            + "03000000000000000000000000000000",
        "6, 02000000000000000000000000000000ffffffffffffffffffffffffffffffff, 02000000000000000000000000000000, "
            + "03000000000000000000000000000000",
        "7, 0100000000000000000000000000000000000000000000000000000000000000, "
            + "fffffffffffffffffffffffffffffffff0ffffffffffffffffffffffffffffff11000000000000000000000000000000, "
            + "05000000000000000000000000000000",
        "8, 0100000000000000000000000000000000000000000000000000000000000000, "
            + "fffffffffffffffffffffffffffffffffbfefefefefefefefefefefefefefefe01010101010101010101010101010101, "
            + "00000000000000000000000000000000",
        "9, 0200000000000000000000000000000000000000000000000000000000000000, fdffffffffffffffffffffffffffffff, "
            + "faffffffffffffffffffffffffffffff",
        "10, 0100000000000000040000000000000000000000000000000000000000000000, "
            + "e33594d7505e43b900000000000000003394d7505e4379cd01000000000000000000000000000000000000000000000001000000000000000000000000000000, "
            + "14000000000000005500000000000000",
        "11, 0100000000000000040000000000000000000000000000000000000000000000, "
            + "e33594d7505e43b900000000000000003394d7505e4379cd010000000000000000000000000000000000000000000000, "
            + "13000000000000000000000000000000",
    })
    void rfc8439AppendixA3(int number, String key, String text, String expected) {
        String hex = text.equals("IETF") ? IETF_TEXT : text.equals("JABBERWOCKY") ? JABBERWOCKY : text;
        byte[] k = HEX.parseHex(key);
        byte[] m = HEX.parseHex(hex);
        assertEquals(expected, tag(k, m), "A.3 #" + number);
        assertEquals(expected, HEX.formatHex(reference(k, m, m.length)), "reference, A.3 #" + number);
        assertEquals(expected, HEX.formatHex(bouncyCastle(k, m, 0, m.length)), "Bouncy Castle, A.3 #" + number);
    }

    @Test
    void emptyMessageIsS() {
        byte[] key = HEX.parseHex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
        assertEquals("0103808afb0db2fd4abff6af4149f51b", tag(key, new byte[0]));
        byte[] ones = filled(32, 0xff);
        assertEquals("ffffffffffffffffffffffffffffffff", tag(ones, new byte[0]));
    }

    /**
     * All-ones keys (r clamps to 0x0ffffffc0ffffffc0ffffffc0fffffff, s = 2^128 - 1, so the final
     * addition wraps), all-ones messages (each block the largest there is), every length 0..64
     * and 1 KiB, against the BigInteger reference and Bouncy Castle.
     */
    @Test
    void allOnesKeysAndMessages() {
        byte[][] keys = {filled(32, 0xff), concat(filled(16, 0xff), new byte[16]), concat(new byte[16], filled(16, 0xff))};
        for (byte[] key : keys) {
            for (int len = 0; len <= 64; len++) {
                byte[] m = filled(len, 0xff);
                assertAgrees(key, m, "all-ones message of " + len + " bytes, key " + HEX.formatHex(key));
            }
            byte[] big = filled(1024, 0xff);
            assertAgrees(key, big, "1 KiB of 0xff");
        }
    }

    /**
     * Accumulators that land exactly on p = 2^130 - 5, just below and just above it. With r = 1
     * each block adds itself plus 2^128, so three blocks m1, m2, m3 = 0 bring h to
     * {@code m1 + m2 + 3 * 2^128}; {@code m1 = 2^128 - 16, m2 = 11 + d} make that {@code p + d}.
     * The tags are then {@code (p + d) mod p + s}: around 0, around p, and wrapped past 2^128.
     */
    @Test
    void accumulatorAroundTwoToThe130MinusFive() {
        for (int d = -8; d <= 8; d++) {
            BigInteger target = P.add(BigInteger.valueOf(d));
            byte[] msg = concat(concat(le16(MOD_128.subtract(BigInteger.valueOf(16))), le16(BigInteger.valueOf(11 + d))),
                    new byte[16]);
            for (byte[] s : new byte[][] {new byte[16], filled(16, 0xff), le16(BigInteger.valueOf(5))}) {
                byte[] key = concat(le16(BigInteger.ONE), s);
                BigInteger expected = target.mod(P).add(new BigInteger(1, reverse(s))).mod(MOD_128);
                assertEquals(HEX.formatHex(le16(expected)), tag(key, msg), "h = p + " + d + ", s = " + HEX.formatHex(s));
                assertAgrees(key, msg, "h = p + " + d);
            }
        }
    }

    /** Every split of messages up to 64 bytes into two and three updates gives the one-shot tag. */
    @Test
    void updatesInPiecesMatchOneShot() {
        SplittableRandom rnd = new SplittableRandom(1305);
        Poly1305 poly = new Poly1305();
        byte[] key = bytes(rnd, 32);
        byte[] expected = new byte[16];
        byte[] actual = new byte[16];
        for (int len = 0; len <= 64; len++) {
            byte[] m = bytes(rnd, len);
            poly.mac(key, m, 0, len, expected, 0);
            assertArrayEquals(reference(key, m, len), expected, "one-shot, " + len + " bytes");
            for (int a = 0; a <= len; a++) {
                for (int b = a; b <= len; b++) {
                    poly.init(key, 0);
                    poly.update(m, 0, a);
                    poly.update(m, a, b - a);
                    poly.update(m, b, len - b);
                    poly.finish(actual, 0);
                    assertArrayEquals(expected, actual, len + " bytes split at " + a + ", " + b);
                }
            }
        }
    }

    /** The key may sit at an offset, the data at any offset, the tag anywhere in its array. */
    @Test
    void offsets() {
        SplittableRandom rnd = new SplittableRandom(8439);
        byte[] key = bytes(rnd, 32);
        byte[] data = bytes(rnd, 200);
        byte[] keyAt5 = concat(new byte[5], key);
        Poly1305 poly = new Poly1305();
        for (int off = 0; off < 20; off++) {
            byte[] expected = bouncyCastle(key, data, off, 150);
            byte[] out = new byte[40];
            poly.init(keyAt5, 5);
            poly.update(data, off, 150);
            poly.finish(out, 7);
            assertArrayEquals(expected, Arrays.copyOfRange(out, 7, 23), "data at " + off);
        }
        assertThrows(IllegalArgumentException.class, () -> poly.init(new byte[31], 0));
        poly.init(key, 0);
        assertThrows(IndexOutOfBoundsException.class, () -> poly.update(data, 190, 11));
        assertThrows(IndexOutOfBoundsException.class, () -> poly.finish(new byte[20], 5));
    }

    /**
     * Agreement with Bouncy Castle on 2,000,000 random short messages (0..80 bytes, random
     * keys; one in eight keys or messages all ones, one in eight with s all ones) and 2,000 long
     * ones (up to 40 KiB, split into random updates).
     */
    @Test
    void agreesWithBouncyCastleOnRandomInputs() {
        long seed = 0x1305_8439_2026L;
        SplittableRandom rnd = new SplittableRandom(seed);
        Poly1305 ours = new Poly1305();
        org.bouncycastle.crypto.macs.Poly1305 theirs = new org.bouncycastle.crypto.macs.Poly1305();
        byte[] key = new byte[32];
        byte[] msg = new byte[40 * 1024 + 16];
        byte[] a = new byte[16];
        byte[] b = new byte[16];
        for (int i = 0; i < 2_000_000; i++) {
            fill(rnd, key, 32);
            int len = rnd.nextInt(81);
            fill(rnd, msg, len);
            int flavour = rnd.nextInt(8);
            if (flavour == 0) {
                Arrays.fill(key, (byte) 0xff);
            } else if (flavour == 1) {
                Arrays.fill(msg, 0, len, (byte) 0xff);
            } else if (flavour == 2) {
                Arrays.fill(key, 16, 32, (byte) 0xff);
            }
            ours.mac(key, msg, 0, len, a, 0);
            theirs.init(new KeyParameter(key, 0, 32));
            theirs.update(msg, 0, len);
            theirs.doFinal(b, 0);
            if (!Arrays.equals(a, b)) {
                assertEquals(HEX.formatHex(b), HEX.formatHex(a), "seed " + seed + ", message " + i + " of " + len
                        + " bytes " + HEX.formatHex(msg, 0, len) + ", key " + HEX.formatHex(key));
            }
        }
        for (int i = 0; i < 2_000; i++) {
            fill(rnd, key, 32);
            int len = rnd.nextInt(msg.length + 1);
            fill(rnd, msg, len);
            ours.init(key, 0);
            for (int off = 0; off < len; ) {
                int n = Math.min(len - off, rnd.nextInt(4) == 0 ? rnd.nextInt(40) : rnd.nextInt(len + 1));
                ours.update(msg, off, n);
                off += n;
            }
            ours.finish(a, 0);
            theirs.init(new KeyParameter(key, 0, 32));
            theirs.update(msg, 0, len);
            theirs.doFinal(b, 0);
            assertEquals(HEX.formatHex(b), HEX.formatHex(a), "seed " + seed + ", long message " + i + " of " + len + " bytes");
        }
    }

    // ---- helpers ----

    private static String tag(byte[] key, byte[] msg) {
        byte[] out = new byte[16];
        new Poly1305().mac(key, msg, 0, msg.length, out, 0);
        return HEX.formatHex(out);
    }

    private static void assertAgrees(byte[] key, byte[] m, String what) {
        String expected = HEX.formatHex(reference(key, m, m.length));
        assertEquals(expected, HEX.formatHex(bouncyCastle(key, m, 0, m.length)), "Bouncy Castle vs reference, " + what);
        assertEquals(expected, tag(key, m), what);
    }

    /** RFC 8439 §2.5.1 written out with BigInteger. */
    private static byte[] reference(byte[] key, byte[] m, int len) {
        byte[] rBytes = Arrays.copyOf(key, 16);
        for (int i : new int[] {3, 7, 11, 15}) {
            rBytes[i] &= 15;
        }
        for (int i : new int[] {4, 8, 12}) {
            rBytes[i] &= (byte) 252;
        }
        BigInteger r = new BigInteger(1, reverse(rBytes));
        BigInteger s = new BigInteger(1, reverse(Arrays.copyOfRange(key, 16, 32)));
        BigInteger acc = BigInteger.ZERO;
        for (int i = 0; i < len; i += 16) {
            int n = Math.min(16, len - i);
            byte[] block = Arrays.copyOfRange(m, i, i + n + 1);
            block[n] = 1;
            acc = acc.add(new BigInteger(1, reverse(block))).multiply(r).mod(P);
        }
        return le16(acc.add(s).mod(MOD_128));
    }

    private static byte[] bouncyCastle(byte[] key, byte[] m, int off, int len) {
        org.bouncycastle.crypto.macs.Poly1305 bc = new org.bouncycastle.crypto.macs.Poly1305();
        bc.init(new KeyParameter(key, 0, 32));
        bc.update(m, off, len);
        byte[] out = new byte[16];
        bc.doFinal(out, 0);
        return out;
    }

    private static byte[] le16(BigInteger v) {
        byte[] out = new byte[16];
        byte[] be = v.toByteArray();
        for (int i = 0; i < 16 && i < be.length; i++) {
            out[i] = be[be.length - 1 - i];
        }
        return out;
    }

    private static byte[] reverse(byte[] b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[b.length - 1 - i];
        }
        return out;
    }

    private static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] bytes(SplittableRandom rnd, int n) {
        byte[] b = new byte[n];
        fill(rnd, b, n);
        return b;
    }

    private static void fill(SplittableRandom rnd, byte[] b, int n) {
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            long v = rnd.nextLong();
            for (int j = 0; j < 8; j++) {
                b[i + j] = (byte) (v >>> (8 * j));
            }
        }
        if (i < n) {
            long v = rnd.nextLong();
            for (; i < n; i++, v >>>= 8) {
                b[i] = (byte) v;
            }
        }
    }
}
