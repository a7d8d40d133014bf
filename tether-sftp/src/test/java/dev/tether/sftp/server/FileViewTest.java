package dev.tether.sftp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.tether.sftp.policy.SftpRoot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jail's path resolution, on the disk and on jimfs: every way out leads back inside. */
class FileViewTest {
    @TempDir
    Path tmp;

    private Path jailOnDisk() throws IOException {
        Path jail = Files.createDirectories(tmp.resolve("jail"));
        Files.writeString(tmp.resolve("outside.txt"), "SECRET");
        Files.createDirectories(jail.resolve("home/alice"));
        Files.writeString(jail.resolve("home/alice/in.txt"), "inside");
        Files.writeString(jail.resolve("outside.txt"), "decoy");
        Files.createSymbolicLink(jail.resolve("abs"), tmp);                          // absolute, out of the jail
        Files.createSymbolicLink(jail.resolve("home/rel"), Path.of("../../.."));      // relative, climbing out
        Files.createSymbolicLink(jail.resolve("home/alice/up"), Path.of(".."));       // relative, inside
        Files.createSymbolicLink(jail.resolve("loop"), Path.of("loop"));
        return jail.toRealPath();
    }

    @Test
    void dotDotStopsAtTheJailRoot() throws Exception {
        Path jail = jailOnDisk();
        FileView v = new FileView(SftpRoot.jail(jail, "/home/alice"));
        assertEquals(jail.resolve("outside.txt"), v.resolve("../../../../outside.txt", true));
        assertEquals(jail.resolve("outside.txt"), v.resolve("/../../outside.txt", true));
        assertEquals("/", v.realpath("../../../.."));
        assertEquals("/home/alice", v.realpath("."));
        assertEquals("/home/alice/in.txt", v.realpath("in.txt"));
    }

    @Test
    void symbolicLinksAreResolvedInsideTheJail() throws Exception {
        Path jail = jailOnDisk();
        FileView v = new FileView(SftpRoot.jail(jail));
        // an absolute target starts again at the jail's root: /abs/outside.txt is <tmp>/outside.txt on
        // the host, but inside the jail it is <jail>/<tmp>/outside.txt, which does not exist
        assertEquals(jail.resolve(tmp.toString().substring(1)).resolve("outside.txt"), v.resolve("/abs/outside.txt", true));
        assertEquals(jail.resolve("outside.txt"), v.resolve("/home/rel/outside.txt", true));
        assertEquals(jail.resolve("home/in.txt"), v.resolve("/home/alice/up/in.txt", true));
        assertEquals("/home/rel", v.toClient(v.resolve("/home/rel", false)));
        assertEquals("/", v.realpath("/home/rel"));
        assertThrows(FileSystemLoopException.class, () -> v.resolve("/loop", true));
        // opening never reaches the host file
        try (SeekableByteChannel ch = v.open("/home/rel/outside.txt", Set.of(StandardOpenOption.READ))) {
            ByteBuffer b = ByteBuffer.allocate(16);
            ch.read(b);
            assertEquals("decoy", new String(b.array(), 0, b.position()));
        }
    }

    @Test
    void aDirectorySwappedForALinkAfterResolutionIsNotFollowed() throws Exception {
        Path jail = jailOnDisk();
        Files.createDirectories(jail.resolve("d"));
        Files.writeString(jail.resolve("d/outside.txt"), "inside d");
        FileView v = new FileView(SftpRoot.jail(jail));
        Path resolved = v.resolve("/d/outside.txt", true);
        assertEquals(jail.resolve("d/outside.txt"), resolved);
        // the swap: d becomes a link to the directory outside the jail
        Files.delete(jail.resolve("d/outside.txt"));
        Files.delete(jail.resolve("d"));
        Files.createSymbolicLink(jail.resolve("d"), tmp);
        // resolving again follows the link inside the jail; the open never reads SECRET
        try (SeekableByteChannel ch = v.open("/d/outside.txt", Set.of(StandardOpenOption.READ))) {
            ByteBuffer b = ByteBuffer.allocate(16);
            ch.read(b);
            assertTrue(!new String(b.array(), 0, b.position()).equals("SECRET"));
        } catch (IOException expected) {
            // refusing is as good
        }
    }

    @Test
    void linkTargetsWrittenInAJailStayInside() throws Exception {
        FileView v = new FileView(SftpRoot.jail(jailOnDisk()));
        assertEquals("../etc/passwd", v.linkTarget("/home/x", "/etc/passwd"));
        assertEquals("etc/passwd", v.linkTarget("/x", "/etc/passwd"));
        assertEquals("in.txt", v.linkTarget("/home/alice/x", "in.txt"));
        assertEquals("..", v.linkTarget("/home/alice/x", ".."));
        assertEquals("../../etc", v.linkTarget("/home/alice/x", "../../../../etc"));
        FileView host = new FileView(SftpRoot.host(tmp));
        assertEquals("/etc/passwd", host.linkTarget("/x", "/etc/passwd"));
    }

    @Test
    void theSameResolutionServesJimfs() throws Exception {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            Path root = Files.createDirectories(fs.getPath("/srv/alice"));
            Files.writeString(fs.getPath("/srv/secret"), "SECRET");
            Files.writeString(root.resolve("a.txt"), "mine");
            Files.createSymbolicLink(root.resolve("out"), fs.getPath("/srv"));
            Files.createSymbolicLink(root.resolve("here"), fs.getPath("."));
            FileView v = new FileView(SftpRoot.jail(root));
            // /out points at /srv, which inside the jail is <root>/srv: not the real /srv
            assertEquals(root.resolve("srv/secret"), v.resolve("/out/secret", true));
            assertEquals(root.resolve("a.txt"), v.resolve("/here/a.txt", true));
            assertEquals(root.resolve("secret"), v.resolve("/../secret", true));
            assertThrows(java.nio.file.NoSuchFileException.class, () -> v.open("/out/secret", Set.of(StandardOpenOption.READ)));
            try (SeekableByteChannel ch = v.open("/here/a.txt", Set.of(StandardOpenOption.READ))) {
                assertEquals(4, ch.size());
            }
        }
    }
}
