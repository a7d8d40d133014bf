package dev.tether.sftp;

import dev.tether.sftp.policy.SftpRoot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.testkit.Paramiko;
import dev.tether.testkit.Processes;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * paramiko's SFTPClient (with /usr/bin/python3, script {@code sftp/paramiko_sftp_client.py})
 * against the server in a jail: put and get by checksum, listdir_attr's names and sizes, stat,
 * posix_rename, symlink, and FileNotFoundError (errno 2) for a missing file.
 */
class ParamikoSftpTest {
    @TempDir
    Path dir;

    @Test
    void paramikoSftpClient() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.writeString(root.resolve("a.txt"), "alpha\n");
        Files.setPosixFilePermissions(root.resolve("a.txt"), PosixFilePermissions.fromString("rw-r--r--"));
        Files.createDirectory(root.resolve("sub"));
        try (Paramiko py = new Paramiko("/sftp/");
             SftpTestServer s = new SftpTestServer(dir, SftpServer.builder().root(SftpRoot.jail(root)).umask(022).build())) {
            long size = 2 * (1 << 20) + 333;
            String sum = TestFiles.write(py.dir().resolve("up.bin"), size, 11);
            Files.setPosixFilePermissions(py.dir().resolve("up.bin"), PosixFilePermissions.fromString("rw-r--r--"));
            String hostKey = Base64.getEncoder().encodeToString(SignatureAlgorithms.encodePublicKey(s.hostKey.getPublic()));

            Processes.Result p = py.run("paramiko_sftp_client.py", List.of(Integer.toString(s.port()), SftpTestServer.USER,
                    s.clientKey.toString(), hostKey, py.dir().toString()), Duration.ofSeconds(90));
            assertEquals(0, p.exitCode(), p::describe);
            Map<String, String> r = results(p.stdout());
            assertEquals("", r.getOrDefault("done", "missing"), p::describe);

            // put and get, by checksum on both ends
            assertEquals(Long.toString(size), r.get("put_size"));
            assertEquals(sum, r.get("down_sha256"));
            assertEquals(sum, TestFiles.sha256(root.resolve("renamed.bin")));

            // listdir_attr: the names and sizes on disk (taken before the rename)
            List<String> entries = entries(p.stdout());
            assertEquals(List.of("a.txt 6 100644", "sub", "up.bin " + size + " 100644"), entries, p::describe);

            // stat
            assertEquals(Long.toString(size), r.get("stat_size"));
            assertEquals("100644", r.get("stat_mode"));
            assertEquals(Long.toString(Files.getLastModifiedTime(root.resolve("renamed.bin")).toMillis() / 1000), r.get("stat_mtime"));

            // posix_rename on disk
            assertFalse(Files.exists(root.resolve("up.bin")));
            assertEquals(Long.toString(size), r.get("renamed_size"));

            // symlink: paramiko sends the target first, as OpenSSH does
            assertEquals(Path.of("a.txt"), Files.readSymbolicLink(root.resolve("plink")));
            assertEquals("a.txt", r.get("readlink"));
            assertTrue(Files.isSymbolicLink(root.resolve("plink")));
            assertTrue(Files.exists(root.resolve("plink"), LinkOption.NOFOLLOW_LINKS));

            // a missing file: FileNotFoundError with errno 2 (ENOENT) from SSH_FX_NO_SUCH_FILE
            assertEquals("FileNotFoundError 2", r.get("open_error"));
            assertEquals("FileNotFoundError 2", r.get("stat_error"));
        }
    }

    /** The script's "NAME VALUE" lines (entries left out). */
    private static Map<String, String> results(String stdout) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : stdout.lines().toList()) {
            if (!line.startsWith("entry ")) {
                int sp = line.indexOf(' ');
                m.put(sp < 0 ? line : line.substring(0, sp), sp < 0 ? "" : line.substring(sp + 1));
            }
        }
        return m;
    }

    /** listdir_attr's entries as "NAME SIZE MODE" for files and "NAME" for directories (whose size is the file system's). */
    private static List<String> entries(String stdout) {
        List<String> out = new ArrayList<>();
        for (String line : stdout.lines().toList()) {
            if (line.startsWith("entry ")) {
                String[] f = line.split(" ");
                out.add(f[3].startsWith("40") ? f[1] : f[1] + " " + f[2] + " " + f[3]);
            }
        }
        return out;
    }
}
