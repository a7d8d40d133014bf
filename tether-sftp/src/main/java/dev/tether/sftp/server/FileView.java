package dev.tether.sftp.server;

import dev.tether.sftp.policy.SftpRoot;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;

/**
 * The security boundary of the SFTP and SCP servers: the one place a client's path becomes a
 * {@link Path}. Everything that touches a file goes through {@link #at} (or {@link #resolve},
 * to name the file to a policy).
 *
 * <p>On a {@linkplain SftpRoot#jailed() jail}, resolution never lets the operating system
 * interpret a path: each component is looked up with {@code NOFOLLOW_LINKS}, a symbolic link's
 * target is read and resolved again inside the jail (an absolute target starts over at the jail's
 * {@code /}, {@code ..} stops there), and the result has no symbolic link left in it. Every
 * operation then walks that result with {@link SecureDirectoryStream} ({@code openat} with
 * {@code O_NOFOLLOW}) and acts on the last name in the directory it holds open
 * ({@link FileEntry}), so a directory swapped for a symbolic link between the check and the use
 * fails the walk instead of leading out; the walk is retried once from a fresh resolution, and
 * refused if that resolution differs from the path the policy checked. Outside a jail the path is
 * passed to the file system as the client sent it, as OpenSSH's sftp-server does.
 *
 * <p>Stateless apart from the root; thread-safe.
 */
public final class FileView {
    private static final int MAX_LINKS = 40;
    private static final LinkOption[] FOLLOW = {};
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
    private final SftpRoot root;
    private final Path base;
    private final boolean jailed;

    public FileView(SftpRoot root) {
        this.root = root;
        this.base = root.root();
        this.jailed = root.jailed();
    }

    public SftpRoot root() {
        return root;
    }

    public boolean jailed() {
        return jailed;
    }

    /** A client path made absolute against the start directory (not normalized). */
    public String absolute(String clientPath) {
        if (clientPath.startsWith("/")) {
            return clientPath;
        }
        String home = root.home();
        if (clientPath.isEmpty() || clientPath.equals(".")) {
            return home;
        }
        return home.endsWith("/") ? home + clientPath : home + "/" + clientPath;
    }

    /**
     * The file a client path names. {@code followFinal} follows a symbolic link in the last
     * component (STAT, OPEN) or not (LSTAT, REMOVE, READLINK, the link of SYMLINK).
     */
    public Path resolve(String clientPath, boolean followFinal) throws IOException {
        if (!jailed) {
            return base.getFileSystem().getPath(absolute(clientPath));
        }
        return base.resolve(String.join("/", components(clientPath, followFinal)));
    }

    /** The canonical client path (REALPATH): links resolved, {@code .} and {@code ..} gone; the last component may not exist. */
    public String realpath(String clientPath) throws IOException {
        if (!jailed) {
            Path p = resolve(clientPath, true);
            try {
                return toClient(p.toRealPath());
            } catch (NoSuchFileException e) {
                Path parent = p.normalize().getParent();
                if (parent == null) {
                    throw e;
                }
                Path real = parent.toRealPath();
                return toClient(real.resolve(p.normalize().getFileName().toString()));
            }
        }
        List<String> c = components(clientPath, true);
        return "/" + String.join("/", c);
    }

    /** The client's view of a path inside the root. */
    public String toClient(Path p) {
        if (!jailed) {
            String s = p.toString();
            String sep = p.getFileSystem().getSeparator();
            return sep.equals("/") ? s : s.replace(sep, "/");
        }
        Path rel = base.relativize(p);
        String s = rel.toString().replace(p.getFileSystem().getSeparator(), "/");
        return s.isEmpty() ? "/" : "/" + s;
    }

