package dev.tether.ssh.sessions;

import dev.tether.ssh.SshServer;
import dev.tether.testkit.OpenSshClient;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Poll;
import dev.tether.testkit.Processes;
import dev.tether.testkit.TempDirs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.tether.ssh.sessions.Sessions.MIB;
import static dev.tether.ssh.sessions.Sessions.USER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenSSH client ({@code /usr/bin/ssh}) against our {@link SshServer}, whose {@code Portal}
 * serves session channels as OS processes ({@code /bin/sh -c}) in a temp working directory, with
 * key authentication from an authorized_keys file.
 *
 * <p>ssh's own diagnostics ({@code -v}) go to a log file with {@code -E}, so its stderr carries
 * only what the remote command wrote to its stderr.
 *
 * <p>Exit codes: all 256 of them, each as a cheap {@code exit N} in its own ssh process
 * multiplexed over one master connection (an explicit {@code ssh -M -N} master in the
 * foreground, killed by the test; that is {@code ControlMaster=auto}+{@code ControlPersist}
 * without the background fork the test could not reap). The multiplexed clients are given
 * {@code ProxyCommand=/bin/false}, so a client that failed to reach the master could never
 * silently make a direct connection instead.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class OpenSshClientSessionsTest {
    private static Path dir;
    private static Path work;
    private static Sessions.UserKeyFiles key;
    private static SshServer server;
    private static OpenSshClient client;
    private static Processes.Running master;
    private static Path controlPath;
    private static int runs;

    @BeforeAll
    static void start() throws Exception {
        Peers.requireSsh();
        dir = Sessions.tempDir("ssh");
        work = Files.createDirectory(dir.resolve("work"));
        key = Sessions.userKey(dir);
        client = new OpenSshClient(dir);
        // thirty sessions at once over one master: above sshd's default MaxSessions of 10
        server = SshServer.start(Sessions.LOOPBACK, 0,
                Sessions.portalServerConfig(key.authorizedKeys(), work).maxSessions(40).build());
    }

    @AfterAll
    static void stop() throws Exception {
        if (master != null) {
            client.control(controlPath, "exit", USER);
            if (!master.process().waitFor(10, TimeUnit.SECONDS)) {
                Processes.kill(master.process());
            }
        }
        if (server != null) {
            server.close();
        }
        TempDirs.deleteTree(dir);
    }

    private static synchronized Path nextLog() {
        return dir.resolve("ssh-" + (++runs) + ".log");
    }

    /** Our server, key auth, a private known_hosts; {@code -v} to {@code log}, so stderr carries only the remote command's. */
    private static OpenSshClient.Invocation sshTo(Path log) {
        return client.to(server.port(), USER).identity(key.privateKey()).preferred("publickey")
                .knownHosts(dir.resolve("known_hosts")).verbose(1).log(log).env("LC_X", null);
    }

    /** One direct ssh connection running {@code command}. */
    private static OpenSshClient.Result ssh(String command, Path stdin, Duration timeout, String... options) throws IOException {
        OpenSshClient.Invocation ssh = sshTo(nextLog()).stdin(stdin).timeout(timeout).command(command);
        for (String o : options) {
            ssh.args("-o", o);
        }
        return ssh.run();
    }

    /** Starts the master connection once; later callers share it. */
    private static synchronized void ensureMaster() throws IOException {
        if (master != null) {
            return;
        }
        controlPath = dir.resolve("cm");
        master = sshTo(dir.resolve("master.log")).master(controlPath).start();
        if (!client.awaitMaster(master, controlPath, USER, Duration.ofSeconds(20))) {
            Processes.Result p = master.await(Duration.ofSeconds(1));
            master = null;
            throw new AssertionError("the ssh master did not come up:\n" + p.describe() + "\n--- log ---\n"
                    + Files.readString(dir.resolve("master.log"), StandardCharsets.UTF_8));
        }
    }

    /** A multiplexed client: it reaches the server only through the master. */
    private static Processes.Running muxStart(String command) throws IOException {
        ensureMaster();
        return client.mux(controlPath, USER).verbose(1).log(nextLog()).env("LC_X", null).command(command).start();
    }

    // ------------------------------------------------------------------ tests

    @Test
    void everyExitCodeFrom0To255OverOneMultiplexedConnection() throws Exception {
        ensureMaster();
        List<String> wrong = new ArrayList<>();
        int parallel = 8;
        for (int base = 0; base < 256; base += parallel) {
            List<Processes.Running> batch = new ArrayList<>();
            for (int n = base; n < base + parallel; n++) {
                batch.add(muxStart("exit " + n));
            }
            for (int i = 0; i < batch.size(); i++) {
                Processes.Result p = batch.get(i).await(Duration.ofSeconds(20));
                if (p.exitCode() != base + i) {
                    wrong.add("exit " + (base + i) + " -> ssh exit " + p.exitCode() + "\n" + p.describe());
                }
            }
        }
        assertTrue(wrong.isEmpty(), wrong.size() + " of 256 exit codes came back wrong; first:\n"
                + (wrong.isEmpty() ? "" : wrong.get(0)));
        assertTrue(Poll.until(() -> server.connections().size() == 1, Duration.ofSeconds(10)),
                "all sessions went over the master's one connection; the server holds " + server.connections().size());
    }

    /**
     * {@code kill -TERM $$}: the shell dies of SIGTERM, and the server reports
     * {@code exit-signal TERM} as sshd does; OpenSSH's client then exits 255. An explicit
     * {@code exit 143} stays an exit status (the 0-255 test covers it).
     */
    @Test
    void deathBySignalIsReportedAsExitSignal() throws Exception {
        OpenSshClient.Result p = ssh("kill -TERM $$", null, Duration.ofSeconds(20));
        assertEquals(255, p.exitCode(), p.describe());
        assertTrue(p.log().contains("rtype exit-signal"), p.describe());
        assertFalse(p.log().contains("rtype exit-status"), p.describe());
        OpenSshClient.Result q = ssh("exit 143", null, Duration.ofSeconds(20));
        assertEquals(143, q.exitCode(), q.describe());
        assertTrue(q.log().contains("rtype exit-status"), q.describe());
    }

    @Test
    void stdoutAndStderrStayApart() throws Exception {
        OpenSshClient.Result p = ssh("echo to-out; echo to-err >&2; echo more-out; echo more-err >&2; exit 3", null, Duration.ofSeconds(20));
        assertEquals(3, p.exitCode(), p.describe());
        assertEquals("to-out\nmore-out\n", p.stdout(), p.describe());
        assertEquals("to-err\nmore-err\n", p.stderr(), p.describe());
    }

    @Test
    void sixtyFourMiBThroughCat() throws Exception {
        Path in = dir.resolve("in-64m.bin");
        String sha = Sessions.writeRandomFile(in, 64L * MIB, 64);
        OpenSshClient.Result p = ssh("cat", in, Duration.ofSeconds(75));
        assertEquals(0, p.exitCode(), p.describe());
        assertEquals(64L * MIB, p.stdoutBytes().length, p.describe());
        assertEquals(sha, Sessions.sha256(p.stdoutBytes()), "the bytes came back changed");
        assertEquals(0, p.stderrBytes().length, p.describe());
        Files.delete(in);
    }

    /** Both streams at once, 8 MiB each, from two processes writing in parallel: neither may stall the other. */
    @Test
    void eightMiBOnStdoutAndEightOnStderrAtOnce() throws Exception {
        String outSha = Sessions.writeRandomFile(work.resolve("out-8m.bin"), 8L * MIB, 81);
        String errSha = Sessions.writeRandomFile(work.resolve("err-8m.bin"), 8L * MIB, 82);
        OpenSshClient.Result p = ssh("cat out-8m.bin & cat err-8m.bin >&2; wait", null, Duration.ofSeconds(60));
        assertEquals(0, p.exitCode(), p.describe());
        assertEquals(8L * MIB, p.stdoutBytes().length, "stdout size");
        assertEquals(8L * MIB, p.stderrBytes().length, "stderr size");
        assertEquals(outSha, Sessions.sha256(p.stdoutBytes()), "stdout bytes");
        assertEquals(errSha, Sessions.sha256(p.stderrBytes()), "stderr bytes");
    }

    @Test
    void lcVariablesArriveButLdPreloadDoesNot() throws Exception {
        OpenSshClient.Result p = ssh("echo \"LC_X=[$LC_X] LD_PRELOAD=[$LD_PRELOAD]\"", null, Duration.ofSeconds(20),
                "SetEnv=LC_X=hello LD_PRELOAD=x");
        assertEquals(0, p.exitCode(), p.describe());
        assertEquals("LC_X=[hello] LD_PRELOAD=[]\n", p.stdout(), p.describe());
        assertTrue(p.log().lines().anyMatch(l -> l.contains("env LC_X = ") && l.contains("hello")), "ssh sent LC_X:\n" + p.describe());
        assertTrue(p.log().lines().anyMatch(l -> l.contains("env LD_PRELOAD = ")), "ssh did ask for LD_PRELOAD:\n" + p.describe());
    }

    @Test
    void sessionStartsInTheConfiguredWorkingDirectory() throws Exception {
        OpenSshClient.Result p = ssh("pwd -P", null, Duration.ofSeconds(20));
        assertEquals(0, p.exitCode(), p.describe());
        assertEquals(work.toRealPath().toString() + "\n", p.stdout(), p.describe());
    }

    @Test
    void thirtySessionsAtOnceOverOneMaster() throws Exception {
        ensureMaster();
        int n = 30;
        List<Processes.Running> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // each session echoes its number, then 256 KiB of zeros counted on the far side, then its number again
            all.add(muxStart("echo begin-" + i + "; head -c " + (256 * 1024 + i) + " /dev/zero | wc -c; echo end-" + i + " >&2"));
        }
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Processes.Result p = all.get(i).await(Duration.ofSeconds(45));
            String expected = "begin-" + i + "\n" + (256 * 1024 + i) + "\n";
            if (p.exitCode() != 0 || !p.stdout().replace(" ", "").equals(expected) || !p.stderr().equals("end-" + i + "\n")) {
                wrong.add(p.describe());
            }
        }
        assertTrue(wrong.isEmpty(), wrong.size() + " of " + n + " sessions failed; first:\n" + (wrong.isEmpty() ? "" : wrong.get(0)));
        assertTrue(Poll.until(() -> server.connections().size() == 1, Duration.ofSeconds(10)),
                "all 30 sessions went over the master's one connection; the server holds " + server.connections().size());
        String masterLog = Files.readString(dir.resolve("master.log"), StandardCharsets.UTF_8);
        assertFalse(masterLog.contains("channel open failed") || masterLog.contains("open failed"), masterLog);
    }
}
