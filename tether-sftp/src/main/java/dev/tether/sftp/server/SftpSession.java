package dev.tether.sftp.server;

import static dev.tether.sftp.protocol.SftpConstants.*;

import dev.tether.sftp.policy.SftpOperation;
import dev.tether.sftp.policy.SftpOperation.Kind;
import dev.tether.sftp.policy.SftpStatus;
import dev.tether.sftp.protocol.FileAttributes;
import dev.tether.sftp.protocol.SftpExtended;
import dev.tether.sftp.protocol.SftpFraming;
import dev.tether.sftp.protocol.SftpRequest;
import dev.tether.sftp.protocol.SftpResponse;
import dev.tether.ssh.common.ConnectionInfo;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileSystems;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SFTP session on the server (draft-ietf-secsh-filexfer-02, as OpenSSH's sftp-server speaks
 * it, with its extensions): reads requests from the client's stream, runs each against the
 * user's {@link FileView}, and writes the reply.
 *
 * <p><b>Threading.</b> One thread, the caller of {@link #serve}, reads, runs and replies, in
 * request order, as OpenSSH's sftp-server does; the requests a client pipelines wait, decoded
 * on demand, in the channel's receive buffer, whose window is the bound on what a client can
 * have outstanding (OpenSSH's client keeps 64 reads or writes in flight). Replies go out through
 * a small coalescing buffer that is flushed whenever no further request is waiting, and DATA
 * replies are read from the file straight into the array that is sent.
 *
 * <p><b>Bounds.</b> Packets above 256 KiB end the session before anything is allocated; at most
 * {@code maxHandles} handles (OpenSSH's 512) are open; READDIR sends at most 100 names per reply
 * and reads the directory lazily; the only per-session buffers are the packet buffer (at most
 * 256 KiB) and the read buffer (at most 256 KiB, allocated on first READ). A malformed packet
 * ends the session with a logged reason; nothing a client sends can end the server.
 */
public final class SftpSession {
    private static final Logger log = LoggerFactory.getLogger(SftpSession.class);
    private static final int NAMES_PER_READDIR = 100;

    private final SessionSettings settings;
    private final FileView files;
    private final String user;
    private final ConnectionInfo connection;
    private final SftpEvents events;
    private final boolean symlinkTargetFirst;
    private final Map<Integer, Handle> handles = new HashMap<>();
    private int nextHandle = 1;
    private byte[] readBuffer;
    private Replies replies;
    private InputStream in;

    /** A request refused or failed with a status for the client. */
    private static final class Refusal extends Exception {
        final int code;

        Refusal(int code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    /**
     * @param user the logged-in user, or null (standard input)
     * @param connection the SSH connection, or null (standard input)
     */
    public SftpSession(SessionSettings settings, FileView files, String user, ConnectionInfo connection) {
        this.settings = settings;
        this.files = files;
        this.user = user;
        this.connection = connection;
        this.events = new SftpEvents("sftp", user, connection);
        this.symlinkTargetFirst = SymlinkCompat.targetFirst(settings.symlinkRules(), connection == null ? null : connection.peerVersion());
    }

    /**
     * Serves the session until the client's stream ends or a malformed packet arrives; closes
     * every handle before returning.
     *
     * @throws IOException a malformed packet (the reason is logged), or the stream failed
     */
    public void serve(InputStream input, OutputStream output) throws IOException {
        this.in = input;
        this.replies = new Replies(output);
        SftpFraming framing = new SftpFraming(input, MAX_PACKET);
        boolean initialised = false;
        events.event("session opened, root " + files.root());
        try {
            while (true) {
                int len = framing.next();
                if (len < 0) {
                    break;
                }
                SftpRequest req;
                try {
                    req = SftpRequest.decode(framing.buffer(), 0, len);
                } catch (SshException e) {
                    throw new ClientError("malformed SFTP packet (type " + (framing.buffer()[0] & 0xff) + "): " + e.getMessage());
                }
                if (!initialised) {
                    if (!(req instanceof SftpRequest.Init)) {
                        throw new ClientError("the client sent packet type " + req.type() + " before SSH_FXP_INIT");
                    }
                    initialised = true;
                    replies.small(new SftpResponse.Version(VERSION, OPENSSH_EXTENSIONS));
                } else if (req instanceof SftpRequest.Init) {
                    throw new ClientError("the client sent SSH_FXP_INIT twice");
                } else {
                    dispatch(req);
                }
                if (input.available() == 0) {
                    replies.flush();
                }
            }
            replies.flush();
        } catch (SftpFraming.FramingException | SshException e) {
            if (e instanceof ClientError || e instanceof SftpFraming.FramingException) {
                log.warn("{} SFTP session ended: {}", tag(), e.getMessage());
            } else {
                // the client closed the channel or dropped the connection: its choice, no fault here
                log.info("{} SFTP session ended: {}", tag(), e.getMessage());
            }
            events.event("session ended: " + e.getMessage());
            throw e;
        } finally {
            closeAll();
            events.event("session closed");
        }
    }

    /** A request the client got wrong: the session ends, logged as a warning. */
    private static final class ClientError extends SshException {
        private static final long serialVersionUID = 1L;

        ClientError(String message) {
            super(message);
        }
    }

    private String tag() {
        return connection == null ? "stdio" : "#" + connection.id() + " " + connection.remoteHost() + ":" + connection.remotePort();
    }

    /** Closes the handles the client left open, each reported as a close to the event log and the policy. */
    private void closeAll() {
        for (Handle h : handles.values()) {
            try {
                h.close();
            } catch (IOException e) {
                // closing at the end; nothing to report to
            }
            try {
                closed(h);
            } catch (RuntimeException e) {
                log.warn("{} the policy failed on the close of {}: {}", tag(), h.clientPath, e.toString());
            }
        }
        handles.clear();
    }

    /** A handle closed (by CLOSE or at the session's end): the event-log line and the policy's CLOSE with the byte counts. */
    private void closed(Handle h) {
        if (h.channel != null) {
            events.event("close " + SftpEvents.quote(h.clientPath) + " bytes read " + h.bytesRead + " written " + h.bytesWritten);
        } else {
            events.event("closedir " + SftpEvents.quote(h.clientPath));
        }
        settings.policy().completed(new SftpOperation(Kind.CLOSE, h.clientPath, h.path, null, user, connection), SftpStatus.OK,
                h.bytesRead, h.bytesWritten);
    }

    private void dispatch(SftpRequest req) throws IOException {
        int id = req.id();
        String name = req instanceof SftpRequest.Extended e ? extensionRequestName(e.name()) : requestName(req.type());
        if (name != null && !settings.permitted(name)) {
            events.event("refused " + name + ": not permitted by the request list");
            replies.small(new SftpResponse.Status(id, SSH_FX_PERMISSION_DENIED, message(SSH_FX_PERMISSION_DENIED)));
            return;
        }
        try {
            SftpResponse r = handle(req);
            if (r != null) {
                replies.small(r);
            }
        } catch (Refusal e) {
            replies.small(new SftpResponse.Status(id, e.code, e.getMessage() == null ? message(e.code) : e.getMessage()));
        } catch (SshException e) {
            // a malformed request (an extension's payload): the session ends, as for any malformed packet
            throw e;
        } catch (IOException | RuntimeException e) {
            int code = status(e);
            log.debug("{} {} failed: {}", tag(), name, e.toString());
            replies.small(SftpResponse.Status.of(id, code));
        }
    }

    /** sftp-server's -P/-p names for extended requests: the name without {@code @openssh.com}. */
    private static String extensionRequestName(String ext) {
        int at = ext.indexOf('@');
        return at < 0 ? ext : ext.substring(0, at);
    }

    /** errno_to_portable, for Java's exceptions. */
    static int status(Exception e) {
        if (e instanceof NoSuchFileException || e instanceof NotDirectoryException || e instanceof FileSystemLoopException) {
            return SSH_FX_NO_SUCH_FILE;
        }
        if (e instanceof AccessDeniedException) {
            return SSH_FX_PERMISSION_DENIED;
        }
        if (e instanceof UnsupportedOperationException) {
            return SSH_FX_OP_UNSUPPORTED;
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            String r = fse.getReason();
            if (r.contains("Too many levels of symbolic links") || r.contains("Not a directory")) {
                return SSH_FX_NO_SUCH_FILE;
            }
            if (r.contains("Operation not permitted")) {
                return SSH_FX_PERMISSION_DENIED;
            }
        }
        return SSH_FX_FAILURE;
    }

    private SftpResponse ok(int id) {
        return SftpResponse.Status.of(id, SSH_FX_OK);
    }

    /** Asks the read-only mode and the policy; throws the refusal. */
    private SftpOperation check(Kind kind, String path, Path file, String target) throws Refusal {
        SftpOperation op = new SftpOperation(kind, path, file, target, user, connection);
        if (settings.readOnly() && op.writes()) {
            events.event("refused " + kind.name().toLowerCase(java.util.Locale.ROOT) + " " + SftpEvents.quote(path) + ": read-only");
            throw new Refusal(SSH_FX_PERMISSION_DENIED, message(SSH_FX_PERMISSION_DENIED));
        }
        SftpStatus s = settings.policy().check(op);
        if (s == null || !s.ok()) {
            SftpStatus refusal = s == null ? SftpStatus.denied(null) : s;
            events.event("refused " + kind.name().toLowerCase(java.util.Locale.ROOT) + " " + SftpEvents.quote(path) + ": " + refusal.message());
            settings.policy().completed(op, refusal, 0, 0);
            throw new Refusal(refusal.code(), refusal.message());
        }
        return op;
    }

    private void completed(SftpOperation op, long read, long written) {
        settings.policy().completed(op, SftpStatus.OK, read, written);
    }

    private SftpResponse handle(SftpRequest req) throws IOException, Refusal {
        int id = req.id();
        if (req instanceof SftpRequest.Read r) {
            read(r);
            return null;
        }
        if (req instanceof SftpRequest.Write w) {
            return write(w);
        }
        if (req instanceof SftpRequest.Open o) {
            return open(o);
        }
        if (req instanceof SftpRequest.Close c) {
            return close(c);
        }
        if (req instanceof SftpRequest.PathRequest p) {
            switch (p.type()) {
                case SSH_FXP_STAT:
                case SSH_FXP_LSTAT: {
                    boolean follow = p.type() == SSH_FXP_STAT;
                    Path f = files.resolve(p.path(), follow);
                    SftpOperation op = check(Kind.STAT, p.path(), f, null);
                    FileAttributes a = files.at(p.path(), follow, f, FileEntry::stat).attrs();
                    completed(op, 0, 0);
                    return new SftpResponse.Attrs(id, a);
                }
                case SSH_FXP_OPENDIR:
                    return opendir(id, p.path());
                case SSH_FXP_REMOVE:
                    return remove(id, p.path());
                case SSH_FXP_RMDIR:
                    return rmdir(id, p.path());
                case SSH_FXP_REALPATH: {
                    String real = files.realpath(p.path());
                    return new SftpResponse.Names(id, List.of(new SftpResponse.Name(real, real, FileAttributes.EMPTY)));
                }
                case SSH_FXP_READLINK: {
                    Path f = files.resolve(p.path(), false);
                    SftpOperation op = check(Kind.READLINK, p.path(), f, null);
                    String target = files.at(p.path(), false, f, FileEntry::readSymbolicLink);
                    completed(op, 0, 0);
                    return new SftpResponse.Names(id, List.of(new SftpResponse.Name(target, target, FileAttributes.EMPTY)));
                }
                default:
                    break;
            }
        }
        if (req instanceof SftpRequest.HandleRequest h) {
            if (h.type() == SSH_FXP_READDIR) {
                return readdir(id, h.handle());
            }
            Handle fh = handle(h.handle());
            SftpOperation op = check(Kind.STAT, fh.clientPath, fh.path, null);
            FileAttributes a = files.atResolved(fh.path, FileEntry::stat).attrs();
            if (fh.channel != null) {
                a = a.withSize(fh.channel.size());
            }
            completed(op, 0, 0);
            return new SftpResponse.Attrs(id, a);
        }
        if (req instanceof SftpRequest.PathAttrs pa) {
            if (pa.type() == SSH_FXP_MKDIR) {
                return mkdir(id, pa.path(), pa.attrs());
            }
            Path f = files.resolve(pa.path(), true);
            setstat(pa.path(), f, pa.attrs(), false, use -> files.at(pa.path(), true, f, use));
            return ok(id);
        }
        if (req instanceof SftpRequest.Fsetstat fs) {
            Handle h = handle(fs.handle());
            if (fs.attrs().has(SSH_FILEXFER_ATTR_SIZE) && h.channel != null) {
                SftpOperation op = check(Kind.SETSTAT, h.clientPath, h.path, null);
                resize(h.channel, fs.attrs().size());
                events.event("set " + SftpEvents.quote(h.clientPath) + " size " + fs.attrs().size());
                completed(op, 0, 0);
                FileAttributes rest = new FileAttributes(fs.attrs().flags() & ~SSH_FILEXFER_ATTR_SIZE, 0, fs.attrs().uid(), fs.attrs().gid(),
                        fs.attrs().permissions(), fs.attrs().atime(), fs.attrs().mtime(), fs.attrs().extended());
                setstat(h.clientPath, h.path, rest, false, use -> files.atResolved(h.path, use));
            } else {
                setstat(h.clientPath, h.path, fs.attrs(), false, use -> files.atResolved(h.path, use));
            }
            return ok(id);
        }
        if (req instanceof SftpRequest.Rename rn) {
            return rename(id, rn.oldPath(), rn.newPath(), false);
        }
        if (req instanceof SftpRequest.Symlink s) {
            String target = symlinkTargetFirst ? s.first() : s.second();
            String link = symlinkTargetFirst ? s.second() : s.first();
            return symlink(id, link, target);
        }
        if (req instanceof SftpRequest.Extended e) {
            return extended(e);
        }
        return SftpResponse.Status.of(id, SSH_FX_OP_UNSUPPORTED);
    }

    private Handle handle(byte[] h) throws Refusal {
        if (h.length == 4) {
            int n = ((h[0] & 0xff) << 24) | ((h[1] & 0xff) << 16) | ((h[2] & 0xff) << 8) | (h[3] & 0xff);
            Handle found = handles.get(n);
            if (found != null) {
                return found;
            }
        }
        throw new Refusal(SSH_FX_FAILURE, "No such handle");
    }

    private byte[] register(Handle h) throws Refusal {
        if (handles.size() >= settings.maxHandles()) {
            try {
                h.close();
            } catch (IOException e) {
                // it was never handed out
            }
            throw new Refusal(SSH_FX_FAILURE, "too many open handles (" + settings.maxHandles() + ")");
        }
        int n;
        do {
            n = nextHandle++;
        } while (handles.containsKey(n) || n == 0);
        handles.put(n, h);
        return new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
    }

    private SftpResponse open(SftpRequest.Open o) throws IOException, Refusal {
        int pf = o.pflags();
        boolean read = (pf & SSH_FXF_READ) != 0;
        boolean write = (pf & (SSH_FXF_WRITE | SSH_FXF_APPEND)) != 0;
        boolean modifies = write || (pf & (SSH_FXF_CREAT | SSH_FXF_TRUNC)) != 0;
        Set<OpenOption> opts = new HashSet<>();
        if (read) {
            opts.add(StandardOpenOption.READ);
        }
        if (write) {
            opts.add(StandardOpenOption.WRITE);
        }
        if ((pf & SSH_FXF_APPEND) != 0) {
            opts.add(StandardOpenOption.APPEND);
        }
        if ((pf & SSH_FXF_CREAT) != 0) {
            opts.add((pf & SSH_FXF_EXCL) != 0 ? StandardOpenOption.CREATE_NEW : StandardOpenOption.CREATE);
        }
        if ((pf & SSH_FXF_TRUNC) != 0) {
            opts.add(StandardOpenOption.TRUNCATE_EXISTING);
        }
        if (!read && !write) {
            opts.add(StandardOpenOption.READ);
            read = true;
        }
        Path f = files.resolve(o.path(), true);
        SftpOperation op = check(modifies ? Kind.OPEN_WRITE : Kind.OPEN_READ, o.path(), f, null);
        int mode = (o.attrs().has(SSH_FILEXFER_ATTR_PERMISSIONS) ? o.attrs().permissions() : 0666) & 07777;
        if (settings.umask() >= 0) {
            mode &= ~settings.umask();
        }
        boolean creates = opts.contains(StandardOpenOption.CREATE) || opts.contains(StandardOpenOption.CREATE_NEW);
        // on the disk the process's umask applies unless one is set; a virtual file system has none, and may
        // ignore the attributes given at creation (jimfs's secure directory streams do): set the mode asked for
        boolean exactMode = settings.umask() >= 0 || f.getFileSystem() != FileSystems.getDefault();
        int created = mode;
        SeekableByteChannel ch = files.at(o.path(), true, f, e -> {
            boolean existed = creates && exists(e);
            SeekableByteChannel c = e.newByteChannel(opts, FileStat.createAttributes(f, created));
            if (creates && !existed && exactMode) {
                chmodQuietly(e, created);
            }
            return c;
        });
        Handle h = new Handle(o.path(), f, ch, read, write, (pf & SSH_FXF_APPEND) != 0);
        byte[] hb = register(h);
        if (events.enabled()) {
            events.event("open " + SftpEvents.quote(o.path()) + " flags " + flagNames(pf)
                    + ((pf & SSH_FXF_CREAT) != 0 ? " mode 0" + Integer.toOctalString(mode) : ""));
        }
        completed(op, 0, 0);
        return new SftpResponse.Handle(o.id(), hb);
    }

    private static String flagNames(int pf) {
        List<String> n = new ArrayList<>();
        if ((pf & SSH_FXF_READ) != 0) {
            n.add("READ");
        }
        if ((pf & SSH_FXF_WRITE) != 0) {
            n.add("WRITE");
        }
        if ((pf & SSH_FXF_APPEND) != 0) {
            n.add("APPEND");
        }
        if ((pf & SSH_FXF_CREAT) != 0) {
            n.add("CREATE");
        }
        if ((pf & SSH_FXF_TRUNC) != 0) {
            n.add("TRUNCATE");
        }
        if ((pf & SSH_FXF_EXCL) != 0) {
            n.add("EXCL");
        }
        return n.isEmpty() ? "0" : String.join(",", n);
    }

    /** Sets the exact mode of a file or directory just created, past the process's umask; quietly, as the file system may keep its own idea of modes. */
    private static void chmodQuietly(FileEntry e, int mode) {
        try {
            e.setMode(mode);
        } catch (IOException | RuntimeException ex) {
            // the file system keeps its own idea of modes
        }
    }

    private static boolean exists(FileEntry e) throws IOException {
        try {
            e.attributes();
            return true;
        } catch (NoSuchFileException ex) {
            return false;
        }
    }

    private SftpResponse close(SftpRequest.Close c) throws IOException, Refusal {
        Handle h = handle(c.handle());
        int n = ((c.handle()[0] & 0xff) << 24) | ((c.handle()[1] & 0xff) << 16) | ((c.handle()[2] & 0xff) << 8) | (c.handle()[3] & 0xff);
        handles.remove(n);
        try {
            h.close();
        } finally {
            closed(h);
        }
        return ok(c.id());
    }

    private void read(SftpRequest.Read r) throws IOException, Refusal {
        Handle h = handle(r.handle());
        if (h.channel == null || !h.readable) {
            throw new Refusal(SSH_FX_FAILURE, message(SSH_FX_FAILURE));
        }
        int want = Math.max(0, Math.min(r.length() < 0 ? MAX_READ_WRITE : r.length(), MAX_READ_WRITE));
        if (readBuffer == null || readBuffer.length < 13 + want) {
            readBuffer = new byte[13 + Math.max(want, 32 * 1024)];
        }
        byte[] buf = readBuffer;
        ByteBuffer bb = ByteBuffer.wrap(buf, 13, want);
        int got = 0;
        if (r.offset() < 0) {
            throw new Refusal(SSH_FX_FAILURE, "negative offset");
        }
        while (bb.hasRemaining()) {
            int n;
            if (h.fileChannel != null) {
                n = h.fileChannel.read(bb, r.offset() + got);
            } else {
                h.channel.position(r.offset() + got);
                n = h.channel.read(bb);
            }
            if (n < 0) {
                break;
            }
            got += n;
            if (n == 0) {
                break;
            }
        }
        if (got == 0 && want > 0) {
            replies.small(SftpResponse.Status.of(r.id(), SSH_FX_EOF));
            return;
        }
        h.bytesRead += got;
        SftpResponse.dataHeader(buf, r.id(), got);
        replies.big(buf, 13 + got);
    }

    private SftpResponse write(SftpRequest.Write w) throws IOException, Refusal {
        Handle h = handle(w.handle());
        if (h.channel == null || !h.writable) {
            throw new Refusal(SSH_FX_FAILURE, message(SSH_FX_FAILURE));
        }
        if (w.offset() < 0) {
            throw new Refusal(SSH_FX_FAILURE, "negative offset");
        }
        ByteBuffer bb = ByteBuffer.wrap(w.data(), w.dataOffset(), w.dataLength());
        if (h.append) {
            while (bb.hasRemaining()) {
                h.channel.write(bb);
            }
        } else if (h.fileChannel != null) {
            long pos = w.offset();
            while (bb.hasRemaining()) {
                pos += h.fileChannel.write(bb, pos);
            }
        } else {
            h.channel.position(w.offset());
            while (bb.hasRemaining()) {
                h.channel.write(bb);
            }
        }
        h.bytesWritten += w.dataLength();
        return ok(w.id());
    }

    private SftpResponse opendir(int id, String path) throws IOException, Refusal {
        Path f = files.resolve(path, true);
        SftpOperation op = check(Kind.OPENDIR, path, f, null);
        DirectoryStream<Path> ds = files.openDirectory(path, f);
        byte[] hb = register(new Handle(path, f, ds));
        events.event("opendir " + SftpEvents.quote(path));
        completed(op, 0, 0);
        return new SftpResponse.Handle(id, hb);
    }

    private SftpResponse readdir(int id, byte[] handle) throws IOException, Refusal {
        Handle h = handle(handle);
        if (h.dir == null) {
            throw new Refusal(SSH_FX_FAILURE, message(SSH_FX_FAILURE));
        }
        List<SftpResponse.Name> names = new ArrayList<>();
        int bytes = 0;
        if (!h.dotsSent) {
            h.dotsSent = true;
            for (String dot : new String[] {".", ".."}) {
                try {
                    FileStat st = dot.equals(".") ? files.atResolved(h.path, FileEntry::stat)
                            : files.jailed() ? files.at(h.clientPath + "/..", true, null, FileEntry::stat)
                            : FileStat.of(files.realpath(h.clientPath).equals("/") ? h.path : h.path.resolve(".."), true);
                    names.add(new SftpResponse.Name(dot, st.longname(dot), st.attrs()));
                } catch (IOException e) {
                    // a parent we cannot stat is left out
                }
            }
        }
        try {
            while (names.size() < NAMES_PER_READDIR && bytes < MAX_PACKET / 2 && h.entries.hasNext()) {
                Path p = h.entries.next();
                Path fn = p.getFileName();
                String name = fn == null ? p.toString() : fn.toString();
                FileStat st;
                try {
                    st = FileView.statEntry(h.dir, p);
                } catch (IOException e) {
                    continue; // gone since it was listed
                }
                String longname = st.longname(name);
                bytes += name.length() * 2 + longname.length() + 64;
                names.add(new SftpResponse.Name(name, longname, st.attrs()));
            }
        } catch (java.nio.file.DirectoryIteratorException e) {
            throw e.getCause();
        }
        if (names.isEmpty()) {
            return SftpResponse.Status.of(id, SSH_FX_EOF);
        }
        return new SftpResponse.Names(id, names);
    }

    private SftpResponse remove(int id, String path) throws IOException, Refusal {
        Path f = files.resolve(path, false);
        SftpOperation op = check(Kind.REMOVE, path, f, null);
        boolean removed = files.at(path, false, f, e -> {
            if (e.attributes().isDirectory()) {
                return false;
            }
            e.delete();
            return true;
        });
        if (!removed) {
            throw new Refusal(SSH_FX_FAILURE, message(SSH_FX_FAILURE));
        }
        events.event("remove name " + SftpEvents.quote(path));
        completed(op, 0, 0);
        return ok(id);
    }

    private SftpResponse rmdir(int id, String path) throws IOException, Refusal {
        Path f = files.resolve(path, false);
        SftpOperation op = check(Kind.RMDIR, path, f, null);
        boolean removed = files.at(path, false, f, e -> {
            if (!e.attributes().isDirectory()) {
                return false;
            }
            e.deleteDirectory(); // refuses a jail's root
            return true;
        });
        if (!removed) {
            throw new Refusal(SSH_FX_NO_SUCH_FILE, message(SSH_FX_NO_SUCH_FILE));
        }
        events.event("rmdir name " + SftpEvents.quote(path));
        completed(op, 0, 0);
        return ok(id);
    }

    private SftpResponse mkdir(int id, String path, FileAttributes attrs) throws IOException, Refusal {
        Path f = files.resolve(path, false);
        SftpOperation op = check(Kind.MKDIR, path, f, null);
        int mode = (attrs.has(SSH_FILEXFER_ATTR_PERMISSIONS) ? attrs.permissions() : 0777) & 07777;
        if (settings.umask() >= 0) {
            mode &= ~settings.umask();
        }
        int created = mode;
        files.at(path, false, f, e -> {
            e.createDirectory(FileStat.createAttributes(f, created));
            if (settings.umask() >= 0) {
                chmodQuietly(e, created);
            }
            return null;
        });
        events.event("mkdir name " + SftpEvents.quote(path) + " mode 0" + Integer.toOctalString(mode));
        completed(op, 0, 0);
        return ok(id);
    }

    /** How a SETSTAT reaches its file: {@link FileView#at} for a path, {@link FileView#atResolved} for a handle. */
    @FunctionalInterface
    private interface Reach {
        void run(FileView.EntryOperation<Void> op) throws IOException;
    }

    /** SETSTAT, LSETSTAT ({@code linkItself}) and FSETSTAT: each attribute set on the file {@code reach} holds. */
    private void setstat(String path, Path f, FileAttributes a, boolean linkItself, Reach reach) throws IOException, Refusal {
        SftpOperation op = check(Kind.SETSTAT, path, f, null);
        if (a.has(SSH_FILEXFER_ATTR_UIDGID) && FileStat.view(f.getFileSystem()) != FileStat.View.UNIX) {
            throw new Refusal(SSH_FX_OP_UNSUPPORTED, message(SSH_FX_OP_UNSUPPORTED));
        }
        reach.run(e -> {
            if (a.has(SSH_FILEXFER_ATTR_SIZE)) {
                events.event("set " + SftpEvents.quote(path) + " size " + a.size());
                try (SeekableByteChannel ch = e.newByteChannel(Set.of(StandardOpenOption.WRITE))) {
                    resize(ch, a.size());
                }
            }
            if (a.has(SSH_FILEXFER_ATTR_PERMISSIONS)) {
                events.event("set " + SftpEvents.quote(path) + " mode 0" + Integer.toOctalString(a.permissions() & 07777));
                if (linkItself && e.attributes().isSymbolicLink()) {
                    // Linux cannot change a link's own mode (lchmod): OpenSSH answers the same
                    throw new UnsupportedOperationException("the mode of a symbolic link");
                }
                e.setMode(a.permissions());
            }
            if (a.has(SSH_FILEXFER_ATTR_ACMODTIME)) {
                events.event("set " + SftpEvents.quote(path) + " modtime " + java.time.Instant.ofEpochSecond(a.mtime()));
                e.setTimes(a.atime(), a.mtime());
            }
            if (a.has(SSH_FILEXFER_ATTR_UIDGID)) {
                events.event("set " + SftpEvents.quote(path) + " owner " + Integer.toUnsignedString(a.uid()) + " group "
                        + Integer.toUnsignedString(a.gid()));
                e.setOwner(a.uid(), a.gid());
            }
            return null;
        });
        completed(op, 0, 0);
    }

    /** Truncates or extends (with zeros), as truncate(2) does. */
    private static void resize(SeekableByteChannel ch, long size) throws IOException {
        if (size < ch.size()) {
            ch.truncate(size);
        } else if (size > ch.size()) {
            if (ch instanceof FileChannel fc) {
                fc.write(ByteBuffer.allocate(1), size - 1);
            } else {
                ch.position(size - 1);
                ch.write(ByteBuffer.allocate(1));
            }
        }
    }

    private SftpResponse rename(int id, String from, String to, boolean posix) throws IOException, Refusal {
        Path src = files.resolve(from, false);
        Path dst = files.resolve(to, false);
        SftpOperation op = check(Kind.RENAME, from, src, to);
        boolean moved = files.at(from, false, src, s -> files.at(to, false, dst, d -> {
            if (!posix) {
                // SSH_FXP_RENAME must not replace an existing file (draft-02 §6.5), as OpenSSH's link()+unlink()
                s.attributes();
                if (exists(d)) {
                    return false;
                }
            }
            s.moveTo(d);
            return true;
        }));
        if (!moved) {
            throw new Refusal(SSH_FX_FAILURE, message(SSH_FX_FAILURE));
        }
        events.event((posix ? "posix-rename" : "rename") + " old " + SftpEvents.quote(from) + " new " + SftpEvents.quote(to));
        completed(op, 0, 0);
        return ok(id);
    }

    private SftpResponse symlink(int id, String link, String target) throws IOException, Refusal {
        Path l = files.resolve(link, false);
        String stored = files.linkTarget(link, target);
        SftpOperation op = check(Kind.SYMLINK, link, l, target);
        files.at(link, false, l, e -> {
            e.createSymbolicLink(stored);
            return null;
        });
        events.event("symlink old " + SftpEvents.quote(stored) + " new " + SftpEvents.quote(link));
        completed(op, 0, 0);
        return ok(id);
    }

    private SftpResponse extended(SftpRequest.Extended e) throws IOException, Refusal {
        int id = e.id();
        SftpExtended x;
        try {
            x = SftpExtended.decode(e);
        } catch (SshException bad) {
            throw new ClientError("malformed " + e.name() + " request: " + bad.getMessage());
        }
        if (x == null) {
            return SftpResponse.Status.of(id, SSH_FX_OP_UNSUPPORTED);
        }
        if (x instanceof SftpExtended.PosixRename r) {
            return rename(id, r.oldPath(), r.newPath(), true);
        }
        if (x instanceof SftpExtended.Statvfs s) {
            Path f = files.resolve(s.path(), true);
            SftpOperation op = check(Kind.STATVFS, s.path(), f, null);
            SftpResponse r = statvfs(id, files.at(s.path(), true, f, FileEntry::fileStore));
            completed(op, 0, 0);
            return r;
        }
        if (x instanceof SftpExtended.Fstatvfs s) {
            Handle h = handle(s.handle());
            SftpOperation op = check(Kind.STATVFS, h.clientPath, h.path, null);
            SftpResponse r = statvfs(id, files.atResolved(h.path, FileEntry::fileStore));
            completed(op, 0, 0);
            return r;
        }
        if (x instanceof SftpExtended.Hardlink l) {
            Path existing = files.resolve(l.oldPath(), false);
            Path created = files.resolve(l.newPath(), false);
            SftpOperation op = check(Kind.HARDLINK, l.newPath(), created, l.oldPath());
            files.at(l.oldPath(), false, existing, old -> files.at(l.newPath(), false, created, made -> {
                made.createLink(old);
                return null;
            }));
            events.event("hardlink old " + SftpEvents.quote(l.oldPath()) + " new " + SftpEvents.quote(l.newPath()));
            completed(op, 0, 0);
            return ok(id);
        }
        if (x instanceof SftpExtended.Fsync s) {
            Handle h = handle(s.handle());
            SftpOperation op = check(Kind.FSYNC, h.clientPath, h.path, null);
            if (h.fileChannel != null) {
                h.fileChannel.force(true);
            }
            completed(op, 0, 0);
            return ok(id);
        }
        if (x instanceof SftpExtended.Lsetstat s) {
            if (s.attrs().has(SSH_FILEXFER_ATTR_SIZE)) {
                // a link has no size to set, and truncate(2) would follow it (OpenSSH: SSH2_FX_BAD_MESSAGE)
                throw new Refusal(SSH_FX_BAD_MESSAGE, message(SSH_FX_BAD_MESSAGE));
            }
            Path f = files.resolve(s.path(), false);
            setstat(s.path(), f, s.attrs(), true, use -> files.at(s.path(), false, f, use));
            return ok(id);
        }
        if (x instanceof SftpExtended.Limits) {
            SshWriter w = new SshWriter(32);
            w.uint64(MAX_PACKET).uint64(MAX_READ_WRITE).uint64(MAX_READ_WRITE).uint64(settings.maxHandles());
            return new SftpResponse.ExtendedReply(id, w.toByteArray());
        }
        if (x instanceof SftpExtended.ExpandPath p) {
            String path = p.path();
            if (path.equals("~") || path.startsWith("~/")) {
                path = files.root().home() + path.substring(1);
            } else if (path.startsWith("~")) {
                String who = path.substring(1, path.indexOf('/') < 0 ? path.length() : path.indexOf('/'));
                if (user == null || !who.equals(user)) {
                    throw new Refusal(SSH_FX_NO_SUCH_FILE, message(SSH_FX_NO_SUCH_FILE));
                }
                path = files.root().home() + path.substring(1 + who.length());
            }
            String real = files.realpath(path);
            return new SftpResponse.Names(id, List.of(new SftpResponse.Name(real, real, FileAttributes.EMPTY)));
        }
        if (x instanceof SftpExtended.HomeDirectory hd) {
            if (!hd.username().isEmpty() && user != null && !hd.username().equals(user)) {
                throw new Refusal(SSH_FX_NO_SUCH_FILE, message(SSH_FX_NO_SUCH_FILE));
            }
            String home = files.realpath(files.root().home());
            return new SftpResponse.Names(id, List.of(new SftpResponse.Name(home, home, FileAttributes.EMPTY)));
        }
        if (x instanceof SftpExtended.UsersGroupsById u) {
            SshWriter names = new SshWriter();
            for (int uid : u.uids()) {
                names.string(IdNames.user(uid));
            }
            SshWriter groups = new SshWriter();
            for (int gid : u.gids()) {
                groups.string(IdNames.group(gid));
            }
            SshWriter w = new SshWriter(names.length() + groups.length() + 8);
            w.string(names.array(), 0, names.length()).string(groups.array(), 0, groups.length());
            return new SftpResponse.ExtendedReply(id, w.toByteArray());
        }
        if (x instanceof SftpExtended.CopyData c) {
            return copyData(id, c);
        }
        return SftpResponse.Status.of(id, SSH_FX_OP_UNSUPPORTED);
    }

    private SftpResponse statvfs(int id, FileStore store) throws IOException {
        long bsize;
        try {
            bsize = store.getBlockSize();
        } catch (UnsupportedOperationException e) {
            bsize = 4096;
        }
        long total = store.getTotalSpace();
        long free = store.getUnallocatedSpace();
        long avail = store.getUsableSpace();
        long flag = (store.isReadOnly() || settings.readOnly() ? SSH_FXE_STATVFS_ST_RDONLY : 0);
        SshWriter w = new SshWriter(88);
        w.uint64(bsize).uint64(bsize).uint64(total / bsize).uint64(free / bsize).uint64(avail / bsize)
                .uint64(0).uint64(0).uint64(0).uint64(0).uint64(flag).uint64(255);
        return new SftpResponse.ExtendedReply(id, w.toByteArray());
    }

    private SftpResponse copyData(int id, SftpExtended.CopyData c) throws IOException, Refusal {
        Handle from = handle(c.readHandle());
        Handle to = handle(c.writeHandle());
        if (from.channel == null || to.channel == null || !from.readable || !to.writable) {
            throw new Refusal(SSH_FX_FAILURE, message(SSH_FX_FAILURE));
        }
        SftpOperation op = check(Kind.COPY_DATA, from.clientPath, from.path, to.clientPath);
        if (from.path.equals(to.path) && overlaps(c)) {
            throw new Refusal(SSH_FX_FAILURE, "the source and destination ranges overlap");
        }
        long remaining = c.length() == 0 ? Long.MAX_VALUE : c.length();
        long rpos = c.readOffset();
        long wpos = c.writeOffset();
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        long copied = 0;
        while (remaining > 0) {
            buf.clear();
            if (remaining < buf.capacity()) {
                buf.limit((int) remaining);
            }
            from.channel.position(rpos);
            int n = from.channel.read(buf);
            if (n <= 0) {
                if (c.length() != 0) {
                    throw new Refusal(SSH_FX_EOF, message(SSH_FX_EOF));
                }
                break;
            }
            buf.flip();
            while (buf.hasRemaining()) {
                if (to.fileChannel != null && !to.append) {
                    wpos += to.fileChannel.write(buf, wpos);
                } else {
                    to.channel.position(wpos);
                    wpos += to.channel.write(buf);
                }
            }
            rpos += n;
            copied += n;
            remaining -= n;
        }
        from.bytesRead += copied;
        to.bytesWritten += copied;
        events.event("copy-data from " + SftpEvents.quote(from.clientPath) + " to " + SftpEvents.quote(to.clientPath) + " bytes " + copied);
        completed(op, copied, copied);
        return ok(id);
    }

    private static boolean overlaps(SftpExtended.CopyData c) {
        long len = c.length() == 0 ? Long.MAX_VALUE / 4 : c.length();
        return c.readOffset() < c.writeOffset() + len && c.writeOffset() < c.readOffset() + len;
    }
}
