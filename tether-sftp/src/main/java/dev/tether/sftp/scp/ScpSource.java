package dev.tether.sftp.scp;

import dev.tether.sftp.policy.SftpOperation;
import dev.tether.sftp.policy.SftpOperation.Kind;
import dev.tether.sftp.protocol.FileAttributes;
import dev.tether.sftp.scp.ScpServer.Fatal;
import dev.tether.sftp.server.FileStat;
import dev.tether.sftp.server.SftpEvents;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * {@code scp -f PATH...}: sends files (and with {@code -r} directories, as D ... E) to the client,
 * as scp.c's source() and rsource() do: each path's words expanded as the user's shell would
 * ({@link ScpGlob}), then for each file an optional T record ({@code -p}), a C record with the
 * mode, size and last component, the size bytes taken when the file was looked at, and a status
 * byte. A file that cannot be read on the way keeps the stream in step with zeros and is
 * reported as an error after its data; a file that is not regular, a directory without
 * {@code -r}, a refused or missing path is an error line and the next path.
 *
 * <p>Trees are bounded: a path of {@value ScpServer#MAX_PATH} bytes or more, or deeper than
 * {@value ScpServer#MAX_DEPTH} directories, is an error, and a directory that is its own ancestor
 * (through a symbolic link) is refused with ELOOP's message instead of being sent forever.
 *
 * <p>Threading: the session's thread only.
 */
final class ScpSource {
    private final ScpServer s;
    private final byte[] data = new byte[64 * 1024];
    /** The file keys of the directories being sent, outermost first (a key may be null where the file system has none). */
    private final List<Object> ancestors = new ArrayList<>();

    ScpSource(ScpServer session) {
        this.s = session;
    }

    void run(List<ScpCommandLine.Word> words) throws IOException, Fatal {
        s.response();
        for (ScpCommandLine.Word w : words) {
            List<String> paths;
            try {
                paths = ScpGlob.expand(w, s.files, s.user);
            } catch (ScpGlob.TooManyMatches e) {
                s.error(e.getMessage());
                continue;
            }
            for (String p : paths) {
                source(p, 0);
            }
        }
    }

    private void source(String path, int depth) throws IOException, Fatal {
        int len = path.length();
        while (len > 1 && path.charAt(len - 1) == '/') {
            len--;
        }
        String name = path.substring(0, len);
        String shown = ScpRecord.wireName(name);
        if (ScpServer.byteLength(name) >= ScpServer.MAX_PATH) {
            s.error(shown + ": File name too long");
            return;
        }
        Path file;
        FileAttributes a;
        BasicFileAttributes basic;
        try {
            file = s.resolve(name, true);
            basic = Files.readAttributes(file, BasicFileAttributes.class);
            a = FileStat.of(file, true).attrs();
        } catch (IOException | RuntimeException x) {
            s.error(shown + ": " + ScpServer.strerror(x));
            return;
        }
        if (basic.isDirectory()) {
            if (s.line.recursive) {
                directory(name, shown, file, a, basic.fileKey(), depth);
            } else {
                s.error(shown + ": not a regular file");
            }
            return;
        }
        if (!basic.isRegularFile()) {
            s.error(shown + ": not a regular file");
            return;
        }
        String last = shown.substring(shown.lastIndexOf('/') + 1);
        String record = ScpRecord.file(a.permissions(), basic.size(), last);
        if (record.getBytes(StandardCharsets.UTF_8).length >= ScpRecord.MAX_LINE) {
            s.error(shown + ": File name too long");
            return;
        }
        SftpOperation op = s.checkOrReport(Kind.OPEN_READ, name, file, shown);
        if (op == null) {
            return;
        }
        SeekableByteChannel ch;
        try {
            ch = s.files.open(name, Set.of(StandardOpenOption.READ));
        } catch (IOException | RuntimeException x) {
            s.failed(op, shown, x);
            return;
        }
        s.events.event("open " + SftpEvents.quote(name) + " flags READ");
        s.completed(op, null, 0, 0);
        long read = 0;
        String failure = null;
        try {
            if (s.line.preserve) {
                s.send(ScpRecord.times(a.mtime(), a.atime()));
                if (s.response() < 0) {
                    failure = "times refused";
                    return;
                }
            }
            s.send(record);
            if (s.response() < 0) {
                failure = "refused";
                return;
            }
            long size = basic.size();
            for (long sent = 0; sent < size; ) {
                int want = (int) Math.min(data.length, size - sent);
                int got = 0;
                if (failure == null) {
                    try {
                        got = readFully(ch, want);
                        read += got;
                        if (got < want) {
                            failure = "file shrank while it was sent";
                        }
                    } catch (IOException | RuntimeException x) {
                        failure = ScpServer.strerror(x);
                    }
                }
                // keep writing after a failure, to stay in step
                Arrays.fill(data, got, want, (byte) 0);
                s.out.write(data, 0, want);
                sent += want;
            }
            if (failure == null) {
                s.ack();
            } else {
                s.error(shown + ": " + failure);
            }
            s.response();
        } finally {
            try {
                ch.close();
            } catch (IOException x) {
                // read only; nothing was lost
            }
            s.closed(name, file, failure, read, 0);
        }
    }

    private int readFully(SeekableByteChannel ch, int want) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data, 0, want);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                break;
            }
        }
        return b.position();
    }

    /** {@code -r}: D, the entries, E (scp.c's rsource()). */
    private void directory(String name, String shown, Path dir, FileAttributes a, Object key, int depth) throws IOException, Fatal {
        if (depth + 1 >= ScpServer.MAX_DEPTH) {
            s.error(shown + ": File name too long");
            return;
        }
        if (key != null && ancestors.contains(key)) {
            s.error(shown + ": Too many levels of symbolic links");
            return;
        }
        String last = shown.substring(shown.lastIndexOf('/') + 1);
        String record = ScpRecord.directory(a.permissions(), last);
        if (record.getBytes(StandardCharsets.UTF_8).length >= ScpRecord.MAX_LINE) {
            s.error(shown + ": File name too long");
            return;
        }
        SftpOperation op = s.checkOrReport(Kind.OPENDIR, name, dir, shown);
        if (op == null) {
            return;
        }
        DirectoryStream<Path> entries;
        try {
            entries = s.files.openDirectory(name);
        } catch (IOException | RuntimeException x) {
            s.failed(op, shown, x);
            return;
        }
        s.events.event("opendir " + SftpEvents.quote(name));
        s.completed(op, null, 0, 0);
        try (entries) {
            if (s.line.preserve) {
                s.send(ScpRecord.times(a.mtime(), a.atime()));
                if (s.response() < 0) {
                    return;
                }
            }
            s.send(record);
            if (s.response() < 0) {
                return;
            }
            ancestors.add(key);
            try {
                for (Path p : entries) {
                    Path fn = p.getFileName();
                    String entry = fn == null ? p.toString() : fn.toString();
                    source(name.equals("/") ? "/" + entry : name + "/" + entry, depth + 1);
                }
            } catch (DirectoryIteratorException x) {
                s.error(shown + ": " + ScpServer.strerror(x.getCause()));
            } finally {
                ancestors.remove(ancestors.size() - 1);
            }
            s.out.write(ScpRecord.END);
            s.response();
        }
    }
}
