package dev.tether.sftp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

/** Test data: files of known content and their SHA-256. Stateless. */
final class TestFiles {
    private TestFiles() {
    }

    /**
     * Writes {@code size} bytes: a random 1 MiB block (from {@code seed}) repeated, with the
     * absolute offset stamped into the first 8 bytes of every 4 KiB, so a block written at the
     * wrong place changes the checksum. Returns the SHA-256 (hex).
     */
    static String write(Path file, long size, long seed) throws IOException {
        byte[] template = new byte[1 << 20];
        new Random(seed).nextBytes(template);
        ByteBuffer block = ByteBuffer.allocate(template.length);
        MessageDigest sha = sha256();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long off = 0; off < size; off += template.length) {
                block.clear();
                block.put(template);
                for (int i = 0; i < template.length; i += 4096) {
                    block.putLong(i, off + i);
                }
                block.flip();
                block.limit((int) Math.min(template.length, size - off));
                sha.update(block.duplicate());
                while (block.hasRemaining()) {
                    ch.write(block);
                }
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** The SHA-256 (hex) of a file on any file system. */
    static String sha256(Path file) throws IOException {
        MessageDigest sha = sha256();
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
