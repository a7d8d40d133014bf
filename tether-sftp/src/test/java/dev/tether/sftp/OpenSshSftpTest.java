package dev.tether.sftp;

import dev.tether.sftp.policy.SftpRoot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.sftp.policy.SftpOperation.Kind;
import dev.tether.testkit.OpenSshClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenSSH's sftp (9.2 here) in batch mode against Tether's SFTP server in a jail on the disk:
 * every command a user types, checked on the disk behind the server.
 */
class OpenSshSftpTest {
    /** The extensions the server announces, as OpenSSH's sftp -vvv names them. */
    static final List<String> EXTENSIONS = List.of("posix-rename@openssh.com", "statvfs@openssh.com", "fstatvfs@openssh.com",
            "hardlink@openssh.com", "fsync@openssh.com", "lsetstat@openssh.com", "limits@openssh.com", "expand-path@openssh.com",
            "copy-data", "home-directory", "users-groups-by-id@openssh.com");

    @TempDir
    Path dir;
    Path root;
    Path local;
    RecordingPolicy policy;
    SftpTestServer server;
    OpenSshClient client;

    @BeforeEach
    void start() throws Exception {
        root = Files.createDirectories(dir.resolve("root"));
        local = Files.createDirectories(dir.resolve("local"));
        policy = new RecordingPolicy();
        server = new SftpTestServer(dir, SftpServer.builder().root(SftpRoot.jail(root)).policy(policy).build());
        client = new OpenSshClient(Files.createDirectories(dir.resolve("client")));
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private OpenSshClient.Result ok(String... commands) throws IOException {
        OpenSshClient.Result r = server.batch(client, commands);
        assertEquals(0, r.exitCode(), () -> "sftp -b failed: " + r.describe());
        return r;
    }

    @Test
    void putAndGetKeepEveryByte() throws Exception {
        Path src = local.resolve("src.bin");
        String sum = TestFiles.write(src, 3 * (1 << 20) + 12345, 1);
        ok("put " + src + " /up.bin", "get /up.bin " + local.resolve("down.bin"));
        assertEquals(sum, TestFiles.sha256(root.resolve("up.bin")));
        assertEquals(sum, TestFiles.sha256(local.resolve("down.bin")));
        RecordingPolicy.Outcome write = policy.await(Kind.CLOSE, "/up.bin");
        assertNotNull(write);
        assertEquals(Files.size(src), write.bytesWritten());
    }

    @Test
    void reputAndRegetResumeAPartialFile() throws Exception {
        Path src = local.resolve("src.bin");
        long size = 3 * (1 << 20) + 12345;
        String sum = TestFiles.write(src, size, 2);
        byte[] all = Files.readAllBytes(src);
        int remotePart = (1 << 20) + 7;
        int localPart = 2 * (1 << 20) + 3;
        Files.write(root.resolve("partial.bin"), Arrays.copyOf(all, remotePart));
        Files.copy(src, root.resolve("full.bin"));
        Path partialDown = local.resolve("partial-down.bin");
        Files.write(partialDown, Arrays.copyOf(all, localPart));

        ok("reput " + src + " /partial.bin", "reget /full.bin " + partialDown);

        assertEquals(sum, TestFiles.sha256(root.resolve("partial.bin")));
        assertEquals(sum, TestFiles.sha256(partialDown));
        // resumed, not sent again: the server saw only the missing bytes go through the handles
        assertEquals(size - remotePart, policy.await(Kind.CLOSE, "/partial.bin").bytesWritten());
        assertEquals(size - localPart, policy.await(Kind.CLOSE, "/full.bin").bytesRead());
    }

    @Test
    void lsLongShowsNamesAndModes() throws Exception {
        Files.writeString(root.resolve("a.txt"), "alpha\n");
        Files.setPosixFilePermissions(root.resolve("a.txt"), PosixFilePermissions.fromString("rw-r-----"));
        Files.createDirectory(root.resolve("sub"));
        Files.setPosixFilePermissions(root.resolve("sub"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.write(root.resolve("b.bin"), new byte[4321]);
        Files.setPosixFilePermissions(root.resolve("b.bin"), PosixFilePermissions.fromString("rw-r--r--"));

        OpenSshClient.Result r = ok("ls -l /");

        assertTrue(hasLine(r.stdout(), "-rw-r-----", "a.txt"), r::stdout);
        assertTrue(hasLine(r.stdout(), "drwxr-x---", "sub"), r::stdout);
        assertTrue(hasLine(r.stdout(), "-rw-r--r--", "4321", "b.bin"), r::stdout);
    }

    private static boolean hasLine(String output, String... parts) {
        return output.lines().anyMatch(l -> Arrays.stream(parts).allMatch(l::contains));
    }

    @Test
    void mkdirRmdirRenameRm() throws Exception {
        Files.writeString(root.resolve("a.txt"), "alpha\n");
        Files.writeString(root.resolve("b.txt"), "beta\n");

        ok("mkdir /newdir", "rename /a.txt /newdir/a2.txt", "mkdir /gone", "rmdir /gone", "rm /b.txt");

        assertTrue(Files.isDirectory(root.resolve("newdir")));
        assertEquals("alpha\n", Files.readString(root.resolve("newdir/a2.txt")));
        assertFalse(Files.exists(root.resolve("a.txt")));
        assertFalse(Files.exists(root.resolve("gone")));
        assertFalse(Files.exists(root.resolve("b.txt")));
    }

    @Test
    void chmodChangesTheModeOnDisk() throws Exception {
        Files.writeString(root.resolve("a.txt"), "alpha\n");
        Files.setPosixFilePermissions(root.resolve("a.txt"), PosixFilePermissions.fromString("rw-r--r--"));

        ok("chmod 600 /a.txt");

        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(root.resolve("a.txt")));
    }

    @Test
    void symlinkLnSAndLn() throws Exception {
        Files.writeString(root.resolve("a.txt"), "alpha\n");
        Files.createDirectory(root.resolve("sub"));
        Files.writeString(root.resolve("sub/b.txt"), "beta\n");

        ok("symlink a.txt /link1", "ln -s sub/b.txt /link2", "ln -s /a.txt /sub/abs", "ln /a.txt /hard");

        assertEquals(Path.of("a.txt"), Files.readSymbolicLink(root.resolve("link1")));
        assertEquals("alpha\n", Files.readString(root.resolve("link1")));
        assertEquals(Path.of("sub/b.txt"), Files.readSymbolicLink(root.resolve("link2")));
        assertEquals("beta\n", Files.readString(root.resolve("link2")));
        // in a jail an absolute target is stored relative to the link, so it stays inside for every reader of the disk
        assertEquals(Path.of("../a.txt"), Files.readSymbolicLink(root.resolve("sub/abs")));
        assertEquals("alpha\n", Files.readString(root.resolve("sub/abs")));
        assertFalse(Files.isSymbolicLink(root.resolve("hard")));
        assertEquals(Files.getAttribute(root.resolve("a.txt"), "unix:ino", LinkOption.NOFOLLOW_LINKS),
                Files.getAttribute(root.resolve("hard"), "unix:ino", LinkOption.NOFOLLOW_LINKS));
        assertEquals(2, Files.getAttribute(root.resolve("a.txt"), "unix:nlink"));
    }

    @Test
    void dfReportsTheFileSystemSize() throws Exception {
        OpenSshClient.Result r = ok("df /");

        Matcher m = Pattern.compile("(?m)^\\s*(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)%\\s*$").matcher(r.stdout());
        assertTrue(m.find(), () -> "no size line in: " + r.stdout());
        assertTrue(r.stdout().contains("Size"), r::stdout);
        // sftp prints f_frsize * f_blocks / 1024: the file store's total in KiB (whole blocks)
        java.nio.file.FileStore store = Files.getFileStore(root);
        long block = store.getBlockSize();
        assertEquals(store.getTotalSpace() / block * block / 1024, Long.parseLong(m.group(1)));
    }

    @Test
    void cdAndPwd() throws Exception {
        Path src = local.resolve("c.txt");
        Files.writeString(src, "gamma\n");

        OpenSshClient.Result r = ok("mkdir /d1", "cd /d1", "pwd", "put " + src + " here.txt", "cd ..", "pwd");

        List<String> pwds = r.stdout().lines().filter(l -> l.startsWith("Remote working directory:")).toList();
        assertEquals(List.of("Remote working directory: /d1", "Remote working directory: /"), pwds, r::stdout);
        assertEquals("gamma\n", Files.readString(root.resolve("d1/here.txt")));
    }

    @Test
    void verboseLogListsAllElevenExtensions() throws Exception {
        OpenSshClient.Result r = ok("pwd");

        for (String ext : EXTENSIONS) {
            String quoted = "\"" + ext + "\"";
            assertTrue(r.grep(quoted).stream().anyMatch(l -> l.contains("Server supports extension")
                    || l.contains("Unrecognised server extension")), () -> ext + " not reported in:\n" + r.stderr());
        }
    }
}
