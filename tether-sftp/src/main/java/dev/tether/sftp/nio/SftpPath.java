package dev.tether.sftp.nio;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * A path on an SFTP server: a {@code /}-separated string as the server sees it (SFTP paths are
 * POSIX-style whatever the server's OS). Repeated and trailing slashes are dropped; {@code .}
 * and {@code ..} stay until {@link #normalize}. Relative paths are relative to the session's
 * start directory ({@link #toAbsolutePath}).
 *
 * <p>Immutable and thread-safe.
 */
public final class SftpPath implements Path {
    private static final String[] NONE = new String[0];

    private final SftpFileSystem fs;
    private final String path;
    private final String[] names;

    SftpPath(SftpFileSystem fs, String path) {
        this.fs = fs;
        if (path.indexOf('\0') >= 0) {
            throw new java.nio.file.InvalidPathException(path, "NUL character");
        }
        boolean abs = path.startsWith("/");
        List<String> parts = new ArrayList<>();
        for (String p : path.split("/")) {
            if (!p.isEmpty()) {
                parts.add(p);
            }
        }
        this.names = parts.toArray(NONE);
        this.path = (abs ? "/" : "") + String.join("/", parts);
    }

    private SftpPath(SftpFileSystem fs, boolean absolute, String[] names) {
        this.fs = fs;
        this.names = names;
        this.path = (absolute ? "/" : "") + String.join("/", names);
    }

    private static SftpPath check(Path other) {
        if (!(other instanceof SftpPath p)) {
            throw new ProviderMismatchException(String.valueOf(other));
        }
        return p;
    }

    /** The path as sent to the server. */
    String remote() {
        return path.isEmpty() ? "." : path;
    }

    @Override
    public SftpFileSystem getFileSystem() {
        return fs;
    }

    @Override
    public boolean isAbsolute() {
        return path.startsWith("/");
    }

    @Override
    public SftpPath getRoot() {
        return isAbsolute() ? new SftpPath(fs, true, NONE) : null;
    }

    @Override
    public SftpPath getFileName() {
        if (names.length == 0) {
            return path.isEmpty() ? this : null;
        }
        return new SftpPath(fs, false, new String[] {names[names.length - 1]});
    }

    @Override
    public SftpPath getParent() {
        if (names.length == 0 || (names.length == 1 && !isAbsolute())) {
            return null;
        }
        return new SftpPath(fs, isAbsolute(), Arrays.copyOf(names, names.length - 1));
    }

    @Override
    public int getNameCount() {
        return path.isEmpty() ? 1 : names.length;
    }

    @Override
    public SftpPath getName(int index) {
        if (path.isEmpty() && index == 0) {
            return this;
        }
        Objects.checkIndex(index, names.length);
        return new SftpPath(fs, false, new String[] {names[index]});
    }

    @Override
    public SftpPath subpath(int beginIndex, int endIndex) {
        if (beginIndex < 0 || endIndex > names.length || beginIndex >= endIndex) {
            throw new IllegalArgumentException("subpath(" + beginIndex + ", " + endIndex + ") of " + names.length + " names");
        }
        return new SftpPath(fs, false, Arrays.copyOfRange(names, beginIndex, endIndex));
    }

    @Override
    public boolean startsWith(Path other) {
        if (!(other instanceof SftpPath o) || o.fs != fs || o.isAbsolute() != isAbsolute() || o.names.length > names.length) {
            return false;
        }
        if (o.path.isEmpty()) {
            return path.isEmpty();
        }
        for (int i = 0; i < o.names.length; i++) {
            if (!o.names[i].equals(names[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean endsWith(Path other) {
        if (!(other instanceof SftpPath o) || o.fs != fs || o.names.length > names.length) {
            return false;
        }
        if (o.isAbsolute()) {
            return o.equals(this);
        }
        if (o.path.isEmpty()) {
            return path.isEmpty();
        }
        int off = names.length - o.names.length;
        for (int i = 0; i < o.names.length; i++) {
            if (!o.names[i].equals(names[off + i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public SftpPath normalize() {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (n.equals(".")) {
                continue;
            }
            if (n.equals("..")) {
                if (!out.isEmpty() && !out.get(out.size() - 1).equals("..")) {
                    out.remove(out.size() - 1);
                    continue;
                }
                if (isAbsolute()) {
                    continue; // /.. is /
                }
            }
            out.add(n);
        }
        return new SftpPath(fs, isAbsolute(), out.toArray(NONE));
    }

    @Override
    public SftpPath resolve(Path other) {
        SftpPath o = check(other);
        if (o.isAbsolute()) {
            return o;
        }
        if (o.path.isEmpty()) {
            return this;
        }
        if (path.isEmpty()) {
            return o;
        }
        String[] both = Arrays.copyOf(names, names.length + o.names.length);
        System.arraycopy(o.names, 0, both, names.length, o.names.length);
        return new SftpPath(fs, isAbsolute(), both);
    }

    @Override
    public SftpPath resolve(String other) {
        return resolve(new SftpPath(fs, other));
    }

    @Override
    public SftpPath resolveSibling(String other) {
        return (SftpPath) resolveSibling(new SftpPath(fs, other));
    }

    @Override
    public SftpPath relativize(Path other) {
        SftpPath o = check(other);
        if (o.isAbsolute() != isAbsolute()) {
            throw new IllegalArgumentException("'" + o + "' cannot be relativized against '" + this + "': one is absolute, the other not");
        }
        if (equals(o)) {
            return new SftpPath(fs, false, NONE);
        }
        String[] a = path.isEmpty() ? NONE : names;
        String[] b = o.path.isEmpty() ? NONE : o.names;
        int common = 0;
        while (common < a.length && common < b.length && a[common].equals(b[common])) {
            common++;
        }
        List<String> out = new ArrayList<>();
        for (int i = common; i < a.length; i++) {
            out.add("..");
        }
        out.addAll(Arrays.asList(b).subList(common, b.length));
        return new SftpPath(fs, false, out.toArray(NONE));
    }

    @Override
    public URI toUri() {
        SftpPath abs = toAbsolutePath();
        try {
            return new URI("sftp", fs.user(), fs.host(), fs.port(), abs.path, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Absolute against the session's start directory (asked of the server once per file system). */
    @Override
    public SftpPath toAbsolutePath() {
        if (isAbsolute()) {
            return this;
        }
        try {
            return fs.home().resolve(this);
        } catch (IOException e) {
            throw new java.io.IOError(e);
        }
    }

    @Override
    public SftpPath toRealPath(LinkOption... options) throws IOException {
        SftpPath abs = toAbsolutePath();
        if (Arrays.asList(options).contains(LinkOption.NOFOLLOW_LINKS)) {
            SftpPath n = abs.normalize();
            fs.client().lstat(n.remote());
            return n;
        }
        fs.client().stat(abs.remote());
        return new SftpPath(fs, fs.client().realpath(abs.remote()));
    }

    @Override
    public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
        throw new UnsupportedOperationException("SFTP has no change notification");
    }

    @Override
    public Iterator<Path> iterator() {
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < getNameCount(); i++) {
            out.add(getName(i));
        }
        return out.iterator();
    }

    @Override
    public int compareTo(Path other) {
        return path.compareTo(check(other).path);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SftpPath p && p.fs == fs && p.path.equals(path);
    }

    @Override
    public int hashCode() {
        return path.hashCode();
    }

    @Override
    public String toString() {
        return path;
    }
}
