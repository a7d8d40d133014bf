package dev.tether.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.junit.jupiter.api.Assertions;

/**
 * Large test files made and checked as streams: pseudo-random content from a seeded xorshift
 * generator written 1 MiB at a time (one buffer, rewritten per chunk, so a 1 GiB file costs
 * 1 MiB of heap), its SHA-256 computed on the way out. Thread-safe (stateless).
 */
public final class BigFiles {
    /** The chunk a file is written and read in. */
    public static final int CHUNK = 1 << 20;

    private BigFiles() {
    }

    /**
     * Writes {@code size} bytes of xorshift64* output (four generators seeded from {@code seed},
     * interleaved 8 bytes at a time; never repeating within a file, so a block sent twice or to
     * the wrong offset changes the checksum) and returns their SHA-256 in hex.
     */
    public static String write(Path file, long size, long seed) throws IOException {
        byte[] buf = new byte[CHUNK];
        MessageDigest sha = sha256();
        // four independent generators side by side: the CPU runs their steps in parallel
        long x0 = lane(seed, 1);
        long x1 = lane(seed, 2);
        long x2 = lane(seed, 3);
        long x3 = lane(seed, 4);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long off = 0; off < size; off += CHUNK) {
                for (int i = 0; i < CHUNK; i += 32) {
                    x0 = next(x0);
                    x1 = next(x1);
                    x2 = next(x2);
                    x3 = next(x3);
                    LONGS.set(buf, i, x0 * STAR);
                    LONGS.set(buf, i + 8, x1 * STAR);
                    LONGS.set(buf, i + 16, x2 * STAR);
                    LONGS.set(buf, i + 24, x3 * STAR);
                }
                ByteBuffer b = ByteBuffer.wrap(buf, 0, (int) Math.min(CHUNK, size - off));
                sha.update(buf, 0, b.remaining());
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long STAR = 0x2545F4914F6CDD1DL;

    private static long next(long x) {
        x ^= x >>> 12;
        x ^= x << 25;
        return x ^ (x >>> 27);
    }

    /** A non-zero start for one generator (splitmix64 of seed and lane). */
    private static long lane(long seed, int lane) {
        long z = seed + lane * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return z == 0 ? lane : z;
    }

    /** One leg of a round trip: moves the file, and fails with what it knows if it could not. */
    @FunctionalInterface
    public interface Leg {
        void run() throws Exception;
    }

    /**
     * A big file there and back: writes {@code size} bytes at {@code src} ({@link #write}), runs
     * {@code up} (which is to copy {@code src} to {@code onServer}) and checks the server's copy
     * by size and SHA-256, deletes {@code src} (two copies on disk at a time, not three), runs
     * {@code down} ({@code onServer} to {@code back}) and checks that copy. All three files are
     * deleted at the end, passed or failed. Returns how long each step took, for the test to print.
     */
    public static String roundTrip(Path src, Path onServer, Path back, long size, long seed, Leg up, Leg down) throws Exception {
        try {
            long t0 = System.nanoTime();
            String sum = write(src, size, seed);
            long t1 = System.nanoTime();
            up.run();
            long t2 = System.nanoTime();
            Assertions.assertEquals(size, Files.size(onServer), "the size of the server's copy");
            Assertions.assertEquals(sum, sha256(onServer), "the SHA-256 of the server's copy");
            Files.delete(src);
            long t3 = System.nanoTime();
            down.run();
            long t4 = System.nanoTime();
            Assertions.assertEquals(size, Files.size(back), "the size of the copy that came back");
            Assertions.assertEquals(sum, sha256(back), "the SHA-256 of the copy that came back");
            return String.format("%d MiB: generate %.1f s, up %.1f s, down %.1f s", size >> 20,
                    (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t4 - t3) / 1e9);
        } finally {
            Files.deleteIfExists(src);
            Files.deleteIfExists(onServer);
            Files.deleteIfExists(back);
        }
    }

    /** The SHA-256 of a file, in hex, read a chunk at a time. */
    public static String sha256(Path file) throws IOException {
        MessageDigest sha = sha256();
        byte[] buf = new byte[CHUNK];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /**
     * Fails with the numbers unless {@code dir}'s file system has {@code bytes} free (a test that
     * needs room for several copies of a big file says so before it starts writing).
     */
    public static void requireSpace(Path dir, long bytes) throws IOException {
        FileStore store = Files.getFileStore(dir);
        long free = store.getUsableSpace();
        if (free < bytes) {
            throw new IOException(dir + " has " + (free >> 20) + " MiB free, the test needs " + (bytes >> 20) + " MiB");
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
