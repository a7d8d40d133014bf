package dev.tether.sftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tether.sftp.protocol.FileAttributes;
import dev.tether.sftp.protocol.SftpConstants;
import dev.tether.sftp.protocol.SftpExtended;
import dev.tether.sftp.protocol.SftpRequest;
import dev.tether.sftp.protocol.SftpResponse;
import dev.tether.ssh.common.SshWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Requests and measurements the jail and hostile-input tests share: extended requests built from
 * the codec's records, reading a handle to its end, and what the server's JVM (this JVM) holds:
 * open file descriptors and live threads. Stateless.
 */
final class Probes {
    private Probes() {
    }

    /** An SSH_FXP_EXTENDED request carrying {@code x}'s payload. */
    static SftpRequest.Extended extended(int id, SftpExtended x) {
        SshWriter w = new SshWriter(64);
        x.encode(w);
        return extended(id, x.name(), w.toByteArray());
    }

    /** An SSH_FXP_EXTENDED request with any name and payload bytes (hostile ones included). */
    static SftpRequest.Extended extended(int id, String name, byte[] payload) {
        return new SftpRequest.Extended(id, name, payload, 0, payload.length);
    }

    static SftpRequest.Open open(int id, String path, int pflags) {
        return new SftpRequest.Open(id, path, pflags, FileAttributes.EMPTY);
    }

    static SftpRequest.PathRequest path(int type, int id, String path) {
        return new SftpRequest.PathRequest(type, id, path);
    }

    /** READs a handle from offset 0 until EOF. */
    static byte[] readAll(RawSftp raw, byte[] handle) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            SftpResponse r = raw.call(new SftpRequest.Read(raw.nextId(), handle, out.size(), 32 * 1024));
            if (r instanceof SftpResponse.Data d) {
                out.write(d.data(), d.offset(), d.length());
            } else {
                assertEquals(SftpConstants.SSH_FX_EOF, RawSftp.status(r), () -> "reading: " + r);
                return out.toByteArray();
            }
        }
    }

    static void close(RawSftp raw, byte[] handle) throws IOException {
        assertEquals(SftpConstants.SSH_FX_OK, RawSftp.status(raw.call(new SftpRequest.Close(raw.nextId(), handle))));
    }

    /** The status code of a reply, or -1 when it is not a STATUS. */
    static int code(SftpResponse r) {
        return r instanceof SftpResponse.Status s ? s.code() : -1;
    }

    /** The reply must be a STATUS with {@code code}. */
    static void expectStatus(int code, SftpResponse r, String what) {
        if (!(r instanceof SftpResponse.Status s) || s.code() != code) {
            fail(what + ": expected status " + SftpConstants.message(code) + ", got " + r);
        }
    }

    /** Open file descriptors of this JVM (Linux). */
    static int openFds() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Live threads of this JVM. */
    static int liveThreads() {
        return Thread.getAllStackTraces().size();
    }

    /** Used heap after a full collection, in bytes (an estimate: a collection is a request). */
    static long usedHeapAfterGc() {
        for (int i = 0; i < 2; i++) {
            System.gc();
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
