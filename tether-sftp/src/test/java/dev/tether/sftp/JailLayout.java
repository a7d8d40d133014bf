package dev.tether.sftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A jail next to a canary, for the tests of the jail: in {@code dir}, {@code jail/} (hello.txt,
 * d/passwd, d/victimdir, sub/, and links an administrator might leave: to /etc, to / by enough
 * {@code ..}, to the canary's directory and files, absolute and relative) and {@code outside/} (a
 * file with a random text that must never come back, a larger {@code passwd}, a name only it has,
 * a directory and a link). {@link #assertOutsideUnchanged} compares the canary's directory and
 * /etc/passwd with how they were, and looks for inodes from outside in the jail. Not thread-safe.
 */
final class JailLayout {
    final Path dir;
    final Path jail;
    final Path outside;
    final String canary = "CANARY-" + UUID.randomUUID();
    /** The links planted in the jail, by name relative to it, with their targets. */
    final Map<String, String> planted = new TreeMap<>();
    private final byte[] realPasswd;
    private final Map<String, String> outsideBefore;
    private final String passwdBefore;

    JailLayout(Path dir) throws IOException {
        this.dir = dir;
        outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("canary.txt"), canary + "\n");
        // a "passwd" outside, larger than any file in the jail, so that its size would show in a STAT
        Files.writeString(outside.resolve("passwd"), (canary + "\n").repeat(20));
        Files.writeString(outside.resolve("OUTSIDE-ONLY-NAME"), canary);
        Files.createDirectories(outside.resolve("victimdir"));
        Files.createSymbolicLink(outside.resolve("victimlink"), Path.of("canary.txt"));
        jail = Files.createDirectories(dir.resolve("jail")).toRealPath();
        Files.writeString(jail.resolve("hello.txt"), "hello\n");
        Files.createDirectories(jail.resolve("d"));
        Files.writeString(jail.resolve("d/passwd"), "jail d passwd\n");
        Files.createDirectories(jail.resolve("d/victimdir"));
        Files.createDirectories(jail.resolve("sub"));
        plant("etcAbs", "/etc");
        plant("rootRel", "../".repeat(jail.getNameCount()) + "..");
        plant("outAbs", outside.toString());
        plant("outRel", "../outside");
        plant("linkfile", "/etc/passwd");
        plant("canaryAbs", outside.resolve("canary.txt").toString());
        plant("canaryRel", "../outside/canary.txt");
        plant("sub/deepRel", "../../outside");
        plant("d/victimlink", "passwd");
        realPasswd = Files.readAllBytes(Path.of("/etc/passwd"));
        outsideBefore = snapshot(outside);
        passwdBefore = describe(Path.of("/etc/passwd"));
    }

    private void plant(String name, String target) throws IOException {
        Files.createSymbolicLink(jail.resolve(name), Path.of(target));
        planted.put(name, target);
    }

    /** Nothing outside changed, and no file in the jail is a hard link to one outside. */
    void assertOutsideUnchanged() throws IOException {
        assertEquals(outsideBefore, snapshot(outside), "the directory outside the jail changed");
        assertEquals(passwdBefore, describe(Path.of("/etc/passwd")), "/etc/passwd changed");
        Set<Object> outer = Set.of(key(Path.of("/etc/passwd")), key(outside.resolve("canary.txt")), key(outside.resolve("passwd")));
        try (Stream<Path> s = Files.walk(jail)) {
            for (Path p : s.toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                assertFalse(a.isRegularFile() && outer.contains(a.fileKey()), () -> p + " is a hard link to a file outside the jail");
                if (a.isRegularFile()) {
                    assertNoLeak(p);
                }
            }
        }
    }

    /** A file must not exist, or must hold neither the real passwd nor the canary. */
    void assertNoLeak(Path file) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        byte[] got = Files.readAllBytes(file);
        assertNoLeak(file.toString(), got);
    }

    void assertNoLeak(String what, byte[] got) {
        String text = new String(got, StandardCharsets.UTF_8);
        assertFalse(text.contains(canary), () -> what + " holds the canary from outside the jail");
        assertFalse(Arrays.equals(got, realPasswd) || text.contains("root:x:0:0"), () -> what + " holds the real /etc/passwd");
    }

    /** Moves {@code jail/d} aside (to {@code d.orig}) and puts a link to {@code target} in its place, as a concurrent client could. */
    void swapForLink(String target) {
        try {
            Files.move(jail.resolve("d"), jail.resolve("d.orig"));
            Files.createSymbolicLink(jail.resolve("d"), Path.of(target));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void restoreD() throws IOException {
        Files.delete(jail.resolve("d"));
        Files.move(jail.resolve("d.orig"), jail.resolve("d"));
    }

    private static Object key(Path p) throws IOException {
        return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
    }

    /** Every entry under {@code root} (links not followed): type, mode, size, modification time and content. */
    private static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                m.put(root.relativize(p).toString(), describe(p));
            }
        }
        return m;
    }

    private static String describe(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,lastModifiedTime,ino", LinkOption.NOFOLLOW_LINKS);
        String content = Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? Integer.toHexString(Arrays.hashCode(Files.readAllBytes(p))) : "";
        return a.get("mode") + " " + a.get("uid") + ":" + a.get("gid") + " " + a.get("size") + " " + a.get("lastModifiedTime") + " "
                + a.get("ino") + " " + content;
    }
}
