package dev.tether.sftp.nio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.sftp.nio.NioPeers.Peer;
import dev.tether.ssh.Transport;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The {@code sftp://} provider through {@link Files} against OpenSSH's sftp-server and Tether's
 * own server, checked on the disk both serve.
 */
class SftpFileSystemTest {
    @TempDir
    static Path tmp;
    static NioPeers peers;

    @BeforeAll
    static void start() throws Exception {
        peers = new NioPeers(tmp);
    }

    @AfterAll
    static void stop() throws Exception {
        if (peers != null) {
            peers.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void walkFileTreeCopiesATreeThereAndBack(Peer peer) throws Exception {
        Path local = Files.createDirectories(tmp.resolve("tree-" + peer));
        Files.createDirectories(local.resolve("a/b/c"));
        Files.createDirectories(local.resolve("empty"));
        Files.writeString(local.resolve("a/b/file.txt"), "deep");
        Files.writeString(local.resolve("a/b/c/name with spaces.txt"), "spaced out");
        Files.write(local.resolve("top.bin"), random(300_000, 7));
        Files.createSymbolicLink(local.resolve("link"), Path.of("a/b/file.txt"));
        Path disk = peers.fresh(peer, "tree");
        try (SftpFileSystem fs = peers.open(peer)) {
            Path remote = fs.getPath(disk.toString(), "copy");
            NioPeers.copyTree(local, remote);
            assertEquals(NioPeers.describe(local), NioPeers.describe(disk.resolve("copy")));
            assertEquals(NioPeers.describe(local), NioPeers.describe(remote));
            Path back = tmp.resolve("tree-back-" + peer);
            NioPeers.copyTree(remote, back);
            assertEquals(NioPeers.describe(local), NioPeers.describe(back));
            assertEquals("a/b/file.txt", Files.readSymbolicLink(back.resolve("link")).toString());
            assertEquals("deep", Files.readString(remote.resolve("link")));
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void posixAttributesAndViews(Peer peer) throws Exception {
        Path disk = peers.fresh(peer, "attrs");
        Path f = Files.writeString(disk.resolve("f.txt"), "twelve bytes");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        Instant t = Instant.parse("2020-02-03T04:05:06Z");
        Files.setLastModifiedTime(f, FileTime.from(t));
        Files.createSymbolicLink(disk.resolve("l"), Path.of("f.txt"));
        try (SftpFileSystem fs = peers.open(peer)) {
            Path p = fs.getPath(disk.toString(), "f.txt");
            PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class);
            assertEquals(PosixFilePermissions.fromString("rw-r-----"), a.permissions());
            assertEquals(12, a.size());
            assertEquals(FileTime.from(t), a.lastModifiedTime());
            assertTrue(a.isRegularFile());
            assertFalse(a.isDirectory() || a.isSymbolicLink() || a.isOther());
            String uid = String.valueOf(Files.getAttribute(f, "unix:uid"));
            String me = System.getProperty("user.name");
            // names where the server offers users-groups-by-id (Tether's and OpenSSH >= 8.7 do), else numbers
            assertTrue(a.owner().getName().equals(me) || a.owner().getName().equals(uid), a.owner().getName());
            if (fs.client().extensions().containsKey("users-groups-by-id@openssh.com")) {
                assertEquals(me, a.owner().getName());
                assertEquals(Files.readAttributes(f, PosixFileAttributes.class).group().getName(), a.group().getName());
            }
            Path link = fs.getPath(disk.toString(), "l");
            assertTrue(Files.readAttributes(link, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isSymbolicLink());
            assertTrue(Files.readAttributes(link, PosixFileAttributes.class).isRegularFile());

            Map<String, Object> all = Files.readAttributes(p, "posix:*");
            assertEquals(12L, all.get("size"));
            assertEquals(a.permissions(), all.get("permissions"));
            assertEquals(a.owner().getName(), String.valueOf(all.get("owner")));
            assertTrue(all.keySet().containsAll(List.of("lastModifiedTime", "lastAccessTime", "isDirectory", "group")));
            Map<String, Object> some = Files.readAttributes(p, "basic:size,lastModifiedTime");
            assertEquals(Map.of("size", 12L, "lastModifiedTime", FileTime.from(t)), some);
            assertThrows(IllegalArgumentException.class, () -> Files.readAttributes(p, "basic:owner"));
            assertThrows(UnsupportedOperationException.class, () -> Files.readAttributes(p, "dos:*"));

            Instant m = Instant.parse("2019-01-01T00:00:01Z");
            Files.getFileAttributeView(p, BasicFileAttributeView.class).setTimes(FileTime.from(m), null, null);
            assertEquals(m, Files.getLastModifiedTime(f).toInstant());
            Files.setLastModifiedTime(p, FileTime.from(t));
            assertEquals(t, Files.getLastModifiedTime(f).toInstant());
            Files.getFileAttributeView(p, PosixFileAttributeView.class).setPermissions(PosixFilePermissions.fromString("rwx------"));
            assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(f));
            Files.setAttribute(p, "posix:permissions", PosixFilePermissions.fromString("rw-------"));
            assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(f));
            // chown to ourselves (what an unprivileged user may do)
            PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
            view.setOwner(view.getOwner());
            view.setGroup(view.readAttributes().group());
            assertEquals(a.owner().getName(), Files.getOwner(p).getName());
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void filesOperations(Peer peer) throws Exception {
        Path disk = peers.fresh(peer, "ops");
        byte[] data = random(1_000_000, 3);
        Path local = Files.write(tmp.resolve("ops-" + peer + ".bin"), data);
        try (SftpFileSystem fs = peers.open(peer)) {
            Path d = fs.getPath(disk.toString());
            // copy both ways and within the server
            Files.copy(local, d.resolve("up.bin"));
            assertArrayEquals(data, Files.readAllBytes(disk.resolve("up.bin")));
            assertThrows(FileAlreadyExistsException.class, () -> Files.copy(local, d.resolve("up.bin")));
            Files.copy(local, d.resolve("up.bin"), StandardCopyOption.REPLACE_EXISTING);
            Path down = tmp.resolve("ops-down-" + peer + ".bin");
            Files.copy(d.resolve("up.bin"), down);
            assertArrayEquals(data, Files.readAllBytes(down));
            Files.copy(d.resolve("up.bin"), d.resolve("same.bin"), StandardCopyOption.COPY_ATTRIBUTES);
            assertArrayEquals(data, Files.readAllBytes(disk.resolve("same.bin")));
            assertEquals(Files.getLastModifiedTime(disk.resolve("up.bin")).toMillis() / 1000,
                    Files.getLastModifiedTime(disk.resolve("same.bin")).toMillis() / 1000);
            assertThrows(FileAlreadyExistsException.class, () -> Files.copy(d.resolve("up.bin"), d.resolve("same.bin")));

            // streams
            try (OutputStream out = Files.newOutputStream(d.resolve("stream.txt"))) {
                out.write("hello, ".getBytes(StandardCharsets.UTF_8));
            }
            try (OutputStream out = Files.newOutputStream(d.resolve("stream.txt"), StandardOpenOption.APPEND)) {
                out.write("world".getBytes(StandardCharsets.UTF_8));
            }
            assertEquals("hello, world", Files.readString(disk.resolve("stream.txt")));
            try (InputStream in = Files.newInputStream(d.resolve("up.bin"))) {
                assertArrayEquals(data, in.readAllBytes());
            }
            assertEquals(List.of("hello, world"), Files.readAllLines(d.resolve("stream.txt")));

            // a seekable channel
            try (SeekableByteChannel ch = Files.newByteChannel(d.resolve("chan.bin"), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap("0123456789".getBytes(StandardCharsets.US_ASCII)));
                assertEquals(10, ch.position());
                ch.position(20).write(ByteBuffer.wrap("xy".getBytes(StandardCharsets.US_ASCII)));
                assertEquals(22, ch.size());
                ch.position(3);
                ByteBuffer four = ByteBuffer.allocate(4);
                assertEquals(4, ch.read(four));
                assertEquals("3456", new String(four.array(), StandardCharsets.US_ASCII));
                assertEquals(7, ch.position());
                ByteBuffer direct = ByteBuffer.allocateDirect(100);
                ch.position(20);
                assertEquals(2, ch.read(direct));
                assertEquals(-1, ch.read(ByteBuffer.allocate(5)));
                ch.truncate(5);
                assertEquals(5, ch.size());
                assertEquals(5, ch.position());
            }
            assertEquals("01234", Files.readString(disk.resolve("chan.bin")));
            assertThrows(FileAlreadyExistsException.class, () -> Files.newByteChannel(d.resolve("chan.bin"),
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
            assertThrows(NoSuchFileException.class, () -> Files.newByteChannel(d.resolve("nope.bin")));
            try (SeekableByteChannel ch = Files.newByteChannel(d.resolve("chan.bin"), StandardOpenOption.APPEND)) {
                ch.write(ByteBuffer.wrap("56".getBytes(StandardCharsets.US_ASCII)));
            }
            assertEquals("0123456", Files.readString(disk.resolve("chan.bin")));

            // move
            Files.move(d.resolve("chan.bin"), d.resolve("moved.bin"));
            assertFalse(Files.exists(disk.resolve("chan.bin")));
            assertEquals("0123456", Files.readString(disk.resolve("moved.bin")));
            assertThrows(FileAlreadyExistsException.class, () -> Files.move(d.resolve("moved.bin"), d.resolve("stream.txt")));
            Files.move(d.resolve("moved.bin"), d.resolve("stream.txt"), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            assertEquals("0123456", Files.readString(disk.resolve("stream.txt")));
            assertFalse(Files.exists(disk.resolve("moved.bin")));
            Files.move(d.resolve("stream.txt"), d.resolve("atomic.txt"), StandardCopyOption.ATOMIC_MOVE);
            assertTrue(Files.exists(disk.resolve("atomic.txt")));

            // directories, links, deletion
            Path deep = d.resolve("x/y/z");
            Files.createDirectories(deep);
            assertTrue(Files.isDirectory(disk.resolve("x/y/z")));
            Files.createDirectories(deep); // again: fine
            assertThrows(FileAlreadyExistsException.class, () -> Files.createDirectory(deep));
            Files.createSymbolicLink(d.resolve("sym"), fs.getPath("x/y"));
            assertEquals("x/y", Files.readSymbolicLink(disk.resolve("sym")).toString());
            assertEquals(fs.getPath("x/y"), Files.readSymbolicLink(d.resolve("sym")));
            assertTrue(Files.isSymbolicLink(d.resolve("sym")));
            assertTrue(Files.isDirectory(d.resolve("sym")));
            assertFalse(Files.isDirectory(d.resolve("sym"), LinkOption.NOFOLLOW_LINKS));
            Files.createLink(d.resolve("hard"), d.resolve("atomic.txt"));
            assertEquals(Files.getAttribute(disk.resolve("atomic.txt"), "unix:ino"), Files.getAttribute(disk.resolve("hard"), "unix:ino"));
            assertTrue(Files.isSameFile(d.resolve("sym/z"), d.resolve("x/y/z")));
            assertFalse(Files.isSameFile(d.resolve("hard"), d.resolve("up.bin")));
            assertEquals(d.resolve("x/y/z"), d.resolve("sym/z").toRealPath());
            assertThrows(DirectoryNotEmptyException.class, () -> Files.delete(d.resolve("x")));
            Files.delete(d.resolve("sym"));
            assertTrue(Files.exists(disk.resolve("x/y")));
            Files.delete(deep);
            assertFalse(Files.exists(disk.resolve("x/y/z")));
            assertThrows(NoSuchFileException.class, () -> Files.delete(deep));
            assertFalse(Files.deleteIfExists(deep));
            assertTrue(Files.deleteIfExists(d.resolve("hard")));

            // access, hidden, store
            Files.writeString(disk.resolve(".hidden"), "");
            assertTrue(Files.isHidden(d.resolve(".hidden")));
            assertFalse(Files.isHidden(d.resolve("atomic.txt")));
            assertTrue(Files.isReadable(d.resolve("atomic.txt")));
            assertTrue(Files.isWritable(d.resolve("atomic.txt")));
            assertFalse(Files.isExecutable(d.resolve("atomic.txt")));
            Files.setPosixFilePermissions(disk.resolve("atomic.txt"), PosixFilePermissions.fromString("r--------"));
            if (!"root".equals(System.getProperty("user.name"))) {
                assertThrows(AccessDeniedException.class, () -> fs.provider().checkAccess(d.resolve("atomic.txt"), AccessMode.WRITE));
            }
            assertFalse(Files.exists(d.resolve("nope")));
            assertTrue(Files.notExists(d.resolve("nope")));
            assertTrue(Files.getFileStore(d).getTotalSpace() > 0);
            assertTrue(Files.getFileStore(d).getUsableSpace() >= 0);
            assertEquals(Files.getFileStore(disk).getTotalSpace(), Files.getFileStore(d).getTotalSpace());
            assertEquals(List.of(".hidden", "atomic.txt", "same.bin", "up.bin", "x"),
                    Files.list(d).map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void pathsAndUris(Peer peer) throws Exception {
        try (SftpFileSystem fs = peers.open(peer)) {
            Path a = fs.getPath("/a/b/c");
            assertTrue(a.isAbsolute());
            assertEquals(fs.getPath("/a/b"), a.getParent());
            assertEquals(fs.getPath("c"), a.getFileName());
            assertEquals(fs.getPath("/"), a.getRoot());
            assertEquals(3, a.getNameCount());
            assertEquals(fs.getPath("b/c"), a.subpath(1, 3));
            assertEquals(fs.getPath("/a/b/c/d/e"), a.resolve("d/e"));
            assertEquals(fs.getPath("/x"), a.resolve("/x"));
            assertEquals(fs.getPath("/a/b/d"), a.resolveSibling("d"));
            assertEquals(fs.getPath("../../x/y"), a.relativize(fs.getPath("/a/x/y")));
            assertEquals(fs.getPath(""), a.relativize(a));
            assertEquals(fs.getPath("/a/x/y"), a.resolve(a.relativize(fs.getPath("/a/x/y"))).normalize());
            assertThrows(IllegalArgumentException.class, () -> a.relativize(fs.getPath("rel")));
            assertEquals(fs.getPath("/a/c"), fs.getPath("/a/./b/../c/").normalize());
            assertEquals(fs.getPath("/"), fs.getPath("/../..").normalize());
            assertEquals(fs.getPath("../x"), fs.getPath("a/../../x").normalize());
            assertEquals("/a/b", fs.getPath("//a///b/").toString());
            assertEquals(fs.getPath("a/b"), fs.getPath("a", "b"));
            assertTrue(a.startsWith(fs.getPath("/a/b")));
            assertTrue(a.startsWith("/a"));
            assertFalse(a.startsWith(fs.getPath("/a/bb")));
            assertFalse(a.startsWith(fs.getPath("a")));
            assertTrue(a.endsWith("b/c"));
            assertFalse(a.endsWith("/b/c"));
            List<String> names = new ArrayList<>();
            a.forEach(n -> names.add(n.toString()));
            assertEquals(List.of("a", "b", "c"), names);
            assertTrue(fs.getPath("/a/b") .compareTo(fs.getPath("/a/c")) < 0);
            assertNull(fs.getPath("/").getFileName());
            assertNull(fs.getPath("/").getParent());
            assertNull(fs.getPath("x").getParent());
            assertFalse(Files.isHidden(fs.getPath("/")));
            assertTrue(fs.getPathMatcher("glob:**/*.txt").matches(fs.getPath("/a/b.txt")));

            // relative paths start at the session's home
            String home = fs.client().home();
            assertEquals(fs.getPath(home, "x"), fs.getPath("x").toAbsolutePath());
            URI u = fs.getPath("/dir/with space/f").toUri();
            assertEquals("sftp", u.getScheme());
            assertEquals("/dir/with space/f", u.getPath());
            assertEquals(peers.uri(peer).getPort(), u.getPort());
            assertEquals(fs.getPath("/dir/with space/f"), Paths.get(u));
            assertEquals(fs.getPath("/dir/with space/f"), Path.of(u));
            assertSame(fs, FileSystems.getFileSystem(peers.uri(peer)));
            assertEquals(fs.getPath(home, "x").toUri(), fs.getPath("x").toUri());
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void closingTheFileSystemClosesTheConnection(Peer peer) throws Exception {
        SftpFileSystem fs = peers.open(peer);
        Transport t = fs.transport();
        assertTrue(t.isActive());
        assertThrows(FileSystemAlreadyExistsException.class, () -> FileSystems.newFileSystem(peers.uri(peer), peers.env(peer)));
        fs.close();
        assertFalse(fs.isOpen());
        assertTrue(dev.tether.testkit.Poll.until(() -> !t.isActive(), java.time.Duration.ofSeconds(10)));
        assertThrows(FileSystemNotFoundException.class, () -> FileSystems.getFileSystem(peers.uri(peer)));
        assertThrows(ClosedFileSystemException.class, () -> Files.exists(fs.getPath("/")));
        // and can be opened again
        try (FileSystem again = FileSystems.newFileSystem(peers.uri(peer), peers.env(peer))) {
            assertTrue(Files.isDirectory(again.getPath("/")));
        }
    }

    @Test
    void aTransportGivenIsLeftOpenUnlessOwned() throws Exception {
        Transport t = peers.tether.login();
        try {
            Map<String, Object> env = Map.of("transport", t);
            try (FileSystem fs = FileSystems.newFileSystem(peers.uri(Peer.TETHER), env)) {
                assertTrue(Files.isDirectory(fs.getPath("/")));
            }
            assertTrue(t.isActive());
            try (FileSystem fs = FileSystems.newFileSystem(peers.uri(Peer.TETHER), Map.of("transport", t, "ownsTransport", true))) {
                assertTrue(Files.isDirectory(fs.getPath("/")));
            }
            assertTrue(dev.tether.testkit.Poll.until(() -> !t.isActive(), java.time.Duration.ofSeconds(10)));
        } finally {
            t.close();
        }
    }

    @Test
    void theEnvironmentIsChecked() throws Exception {
        URI uri = peers.uri(Peer.TETHER);
        Path key = peers.tether.clientKey;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FileSystems.newFileSystem(uri, Map.of("identity", key)));
        assertTrue(e.getMessage().contains("no host key verification"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FileSystems.newFileSystem(uri, Map.of("hostKeyVerifier",
                peers.tetherVerifier())));
        assertTrue(e.getMessage().contains("no credentials"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FileSystems.newFileSystem(uri, Map.of("identity", key,
                "hostKeyVerifier", peers.tetherVerifier(), "knownhosts", key)));
        assertTrue(e.getMessage().contains("unknown sftp file system option \"knownhosts\""), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FileSystems.newFileSystem(uri, Map.of("identity", key,
                "hostKeyVerifier", "yes")));
        assertTrue(e.getMessage().contains("HostKeyVerifier"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FileSystems.newFileSystem(
                URI.create("sftp://alice:secret@127.0.0.1:" + peers.tether.port() + "/"), Map.of("identity", key,
                        "hostKeyVerifier", peers.tetherVerifier())));
        assertTrue(e.getMessage().contains("no password in the URI"), e.getMessage());
        Transport t = peers.tether.login();
        try {
            e = assertThrows(IllegalArgumentException.class, () -> FileSystems.newFileSystem(uri, Map.of("transport", t,
                    "identity", key)));
            assertTrue(e.getMessage().contains("\"identity\" makes no sense"), e.getMessage());
        } finally {
            t.close();
        }

        // known_hosts, strictly: an unknown host is refused, a known one accepted
        Path empty = Files.writeString(tmp.resolve("known_hosts-empty"), "");
        assertThrows(java.io.IOException.class, () -> FileSystems.newFileSystem(uri, Map.of("identity", key, "knownHosts", empty)));
        assertEquals("", Files.readString(empty));
        Path known = Files.writeString(tmp.resolve("known_hosts-tether"), peers.tetherKnownHostsLine() + "\n");
        try (FileSystem fs = FileSystems.newFileSystem(uri, Map.of("identity", key, "knownHosts", known.toString(),
                "timeout", java.time.Duration.ofSeconds(20)))) {
            assertTrue(Files.isDirectory(fs.getPath("/")));
        }
        // a wrong key is refused
        Path other = peers.sshd.userKey();
        assertThrows(java.io.IOException.class, () -> FileSystems.newFileSystem(uri, Map.of("identity", other, "hostKeyVerifier",
                peers.tetherVerifier())));
        assertThrows(FileSystemNotFoundException.class, () -> FileSystems.getFileSystem(uri));
    }

    @Test
    void passwordsAndKeys() throws Exception {
        URI uri = peers.uri(Peer.TETHER);
        try (FileSystem fs = FileSystems.newFileSystem(uri, Map.of("password", NioPeers.PASSWORD,
                "hostKeyVerifier", peers.tetherVerifier()))) {
            assertTrue(Files.isDirectory(fs.getPath("/")));
        }
        AccessDeniedException denied = assertThrows(AccessDeniedException.class, () -> FileSystems.newFileSystem(uri,
                Map.of("password", "wrong", "hostKeyVerifier", peers.tetherVerifier())));
        assertTrue(denied.getMessage().contains("authentication failed"), denied.getMessage());
        // a key the server does not know, then the password
        try (FileSystem fs = FileSystems.newFileSystem(uri, Map.of("identity", peers.sshd.userKey(), "password",
                NioPeers.PASSWORD, "hostKeyVerifier", peers.tetherVerifier()))) {
            assertTrue(Files.isDirectory(fs.getPath("/")));
        }
        // the user from the environment when the URI has none
        URI noUser = URI.create("sftp://127.0.0.1:" + peers.tether.port() + "/");
        try (FileSystem fs = FileSystems.newFileSystem(noUser, Map.of("user", "alice", "password", NioPeers.PASSWORD,
                "hostKeyVerifier", peers.tetherVerifier()))) {
            assertTrue(Files.isDirectory(fs.getPath("/")));
            assertEquals("alice", fs.getPath("/").toUri().getUserInfo());
        }
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
