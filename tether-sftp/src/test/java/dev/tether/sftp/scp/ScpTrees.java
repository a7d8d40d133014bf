package dev.tether.sftp.scp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Test trees for the SCP tests: made with known contents, compared by relative path and SHA-256. Stateless. */
final class ScpTrees {
    private ScpTrees() {
    }

    /** {@code size} pseudo-random bytes from {@code seed}. */
    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /**
     * A tree with nested directories, an empty directory, a file name with spaces, an empty file
     * and a file of a few hundred KiB: {@code dir} is created.
     */
    static Path make(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("sub/deeper/deepest"));
        Files.createDirectories(dir.resolve("empty dir"));
        Files.writeString(dir.resolve("a.txt"), "alpha\n");
        Files.writeString(dir.resolve("with space.txt"), "a name with spaces\n");
        Files.write(dir.resolve("sub/b.bin"), random(300_000, 1));
        Files.write(dir.resolve("sub/zero"), new byte[0]);
        Files.writeString(dir.resolve("sub/deeper/c.txt"), "gamma\n");
        Files.writeString(dir.resolve("sub/deeper/deepest/d e.txt"), "delta\n");
        return dir;
    }

    /** Relative path (with {@code /}) to the SHA-256 of a file, or {@code dir} for a directory; the root left out. */
    static Map<String, String> digest(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.equals(root)) {
                    continue;
                }
                String rel = root.relativize(p).toString().replace(root.getFileSystem().getSeparator(), "/");
                m.put(rel, Files.isDirectory(p) ? "dir" : sha256(Files.readAllBytes(p)));
            }
        }
        return m;
    }

    static void assertSameTree(Path expected, Path actual) throws IOException {
        assertEquals(digest(expected), digest(actual), "the trees " + expected + " and " + actual + " differ");
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
