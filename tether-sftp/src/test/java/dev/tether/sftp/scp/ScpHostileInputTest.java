package dev.tether.sftp.scp;

import static dev.tether.sftp.scp.ScpTestServer.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.sftp.SftpServer;
import dev.tether.sftp.policy.SftpRoot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hand-made SCP records sent to {@code scp -t DIR} (and replies to {@code scp -f}) through our
 * own client: each hostile record is answered with scp's error line, the exit status is 1, and
 * nothing changes outside the target directory. The root is the host's file system (no jail), so
 * what keeps the files in place is the record checks themselves.
 */
class ScpHostileInputTest {
    @TempDir
    Path tmp;
    private Path work;
    private Path target;
    private ScpTestServer server;

    @BeforeEach
    void start() throws IOException {
        work = Files.createDirectories(tmp.resolve("work"));
        target = Files.createDirectories(work.resolve("target"));
        Files.writeString(work.resolve("keep.txt"), "untouched");
        SftpServer sftp = SftpServer.builder().root(SftpRoot.host(work)).build();
        server = new ScpTestServer(Files.createDirectories(tmp.resolve("keys")), sftp);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ScpTestServer.Exchange sink(String flags, byte[] records) throws Exception {
        return server.exec("scp " + flags + " -t " + target, records);
    }

    private ScpTestServer.Exchange sink(String flags, String records) throws Exception {
        return sink(flags, bytes(records));
    }

    /** The whole work directory: relative path to size (-1 for a directory). */
    private Map<String, Long> snapshot() throws IOException {
        Map<String, Long> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(work)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                m.put(work.relativize(p).toString(), Files.isDirectory(p) ? -1L : Files.size(p));
            }
        }
        return m;
    }

    /** The initial 0, then exactly one error line with this text; exit status 1; nothing written anywhere. */
    private void assertRefused(String flags, byte[] records, String expected) throws Exception {
        Map<String, Long> before = snapshot();
        ScpTestServer.Exchange x = sink(flags, records);
        assertEquals("\0\u0001scp: " + expected + "\n", x.stdoutText(), "reply to " + printable(records));
        assertEquals(1, x.exitStatus());
        assertEquals(before, snapshot(), "the files changed");
    }

    private void assertRefused(String flags, String records, String expected) throws Exception {
        assertRefused(flags, bytes(records), expected);
    }

    private static String printable(byte[] b) {
        return ScpRecord.printable(new String(b, StandardCharsets.UTF_8));
    }

    @Test
    void aNameClimbingOutIsRefused() throws Exception {
        assertRefused("", "C0644 5 ../evil\nhello\0", "error: unexpected filename: ../evil");
        assertFalse(Files.exists(work.resolve("evil")));
    }

    @Test
    void aNameWithASlashIsRefused() throws Exception {
        Files.createDirectories(target.resolve("a"));
        assertRefused("", "C0644 5 a/b\nhello\0", "error: unexpected filename: a/b");
        assertRefused("", "C0644 5 /etc/x\nhello\0", "error: unexpected filename: /etc/x");
    }

    @Test
    void dotNamesAndEmptyNamesAreRefused() throws Exception {
        assertRefused("", "C0644 5 .\nhello\0", "error: unexpected filename: .");
        assertRefused("", "C0644 5 ..\nhello\0", "error: unexpected filename: ..");
        assertRefused("", "C0644 5 \nhello\0", "error: unexpected filename: ");
        assertRefused("", bytes("C0644 5 a\0b\nhello\0"), "error: unexpected filename: a\\x00b");
    }

    @Test
    void aDirectoryNamedDotDotIsRefused() throws Exception {
        assertRefused("-r", "D0755 0 ..\nC0644 5 evil\nhello\0E\n", "error: unexpected filename: ..");
        assertRefused("-r", "D0755 0 .\nE\n", "error: unexpected filename: .");
        assertFalse(Files.exists(work.resolve("evil")));
    }

    @Test
    void absurdSizesAreRefused() throws Exception {
        assertRefused("", "C0644 -1 x\n", "protocol error: size not present");
        assertRefused("", "C0644 99999999999999999999 x\n", "protocol error: size out of range");
        assertRefused("", "C0644 9223372036854775808 x\n", "protocol error: size out of range");
        assertRefused("", "C0644 12x x\n", "protocol error: size not delimited");
        assertRefused("", "C0644  5 x\n", "protocol error: size not present");
    }

    @Test
    void malformedRecordsAreRefused() throws Exception {
        assertRefused("", "C06x4 5 x\nhello\0", "protocol error: bad mode");
        assertRefused("", "C0644\n", "protocol error: mode not delimited");
        assertRefused("", "C064\n", "protocol error: bad mode");
        assertRefused("", "T1x 0 1 0\n", "protocol error: mtime.sec not delimited");
        assertRefused("", "T1 0 1 1000000\n", "protocol error: atime.usec not delimited");
        assertRefused("", "T 0 1 0\n", "protocol error: mtime.sec not present");
        assertRefused("", "\n", "protocol error: unexpected <newline>");
        assertRefused("", "D0755 0 sub\nE\n", "protocol error: received directory without -r");
    }

    @Test
    void garbageIsRefused() throws Exception {
        // the first line of a level is echoed back, as scp does for a remote shell's "No match."
        assertRefused("", "hello there\n", "hello there");
        // later, a line that is no record is a protocol error
        ScpTestServer.Exchange x = sink("", "T1 0 1 0\nX junk\n");
        assertEquals("\0\0\u0001scp: protocol error: expected control record\n", x.stdoutText());
        assertEquals(1, x.exitStatus());
        // a record without its newline, and one longer than scp's buffer
        assertRefused("", "C0644 5 unterminated", "protocol error: lost connection");
        assertRefused("", "C0644 1 " + "a".repeat(3000) + "\nx\0", "protocol error: record longer than 2047 bytes");
    }

    @Test
    void aFatalErrorFromTheClientEndsTheSession() throws Exception {
        ScpTestServer.Exchange x = sink("", "\u0002scp: giving up\nC0644 5 late\nhello\0");
        assertEquals("\0", x.stdoutText());
        assertEquals(1, x.exitStatus());
        assertFalse(Files.exists(target.resolve("late")));
        // a plain error line is counted: the transfer goes on, the exit status is 1
        x = sink("", "\u0001scp: one failed\nC0644 5 next\nhello\0");
        assertEquals("\0\0\0", x.stdoutText());
        assertEquals(1, x.exitStatus());
        assertEquals("hello", Files.readString(target.resolve("next")));
    }

    @Test
    void aTruncatedUploadIsReportedAndKeptAsScpKeepsIt() throws Exception {
        ScpTestServer.Exchange x = sink("", "C0644 100 part\n0123456789");
        assertEquals("\0\0\u0001scp: " + target + "/part: dropped connection\n", x.stdoutText());
        assertEquals(1, x.exitStatus());
        assertEquals("0123456789", Files.readString(target.resolve("part")));
    }

    @Test
    void wellFormedRecordsAreWrittenInsideTheTarget() throws Exception {
        ScpTestServer.Exchange x = sink("", "C0640 5 ok.txt\nhello\0");
        assertEquals("\0\0\0", x.stdoutText());
        assertEquals(0, x.exitStatus());
        assertEquals("hello", Files.readString(target.resolve("ok.txt")));

        x = sink("-r -p", "T1000000000 0 1000000001 0\nD0750 0 sub\nC0600 2 f\nhi\0E\n");
        assertEquals(0, x.exitStatus(), x.stdoutText());
        assertEquals("\0\0\0\0\0\0", x.stdoutText());
        assertEquals("hi", Files.readString(target.resolve("sub/f")));
        assertEquals(1_000_000_000L, Files.getLastModifiedTime(target.resolve("sub")).toMillis() / 1000);
        assertEquals("rwxr-x---", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(target.resolve("sub"))));
        assertEquals("untouched", Files.readString(work.resolve("keep.txt")));
    }

    @Test
    void aFileTargetTakesOneFileAndAnExistingFileIsCutToSize() throws Exception {
        Path file = target.resolve("one.txt");
        Files.writeString(file, "a much longer old content");
        ScpTestServer.Exchange x = server.exec("scp -t " + file, bytes("C0644 3 whatever\nnew\0"));
        assertEquals("\0\0\0", x.stdoutText());
        assertEquals(0, x.exitStatus());
        assertEquals("new", Files.readString(file));
        assertFalse(Files.exists(target.resolve("whatever")));
    }

    @Test
    void theTargetMustBeADirectoryWithD() throws Exception {
        Path file = target.resolve("plain");
        Files.writeString(file, "x");
        ScpTestServer.Exchange x = server.exec("scp -d -t " + file, bytes("C0644 1 y\ny\0"));
        assertEquals("\u0001scp: " + file + ": Not a directory\n", x.stdoutText());
        assertEquals(1, x.exitStatus());
        x = server.exec("scp -t a b", new byte[0]);
        assertEquals("\u0001scp: ambiguous target\n", x.stdoutText());
        assertEquals(1, x.exitStatus());
    }

    @Test
    void theSourceStopsOnAFatalReply() throws Exception {
        Files.writeString(target.resolve("s.txt"), "data");
        ScpTestServer.Exchange x = server.exec("scp -f " + target.resolve("s.txt"), bytes("\u0002no thanks\n"));
        assertEquals("", x.stdoutText());
        assertEquals(1, x.exitStatus());
    }

    @Test
    void theSourceSendsSeveralPathsAndQuotedNames() throws Exception {
        Files.writeString(target.resolve("x1.txt"), "one");
        Files.writeString(target.resolve("with space"), "two");
        byte[] acks = new byte[16];
        ScpTestServer.Exchange x = server.exec("scp -f " + target + "/x1.txt '" + target + "/with space' " + target + "/missing", acks);
        ByteArrayOutputStream want = new ByteArrayOutputStream();
        want.writeBytes(bytes("C0644 3 x1.txt\none\0C0644 3 with space\ntwo\0\u0001scp: " + target + "/missing: No such file or directory\n"));
        assertEquals(new String(want.toByteArray(), StandardCharsets.UTF_8), x.stdoutText().replaceAll("C06[0-7]{2}", "C0644"));
        assertEquals(1, x.exitStatus());
    }

    @Test
    void optionsAndCommandLines() throws Exception {
        ScpTestServer.Exchange x = server.exec("scp -Z -t " + target, new byte[0]);
        assertEquals(1, x.exitStatus());
        assertTrue(x.stderr().contains("unknown option -- Z"), x.stderr());
        // not scp -t/-f, and no OS processes here: refused
        assertEquals(-2, server.exec("ls", new byte[0]).exitStatus());
        assertEquals(-2, server.exec("scp -t " + target + "; touch " + work.resolve("pwned"), new byte[0]).exitStatus());
        assertFalse(Files.exists(work.resolve("pwned")));
        // -- ends the options: a target that starts with a dash
        Path dash = Files.createDirectories(work.resolve("-dash"));
        x = server.exec("scp -t -- " + dash.getFileName(), bytes("C0644 2 d\nok\0"));
        assertEquals(0, x.exitStatus(), x.stdoutText());
        assertArrayEquals(bytes("ok"), Files.readAllBytes(dash.resolve("d")));
    }
}
