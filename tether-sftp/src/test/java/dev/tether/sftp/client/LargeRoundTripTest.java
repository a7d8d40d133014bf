package dev.tether.sftp.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tether.sftp.SftpClient;
import dev.tether.sftp.client.ClientPeers.Peer;
import dev.tether.sftp.client.ClientPeers.Session;
import dev.tether.testkit.BigFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A 1 GiB file of pseudo-random bytes up through {@link SftpClient#upload} and back through
 * {@link SftpClient#download}, against OpenSSH's sftp-server and against Tether's: the SHA-256
 * computed while the source was written, of the server's copy on its disk and of the copy that
 * came back are one. At most two copies are on disk at a time; both are deleted at the end.
 * Prints how long each leg took.
 */
class LargeRoundTripTest {
    static final long SIZE = 1L << 30;
    /** Each request's deadline: a 256 KiB write or read on a loaded machine takes far less. */
    static final Duration REQUEST = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    static ClientPeers peers;

    @BeforeAll
    static void start() throws Exception {
        BigFiles.requireSpace(dir, 2 * SIZE + (256L << 20));
        peers = new ClientPeers(dir);
    }

    @AfterAll
    static void stop() {
        if (peers != null) {
            peers.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void oneGibibyteUpAndBackBySha256(Peer peer) throws Exception {
        Session s = peers.connect(peer, "big");
        String remote = s.remote() + "/big.bin";
        try (SftpClient c = s.client(REQUEST)) {
            Path src = dir.resolve("big-" + peer + ".bin");
            Path back = dir.resolve("back-" + peer + ".bin");
            String took = BigFiles.roundTrip(src, s.base().resolve("big.bin"), back, SIZE, 0x7e7e_0001L + peer.ordinal(),
                    () -> {
                        assertEquals(SIZE, c.upload(src, remote, SftpClient.Transfer.DEFAULT));
                        assertEquals(SIZE, c.stat(remote).size());
                    },
                    () -> assertEquals(SIZE, c.download(remote, back, SftpClient.Transfer.DEFAULT)));
            System.out.println("SftpClient upload and download, " + peer + ", " + took);
        }
    }
}
