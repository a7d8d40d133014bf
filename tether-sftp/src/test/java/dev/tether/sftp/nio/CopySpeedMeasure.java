package dev.tether.sftp.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tether.sftp.SftpClient;
import dev.tether.sftp.nio.NioPeers.Peer;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * A measurement, not a test: {@code Files.copy} of a 256 MiB file through the provider against
 * {@link SftpClient#download}/{@link SftpClient#upload} on the same connection, rounds
 * interleaved, both servers. Run with {@code -Dtether.measure=true -Dtest=CopySpeedMeasure}.
 */
@EnabledIfSystemProperty(named = "tether.measure", matches = "true")
class CopySpeedMeasure {
    static final long SIZE = 256L << 20;
    static final int ROUNDS = 3;

    @TempDir
    Path tmp;

    @Test
    void filesCopyAgainstTheClient() throws Exception {
        try (NioPeers peers = new NioPeers(tmp)) {
            Path src = peers.base.resolve("src.bin");
            try (OutputStream out = Files.newOutputStream(src)) {
                byte[] block = new byte[1 << 20];
                Random r = new Random(1);
                for (long done = 0; done < SIZE; done += block.length) {
                    r.nextBytes(block);
                    out.write(block);
                }
            }
            for (Peer peer : Peer.values()) {
                try (SftpFileSystem fs = peers.open(peer)) {
                    SftpClient c = fs.client();
                    Path remote = fs.getPath(src.toString());
                    Path up = fs.getPath(peers.base.resolve("up.bin").toString());
                    Path local = peers.base.resolve("down-" + peer + ".bin");
                    for (int round = 1; round <= ROUNDS; round++) {
                        long t0 = System.nanoTime();
                        Files.copy(remote, local, StandardCopyOption.REPLACE_EXISTING);
                        long nioGet = System.nanoTime() - t0;
                        assertEquals(SIZE, Files.size(local));
                        t0 = System.nanoTime();
                        c.download(src.toString(), local, SftpClient.Transfer.DEFAULT);
                        long clientGet = System.nanoTime() - t0;
                        t0 = System.nanoTime();
                        Files.copy(local, up, StandardCopyOption.REPLACE_EXISTING);
                        long nioPut = System.nanoTime() - t0;
                        t0 = System.nanoTime();
                        c.upload(local, up.toString(), SftpClient.Transfer.DEFAULT);
                        long clientPut = System.nanoTime() - t0;
                        System.out.printf("MEASURE %s round %d: get Files.copy %.2f s (%.0f MiB/s), SftpClient.download %.2f s (%.0f MiB/s);"
                                        + " put Files.copy %.2f s (%.0f MiB/s), SftpClient.upload %.2f s (%.0f MiB/s)%n",
                                peer, round, nioGet / 1e9, mibs(nioGet), clientGet / 1e9, mibs(clientGet),
                                nioPut / 1e9, mibs(nioPut), clientPut / 1e9, mibs(clientPut));
                    }
                    Files.delete(local);
                }
            }
        }
    }

    private static double mibs(long nanos) {
        return (SIZE / (double) (1 << 20)) / (nanos / 1e9);
    }
}
