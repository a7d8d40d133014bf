package dev.tether.sftp.fuzz;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The in-memory file system the SFTP and SCP targets serve: a directory served to the client, a
 * few files and links in it (some pointing out of it), and sentinels beside it that nothing the
 * client sends may create, change or remove ({@link #outside}).
 */
final class FuzzFiles {
    static final FileTime PAST = FileTime.from(Instant.parse("2020-01-02T03:04:05Z"));

    private FuzzFiles() {
    }

    /** A fresh unix jimfs with POSIX attributes. */
    static FileSystem newFileSystem() {
        return Jimfs.newFileSystem(Configuration.unix().toBuilder().setAttributeViews("basic", "owner", "posix", "unix").build());
    }

    /**
     * Fills {@code dir} (created) with what a session finds: a small file, a directory with a file
     * and an empty subdirectory, a link inside, and links that point out of {@code dir} (absolute
     * and by {@code ..}); beside it {@code outside.txt}, which must survive every session.
     */
    static void populate(Path dir) throws IOException {
        populate(dir, true);
    }

    /** As {@link #populate(Path)}; {@code linksOut} false leaves out the links that point out of {@code dir}. */
    static void populate(Path dir, boolean linksOut) throws IOException {
        Path parent = dir.getParent();
        Files.createDirectories(dir);
        Files.writeString(parent.resolve("outside.txt"), "sentinel: nothing may touch this file\n");
        Files.createDirectories(parent.resolve("outside-dir"));
        Files.writeString(parent.resolve("outside-dir/secret"), "secret\n");
        Files.writeString(dir.resolve("hello.txt"), "hello, world\n");
        Files.createDirectories(dir.resolve("dir/sub"));
        Files.write(dir.resolve("dir/a.bin"), new byte[1000]);
        Files.writeString(dir.resolve("ro.txt"), "read only\n");
        Files.setPosixFilePermissions(dir.resolve("ro.txt"), PosixFilePermissions.fromString("r--r--r--"));
        Files.createSymbolicLink(dir.resolve("link"), dir.getFileSystem().getPath("hello.txt"));
        if (linksOut) {
            Files.createSymbolicLink(dir.resolve("up"), dir.getFileSystem().getPath("../outside.txt"));
            Files.createSymbolicLink(dir.resolve("abs"), parent.resolve("outside-dir"));
            Files.createSymbolicLink(dir.resolve("dir/back"), dir.getFileSystem().getPath("../.."));
        }
        for (Path p : new Path[] {parent.resolve("outside.txt"), parent.resolve("outside-dir/secret"), dir.resolve("hello.txt")}) {
            Files.setLastModifiedTime(p, PAST);
        }
    }

    /**
     * Everything in the file system except what lies under {@code served}: path to type, size,
     * mode, modification time and content (links: their target), without following links.
     */
    static Map<String, String> outside(FileSystem fs, Path served) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(fs.getPath("/"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.equals(served)) {
                    // the client's own "/": it may change its mode, not remove or replace it
                    out.put(p.toString(), Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "served dir" : "served dir is gone");
                } else if (!p.startsWith(served)) {
                    out.put(p.toString(), describe(p));
                }
            }
        }
        return out;
    }

    private static String describe(Path p) throws IOException {
        if (Files.isSymbolicLink(p)) {
            return "link " + Files.readSymbolicLink(p);
        }
        String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            return "dir " + mode;
        }
        byte[] content = Files.readAllBytes(p);
        return "file " + mode + " " + Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS) + " " + Arrays.hashCode(content)
                + " " + content.length;
    }

    /** Throws naming the first difference if anything outside the served directory changed. */
    static void checkUntouched(Map<String, String> before, Map<String, String> after, String who) {
        if (before.equals(after)) {
            return;
        }
        for (var e : after.entrySet()) {
            if (!e.getValue().equals(before.get(e.getKey()))) {
                throw new IllegalStateException(who + " touched " + e.getKey() + " outside its root: " + before.get(e.getKey()) + " -> "
                        + e.getValue());
            }
        }
        for (String k : before.keySet()) {
            if (!after.containsKey(k)) {
                throw new IllegalStateException(who + " removed " + k + " outside its root");
            }
        }
        throw new IllegalStateException(who + " changed something outside its root");
    }
}
