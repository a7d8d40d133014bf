package dev.tether.cli;

import dev.tether.testkit.OpenSshClient;
import dev.tether.testkit.Processes;
import dev.tether.testkit.SshKeygen;
import dev.tether.testkit.TetherCli;
import dev.tether.testkit.TetherServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tether server}'s feature and limit flags, each observed through OpenSSH's {@code ssh}
 * (or {@code sftp}) against the server running as a real process.
 */
class ServerFlagsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void noExecRefusesCommandsButNotTheShell() throws Exception {
        try (TetherServerProcess server = TetherServerProcess.start("--no-exec")) {
            Processes.Result exec = server.ssh(List.of(), "true");
            assertEquals(255, exec.exitCode(), exec.describe());
            assertTrue(exec.stderr().contains("exec request failed"), exec.describe());
            server.awaitStderr("session 0 refused exec true: not allowed", WAIT);

            // the shell still runs: its commands come on stdin
            Path script = Files.writeString(tmp.resolve("stdin"), "echo shell-ran\nexit 4\n");
            Processes.Result shell = Processes.run(server.sshCommand(List.of("-T")), Map.of("LC_ALL", "C"), script, null, WAIT);
            assertEquals(4, shell.exitCode(), shell.describe());
            assertTrue(shell.stdout().contains("shell-ran"), shell.describe());
        }
    }

    @Test
    void noShellRefusesTheShellButNotCommands() throws Exception {
        try (TetherServerProcess server = TetherServerProcess.start("--no-shell")) {
            Path script = Files.writeString(tmp.resolve("stdin"), "echo shell-ran\n");
            Processes.Result shell = Processes.run(server.sshCommand(List.of("-T")), Map.of("LC_ALL", "C"), script, null, WAIT);
            assertEquals(255, shell.exitCode(), shell.describe());
            assertTrue(shell.stderr().contains("shell request failed"), shell.describe());
            assertFalse(shell.stdout().contains("shell-ran"), shell.describe());

            Processes.Result exec = server.ssh(List.of(), "echo exec-ran");
            assertEquals(0, exec.exitCode(), exec.describe());
            assertEquals("exec-ran\n", exec.stdout());
        }
    }

    @Test
    void denyRefusesTheClientWithHostNotAllowed() throws Exception {
        try (TetherServerProcess server = TetherServerProcess.start("--deny", "127.0.0.0/8")) {
            Processes.Result r = server.ssh(List.of("-v"), "true");
            assertEquals(255, r.exitCode(), r.describe());
            // OpenSSH: "Received disconnect from 127.0.0.1 port N:1: connections from 127.0.0.1 are not allowed"
            assertTrue(r.stderr().matches("(?s).*Received disconnect from 127\\.0\\.0\\.1 port \\d+:1: .*not allowed.*"), r.describe());
        }
    }

    @Test
    void allowAdmitsOnlyWhatItLists() throws Exception {
        try (TetherServerProcess server = TetherServerProcess.start("--allow", "10.0.0.0/8", "--allow", "192.168.0.0/16")) {
            Processes.Result r = server.ssh(List.of(), "true");
            assertEquals(255, r.exitCode(), r.describe());
            assertTrue(r.stderr().matches("(?s).*Received disconnect from 127\\.0\\.0\\.1 port \\d+:1: .*"), r.describe());
        }
        try (TetherServerProcess server = TetherServerProcess.start("--allow", "127.0.0.1/32", "--deny", "10.0.0.0/8")) {
            Processes.Result r = server.ssh(List.of(), "true");
            assertEquals(0, r.exitCode(), r.describe());
        }
    }

    @Test
    void maxConnectionsRefusesTheOneTooMany() throws Exception {
        try (TetherServerProcess server = TetherServerProcess.start("--max-connections", "1");
             Socket held = new Socket()) {
            held.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
            server.awaitStderr("#\\d+ 127\\.0\\.0\\.1:" + held.getLocalPort() + " connect", WAIT);
            Processes.Result r = server.ssh(List.of(), "true");
            assertEquals(255, r.exitCode(), r.describe());
            assertTrue(r.stderr().matches("(?s).*Received disconnect from 127\\.0\\.0\\.1 port \\d+:12: too many connections.*"),
                    r.describe());
        }
        try (TetherServerProcess server = TetherServerProcess.start("--max-connections", "2");
             Socket held = new Socket()) {
            held.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
            server.awaitStderr("#\\d+ 127\\.0\\.0\\.1:" + held.getLocalPort() + " connect", WAIT);
            Processes.Result r = server.ssh(List.of(), "echo in");
            assertEquals(0, r.exitCode(), r.describe());
        }
    }

    /** Writes to a FIFO from a daemon thread, waiting at most {@link #WAIT} for its reader to open it. */
    private static void release(Path fifo) throws Exception {
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                Files.writeString(fifo, "go\n");
                done.complete(null);
            } catch (IOException e) {
                done.completeExceptionally(e);
            }
        }, "fifo-writer");
        t.setDaemon(true);
        t.start();
        done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void maxAuthTriesEndsTheConnectionAfterThatManyFailures() throws Exception {
        Path wrong = SshKeygen.generate(tmp, "wrong_key", "ed25519", 0);
        // ssh offers the wrong key first: one failure, then the right key
        List<String> twoKeys = List.of("-i", wrong.toString());
        try (TetherServerProcess server = TetherServerProcess.start("--max-auth-tries", "1")) {
            List<String> cmd = new java.util.ArrayList<>(server.sshCommand(List.of(), "true"));
            // put the wrong key before the server's user key
            cmd.addAll(cmd.indexOf("-i"), twoKeys);
            Processes.Result r = Processes.run(cmd, Map.of("LC_ALL", "C"), null, null, WAIT);
            assertEquals(255, r.exitCode(), r.describe());
            assertTrue(r.stderr().contains(":14: too many authentication failures"), r.describe());
        }
        try (TetherServerProcess server = TetherServerProcess.start("--max-auth-tries", "2")) {
            List<String> cmd = new java.util.ArrayList<>(server.sshCommand(List.of(), "echo in"));
            cmd.addAll(cmd.indexOf("-i"), twoKeys);
            Processes.Result r = Processes.run(cmd, Map.of("LC_ALL", "C"), null, null, WAIT);
            assertEquals(0, r.exitCode(), r.describe());
            assertEquals("in\n", r.stdout());
        }
    }

    /**
     * ssh stalls in the middle of authentication, asking an askpass program for its key's
     * passphrase; the program answers only once the server has logged that the grace time ran
     * out, and ssh then finds the connection ended for that reason.
     */
    @Test
    void loginGraceTimeEndsAStalledLogin() throws Exception {
        try (TetherServerProcess server = TetherServerProcess.start("--login-grace-time", "2")) {
            Path key = SshKeygen.generateEncrypted(tmp, "locked_key", "ed25519", 0, "secret");
            Files.writeString(server.dir().resolve("authorized_keys"), Files.readString(Path.of(key + ".pub")));
            Path fifo = tmp.resolve("go");
            Processes.runOk(List.of("/usr/bin/mkfifo", fifo.toString()), Map.of(), null, TetherCli.TIMEOUT);
            Path askpass = Files.writeString(tmp.resolve("askpass"), "#!/bin/sh\nread x < " + fifo + "\necho secret\n");
            assertTrue(askpass.toFile().setExecutable(true));
            List<String> cmd = new java.util.ArrayList<>(server.sshCommand(List.of(), "true"));
            cmd.set(cmd.indexOf(server.userKey().toString()), key.toString());
            cmd.set(cmd.indexOf("BatchMode=yes"), "BatchMode=no");
            ProcessBuilder pb = Processes.builder(cmd, Map.of("SSH_ASKPASS", askpass.toString(), "SSH_ASKPASS_REQUIRE", "force",
                    "DISPLAY", ":0"), null, tmp.resolve("ssh.out"), tmp.resolve("ssh.err"));
            long started = System.nanoTime();
            Process ssh = pb.start();
            try {
                String line = server.awaitStderr("disconnect by server \\(11\\): login grace time of 2 s exceeded", WAIT);
                long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                assertTrue(elapsed >= 1500, "ended after " + elapsed + " ms: " + line);
                release(fifo);
                assertTrue(ssh.waitFor(30, TimeUnit.SECONDS), "ssh did not end");
                assertEquals(255, ssh.exitValue());
            } finally {
                Processes.kill(ssh);
            }
        }
    }

    @Test
    void sftpOnlyServesSftpAndNothingElse() throws Exception {
        try (TetherServerProcess server = TetherServerProcess.start("--sftp-only")) {
            Files.writeString(tmp.resolve("up.txt"), "uploaded through sftp\n");
            Path batch = Files.writeString(tmp.resolve("batch"), String.join("\n",
                    "put " + tmp.resolve("up.txt") + " remote.txt",
                    "ls",
                    "get remote.txt " + tmp.resolve("down.txt"), ""));
            OpenSshClient.Result r = new OpenSshClient(server.dir()).sftp(server.port(), Cli.localUser()).identity(server.userKey())
                    .knownHosts(server.dir().resolve("known_hosts")).verbose(0).args("-b", batch.toString()).timeout(WAIT).run();
            assertEquals(0, r.exitCode(), r.describe());
            assertTrue(r.stdout().contains("remote.txt"), r.describe());
            assertEquals("uploaded through sftp\n", Files.readString(server.dir().resolve("remote.txt")));
            assertEquals("uploaded through sftp\n", Files.readString(tmp.resolve("down.txt")));
            server.awaitStderr("session 0 end subsystem sftp status 0", WAIT);

            Processes.Result exec = server.ssh(List.of(), "echo nope");
            assertEquals(255, exec.exitCode(), exec.describe());
            assertTrue(exec.stderr().contains("exec request failed"), exec.describe());
            assertFalse(exec.stdout().contains("nope"));
            Path script = Files.writeString(tmp.resolve("stdin"), "echo nope\n");
            Processes.Result shell = Processes.run(server.sshCommand(List.of("-T")), Map.of("LC_ALL", "C"), script, null, WAIT);
            assertEquals(255, shell.exitCode(), shell.describe());
            assertTrue(shell.stderr().contains("shell request failed"), shell.describe());
        }
    }

    @Test
    void sigtermLetsARunningSessionFinishClosesTheListenerAndExitsZero() throws Exception {
        try (TetherServerProcess server = TetherServerProcess.start()) {
            Path release = tmp.resolve("release");
            Processes.runOk(List.of("/usr/bin/mkfifo", release.toString()), Map.of(), null, TetherCli.TIMEOUT);
            Process ssh = Processes.builder(server.sshCommand(List.of(), "read x < " + release + "; echo finished"), Map.of(), null,
                    tmp.resolve("ssh.out"), tmp.resolve("ssh.err")).start();
            try {
                server.awaitStderr("session 0 start exec", WAIT);
                server.process().destroy(); // SIGTERM
                server.awaitStderr("stopping; waiting up to \\d+ s for 1 connection", WAIT);
                // the listener is closed: a new connection is refused
                try (Socket s = new Socket()) {
                    boolean refused = false;
                    try {
                        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
                        InputStream in = s.getInputStream();
                        s.setSoTimeout(5000);
                        refused = in.read() < 0;
                    } catch (IOException e) {
                        refused = true;
                    }
                    assertTrue(refused, "the listener still accepts after SIGTERM");
                }
                assertTrue(server.process().isAlive(), "the server did not wait for the session");
                release(release);
                assertTrue(ssh.waitFor(30, TimeUnit.SECONDS), "ssh did not end");
                assertEquals(0, ssh.exitValue(), Files.readString(tmp.resolve("ssh.err")));
                assertEquals("finished\n", Files.readString(tmp.resolve("ssh.out")));
                assertTrue(server.process().waitFor(30, TimeUnit.SECONDS), "server did not exit");
                assertEquals(0, server.process().exitValue(), server.stderr());
                assertTrue(server.stderr().contains("tether: stopped"), server.stderr());
            } finally {
                Processes.kill(ssh);
            }
        }
    }

    @Test
    void helpDocumentsEveryFlagAndVersionPrints() throws Exception {
        Processes.Result help = TetherCli.run(tmp, "server", "--help");
        assertEquals(0, help.exitCode(), help.describe());
        assertFalse(help.stderr().contains("picocli WARN"), "a description with a bare %: " + help.stderr());
        for (String flag : List.of("--listen", "--port", "--host-key", "--authorized-keys", "--passwords", "--root",
                "--chroot", "--no-shell", "--no-exec", "--no-forwarding", "--sftp-only", "--config", "--max-connections",
                "--max-startups", "--max-auth-tries", "--max-sessions", "--login-grace-time", "--allow", "--deny",
                "--proxy-protocol", "-v", "--version", "--help")) {
            assertTrue(help.stdout().matches("(?s).*\\s" + java.util.regex.Pattern.quote(flag) + "[=,\\s].*"), flag + " missing:\n" + help.stdout());
        }
        for (String v : List.of("-V", "--version")) {
            Processes.Result version = TetherCli.run(tmp, "server", v);
            assertEquals(0, version.exitCode(), version.describe());
            assertTrue(version.stdout().startsWith("tether "), version.describe());
        }
    }

    @Test
    void badFlagValuesAreUsageErrors() throws Exception {
        for (List<String> args : List.of(List.of("--max-startups", "10:x:100"), List.of("--deny", "not-a-cidr"),
                List.of("--login-grace-time", "5y"), List.of("--max-auth-tries", "0"), List.of("--port", "70000"))) {
            List<String> all = new java.util.ArrayList<>(List.of("server"));
            if (!args.contains("--port")) {
                all.addAll(List.of("--port", "0"));
            }
            all.addAll(args);
            Processes.Result r = TetherCli.run(tmp, all.toArray(String[]::new));
            assertEquals(2, r.exitCode(), r.describe());
            assertTrue(r.stderr().contains(args.get(0)), r.describe());
            assertFalse(r.stdout().contains("listening on"), r.describe());
        }
    }
}
