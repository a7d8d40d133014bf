package dev.tether.sftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.sftp.policy.SftpRoot;
import dev.tether.sftp.protocol.SftpConstants;
import dev.tether.sftp.protocol.SftpRequest;
import dev.tether.testkit.OpenSshClient;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test rigs themselves: OpenSSH's sftp and the raw client both reach the embedded server. */
class SftpFixtureSmokeTest {
    @TempDir
    Path dir;

    @Test
    void openSshSftpAndTheRawClientBothReachTheServer() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.writeString(root.resolve("hello.txt"), "hello\n");
        try (SftpTestServer s = new SftpTestServer(dir, SftpServer.builder().root(SftpRoot.jail(root)).build());
             OpenSshClient client = new OpenSshClient(Files.createDirectories(dir.resolve("client")))) {
            Path batch = dir.resolve("batch");
            Files.writeString(batch, "get hello.txt " + dir.resolve("got.txt") + "\n");
            OpenSshClient.Result r = s.sftp(client).args("-b", batch.toString()).run();
            assertEquals(0, r.exitCode(), r::output);
            assertEquals("hello\n", Files.readString(dir.resolve("got.txt")));
            try (RawSftp raw = new RawSftp(s.login())) {
                assertEquals(SftpConstants.OPENSSH_EXTENSIONS, raw.version.extensions());
                assertTrue(raw.call(new SftpRequest.PathRequest(SftpConstants.SSH_FXP_STAT, raw.nextId(), "/hello.txt"))
                        instanceof dev.tether.sftp.protocol.SftpResponse.Attrs);
            }
        }
    }
}
