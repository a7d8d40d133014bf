package dev.tether.sftp.nio;

import dev.tether.sftp.SftpAttributes;
import dev.tether.sftp.SftpClient;
import dev.tether.ssh.Transport;
import java.io.IOException;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchService;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One SFTP server as a {@link FileSystem}: one SSH connection and one {@link SftpClient} on it,
 * both closed with the file system (the connection only if the file system owns it; see
 * {@link SftpFileSystemProvider}). Paths are {@link SftpPath}s; relative ones are relative to the
 * session's start directory.
 *
 * <p><b>Threading.</b> Thread-safe: the client multiplexes requests from any number of threads.
 * {@link #close} does not wait for the server; operations still running fail.
 */
public final class SftpFileSystem extends FileSystem {
    private final SftpFileSystemProvider provider;
    private final String key;
    private final String user;
    private final String host;
    private final int port;
    private final Transport transport;
    private final boolean ownsTransport;
    private final SftpClient client;
    private final Map<Long, String> userNames = new ConcurrentHashMap<>();
    private final Map<Long, String> groupNames = new ConcurrentHashMap<>();
    private volatile SftpPath home;
    private volatile SftpAttributes homeAttrs;
    private volatile boolean open = true;

    SftpFileSystem(SftpFileSystemProvider provider, String key, String user, String host, int port, Transport transport,
                   boolean ownsTransport, SftpClient client) {
        this.provider = provider;
        this.key = key;
        this.user = user;
        this.host = host;
        this.port = port;
        this.transport = transport;
        this.ownsTransport = ownsTransport;
        this.client = client;
    }

    /**
     * The SFTP client under this file system, for what NIO cannot say (transfers with resume, extensions).
     *
     * @return the client
     * @throws java.nio.file.ClosedFileSystemException if the file system is closed
     */
    public SftpClient client() {
        if (!open) {
            throw new ClosedFileSystemException();
        }
        return client;
    }

    /** The connection (for tests). */
    Transport transport() {
        return transport;
    }

    String key() {
        return key;
    }

    String user() {
        return user;
    }

    String host() {
        return host;
    }

    int port() {
        return port;
    }

    /** The session's start directory, asked once. */
    SftpPath home() throws IOException {
        SftpPath h = home;
        if (h == null) {
            h = new SftpPath(this, client().home());
            home = h;
        }
        return h;
    }

    /** The start directory's attributes, taken as "who we are" by {@code checkAccess} (asked once). */
    SftpAttributes homeAttributes() throws IOException {
        SftpAttributes a = homeAttrs;
        if (a == null) {
            a = client().stat(home().remote());
            homeAttrs = a;
        }
        return a;
    }

    /** A user's name from the server where it offers {@code users-groups-by-id@openssh.com}, else the number. */
    UserPrincipal owner(long uid, long gid) {
        return new SftpPrincipal(nameOf(uid, gid, true), uid, false);
    }

    GroupPrincipal group(long uid, long gid) {
        return new SftpPrincipal(nameOf(uid, gid, false), gid, true);
    }

    private String nameOf(long uid, long gid, boolean wantUser) {
        long id = wantUser ? uid : gid;
        if (id < 0) {
            return "";
        }
        Map<Long, String> cache = wantUser ? userNames : groupNames;
        String n = cache.get(id);
        if (n != null) {
            return n;
        }
        String[] both = null;
        try {
            both = client().namesById((int) Math.max(uid, 0), (int) Math.max(gid, 0));
        } catch (IOException | RuntimeException e) {
            // no names: numbers it is
        }
        String u = both != null && both[0] != null && uid >= 0 ? both[0] : Long.toString(uid);
        String g = both != null && both[1] != null && gid >= 0 ? both[1] : Long.toString(gid);
        if (uid >= 0) {
            userNames.put(uid, u);
        }
        if (gid >= 0) {
            groupNames.put(gid, g);
        }
        return wantUser ? u : g;
    }

    /** A user or group: its name (or number) and numeric id. */
    record SftpPrincipal(String name, long id, boolean isGroup) implements GroupPrincipal {
        @Override
        public String getName() {
            return name;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    @Override
    public SftpFileSystemProvider provider() {
        return provider;
    }

    @Override
    public void close() {
        if (!open) {
            return;
        }
        open = false;
        provider.removed(this);
        client.close();
        if (ownsTransport) {
            transport.close();
        }
    }

    @Override
    public boolean isOpen() {
        return open && !client.isClosed();
    }

    @Override
    public boolean isReadOnly() {
        return false;
    }

    @Override
    public String getSeparator() {
        return "/";
    }

    @Override
    public Iterable<Path> getRootDirectories() {
        return List.of(new SftpPath(this, "/"));
    }

    @Override
    public Iterable<FileStore> getFileStores() {
        return List.of(new SftpFileStore(new SftpPath(this, "/")));
    }

    @Override
    public Set<String> supportedFileAttributeViews() {
        return Set.of("basic", "posix", "owner");
    }

    @Override
    public SftpPath getPath(String first, String... more) {
        if (more.length == 0) {
            return new SftpPath(this, first);
        }
        StringBuilder b = new StringBuilder(first);
        for (String m : more) {
            if (!m.isEmpty()) {
                if (b.length() > 0) {
                    b.append('/');
                }
                b.append(m);
            }
        }
        return new SftpPath(this, b.toString());
    }

    /** {@code glob:} and {@code regex:} as the default (Unix) file system reads them, on the path's string. */
    @Override
    public PathMatcher getPathMatcher(String syntaxAndPattern) {
        PathMatcher m = FileSystems.getDefault().getPathMatcher(syntaxAndPattern);
        return p -> m.matches(Path.of(p.toString()));
    }

    /** Looks up numeric ids only ({@code "1000"}); SFTP version 3 cannot look up names. */
    @Override
    public UserPrincipalLookupService getUserPrincipalLookupService() {
        return new UserPrincipalLookupService() {
            @Override
            public UserPrincipal lookupPrincipalByName(String name) throws IOException {
                return new SftpPrincipal(name, parse(name), false);
            }

            @Override
            public GroupPrincipal lookupPrincipalByGroupName(String group) throws IOException {
                return new SftpPrincipal(group, parse(group), true);
            }

            private long parse(String name) throws UserPrincipalNotFoundException {
                try {
                    return Long.parseLong(name);
                } catch (NumberFormatException e) {
                    throw new UserPrincipalNotFoundException(name);
                }
            }
        };
    }

    @Override
    public WatchService newWatchService() {
        throw new UnsupportedOperationException("SFTP has no change notification");
    }

    @Override
    public String toString() {
        return "sftp://" + key;
    }
}
