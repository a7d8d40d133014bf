package dev.tether.sftp.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.sftp.SftpAttributes;
import dev.tether.sftp.SftpClient;
import dev.tether.sftp.client.ClientPeers.Peer;
import dev.tether.sftp.client.ClientPeers.Session;
import dev.tether.testkit.BigFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
}
