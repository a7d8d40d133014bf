package dev.tether.sftp;

import dev.tether.sftp.policy.SftpOperation;
import dev.tether.sftp.policy.SftpPolicy;
import dev.tether.sftp.policy.SftpRoot;
import dev.tether.sftp.policy.SftpStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tether.sftp.protocol.SftpConstants;
import dev.tether.sftp.protocol.SftpRequest;
import dev.tether.testkit.OpenSshClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's event log (logger {@code dev.tether.ssh.events}, written by slf4j-simple to
 * standard error and read back through {@link EventLogCapture}): one line per open, close (with
 * bytes read and written), remove, rename, mkdir, rmdir, setstat and refusal, each starting with
 * the connection and the user.
 */
class SftpEventLogTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    /** {@code #ID ADDR:PORT sftp alice }: the start of every line of a session. */
    static final String SESSION = "#\\d+ 127\\.0\\.0\\.1:\\d+ sftp alice ";

    @TempDir
    Path dir;

    @Test
    void fileOperationsAreLogged() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path src = dir.resolve("src.bin");
        TestFiles.write(src, 200_000, 5);
        EventLogCapture log = EventLogCapture.start();
        try (SftpTestServer s = new SftpTestServer(dir, SftpServer.builder().root(SftpRoot.jail(root)).umask(022).build());
             OpenSshClient client = new OpenSshClient(Files.createDirectories(dir.resolve("client")))) {
            OpenSshClient.Result r = s.batch(client,
                    "put " + src + " \"/up load.bin\"",
                    "get \"/up load.bin\" " + dir.resolve("down.bin"),
                    "mkdir /d",
                    "rename \"/up load.bin\" /d/moved.bin",
                    "chmod 600 /d/moved.bin",
                    "rm /d/moved.bin",
                    "rmdir /d");
            assertEquals(0, r.exitCode(), r::describe);
            try (RawSftp raw = new RawSftp(s.login())) {
                Files.writeString(root.resolve("a.txt"), "a\n");
                // SSH_FXP_RENAME itself (OpenSSH's sftp sends posix-rename@openssh.com)
                assertEquals(SftpConstants.SSH_FX_OK, RawSftp.status(raw.call(new SftpRequest.Rename(raw.nextId(), "/a.txt", "/b.txt"))));
            }
        }
        log.await(SESSION + Pattern.quote("open \"/up load.bin\" flags WRITE,CREATE,TRUNCATE mode 0"), WAIT);
        log.await(SESSION + Pattern.quote("close \"/up load.bin\" bytes read 0 written 200000") + "$", WAIT);
        log.await(SESSION + Pattern.quote("open \"/up load.bin\" flags READ") + "$", WAIT);
        log.await(SESSION + Pattern.quote("close \"/up load.bin\" bytes read 200000 written 0") + "$", WAIT);
        log.await(SESSION + Pattern.quote("mkdir name /d mode 0755") + "$", WAIT);
        log.await(SESSION + Pattern.quote("posix-rename old \"/up load.bin\" new /d/moved.bin") + "$", WAIT);
        log.await(SESSION + Pattern.quote("set /d/moved.bin mode 0600") + "$", WAIT);
        log.await(SESSION + Pattern.quote("remove name /d/moved.bin") + "$", WAIT);
        log.await(SESSION + Pattern.quote("rmdir name /d") + "$", WAIT);
        log.await(SESSION + Pattern.quote("rename old /a.txt new /b.txt") + "$", WAIT);
    }

    @Test
    void refusalsAreLoggedWithTheReason() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.writeString(root.resolve("keep.txt"), "keep\n");
        SftpPolicy veto = new SftpPolicy() {
            @Override
            public SftpStatus check(SftpOperation op) {
                return op.kind() == SftpOperation.Kind.RENAME ? SftpStatus.denied("names are fixed") : SftpStatus.OK;
            }
        };
        EventLogCapture log = EventLogCapture.start();
        try (SftpTestServer s = new SftpTestServer(dir, SftpServer.builder().root(SftpRoot.jail(root)).policy(veto)
                     .denyRequests(java.util.Set.of("mkdir")).build());
             RawSftp raw = new RawSftp(s.login())) {
            assertEquals(SftpConstants.SSH_FX_PERMISSION_DENIED,
                    RawSftp.status(raw.call(new SftpRequest.Rename(raw.nextId(), "/keep.txt", "/other.txt"))));
            assertEquals(SftpConstants.SSH_FX_PERMISSION_DENIED, RawSftp.status(raw.call(new SftpRequest.PathAttrs(
                    SftpConstants.SSH_FXP_MKDIR, raw.nextId(), "/d", dev.tether.sftp.protocol.FileAttributes.EMPTY))));
        }
        log.await(SESSION + Pattern.quote("refused rename /keep.txt: names are fixed") + "$", WAIT);
        log.await(SESSION + Pattern.quote("refused mkdir: not permitted by the request list") + "$", WAIT);
    }
}
