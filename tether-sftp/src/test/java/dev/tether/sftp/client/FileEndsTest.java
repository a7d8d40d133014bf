package dev.tether.sftp.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.sftp.SftpClient;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.testkit.PrivateSshd;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a read ends: {@link ReadWindow} sizes its reads to the file's known size and sends one
 * read past it with them, so every size around the block size must come back whole, and a file
 * whose size says 0 while it has content ({@code /proc}) must come back whole too. Against
 * OpenSSH's sftp-server, which answers a READ with as much as it has.
 */
class FileEndsTest {
    @TempDir
    static Path dir;
    static PrivateSshd sshd;
    static SftpClient client;

    @BeforeAll
    static void start() throws Exception {
        sshd = PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519), List.of());
        Transport t = Transport.connect("127.0.0.1", sshd.port(), TransportConfig.builder().build(),
                HostKeyVerifier.acceptKeys(List.of(sshd.hostKeyBlob(PrivateSshd.HostKey.ED25519))));
        t.authPublickey(System.getProperty("user.name"), OpenSshKeyFile.read(sshd.userKey()));
        client = SftpClient.open(t, Duration.ofSeconds(60), true);
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (sshd != null) {
            sshd.close();
        }
    }

    @Test
    void everySizeAroundTheBlockComesBackWhole() throws Exception {
        int block = client.readBlockSize();
        int[] sizes = {0, 1, 4096, block - 1, block, block + 1, 3 * block, 3 * block + 17};
        Random random = new Random(42);
        for (int size : sizes) {
            byte[] data = new byte[size];
            random.nextBytes(data);
            Path remote = Files.write(dir.resolve("f" + size), data);
            Path local = dir.resolve("copy" + size);
            assertEquals(size, client.download(remote.toString(), local, SftpClient.Transfer.DEFAULT), "bytes moved for " + size);
            assertArrayEquals(data, Files.readAllBytes(local), "download of " + size + " bytes");
            try (InputStream in = client.newInputStream(remote.toString())) {
                assertArrayEquals(data, in.readAllBytes(), "stream of " + size + " bytes");
            }
        }
    }

    @Test
    void aFileWhoseSizeIsZeroIsReadToItsRealEnd() throws Exception {
        Path proc = Path.of("/proc/version");
        byte[] expected = Files.readAllBytes(proc);
        assertTrue(expected.length > 0 && Files.size(proc) == 0, "/proc/version says 0 bytes and has some");
        Path local = dir.resolve("version");
        client.download(proc.toString(), local, SftpClient.Transfer.DEFAULT);
        assertArrayEquals(expected, Files.readAllBytes(local));
        try (InputStream in = client.newInputStream(proc.toString())) {
            assertArrayEquals(expected, in.readAllBytes());
        }
    }
}
