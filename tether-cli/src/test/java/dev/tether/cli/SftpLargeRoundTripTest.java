package dev.tether.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tether.testkit.BigFiles;
import dev.tether.testkit.Peers;
import dev.tether.testkit.PrivateSshd;
import dev.tether.testkit.Processes;
import dev.tether.testkit.TempDirs;
import dev.tether.testkit.TetherCli;
import dev.tether.testkit.TetherServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A 1 GiB file of pseudo-random bytes through {@code tether sftp -b} (a child JVM): {@code put},
 * then {@code get} in a second run, against a private OpenSSH sshd (its sftp-server) and against
 * {@code tether server}. The SHA-256 computed while the source was written, of the server's copy
 * on its disk and of the copy that came back are one. At most two copies are on disk at a time;
 * both are deleted at the end. Prints how long each leg took.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SftpLargeRoundTripTest {
    private static final long SIZE = 1L << 30;
    /** One leg's deadline: about 20 s here; a loaded 2-core CI machine may take several times that. */
    private static final Duration LEG = Duration.ofMinutes(5);

    private PrivateSshd sshd;
    private TetherServerProcess server;
    private Path work;
    private Path home;

    @BeforeAll
    void start() throws IOException {
        Peers.requireSshKeygen();
        work = TempDirs.create("tether-cli-sftp-large-");
        BigFiles.requireSpace(work, 2 * SIZE + (256L << 20));
        home = Files.createDirectories(work.resolve("home"));
        sshd = PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519), List.of("PrintMotd no", "LogLevel INFO"));
        server = TetherServerProcess.start();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
        if (sshd != null) {
            sshd.close();
        }
        TempDirs.deleteTree(work);
    }

    @ParameterizedTest(name = "against {0}")
    @ValueSource(strings = {"sshd", "tether server"})
    void oneGibibytePutAndGetBySha256(String kind) throws Exception {
        boolean isSshd = kind.equals("sshd");
        Path remoteDir = Files.createDirectories(isSshd ? work.resolve("sshd-files") : server.dir().resolve("files"));
        Path known = Files.writeString(work.resolve("known-" + (isSshd ? "sshd" : "server")),
                (isSshd ? sshd.knownHostsLine() : server.knownHostsLine()) + "\n");
        List<String> connection = List.of("-F", "none", "-P", Integer.toString(isSshd ? sshd.port() : server.port()),
                "-i", (isSshd ? sshd.userKey() : server.userKey()).toString(),
                "-o", "UserKnownHostsFile=" + known, "-o", "BatchMode=yes");
        Path src = work.resolve("big.bin");
        Path onServer = remoteDir.resolve("big.bin");
        Path back = work.resolve("back.bin");
        String took = BigFiles.roundTrip(src, onServer, back, SIZE, 0x7e7e_0100L + kind.length(),
                () -> sftpBatch(connection, "put " + src + " " + onServer),
                () -> sftpBatch(connection, "get " + onServer + " " + back));
        System.out.println("tether sftp -b put and get, " + kind + ", " + took);
    }

    /** {@code tether sftp -b} with one command, bounded by {@link #LEG}; fails unless it exits 0. */
    private void sftpBatch(List<String> connection, String command) throws IOException {
        Path batch = Files.writeString(Files.createTempFile(work, "batch", ".txt"), command + "\n");
        List<String> args = new ArrayList<>(List.of("sftp"));
        args.addAll(connection);
        args.addAll(List.of("-b", batch.toString(), TetherCli.localUser() + "@127.0.0.1"));
        Processes.Result r = Processes.run(TetherCli.command(args.toArray(String[]::new)), TetherCli.env(home), null, null, LEG);
        assertEquals(0, r.exitCode(), r::describe);
    }
}
