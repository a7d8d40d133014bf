package dev.tether.sftp;

import static dev.tether.sftp.protocol.SftpConstants.*;

import dev.tether.sftp.client.FilesInFlight;
import dev.tether.sftp.client.ReadWindow;
import dev.tether.sftp.client.SftpChannel;
import dev.tether.sftp.client.WriteWindow;
import dev.tether.sftp.protocol.FileAttributes;
import dev.tether.sftp.protocol.SftpExtended;
import dev.tether.sftp.protocol.SftpRequest;
import dev.tether.sftp.protocol.SftpResponse;
import dev.tether.sftp.server.FileStat;
import dev.tether.ssh.Transport;
import dev.tether.ssh.client.SshClient;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * An SFTP client on a Tether connection: one SFTP session, shared by any number of threads
 * (requests are multiplexed by id), with pipelined transfers (up to {@value #DEFAULT_OUTSTANDING}
 * requests of {@value #DEFAULT_BLOCK} bytes in flight, OpenSSH's sftp's defaults, the block size
 * capped by the server's {@code limits@openssh.com}), a deadline on every request, and the
 * server's errors as {@code java.nio.file} exceptions carrying its message.
 *
 * <pre>{@code
 * try (SftpClient sftp = SftpClient.open(transport)) {
 *     sftp.download("/var/log/app.log", Path.of("app.log"), SftpClient.Transfer.DEFAULT);
 *     sftp.mkdir("incoming", 0755);
 *     try (OutputStream out = sftp.newOutputStream("incoming/report.csv")) { ... }
 * }
 * }</pre>
 *
 * <p><b>Threading.</b> Thread-safe. Each call blocks its own thread until its reply (or its
 * deadline); a transfer keeps its own window of requests outstanding. {@link #close} never waits
 * for the server: it closes the session's channel and fails whatever is still waiting. Closing
 * the client leaves the {@link Transport} open unless {@link #open(Transport, Duration, boolean)}
 * was told to own it.
 */
public final class SftpClient implements AutoCloseable {
    /**
     * The default size of each READ and WRITE request, 32 KiB (OpenSSH's sftp's); the server's
     * {@code limits@openssh.com} may lower it, and reads may grow up to 8 times it.
     */
    public static final int DEFAULT_BLOCK = 32 * 1024;
    /** Requests a transfer or stream keeps in flight at most, 64 (OpenSSH's sftp's default). */
    public static final int DEFAULT_OUTSTANDING = 64;
    /** The default deadline of each request, 60 seconds. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private final SftpChannel ch;
    private final Transport transport;
    private final boolean ownsTransport;
    private final Duration timeout;
    private final int readBlock;
    private final int writeBlock;

    private SftpClient(SftpChannel ch, Transport transport, boolean ownsTransport, Duration timeout, int readBlock, int writeBlock) {
        this.ch = ch;
        this.transport = transport;
        this.ownsTransport = ownsTransport;
        this.timeout = timeout;
        this.readBlock = readBlock;
        this.writeBlock = writeBlock;
    }

    /**
     * Opens an SFTP session on an {@link SshClient}'s connection, with a 60 s deadline per
     * request; closing the session leaves the connection open for other work.
     *
     * @param client a connected client
     * @return the session
     * @throws IOException if the server refuses the sftp subsystem or the connection fails
     */
    public static SftpClient open(SshClient client) throws IOException {
        return open(client.transport());
    }

    /**
     * Opens an SFTP session on an authenticated client connection, with a 60 s deadline per request.
     *
     * @param transport an authenticated client connection; closing the session leaves it open
     * @return the session, its version negotiated
     * @throws IOException if the server refuses the {@code sftp} subsystem, answers its INIT wrongly, or the
     *     connection fails
     */
    public static SftpClient open(Transport transport) throws IOException {
        return open(transport, DEFAULT_TIMEOUT, false);
    }

    /**
     * Opens an SFTP session on an authenticated client connection.
     *
     * @param requestTimeout the deadline of every request
     * @param ownsTransport whether {@link #close} also closes the connection
     * @param transport      an authenticated client connection
     * @return the session, its version negotiated
     * @throws IOException if the server refuses the {@code sftp} subsystem, answers its INIT wrongly, or the
     *     connection fails
     */
    public static SftpClient open(Transport transport, Duration requestTimeout, boolean ownsTransport) throws IOException {
        Objects.requireNonNull(requestTimeout);
        Channel channel = transport.openSession();
        SftpChannel ch;
        try {
            ch = SftpChannel.open(channel, requestTimeout);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        int read = DEFAULT_BLOCK;
        int write = DEFAULT_BLOCK;
        if (ch.supports(EXT_LIMITS)) {
            try {
                SftpResponse r = ch.call(id -> extended(id, new SftpExtended.Limits()), requestTimeout);
                if (r instanceof SftpResponse.ExtendedReply x) {
                    SshReader rd = new SshReader(x.payload());
                    rd.uint64(); // max packet length
                    long maxRead = rd.uint64();
                    long maxWrite = rd.uint64();
                    read = (int) Math.max(1024, Math.min(maxRead == 0 ? DEFAULT_BLOCK : maxRead, DEFAULT_BLOCK * 8L));
                    // no larger than OpenSSH's sftp writes: a server's input buffer handles 32 KiB cheaply,
                    // where 255 KiB messages cost OpenSSH's sftp-server a large allocation each (measured)
                    write = (int) Math.max(1024, Math.min(maxWrite == 0 ? DEFAULT_BLOCK : maxWrite, DEFAULT_BLOCK));
                    // OpenSSH's sftp asks for at most 32 KiB unless told more may come; so do we, up to the limits
                    read = Math.min(read, DEFAULT_BLOCK * 8);
                }
            } catch (IOException e) {
                // a server that mis-answers limits gets the defaults
            }
        }
        return new SftpClient(ch, transport, ownsTransport, requestTimeout, read, write);
    }

    /**
     * The data of one WRITE on {@code handle}: the write block, trimmed so that the request fits
     * one channel packet (a 32 KiB block with its header would go as a full packet and a 29-byte
     * one, twice the packets for the server to take apart).
     */
    private int writeBlock(byte[] handle) {
        return ch.writeFitting(handle, writeBlock, 1024);
    }

    private static SftpRequest extended(int id, SftpExtended x) {
        SshWriter w = new SshWriter(64);
        x.encode(w);
        return new SftpRequest.Extended(id, x.name(), w.array(), 0, w.length());
    }

    /**
     * The extensions the server advertised, with their versions.
     *
     * @return the extension names and versions, e.g. {@code posix-rename@openssh.com=1}
     */
    public Map<String, String> extensions() {
        return ch.version().extensions();
    }

    /**
     * The size of each READ request of a transfer (from {@code limits@openssh.com}, at most 256 KiB).
     *
     * @return the block size, in bytes
     */
    public int readBlockSize() {
        return readBlock;
    }

    // ------------------------------------------------------------------ requests

    private SftpResponse call(java.util.function.IntFunction<SftpRequest> make) throws IOException {
        return ch.call(make, timeout);
    }

    /** Turns a non-OK status into the matching exception. */
    static IOException error(String path, SftpResponse.Status s) {
        String msg = s.message() == null || s.message().isEmpty() ? message(s.code()) : s.message();
        switch (s.code()) {
            case SSH_FX_NO_SUCH_FILE:
                return new NoSuchFileException(path, null, msg);
            case SSH_FX_PERMISSION_DENIED:
                return new AccessDeniedException(path, null, msg);
            default:
                return new SftpException(path, s.code(), msg);
        }
    }

    /**
     * An exception refined from the server's status (which rarely says why) by a further look,
     * with the status as its cause: the code and the server's words stay with it.
     */
    private static <E extends IOException> E refined(E e, String path, SftpResponse.Status s) {
        e.initCause(error(path, s));
        return e;
    }

    private static void expectOk(String path, SftpResponse r) throws IOException {
        if (r instanceof SftpResponse.Status s) {
            if (s.code() == SSH_FX_OK) {
                return;
            }
            throw error(path, s);
        }
        throw new SftpException(path, SSH_FX_BAD_MESSAGE, "unexpected reply " + r.getClass().getSimpleName());
    }

    private static <T extends SftpResponse> T expect(String path, SftpResponse r, Class<T> type) throws IOException {
        if (type.isInstance(r)) {
            return type.cast(r);
        }
        if (r instanceof SftpResponse.Status s) {
            throw error(path, s);
        }
        throw new SftpException(path, SSH_FX_BAD_MESSAGE, "unexpected reply " + r.getClass().getSimpleName());
    }

    /**
     * The attributes of a path, following symbolic links (STAT).
     *
     * @param path the remote path
     * @return the attributes the server sent
     * @throws IOException if the server reports an error (e.g. {@link java.nio.file.NoSuchFileException}), the
     *     deadline passes, or the session fails
     */
    public SftpAttributes stat(String path) throws IOException {
        return SftpAttributes.of(expect(path, call(id -> new SftpRequest.PathRequest(SSH_FXP_STAT, id, path)), SftpResponse.Attrs.class).attrs());
    }

    /**
     * The attributes of a link itself.
     *
     * @param path the remote path
     * @return the attributes the server sent
     * @throws IOException if the server reports an error, the deadline passes, or the session fails
     */
    public SftpAttributes lstat(String path) throws IOException {
        return SftpAttributes.of(expect(path, call(id -> new SftpRequest.PathRequest(SSH_FXP_LSTAT, id, path)), SftpResponse.Attrs.class).attrs());
    }

    /**
     * Whether a path exists (following links).
     *
     * @param path the remote path
     * @return false if the server says there is no such file
     * @throws IOException if the server reports another error, the deadline passes, or the session fails
     */
    public boolean exists(String path) throws IOException {
        try {
            stat(path);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /**
     * Sets a path's permission bits (SETSTAT), as {@code chmod}.
     *
     * @param path the remote path
     * @param mode the permission bits; only the low 12 (07777) are sent
     * @throws IOException if the server refuses, the deadline passes, or the session fails
     */
    public void chmod(String path, int mode) throws IOException {
        setAttrs(path, FileAttributes.EMPTY.withPermissions(mode & 07777));
    }

    /**
     * Sets a path's access and modification times (SETSTAT), to the second.
     *
     * @param path         the remote path
     * @param accessTime   the access time
     * @param modifiedTime the modification time
     * @throws IOException if the server refuses, the deadline passes, or the session fails
     */
    public void setTimes(String path, Instant accessTime, Instant modifiedTime) throws IOException {
        setAttrs(path, FileAttributes.EMPTY.withTimes(accessTime.getEpochSecond(), modifiedTime.getEpochSecond()));
    }

    /**
     * Sets a path's owner and group by numeric id (SETSTAT), as {@code chown}.
     *
     * @param path the remote path
     * @param uid  the user id
     * @param gid  the group id
     * @throws IOException if the server refuses, the deadline passes, or the session fails
     */
    public void chown(String path, int uid, int gid) throws IOException {
        setAttrs(path, FileAttributes.EMPTY.withOwner(uid, gid));
    }

    /**
     * Sets a symbolic link's own times ({@code lsetstat@openssh.com}); without the extension,
     * SSH_FX_OP_UNSUPPORTED.
     *
     * @param path         the link's path
     * @param accessTime   the access time
     * @param modifiedTime the modification time
     * @throws IOException if the extension is missing or the server refuses, the deadline passes, or the session
     *     fails
     */
    public void setLinkTimes(String path, Instant accessTime, Instant modifiedTime) throws IOException {
        FileAttributes a = FileAttributes.EMPTY.withTimes(accessTime.getEpochSecond(), modifiedTime.getEpochSecond());
        setLinkAttrs(path, a);
    }

    /**
     * {@link #chmod} on a symbolic link itself ({@code lsetstat@openssh.com}, as {@code sftp chmod -h}).
     *
     * @param path the link's path
     * @param mode the permission bits; only the low 12 are sent
     * @throws IOException if the extension is missing or the server refuses, the deadline passes, or the session
     *     fails
     */
    public void chmodLink(String path, int mode) throws IOException {
        setLinkAttrs(path, FileAttributes.EMPTY.withPermissions(mode & 07777));
    }

    /**
     * {@link #chown} on a symbolic link itself ({@code lsetstat@openssh.com}, as {@code sftp chown -h}).
     *
     * @param path the link's path
     * @param uid  the user id
     * @param gid  the group id
     * @throws IOException if the extension is missing or the server refuses, the deadline passes, or the session
     *     fails
     */
    public void chownLink(String path, int uid, int gid) throws IOException {
        setLinkAttrs(path, FileAttributes.EMPTY.withOwner(uid, gid));
    }

    private void setLinkAttrs(String path, FileAttributes a) throws IOException {
        requireExtension(EXT_LSETSTAT, path);
        expectOk(path, call(id -> extended(id, new SftpExtended.Lsetstat(path, a))));
    }

    /**
     * User and group names for numeric ids, in order ({@code users-groups-by-id@openssh.com}); unknown ids map to "".
     *
     * @param users  the user names, one per uid asked for
     * @param groups the group names, one per gid asked for
     */
    public record IdNames(List<String> users, List<String> groups) {
    }

    /**
     * Looks names up on the server; without the extension every name is "".
     *
     * @param uids the user ids
     * @param gids the group ids
     * @return the names, in the order of the ids
     * @throws IOException if the server refuses, the deadline passes, or the session fails
     */
    public IdNames names(int[] uids, int[] gids) throws IOException {
        if (!ch.supports(EXT_USERS_GROUPS_BY_ID)) {
            return new IdNames(Collections.nCopies(uids.length, ""), Collections.nCopies(gids.length, ""));
        }
        SftpResponse.ExtendedReply x = expect("users-groups-by-id", call(id -> extended(id, new SftpExtended.UsersGroupsById(uids, gids))),
                SftpResponse.ExtendedReply.class);
        SshReader r = new SshReader(x.payload());
        return new IdNames(strings(new SshReader(r.string()), uids.length), strings(new SshReader(r.string()), gids.length));
    }

    private static List<String> strings(SshReader r, int n) throws IOException {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(SftpRequest.text(r));
        }
        return List.copyOf(out);
    }

    /**
     * Truncates or extends a file (SETSTAT with a size).
     *
     * @param path the remote file
     * @param size the new size
     * @throws IOException if the server refuses, the deadline passes, or the session fails
     */
    public void truncate(String path, long size) throws IOException {
        setAttrs(path, FileAttributes.EMPTY.withSize(size));
    }

    private void setAttrs(String path, FileAttributes a) throws IOException {
        expectOk(path, call(id -> new SftpRequest.PathAttrs(SSH_FXP_SETSTAT, id, path, a)));
    }

    /**
     * Creates a directory; an existing one is a {@link FileAlreadyExistsException}.
     *
     * @param path the directory to create
     * @param mode its permission bits (low 12 sent)
     * @throws IOException if it exists, the server refuses, the deadline passes, or the session fails
     */
    public void mkdir(String path, int mode) throws IOException {
        SftpResponse r = call(id -> new SftpRequest.PathAttrs(SSH_FXP_MKDIR, id, path, FileAttributes.EMPTY.withPermissions(mode & 07777)));
        if (r instanceof SftpResponse.Status s && s.code() == SSH_FX_FAILURE && existsQuietly(path)) {
            throw refined(new FileAlreadyExistsException(path, null, s.message()), path, s);
        }
        expectOk(path, r);
    }

    /**
     * Creates a directory and its missing parents.
     *
     * @param path the directory to create, absolute or relative to the session's start directory
     * @param mode the permission bits of each directory created (low 12 sent)
     * @throws IOException if a path component is not a directory, the server refuses, the deadline passes, or the
     *     session fails
     */
    public void mkdirs(String path, int mode) throws IOException {
        String abs = path.startsWith("/") ? path : realpath(".") + "/" + path;
        StringBuilder cur = new StringBuilder();
        for (String part : abs.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            cur.append('/').append(part);
            String p = cur.toString();
            try {
                SftpAttributes a = stat(p);
                if (!a.isDirectory()) {
                    throw new FileAlreadyExistsException(p, null, "not a directory");
                }
            } catch (NoSuchFileException e) {
                try {
                    mkdir(p, mode);
                } catch (FileAlreadyExistsException raced) {
                    // made by someone else meanwhile
                }
            }
        }
    }

    private boolean existsQuietly(String path) {
        try {
            lstat(path);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Removes an empty directory; a non-empty one is a {@link DirectoryNotEmptyException}, a file
     * or link a {@link NotDirectoryException}.
     *
     * @param path the directory to remove
     * @throws IOException if it is not empty or not a directory, the server refuses, the deadline passes, or the
     *     session fails
     */
    public void rmdir(String path) throws IOException {
        SftpResponse r = call(id -> new SftpRequest.PathRequest(SSH_FXP_RMDIR, id, path));
        // ENOTDIR reaches the client as SSH_FX_NO_SUCH_FILE from OpenSSH (errno_to_portable) and Tether
        if (r instanceof SftpResponse.Status s && (s.code() == SSH_FX_FAILURE || s.code() == SSH_FX_NO_SUCH_FILE)) {
            try {
                SftpAttributes a = lstat(path);
                if (!a.isDirectory()) {
                    throw refined(new NotDirectoryException(path), path, s);
                }
                if (s.code() == SSH_FX_FAILURE) {
                    throw refined(new DirectoryNotEmptyException(path), path, s);
                }
            } catch (NoSuchFileException gone) {
                // fall through to the server's status
            }
        }
        expectOk(path, r);
    }

    /**
     * Removes a file or link.
     *
     * @param path the file or link to remove
     * @throws IOException if the server refuses (e.g. {@link java.nio.file.NoSuchFileException}), the deadline
     *     passes, or the session fails
     */
    public void remove(String path) throws IOException {
        expectOk(path, call(id -> new SftpRequest.PathRequest(SSH_FXP_REMOVE, id, path)));
    }

    /**
     * Renames, replacing an existing target atomically where the server offers
     * {@code posix-rename@openssh.com}; otherwise SSH_FXP_RENAME, which never replaces (an
     * existing target is a {@link FileAlreadyExistsException}).
     *
     * @param from the path to rename
     * @param to   the new path
     * @throws IOException if the server refuses, the deadline passes, or the session fails
     */
    public void rename(String from, String to) throws IOException {
        if (ch.supports(EXT_POSIX_RENAME)) {
            expectOk(from, call(id -> extended(id, new SftpExtended.PosixRename(from, to))));
            return;
        }
        SftpResponse r = call(id -> new SftpRequest.Rename(id, from, to));
        if (r instanceof SftpResponse.Status s && s.code() == SSH_FX_FAILURE && existsQuietly(to)) {
            throw refined(new FileAlreadyExistsException(to, null, s.message()), to, s);
        }
        expectOk(from, r);
    }

    /**
     * Creates a symbolic link {@code link} pointing at {@code target} (sent in OpenSSH's order).
     *
     * @param link   the path of the link to create
     * @param target what the link points at, stored as given
     * @throws IOException if the server refuses, the deadline passes, or the session fails
     */
    public void symlink(String link, String target) throws IOException {
        SftpResponse r = call(id -> new SftpRequest.Symlink(id, target, link));
        if (r instanceof SftpResponse.Status s && s.code() == SSH_FX_FAILURE && existsQuietly(link)) {
            throw refined(new FileAlreadyExistsException(link, null, s.message()), link, s);
        }
        expectOk(link, r);
    }

    /**
     * The target of a symbolic link (READLINK), as stored.
     *
     * @param path the link's path
     * @return the link's target
     * @throws IOException if the path is not a link, the server refuses, the deadline passes, or the session fails
     */
    public String readlink(String path) throws IOException {
        return single(path, call(id -> new SftpRequest.PathRequest(SSH_FXP_READLINK, id, path)));
    }

    /**
     * A hard link ({@code hardlink@openssh.com}); unsupported without the extension.
     *
     * @param existing the existing file
     * @param link     the path of the new link
     * @throws IOException if the extension is missing or the server refuses, the deadline passes, or the session
     *     fails
     */
    public void hardlink(String existing, String link) throws IOException {
        requireExtension(EXT_HARDLINK, link);
        SftpResponse r = call(id -> extended(id, new SftpExtended.Hardlink(existing, link)));
        if (r instanceof SftpResponse.Status s && s.code() == SSH_FX_FAILURE && existsQuietly(link)) {
            throw refined(new FileAlreadyExistsException(link, null, s.message()), link, s);
        }
        expectOk(link, r);
    }

    private void requireExtension(String name, String path) throws IOException {
        if (!ch.supports(name)) {
            throw new SftpException(path, SSH_FX_OP_UNSUPPORTED, "the server does not offer " + name);
        }
    }

    /**
     * The canonical absolute form of a path.
     *
     * @param path the path, absolute or relative
     * @return the server's canonical absolute path
     * @throws IOException if the server refuses, the deadline passes, or the session fails
     */
    public String realpath(String path) throws IOException {
        return single(path, call(id -> new SftpRequest.PathRequest(SSH_FXP_REALPATH, id, path)));
    }

    /**
     * The session's start directory ({@code home-directory} where offered, else REALPATH of {@code .}).
     *
     * @return the absolute path of the start directory
     * @throws IOException if the server refuses, the deadline passes, or the session fails
     */
    public String home() throws IOException {
        return realpath(".");
    }

    /**
     * {@code ~}, {@code ~/x} and relative paths expanded by the server ({@code expand-path@openssh.com}; without it,
     * REALPATH).
     *
     * @param path the path to expand
     * @return the server's absolute path
     * @throws IOException if the server refuses, the deadline passes, or the session fails
     */
    public String expandPath(String path) throws IOException {
        if (ch.supports(EXT_EXPAND_PATH)) {
            return single(path, call(id -> extended(id, new SftpExtended.ExpandPath(path))));
        }
        if (path.equals("~")) {
            return home();
        }
        if (path.startsWith("~/")) {
            return realpath(path.substring(2));
        }
        return realpath(path);
    }

    private static String single(String path, SftpResponse r) throws IOException {
        SftpResponse.Names n = expect(path, r, SftpResponse.Names.class);
        if (n.names().isEmpty()) {
            throw new SftpException(path, SSH_FX_BAD_MESSAGE, "an empty NAME reply");
        }
        return n.names().get(0).filename();
    }

    /**
     * The names of a user and a group by numeric id ({@code users-groups-by-id@openssh.com}):
     * {@code [user, group]}, either null where the server has no name for it; null where the
     * server lacks the extension.
     *
     * @param uid the user id
     * @param gid the group id
     * @return the two names, or null without the extension
     * @throws IOException if the server refuses, the deadline passes, or the session fails
     */
    public String[] namesById(int uid, int gid) throws IOException {
        if (!ch.supports(EXT_USERS_GROUPS_BY_ID)) {
            return null;
        }
        SftpResponse.ExtendedReply x = expect("users-groups-by-id", call(id -> extended(id,
                new SftpExtended.UsersGroupsById(new int[] {uid}, new int[] {gid}))), SftpResponse.ExtendedReply.class);
        SshReader r = new SshReader(x.payload());
        String user = new SshReader(r.string()).utf8();
        String group = new SshReader(r.string()).utf8();
        return new String[] {user.isEmpty() ? null : user, group.isEmpty() ? null : group};
    }

    /**
     * File system statistics ({@code statvfs@openssh.com}).
     *
     * @param blockSize       the file system's block size ({@code f_bsize})
     * @param fragmentSize    the fundamental block size ({@code f_frsize}), the unit of the block counts
     * @param blocks          the size of the file system, in fragments
     * @param freeBlocks      the free fragments
     * @param availableBlocks the free fragments available to unprivileged users
     * @param files           the number of inodes
     * @param freeFiles       the free inodes
     * @param availableFiles  the free inodes available to unprivileged users
     * @param fsid            the file system id
     * @param flags           the mount flags ({@code ST_RDONLY}, {@code ST_NOSUID})
     * @param maxNameLength   the longest file name
     */
    public record StatVfs(long blockSize, long fragmentSize, long blocks, long freeBlocks, long availableBlocks, long files,
                          long freeFiles, long availableFiles, long fsid, long flags, long maxNameLength) {
        /**
         * The file system's size.
         *
         * @return {@code blocks} times {@code fragmentSize}, in bytes
         */
        public long totalBytes() {
            return blocks * fragmentSize;
        }

        /**
         * The space available to unprivileged users.
         *
         * @return {@code availableBlocks} times {@code fragmentSize}, in bytes
         */
        public long availableBytes() {
            return availableBlocks * fragmentSize;
        }

        /**
         * Whether the file system is mounted read-only.
         *
         * @return true if the {@code ST_RDONLY} flag is set
         */
        public boolean readOnly() {
            return (flags & SSH_FXE_STATVFS_ST_RDONLY) != 0;
        }
    }

    /**
     * File system statistics of the file system holding {@code path} ({@code statvfs@openssh.com}, as {@code df}).
     *
     * @param path a path on the file system
     * @return the statistics
     * @throws IOException if the extension is missing or the server refuses, the deadline passes, or the session
     *     fails
     */
    public StatVfs statvfs(String path) throws IOException {
        requireExtension(EXT_STATVFS, path);
        SftpResponse.ExtendedReply x = expect(path, call(id -> extended(id, new SftpExtended.Statvfs(path))), SftpResponse.ExtendedReply.class);
        SshReader r = new SshReader(x.payload());
        return new StatVfs(r.uint64(), r.uint64(), r.uint64(), r.uint64(), r.uint64(), r.uint64(), r.uint64(), r.uint64(),
                r.uint64(), r.uint64(), r.uint64());
    }

    /**
     * One name of a directory listing.
     *
     * @param name       the entry's file name
     * @param longname   the server's {@code ls -l} style line for it
     * @param attributes its attributes
     */
    public record Entry(String name, String longname, SftpAttributes attributes) {
    }

    /**
     * A directory listing read lazily, one READDIR reply at a time (a directory of any size costs
     * one reply's names of memory). Close it to release the server's handle.
     */
    public final class Listing implements Iterator<Entry>, AutoCloseable {
        private final String path;
        private final byte[] handle;
        private final Deque<Entry> batch = new ArrayDeque<>();
        private boolean eof;
        private boolean closed;

        private Listing(String path, byte[] handle) {
            this.path = path;
            this.handle = handle;
        }

        @Override
        public boolean hasNext() {
            try {
                while (batch.isEmpty() && !eof) {
                    SftpResponse r = call(id -> new SftpRequest.HandleRequest(SSH_FXP_READDIR, id, handle));
                    if (r instanceof SftpResponse.Status s && s.code() == SSH_FX_EOF) {
                        eof = true;
                        break;
                    }
                    for (SftpResponse.Name n : expect(path, r, SftpResponse.Names.class).names()) {
                        batch.add(new Entry(n.filename(), n.longname(), SftpAttributes.of(n.attrs())));
                    }
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return !batch.isEmpty();
        }

        @Override
        public Entry next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return batch.poll();
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                closeHandle(path, handle);
            }
        }
    }

    /**
     * Opens a directory for a lazy listing (including {@code .} and {@code ..} if the server sends
     * them); a file there is a {@link NotDirectoryException}.
     *
     * @param path the directory
     * @return the listing, to be closed
     * @throws IOException if the server refuses, the deadline passes, or the session fails
     */
    public Listing openDirectory(String path) throws IOException {
        SftpResponse r = call(id -> new SftpRequest.PathRequest(SSH_FXP_OPENDIR, id, path));
        // ENOTDIR reaches the client as SSH_FX_NO_SUCH_FILE (OpenSSH, Tether) or SSH_FX_FAILURE
        if (r instanceof SftpResponse.Status s && (s.code() == SSH_FX_NO_SUCH_FILE || s.code() == SSH_FX_FAILURE)) {
            try {
                if (!stat(path).isDirectory()) {
                    throw refined(new NotDirectoryException(path), path, s);
                }
            } catch (NoSuchFileException gone) {
                // fall through to the server's status
            }
        }
        return new Listing(path, expect(path, r, SftpResponse.Handle.class).handle());
    }

    /**
     * A whole directory listing, without {@code .} and {@code ..}.
     *
     * @param path the directory
     * @return the entries, in the server's order
     * @throws IOException if the server refuses, the deadline passes, or the session fails
     */
    public List<Entry> list(String path) throws IOException {
        List<Entry> out = new ArrayList<>();
        try (Listing l = openDirectory(path)) {
            while (l.hasNext()) {
                Entry e = l.next();
                if (!e.name().equals(".") && !e.name().equals("..")) {
                    out.add(e);
                }
            }
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        return out;
    }

    private void closeHandle(String path, byte[] handle) throws IOException {
        expectOk(path, call(id -> new SftpRequest.Close(id, handle)));
    }

    // ------------------------------------------------------------------ open files

    /** An open remote file: positional reads and writes on its handle. Thread-safe; close once. */
    public final class RemoteFile implements AutoCloseable {
        private final String path;
        private final byte[] handle;
        private volatile boolean closed;

        private RemoteFile(String path, byte[] handle) {
            this.path = path;
            this.handle = handle;
        }

        /**
         * The path the file was opened with.
         *
         * @return the remote path
         */
        public String path() {
            return path;
        }

        /**
         * Reads up to {@code len} bytes at {@code offset}; -1 at the end of the file.
         *
         * @param offset where in the file to read
         * @param b      the buffer to read into
         * @param off    where in {@code b} the bytes go
         * @param len    the most bytes to read (one request reads at most {@link #readBlockSize()})
         * @return the number of bytes read, or -1 at the end of the file
         * @throws IOException if the server refuses, the deadline passes, or the session fails
         */
        public int read(long offset, byte[] b, int off, int len) throws IOException {
            SftpResponse r = call(id -> new SftpRequest.Read(id, handle, offset, Math.min(len, readBlock)));
            return copyData(path, r, b, off, len);
        }

        /**
         * Writes {@code len} bytes at {@code offset}, in WRITE requests of at most the write block size, each waited
         * for.
         *
         * @param offset where in the file to write
         * @param b      the bytes
         * @param off    where in {@code b} they start
         * @param len    how many to write
         * @throws IOException if the server refuses, the deadline passes, or the session fails
         */
        public void write(long offset, byte[] b, int off, int len) throws IOException {
            int done = 0;
            int block = writeBlock(handle);
            while (done < len) {
                int n = Math.min(block, len - done);
                int start = off + done;
                long at = offset + done;
                expectOk(path, call(id -> new SftpRequest.Write(id, handle, at, b, start, n)));
                done += n;
            }
        }

        /**
         * The open file's attributes (FSTAT).
         *
         * @return the attributes the server sent
         * @throws IOException if the server refuses, the deadline passes, or the session fails
         */
        public SftpAttributes attributes() throws IOException {
            return SftpAttributes.of(expect(path, call(id -> new SftpRequest.HandleRequest(SSH_FXP_FSTAT, id, handle)),
                    SftpResponse.Attrs.class).attrs());
        }

        /**
         * Flushes the server's file to stable storage ({@code fsync@openssh.com}).
         *
         * @throws IOException if the extension is missing or the server refuses, the deadline passes, or the session
         *     fails
         */
        public void fsync() throws IOException {
            requireExtension(EXT_FSYNC, path);
            expectOk(path, call(id -> extended(id, new SftpExtended.Fsync(handle))));
        }

        /**
         * Truncates or extends the open file (FSETSTAT with a size).
         *
         * @param size the new size
         * @throws IOException if the server refuses, the deadline passes, or the session fails
         */
        public void truncate(long size) throws IOException {
            setAttributes(FileAttributes.EMPTY.withSize(size));
        }

        void setAttributes(FileAttributes a) throws IOException {
            expectOk(path, call(id -> new SftpRequest.Fsetstat(id, handle, a)));
        }

        byte[] handle() {
            return handle;
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                closeHandle(path, handle);
            }
        }

        /**
         * Sends CLOSE without waiting for its reply: for a file only read, whose close has nothing
         * to report. The server handles requests in order, so what follows sees it closed.
         */
        void closeWithoutWaiting() {
            if (!closed) {
                closed = true;
                try {
                    ch.send(id -> new SftpRequest.Close(id, handle));
                } catch (IOException e) {
                    // the session is gone, and the handle with it
                }
            }
        }

        /** Sends CLOSE through {@code w}, behind the writes in flight, and waits for all their replies. */
        void closeAfter(WriteWindow w) throws IOException {
            if (!closed) {
                closed = true;
                w.send(id -> new SftpRequest.Close(id, handle));
            }
            w.drain();
        }
    }

    private static int copyData(String path, SftpResponse r, byte[] b, int off, int len) throws IOException {
        if (r instanceof SftpResponse.Status s && s.code() == SSH_FX_EOF) {
            return -1;
        }
        SftpResponse.Data d = expect(path, r, SftpResponse.Data.class);
        int n = Math.min(len, d.length());
        System.arraycopy(d.data(), d.offset(), b, off, n);
        return n;
    }

    /**
     * Opens a remote file: {@code READ}, {@code WRITE}, {@code APPEND}, {@code CREATE},
     * {@code CREATE_NEW}, {@code TRUNCATE_EXISTING} as for {@link Files#newByteChannel}; a new
     * file gets {@code mode} (less the server's umask).
     *
     * @param path    the remote file
     * @param options the open options
     * @param mode    the permission bits of a new file (low 12 sent)
     * @return the open file, to be closed
     * @throws IOException if the server refuses (e.g. {@link java.nio.file.NoSuchFileException}), the deadline
     *     passes, or the session fails
     */
    public RemoteFile open(String path, Set<? extends OpenOption> options, int mode) throws IOException {
        int pf = 0;
        if (options.contains(StandardOpenOption.READ) || options.isEmpty()) {
            pf |= SSH_FXF_READ;
        }
        if (options.contains(StandardOpenOption.WRITE) || options.contains(StandardOpenOption.APPEND)) {
            pf |= SSH_FXF_WRITE;
        }
        if (options.contains(StandardOpenOption.APPEND)) {
            pf |= SSH_FXF_APPEND;
        }
        if (options.contains(StandardOpenOption.CREATE_NEW)) {
            pf |= SSH_FXF_CREAT | SSH_FXF_EXCL;
        } else if (options.contains(StandardOpenOption.CREATE)) {
            pf |= SSH_FXF_CREAT;
        }
        if (options.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
            pf |= SSH_FXF_TRUNC;
        }
        int flags = pf;
        FileAttributes attrs = (pf & SSH_FXF_CREAT) != 0 ? FileAttributes.EMPTY.withPermissions(mode & 07777) : FileAttributes.EMPTY;
        SftpResponse r = call(id -> new SftpRequest.Open(id, path, flags, attrs));
        if (r instanceof SftpResponse.Status s && s.code() == SSH_FX_FAILURE && (flags & SSH_FXF_EXCL) != 0 && existsQuietly(path)) {
            throw refined(new FileAlreadyExistsException(path, null, s.message()), path, s);
        }
        return new RemoteFile(path, expect(path, r, SftpResponse.Handle.class).handle());
    }

    // ------------------------------------------------------------------ streams

    /**
     * An input stream over a remote file with read-ahead: up to {@value #DEFAULT_OUTSTANDING} reads in flight.
     *
     * @param path the remote file
     * @return the stream, to be closed
     * @throws IOException if the file cannot be opened
     */
    public InputStream newInputStream(String path) throws IOException {
        return newInputStream(path, 0);
    }

    /**
     * {@link #newInputStream(String)} starting at {@code offset}.
     *
     * @param path   the remote file
     * @param offset where to start reading
     * @return the stream, to be closed
     * @throws IOException if the file cannot be opened
     */
    public InputStream newInputStream(String path, long offset) throws IOException {
        Opened o = openForRead(path, null);
        return new ReadAhead(o.file(), offset, o.attributes().size());
    }

    /** A file opened for reading, and its attributes. */
    private record Opened(RemoteFile file, SftpAttributes attributes) {
    }

    /**
     * Opens a file for reading, sending STAT (unless {@code known} gives the attributes) and OPEN
     * together, so both cost one round trip. STAT's failure is thrown first, then "is a
     * directory", then OPEN's failure; a handle opened for nothing is closed.
     */
    private Opened openForRead(String path, SftpAttributes known) throws IOException {
        CompletableFuture<SftpResponse> stat = known == null ? ch.send(id -> new SftpRequest.PathRequest(SSH_FXP_STAT, id, path)) : null;
        CompletableFuture<SftpResponse> open = ch.send(id -> new SftpRequest.Open(id, path, SSH_FXF_READ, FileAttributes.EMPTY));
        RemoteFile file = null;
        try {
            SftpAttributes a = known != null ? known
                    : SftpAttributes.of(expect(path, ch.await(stat, timeout), SftpResponse.Attrs.class).attrs());
            SftpResponse r = ch.await(open, timeout);
            if (r instanceof SftpResponse.Handle h) {
                file = new RemoteFile(path, h.handle());
            }
            if (a.isDirectory()) {
                throw new SftpException(path, SSH_FX_FAILURE, "is a directory");
            }
            if (file == null) {
                expect(path, r, SftpResponse.Handle.class); // throws the server's reason
            }
            return new Opened(file, a);
        } catch (IOException | RuntimeException e) {
            if (file != null) {
                file.closeWithoutWaiting();
            } else if (!open.isDone()) {
                open.thenAccept(r -> {
                    if (r instanceof SftpResponse.Handle h) {
                        new RemoteFile(path, h.handle()).closeWithoutWaiting();
                    }
                });
            }
            throw e;
        }
    }

    /** Reads a remote file in order through a {@link ReadWindow}. */
    private final class ReadAhead extends InputStream {
        private final RemoteFile file;
        private final ReadWindow window;
        private ReadWindow.Chunk chunk;
        private int used;
        private boolean closed;

        ReadAhead(RemoteFile file, long offset, long size) {
            this.file = file;
            this.window = new ReadWindow(ch, file.handle(), offset, size, readBlock, DEFAULT_OUTSTANDING, timeout, s -> error(file.path(), s));
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (closed) {
                throw new IOException("stream closed");
            }
            if (len == 0) {
                return 0;
            }
            if (chunk == null || used == chunk.len()) {
                chunk = window.next();
                used = 0;
                if (chunk == null) {
                    return -1;
                }
            }
            int n = Math.min(len, chunk.len() - used);
            System.arraycopy(chunk.data(), chunk.off() + used, b, off, n);
            used += n;
            return n;
        }

        /** Hands each reply's data to {@code out} whole (what {@code Files.copy(Path, Path)} across providers calls). */
        @Override
        public long transferTo(OutputStream out) throws IOException {
            Objects.requireNonNull(out);
            if (closed) {
                throw new IOException("stream closed");
            }
            long moved = 0;
            while (true) {
                if (chunk == null || used == chunk.len()) {
                    chunk = window.next();
                    used = 0;
                    if (chunk == null) {
                        return moved;
                    }
                }
                int n = chunk.len() - used;
                out.write(chunk.data(), chunk.off() + used, n);
                used += n;
                moved += n;
            }
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                window.cancel();
                file.close();
            }
        }
    }

    /**
     * An output stream to a remote file with write-behind: up to {@value #DEFAULT_OUTSTANDING}
     * writes in flight; a failed write is thrown by a later call or by {@code close}. Default
     * options create or truncate the file.
     *
     * @param path    the remote file
     * @param options the open options; none means CREATE, TRUNCATE_EXISTING and WRITE
     * @return the stream, to be closed
     * @throws IOException if the file cannot be opened
     */
    public OutputStream newOutputStream(String path, OpenOption... options) throws IOException {
        Set<OpenOption> opts = options.length == 0
                ? Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING)
                : new HashSet<>(List.of(options));
        if (!opts.contains(StandardOpenOption.APPEND)) {
            opts = new HashSet<>(opts);
            opts.add(StandardOpenOption.WRITE);
        }
        RemoteFile f = open(path, opts, 0644);
        // with APPEND the server writes at the end whatever the offset
        return new WriteBehind(f, 0);
    }

    private final class WriteBehind extends OutputStream {
        private final RemoteFile file;
        private final WriteWindow window;
        private final byte[] buf;
        private int used;
        private long offset;
        private boolean closed;

        WriteBehind(RemoteFile file, long offset) {
            this.file = file;
            this.buf = new byte[writeBlock(file.handle())];
            this.offset = offset;
            this.window = new WriteWindow(ch, DEFAULT_OUTSTANDING, timeout, s -> error(file.path(), s));
        }

        @Override
        public void write(int b) throws IOException {
            if (used == buf.length) {
                flushBlock();
            }
            buf[used++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (closed) {
                throw new IOException("stream closed");
            }
            while (len > 0) {
                if (used == buf.length) {
                    flushBlock();
                }
                int n = Math.min(len, buf.length - used);
                System.arraycopy(b, off, buf, used, n);
                used += n;
                off += n;
                len -= n;
            }
        }

        private void flushBlock() throws IOException {
            if (used == 0) {
                return;
            }
            window.write(file.handle(), offset, buf, 0, used);
            offset += used;
            used = 0;
        }

        @Override
        public void flush() throws IOException {
            flushBlock();
            window.drain();
        }

        /** Sends what is buffered and the CLOSE behind it, then waits for every reply: one round trip. */
        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try {
                flushBlock();
            } catch (IOException | RuntimeException e) {
                window.cancel();
                file.closeWithoutWaiting();
                throw e;
            }
            file.closeAfter(window);
        }
    }

    // ------------------------------------------------------------------ whole-file transfers

    /**
     * Progress of a transfer: called from the transferring thread after each block with the
     * file's path (the remote path of a download, the local one of an upload). A tree transfer
     * also calls it with {@code done == 0} before each file, so that every file of a tree,
     * however small, is announced, and calls {@link #directory} as it enters each directory.
     */
    @FunctionalInterface
    public interface ProgressListener {
        /**
         * After each block of a file.
         *
         * @param name  the file's path
         * @param done  the bytes transferred so far, counting a resumed part
         * @param total the file's size
         */
        void progress(String name, long done, long total);

        /**
         * A tree transfer enters a directory (the remote path of a download, the local one of an upload).
         *
         * @param path the directory's path
         */
        default void directory(String path) {
        }

        /**
         * A tree transfer leaves out an entry: a symbolic link under {@link Links#SKIP}, or what
         * is neither a regular file nor a directory (the remote path of a download, the local one
         * of an upload).
         *
         * @param path the entry's path
         */
        default void skipped(String path) {
        }
    }

    /**
     * What a tree transfer ({@link #uploadTree}, {@link #downloadTree}) does with a symbolic link
     * inside the tree. The tree's top is always followed.
     */
    public enum Links {
        /** Made again as a link with the same target, never followed (the default). */
        COPY,
        /** Followed: what it points at is transferred, as OpenSSH's {@code scp -r} does; at most 64 levels deep. */
        FOLLOW,
        /** Left out, as OpenSSH's {@code sftp get -r} and {@code put -r} do. */
        SKIP
    }

    /**
     * How a transfer behaves: {@code resume} continues from what the destination already has
     * (as OpenSSH's reget/reput), {@code preserve} copies modification times and permission
     * bits (as {@code -p}), {@code progress} is told as it goes, {@code links} is what a tree
     * transfer does with a symbolic link, {@code files} how many files of a tree move at once
     * (1: one after another, as OpenSSH's sftp; default {@value #DEFAULT_FILES}).
     *
     * @param resume   whether to continue from what the destination already has
     * @param preserve whether to copy modification times and permission bits
     * @param progress told as the transfer goes, or null
     * @param links    what a tree transfer does with a symbolic link
     * @param files    how many files of a tree move at once, 1 to 64
     */
    public record Transfer(boolean resume, boolean preserve, ProgressListener progress, Links links, int files) {
        /** Files of a tree that move at once by default: enough to hide the round trips of small files. */
        public static final int DEFAULT_FILES = 4;
        /**
         * No resume, nothing preserved, no progress, links copied as links, {@value #DEFAULT_FILES} files at once.
         */
        public static final Transfer DEFAULT = new Transfer(false, false, null, Links.COPY, DEFAULT_FILES);

        /**
         * Checks the values.
         *
         * @param resume   whether to continue from what the destination already has
         * @param preserve whether to copy modification times and permission bits
         * @param progress told as the transfer goes, or null
         * @param links    what a tree transfer does with a symbolic link
         * @param files    how many files of a tree move at once
         * @throws NullPointerException     if {@code links} is null
         * @throws IllegalArgumentException if {@code files} is not 1 to 64
         */
        public Transfer {
            Objects.requireNonNull(links);
            if (files < 1 || files > 64) {
                throw new IllegalArgumentException("files at once must be 1 to 64: " + files);
            }
        }

        /**
         * A transfer with {@value #DEFAULT_FILES} files of a tree at once.
         *
         * @param resume   whether to continue from what the destination already has
         * @param preserve whether to copy modification times and permission bits
         * @param progress told as the transfer goes, or null
         * @param links    what a tree transfer does with a symbolic link
         */
        public Transfer(boolean resume, boolean preserve, ProgressListener progress, Links links) {
            this(resume, preserve, progress, links, DEFAULT_FILES);
        }

        /**
         * A transfer that copies links as links, {@value #DEFAULT_FILES} files of a tree at once.
         *
         * @param resume   whether to continue from what the destination already has
         * @param preserve whether to copy modification times and permission bits
         * @param progress told as the transfer goes, or null
         */
        public Transfer(boolean resume, boolean preserve, ProgressListener progress) {
            this(resume, preserve, progress, Links.COPY);
        }

        /**
         * A copy with another {@code resume}.
         *
         * @param r whether to continue from what the destination already has
         * @return the new settings
         */
        public Transfer withResume(boolean r) {
            return new Transfer(r, preserve, progress, links, files);
        }

        /**
         * A copy with another {@code preserve}.
         *
         * @param p whether to copy modification times and permission bits
         * @return the new settings
         */
        public Transfer withPreserve(boolean p) {
            return new Transfer(resume, p, progress, links, files);
        }

        /**
         * A copy with another progress listener.
         *
         * @param l the listener, or null
         * @return the new settings
         */
        public Transfer withProgress(ProgressListener l) {
            return new Transfer(resume, preserve, l, links, files);
        }

        /**
         * A copy with another way of handling symbolic links.
         *
         * @param l what a tree transfer does with a symbolic link
         * @return the new settings
         */
        public Transfer withLinks(Links l) {
            return new Transfer(resume, preserve, progress, l, files);
        }

        /**
         * How many files of a tree move at once. Above 1 the {@link #progress} listener hears
         * the files that are going interleaved (never two calls at once, each file's in order),
         * and after a failure the files already going are finished.
         *
         * @param n how many files at once, 1 to 64
         * @return the new settings
         * @throws IllegalArgumentException if {@code n} is not 1 to 64
         */
        public Transfer withFiles(int n) {
            return new Transfer(resume, preserve, progress, links, n);
        }
    }

    /**
     * Downloads one file as {@code sftp get} does, with {@link Transfer#DEFAULT} (no resume,
     * attributes not preserved).
     *
     * @param remote the remote file
     * @param local  where to write it
     * @return the number of bytes transferred
     * @throws IOException if the transfer fails
     */
    public long download(String remote, Path local) throws IOException {
        return download(remote, local, Transfer.DEFAULT);
    }

    /**
     * Downloads a remote file, pipelined; returns the bytes transferred. A small file costs two
     * round trips: STAT with OPEN, then the READs (the CLOSE is not waited for).
     *
     * @param remote the remote file
     * @param local  where to write it
     * @param how    resume, preserve and progress
     * @return the number of bytes transferred
     * @throws IOException if the server refuses, a deadline passes, the local file cannot be written, or the session
     *     fails
     */
    public long download(String remote, Path local, Transfer how) throws IOException {
        return download(remote, null, local, how);
    }

    /** {@link #download(String, Path, Transfer)} of a file whose attributes are known (from a listing), or null. */
    private long download(String remote, SftpAttributes known, Path local, Transfer how) throws IOException {
        Opened o = openForRead(remote, known);
        RemoteFile f = o.file();
        SftpAttributes a = o.attributes();
        long start = 0;
        long total = a.size();
        long moved = 0;
        // a new file takes the remote one's permission bits, owner-writable, under the umask (as OpenSSH's sftp)
        FileAttribute<?>[] created = a.permissions() >= 0
                && local.getFileSystem().supportedFileAttributeViews().contains("posix")
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
                        FileStat.toPermissions((a.permissions() & 0777) | 0200))}
                : new FileAttribute<?>[0];
        try (FileChannel out = FileChannel.open(local, how.resume()
                     ? Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE)
                     : Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING), created)) {
            if (how.resume()) {
                start = out.size();
                if (a.size() >= 0 && start > a.size()) {
                    throw new SftpException(remote, SSH_FX_FAILURE, "the local file is larger than the remote one: cannot resume");
                }
            }
            ReadWindow window = new ReadWindow(ch, f.handle(), start, total, readBlock, DEFAULT_OUTSTANDING, timeout, st -> error(remote, st));
            for (ReadWindow.Chunk c; (c = window.next()) != null; ) {
                ByteBuffer bb = ByteBuffer.wrap(c.data(), c.off(), c.len());
                long pos = c.offset();
                while (bb.hasRemaining()) {
                    pos += out.write(bb, pos);
                }
                moved += c.len();
                if (how.progress() != null) {
                    how.progress().progress(remote, start + moved, total);
                }
            }
        } finally {
            f.closeWithoutWaiting();
        }
        if (how.preserve()) {
            if (a.modifiedTime() != null) {
                Files.setLastModifiedTime(local, FileTime.from(a.modifiedTime()));
            }
            if (a.permissions() >= 0) {
                PosixFileAttributeView v = Files.getFileAttributeView(local, PosixFileAttributeView.class);
                if (v != null) {
                    v.setPermissions(FileStat.toPermissions(a.permissions() & 0777));
                }
            }
        }
        return moved;
    }

    /**
     * Uploads one file as {@code sftp put} does, with {@link Transfer#DEFAULT}.
     *
     * @param local  the local file
     * @param remote where to write it
     * @return the number of bytes transferred
     * @throws IOException if the transfer fails
     */
    public long upload(Path local, String remote) throws IOException {
        return upload(local, remote, Transfer.DEFAULT);
    }

    /**
     * Uploads a local file, pipelined; returns the bytes transferred.
     *
     * @param local  the local file
     * @param remote where to write it
     * @param how    resume, preserve and progress
     * @return the number of bytes transferred
     * @throws IOException if the local file cannot be read, the server refuses, a deadline passes, or the session
     *     fails
     */
    public long upload(Path local, String remote, Transfer how) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(local, PosixFileAttributeView.class);
        BasicFileAttributes la = view != null ? view.readAttributes() : Files.readAttributes(local, BasicFileAttributes.class);
        long size = la.size();
        long start = 0;
        if (how.resume()) {
            try {
                start = stat(remote).size();
                if (start > size) {
                    throw new SftpException(remote, SSH_FX_FAILURE, "the remote file is larger than the local one: cannot resume");
                }
            } catch (NoSuchFileException e) {
                start = 0;
            }
        }
        int mode = la instanceof PosixFileAttributes pa ? FileStat.toMode(pa.permissions()) : 0644;
        Set<OpenOption> opts = how.resume() && start > 0 ? Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE)
                : Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
        long moved = 0;
        try (FileChannel in = FileChannel.open(local, StandardOpenOption.READ)) {
            RemoteFile f = open(remote, opts, mode);
            WriteWindow w = new WriteWindow(ch, DEFAULT_OUTSTANDING, timeout, s -> error(remote, s));
            int block = writeBlock(f.handle());
            byte[] data = new byte[(int) Math.min(block, Math.max(0, size - start))];
            long pos = start;
            try {
                while (pos < size) {
                    int n = (int) Math.min(block, size - pos);
                    ByteBuffer bb = ByteBuffer.wrap(data, 0, n);
                    long p = pos;
                    while (bb.hasRemaining()) {
                        int r = in.read(bb, p);
                        if (r < 0) {
                            throw new IOException(local + " shrank while it was uploaded");
                        }
                        p += r;
                    }
                    w.write(f.handle(), pos, data, 0, n);
                    pos += n;
                    moved += n;
                    if (how.progress() != null) {
                        how.progress().progress(local.toString(), pos, size);
                    }
                }
                if (how.preserve()) {
                    FileAttributes keep = FileAttributes.EMPTY.withPermissions(mode & 07777)
                            .withTimes(la.lastAccessTime().toInstant().getEpochSecond(), la.lastModifiedTime().toInstant().getEpochSecond());
                    w.send(id -> new SftpRequest.Fsetstat(id, f.handle(), keep));
                }
            } catch (IOException | RuntimeException e) {
                w.cancel();
                f.closeWithoutWaiting();
                throw e;
            }
            // the CLOSE goes behind the last writes: an upload's tail costs one round trip
            f.closeAfter(w);
        }
        return moved;
    }

    private static void skipped(Transfer how, String path) {
        if (how.progress() != null) {
            how.progress().skipped(path);
        }
    }

    /** How deep a tree transfer goes (OpenSSH's limit), so that followed links cannot loop forever. */
    private static final int MAX_TREE_DEPTH = 64;

    /** An action on a directory once everything under it has arrived. */
    @FunctionalInterface
    private interface DirectoryFixup {
        void run() throws IOException;
    }

    /**
     * One tree transfer: how it goes, its files in flight, and the directories' permission bits
     * and times, set once every file is in (deepest first, as the walk finished them). Used by
     * the walking thread; the progress listener is serialized for the file workers.
     */
    private static final class Tree implements AutoCloseable {
        final Transfer how;
        final FilesInFlight files;
        final List<DirectoryFixup> fixups = new ArrayList<>();

        Tree(Transfer how) {
            this.how = how.files() > 1 && how.progress() != null ? how.withProgress(serialized(how.progress())) : how;
            this.files = new FilesInFlight(how.files());
        }

        long finish() throws IOException {
            long moved = files.finish();
            for (DirectoryFixup f : fixups) {
                f.run();
            }
            return moved;
        }

        @Override
        public void close() {
            files.close();
        }

        private static ProgressListener serialized(ProgressListener l) {
            return new ProgressListener() {
                @Override
                public synchronized void progress(String name, long done, long total) {
                    l.progress(name, done, total);
                }

                @Override
                public synchronized void directory(String path) {
                    l.directory(path);
                }

                @Override
                public synchronized void skipped(String path) {
                    l.skipped(path);
                }
            };
        }
    }

    /**
     * Uploads a local directory tree as OpenSSH's {@code sftp put -r} does: each directory is made
     * (an existing one is merged into) with its local permission bits, writable and searchable
     * by its owner while it is filled, and gets its bits back once every file is in, with its
     * times too under {@code preserve}; regular files go through {@link #upload}, up to
     * {@link Transfer#files} at once; symbolic links as {@link Transfer#links} says; other kinds
     * are skipped. Entries start in name order. The first failure ends the transfer (the files
     * already going are finished first). Returns the bytes transferred.
     *
     * @param localDir  the local directory
     * @param remoteDir the remote directory to create or merge into
     * @param how       resume, preserve, progress, links and files at once
     * @return the number of bytes transferred
     * @throws IOException on the first failure
     */
    public long uploadTree(Path localDir, String remoteDir, Transfer how) throws IOException {
        try (Tree tree = new Tree(how)) {
            uploadTree(localDir.toAbsolutePath().normalize(), remoteDir, tree, 0);
            return tree.finish();
        }
    }

    private void uploadTree(Path local, String remote, Tree tree, int depth) throws IOException {
        Transfer how = tree.how;
        if (depth >= MAX_TREE_DEPTH) {
            throw new SftpException(remote, SSH_FX_FAILURE, "maximum directory depth exceeded: " + depth + " levels");
        }
        if (!Files.isDirectory(local)) {
            throw new NotDirectoryException(local.toString());
        }
        if (how.progress() != null) {
            how.progress().directory(local.toString());
        }
        PosixFileAttributeView view = Files.getFileAttributeView(local, PosixFileAttributeView.class);
        int mode = view == null ? 0755 : FileStat.toMode(view.readAttributes().permissions()) & 0777;
        boolean created = true;
        try {
            mkdir(remote, mode | 0300);
        } catch (FileAlreadyExistsException e) {
            if (!stat(remote).isDirectory()) {
                throw new FileAlreadyExistsException(remote, null, "exists but is not a directory");
            }
            created = false;
        }
        List<Path> children;
        try (java.util.stream.Stream<Path> s = Files.list(local)) {
            children = s.sorted().toList();
        }
        for (Path p : children) {
            String child = remote.endsWith("/") ? remote + p.getFileName() : remote + "/" + p.getFileName();
            BasicFileAttributes pa = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (pa.isSymbolicLink()) {
                if (how.links() == Links.SKIP) {
                    skipped(how, p.toString());
                    continue;
                }
                if (how.links() == Links.COPY) {
                    if (!existsQuietly(child)) {
                        symlink(child, Files.readSymbolicLink(p).toString().replace(p.getFileSystem().getSeparator(), "/"));
                    }
                    continue;
                }
                try {
                    pa = Files.readAttributes(p, BasicFileAttributes.class);
                } catch (NoSuchFileException dangling) {
                    skipped(how, p.toString());
                    continue;
                }
            }
            if (pa.isDirectory()) {
                uploadTree(p, child, tree, depth + 1);
            } else if (pa.isRegularFile()) {
                long size = pa.size();
                tree.files.submit(() -> {
                    if (how.progress() != null) {
                        how.progress().progress(p.toString(), 0, size);
                    }
                    return upload(p, child, how);
                });
            } else {
                skipped(how, p.toString());
            }
        }
        if (created || how.preserve()) {
            FileAttributes a = FileAttributes.EMPTY.withPermissions(mode);
            if (how.preserve()) {
                BasicFileAttributes b = Files.readAttributes(local, BasicFileAttributes.class);
                a = a.withTimes(b.lastAccessTime().toInstant().getEpochSecond(), b.lastModifiedTime().toInstant().getEpochSecond());
            }
            FileAttributes fixed = a;
            tree.fixups.add(() -> setAttrs(remote, fixed));
        }
    }

    /**
     * Downloads a remote directory tree as OpenSSH's {@code sftp get -r} does: each directory is
     * made (an existing one is merged into) with the remote permission bits, writable and
     * searchable by its owner while it is filled, and gets them back once every file is in, with
     * its times too under {@code preserve}; regular files go through {@link #download}, up to
     * {@link Transfer#files} at once; symbolic links as {@link Transfer#links} says; other kinds
     * are skipped. Entries start in name order. The first failure ends the transfer (the files
     * already going are finished first). Returns the bytes transferred.
     *
     * @param remoteDir the remote directory
     * @param localDir  the local directory to create or merge into
     * @param how       resume, preserve, progress, links and files at once
     * @return the number of bytes transferred
     * @throws IOException on the first failure
     */
    public long downloadTree(String remoteDir, Path localDir, Transfer how) throws IOException {
        SftpAttributes top = stat(remoteDir);
        try (Tree tree = new Tree(how)) {
            downloadTree(remoteDir, top, localDir, tree, 0);
            return tree.finish();
        }
    }

    private void downloadTree(String remote, SftpAttributes attrs, Path local, Tree tree, int depth) throws IOException {
        Transfer how = tree.how;
        if (depth >= MAX_TREE_DEPTH) {
            throw new SftpException(remote, SSH_FX_FAILURE, "maximum directory depth exceeded: " + depth + " levels");
        }
        if (!attrs.isDirectory()) {
            throw new NotDirectoryException(remote);
        }
        if (how.progress() != null) {
            how.progress().directory(remote);
        }
        int mode = attrs.permissions() >= 0 ? attrs.permissions() & 0777 : -1;
        try {
            try {
                Files.createDirectory(local, PosixFilePermissions.asFileAttribute(
                        FileStat.toPermissions(mode < 0 ? 0777 : mode | 0300)));
            } catch (UnsupportedOperationException noPosix) {
                Files.createDirectory(local);
            }
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(local)) {
                throw e;
            }
        }
        List<Entry> entries = new ArrayList<>(list(remote));
        entries.sort(Comparator.comparing(Entry::name));
        for (Entry e : entries) {
            if (e.name().contains("/") || e.name().equals(".") || e.name().equals("..")) {
                continue; // a name no honest server sends
            }
            String child = remote.endsWith("/") ? remote + e.name() : remote + "/" + e.name();
            Path to = local.resolve(e.name());
            SftpAttributes a = e.attributes();
            if (a.isSymbolicLink()) {
                if (how.links() == Links.SKIP) {
                    skipped(how, child);
                    continue;
                }
                if (how.links() == Links.COPY) {
                    if (!Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
                        Files.createSymbolicLink(to, to.getFileSystem().getPath(readlink(child)));
                    }
                    continue;
                }
                a = stat(child);
            }
            if (a.isDirectory()) {
                downloadTree(child, a, to, tree, depth + 1);
            } else if (a.isRegularFile()) {
                SftpAttributes known = a;
                tree.files.submit(() -> {
                    if (how.progress() != null) {
                        how.progress().progress(child, 0, known.size());
                    }
                    return download(child, known, to, how);
                });
            } else {
                skipped(how, child);
            }
        }
        tree.fixups.add(() -> {
            if (how.preserve() && attrs.modifiedTime() != null) {
                BasicFileAttributeView v = Files.getFileAttributeView(local, BasicFileAttributeView.class);
                Instant at = attrs.accessTime() != null ? attrs.accessTime() : attrs.modifiedTime();
                v.setTimes(FileTime.from(attrs.modifiedTime()), FileTime.from(at), null);
            }
            if (mode >= 0 && (mode & 0300) != 0300) {
                PosixFileAttributeView v = Files.getFileAttributeView(local, PosixFileAttributeView.class);
                if (v != null) {
                    v.setPermissions(FileStat.toPermissions(mode));
                }
            }
        });
    }

    /**
     * Copies a remote file to another remote path on the server itself ({@code copy-data}), or
     * through this client where the server lacks the extension.
     *
     * @param from the remote file to copy
     * @param to   the remote path of the copy
     * @throws IOException if the server refuses, a deadline passes, or the session fails
     */
    public void copy(String from, String to) throws IOException {
        if (!ch.supports(EXT_COPY_DATA)) {
            try (InputStream in = newInputStream(from); OutputStream out = newOutputStream(to)) {
                in.transferTo(out);
            }
            return;
        }
        try (RemoteFile src = open(from, Set.of(StandardOpenOption.READ), 0);
             RemoteFile dst = open(to, Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING),
                     0644)) {
            expectOk(to, call(id -> extended(id, new SftpExtended.CopyData(src.handle(), 0, 0, dst.handle(), 0))));
        }
    }

    /**
     * Whether the session has ended.
     *
     * @return true once the session's channel has closed
     */
    public boolean isClosed() {
        return ch.isClosed();
    }

    /** Closes the SFTP session (and the connection, if this client owns it) without waiting for the server. */
    @Override
    public void close() {
        ch.close();
        if (ownsTransport) {
            transport.close();
        }
    }
}
