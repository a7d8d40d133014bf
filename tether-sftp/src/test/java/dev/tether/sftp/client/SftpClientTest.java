package dev.tether.sftp.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.sftp.SftpAttributes;
import dev.tether.sftp.SftpClient;
import dev.tether.sftp.SftpException;
import dev.tether.sftp.SftpServer;
import dev.tether.sftp.SftpTestServer;
import dev.tether.sftp.policy.SftpOperation;
import dev.tether.sftp.policy.SftpPolicy;
import dev.tether.sftp.policy.SftpRoot;
import dev.tether.sftp.policy.SftpStatus;
import dev.tether.sftp.client.ClientPeers.Peer;
import dev.tether.sftp.client.ClientPeers.Session;
import dev.tether.testkit.BigFiles;
import dev.tether.testkit.Poll;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link SftpClient} against OpenSSH's sftp-server (behind a private sshd) and against Tether's
 * own server: the same behaviour from both, by checksum and on disk.
 */
class SftpClientTest {
    @TempDir
    static Path dir;
    static ClientPeers peers;

    @BeforeAll
    static void start() throws Exception {
        peers = new ClientPeers(dir);
    }

    @AfterAll
    static void stop() {
        if (peers != null) {
            peers.close();
        }
    }

    static Session connect(Peer peer, String name) throws IOException {
        return peers.connect(peer, name);
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String sha256(Path p) throws IOException {
        return BigFiles.sha256(p);
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void pathOperationsAndTheirErrors(Peer peer) throws Exception {
        Session s = connect(peer, "ops");
        String base = s.base().toString();
        try (SftpClient c = SftpClient.open(s.transport(), Duration.ofSeconds(30), true)) {
            c.mkdir(base + "/d", 0750);
            assertTrue(Files.isDirectory(s.base().resolve("d")));
            assertThrows(FileAlreadyExistsException.class, () -> c.mkdir(base + "/d", 0755));
            Files.writeString(s.base().resolve("d/a.txt"), "hello");
            SftpAttributes a = c.stat(base + "/d/a.txt");
            assertEquals(5, a.size());
            assertTrue(a.isRegularFile());
            assertEquals(List.of("a.txt"), c.list(base + "/d").stream().map(SftpClient.Entry::name).collect(Collectors.toList()));
            assertThrows(DirectoryNotEmptyException.class, () -> c.rmdir(base + "/d"));
            NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> c.stat(base + "/nope"));
            assertEquals(base + "/nope", missing.getFile());
            c.rename(base + "/d/a.txt", base + "/d/b.txt");
            assertTrue(Files.exists(s.base().resolve("d/b.txt")));
            c.symlink(base + "/link", "d/b.txt");
            assertEquals("d/b.txt", Files.readSymbolicLink(s.base().resolve("link")).toString());
            assertEquals("d/b.txt", c.readlink(base + "/link"));
            assertTrue(c.lstat(base + "/link").isSymbolicLink());
            c.hardlink(base + "/d/b.txt", base + "/hard");
            assertEquals(Files.getAttribute(s.base().resolve("d/b.txt"), "unix:ino"), Files.getAttribute(s.base().resolve("hard"), "unix:ino"));
            c.chmod(base + "/hard", 0600);
            assertEquals(0600, (Integer) Files.getAttribute(s.base().resolve("hard"), "unix:mode") & 0777);
            Instant t = Instant.parse("2021-03-04T05:06:07Z");
            c.setTimes(base + "/hard", t, t);
            assertEquals(t, Files.getLastModifiedTime(s.base().resolve("hard")).toInstant());
            assertEquals(s.base().toRealPath().toString(), c.realpath(base + "/d/.."));
            assertTrue(c.statvfs(base).totalBytes() > 0);
            c.setLinkTimes(base + "/link", t, t);
            assertEquals(t, Files.getLastModifiedTime(s.base().resolve("link"), java.nio.file.LinkOption.NOFOLLOW_LINKS).toInstant());
            int uid = (Integer) Files.getAttribute(s.base(), "unix:uid");
            SftpClient.IdNames names = c.names(new int[] {uid, 2_000_000_000}, new int[] {(Integer) Files.getAttribute(s.base(), "unix:gid")});
            assertEquals(List.of(Files.getOwner(s.base()).getName(), ""), names.users());
            c.copy(base + "/d/b.txt", base + "/copy.txt");
            assertEquals("hello", Files.readString(s.base().resolve("copy.txt")));
            c.remove(base + "/link");
            c.remove(base + "/hard");
            c.remove(base + "/d/b.txt");
            c.rmdir(base + "/d");
            assertFalse(Files.exists(s.base().resolve("d")));
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void transfersStreamsAndResumeKeepEveryByte(Peer peer) throws Exception {
        Session s = connect(peer, "transfer");
        String base = s.base().toString();
        Path local = dir.resolve("local-" + peer);
        Files.createDirectories(local);
        Path src = local.resolve("src.bin");
        Files.write(src, random(24 * 1024 * 1024 + 12345, 1));
        try (SftpClient c = SftpClient.open(s.transport(), Duration.ofSeconds(30), true)) {
            AtomicLong seen = new AtomicLong();
            long up = c.upload(src, base + "/up.bin", SftpClient.Transfer.DEFAULT.withProgress((n, done, total) -> seen.set(done)));
            assertEquals(Files.size(src), up);
            assertEquals(Files.size(src), seen.get());
            assertEquals(sha256(src), sha256(s.base().resolve("up.bin")));
            Path down = local.resolve("down.bin");
            c.download(base + "/up.bin", down, SftpClient.Transfer.DEFAULT.withPreserve(true));
            assertEquals(sha256(src), sha256(down));
            assertEquals(Files.getLastModifiedTime(s.base().resolve("up.bin")).toMillis() / 1000,
                    Files.getLastModifiedTime(down).toMillis() / 1000);

            // resume both ways from a partial copy
            byte[] all = Files.readAllBytes(src);
            Files.write(s.base().resolve("part.bin"), java.util.Arrays.copyOf(all, 5_000_000));
            assertEquals(all.length - 5_000_000, c.upload(src, base + "/part.bin", SftpClient.Transfer.DEFAULT.withResume(true)));
            assertEquals(sha256(src), sha256(s.base().resolve("part.bin")));
            Path partial = local.resolve("partial.bin");
            Files.write(partial, java.util.Arrays.copyOf(all, 7_777_777));
            assertEquals(all.length - 7_777_777, c.download(base + "/up.bin", partial, SftpClient.Transfer.DEFAULT.withResume(true)));
            assertEquals(sha256(src), sha256(partial));

            // streams: read-ahead and write-behind
            try (OutputStream out = c.newOutputStream(base + "/stream.bin")) {
                for (int off = 0; off < all.length; off += 10_000) {
                    out.write(all, off, Math.min(10_000, all.length - off));
                }
            }
            assertEquals(sha256(src), sha256(s.base().resolve("stream.bin")));
            try (InputStream in = c.newInputStream(base + "/stream.bin")) {
                assertArrayEquals(all, in.readAllBytes());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void thirtyTwoThreadsShareOneClient(Peer peer) throws Exception {
        Session s = connect(peer, "threads");
        String base = s.base().toString();
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try (SftpClient c = SftpClient.open(s.transport(), Duration.ofSeconds(60), true)) {
            List<Future<String>> done = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                int n = i;
                done.add(pool.submit(() -> {
                    byte[] data = random(300_000 + n * 7919, 100 + n);
                    Path local = Files.write(dir.resolve("t-" + peer + "-" + n), data);
                    String remote = base + "/f" + n;
                    c.mkdir(remote + ".d", 0755);
                    c.upload(local, remote + ".d/file", SftpClient.Transfer.DEFAULT);
                    Path back = dir.resolve("t-" + peer + "-" + n + ".back");
                    c.download(remote + ".d/file", back, SftpClient.Transfer.DEFAULT);
                    try (InputStream in = c.newInputStream(remote + ".d/file")) {
                        assertArrayEquals(data, in.readAllBytes());
                    }
                    assertArrayEquals(data, Files.readAllBytes(back));
                    assertEquals(data.length, c.stat(remote + ".d/file").size());
                    return remote;
                }));
            }
            for (Future<String> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
            assertEquals(32, c.list(base).size());
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void treesGoUpAndComeBackWithOddNames(Peer peer) throws Exception {
        Session s = connect(peer, "trees");
        Path tree = Files.createDirectories(dir.resolve("tree-" + peer).resolve("a b/c d"));
        Files.writeString(tree.resolve("x y.txt"), "one");
        Files.writeString(tree.getParent().resolve("ümlaut #1.txt"), "two");
        Files.write(tree.getParent().getParent().resolve("top.bin"), random(100_000, 3));
        Path top = tree.getParent().getParent();
        Files.createSymbolicLink(top.resolve("link to file"), Path.of("a b/c d/x y.txt"));
        Files.createSymbolicLink(top.resolve("link to dir"), Path.of("a b"));
        Files.createSymbolicLink(top.resolve("out"), Path.of("/etc"));
        try (SftpClient c = SftpClient.open(s.transport(), Duration.ofSeconds(30), true)) {
            long up = c.uploadTree(top, s.base() + "/up", SftpClient.Transfer.DEFAULT.withPreserve(true));
            assertEquals(100_006, up);
            assertEquals("one", Files.readString(s.base().resolve("up/a b/c d/x y.txt")));
            assertEquals("two", Files.readString(s.base().resolve("up/a b/ümlaut #1.txt")));
            Path back = dir.resolve("back-" + peer);
            assertEquals(100_006, c.downloadTree(s.base() + "/up", back, SftpClient.Transfer.DEFAULT.withPreserve(true)));
            assertEquals("one", Files.readString(back.resolve("a b/c d/x y.txt")));
            // links travel as links, both ways, and are never followed out of the tree
            assertEquals("a b/c d/x y.txt", Files.readSymbolicLink(s.base().resolve("up/link to file")).toString());
            assertEquals("a b", Files.readSymbolicLink(s.base().resolve("up/link to dir")).toString());
            assertEquals("/etc", Files.readSymbolicLink(back.resolve("out")).toString());
            assertEquals("one", Files.readString(back.resolve("link to file")));
            assertTrue(Files.isSymbolicLink(back.resolve("link to dir")));
            assertArrayEquals(Files.readAllBytes(top.resolve("top.bin")), Files.readAllBytes(back.resolve("top.bin")));
            assertEquals(Files.getLastModifiedTime(top.resolve("top.bin")).toMillis() / 1000,
                    Files.getLastModifiedTime(back.resolve("top.bin")).toMillis() / 1000);
        }
    }

    /**
     * A wide, nested tree with eight files at once: every file arrives whole both ways, the
     * directories get their modes back once filled, the listener is never entered by two threads
     * at once and hears each file start before it ends; a failing file ends the tree with its
     * exception and leaves no worker thread behind.
     */
    @ParameterizedTest
    @EnumSource(Peer.class)
    void aTreeMovesSeveralFilesAtOnce(Peer peer) throws Exception {
        Session s = connect(peer, "wide");
        Path top = dir.resolve("wide-" + peer);
        Map<String, byte[]> files = new TreeMap<>();
        for (int i = 0; i < 300; i++) {
            String name = "d" + (i % 7) + "/sub " + (i % 3) + "/f" + i + ".bin";
            byte[] data = random(i * 397 % 70_000, 1000 + i);
            Files.createDirectories(top.resolve(name).getParent());
            Files.write(top.resolve(name), data);
            files.put(name, data);
        }
        Files.setPosixFilePermissions(top.resolve("d3"), PosixFilePermissions.fromString("r-xr-x---"));
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlapped = new AtomicInteger();
        Map<String, Long> last = new ConcurrentHashMap<>();
        AtomicInteger outOfOrder = new AtomicInteger();
        SftpClient.ProgressListener listener = (name, done, total) -> {
            if (inside.incrementAndGet() > 1) {
                overlapped.incrementAndGet();
            }
            Long before = last.put(name, done);
            if (before == null ? done != 0 : done < before) {
                outOfOrder.incrementAndGet();
            }
            inside.decrementAndGet();
        };
        long total = files.values().stream().mapToLong(b -> b.length).sum();
        SftpClient.Transfer how = SftpClient.Transfer.DEFAULT.withFiles(8).withProgress(listener);
        try (SftpClient c = SftpClient.open(s.transport(), Duration.ofSeconds(60), true)) {
            assertEquals(total, c.uploadTree(top, s.base() + "/wide", how));
            Path back = dir.resolve("wide-back-" + peer);
            assertEquals(total, c.downloadTree(s.base() + "/wide", back, how));
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                assertArrayEquals(e.getValue(), Files.readAllBytes(s.base().resolve("wide").resolve(e.getKey())), e.getKey());
                assertArrayEquals(e.getValue(), Files.readAllBytes(back.resolve(e.getKey())), e.getKey());
            }
            assertEquals("r-xr-x---", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(s.base().resolve("wide/d3"))));
            assertEquals("r-xr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(back.resolve("d3"))));
            assertEquals(0, overlapped.get(), "the listener was entered by two threads at once");
            assertEquals(0, outOfOrder.get(), "a file's progress went backwards or did not start at 0");
            assertEquals(2 * files.size(), last.size(), "every file was heard of, each way");

            // a file the server cannot write ends the tree with that file's exception
            Path bad = Files.createDirectories(dir.resolve("wide-bad-" + peer));
            for (int i = 0; i < 40; i++) {
                Files.writeString(bad.resolve("f" + (100 + i)), "x" + i);
            }
            Files.createDirectories(s.base().resolve("wide-bad"));
            Files.createDirectories(s.base().resolve("wide-bad/f120"));
            IOException e = assertThrows(IOException.class, () -> c.uploadTree(bad, s.base() + "/wide-bad", how));
            assertTrue(e.getMessage().contains("f120"), e.toString());
            assertTrue(Poll.until(() -> Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.getName().startsWith("tether-sftp-tree-") && t.isAlive()), Duration.ofSeconds(30)),
                    "no tree worker is left");
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void anInterruptedTransferResumesWhereItStopped(Peer peer) throws Exception {
        Session first = connect(peer, "interrupted");
        Path src = Files.write(dir.resolve("int-" + peer + ".bin"), random(16 * 1024 * 1024, 9));
        String remote = first.base() + "/up.bin";
        Path down = dir.resolve("int-" + peer + ".down");
        SftpClient c = SftpClient.open(first.transport(), Duration.ofSeconds(30), true);
        // the connection is dropped once half of each transfer is through
        IOException cut = assertThrows(IOException.class, () -> c.upload(src, remote, SftpClient.Transfer.DEFAULT.withProgress(
                (n, done, total) -> {
                    if (done > total / 2) {
                        c.close();
                    }
                })));
        assertTrue(Files.size(first.base().resolve("up.bin")) < Files.size(src), cut.toString());
        try (SftpClient again = SftpClient.open(connect(peer, "interrupted").transport(), Duration.ofSeconds(30), true)) {
            long rest = again.upload(src, remote, SftpClient.Transfer.DEFAULT.withResume(true));
            assertTrue(rest < Files.size(src), "resumed, not restarted: " + rest);
            assertEquals(sha256(src), sha256(first.base().resolve("up.bin")));
            SftpClient[] holder = new SftpClient[1];
            holder[0] = SftpClient.open(connect(peer, "interrupted").transport(), Duration.ofSeconds(30), true);
            assertThrows(IOException.class, () -> holder[0].download(remote, down, SftpClient.Transfer.DEFAULT.withProgress((n, done, total) -> {
                if (done > total / 2) {
                    holder[0].close();
                }
            })));
            assertTrue(Files.size(down) > 0 && Files.size(down) < Files.size(src), "a partial download: " + Files.size(down));
            long got = again.download(remote, down, SftpClient.Transfer.DEFAULT.withResume(true));
            assertTrue(got < Files.size(src), "resumed, not restarted: " + got);
            assertEquals(sha256(src), sha256(down));
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void ownerSizeHomeExistsAndMkdirs(Peer peer) throws Exception {
        Session s = connect(peer, "meta");
        String base = s.remote();
        Path f = Files.write(s.base().resolve("f.bin"), random(1000, 5));
        int uid = (Integer) Files.getAttribute(f, "unix:uid");
        int gid = (Integer) Files.getAttribute(f, "unix:gid");
        try (SftpClient c = s.client(Duration.ofSeconds(30))) {
            // chown to our own ids: allowed for anyone, and what the server reports after
            c.chown(base + "/f.bin", uid, gid);
            SftpAttributes a = c.stat(base + "/f.bin");
            assertEquals(uid, a.uid());
            assertEquals(gid, a.gid());

            c.truncate(base + "/f.bin", 300);
            assertArrayEquals(Arrays.copyOf(random(1000, 5), 300), Files.readAllBytes(f));
            c.truncate(base + "/f.bin", 4096);
            assertEquals(4096, Files.size(f));
            assertEquals(4096, c.stat(base + "/f.bin").size());
            assertArrayEquals(new byte[4096 - 300], Arrays.copyOfRange(Files.readAllBytes(f), 300, 4096));
            assertThrows(NoSuchFileException.class, () -> c.truncate(base + "/none", 0));

            // the start directory: the user's home under sshd, the root's start directory under Tether
            String home = c.home();
            Path expected = peer == Peer.OPENSSH ? Path.of(System.getProperty("user.home")) : peers.tetherRoot;
            assertEquals(expected.toRealPath().toString(), home);
            assertEquals(home, c.realpath("."));
            assertEquals(home, c.expandPath("~"));
            assertEquals(home + "/x", c.expandPath("~/x"));
            assertEquals(s.base().toRealPath().toString(), c.expandPath(base + "/."));

            assertTrue(c.exists(base + "/f.bin"));
            assertTrue(c.exists(base));
            assertFalse(c.exists(base + "/none"));
            Files.createSymbolicLink(s.base().resolve("dangling"), Path.of("none"));
            assertFalse(c.exists(base + "/dangling"), "exists follows links");

            c.mkdirs(base + "/m/n/o", 0750);
            assertTrue(Files.isDirectory(s.base().resolve("m/n/o")));
            assertEquals(0750, (Integer) Files.getAttribute(s.base().resolve("m/n"), "unix:mode") & 0777);
            c.mkdirs(base + "/m/n/o", 0750); // already there: nothing to do
            c.mkdirs(base + "/m//n/p/", 0755);
            assertTrue(Files.isDirectory(s.base().resolve("m/n/p")));
            FileAlreadyExistsException through = assertThrows(FileAlreadyExistsException.class, () -> c.mkdirs(base + "/f.bin/q", 0755));
            assertEquals(base + "/f.bin", through.getFile());
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void openDirectoryReadsReplyByReply(Peer peer) throws Exception {
        Session s = connect(peer, "listing");
        String base = s.remote();
        Set<String> made = new TreeSet<>();
        for (int i = 0; i < 250; i++) {
            made.add(Files.createFile(s.base().resolve(String.format("n%03d", i))).getFileName().toString());
        }
        Files.createDirectory(s.base().resolve("sub"));
        made.add("sub");
        try (SftpClient c = s.client(Duration.ofSeconds(30))) {
            Set<String> seen = new TreeSet<>();
            try (SftpClient.Listing l = c.openDirectory(base)) {
                assertTrue(l.hasNext());
                assertTrue(l.hasNext(), "hasNext does not consume");
                while (l.hasNext()) {
                    SftpClient.Entry e = l.next();
                    assertTrue(seen.add(e.name()), "each name once: " + e.name());
                    if (e.name().equals("sub")) {
                        assertTrue(e.attributes().isDirectory());
                        assertTrue(e.longname().startsWith("d"), e.longname());
                    } else if (e.name().startsWith("n")) {
                        assertTrue(e.attributes().isRegularFile());
                        assertEquals(0, e.attributes().size());
                    }
                }
                assertThrows(NoSuchElementException.class, l::next);
            }
            seen.remove(".");
            seen.remove("..");
            assertEquals(made, seen);
            // a listing closed early gives its handle back: many in a row do not run out
            for (int i = 0; i < 520; i++) { // Tether's server allows 512 handles at a time
                try (SftpClient.Listing l = c.openDirectory(base + "/sub")) {
                    if (l.hasNext()) {
                        assertTrue(Set.of(".", "..").contains(l.next().name()));
                    }
                }
            }
            assertEquals(List.of(), c.list(base + "/sub"));
            assertThrows(NoSuchFileException.class, () -> c.openDirectory(base + "/none"));
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void aRemoteFileReadsAndWritesAtAnyOffset(Peer peer) throws Exception {
        Session s = connect(peer, "remotefile");
        String base = s.remote();
        String path = base + "/r.bin";
        byte[] block = random(100_000, 6); // more than one request's worth
        try (SftpClient c = s.client(Duration.ofSeconds(30))) {
            try (SftpClient.RemoteFile f = c.open(path, EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
                    StandardOpenOption.CREATE_NEW), 0640)) {
                assertEquals(path, f.path());
                f.write(1_000_000, block, 0, block.length);
                f.write(0, "head".getBytes(StandardCharsets.US_ASCII), 0, 4);
                assertEquals(1_100_000, f.attributes().size());
                assertEquals(0640, f.attributes().permissions() & 0777);
                byte[] back = new byte[block.length];
                for (int done = 0, n; done < back.length; done += n) {
                    n = f.read(1_000_000 + done, back, done, back.length - done);
                    assertTrue(n > 0, "a short read is still data");
                }
                assertArrayEquals(block, back);
                byte[] four = new byte[10];
                assertEquals(4, f.read(0, four, 3, 4));
                assertEquals("head", new String(four, 3, 4, StandardCharsets.US_ASCII));
                assertEquals(-1, f.read(1_100_000, four, 0, 10));
                f.fsync();
                f.truncate(2);
                assertEquals(2, f.attributes().size());
                assertEquals(2, Files.size(s.base().resolve("r.bin")));
            }
            assertEquals("he", Files.readString(s.base().resolve("r.bin")));
            assertEquals(0640, (Integer) Files.getAttribute(s.base().resolve("r.bin"), "unix:mode") & 0777);

            assertThrows(FileAlreadyExistsException.class, () -> c.open(path, EnumSet.of(StandardOpenOption.WRITE,
                    StandardOpenOption.CREATE_NEW), 0600));
            assertThrows(NoSuchFileException.class, () -> c.open(base + "/none", EnumSet.of(StandardOpenOption.READ), 0));
            try (SftpClient.RemoteFile f = c.open(path, EnumSet.of(StandardOpenOption.APPEND), 0)) {
                f.write(0, "ad".getBytes(StandardCharsets.US_ASCII), 0, 2); // APPEND writes at the end whatever the offset
            }
            assertEquals("head", Files.readString(s.base().resolve("r.bin")));
            try (SftpClient.RemoteFile f = c.open(path, EnumSet.of(StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING), 0)) {
                assertEquals(0, f.attributes().size());
            }
            assertEquals(0, Files.size(s.base().resolve("r.bin")));
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void streamsFromAnOffsetAndForAppending(Peer peer) throws Exception {
        Session s = connect(peer, "streams");
        String base = s.remote();
        byte[] data = random(300_000, 8);
        Files.write(s.base().resolve("in.bin"), data);
        try (SftpClient c = s.client(Duration.ofSeconds(30))) {
            try (InputStream in = c.newInputStream(base + "/in.bin", 123_456)) {
                assertEquals(data[123_456] & 0xff, in.read());
                ByteArrayOutputStream rest = new ByteArrayOutputStream();
                assertEquals(data.length - 123_457, in.transferTo(rest));
                assertArrayEquals(Arrays.copyOfRange(data, 123_457, data.length), rest.toByteArray());
                assertEquals(-1, in.read());
            }
            try (InputStream in = c.newInputStream(base + "/in.bin", data.length + 5)) {
                assertEquals(-1, in.read(new byte[10]));
            }
            assertThrows(NoSuchFileException.class, () -> c.newInputStream(base + "/none"));

            try (OutputStream out = c.newOutputStream(base + "/out.txt")) {
                out.write('a');
                out.write("bc".getBytes(StandardCharsets.US_ASCII));
            }
            assertEquals("abc", Files.readString(s.base().resolve("out.txt")));
            try (OutputStream out = c.newOutputStream(base + "/out.txt", StandardOpenOption.APPEND)) {
                out.write(data);
            }
            byte[] got = Files.readAllBytes(s.base().resolve("out.txt"));
            assertEquals(3 + data.length, got.length);
            assertArrayEquals(data, Arrays.copyOfRange(got, 3, got.length));
            try (OutputStream out = c.newOutputStream(base + "/out.txt")) {
                out.write('z'); // the default options truncate
            }
            assertEquals("z", Files.readString(s.base().resolve("out.txt")));
            assertThrows(FileAlreadyExistsException.class, () -> c.newOutputStream(base + "/out.txt", StandardOpenOption.CREATE_NEW));
            assertThrows(NoSuchFileException.class, () -> c.newOutputStream(base + "/none/x"));
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void errorsAreTheMatchingExceptionsWithTheServersMessage(Peer peer) throws Exception {
        Session s = connect(peer, "errors");
        String base = s.remote();
        Files.writeString(s.base().resolve("file"), "x");
        try (SftpClient c = s.client(Duration.ofSeconds(30))) {
            NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> c.lstat(base + "/none"));
            assertEquals("No such file", missing.getReason()); // both servers' text for SSH_FX_NO_SUCH_FILE
            NotDirectoryException listFile = assertThrows(NotDirectoryException.class, () -> c.list(base + "/file"));
            assertEquals(base + "/file", listFile.getFile());
            assertThrows(NotDirectoryException.class, () -> c.openDirectory(base + "/file"));
            assertThrows(NotDirectoryException.class, () -> c.rmdir(base + "/file"));
            assertTrue(Files.exists(s.base().resolve("file")));
            assertThrows(NoSuchFileException.class, () -> c.rmdir(base + "/none"));
            // not allowed even for root: procfs refuses to remove its files (EPERM), both servers say so
            AccessDeniedException denied = assertThrows(AccessDeniedException.class, () -> c.remove("/proc/version"));
            assertEquals("/proc/version", denied.getFile());
            assertEquals("Permission denied", denied.getReason());
            assertThrows(NoSuchFileException.class, () -> c.rename(base + "/none", base + "/none2"));
            try (SftpClient.RemoteFile f = c.open(base + "/file", Set.of(), 0)) {
                // a write on a handle opened for reading (the status differs: OpenSSH maps EBADF to NO_SUCH_FILE)
                assertThrows(IOException.class, () -> f.write(0, new byte[1], 0, 1));
            }
            assertEquals("x", Files.readString(s.base().resolve("file")));
            // a directory opened for writing: EISDIR, which both servers call a failure
            SftpException isDir = assertThrows(SftpException.class, () -> c.open(base, Set.of(StandardOpenOption.WRITE), 0));
            assertEquals(SftpStatus.FAILURE, isDir.status());
            assertEquals("Failure", isDir.getReason());
            assertEquals(base, isDir.getFile());

            Path locked = Files.createDirectory(s.base().resolve("locked"));
            Files.setPosixFilePermissions(locked, Set.of());
            boolean root = (Integer) Files.getAttribute(locked, "unix:uid") == 0;
            Assumptions.assumeFalse(root, "root lists a mode 000 directory; the rest needs another user");
            AccessDeniedException locks = assertThrows(AccessDeniedException.class, () -> c.list(base + "/locked"));
            assertEquals("Permission denied", locks.getReason());
        }
    }

    @Test
    void aPolicysRefusalReachesTheCallerWithItsMessage() throws Exception {
        Path root = Files.createDirectories(dir.resolve("policy-root"));
        Files.writeString(root.resolve("secret"), "s");
        Files.writeString(root.resolve("hidden"), "h");
        Files.writeString(root.resolve("broken"), "b");
        SftpPolicy policy = new SftpPolicy() {
            @Override
            public SftpStatus check(SftpOperation op) {
                return switch (op.file().getFileName().toString()) {
                    case "secret" -> SftpStatus.denied("secret is off limits");
                    case "hidden" -> new SftpStatus(SftpStatus.NO_SUCH_FILE, "nothing to see");
                    case "broken" -> new SftpStatus(SftpStatus.FAILURE, "the disk is on fire");
                    default -> SftpStatus.OK;
                };
            }
        };
        try (SftpTestServer server = new SftpTestServer(Files.createDirectories(dir.resolve("policy")),
                SftpServer.builder().root(SftpRoot.host(root)).policy(policy).build());
             SftpClient c = SftpClient.open(server.login(), Duration.ofSeconds(30), true)) {
            AccessDeniedException denied = assertThrows(AccessDeniedException.class, () -> c.stat(root + "/secret"));
            assertEquals("secret is off limits", denied.getReason());
            assertEquals(root + "/secret", denied.getFile());
            assertEquals("nothing to see", assertThrows(NoSuchFileException.class, () -> c.newInputStream(root + "/hidden")).getReason());
            SftpException failed = assertThrows(SftpException.class, () -> c.remove(root + "/broken"));
            assertEquals(SftpStatus.FAILURE, failed.status());
            assertEquals("the disk is on fire", failed.getReason());
            assertTrue(Files.exists(root.resolve("broken")));
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void theSessionItsExtensionsAndIdNames(Peer peer) throws Exception {
        Session s = connect(peer, "session");
        Path f = Files.writeString(s.base().resolve("f"), "x");
        int uid = (Integer) Files.getAttribute(f, "unix:uid");
        int gid = (Integer) Files.getAttribute(f, "unix:gid");
        try {
            SftpClient c = SftpClient.open(s.transport()); // does not own the connection
            assertTrue(c.extensions().keySet().containsAll(Set.of("posix-rename@openssh.com", "statvfs@openssh.com",
                    "hardlink@openssh.com", "fsync@openssh.com", "lsetstat@openssh.com", "limits@openssh.com",
                    "expand-path@openssh.com", "copy-data", "users-groups-by-id@openssh.com")), c.extensions().toString());
            // limits@openssh.com raises the read size from 32 KiB, never above 256 KiB
            assertTrue(c.readBlockSize() > SftpClient.DEFAULT_BLOCK && c.readBlockSize() <= 256 * 1024, "" + c.readBlockSize());
            assertArrayEquals(new String[] {Files.getOwner(f).getName(),
                    Files.readAttributes(f, java.nio.file.attribute.PosixFileAttributes.class).group().getName()}, c.namesById(uid, gid));
            assertArrayEquals(new String[] {null, null}, c.namesById(2_000_000_000, 2_000_000_000));
            SftpClient.StatVfs vfs = c.statvfs(s.remote());
            assertTrue(vfs.availableBytes() > 0 && vfs.availableBytes() <= vfs.totalBytes(), vfs.toString());
            assertFalse(vfs.readOnly());
            assertFalse(c.isClosed());
            c.close();
            assertTrue(c.isClosed());
            assertThrows(IOException.class, () -> c.stat(s.remote()));
            assertTrue(s.transport().isActive(), "the connection outlives a client that does not own it");
            try (SftpClient again = SftpClient.open(s.transport()); InputStream in = again.newInputStream(s.remote() + "/f")) {
                assertEquals("x", new String(in.readAllBytes(), StandardCharsets.US_ASCII));
            }
        } finally {
            s.transport().close();
        }
    }
}
