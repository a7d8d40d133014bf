package dev.tether.ssh.transport;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.HexFormat;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link Poly1305Mac}: the JDK's intrinsic engine, where this JVM lets us reach it (the build's
 * test JVMs pass {@code --add-opens java.base/com.sun.crypto.provider}, as bin/tether does),
 * computes exactly our {@link Poly1305}'s tags, and is chosen whenever HotSpot has the intrinsic.
 */
class Poly1305MacTest {
    private static final HexFormat HEX = HexFormat.of();

    /**
     * On JDK 21+ where HotSpot has the intrinsic, the build's JVM options must lead to the JDK's
     * engine, and nowhere else. The truth comes from a child JVM of the same runtime that unlocks
     * the diagnostic flag and prints it.
     */
    @Test
    void theJdkEngineIsChosenWhereTheIntrinsicIs() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UnlockDiagnosticVMOptions", "-XX:+PrintFlagsFinal", "-version").redirectErrorStream(true).start();
        String flags = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        Matcher m = Pattern.compile("UsePoly1305Intrinsics\\s*=\\s*(\\w+)").matcher(flags);
        boolean intrinsic = m.find() && m.group(1).equals("true");
        boolean expected = intrinsic && Runtime.version().feature() >= ChaCha20Stream.JDK_WITH_INTRINSICS
                && !"ours".equals(System.getProperty("tether.poly1305"));
        assertEquals(expected, Poly1305Mac.Jdk.USABLE, Poly1305Mac.selected());
        assertEquals(expected, Poly1305Mac.create() instanceof Poly1305Mac.Jdk, Poly1305Mac.selected());
    }

    @Test
    void rfc8439Section2_5_2() {
        byte[] key = HEX.parseHex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
        byte[] msg = "Cryptographic Forum Research Group".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] tag = new byte[16];
        Poly1305Mac.create().mac(key, msg, 0, msg.length, tag, 0);
        assertEquals("a8061dc1305136c6c22b8baf0c0127a9", HEX.formatHex(tag));
    }

    /** Every length up to 300 and packet-sized ones, at odd offsets, against ours; the same instance reused throughout. */
    @Test
    void theJdkEngineAgreesWithOursOnRandomInputs() {
        assumeTrue(Poly1305Mac.Jdk.USABLE, Poly1305Mac.selected());
        Poly1305Mac jdk = new Poly1305Mac.Jdk();
        Poly1305 ours = new Poly1305();
        SplittableRandom rnd = new SplittableRandom(1305);
        byte[] key = new byte[32];
        byte[] data = new byte[40_000];
        byte[] a = new byte[20];
        byte[] b = new byte[20];
        int[] sizes = new int[330];
        for (int i = 0; i < 300; i++) {
            sizes[i] = i;
        }
        for (int i = 300; i < sizes.length; i++) {
            sizes[i] = 32_768 + 4 + rnd.nextInt(-64, 65);
        }
        for (int round = 0; round < 20; round++) {
            for (int len : sizes) {
                fill(rnd, key);
                fill(rnd, data);
                int off = rnd.nextInt(0, 64);
                int outOff = rnd.nextInt(0, 5);
                jdk.mac(key, data, off, len, a, outOff);
                ours.mac(key, data, off, len, b, outOff);
                assertArrayEquals(b, a, "length " + len + " at " + off);
            }
        }
        // the extremes of RFC 8439's edge cases: all-ones key and message
        java.util.Arrays.fill(key, (byte) 0xff);
        java.util.Arrays.fill(data, (byte) 0xff);
        jdk.mac(key, data, 0, 32_772, a, 0);
        ours.mac(key, data, 0, 32_772, b, 0);
        assertArrayEquals(b, a, "all ones");
    }

    @Test
    void theJdkEngineChecksItsBounds() {
        assumeTrue(Poly1305Mac.Jdk.USABLE, Poly1305Mac.selected());
        Poly1305Mac jdk = new Poly1305Mac.Jdk();
        byte[] key = new byte[32];
        assertThrows(IndexOutOfBoundsException.class, () -> jdk.mac(key, new byte[10], 5, 6, new byte[16], 0));
        assertThrows(IndexOutOfBoundsException.class, () -> jdk.mac(key, new byte[10], 0, 10, new byte[16], 1));
        assertTrue(Poly1305Mac.selected().startsWith("the JDK's"));
    }

    private static void fill(SplittableRandom rnd, byte[] b) {
        for (int i = 0; i < b.length; i += 8) {
            long v = rnd.nextLong();
            for (int j = 0; j < 8 && i + j < b.length; j++) {
                b[i + j] = (byte) (v >>> (8 * j));
            }
        }
    }
}
