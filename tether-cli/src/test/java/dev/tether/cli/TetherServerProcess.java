package dev.tether.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code tether server} in a child JVM on 127.0.0.1 and a port it picks ({@code --port 0}),
 * with its own host key, an authorized user key and a throwaway HOME; the port comes from its
 * first stdout line, {@code listening on ADDR:PORT}. {@link #close()} sends SIGTERM and waits.
 */
final class TetherServerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("^listening on 127\\.0\\.0\\.1:(\\d+)$", Pattern.MULTILINE);

    private final Path dir;
    private final Process process;
    private final Path hostKey;
    private final Path userKey;
    private final int port;

    private TetherServerProcess(Path dir, Process process, Path hostKey, Path userKey, int port) {
        this.dir = dir;
        this.process = process;
        this.hostKey = hostKey;
        this.userKey = userKey;
        this.port = port;
    }

    static TetherServerProcess start() throws IOException {
        Path dir = Procs.tempDir("tether-server");
        boolean ok = false;
        Process p = null;
        try {
            Path hostKey = Procs.sshKeygen(dir, "host_key", "ed25519", 0, null);
            Path userKey = Procs.sshKeygen(dir, "user_key", "ed25519", 0, null);
            Path authorized = Files.copy(Path.of(userKey + ".pub"), dir.resolve("authorized_keys"));
            Path out = dir.resolve("stdout");
            Path err = dir.resolve("stderr");
            ProcessBuilder pb = new ProcessBuilder(Procs.tetherCommand("server", "--listen", "127.0.0.1", "--port", "0",
                    "--host-key", hostKey.toString(), "--authorized-keys", authorized.toString(), "--root", dir.toString()))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().put("HOME", dir.toString());
            p = pb.start();
            Process proc = p;
            int[] port = {0};
            boolean up = Procs.await(() -> {
                Matcher m = LISTENING.matcher(read(out));
                if (m.find()) {
                    port[0] = Integer.parseInt(m.group(1));
                    return true;
                }
                return !proc.isAlive();
            }, Duration.ofSeconds(60), Duration.ofMillis(25), p);
            if (!up || port[0] == 0) {
                throw new IOException("tether server did not start:\n" + read(out) + "\n" + read(err));
            }
            ok = true;
            return new TetherServerProcess(dir, p, hostKey, userKey, port[0]);
        } finally {
            if (!ok) {
                if (p != null) {
                    Procs.kill(p);
                }
                Procs.deleteTree(dir);
            }
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    int port() {
        return port;
    }

    Path userKey() {
        return userKey;
    }

    String knownHostsLine() throws IOException {
        String[] f = Files.readString(Path.of(hostKey + ".pub")).trim().split("\\s+");
        return "[127.0.0.1]:" + port + " " + f[0] + " " + f[1];
    }

    @Override
    public void close() {
        try {
            process.destroy(); // SIGTERM: the server closes and exits 0
            if (!Procs.await(() -> !process.isAlive(), Duration.ofSeconds(20), Duration.ofMillis(50), process)) {
                Procs.kill(process);
            }
        } finally {
            Procs.deleteTree(dir);
        }
    }
}
