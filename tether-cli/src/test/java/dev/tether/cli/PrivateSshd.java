package dev.tether.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A private OpenSSH server on 127.0.0.1 and a free port, as /work/shared/PEERS.md describes
 * (after tether-ssh's interop OpenSshServer): its own temp dir, an ed25519 host key, a user key
 * in its authorized_keys, {@code sshd -D -e} with its log in a file. Never touches /etc/ssh or a
 * system sshd. {@link #close()} kills it and its session children.
 */
final class PrivateSshd implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Path dir;
    private final Path hostKey;
    private final Path userKey;
    private final Path log;
    private final Process process;
    private final int port;

    private PrivateSshd(Path dir, Path hostKey, Path userKey, Path log, Process process, int port) {
        this.dir = dir;
        this.hostKey = hostKey;
        this.userKey = userKey;
        this.log = log;
        this.process = process;
        this.port = port;
    }

    static boolean available() {
        return Files.isExecutable(Procs.SSHD) && Files.isExecutable(Procs.SSH_KEYGEN);
    }

    static PrivateSshd start() throws IOException {
        Path dir = Procs.tempDir("sshd");
        boolean ok = false;
        try {
            Path hostKey = Procs.sshKeygen(dir, "ssh_host_ed25519_key", "ed25519", 0, null);
            Path userKey = Procs.sshKeygen(dir, "user_key", "ed25519", 0, null);
            Files.copy(Path.of(userKey + ".pub"), dir.resolve("authorized_keys"));
            Files.createDirectories(Path.of("/run/sshd"));
            Path log = dir.resolve("sshd.log");
            Path config = dir.resolve("sshd_config");
            List<String> failures = new ArrayList<>();
            for (int attempt = 0; attempt < 5; attempt++) {
                int port = freePort();
                Files.write(config, List.of(
                        "Port " + port,
                        "ListenAddress 127.0.0.1",
                        "HostKey " + hostKey,
                        "PidFile " + dir.resolve("sshd.pid"),
                        "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                        "StrictModes no",
                        "UsePAM no",
                        "PermitRootLogin yes",
                        "PasswordAuthentication yes",
                        "KbdInteractiveAuthentication yes",
                        "PrintMotd no",
                        "LogLevel INFO"), StandardCharsets.UTF_8);
                Files.deleteIfExists(log);
                Process p = new ProcessBuilder(Procs.SSHD.toString(), "-D", "-e", "-f", config.toString())
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .start();
                String listening = "Server listening on 127.0.0.1 port " + port + ".";
                boolean up = Procs.await(() -> !p.isAlive() || read(log).contains(listening), START_TIMEOUT,
                        Duration.ofMillis(25), p);
                if (up && p.isAlive()) {
                    ok = true;
                    return new PrivateSshd(dir, hostKey, userKey, log, p, port);
                }
                failures.add("port " + port + ": " + read(log));
                Procs.kill(p);
                if (!read(log).contains("Address already in use") && !read(log).contains("Cannot bind")) {
                    break;
                }
            }
            throw new IOException("sshd did not start:\n" + String.join("\n", failures));
        } finally {
            if (!ok) {
                Procs.deleteTree(dir);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
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

    Path dir() {
        return dir;
    }

    /** The private key that authorized_keys lets in (as the user running the tests). */
    Path userKey() {
        return userKey;
    }

    Path hostKeyPub() {
        return Path.of(hostKey + ".pub");
    }

    String log() {
        return read(log);
    }

    /** The known_hosts line for this server. */
    String knownHostsLine() throws IOException {
        String[] f = Files.readString(hostKeyPub()).trim().split("\\s+");
        return "[127.0.0.1]:" + port + " " + f[0] + " " + f[1];
    }

    @Override
    public void close() {
        try {
            List<ProcessHandle> children = process.descendants().toList();
            children.forEach(ProcessHandle::destroy);
            process.destroy();
            boolean ended = Procs.await(() -> !process.isAlive() && children.stream().noneMatch(ProcessHandle::isAlive),
                    Duration.ofSeconds(10), Duration.ofMillis(50), process);
            if (!ended) {
                children.forEach(ProcessHandle::destroyForcibly);
                Procs.kill(process);
            }
        } finally {
            Procs.deleteTree(dir);
        }
    }
}
