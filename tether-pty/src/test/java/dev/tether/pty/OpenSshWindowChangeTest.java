package dev.tether.pty;

import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.testkit.OpenSshClient;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Tmux;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OpenSSH's {@code ssh} in a real terminal (a tmux pane) against our server: the remote pty
 * starts at the pane's size, and when the pane is resized ssh sends {@code window-change} and
 * {@code stty size} on the server follows. Needs tmux (bin/test installs it).
 */
@Timeout(120)
class OpenSshWindowChangeTest {
    static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path dir;
    static PtyTestServer server;

    @BeforeAll
    static void start() throws Exception {
        Peers.requireSsh();
        Peers.requireTmux();
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
        List<String> ssh = new OpenSshClient(dir).to(server.port(), PtyTestServer.USER).identity(key).knownHosts(knownHosts)
                .option("StrictHostKeyChecking", "yes").verbose(0).args("-t")
                .command("echo SIZE $(stty size); while read l; do echo SIZE $(stty size); done").argv();
        try (Tmux tmux = Tmux.start(dir, 100, 30, Tmux.commandLine(ssh), "set -g remain-on-exit on")) {
            tmux.await(s -> s.contains("SIZE 30 100"), "the first size, 30 100", WAIT);

            tmux.resize(120, 40);
            assertEquals("40 120", tmux.paneSize());
            // each Enter makes the remote loop print its size; ssh sends the window-change as
            // soon as it sees SIGWINCH, so the size shows after at most a few lines
            boolean seen = false;
            for (int i = 0; i < 10 && !seen; i++) {
                tmux.sendKeys("Enter");
                seen = tmux.poll(s -> s.contains("SIZE 40 120"), Duration.ofSeconds(2));
            }
            assertTrue(seen, "the remote pty never reported 40 120:\n" + tmux.screen());

            tmux.resize(90, 25);
            seen = false;
            for (int i = 0; i < 10 && !seen; i++) {
                tmux.sendKeys("Enter");
                seen = tmux.poll(s -> s.contains("SIZE 25 90"), Duration.ofSeconds(2));
            }
            assertTrue(seen, "the remote pty never reported 25 90:\n" + tmux.screen());
        }
    }
}
