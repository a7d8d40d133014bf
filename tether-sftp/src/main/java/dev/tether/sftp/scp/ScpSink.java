package dev.tether.sftp.scp;

import dev.tether.sftp.policy.SftpOperation;
import dev.tether.sftp.policy.SftpOperation.Kind;
import dev.tether.sftp.scp.ScpServer.Fatal;
import dev.tether.sftp.scp.ScpServer.Refusal;
import dev.tether.sftp.server.FileStat;
import dev.tether.sftp.server.SftpEvents;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.Set;

/**
 * {@code scp -t TARGET}: receives files (and with {@code -r} directories) into the target, as
 * scp.c's sink() does. The target is a directory (each record's name is created in it) or a file
 * (a single file is written to it; a D record creates it as a directory).
 *
 * <p>What a client sends is checked before anything is touched: a malformed or oversized record,
 * a size beyond a long, and a name that is empty, {@code .}, {@code ..}, has a {@code /} or NUL
 * in it, end the session with an error line (as scp.c's fatal {@code protocol error} and
 * {@code unexpected filename}); so every file written is one name below the directory being
 * filled, and with a jail the {@link dev.tether.sftp.server.FileView} keeps even a symbolic link
 * found there inside it. Exactly {@code size} bytes are read after a C record, whatever happens
 * to the file, so the stream stays in step; a failed write is reported after them.
 *
 * <p>As scp.c: a file is opened without truncation and cut to its size after the data; a new
 * file's mode is the record's, less the umask and 07000 (exactly the record's with {@code -p}),
 * an existing file keeps its mode unless {@code -p}; a transfer the client cuts short leaves
 * what was written, and the session ends with an error line, an event-log line and exit status 1.
 *
 * <p>Threading: the session's thread only.
 */
final class ScpSink {
    private final ScpServer s;
    private final byte[] line = new byte[ScpRecord.MAX_LINE];
    private final byte[] data = new byte[64 * 1024];

    ScpSink(ScpServer session) {
        this.s = session;
    }

    void run(String target) throws IOException, Fatal {
        sink(target, 0);
    }

    private void sink(String targ, int depth) throws IOException, Fatal {
        if (s.line.targetShouldBeDirectory) {
            verifyDirectory(targ);
        }
        s.ack();
        boolean targetIsDirectory = isDirectory(targ);
        ScpRecord.Times times = null;
        for (boolean first = true;; first = false) {
            ScpRecord.Record r;
            try {
                int n = ScpRecord.readLine(s.in, line);
                if (n < 0) {
                    return;
                }
                r = ScpRecord.parse(line, n, first);
            } catch (ScpRecord.Refused e) {
                throw s.fatal(e.getMessage());
            }
            if (r instanceof ScpRecord.Message m) {
                s.peerError(m);
                if (m.fatal()) {
                    throw new Fatal();
                }
                continue;
            }
            if (r instanceof ScpRecord.End) {
                s.ack();
                return;
            }
            if (r instanceof ScpRecord.Times t) {
                times = t.inRange() ? t : null;
                s.ack();
                continue;
            }
            ScpRecord.Entry e = (ScpRecord.Entry) r;
            String np = targetIsDirectory ? (targ.endsWith("/") ? targ + e.name() : targ + "/" + e.name()) : targ;
            if (e.directory()) {
                if (!s.line.recursive) {
                    throw s.fatal("protocol error: received directory without -r");
                }
                directory(np, e, times, depth);
            } else {
                file(np, e, times);
            }
            times = null;
        }
    }

    private void verifyDirectory(String targ) throws IOException, Fatal {
        try {
            if (!Files.readAttributes(s.resolve(targ, true), BasicFileAttributes.class).isDirectory()) {
                throw s.fatal(targ + ": Not a directory");
            }
        } catch (IOException | RuntimeException e) {
            throw s.fatal(targ + ": " + ScpServer.strerror(e));
        }
    }

