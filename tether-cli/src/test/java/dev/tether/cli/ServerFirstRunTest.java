package dev.tether.cli;

import dev.tether.testkit.OpenSshClient;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Poll;
import dev.tether.testkit.Processes;
import dev.tether.testkit.SshKeygen;
import dev.tether.testkit.TetherCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's first command on a fresh HOME: {@code tether server} with no flags but
 * {@code --port 0} generates {@code ~/.tether/ssh_host_ed25519_key} (mode 600, .pub beside it),
 * prints {@code listening on ADDR:PORT} then its host key fingerprint as {@code ssh-keygen -l}
 * computes it, serves an OpenSSH {@code ssh} login with the user's {@code ~/.ssh/authorized_keys},
 * and exits 0 on SIGTERM.
 */
class ServerFirstRunTest {
    private static final Pattern LISTENING = Pattern.compile("^listening on 127\\.0\\.0\\.1:(\\d+)\\n", Pattern.MULTILINE);

    @TempDir
    Path home;

    @Test
    void freshHomeGetsAHostKeyAndServesAnOpenSshLogin() throws Exception {
        Path userKey = SshKeygen.generate(home, "id_ed25519", "ed25519", 0);
        Files.createDirectories(home.resolve(".ssh"));
        Files.copy(Path.of(userKey + ".pub"), home.resolve(".ssh/authorized_keys"));
        Path out = home.resolve("server.out");
        Process server = Processes.builder(TetherCli.command("server", "--port", "0"), TetherCli.env(home), null, out,
                home.resolve("server.err")).directory(home.toFile()).start();
        try {
            int[] port = {0};
            assertTrue(Poll.until(() -> {
                try {
                    String text = Files.exists(out) ? Files.readString(out) : "";
                    Matcher m = LISTENING.matcher(text);
                    if (m.find() && text.contains("host key ")) {
                        port[0] = Integer.parseInt(m.group(1));
                        return true;
                    }
                } catch (java.io.IOException e) {
                    return false;
                }
                return !server.isAlive();
            }, Duration.ofSeconds(60), Duration.ofMillis(25), server), "server did not start");
            List<String> lines = Files.readAllLines(out);
            assertTrue(lines.get(0).startsWith("listening on 127.0.0.1:"), lines.toString());

            Path key = home.resolve(".tether/ssh_host_ed25519_key");
            assertTrue(Files.exists(key) && Files.exists(Path.of(key + ".pub")));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
            String fp = Processes.runOk(List.of(Peers.SSH_KEYGEN.toString(), "-l", "-f", key + ".pub"), Map.of(), null, TetherCli.TIMEOUT).stdout().split(" ")[1];
            assertEquals("host key ssh-ed25519 " + fp, lines.get(1));

            OpenSshClient.Result ssh = new OpenSshClient(home).to(port[0], System.getProperty("user.name")).identity(userKey)
                    .knownHosts(home.resolve("known_hosts")).verbose(0).command("echo hello from; pwd").timeout(Duration.ofSeconds(60)).run();
            assertEquals(0, ssh.exitCode(), ssh.describe());
            assertEquals("hello from\n" + home.toRealPath() + "\n", ssh.stdout(), ssh.describe());
        } finally {
            server.destroy(); // SIGTERM
            assertTrue(server.waitFor(30, TimeUnit.SECONDS), "server did not stop on SIGTERM");
            assertEquals(0, server.exitValue(), new String(Files.readAllBytes(home.resolve("server.err")), StandardCharsets.UTF_8));
        }
    }
}
