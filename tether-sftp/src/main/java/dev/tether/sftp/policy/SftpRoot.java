package dev.tether.sftp.policy;

import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a user's files are: the file system (any {@code java.nio.file} provider: the disk,
 * jimfs, a zip file, an object store), what the client sees as {@code /}, and the directory a
 * session starts in.
 *
 * <ul>
 *   <li>{@link #host(Path)}: the client sees the file system as it is, starting in a directory
 *       (sftp-server's {@code -d}, {@code tether server --root}).</li>
 *   <li>{@link #jail(Path)}: the client sees a directory as {@code /} and cannot leave it (sshd's
 *       {@code ChrootDirectory}, {@code tether server --chroot}): every path, {@code ..}, absolute
 *       path and symbolic link is resolved by Tether inside the jail, never by the operating
 *       system; every operation then reaches its file through the file system's
 *       {@code SecureDirectoryStream} where it has one, holding the path's directories open, so
 *       a symlink swapped in after the check is not followed (what that stream cannot do, such as
 *       creating a directory or a link, is checked against the directory held just before and
 *       after); and the targets of links the client creates are written relative to the
 *       directory they are really in, so they point inside the jail for every reader (until the
 *       client moves such a link, or a directory above it, nearer the jail's root: a relative
 *       target keeps its text, and may then climb out for a reader that follows links itself;
 *       this server never does).</li>
 * </ul>
 *
 * Immutable and thread-safe; one root may serve any number of sessions.
 */
public final class SftpRoot {
    private final Path root;
    private final String home;
    private final boolean jailed;

    private SftpRoot(Path root, String home, boolean jailed) {
        this.root = root;
        this.home = home;
        this.jailed = jailed;
    }

    /**
     * The whole file system of {@code start}, as it is; sessions start in {@code start}, which
     * must be absolute.
     *
     * @param start the absolute start directory
     * @return the root
     */
    public static SftpRoot host(Path start) {
        Objects.requireNonNull(start, "start");
        if (!start.isAbsolute()) {
            throw new IllegalArgumentException("the start directory must be absolute: " + start);
        }
        Path root = start.getRoot();
        return new SftpRoot(root, start.normalize().toString().replace(start.getFileSystem().getSeparator(), "/"), false);
    }

    /**
     * A jail: {@code dir} is the client's {@code /}, where sessions start.
     *
     * @param dir the jail's directory
     * @return the root
     */
    public static SftpRoot jail(Path dir) {
        return jail(dir, "/");
    }

    /**
     * A jail: {@code dir} is the client's {@code /}; sessions start in {@code start}, a path as
     * the client sees it (e.g. {@code /home/alice}).
     *
     * @param dir   the jail's directory
     * @param start the start directory, as the client sees it
     * @return the root
     */
    public static SftpRoot jail(Path dir, String start) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(start, "start");
        if (!start.startsWith("/")) {
            throw new IllegalArgumentException("the start directory must be absolute inside the jail: " + start);
        }
        Path abs = dir.toAbsolutePath().normalize();
        try {
            if (Files.exists(abs)) {
                abs = abs.toRealPath();
            }
        } catch (java.io.IOException e) {
            // keep the absolute path; sessions will report the error
        }
        return new SftpRoot(abs, start, true);
    }

    /**
     * What the client sees as {@code /}: the jail's directory, or the file system's root.
     *
     * @return the root directory
     */
    public Path root() {
        return root;
    }

    /**
     * The file system served.
     *
     * @return the file system
     */
    public FileSystem fileSystem() {
        return root.getFileSystem();
    }

    /**
     * The start directory, as the client sees it.
     *
     * @return the start directory, e.g. {@code /} or {@code /home/alice}
     */
    public String home() {
        return home;
    }

    /**
     * Whether the client is confined to {@link #root()}.
     *
     * @return true for a jail
     */
    public boolean jailed() {
        return jailed;
    }

    @Override
    public String toString() {
        return (jailed ? "jail " + root : "host") + " start " + home;
    }
}
