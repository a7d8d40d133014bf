package dev.tether.pty;

import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.testkit.OpenSshClient;
import dev.tether.testkit.Peers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The OpenSSH client against our server: {@code ssh -tt} gets a real terminal, {@code ssh -T} none. */
@Timeout(120)
class OpenSshPtyInteropTest {
    @TempDir
    static Path dir;
    static PtyTestServer server;
    static Path keyFile;
    static Path noPtyKeyFile;
    static Path knownHosts;

    @BeforeAll
    static void start() throws Exception {
        Peers.requireSsh();
        server = new PtyTestServer(dir);
        keyFile = writeKey("id_plain", server.key);
        noPtyKeyFile = writeKey("id_nopty", server.noPtyKey);
        knownHosts = dir.resolve("known_hosts");
        Files.writeString(knownHosts, "[127.0.0.1]:" + server.port() + " "
                + OpenSshKeyFile.publicKeyLine(server.hostKey.getPublic(), "tether-test") + "\n");
    }

    private static Path writeKey(String name, java.security.KeyPair kp) throws IOException {
        Path f = dir.resolve(name);
        OpenSshKeyFile.write(f, kp, name);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    record Result(int exit, String stdout, String stderr) {
        String describe() {
            return "exit " + exit + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
        }
    }

    /** Runs ssh with a bounded wait; stdin is /dev/null and output goes to files. */
    static Result ssh(Path key, String ttyFlag, String command) throws Exception {
        return ssh(key, ttyFlag, "ERROR", command);
    }

    static Result ssh(Path key, String ttyFlag, String logLevel, String command) throws Exception {
        OpenSshClient.Result r = new OpenSshClient(dir).to(server.port(), PtyTestServer.USER).identity(key).knownHosts(knownHosts)
                .option("StrictHostKeyChecking", "yes").option("ConnectTimeout", "20").option("LogLevel", logLevel).verbose(0)
                .args(ttyFlag).command(command).timeout(Duration.ofSeconds(60)).run();
        if (r.timedOut()) {
            throw new AssertionError("ssh did not finish in 60 s: " + r.describe());
        }
        return new Result(r.exitCode(), r.stdout(), r.stderr());
    }

    @Test
    void sshWithForcedTtySeesARealTerminal() throws Exception {
        // with stdin not a terminal ssh asks for a 0x0 window, which the server makes 80x24
        // before the command starts
        Result r = ssh(keyFile, "-tt", "tty; stty size");
        assertEquals(0, r.exit(), r.describe());
        assertTrue(r.stdout().matches("(?s)/dev/pts/\\d+\r\n24 80\r\n"), r.describe());
    }

    @Test
    void sshWithoutTtyHasNone() throws Exception {
        Result r = ssh(keyFile, "-T", "tty");
        assertEquals(1, r.exit(), r.describe());
        assertEquals("not a tty\n", r.stdout(), r.describe());
    }

    @Test
    void aNoPtyKeyIsRefusedATerminal() throws Exception {
        // -tt makes a refused pty fatal in ssh: it gives up with 255 before running the command
        Result r = ssh(noPtyKeyFile, "-tt", "tty");
        assertEquals(255, r.exit(), r.describe());
        assertTrue(r.stderr().contains("PTY allocation request failed"), r.describe());
        assertEquals("", r.stdout(), r.describe());
        // without a pty request the same key runs commands
        Result plain = ssh(noPtyKeyFile, "-T", "tty");
        assertEquals("not a tty\n", plain.stdout(), plain.describe());
    }

    @Test
    void exitStatusComesBackThroughTheTerminal() throws Exception {
        Result r = ssh(keyFile, "-tt", "exit 42");
        assertEquals(42, r.exit(), r.describe());
    }

    /**
     * A command on a pty that dies of a signal is reported with {@code exit-signal}, as sshd
     * does, so ssh exits 255; an explicit {@code exit 137} stays a status.
     */
    @Test
    void deathBySignalOnATerminalIsAnExitSignal() throws Exception {
        Result killed = ssh(keyFile, "-tt", "DEBUG1", "echo before; kill -KILL $$");
        assertEquals(255, killed.exit(), killed.describe());
        assertTrue(killed.stderr().contains("rtype exit-signal"), killed.describe());
        assertTrue(killed.stdout().contains("before"), killed.describe());
        Result plain = ssh(keyFile, "-tt", "exit 137");
        assertEquals(137, plain.exit(), plain.describe());
    }
}
