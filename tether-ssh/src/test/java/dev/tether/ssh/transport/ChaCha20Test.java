package dev.tether.ssh.transport;

import static dev.tether.ssh.transport.CipherTestSupport.HEX;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.ChaCha20ParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our {@link ChaCha20} (used on JDK 17-20): RFC 8439 §2.4.2 with every lane count and every way
 * of cutting the text in two, and agreement with the JDK's {@code "ChaCha20"} cipher on random
 * keys, nonces, counters, lengths and pieces, in place and not; {@link ChaCha20Stream#create}
 * picks by runtime version. (RFC 8439 A.1 is checked through the packet cipher in
 * {@link PrimitiveKnownAnswerTest}.)
 */
class ChaCha20Test {
    private static final String SUNSCREEN = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip "
            + "for the future, sunscreen would be it.";
    private static final String SUNSCREEN_CIPHERTEXT = "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
            + "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
            + "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
            + "5af90bbf74a35be6b40b8eedf2785e42874d";

    /** RFC 8439 §2.4.2: key 00..1f, nonce 000000000000004a00000000, counter 1, 114 bytes. */
    @ParameterizedTest(name = "{0} lanes")
    @ValueSource(ints = {1, 2, 3, 128})
    void rfc8439Section2_4_2(int lanes) {
        byte[] key = new byte[32];
        for (int i = 0; i < 32; i++) {
            key[i] = (byte) i;
        }
        byte[] nonce = HEX.parseHex("000000000000004a00000000");
        byte[] plain = SUNSCREEN.getBytes(StandardCharsets.US_ASCII);
        ChaCha20 c = new ChaCha20(key, 0, lanes);
        for (int cut = 0; cut <= plain.length; cut++) {
            byte[] buf = plain.clone();
            c.start(nonce, 1);
            c.xor(buf, 0, cut, buf, 0);
            c.xor(buf, cut, plain.length - cut, buf, cut);
            assertEquals(SUNSCREEN_CIPHERTEXT, HEX.formatHex(buf), "cut at " + cut);
        }
    }

    /** The SSH nonce: 00000000 || uint64 seq, block 0, as the JDK computes it. */
    @Test
    void sequenceNumberNonceMatchesJdk() throws Exception {
        SplittableRandom rnd = new SplittableRandom(20);
        byte[] key = bytes(rnd, 32);
        ChaCha20 ours = new ChaCha20(key, 0, 128);
        byte[] data = bytes(rnd, 1000);
        for (int seq : new int[] {0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x01020304}) {
            byte[] nonce = new byte[12];
            Tags.putInt(seq, nonce, 8);
            byte[] expected = jdk(key, nonce, 0, data, data.length);
            byte[] actual = new byte[data.length];
            ours.start(seq);
            ours.xor(data, 0, data.length, actual, 0);
            assertArrayEquals(expected, actual, "seq " + Integer.toUnsignedString(seq));
        }
    }

    /**
     * 3,000 random keys, nonces, initial counters and lengths up to 20 KiB, fed in random pieces,
     * with 1, 3 and 128 lanes, in place and from another array; seed fixed and in the message.
     */
    @Test
    void agreesWithJdkOnRandomInputs() throws Exception {
        long seed = 0xc4ac4a20L;
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] laneCounts = {1, 3, 128};
        for (int i = 0; i < 3_000; i++) {
            byte[] key = bytes(rnd, 32);
            byte[] nonce = bytes(rnd, 12);
            int counter = rnd.nextInt(1 << 20);
            int len = rnd.nextInt(4) == 0 ? rnd.nextInt(300) : rnd.nextInt(20 * 1024);
            byte[] data = bytes(rnd, len);
            byte[] expected = jdk(key, nonce, counter, data, len);
            ChaCha20 ours = new ChaCha20(key, 0, laneCounts[i % 3]);
            ours.start(nonce, counter);
            boolean inPlace = rnd.nextBoolean();
            byte[] out = inPlace ? data.clone() : new byte[len];
            for (int off = 0; off < len; ) {
                int n = Math.min(len - off, rnd.nextInt(3) == 0 ? rnd.nextInt(70) : rnd.nextInt(len + 1));
                ours.xor(inPlace ? out : data, off, n, out, off);
                off += n;
            }
            if (!Arrays.equals(expected, out)) {
                assertEquals(HEX.formatHex(expected), HEX.formatHex(out), "seed " + seed + ", case " + i + ": " + len
                        + " bytes, counter " + counter + ", lanes " + laneCounts[i % 3] + ", in place " + inPlace);
            }
        }
    }

    @Test
    void createPicksByRuntime() {
        ChaCha20Stream s = ChaCha20Stream.create(new byte[32], 0, true);
        if (Runtime.version().feature() >= ChaCha20Stream.JDK_WITH_INTRINSICS) {
            assertInstanceOf(ChaCha20Stream.Jdk.class, s);
        } else {
            assertInstanceOf(ChaCha20.class, s);
        }
    }

    /** The JDK's ChaCha20 over data[0, len), one update. */
    private static byte[] jdk(byte[] key, byte[] nonce, int counter, byte[] data, int len) throws Exception {
        Cipher c = Cipher.getInstance("ChaCha20");
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "ChaCha20"), new ChaCha20ParameterSpec(nonce, counter));
        byte[] out = new byte[len];
        if (len > 0) {
            c.update(data, 0, len, out, 0);
        }
        return out;
    }

    private static byte[] bytes(SplittableRandom rnd, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) rnd.nextInt(256);
        }
        return b;
    }
}
