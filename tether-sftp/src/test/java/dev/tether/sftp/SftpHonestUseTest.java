package dev.tether.sftp;

import dev.tether.sftp.policy.SftpRoot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.testkit.OpenSshClient;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every file operation OpenSSH's sftp offers, used as intended, in a jail and on the host's file
 * system: the jail's race-free walk and checks must not get in the way of honest use.
 */
class SftpHonestUseTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void ordinaryOperationsWork(boolean jailed) throws Exception {
        Path root = Files.createDirectories(dir.resolve("root")).toRealPath();
        Path local = Files.writeString(dir.resolve("local.txt"), "local\n");
        // in a jail the client's paths start at the jail; on the host they are the real ones, starting there
        String base = jailed ? "/" : root + "/";
        SftpRoot r = jailed ? SftpRoot.jail(root) : SftpRoot.host(root);
        try (SftpTestServer s = new SftpTestServer(Files.createDirectories(dir.resolve("server")), SftpServer.builder().root(r).build());
             OpenSshClient client = new OpenSshClient(Files.createDirectories(dir.resolve("client")))) {
            Path batch = Files.writeString(dir.resolve("batch"), String.join("\n",
                    "mkdir " + base + "a",
                    "mkdir " + base + "a/b",
                    "put " + local + " " + base + "a/b/f.txt",
                    "chmod 600 " + base + "a/b/f.txt",
                    "rename " + base + "a/b/f.txt " + base + "a/g.txt",
                    "ln " + base + "a/g.txt " + base + "a/hard.txt",
                    "ln -s g.txt " + base + "a/soft",
                    "ln -s " + base + "a/g.txt " + base + "a/b/abs",
                    "get " + base + "a/soft " + dir.resolve("via-soft"),
                    "get " + base + "a/b/abs " + dir.resolve("via-abs"),
                    "ls -l " + base + "a",
                    "df " + base + "a",
                    "put " + local + " " + base + "a/b/gone.txt",
                    "rm " + base + "a/b/gone.txt",
                    "mkdir " + base + "a/empty",
                    "rmdir " + base + "a/empty",
                    "cd " + base + "a/b",
                    "pwd",
                    "") + "\n");
            OpenSshClient.Result res = s.sftp(client).verbose(0).args("-b", batch.toString()).run();
            assertEquals(0, res.exitCode(), res::output);
            assertEquals("local\n", Files.readString(root.resolve("a/g.txt")));
            assertEquals("local\n", Files.readString(dir.resolve("via-soft")));
            assertEquals("local\n", Files.readString(dir.resolve("via-abs")));
            assertEquals(0600, (Integer) Files.getAttribute(root.resolve("a/g.txt"), "unix:mode") & 0777);
            assertEquals(Files.getAttribute(root.resolve("a/g.txt"), "unix:ino"), Files.getAttribute(root.resolve("a/hard.txt"), "unix:ino"));
            assertTrue(Files.isSymbolicLink(root.resolve("a/soft")));
            assertFalse(Files.exists(root.resolve("a/b/gone.txt")) || Files.exists(root.resolve("a/empty")));
            assertTrue(res.stdout().contains("hard.txt") && res.stdout().contains("Remote working directory: " + (jailed ? "/a/b" : root + "/a/b")),
                    res::stdout);
            // sftp -p sets times and modes on upload (SETSTAT); FSETSTAT comes with put -p too
            Path batch2 = Files.writeString(dir.resolve("batch2"), "put -p " + local + " " + base + "a/p.txt\n");
            Files.setLastModifiedTime(local, FileTime.fromMillis(1_000_000_000_000L));
            OpenSshClient.Result res2 = s.sftp(client).verbose(0).args("-b", batch2.toString()).run();
            assertEquals(0, res2.exitCode(), res2::output);
            assertEquals(1_000_000_000_000L, Files.getLastModifiedTime(root.resolve("a/p.txt"), LinkOption.NOFOLLOW_LINKS).toMillis());
        }
    }
}