    private boolean isDirectory(String clientPath) {
        try {
            return Files.isDirectory(s.resolve(clientPath, true));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static BasicFileAttributes attributesOrNull(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** A D record: make or reuse the directory, fill it (its own sink level), then its times and mode. */
    private void directory(String np, ScpRecord.Entry e, ScpRecord.Times times, int depth) throws IOException, Fatal {
        if (depth + 1 >= ScpServer.MAX_DEPTH || ScpServer.byteLength(np) >= ScpServer.MAX_PATH) {
            s.error(np + ": File name too long");
            return;
        }
        Path path = s.resolveOrReport(np, true, np);
        if (path == null) {
            return;
        }
        boolean preserve = s.line.preserve;
        int mode = preserve ? e.mode() & 07777 : s.maskedMode(e.mode());
        BasicFileAttributes existing = attributesOrNull(path);
        boolean created = existing == null;
        if (!created) {
            if (!existing.isDirectory()) {
                s.error(np + ": Not a directory");
                return;
            }
            if (preserve) {
                setMode(np, path, mode);
            }
        } else if (!mkdir(np, mode)) {
            return;
        }
        sink(np, depth + 1);
        if (times != null) {
            try {
                SftpOperation op = s.check(Kind.SETSTAT, np, path);
                String failure = setTimes(np, path, times);
                s.completed(op, failure, 0, 0);
            } catch (Refusal r) {
                // scp.c ignores a failure to set a directory's times
            }
        }
        if (created) {
            // made with u+rwx so that it could be filled; now the mode it was sent with
            int wanted = mode;
            if (!preserve && s.settings.umask() < 0) {
                wanted = mode & currentMode(path, mode);
            }
            chmod(np, path, wanted); // as scp.c, a failure here is not reported
        }
    }

    private boolean mkdir(String np, int mode) throws IOException {
        Path path = s.resolveOrReport(np, false, np);
        SftpOperation op = path == null ? null : s.checkOrReport(Kind.MKDIR, np, path, np);
        if (op == null) {
            return false;
        }
        try {
            // in a jail, made in its parent held open from the jail's root (FileView.at), not by the path
            s.files.at(np, false, path, entry -> {
                entry.createDirectory(FileStat.createAttributes(path, mode | 0700));
                return null;
            });
        } catch (IOException | RuntimeException x) {
            s.failed(op, np, x);
            return false;
        }
        s.events.event("mkdir name " + SftpEvents.quote(np) + " mode 0" + Integer.toOctalString(mode));
        s.completed(op, null, 0, 0);
        return true;
    }

    /** The permission bits a file or directory has now, or {@code fallback} where the file system has none. */
    private static int currentMode(Path path, int fallback) {
        try {
            return FileStat.of(path, true).attrs().permissions() & 07777;
        } catch (IOException | RuntimeException e) {
            return fallback;
        }
    }

    /** chmod of an existing file or directory under {@code -p} (a SETSTAT); null, or what failed. */
    private String setMode(String np, Path path, int mode) {
        try {
            SftpOperation op = s.check(Kind.SETSTAT, np, path);
            String failure = null;
            try {
                s.files.at(np, true, path, entry -> {
                    entry.setMode(mode);
                    return null;
                });
                s.events.event("set " + SftpEvents.quote(np) + " mode 0" + Integer.toOctalString(mode));
            } catch (IOException | RuntimeException x) {
                failure = ScpServer.strerror(x);
            }
            s.completed(op, failure, 0, 0);
            return failure;
        } catch (Refusal r) {
            return r.getMessage();
        }
    }

    /** utimes(2) with a T record's times; null, or what failed. */
    private String setTimes(String np, Path path, ScpRecord.Times t) {
        try {
            // scp.c's utimes() keeps microseconds; the held-entry path sets whole seconds, as SFTP does
            s.files.at(np, true, path, entry -> {
                entry.setTimes(t.atime(), t.mtime());
                return null;
            });
            s.events.event("set " + SftpEvents.quote(np) + " modtime " + Instant.ofEpochSecond(t.mtime()));
            return null;
        } catch (IOException | RuntimeException x) {
            return ScpServer.strerror(x);
        }
    }

    /** A C record: open, acknowledge, take exactly {@code size} bytes, then cut, mode, the client's status, times. */
    private void file(String np, ScpRecord.Entry e, ScpRecord.Times times) throws IOException, Fatal {
        Path path = s.resolveOrReport(np, true, np);
        SftpOperation op = path == null ? null : s.checkOrReport(Kind.OPEN_WRITE, np, path, np);
        if (op == null) {
            return;
        }
        boolean preserve = s.line.preserve;
        BasicFileAttributes existing = attributesOrNull(path);
        boolean exists = existing != null;
        int mode = preserve ? e.mode() & 07777 : s.maskedMode(e.mode());
        int createMode = mode | 0200;
        SeekableByteChannel ch;
        try {
            ch = s.files.open(np, Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE), FileStat.createAttributes(path, createMode));
        } catch (IOException | RuntimeException x) {
            s.failed(op, np, x);
            return;
        }
        s.events.event("open " + SftpEvents.quote(np) + " flags WRITE,CREATE" + (exists ? "" : " mode 0" + Integer.toOctalString(mode))
                + " size " + e.size());
        s.completed(op, null, 0, 0);
        long written = 0;
        String noted = null;
        boolean writeFailed = false;
        try {
            s.ack();
            long remaining = e.size();
            while (remaining > 0) {
                int n = s.in.read(data, 0, (int) Math.min(data.length, remaining));
                if (n < 0) {
                    String why = "connection lost after " + written + " of " + e.size() + " bytes; the file is incomplete";
                    close(ch);
                    ch = null;
                    s.closed(np, path, why, 0, written);
                    throw s.fatal(np + ": dropped connection");
                }
                remaining -= n;
                if (!writeFailed) {
                    try {
                        ByteBuffer b = ByteBuffer.wrap(data, 0, n);
                        while (b.hasRemaining()) {
                            ch.write(b);
                        }
                        written += n;
                    } catch (IOException | RuntimeException x) {
                        noted = np + ": " + ScpServer.strerror(x);
                        writeFailed = true;
                    }
                }
            }
            if (!writeFailed && (!exists || existing.isRegularFile())) {
                try {
                    if (ch.size() > e.size()) {
                        ch.truncate(e.size());
                    }
                } catch (IOException | RuntimeException x) {
                    noted = np + ": truncate: " + ScpServer.strerror(x);
                }
            }
        } finally {
            if (ch != null) {
                String failure = close(ch);
                if (failure != null && noted == null) {
                    noted = np + ": close: " + failure;
                }
                s.closed(np, path, noted, 0, written);
            }
        }
        String modeFailure = fileMode(np, path, exists, mode, createMode);
        if (modeFailure != null && noted == null) {
            noted = np + ": set mode: " + modeFailure;
        }
        s.response();
        if (times != null && !writeFailed) {
            try {
                SftpOperation setstat = s.check(Kind.SETSTAT, np, path);
                String failure = setTimes(np, path, times);
                s.completed(setstat, failure, 0, 0);
                if (failure != null && noted == null) {
                    noted = np + ": set times: " + failure;
                }
            } catch (Refusal r) {
                if (noted == null) {
                    noted = np + ": set times: " + r.getMessage();
                }
            }
        }
        if (noted == null) {
            s.ack();
        } else {
            s.error(noted);
        }
    }

    /**
     * The mode after writing, as scp.c: with {@code -p} the record's (a SETSTAT for a file that
     * existed), else a new file's masked mode where opening it with u+w changed it or a umask of
     * our own applies; an existing file keeps its mode. Null, or what failed.
     */
    private String fileMode(String np, Path path, boolean exists, int mode, int createMode) {
        if (s.line.preserve) {
            if (exists) {
                return setMode(np, path, mode);
            }
            if (currentMode(path, mode) != mode) {
                return chmod(np, path, mode);
            }
            return null;
        }
        if (exists) {
            return null;
        }
        if (s.settings.umask() >= 0) {
            return chmod(np, path, mode);
        }
        if (mode != createMode) {
            return chmod(np, path, mode & currentMode(path, mode));
        }
        return null;
    }

    private String chmod(String np, Path path, int mode) {
        try {
            s.files.at(np, true, path, entry -> {
                entry.setMode(mode);
                return null;
            });
            return null;
        } catch (IOException | RuntimeException x) {
            return ScpServer.strerror(x);
        }
    }

    private static String close(SeekableByteChannel ch) {
        try {
            ch.close();
            return null;
        } catch (IOException x) {
            return ScpServer.strerror(x);
        }
    }
}
