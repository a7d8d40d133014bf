package dev.tether.cli;

import dev.tether.testkit.OpenSshClient;
import dev.tether.testkit.PrivateSshd;
import dev.tether.testkit.TetherCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tether sftp-server} as OpenSSH's sshd runs a subsystem program
 * ({@code Subsystem sftp /path/to/tether sftp-server FLAGS}), driven by OpenSSH's {@code sftp -b}.
 */
class SftpServerUnderSshdTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    @Test
    void sshdServesSftpThroughTetherSftpServer() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path remote = Files.createDirectories(tmp.resolve("remote"));
        Path serverErr = tmp.resolve("server.err");
        Path launcher = SftpLauncher.write(tmp, home, serverErr);
        Path local = SftpLauncher.randomFile(tmp.resolve("local.bin"), 2 * 1024 * 1024 + 5, 7);
        Files.writeString(remote.resolve("keep.txt"), "keep\n");
        try (PrivateSshd sshd = PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519),
                List.of("Subsystem sftp " + launcher + " -e -l INFO -P remove -d " + remote))) {
            Path batch = Files.writeString(tmp.resolve("batch"), String.join("\n",
                    "pwd",
                    "put " + local + " up.bin",
                    "get up.bin " + tmp.resolve("down.bin"),
                    "ls -l",
                    "-rm keep.txt",
                    ""));
            OpenSshClient.Result r = new OpenSshClient(tmp).sftp(sshd.port(), TetherCli.localUser()).identity(sshd.userKey())
                    .verbose(0).args("-b", batch.toString()).timeout(WAIT).run();
            assertEquals(0, r.exitCode(), r.describe() + "\n--- sshd ---\n" + sshd.log());
            assertTrue(r.stdout().contains("Remote working directory: " + remote + "\n"), r.describe());
            assertTrue(r.stdout().matches("(?s).* " + (2 * 1024 * 1024 + 5) + " .* up\\.bin\n.*"), r.describe());
            assertEquals(SftpLauncher.sha256(local), SftpLauncher.sha256(remote.resolve("up.bin")));
            assertEquals(SftpLauncher.sha256(local), SftpLauncher.sha256(tmp.resolve("down.bin")));
            // -P remove
            assertTrue(r.stderr().contains("Permission denied"), r.describe());
            assertTrue(Files.exists(remote.resolve("keep.txt")));
            // -e -l INFO: the event lines went to the program's stderr
            String log = Files.readString(serverErr);
            String tag = "stdio sftp " + TetherCli.localUser() + " ";
            assertTrue(log.contains(tag + "close " + remote.resolve("up.bin") + " bytes read 0 written " + (2 * 1024 * 1024 + 5)), log);
            assertTrue(log.contains(tag + "refused remove"), log);
            assertFalse(log.contains("Exception"), log);
        }
    }
}
