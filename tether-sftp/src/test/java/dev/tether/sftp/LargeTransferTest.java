package dev.tether.sftp;

import dev.tether.sftp.policy.SftpRoot;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tether.testkit.OpenSshClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 1 GiB file through OpenSSH's sftp and back (put, then get), compared by SHA-256 at each end:
 * no byte lost, doubled or misplaced over 32768 pipelined writes and reads. The file is a
 * random 1 MiB block repeated, with every 4 KiB stamped with its offset. Prints how long each
 * leg took.
 */
class LargeTransferTest {
    static final long SIZE = 1L << 30;
    static final Duration LEG = Duration.ofMinutes(5);

    @TempDir
    Path dir;

    @Test
    void oneGibibyteThereAndBack() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path src = dir.resolve("big.bin");
        long t0 = System.nanoTime();
        String sum = TestFiles.write(src, SIZE, 42);
        long t1 = System.nanoTime();
        try (SftpTestServer s = new SftpTestServer(dir, SftpServer.builder().root(SftpRoot.jail(root)).build());
             OpenSshClient client = new OpenSshClient(Files.createDirectories(dir.resolve("client")))) {
            OpenSshClient.Result put = batch(s, client, "put " + src + " /big.bin");
            assertEquals(0, put.exitCode(), put::describe);
            long t2 = System.nanoTime();
            assertEquals(SIZE, Files.size(root.resolve("big.bin")));
            assertEquals(sum, TestFiles.sha256(root.resolve("big.bin")));
            Files.delete(src); // two copies on disk at a time, not three

            long t3 = System.nanoTime();
            OpenSshClient.Result get = batch(s, client, "get /big.bin " + dir.resolve("back.bin"));
            assertEquals(0, get.exitCode(), get::describe);
            long t4 = System.nanoTime();
            assertEquals(sum, TestFiles.sha256(dir.resolve("back.bin")));
            System.out.printf("1 GiB: generate %.1f s, put %.1f s, get %.1f s%n", (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t4 - t3) / 1e9);
        }
    }

    /** sftp -b with a longer deadline and without -vvv (a debug line per request would be most of the work). */
    private OpenSshClient.Result batch(SftpTestServer s, OpenSshClient client, String command) throws Exception {
        Path file = Files.writeString(dir.resolve("batch.txt"), command + "\n");
        return s.sftp(client).verbose(0).timeout(LEG).args("-b", file.toString()).run();
    }
}
