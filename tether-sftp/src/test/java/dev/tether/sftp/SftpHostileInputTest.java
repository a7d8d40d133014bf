package dev.tether.sftp;

import dev.tether.sftp.policy.SftpRoot;
import static dev.tether.sftp.protocol.SftpConstants.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tether.sftp.protocol.SftpRequest;
import dev.tether.sftp.protocol.SftpResponse;
import dev.tether.ssh.common.SshWriter;
import dev.tether.testkit.Poll;
import dev.tether.testkit.StderrCopy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SFTP server against a client that sends what it should not: truncated packets, absurd
 * lengths, packets out of order, unknown types and extensions, malformed payloads, floods of
 * requests and handles, and a huge directory. In every case a second session, open throughout,
 * keeps working, and once the hostile session is gone the server's JVM (this one) is back to the
 * open file descriptors and live threads it had before it, within a bounded poll. Measurements
 * are printed as lines starting with {@code MEASURE}.
 */
class SftpHostileInputTest {
    private static final Duration SETTLE = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    Path root;
    SftpTestServer server;
    /** A well-behaved session that must see no difference. */
    RawSftp bystander;

    @BeforeEach
    void start() throws Exception {
        root = fastDirectory();
        Files.writeString(root.resolve("hello.txt"), "hello\n");
        server = new SftpTestServer(Files.createDirectories(dir.resolve("server")), SftpServer.builder().root(SftpRoot.jail(root)).build());
        bystander = new RawSftp(server.login());
        assertUnaffected(bystander);
    }

