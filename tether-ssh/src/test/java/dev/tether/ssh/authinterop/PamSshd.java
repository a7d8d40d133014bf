package dev.tether.ssh.authinterop;

import dev.tether.ssh.testutil.OpenSsh;
import dev.tether.ssh.testutil.Poll;
import dev.tether.ssh.testutil.Ports;
import dev.tether.ssh.testutil.Processes;
import dev.tether.ssh.testutil.TempDirs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A private sshd with {@code UsePAM yes}, which the interop harness's OpenSshServer cannot give
 * (it writes {@code UsePAM no}, and sshd_config keeps the first value of a keyword). Without PAM,
 * OpenSSH on Linux has no keyboard-interactive device, so this is the only way to test that method
 * against a real sshd. Like the harness: 127.0.0.1, a free port, its own temp dir and host key,
 * {@code sshd -D -e} logging (DEBUG3) to a file, killed by its own PID on close.
 */
final class PamSshd implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration LOOK_INTERVAL = Duration.ofMillis(20);

    private final Path dir;
    private final Path log;
    private final Process process;
    private final int port;
    private final Path hostKey;

    private PamSshd(Path dir, Path log, Process process, int port, Path hostKey) {
        this.dir = dir;
        this.log = log;
        this.process = process;
        this.port = port;
        this.hostKey = hostKey;
    }

    static PamSshd start(List<String> extraConfig) throws IOException {
        AuthInterop.assumeExecutable(AuthInterop.SSHD);
        Path dir = AuthInterop.tempDir("pam-sshd");
        boolean ok = false;
        try {
            Path hostKey = OpenSsh.keygen(dir, "ssh_host_ed25519_key", "ed25519", 0);
            Files.createDirectories(Path.of("/run/sshd"));
            Path config = dir.resolve("sshd_config");
            Path log = dir.resolve("sshd.log");
            List<String> failures = new ArrayList<>();
            for (int attempt = 0; attempt < 5; attempt++) {
                int port = Ports.freePort();
                List<String> lines = new ArrayList<>(List.of(
                        "Port " + port,
                        "ListenAddress " + AuthInterop.LOOPBACK,
                        "HostKey " + hostKey,
                        "PidFile " + dir.resolve("sshd.pid"),
                        "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                        "StrictModes no",
                        "LogLevel DEBUG3"));
                lines.addAll(extraConfig);
                lines.add("UsePAM yes");
                Files.write(config, lines, StandardCharsets.UTF_8);
                Processes.Result check = AuthInterop.run(List.of(AuthInterop.SSHD.toString(), "-t", "-f", config.toString()), dir,
                        Duration.ofSeconds(20));
                if (check.exitCode() != 0) {
                    throw new IOException("sshd rejects its configuration:\n" + check.describe());
                }
                Files.deleteIfExists(log);
                Process p = new ProcessBuilder(AuthInterop.SSHD.toString(), "-D", "-e", "-f", config.toString())
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .start();
                String listening = "Server listening on " + AuthInterop.LOOPBACK + " port " + port + ".";
                // bounded; each wait returns early if sshd dies
                Poll.until(() -> !p.isAlive() || read(log).contains(listening), START_TIMEOUT, LOOK_INTERVAL, p);
                if (p.isAlive() && read(log).contains(listening)) {
                    ok = true;
                    return new PamSshd(dir, log, p, port, hostKey);
                }
                Processes.kill(p);
                String text = read(log);
                failures.add("port " + port + ":\n" + text);
                if (!text.contains("Address already in use")) {
                    break;
                }
            }
            throw new IOException("sshd did not start:\n" + String.join("\n", failures));
        } finally {
            if (!ok) {
                TempDirs.deleteTree(dir);
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

    /** The AuthorizedKeysFile this sshd reads (for every user). */
    Path authorizedKeys() {
        return dir.resolve("authorized_keys");
    }

    int port() {
        return port;
    }

    byte[] hostKeyBlob() throws IOException {
        return OpenSsh.blobOf(OpenSsh.pubLine(hostKey));
    }

    String log() {
        return read(log);
    }

    /** Waits (bounded) until the log contains {@code text}; returns the whole log. */
    String awaitLog(String text, Duration timeout) {
        Poll.until(() -> read(log).contains(text), timeout, LOOK_INTERVAL, process);
        return read(log);
    }

    @Override
    public void close() {
        try {
            Processes.kill(process); // and the per-connection children
        } finally {
            TempDirs.deleteTree(dir);
        }
    }
}
