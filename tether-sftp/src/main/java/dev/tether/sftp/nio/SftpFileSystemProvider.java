package dev.tether.sftp.nio;

import dev.tether.sftp.SftpAttributes;
import dev.tether.sftp.SftpClient;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.AuthenticationException;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.KnownHostsVerifier;
import dev.tether.ssh.keys.OpenSshKeyFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.spi.FileSystemProvider;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code sftp} scheme: {@code sftp://user@host:port/path} on Tether's {@link SftpClient}.
 *
 * <pre>{@code
 * Map<String, Object> env = Map.of(
 *         "identity", Path.of(System.getProperty("user.home"), ".ssh/id_ed25519"),
 *         "knownHosts", Path.of(System.getProperty("user.home"), ".ssh/known_hosts"));
 * try (FileSystem fs = FileSystems.newFileSystem(URI.create("sftp://alice@example.org/"), env)) {
 *     Files.copy(fs.getPath("/var/log/app.log"), Path.of("app.log"));
 * }
 * }</pre>
 *
 * <p>One open file system per {@code user@host:port}. The environment of
 * {@link #newFileSystem(URI, Map)} (unknown keys are an error):
 * <ul>
 *   <li>{@code "transport"}: an authenticated client {@link Transport} to use; the file system
 *       closes it only if {@code "ownsTransport"} is {@code true}. Or the provider connects,
 *       which needs:</li>
 *   <li>host key verification, required: {@code "knownHosts"} (a {@link Path} or string: a
 *       known_hosts file, checked strictly, as {@code StrictHostKeyChecking yes}) or
 *       {@code "hostKeyVerifier"} (a {@link HostKeyVerifier}). There is no accept-all default.</li>
 *   <li>credentials, at least one: {@code "identity"} (a {@link Path} or string: an OpenSSH
 *       private key file, with {@code "passphrase"} (a string or {@code char[]}) if encrypted),
 *       {@code "password"} (a string); the key is tried first.</li>
 *   <li>{@code "user"}: the user name where the URI has none (default: {@code user.name}).</li>
 *   <li>{@code "timeout"}: a {@link Duration}, the connect/handshake deadline and every SFTP
 *       request's (default 60 s).</li>
 * </ul>
 *
 * <p>Streams from {@code Files.newInputStream}/{@code newOutputStream} are pipelined (the
 * client's read-ahead and write-behind), so {@code Files.copy} between this and another file
 * system moves data at the client's transfer speed; {@code Files.copy} within one server uses
 * {@code copy-data} where the server has it.
 *
 * <p><b>Threading.</b> Thread-safe.
 */
public final class SftpFileSystemProvider extends FileSystemProvider {
    private static final Set<String> ENV_KEYS = Set.of("transport", "ownsTransport", "knownHosts", "hostKeyVerifier", "identity",
            "passphrase", "password", "user", "timeout");
    private static final int DEFAULT_FILE_MODE = 0644;
    private static final int DEFAULT_DIR_MODE = 0755;

    private final Map<String, SftpFileSystem> open = new ConcurrentHashMap<>();

    /** Called by the {@link java.util.ServiceLoader}. */
    public SftpFileSystemProvider() {
    }

    @Override
    public String getScheme() {
        return "sftp";
    }

    // ------------------------------------------------------------------ file systems

    private record Authority(String user, String host, int port) {
        String key() {
            return user + "@" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    private Authority authority(URI uri, Map<String, ?> env) {
        if (!"sftp".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("not an sftp URI: " + uri);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("an sftp URI needs a host: " + uri);
        }
        String user = uri.getUserInfo();
        if (user != null && user.indexOf(':') >= 0) {
            throw new IllegalArgumentException("no password in the URI, please: give it as env \"password\" (" + uri.getHost() + ")");
        }
        if (user == null || user.isEmpty()) {
            Object u = env == null ? null : env.get("user");
            user = u != null ? u.toString() : System.getProperty("user.name");
        }
        return new Authority(user, uri.getHost(), uri.getPort() < 0 ? 22 : uri.getPort());
    }

    @Override
    public SftpFileSystem newFileSystem(URI uri, Map<String, ?> env) throws IOException {
        SftpFileSystem existing = open.get(authority(uri, env).key());
        if (existing != null && existing.isOpen()) {
            throw new FileSystemAlreadyExistsException("sftp://" + existing.key());
        }
        Map<String, ?> e = env == null ? Map.of() : env;
        for (String k : e.keySet()) {
            if (!ENV_KEYS.contains(k)) {
                throw new IllegalArgumentException("unknown sftp file system option \"" + k + "\"; known: " + ENV_KEYS);
            }
        }
        Authority a = authority(uri, e);
        Duration timeout = get(e, "timeout", Duration.class);
        if (timeout == null) {
            timeout = SftpClient.DEFAULT_TIMEOUT;
        }
        Transport transport = get(e, "transport", Transport.class);
        boolean owns;
        if (transport != null) {
            for (String k : List.of("knownHosts", "hostKeyVerifier", "identity", "password", "passphrase")) {
                if (e.containsKey(k)) {
                    throw new IllegalArgumentException("\"" + k + "\" makes no sense with \"transport\": the connection is already made");
                }
            }
            if (!transport.isAuthenticated()) {
                throw new IllegalArgumentException("the \"transport\" given is not authenticated");
            }
            Boolean o = get(e, "ownsTransport", Boolean.class);
            owns = o != null && o;
        } else {
            transport = connect(a, e, timeout);
            owns = true;
        }
        SftpFileSystem fs;
        try {
            SftpClient client = SftpClient.open(transport, timeout, false);
            fs = new SftpFileSystem(this, a.key(), a.user(), a.host(), a.port(), transport, owns, client);
        } catch (IOException | RuntimeException ex) {
            if (owns) {
                transport.close();
            }
            throw ex;
        }
        SftpFileSystem before = open.get(a.key());
        if (before != null && !before.isOpen()) {
            before.close(); // its connection died: it makes way
        }
        if (open.putIfAbsent(a.key(), fs) != null) {
            fs.close();
            throw new FileSystemAlreadyExistsException("sftp://" + a.key());
        }
        return fs;
    }

    private static Transport connect(Authority a, Map<String, ?> e, Duration timeout) throws IOException {
        HostKeyVerifier verifier = get(e, "hostKeyVerifier", HostKeyVerifier.class);
        Path knownHosts = path(e, "knownHosts");
        if (verifier != null && knownHosts != null) {
            throw new IllegalArgumentException("give either \"knownHosts\" or \"hostKeyVerifier\", not both");
        }
        if (verifier == null && knownHosts == null) {
            throw new IllegalArgumentException("sftp://" + a.key() + ": no host key verification: give \"knownHosts\" (a known_hosts"
                    + " file) or \"hostKeyVerifier\"; there is no accept-all default");
        }
        if (verifier == null) {
            verifier = KnownHostsVerifier.of(knownHosts, KnownHostsVerifier.Mode.STRICT);
        }
        Path identity = path(e, "identity");
        String password = get(e, "password", String.class);
        if (identity == null && password == null) {
            throw new IllegalArgumentException("sftp://" + a.key() + ": no credentials: give \"identity\" (a private key file)"
                    + " and/or \"password\"");
        }
        KeyPair key = identity == null ? null : readKey(identity, e.get("passphrase"));
        Transport t = Transport.connect(a.host(), a.port(),
                TransportConfig.builder().handshakeTimeout(timeout).sendTimeout(timeout).build(), verifier);
        try {
            List<String> failures = new ArrayList<>();
            if (key != null) {
                attempt(failures, () -> t.authPublickey(a.user(), key));
            }
            if (!t.isAuthenticated() && password != null) {
                attempt(failures, () -> t.authPassword(a.user(), password));
            }
            if (!t.isAuthenticated()) {
                throw new AccessDeniedException("sftp://" + a.key(), null, "authentication failed: " + String.join("; ", failures));
            }
            return t;
        } catch (IOException | RuntimeException ex) {
            t.close();
            throw ex;
        }
    }

    private static KeyPair readKey(Path identity, Object pp) throws IOException {
        char[] passphrase = pp instanceof char[] c ? c : pp != null ? pp.toString().toCharArray() : null;
        return passphrase == null ? OpenSshKeyFile.read(identity) : OpenSshKeyFile.read(identity, passphrase);
    }

    private interface Auth {
        List<String> run() throws IOException;
    }

    /** One authentication method; a refusal (or partial success) is noted, for the message if none succeeds. */
    private static void attempt(List<String> failures, Auth auth) throws IOException {
        try {
            List<String> remaining = auth.run();
            if (!remaining.isEmpty()) {
                failures.add("partial success; the server wants " + remaining);
            }
        } catch (AuthenticationException e) {
            failures.add(e.getMessage());
        }
    }

    private static <T> T get(Map<String, ?> e, String key, Class<T> type) {
        Object v = e.get(key);
        if (v == null) {
            return null;
        }
        if (!type.isInstance(v)) {
            throw new IllegalArgumentException("\"" + key + "\" must be a " + type.getSimpleName() + ", not a " + v.getClass().getName());
        }
        return type.cast(v);
    }

    private static Path path(Map<String, ?> e, String key) {
        Object v = e.get(key);
        if (v == null) {
            return null;
        }
        if (v instanceof Path p) {
            return p;
        }
        if (v instanceof String s) {
            return Path.of(s);
        }
        throw new IllegalArgumentException("\"" + key + "\" must be a Path or a String, not a " + v.getClass().getName());
    }

    void removed(SftpFileSystem fs) {
        open.remove(fs.key(), fs);
    }

    @Override
    public SftpFileSystem getFileSystem(URI uri) {
        SftpFileSystem fs = open.get(authority(uri, null).key());
        if (fs == null) {
            throw new FileSystemNotFoundException(uri.toString());
        }
        return fs;
    }

    @Override
    public SftpPath getPath(URI uri) {
        String p = uri.getPath();
        return getFileSystem(uri).getPath(p == null || p.isEmpty() ? "/" : p);
    }

    // ------------------------------------------------------------------ helpers

    private static SftpPath sftp(Path p) {
        if (!(p instanceof SftpPath s)) {
            throw new ProviderMismatchException(String.valueOf(p));
        }
        return s;
    }

    private static SftpClient client(SftpPath p) {
        return p.getFileSystem().client();
    }

    private static boolean follow(LinkOption... options) {
        return !Arrays.asList(options).contains(LinkOption.NOFOLLOW_LINKS);
    }

    private static boolean follow(CopyOption... options) {
        return !Arrays.asList(options).contains(LinkOption.NOFOLLOW_LINKS);
    }

    /** The mode of a {@code posix:permissions} attribute, or {@code dflt}. */
    @SuppressWarnings("unchecked")
    private static int mode(FileAttribute<?>[] attrs, int dflt) {
        for (FileAttribute<?> a : attrs) {
            if (a.name().equals("posix:permissions") || a.name().equals("unix:permissions")) {
                return SftpFileAttributes.mode((Set<PosixFilePermission>) a.value());
            }
            throw new UnsupportedOperationException("cannot set " + a.name() + " when creating a remote file");
        }
        return dflt;
    }

    private static SftpAttributes statOrNull(SftpClient c, String path) throws IOException {
        try {
            return c.lstat(path);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------ files

    @Override
    public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs) throws IOException {
        SftpPath p = sftp(path);
        Set<OpenOption> opts = new HashSet<>(options);
        boolean append = opts.contains(StandardOpenOption.APPEND);
        boolean write = opts.contains(StandardOpenOption.WRITE) || append;
        boolean read = opts.contains(StandardOpenOption.READ) || !write;
        if (append && opts.contains(StandardOpenOption.READ)) {
            throw new IllegalArgumentException("READ + APPEND not allowed");
        }
        if (append && opts.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
            throw new IllegalArgumentException("APPEND + TRUNCATE_EXISTING not allowed");
        }
        if (!write) {
            opts.remove(StandardOpenOption.CREATE);
            opts.remove(StandardOpenOption.CREATE_NEW);
            opts.remove(StandardOpenOption.TRUNCATE_EXISTING);
        }
        if (read) {
            opts.add(StandardOpenOption.READ);
        }
        if (write) {
            opts.add(StandardOpenOption.WRITE);
        }
        SftpClient c = client(p);
        String remote = p.remote();
        SftpClient.RemoteFile f = c.open(remote, opts, mode(attrs, DEFAULT_FILE_MODE));
        Runnable onClose = null;
        if (opts.contains(StandardOpenOption.DELETE_ON_CLOSE)) {
            onClose = () -> {
                try {
                    c.remove(remote);
                } catch (IOException ignored) {
                    // best effort, as the JDK's
                }
            };
        }
        return new SftpByteChannel(f, read, write, append, onClose);
    }

    /** Pipelined: up to {@value SftpClient#DEFAULT_OUTSTANDING} reads in flight. */
    @Override
    public InputStream newInputStream(Path path, OpenOption... options) throws IOException {
        for (OpenOption o : options) {
            if (o == StandardOpenOption.APPEND || o == StandardOpenOption.WRITE) {
                throw new UnsupportedOperationException("'" + o + "' not allowed");
            }
        }
        SftpPath p = sftp(path);
        return client(p).newInputStream(p.remote());
    }

    /** Pipelined: up to {@value SftpClient#DEFAULT_OUTSTANDING} writes in flight. */
    @Override
    public OutputStream newOutputStream(Path path, OpenOption... options) throws IOException {
        for (OpenOption o : options) {
            if (o == StandardOpenOption.READ) {
                throw new IllegalArgumentException("READ not allowed");
            }
        }
        SftpPath p = sftp(path);
        return client(p).newOutputStream(p.remote(), options);
    }

    @Override
    public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter) throws IOException {
        SftpPath p = sftp(dir);
        return new SftpDirectoryStream(p, client(p).openDirectory(p.remote()), filter);
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
        SftpPath p = sftp(dir);
        client(p).mkdir(p.remote(), mode(attrs, DEFAULT_DIR_MODE));
    }

    @Override
    public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs) throws IOException {
        if (attrs.length > 0) {
            throw new UnsupportedOperationException("symbolic links take no attributes");
        }
        SftpPath l = sftp(link);
        SftpPath t = sftp(target);
        client(l).symlink(l.remote(), t.toString());
    }

    @Override
    public void createLink(Path link, Path existing) throws IOException {
        SftpPath l = sftp(link);
        client(l).hardlink(sftp(existing).remote(), l.remote());
    }

    @Override
    public Path readSymbolicLink(Path link) throws IOException {
        SftpPath l = sftp(link);
        return new SftpPath(l.getFileSystem(), client(l).readlink(l.remote()));
    }

    @Override
    public void delete(Path path) throws IOException {
        SftpPath p = sftp(path);
        SftpClient c = client(p);
        SftpAttributes a = c.lstat(p.remote());
        if (a.isDirectory()) {
            c.rmdir(p.remote());
        } else {
            c.remove(p.remote());
        }
    }

    @Override
    public void copy(Path source, Path target, CopyOption... options) throws IOException {
        SftpPath s = sftp(source);
        SftpPath t = sftp(target);
        if (s.getFileSystem() != t.getFileSystem()) {
            // two servers: through this process, as Files.copy does between providers
            try (InputStream in = newInputStream(s)) {
                prepareTarget(t, options);
                try (OutputStream out = newOutputStream(t, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    in.transferTo(out);
                }
            }
            copyAttributes(s, t, options);
            return;
        }
        SftpClient c = client(s);
        SftpAttributes a = follow(options) ? c.stat(s.remote()) : c.lstat(s.remote());
        if (s.toAbsolutePath().normalize().equals(t.toAbsolutePath().normalize())) {
            return;
        }
        prepareTarget(t, options);
        if (a.isDirectory()) {
            c.mkdir(t.remote(), a.permissions() >= 0 ? a.permissions() & 07777 : DEFAULT_DIR_MODE);
        } else if (a.isSymbolicLink()) {
            c.symlink(t.remote(), c.readlink(s.remote()));
            return;
        } else {
            if (statOrNull(c, t.remote()) != null) {
                throw new FileAlreadyExistsException(t.toString());
            }
            c.copy(s.remote(), t.remote());
        }
        copyAttributes(s, t, options);
    }

    /** Refuses an existing target unless REPLACE_EXISTING, then removes it (a non-empty directory cannot be replaced). */
    private void prepareTarget(SftpPath t, CopyOption... options) throws IOException {
        SftpClient c = client(t);
        SftpAttributes existing = statOrNull(c, t.remote());
        if (existing == null) {
            return;
        }
        if (!Arrays.asList(options).contains(StandardCopyOption.REPLACE_EXISTING)) {
            throw new FileAlreadyExistsException(t.toString());
        }
        if (existing.isDirectory()) {
            c.rmdir(t.remote());
        } else {
            c.remove(t.remote());
        }
    }

    private static void copyAttributes(SftpPath s, SftpPath t, CopyOption... options) throws IOException {
        if (!Arrays.asList(options).contains(StandardCopyOption.COPY_ATTRIBUTES)) {
            return;
        }
        SftpAttributes a = client(s).stat(s.remote());
        SftpClient c = client(t);
        if (a.permissions() >= 0) {
            c.chmod(t.remote(), a.permissions() & 07777);
        }
        if (a.modifiedTime() != null) {
            c.setTimes(t.remote(), a.accessTime() != null ? a.accessTime() : a.modifiedTime(), a.modifiedTime());
        }
    }

    /**
     * A rename. Without {@code REPLACE_EXISTING} an existing target is refused (checked first,
     * then SSH_FXP_RENAME, which never replaces); with it, {@code posix-rename@openssh.com}
     * replaces atomically (without the extension the target is removed first, which is not
     * atomic: {@code ATOMIC_MOVE} with {@code REPLACE_EXISTING} then fails).
     */
    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
        SftpPath s = sftp(source);
        SftpPath t = sftp(target);
        List<CopyOption> opts = Arrays.asList(options);
        boolean replace = opts.contains(StandardCopyOption.REPLACE_EXISTING);
        boolean atomic = opts.contains(StandardCopyOption.ATOMIC_MOVE);
        if (s.getFileSystem() != t.getFileSystem()) {
            if (atomic) {
                throw new AtomicMoveNotSupportedException(s.toString(), t.toString(), "different SFTP servers");
            }
            copy(s, t, options);
            delete(s);
            return;
        }
        SftpClient c = client(s);
        if (replace || atomic) {
            boolean posix = c.extensions().containsKey("posix-rename@openssh.com");
            if (replace && posix) {
                c.rename(s.remote(), t.remote());
                return;
            }
            if (replace) {
                if (atomic) {
                    throw new AtomicMoveNotSupportedException(s.toString(), t.toString(),
                            "the server lacks posix-rename@openssh.com: cannot replace atomically");
                }
                c.lstat(s.remote());
                SftpAttributes existing = statOrNull(c, t.remote());
                if (existing != null) {
                    if (existing.isDirectory()) {
                        c.rmdir(t.remote());
                    } else {
                        c.remove(t.remote());
                    }
                }
                c.rename(s.remote(), t.remote());
                return;
            }
        }
        if (statOrNull(c, t.remote()) != null) {
            if (s.toAbsolutePath().normalize().equals(t.toAbsolutePath().normalize())) {
                return;
            }
            throw new FileAlreadyExistsException(t.toString());
        }
        c.rename(s.remote(), t.remote());
    }

    @Override
    public boolean isSameFile(Path path, Path path2) throws IOException {
        if (path.equals(path2)) {
            return true;
        }
        if (!(path instanceof SftpPath a) || !(path2 instanceof SftpPath b) || a.getFileSystem() != b.getFileSystem()) {
            return false;
        }
        return a.toRealPath().equals(b.toRealPath());
    }

    @Override
    public boolean isHidden(Path path) {
        SftpPath name = sftp(path).getFileName();
        return name != null && name.toString().startsWith(".");
    }

    @Override
    public FileStore getFileStore(Path path) throws IOException {
        SftpPath p = sftp(path);
        client(p).stat(p.remote());
        return new SftpFileStore(p);
    }

    /**
     * Existence by STAT; for READ, WRITE and EXECUTE the mode bits, as owner when the file's uid is
     * that of the session's start directory (taken as the user's), as group likewise by gid, else
     * as others. An approximation: SFTP cannot ask the server's access(2); the server has the last
     * word when the file is used.
     */
    @Override
    public void checkAccess(Path path, AccessMode... modes) throws IOException {
        SftpPath p = sftp(path);
        SftpAttributes a = client(p).stat(p.remote());
        if (modes.length == 0 || a.permissions() < 0) {
            return;
        }
        SftpAttributes me = p.getFileSystem().homeAttributes();
        int shift = a.uid() >= 0 && a.uid() == me.uid() ? 6 : a.gid() >= 0 && a.gid() == me.gid() ? 3 : 0;
        for (AccessMode m : modes) {
            int bit = switch (m) {
                case READ -> 4;
                case WRITE -> 2;
                case EXECUTE -> 1;
            };
            if ((a.permissions() & (bit << shift)) == 0 && !(me.uid() == 0 && m != AccessMode.EXECUTE)) {
                throw new AccessDeniedException(p.toString(), null, "no " + m.name().toLowerCase() + " permission in mode "
                        + Integer.toOctalString(a.permissions() & 07777));
            }
        }
    }

    // ------------------------------------------------------------------ attributes

    @Override
    @SuppressWarnings("unchecked")
    public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
        SftpPath p = sftp(path);
        if (type == BasicFileAttributeView.class) {
            return (V) new SftpFileAttributeView(p, "basic", follow(options));
        }
        if (type == PosixFileAttributeView.class) {
            return (V) new SftpFileAttributeView(p, "posix", follow(options));
        }
        if (type == FileOwnerAttributeView.class) {
            return (V) new SftpFileAttributeView(p, "owner", follow(options));
        }
        return null;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options) throws IOException {
        if (type != BasicFileAttributes.class && type != PosixFileAttributes.class) {
            throw new UnsupportedOperationException("no " + type.getName() + " over SFTP");
        }
        return (A) new SftpFileAttributeView(sftp(path), "posix", follow(options)).readAttributes();
    }

    private static final List<String> BASIC = List.of("lastModifiedTime", "lastAccessTime", "creationTime", "size", "isRegularFile",
            "isDirectory", "isSymbolicLink", "isOther", "fileKey");
    private static final List<String> POSIX = List.of("permissions", "owner", "group");

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options) throws IOException {
        int colon = attributes.indexOf(':');
        String view = colon < 0 ? "basic" : attributes.substring(0, colon);
        String names = colon < 0 ? attributes : attributes.substring(colon + 1);
        List<String> allowed = switch (view) {
            case "basic" -> BASIC;
            case "posix" -> concat(BASIC, POSIX);
            case "owner" -> List.of("owner");
            default -> throw new UnsupportedOperationException("no attribute view '" + view + "' over SFTP");
        };
        List<String> wanted = names.equals("*") ? allowed : Arrays.asList(names.split(","));
        for (String w : wanted) {
            if (!w.equals("*") && !allowed.contains(w)) {
                throw new IllegalArgumentException("'" + w + "' is not an attribute of view '" + view + "'");
            }
        }
        if (wanted.contains("*")) {
            wanted = allowed;
        }
        SftpFileAttributes a = new SftpFileAttributeView(sftp(path), view, follow(options)).readAttributes();
        Map<String, Object> out = new LinkedHashMap<>();
        for (String w : wanted) {
            out.put(w, value(a, w));
        }
        return out;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static Object value(SftpFileAttributes a, String name) {
        return switch (name) {
            case "lastModifiedTime" -> a.lastModifiedTime();
            case "lastAccessTime" -> a.lastAccessTime();
            case "creationTime" -> a.creationTime();
            case "size" -> a.size();
            case "isRegularFile" -> a.isRegularFile();
            case "isDirectory" -> a.isDirectory();
            case "isSymbolicLink" -> a.isSymbolicLink();
            case "isOther" -> a.isOther();
            case "fileKey" -> a.fileKey();
            case "permissions" -> a.permissions();
            case "owner" -> a.owner();
            case "group" -> a.group();
            default -> throw new IllegalArgumentException(name);
        };
    }

    @Override
    @SuppressWarnings("unchecked")
    public void setAttribute(Path path, String attribute, Object value, LinkOption... options) throws IOException {
        int colon = attribute.indexOf(':');
        String view = colon < 0 ? "basic" : attribute.substring(0, colon);
        String name = colon < 0 ? attribute : attribute.substring(colon + 1);
        if (!Set.of("basic", "posix", "owner").contains(view)) {
            throw new UnsupportedOperationException("no attribute view '" + view + "' over SFTP");
        }
        SftpFileAttributeView v = new SftpFileAttributeView(sftp(path), view, follow(options));
        switch (name) {
            case "lastModifiedTime" -> v.setTimes((FileTime) value, null, null);
            case "lastAccessTime" -> v.setTimes(null, (FileTime) value, null);
            case "creationTime" -> {
                // SFTP version 3 has none: ignored, as BasicFileAttributeView.setTimes allows
            }
            case "permissions" -> v.setPermissions((Set<PosixFilePermission>) value);
            case "owner" -> v.setOwner((UserPrincipal) value);
            case "group" -> v.setGroup((GroupPrincipal) value);
            default -> throw new IllegalArgumentException("cannot set '" + attribute + "' over SFTP");
        }
    }

    /** Unsupported: an sftp file system is opened from a URI ({@code FileSystems.newFileSystem(Path)} skips this provider). */
    @Override
    public FileSystem newFileSystem(Path path, Map<String, ?> env) {
        throw new UnsupportedOperationException("an sftp file system is opened from a URI, not a file");
    }
}
