package dev.tether.sftp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.testkit.PrivateSshd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ScpClient} against OpenSSH's own {@code scp -t}/{@code -f} behind a private sshd: a file
 * and a tree each way, {@code -p}'s times and modes, progress, and the remote side's error.
 */
class ScpClientTest {
    @TempDir
    static Path dir;
    static PrivateSshd sshd;

    @BeforeAll
    static void start() throws IOException {
        sshd = PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519), List.of());
    }

    @AfterAll
    static void stop() {
        if (sshd != null) {
            sshd.close();
        }
    }

    private static Transport login() throws IOException {
        Transport t = Transport.connect("127.0.0.1", sshd.port(), TransportConfig.builder().build(),
                HostKeyVerifier.acceptKeys(List.of(sshd.hostKeyBlob(PrivateSshd.HostKey.ED25519))));
        t.authPublickey(System.getProperty("user.name"), OpenSshKeyFile.read(sshd.userKey()));
        return t;
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void filesAndTreesBothWaysWithTimesAndModes() throws IOException {
        Path local = Files.createDirectories(dir.resolve("local"));
        Path remote = Files.createDirectories(dir.resolve("remote"));
        byte[] data = random(700_001, 1);
        Path file = Files.write(local.resolve("f.bin"), data);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        Instant old = Instant.parse("2003-04-05T06:07:08Z");
        Files.setLastModifiedTime(file, FileTime.from(old));
        Path tree = Files.createDirectories(local.resolve("tree/sub"));
        Files.write(tree.resolve("x"), random(10, 2));
        Files.write(local.resolve("tree/y"), new byte[0]);
        Transport t = login();
        try {
            List<Long> progress = new ArrayList<>();
            ScpClient.upload(t, List.of(file), remote.toString(), false, true, (n, done, total) -> progress.add(done));
            assertArrayEquals(data, Files.readAllBytes(remote.resolve("f.bin")));
            assertEquals(old, Files.getLastModifiedTime(remote.resolve("f.bin")).toInstant());
            assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(remote.resolve("f.bin"))));
            assertEquals(data.length, progress.get(progress.size() - 1));

            ScpClient.upload(t, List.of(local.resolve("tree")), remote.toString(), true, false, null);
            assertArrayEquals(Files.readAllBytes(tree.resolve("x")), Files.readAllBytes(remote.resolve("tree/sub/x")));
            assertEquals(0, Files.size(remote.resolve("tree/y")));

            Path back = Files.createDirectories(dir.resolve("back"));
            ScpClient.download(t, remote.resolve("f.bin").toString(), back.resolve("g.bin"), false, true, null);
            assertArrayEquals(data, Files.readAllBytes(back.resolve("g.bin")));
            assertEquals(old, Files.getLastModifiedTime(back.resolve("g.bin")).toInstant());
            ScpClient.download(t, remote.resolve("tree").toString(), back, true, false, null);
            assertArrayEquals(Files.readAllBytes(tree.resolve("x")), Files.readAllBytes(back.resolve("tree/sub/x")));
            assertTrue(Files.exists(back.resolve("tree/y")));

            IOException e = assertThrows(IOException.class,
                    () -> ScpClient.download(t, remote.resolve("missing").toString(), back, false, false, null));
            assertTrue(e.getMessage().contains("No such file"), e.getMessage());
        } finally {
            t.close();
        }
    }
}
