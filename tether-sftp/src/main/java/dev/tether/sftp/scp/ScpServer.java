package dev.tether.sftp.scp;

import dev.tether.sftp.policy.SftpOperation;
import dev.tether.sftp.policy.SftpOperation.Kind;
import dev.tether.sftp.policy.SftpRoot;
import dev.tether.sftp.policy.SftpStatus;
import dev.tether.sftp.server.FileView;
import dev.tether.sftp.server.SessionSettings;
import dev.tether.sftp.server.SftpEvents;
import dev.tether.ssh.common.ConnectionInfo;
import dev.tether.ssh.policy.Command;
import dev.tether.ssh.policy.Login;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.ReadOnlyFileSystemException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of the legacy SCP protocol, as OpenSSH's {@code scp -t} (sink, {@link ScpSink})
 * and {@code scp -f} (source, {@link ScpSource}) speak it to {@code scp -O}, run in Java on the
 * same {@link FileView} seam, policy, read-only mode and umask as SFTP: so it works where no OS
 * process may run ({@code tether server --chroot}) and cannot leave the user's root.
 *
 * <p>{@link #command} recognises the command line (see {@link ScpCommandLine}); one instance is
 * one session: the command's streams, its {@link FileView}, the error count that becomes the exit
 * status (0, or 1 after any error, as scp's), and the helpers both directions share: status
 * bytes and error lines ({@code \1scp: ...\n}, scp.c's run_err), the policy checks with their
 * event-log lines (protocol name {@code scp}), and errno-style messages for Java's exceptions.
 *
 * <p><b>Threading.</b> A session runs on the one thread the SSH server gives the command; nothing
 * in it is shared. Reads block on the client's data, writes on its window; a client that goes
 * away ends the stream, and the session with it.
 */
public final class ScpServer {
    private static final Logger log = LoggerFactory.getLogger(ScpServer.class);
    /** The longest path the server follows (Linux's PATH_MAX), in UTF-8 bytes. */
    static final int MAX_PATH = 4096;
    /** How deep a directory tree may go, either way. */
    static final int MAX_DEPTH = 256;

    final ScpCommandLine line;
    final SessionSettings settings;
    final FileView files;
    final String user;
    private final ConnectionInfo connection;
    final SftpEvents events;
    /** Buffered channel streams; data is written through {@link #out} and flushed before every wait for the peer. */
    InputStream in;
    OutputStream out;
    private final byte[] replyBuffer = new byte[ScpRecord.MAX_LINE];
    private int errors;

    /** The session ends (exit status 1); what the client needs to know has been sent. */
    static final class Fatal extends Exception {
        Fatal() {
            super(null, null, false, false);
        }
    }

    /** An operation refused by read-only mode or the policy; the message is for the client. */
    static final class Refusal extends Exception {
        Refusal(String message) {
            super(message, null, false, false);
        }
    }

    private ScpServer(ScpCommandLine line, SessionSettings settings, FileView files, String user, ConnectionInfo connection) {
        this.line = line;
        this.settings = settings;
        this.files = files;
        this.user = user;
        this.connection = connection;
        this.events = new SftpEvents("scp", user, connection);
    }

    /** The in-process command for an {@code scp -t}/{@code scp -f} command line, or null for any other (and for a shell). */
    public static Command command(String commandLine, SessionSettings settings, Function<Login, SftpRoot> roots) {
        ScpCommandLine parsed = ScpCommandLine.parse(commandLine);
        if (parsed == null) {
            return null;
        }
        return context -> {
            Login login = context.login();
            if (parsed.usageError() != null) {
                context.stderr().write(("scp: " + parsed.usageError() + "\nusage: scp [-dfprqtv] [--] path ...\n")
                        .getBytes(StandardCharsets.UTF_8));
                context.stderr().flush();
                return 1;
            }
            FileView files = new FileView(roots.apply(login));
            ScpServer s = new ScpServer(parsed, settings, files, login == null ? null : login.username(),
                    login == null ? null : login.connection());
            return s.serve(context.stdin(), context.stdout(), commandLine);
        };
    }

    /** Runs the session on the command's streams; returns the exit status. */
    int serve(InputStream stdin, OutputStream stdout, String commandLine) {
        this.in = new BufferedInputStream(stdin, 64 * 1024);
        this.out = new BufferedOutputStream(stdout, 64 * 1024);
        events.event("command " + SftpEvents.quote(commandLine) + ", root " + files.root());
        try {
            if (line.source) {
                new ScpSource(this).run(line.paths);
            } else {
                List<String> targets = new ArrayList<>();
                for (ScpCommandLine.Word w : line.paths) {
                    targets.addAll(ScpGlob.expand(w, files, user));
                }
                if (targets.size() != 1) {
                    throw fatal("ambiguous target");
                }
                new ScpSink(this).run(targets.get(0));
            }
        } catch (Fatal e) {
            errors++;
        } catch (ScpGlob.TooManyMatches e) {
            errors++;
            try {
                error(e.getMessage());
            } catch (IOException gone) {
                // the client is gone
            }
        } catch (EOFException e) {
            errors++;
            events.event("connection lost");
        } catch (IOException e) {
            errors++;
            log.debug("scp session failed", e);
            events.event("session failed: " + SftpEvents.quote(String.valueOf(e.getMessage())));
        } finally {
            try {
                out.flush();
            } catch (IOException e) {
                // the client is gone
            }
        }
        int status = errors == 0 ? 0 : 1;
        events.event("session closed, exit status " + status);
        return status;
    }

    // ------------------------------------------------------------------ the wire, both directions

    /** The status byte 0: the last record was accepted. */
    void ack() throws IOException {
        out.write(0);
        out.flush();
    }

    /** scp.c's run_err(): counts an error and sends {@code \1scp: MESSAGE\n}; the transfer goes on. */
    void error(String message) throws IOException {
        errors++;
        events.event("error " + SftpEvents.quote(message));
        out.write(ScpRecord.errorLine(message));
        out.flush();
    }

    /** {@link #error} for an error that ends the session: throw what this returns. */
    Fatal fatal(String message) throws IOException {
        error(message);
        return new Fatal();
    }

    void send(String record) throws IOException {
        out.write(record.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /**
     * scp.c's response(): waits for the peer's status byte. 0 gives 0; an error line is counted
     * and gives -1; a fatal one (or any other byte) ends the session.
     */
    int response() throws IOException, Fatal {
        out.flush();
        ScpRecord.Message m = ScpRecord.response(in, replyBuffer);
        if (m == null) {
            return 0;
        }
        errors++;
        events.event("client " + (m.fatal() ? "fatal error " : "error ") + SftpEvents.quote(m.text()));
        if (m.fatal()) {
            throw new Fatal();
        }
        return -1;
    }

    /** Counts an error the peer reported in-band (a {@code \1} line where a record was expected). */
    void peerError(ScpRecord.Message m) {
        errors++;
        events.event("client error " + SftpEvents.quote(m.text()));
    }

    // ------------------------------------------------------------------ files and policy

    /** The file a client path names, through the {@link FileView}; the empty path names nothing (as open("") does). */
    Path resolve(String clientPath, boolean followFinal) throws IOException {
        if (clientPath.isEmpty()) {
            throw new NoSuchFileException(clientPath);
        }
        return files.resolve(clientPath, followFinal);
    }

    /** {@link #resolve}, reporting a failure to the client as {@code SHOWN: strerror}; null if it failed. */
    Path resolveOrReport(String clientPath, boolean followFinal, String shown) throws IOException {
        try {
            return resolve(clientPath, followFinal);
        } catch (IOException | RuntimeException x) {
            error(shown + ": " + strerror(x));
            return null;
        }
    }

    /** {@link #check}, reporting a refusal to the client as {@code SHOWN: MESSAGE}; null if refused. */
    SftpOperation checkOrReport(Kind kind, String path, Path file, String shown) throws IOException {
        try {
            return check(kind, path, file);
        } catch (Refusal r) {
            error(shown + ": " + r.getMessage());
            return null;
        }
    }

    /** A checked operation failed: the policy and the client are told ({@code SHOWN: strerror}). */
    void failed(SftpOperation op, String shown, Exception x) throws IOException {
        completed(op, strerror(x), 0, 0);
        error(shown + ": " + strerror(x));
    }

    /**
     * Read-only mode, the SFTP request lists (sftp-server's {@code -p}/{@code -P}, by the names of
     * the SFTP requests the operation stands for), then the policy; a refusal is logged and its
     * message is for the client.
     */
    SftpOperation check(Kind kind, String path, Path file) throws Refusal {
        SftpOperation op = new SftpOperation(kind, path, file, null, user, connection);
        String what = kind.name().toLowerCase(Locale.ROOT);
        if (settings.readOnly() && op.writes()) {
            events.event("refused " + what + " " + SftpEvents.quote(path) + ": read-only");
            throw new Refusal("Read-only file system");
        }
        for (String request : sftpRequests(kind)) {
            if (!settings.permitted(request)) {
                events.event("refused " + what + " " + SftpEvents.quote(path) + ": " + request + " not permitted by the request list");
                throw new Refusal("Permission denied");
            }
        }
        SftpStatus s = settings.policy().check(op);
        if (s == null || !s.ok()) {
            SftpStatus refusal = s == null ? SftpStatus.denied(null) : s;
            events.event("refused " + what + " " + SftpEvents.quote(path) + ": " + refusal.message());
            settings.policy().completed(op, refusal, 0, 0);
            throw new Refusal(refusal.message());
        }
        return op;
    }

    /** The SFTP requests that do what an SCP operation does. */
    private static List<String> sftpRequests(Kind kind) {
        switch (kind) {
            case OPEN_READ:
                return List.of("open", "read");
            case OPEN_WRITE:
                return List.of("open", "write");
            case OPENDIR:
                return List.of("opendir", "readdir");
            case MKDIR:
                return List.of("mkdir");
            case SETSTAT:
                return List.of("setstat");
            default:
                return List.of();
        }
    }

    /** Tells the policy how a checked operation ended: null for success, else the failure. */
    void completed(SftpOperation op, String failure, long bytesRead, long bytesWritten) {
        SftpStatus outcome = failure == null ? SftpStatus.OK : new SftpStatus(SftpStatus.FAILURE, failure);
        settings.policy().completed(op, outcome, bytesRead, bytesWritten);
    }

    /** The CLOSE a policy observes when a file's transfer ends. */
    void closed(String path, Path file, String failure, long bytesRead, long bytesWritten) {
        events.event("close " + SftpEvents.quote(path) + " bytes read " + bytesRead + " written " + bytesWritten
                + (failure == null ? "" : ": " + failure));
        completed(new SftpOperation(Kind.CLOSE, path, file, null, user, connection), failure, bytesRead, bytesWritten);
    }

    /** The mode bits of a file or directory the sink creates without {@code -p}: scp.c's {@code mode & ~(umask | 07000)}. */
    int maskedMode(int mode) {
        return settings.umask() >= 0 ? mode & ~settings.umask() & 0777 : mode & 0777;
    }

    /** The text of strerror(errno) for what Java threw, as scp.c prints it after the path. */
    static String strerror(Exception e) {
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof NotDirectoryException) {
            return "Not a directory";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "File exists";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "Directory not empty";
        }
        if (e instanceof FileSystemLoopException) {
            return "Too many levels of symbolic links";
        }
        if (e instanceof AccessDeniedException a) {
            return a.getReason() != null ? a.getReason() : "Permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        if (e instanceof ReadOnlyFileSystemException) {
            return "Read-only file system";
        }
        if (e instanceof InvalidPathException) {
            return "Invalid argument";
        }
        if (e instanceof UnsupportedOperationException) {
            return "Operation not supported";
        }
        String m = e.getMessage();
        return m != null ? m : e.getClass().getSimpleName();
    }

    /** A client path's length as the operating system counts it. */
    static int byteLength(String path) {
        return path.getBytes(StandardCharsets.UTF_8).length;
    }
}
