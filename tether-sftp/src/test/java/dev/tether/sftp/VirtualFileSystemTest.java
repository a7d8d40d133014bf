package dev.tether.sftp;

import dev.tether.sftp.policy.SftpRoot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.tether.testkit.OpenSshClient;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server on file systems that are not the disk, driven by OpenSSH's sftp: jimfs with unix
 * attributes, jimfs with the basic view only (modes made up, chmod a no-op, nothing crashes),
 * and a zip file. Every file is checked inside the virtual file system.
 */
class VirtualFileSystemTest {
    @TempDir
    Path dir;

    @Test
    void jimfsWithUnixAttributes() throws Exception {
        // Configuration.unix() has the basic view only; the unix view (mode, uid, gid, nlink) must be asked for
        Configuration unix = Configuration.unix().toBuilder().setAttributeViews("basic", "owner", "posix", "unix").build();
        try (FileSystem fs = Jimfs.newFileSystem(unix)) {
            Path srv = Files.createDirectories(fs.getPath("/srv/files"));
            String out = exercise(srv);
            // unix attributes: the mode the client sent (put keeps the local file's 0640), then chmod's 0600
            assertTrue(out.lines().anyMatch(l -> l.startsWith("-rw-r----- ") && l.endsWith(" /up.bin")), out);
            assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(srv.resolve("newdir/moved.bin")));
            assertTrue(out.lines().anyMatch(l -> l.startsWith("-rw------- ") && l.endsWith(" /newdir/moved.bin")), out);
        }
    }

    @Test
    void jimfsWithTheBasicViewOnly() throws Exception {
        Configuration basic = Configuration.unix().toBuilder().setAttributeViews("basic").build();
        try (FileSystem fs = Jimfs.newFileSystem(basic)) {
            assertEquals(java.util.Set.of("basic"), fs.supportedFileAttributeViews());
            String out = exercise(Files.createDirectories(fs.getPath("/srv")));
            // no permissions to keep: files show as 0644, directories as 0755, and chmod changes nothing
            assertTrue(out.lines().anyMatch(l -> l.startsWith("-rw-r--r-- ") && l.endsWith(" /up.bin")), out);
            assertTrue(out.lines().anyMatch(l -> l.startsWith("drwxr-xr-x ") && l.endsWith(" /sub")), out);
            assertTrue(out.lines().anyMatch(l -> l.startsWith("-rw-r--r-- ") && l.endsWith(" /newdir/moved.bin")), out);
        }
    }

    @Test
    void zipFile() throws Exception {
        Path zip = dir.resolve("files.zip");
        try (FileSystem fs = FileSystems.newFileSystem(zip, Map.of("create", "true"))) {
            String out = exercise(fs.getPath("/"));
            assertTrue(out.lines().anyMatch(l -> l.startsWith("drwxr-xr-x ") && l.endsWith(" /sub")), out);
        }
        // written through to the zip file
        try (FileSystem fs = FileSystems.newFileSystem(zip)) {
            assertTrue(Files.isRegularFile(fs.getPath("/newdir/moved.bin")));
            assertFalse(Files.exists(fs.getPath("/a.txt")));
        }
    }

    @Test
    void zipFileResumesAnUpload() throws Exception {
        Path zip = dir.resolve("files.zip");
        Path src = Files.createDirectories(dir.resolve("local")).resolve("src.bin");
        String sum = TestFiles.write(src, 600_000, 8);
        try (FileSystem fs = FileSystems.newFileSystem(zip, Map.of("create", "true"))) {
            // a zip entry is rewritten whole: writing at an offset must keep the bytes before it
            Files.write(fs.getPath("/partial.bin"), java.util.Arrays.copyOf(Files.readAllBytes(src), 250_001));
            try (SftpTestServer s = new SftpTestServer(dir, SftpServer.builder().root(SftpRoot.jail(fs.getPath("/"))).build());
                 OpenSshClient client = new OpenSshClient(Files.createDirectories(dir.resolve("client")))) {
                OpenSshClient.Result r = s.batch(client, "reput " + src + " /partial.bin");
                assertEquals(0, r.exitCode(), r::describe);
            }
            assertEquals(sum, TestFiles.sha256(fs.getPath("/partial.bin")));
        }
    }

    /**
     * put, get, ls -l, mkdir, rename, chmod, rm, cd, pwd against a jail at {@code srv}, which holds
     * {@code a.txt} and {@code sub/} first; checked inside the file system. Returns sftp's output.
     */
    private String exercise(Path srv) throws Exception {
        Files.writeString(srv.resolve("a.txt"), "alpha\n");
        Files.createDirectory(srv.resolve("sub"));
        Path local = Files.createDirectories(dir.resolve("local"));
        Path src = local.resolve("src.bin");
        String sum = TestFiles.write(src, (1 << 20) + 4099, 7);
        Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rw-r-----"));

        try (SftpTestServer s = new SftpTestServer(dir, SftpServer.builder().root(SftpRoot.jail(srv)).build());
             OpenSshClient client = new OpenSshClient(Files.createDirectories(dir.resolve("client")))) {
            OpenSshClient.Result r = s.batch(client,
                    "put " + src + " /up.bin",
                    "get /a.txt " + local.resolve("a.txt"),
                    "get /up.bin " + local.resolve("back.bin"),
                    "ls -l /",
                    "mkdir /newdir",
                    "rename /up.bin /newdir/moved.bin",
                    "chmod 600 /newdir/moved.bin",
                    "rm /a.txt",
                    "cd /sub",
                    "pwd",
                    "ls -l /newdir");
            assertEquals(0, r.exitCode(), r::describe);

            assertEquals("alpha\n", Files.readString(local.resolve("a.txt")));
            assertEquals(sum, TestFiles.sha256(local.resolve("back.bin")));
            assertEquals(sum, TestFiles.sha256(srv.resolve("newdir/moved.bin")));
            assertTrue(Files.isDirectory(srv.resolve("newdir")));
            assertFalse(Files.exists(srv.resolve("up.bin")));
            assertFalse(Files.exists(srv.resolve("a.txt")));

            String out = r.stdout();
            long size = Files.size(src);
            // the listing of /, before the changes: a file and a directory with their types
            assertTrue(out.lines().anyMatch(l -> l.startsWith("-rw") && l.endsWith(" /a.txt")), out);
            assertTrue(out.lines().anyMatch(l -> l.startsWith("-rw") && l.contains(" " + size + " ") && l.endsWith(" /up.bin")), out);
            assertTrue(out.lines().anyMatch(l -> l.startsWith("drw") && l.endsWith(" /sub")), out);
            assertTrue(out.lines().anyMatch(l -> l.equals("Remote working directory: /sub")), out);
            assertTrue(out.lines().anyMatch(l -> l.startsWith("-rw") && l.endsWith(" /newdir/moved.bin")), out);
            return out;
        }
    }
}
