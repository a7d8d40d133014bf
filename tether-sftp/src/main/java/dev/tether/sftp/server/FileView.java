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
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The security boundary of the SFTP and SCP servers: the one place a client's path becomes a
 * {@link Path}. Everything that touches a file goes through {@link #resolve} or the opening
 * methods here.
 *
 * <p>On a {@linkplain SftpRoot#jailed() jail}, resolution never lets the operating system
 * interpret a path: each component is looked up with {@code NOFOLLOW_LINKS}, a symbolic link's
 * target is read and resolved again inside the jail (an absolute target starts over at the jail's
 * {@code /}, {@code ..} stops there), and the result has no symbolic link left in it. Opening then
 * walks that result with {@link SecureDirectoryStream} ({@code openat} with {@code O_NOFOLLOW}), so
 * a directory swapped for a symbolic link between the check and the open fails to open instead of
 * leading out; the open is retried once from a fresh resolution. Outside a jail the path is passed
 * to the file system as the client sent it, as OpenSSH's sftp-server does.
 *
 * <p>Stateless apart from the root; thread-safe.
 */
public final class FileView {
    private static final int MAX_LINKS = 40;
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

    /** Opens a file (OPEN, SCP); in a jail through the race-free walk. */
    public SeekableByteChannel open(String clientPath, Set<? extends OpenOption> options, FileAttribute<?>... attrs) throws IOException {
        if (!jailed) {
            return Files.newByteChannel(resolve(clientPath, true), options, attrs);
        }
        Set<OpenOption> opts = new HashSet<>(options);
        opts.add(LinkOption.NOFOLLOW_LINKS);
        return walk(clientPath, true, (dir, name, path) -> dir != null ? dir.newByteChannel(name, opts, attrs)
                : openChannel(path, opts, attrs));
    }

    /**
     * Opens a file by its path. A provider that rejects {@code NOFOLLOW_LINKS} as an open option
     * (zipfs: it has no links) is asked again without it.
     */
    private static SeekableByteChannel openChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        try {
            return Files.newByteChannel(path, options, attrs);
        } catch (IllegalArgumentException e) {
            if (!options.contains(LinkOption.NOFOLLOW_LINKS)) {
                throw e;
            }
            Set<OpenOption> without = new HashSet<>(options);
            without.remove(LinkOption.NOFOLLOW_LINKS);
            return Files.newByteChannel(path, without, attrs);
        }
    }

    /** Opens a directory for listing (OPENDIR, SCP's -r source). */
    public DirectoryStream<Path> openDirectory(String clientPath) throws IOException {
        if (!jailed) {
            return Files.newDirectoryStream(resolve(clientPath, true));
        }
        return walk(clientPath, true, (dir, name, path) -> dir != null ? dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)
                : Files.newDirectoryStream(path));
    }

    @FunctionalInterface
    private interface AtParent<T> {
        /** {@code dir} is the parent opened race-free, or null where the file system has no secure directory streams. */
        T apply(SecureDirectoryStream<Path> dir, Path name, Path path) throws IOException;
    }

    private <T> T walk(String clientPath, boolean followFinal, AtParent<T> op) throws IOException {
        IOException first = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            List<String> c = components(clientPath, followFinal);
            Path path = base.resolve(String.join("/", c));
            if (c.isEmpty()) {
                // the jail's root itself
                return op.apply(null, null, path);
            }
            try (DirectoryStream<Path> top = Files.newDirectoryStream(base)) {
                if (!(top instanceof SecureDirectoryStream)) {
                    return op.apply(null, null, path);
                }
                List<SecureDirectoryStream<Path>> chain = new ArrayList<>();
                try {
                    SecureDirectoryStream<Path> dir = (SecureDirectoryStream<Path>) top;
                    for (int i = 0; i < c.size() - 1; i++) {
                        dir = (SecureDirectoryStream<Path>) dir.newDirectoryStream(base.getFileSystem().getPath(c.get(i)),
                                LinkOption.NOFOLLOW_LINKS);
                        chain.add(dir);
                    }
                    return op.apply(dir, base.getFileSystem().getPath(c.get(c.size() - 1)), path);
                } finally {
                    for (SecureDirectoryStream<Path> d : chain) {
                        d.close();
                    }
                }
            } catch (FileSystemLoopException | NotDirectoryException e) {
                first = e;
            } catch (FileSystemException e) {
                // ELOOP from O_NOFOLLOW: a component became a symbolic link after it was resolved
                String reason = e.getReason();
                if (reason == null || !reason.toLowerCase(java.util.Locale.ROOT).contains("symbolic link")) {
                    throw e;
                }
                first = e;
            }
        }
        throw new AccessDeniedException(clientPath, null, "the path changed while it was opened ("
                + (first == null ? "" : first.getMessage()) + ")");
    }

    /**
     * The target to store for a link the client creates. In a jail an absolute target, or one
     * that climbs above the jail, is rewritten relative to the link's directory, so that the link
     * points inside the jail for every reader of the disk; elsewhere the target is kept as sent.
     */
    public String linkTarget(String linkClientPath, String target) {
        if (!jailed) {
            return target;
        }
        String linkAbs = normalize(absolute(linkClientPath));
        String linkDir = linkAbs.substring(0, Math.max(1, linkAbs.lastIndexOf('/')));
        if (!target.startsWith("/") && !climbsAbove(linkDir, target)) {
            return target;
        }
        String targetAbs = normalize(target.startsWith("/") ? target : linkDir + "/" + target);
        // relative path from linkDir to targetAbs
        String[] from = linkDir.equals("/") ? new String[0] : linkDir.substring(1).split("/");
        String[] to = targetAbs.equals("/") ? new String[0] : targetAbs.substring(1).split("/");
        int common = 0;
        while (common < from.length && common < to.length && from[common].equals(to[common])) {
            common++;
        }
        StringBuilder b = new StringBuilder();
        for (int i = common; i < from.length; i++) {
            b.append(b.length() == 0 ? "" : "/").append("..");
        }
        for (int i = common; i < to.length; i++) {
            b.append(b.length() == 0 ? "" : "/").append(to[i]);
        }
        return b.length() == 0 ? "." : b.toString();
    }

    private static boolean climbsAbove(String dir, String relative) {
        int depth = dir.equals("/") ? 0 : dir.substring(1).split("/").length;
        for (String s : relative.split("/")) {
            if (s.equals("..")) {
                if (--depth < 0) {
                    return true;
                }
            } else if (!s.isEmpty() && !s.equals(".")) {
                depth++;
            }
        }
        return false;
    }

    /** Lexical normalization of an absolute client path. */
    public static String normalize(String abs) {
        Deque<String> out = new ArrayDeque<>();
        for (String s : abs.split("/")) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                out.pollLast();
            } else {
                out.addLast(s);
            }
        }
        return "/" + String.join("/", out);
    }
}
