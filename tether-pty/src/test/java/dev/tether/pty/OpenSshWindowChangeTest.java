package dev.tether.pty;

import dev.tether.ssh.keys.OpenSshKeyFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * OpenSSH's {@code ssh} in a real terminal (a tmux pane) against our server: the remote pty
 * starts at the pane's size, and when the pane is resized ssh sends {@code window-change} and
 * {@code stty size} on the server follows. Needs tmux (bin/test installs it).
 */
@Timeout(120)
class OpenSshWindowChangeTest {
    static final Path SSH = Path.of("/usr/bin/ssh");
    static final Path TMUX = Path.of("/usr/bin/tmux");
    static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path dir;
    static PtyTestServer server;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(SSH), "OpenSSH client not installed at " + SSH);
        assumeTrue(Files.isExecutable(TMUX), "tmux is not installed (apt-get install -y tmux)");
        server = new PtyTestServer(dir);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void sttySizeFollowsTheTerminalOfOpenSshsClient() throws Exception {
        Path key = dir.resolve("id_plain");
        OpenSshKeyFile.write(key, server.key, "plain");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        Path knownHosts = Files.writeString(dir.resolve("known_hosts"), "[127.0.0.1]:" + server.port() + " "
                + OpenSshKeyFile.publicKeyLine(server.hostKey.getPublic(), "tether-test") + "\n");
        Path socket = dir.resolve("tmux.sock");
        Path conf = Files.writeString(dir.resolve("tmux.conf"), "set -g status off\nset -g remain-on-exit on\n");
        String ssh = String.join(" ", SSH.toString(), "-F", "/dev/null", "-t", "-p", String.valueOf(server.port()),
                "-i", key.toString(), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                "-o", "UserKnownHostsFile=" + knownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "StrictHostKeyChecking=yes", PtyTestServer.USER + "@127.0.0.1",
                "'echo SIZE $(stty size); while read l; do echo SIZE $(stty size); done'");
        try {
            tmux(socket, "-f", conf.toString(), "new-session", "-d", "-s", "t", "-x", "100", "-y", "30", ssh);
            awaitPane(socket, s -> s.contains("SIZE 30 100"), "the first size, 30 100");

            tmux(socket, "resize-window", "-t", "t", "-x", "120", "-y", "40");
            assertEquals("40 120", tmux(socket, "display-message", "-p", "-t", "t", "#{pane_height} #{pane_width}").trim());
            // each Enter makes the remote loop print its size; ssh sends the window-change as
            // soon as it sees SIGWINCH, so the size shows after at most a few lines
            boolean seen = false;
            for (int i = 0; i < 10 && !seen; i++) {
                tmux(socket, "send-keys", "-t", "t", "Enter");
                seen = await(() -> pane(socket).contains("SIZE 40 120"), Duration.ofSeconds(2));
            }
            assertTrue(seen, "the remote pty never reported 40 120:\n" + pane(socket));

            tmux(socket, "resize-window", "-t", "t", "-x", "90", "-y", "25");
            seen = false;
            for (int i = 0; i < 10 && !seen; i++) {
                tmux(socket, "send-keys", "-t", "t", "Enter");
                seen = await(() -> pane(socket).contains("SIZE 25 90"), Duration.ofSeconds(2));
            }
            assertTrue(seen, "the remote pty never reported 25 90:\n" + pane(socket));
        } finally {
            try {
                tmux(socket, "kill-server");
            } catch (IOException | AssertionError e) {
                // already gone
            }
        }
    }

    private static String tmux(Path socket, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(TMUX.toString(), "-S", socket.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("TMUX", "");
        pb.environment().put("TERM", "xterm-256color");
        pb.environment().put("LC_ALL", "C");
        Process p = pb.start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("tmux did not finish: " + cmd);
            }
            if (p.exitValue() != 0) {
                fail("tmux failed (" + p.exitValue() + "): " + cmd + "\n" + out);
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static String pane(Path socket) {
        try {
            return tmux(socket, "capture-pane", "-p", "-t", "t");
        } catch (IOException | AssertionError e) {
            return "";
        }
    }

    private static boolean await(java.util.function.BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        return condition.getAsBoolean();
    }

    private static void awaitPane(Path socket, Predicate<String> condition, String what) throws InterruptedException {
        if (!await(() -> condition.test(pane(socket)), WAIT)) {
            fail("no " + what + " in the terminal within " + WAIT + ":\n" + pane(socket));
        }
    }
}