    @AfterEach
    void stop() throws IOException {
        if (bystander != null) {
            bystander.close();
        }
        if (server != null) {
            server.close();
        }
        if (!root.startsWith(dir)) {
            try (java.util.stream.Stream<Path> s = Files.walk(root)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** The jail: in /dev/shm where there is one (creating 100,000 files on a disk can take ten times as long), else in the test's directory. */
    private Path fastDirectory() throws IOException {
        Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm) && Files.isWritable(shm)) {
            return Files.createTempDirectory(shm, "tether-sftp-hostile-").toRealPath();
        }
        return Files.createDirectories(dir.resolve("root"));
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** Open file descriptors and live (platform) threads of this JVM, which is also the server's. */
    record Resources(int fds, int threads) {
        static Resources now() {
            return new Resources(Probes.openFds(), Probes.liveThreads());
        }
    }

    /** Polls (bounded) until descriptors and threads are back at {@code before}; prints both. */
    private static Resources assertBackTo(Resources before, String what) {
        AtomicReference<Resources> last = new AtomicReference<>();
        boolean back = Poll.until(() -> {
            Resources r = Resources.now();
            last.set(r);
            return r.fds() <= before.fds() && r.threads() <= before.threads();
        }, SETTLE);
        System.out.println("MEASURE " + what + ": before " + before + ", after the session closed " + last.get());
        assertTrue(back, () -> what + ": resources not released within " + SETTLE + ": before " + before + ", now " + last.get());
        return last.get();
    }

    /** The bystander can still STAT and READ, promptly. */
    private static void assertUnaffected(RawSftp s) throws IOException {
        long t0 = System.nanoTime();
        SftpResponse st = s.call(Probes.path(SSH_FXP_STAT, s.nextId(), "/hello.txt"));
        assertEquals(6, ((SftpResponse.Attrs) st).attrs().size());
        byte[] h = RawSftp.handle(s.call(Probes.open(s.nextId(), "/hello.txt", SSH_FXF_READ)));
        assertArrayEquals("hello\n".getBytes(StandardCharsets.UTF_8), Probes.readAll(s, h));
        Probes.close(s, h);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 5000, "the other session took " + ms + " ms");
    }

    /** The session ended: its replies end (no reply to a last probe), and the subsystem exited 1. */
    private static void assertEnded(RawSftp raw) throws IOException {
        try {
            raw.send(Probes.path(SSH_FXP_STAT, raw.nextId(), "/hello.txt"));
        } catch (IOException e) {
            // the channel may already be closed
        }
        SftpResponse r;
        while ((r = raw.reply()) != null) {
            fail("a reply after the session should have ended: " + r);
        }
        assertEquals(1, raw.channel().awaitExitStatus(Duration.ofSeconds(10)));
    }

    private static byte[] framed(byte[] body) {
        byte[] f = new byte[4 + body.length];
        putInt(f, 0, body.length);
        System.arraycopy(body, 0, f, 4, body.length);
        return f;
    }

    private static byte[] body(SftpRequest r) {
        SshWriter w = new SshWriter(64);
        r.encode(w);
        return w.toByteArray();
    }

    private static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    /** Waits (bounded) for a line the server logged after {@code mark} (a {@link StderrCopy#position}) containing {@code text}. */
    private static String awaitLogged(long mark, String text) {
        assertTrue(Poll.until(() -> StderrCopy.since(mark).contains(text), SETTLE), () -> "not logged: " + text + "\n" + StderrCopy.since(mark));
        return StderrCopy.since(mark).lines().filter(l -> l.contains(text)).findFirst().orElseThrow().strip();
    }

    // ---- framing ------------------------------------------------------------------------------

    @Test
    void aTruncatedPacketThenEofEndsOnlyThatSession() throws Exception {
        Resources before = Resources.now();
        long mark = StderrCopy.position();
        try (RawSftp raw = new RawSftp(server.login())) {
            byte[] p = new byte[14];
            putInt(p, 0, 100);
            p[4] = (byte) SSH_FXP_STAT;
            raw.sendRaw(p);
            assertUnaffected(bystander);
            raw.channel().sendEof();
            assertNull(raw.reply());
            System.out.println("MEASURE truncated packet: logged: " + awaitLogged(mark, "the stream ended inside a packet (10 of 100 bytes)"));
            assertEquals(1, raw.channel().awaitExitStatus(Duration.ofSeconds(10)));
        }
        assertBackTo(before, "truncated packet");
        assertUnaffected(bystander);
    }

    /** Lengths the server refuses before allocating: above 256 KiB (up to 2^32-1), and too short for a type and an id. */
    @ParameterizedTest
    @ValueSource(longs = {0xffffffffL, 0x80000000L, 256 * 1024 + 1, 0, 4})
    void anAbsurdLengthEndsOnlyThatSessionWithALoggedReason(long length) throws Exception {
        Resources before = Resources.now();
        long heap = Probes.usedHeapAfterGc();
        long mark = StderrCopy.position();
        try (RawSftp raw = new RawSftp(server.login())) {
            byte[] p = new byte[4 + 64];
            putInt(p, 0, (int) length);
            raw.sendRaw(p);
            assertEnded(raw);
            String line = awaitLogged(mark, "SFTP session ended: packet length " + length);
            System.out.println("MEASURE length " + length + ": logged: " + line.strip() + "; heap after GC "
                    + heap / 1024 + " KiB before, " + Probes.usedHeapAfterGc() / 1024 + " KiB after");
        }
        assertBackTo(before, "length " + length);
        assertUnaffected(bystander);
        // and a new login still gets a working session
        try (RawSftp again = new RawSftp(server.login())) {
            assertUnaffected(again);
        }
    }

    // ---- order of packets ---------------------------------------------------------------------

    @Test
    void aPacketBeforeInitEndsTheSession() throws Exception {
        long mark = StderrCopy.position();
        try (RawSftp raw = RawSftp.uninitialised(server.login())) {
            raw.send(Probes.path(SSH_FXP_STAT, 1, "/hello.txt"));
            assertEnded(raw);
            awaitLogged(mark, "the client sent packet type 17 before SSH_FXP_INIT");
        }
        assertUnaffected(bystander);
    }

    @Test
    void initTwiceEndsTheSession() throws Exception {
        long mark = StderrCopy.position();
        try (RawSftp raw = new RawSftp(server.login())) {
            raw.send(new SftpRequest.Init(VERSION, java.util.Map.of()));
            assertEnded(raw);
            awaitLogged(mark, "the client sent SSH_FXP_INIT twice");
        }
        assertUnaffected(bystander);
    }

    // ---- unknown and malformed requests -------------------------------------------------------

    @Test
    void unknownPacketTypesAreUnsupportedAndTheSessionGoesOn() throws Exception {
        try (RawSftp raw = new RawSftp(server.login())) {
            int n = 0;
            for (int type = 0; type < 256; type++) {
                boolean known = type == SSH_FXP_INIT || (type >= SSH_FXP_OPEN && type <= SSH_FXP_SYMLINK) || type == SSH_FXP_EXTENDED;
                if (known) {
                    continue;
                }
                // the type and an id, then junk the server must not read as fields
                byte[] b = {(byte) type, 0, 0, 0, (byte) (1000 + type), (byte) 0xde, (byte) 0xad};
                b[3] = (byte) ((1000 + type) >>> 8);
                raw.sendRaw(framed(b));
                SftpResponse r = raw.reply();
                assertEquals(1000 + type, r.id(), () -> "reply to type " + b[0]);
                Probes.expectStatus(SSH_FX_OP_UNSUPPORTED, r, "type " + (b[0] & 0xff));
                n++;
            }
            assertUnaffected(raw);
            System.out.println("MEASURE unknown packet types answered OP_UNSUPPORTED: " + n);
        }
        assertUnaffected(bystander);
    }

    @Test
    void unknownExtensionsAreUnsupported() throws Exception {
        try (RawSftp raw = new RawSftp(server.login())) {
            String huge = "x".repeat(200_000);
            for (String name : new String[] {"nonexistent@example.com", "", "posix-rename", "statvfs@openssh.co", "\u0000\u00ff", huge,
                "copy-data@openssh.com", "POSIX-RENAME@OPENSSH.COM"}) {
                int id = raw.nextId();
                Probes.expectStatus(SSH_FX_OP_UNSUPPORTED, raw.call(Probes.extended(id, name, new byte[] {1, 2, 3})),
                        "extension " + (name.length() > 40 ? name.length() + " chars" : name));
            }
            assertUnaffected(raw);
        }
        assertUnaffected(bystander);
    }

    /**
     * Known requests and extensions whose fields run past the packet's end: a malformed packet
     * ends the session with a logged reason (OpenSSH's sftp-server does the same), and nothing else.
     */
    @ParameterizedTest
    @ValueSource(strings = {"posix-rename@openssh.com", "statvfs@openssh.com", "fstatvfs@openssh.com", "hardlink@openssh.com",
        "fsync@openssh.com", "lsetstat@openssh.com", "expand-path@openssh.com", "copy-data", "home-directory",
        "users-groups-by-id@openssh.com", "OPEN", "READ", "WRITE", "SETSTAT", "RENAME"})
    void malformedPayloadsEndTheSession(String what) throws Exception {
        Resources before = Resources.now();
        long mark = StderrCopy.position();
        try (RawSftp raw = new RawSftp(server.login())) {
            // a string that claims 1000 bytes where there are 3
            byte[] claim = {0, 0, 3, (byte) 0xe8, 'a', 'b', 'c'};
            int id = raw.nextId();
            if (what.equals(what.toUpperCase(java.util.Locale.ROOT))) {
                int type = switch (what) {
                    case "OPEN" -> SSH_FXP_OPEN;
                    case "READ" -> SSH_FXP_READ;
                    case "WRITE" -> SSH_FXP_WRITE;
                    case "SETSTAT" -> SSH_FXP_SETSTAT;
                    default -> SSH_FXP_RENAME;
                };
                byte[] b = new byte[5 + claim.length];
                b[0] = (byte) type;
                putInt(b, 1, id);
                System.arraycopy(claim, 0, b, 5, claim.length);
                raw.sendRaw(framed(b));
            } else {
                raw.send(Probes.extended(id, what, claim));
            }
            assertEnded(raw);
            System.out.println("MEASURE malformed " + what + ": logged: " + awaitLogged(mark, "SFTP session ended: malformed"));
        }
        assertBackTo(before, "malformed " + what);
        assertUnaffected(bystander);
    }

    // ---- floods -------------------------------------------------------------------------------

    /**
     * 100,000 requests written without waiting for a reply (alternately STAT and a 16-byte READ),
     * by a writer thread while this thread drains the replies: every request is answered, in
     * order, and the server's memory and threads do not grow with the backlog (the requests wait
     * in the channel's window, not in the server).
     */
    @Test
    void aHundredThousandOutstandingRequestsAreAllAnswered() throws Exception {
        int total = 100_000;
        Resources before = Resources.now();
        long heapBefore = Probes.usedHeapAfterGc();
        long t0 = System.nanoTime();
        try (RawSftp raw = new RawSftp(server.login())) {
            byte[] handle = RawSftp.handle(raw.call(Probes.open(raw.nextId(), "/hello.txt", SSH_FXF_READ)));
            Resources established = Resources.now();
            byte[] stat = framed(body(Probes.path(SSH_FXP_STAT, 0, "/hello.txt")));
            byte[] read = framed(body(new SftpRequest.Read(0, handle, 0, 16)));
            int first = 1_000_000;
            AtomicReference<Throwable> writerFailed = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    ByteArrayOutputStream batch = new ByteArrayOutputStream(64 * 1024);
                    for (int i = 0; i < total; i++) {
                        byte[] p = (i % 2 == 0 ? stat : read).clone();
                        putInt(p, 5, first + i);
                        batch.write(p);
                        if (batch.size() > 60 * 1024) {
                            raw.sendRaw(batch.toByteArray());
                            batch.reset();
                        }
                    }
                    raw.sendRaw(batch.toByteArray());
                } catch (Throwable e) {
                    writerFailed.set(e);
                }
            }, "flood-writer");
            writer.start();
            int stats = 0;
            int reads = 0;
            long heapMid = -1;
            Resources mid = null;
            for (int i = 0; i < total; i++) {
                SftpResponse r = raw.reply();
                if (r == null) {
                    fail("the session ended after " + i + " replies; writer: " + writerFailed.get());
                }
                assertEquals(first + i, r.id(), "replies come in request order");
                if (r instanceof SftpResponse.Attrs) {
                    stats++;
                } else if (r instanceof SftpResponse.Data d && d.length() == 6) {
                    reads++;
                } else {
                    fail("unexpected reply " + r);
                }
                if (i == total / 2) {
                    mid = Resources.now();
                    heapMid = Probes.usedHeapAfterGc();
                    assertUnaffected(bystander);
                }
            }
            writer.join(10_000);
            assertNull(writerFailed.get());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(total / 2, stats);
            assertEquals(total / 2, reads);
            System.out.println("MEASURE 100000 outstanding requests: all answered in " + ms + " ms; threads/fds before the session " + before
                    + ", with the session and its handle " + established + ", mid-flood " + mid + "; heap after GC " + heapBefore / 1024
                    + " KiB before, " + heapMid / 1024 + " KiB mid-flood");
            // the backlog waits in the channel's window: no thread, descriptor or buffer per outstanding request
            assertTrue(mid.threads() <= established.threads(), "threads grew with the backlog: " + established + " -> " + mid);
            // (an operation in flight holds the directories of its walk: two descriptors each, the jail's root here)
            assertTrue(mid.fds() <= established.fds() + 2, "descriptors grew with the backlog: " + established + " -> " + mid);
            assertTrue(heapMid - heapBefore < 16 << 20, "heap grew by " + (heapMid - heapBefore) / 1024 + " KiB");
        }
        assertBackTo(before, "100000 outstanding requests");
        assertUnaffected(bystander);
    }

    /**
     * 10,000 OPENs pipelined: the first 512 get handles, the rest SSH_FX_FAILURE; the server holds
     * no more than 512 descriptors for the session, and releases them when the session closes
     * without a single CLOSE.
     */
    @Test
    void tenThousandOpensStopAt512AndAreReleasedWhenTheSessionCloses() throws Exception {
        int total = 10_000;
        Resources before = Resources.now();
        Resources held;
        try (RawSftp raw = new RawSftp(server.login())) {
            Resources established = Resources.now();
            byte[] open = framed(body(Probes.open(0, "/hello.txt", SSH_FXF_READ)));
            ByteArrayOutputStream all = new ByteArrayOutputStream(open.length * total);
            for (int i = 0; i < total; i++) {
                byte[] p = open.clone();
                putInt(p, 5, i + 1);
                all.write(p);
            }
            raw.sendRaw(all.toByteArray());
            int handles = 0;
            int failures = 0;
            Set<String> distinct = new HashSet<>();
            for (int i = 0; i < total; i++) {
                SftpResponse r = raw.reply();
                if (r instanceof SftpResponse.Handle h) {
                    handles++;
                    distinct.add(java.util.HexFormat.of().formatHex(h.handle()));
                } else {
                    Probes.expectStatus(SSH_FX_FAILURE, r, "open " + (i + 1));
                    failures++;
                }
            }
            assertEquals(512, handles);
            assertEquals(512, distinct.size());
            assertEquals(total - 512, failures);
            held = Resources.now();
            assertUnaffected(bystander);
            System.out.println("MEASURE 10000 opens: " + handles + " handles, " + failures + " FAILURE; threads/fds before the session " + before
                    + ", with the session " + established + ", holding the handles " + held);
            assertEquals(established.fds() + 512, held.fds(), () -> "descriptors: " + established + " -> " + held);
            assertEquals(established.threads(), held.threads());
        }
        assertBackTo(before, "10000 opens");
        assertUnaffected(bystander);
    }

    /**
     * A directory of 100,000 entries: every name comes back, over at least 1,000 READDIR replies of
     * at most 100 names each, read lazily (the server holds one directory stream, not the list).
     */
    @Test
    void readdirOfAHundredThousandEntries() throws Exception {
        int total = 100_000;
        Path big = Files.createDirectories(root.resolve("big"));
        long t0 = System.nanoTime();
        for (int i = 0; i < total; i++) {
            Files.createFile(big.resolve(String.format("f%06d", i)));
        }
        long created = (System.nanoTime() - t0) / 1_000_000;
        Resources before = Resources.now();
        long heapBefore = Probes.usedHeapAfterGc();
        t0 = System.nanoTime();
        try (RawSftp raw = new RawSftp(server.login())) {
            byte[] h = RawSftp.handle(raw.call(Probes.path(SSH_FXP_OPENDIR, raw.nextId(), "/big")));
            Set<String> names = new HashSet<>();
            int replies = 0;
            int most = 0;
            while (true) {
                SftpResponse r = raw.call(new SftpRequest.HandleRequest(SSH_FXP_READDIR, raw.nextId(), h));
                if (r instanceof SftpResponse.Names n) {
                    replies++;
                    most = Math.max(most, n.names().size());
                    assertTrue(n.names().size() <= 100, "a reply of " + n.names().size() + " names");
                    for (SftpResponse.Name name : n.names()) {
                        assertTrue(names.add(name.filename()), () -> "twice: " + name.filename());
                    }
                    if (replies == 500) {
                        assertUnaffected(bystander);
                    }
                } else {
                    Probes.expectStatus(SSH_FX_EOF, r, "end of the listing");
                    break;
                }
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            long heapAfter = Probes.usedHeapAfterGc();
            names.remove(".");
            names.remove("..");
            assertEquals(total, names.size());
            assertTrue(names.contains("f000000") && names.contains("f099999"));
            assertTrue(replies >= total / 100, "replies " + replies);
            Probes.close(raw, h);
            System.out.println("MEASURE readdir of 100000 entries: created in " + created + " ms; listed in " + ms + " ms over " + replies
                    + " replies (at most " + most + " names each); heap after GC " + heapBefore / 1024 + " KiB before, " + heapAfter / 1024
                    + " KiB after listing (the test holds the 100000 names)");
        }
        assertBackTo(before, "readdir of 100000 entries");
        assertUnaffected(bystander);
    }
}