    /**
     * The path components under the jail after resolving every symbolic link inside it. Missing
     * components are kept as they are (a file about to be created).
     */
    private List<String> components(String clientPath, boolean followFinal) throws IOException {
        Deque<String> todo = new ArrayDeque<>();
        push(todo, absolute(clientPath));
        List<String> done = new ArrayList<>();
        int links = 0;
        boolean missing = false;
        while (!todo.isEmpty()) {
            String c = todo.pollFirst();
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (!done.isEmpty()) {
                    done.remove(done.size() - 1);
                }
                continue;
            }
            if (c.indexOf('\0') >= 0) {
                throw new NoSuchFileException(clientPath, null, "a NUL byte in a path");
            }
            boolean last = remainingIsEmpty(todo);
            done.add(c);
            if (missing || (last && !followFinal)) {
                continue;
            }
            Path p = base.resolve(String.join("/", done));
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                missing = true;
                continue;
            }
            if (a.isSymbolicLink()) {
                if (++links > MAX_LINKS) {
                    throw new FileSystemLoopException(clientPath);
                }
                String target = Files.readSymbolicLink(p).toString().replace(p.getFileSystem().getSeparator(), "/");
                done.remove(done.size() - 1);
                if (target.startsWith("/")) {
                    done.clear();
                }
                push(todo, target);
            } else if (!last && !a.isDirectory()) {
                throw new NotDirectoryException(clientPath);
            }
        }
        return done;
    }

    /** Whether nothing but {@code .} and empty components remain (so the current one is the last). */
    private static boolean remainingIsEmpty(Deque<String> todo) {
        for (String s : todo) {
            if (!s.isEmpty() && !s.equals(".")) {
                return false;
            }
        }
        return true;
    }

    private static void push(Deque<String> todo, String path) {
        String[] parts = path.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            todo.addFirst(parts[i]);
        }
    }

    /** What an operation does with the file {@link #at} reached. */
    @FunctionalInterface
    public interface EntryOperation<T> {
        T apply(FileEntry entry) throws IOException;
    }

    /**
     * Runs {@code op} on the file a client path names: in a jail, with the path's directories held
     * open from the jail's root down ({@link FileEntry}), so that nothing swapped into the path
     * after it was resolved is followed. A component that became a symbolic link since it was
     * resolved fails the walk, which is retried once from a fresh resolution.
     *
     * @param followFinal whether a link in the last component is followed (STAT, OPEN) or is the entry (LSTAT, REMOVE)
     * @param checked the path {@link #resolve} gave when the operation was checked, or null: if the
     *                client path now leads elsewhere (the tree changed since), the operation is refused
     *                rather than done on a file the policy was not asked about
     */
    public <T> T at(String clientPath, boolean followFinal, Path checked, EntryOperation<T> op) throws IOException {
        if (!jailed) {
            Path p = resolve(clientPath, followFinal);
            return op.apply(new FileEntry(null, null, p, followFinal ? FOLLOW : NOFOLLOW, false));
        }
        IOException first = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            List<String> c = components(clientPath, followFinal);
            Path path = base.resolve(String.join("/", c));
            if (checked != null && !checked.equals(path)) {
                throw new AccessDeniedException(clientPath, null, "the path changed after it was checked (now " + toClient(path) + ")");
            }
            try {
                return walk(c, path, op);
            } catch (FileSystemLoopException | NotDirectoryException e) {
                first = e;
            } catch (FileSystemException e) {
                if (!becameLink(e)) {
                    throw e;
                }
                first = e;
            }
        }
        if (first instanceof FileSystemLoopException || first instanceof NotDirectoryException) {
            throw first; // the same both times: what the path is, not a race
        }
        throw new AccessDeniedException(clientPath, null, "the path changed while it was used (" + first.getMessage() + ")");
    }

    /** Runs {@code op} on a file resolved earlier (a handle's), held open as {@link #at} does; a link in its path now fails. */
    public <T> T atResolved(Path resolved, EntryOperation<T> op) throws IOException {
        if (!jailed) {
            return op.apply(new FileEntry(null, null, resolved, FOLLOW, false));
        }
        String rel = base.relativize(resolved).toString().replace(base.getFileSystem().getSeparator(), "/");
        List<String> c = new ArrayList<>();
        for (String s : rel.split("/")) {
            if (!s.isEmpty()) {
                c.add(s);
            }
        }
        return walk(c, resolved, op);
    }

    /** Opens each directory of {@code c} below the jail's root without following links, and runs {@code op} on the last name. */
    private <T> T walk(List<String> c, Path path, EntryOperation<T> op) throws IOException {
        if (c.isEmpty()) {
            return op.apply(new FileEntry(null, null, path, NOFOLLOW, true)); // the jail's root itself
        }
        try (DirectoryStream<Path> top = Files.newDirectoryStream(base)) {
            if (!(top instanceof SecureDirectoryStream)) {
                // no secure directory streams (zipfs): the path, as resolved
                return op.apply(new FileEntry(null, base.getFileSystem().getPath(c.get(c.size() - 1)), path, NOFOLLOW, true));
            }
            List<SecureDirectoryStream<Path>> chain = new ArrayList<>();
            try {
                SecureDirectoryStream<Path> dir = (SecureDirectoryStream<Path>) top;
                for (int i = 0; i < c.size() - 1; i++) {
                    dir = (SecureDirectoryStream<Path>) dir.newDirectoryStream(base.getFileSystem().getPath(c.get(i)), LinkOption.NOFOLLOW_LINKS);
                    chain.add(dir);
                }
                return op.apply(new FileEntry(dir, base.getFileSystem().getPath(c.get(c.size() - 1)), path, NOFOLLOW, true));
            } finally {
                for (SecureDirectoryStream<Path> d : chain) {
                    d.close();
                }
            }
        }
    }

    /** ELOOP from O_NOFOLLOW: a component became a symbolic link after it was resolved. */
    private static boolean becameLink(FileSystemException e) {
        String reason = e.getReason();
        return reason != null && reason.toLowerCase(java.util.Locale.ROOT).contains("symbolic link");
    }

    /** Opens a file (OPEN, SCP's sink and source). */
    public SeekableByteChannel open(String clientPath, Path checked, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        return at(clientPath, true, checked, e -> e.newByteChannel(options, attrs));
    }

    /** Opens a file with no path checked before (see {@link #at}). */
    public SeekableByteChannel open(String clientPath, Set<? extends OpenOption> options, FileAttribute<?>... attrs) throws IOException {
        return open(clientPath, null, options, attrs);
    }

    /** Opens a directory for listing (OPENDIR, SCP's -r source). */
    public DirectoryStream<Path> openDirectory(String clientPath, Path checked) throws IOException {
        return at(clientPath, true, checked, FileEntry::newDirectoryStream);
    }

    /** Opens a directory with no path checked before (see {@link #at}). */
    public DirectoryStream<Path> openDirectory(String clientPath) throws IOException {
        return openDirectory(clientPath, null);
    }

    /**
     * The attributes of an entry of a directory stream this view opened: in a jail, those of the
     * file in the open directory, never of one a path swapped since leads to.
     */
    public static FileStat statEntry(DirectoryStream<Path> dir, Path entry) throws IOException {
        if (dir instanceof SecureDirectoryStream<Path> sds && entry.getFileName() != null) {
            Object key = sds.getFileAttributeView(entry.getFileName(), java.nio.file.attribute.BasicFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS).readAttributes().fileKey();
            return FileStat.of(entry, false, key);
        }
        return FileStat.of(entry, false);
    }

    /**
     * The target to store for a link the client creates. In a jail the target is made relative to
     * the directory the link is really in (its client path resolved, links and all), and any part
     * of it up to its last {@code ..}, and an absolute target's start, is resolved inside the jail
     * first: what is stored then climbs only through real directories, so the link points inside
     * the jail for every reader of the disk, including one that follows links as the operating
     * system does (a client path through a link to {@code /}, or a target like {@code up/../..},
     * would otherwise climb out). What follows the last {@code ..} is kept as sent, so a link may
     * point at a file that does not exist yet. Elsewhere the target is kept as sent.
     */
    public String linkTarget(String linkClientPath, String target) throws IOException {
        if (!jailed) {
            return target;
        }
        List<String> link = components(linkClientPath, false);
        if (link.isEmpty()) {
            return target; // the root itself: creating the link fails
        }
        List<String> dir = link.subList(0, link.size() - 1);
        String[] parts = target.split("/");
        int lastUp = -1;
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].equals("..")) {
                lastUp = i;
            }
        }
        if (lastUp < 0 && !target.startsWith("/")) {
            return target; // only descends from the link's real directory
        }
        String head = String.join("/", java.util.Arrays.asList(parts).subList(0, lastUp + 1));
        List<String> to = new ArrayList<>(components(target.startsWith("/") ? "/" + head : "/" + String.join("/", dir) + "/" + head, true));
        for (int i = lastUp + 1; i < parts.length; i++) {
            if (!parts[i].isEmpty() && !parts[i].equals(".")) {
                to.add(parts[i]);
            }
        }
        int common = 0;
        while (common < dir.size() && common < to.size() && dir.get(common).equals(to.get(common))) {
            common++;
        }
        StringBuilder b = new StringBuilder();
        for (int i = common; i < dir.size(); i++) {
            b.append(b.length() == 0 ? "" : "/").append("..");
        }
        for (int i = common; i < to.size(); i++) {
            b.append(b.length() == 0 ? "" : "/").append(to.get(i));
        }
        return b.length() == 0 ? "." : b.toString();
    }
}
