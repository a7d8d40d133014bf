package dev.tether.ssh.interop;

import dev.tether.ssh.testutil.OpenSsh;
import dev.tether.ssh.testutil.Poll;
import dev.tether.ssh.testutil.Ports;
import dev.tether.ssh.testutil.Processes;
import dev.tether.ssh.testutil.TempDirs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A private OpenSSH server on 127.0.0.1 and a free port, per /work/shared/PEERS.md: its own temp
 * dir, host keys made with ssh-keygen, an sshd_config with absolute paths, {@code sshd -D -e}
 * with stderr (LogLevel DEBUG3) captured to {@link #logFile()}. It never touches /etc/ssh or a
 * system sshd. {@link #close()} kills it and waits (bounded) for it to end.
 */
public final class OpenSshServer implements AutoCloseable {
    /** Host key kinds sshd can hold at the same time (one per key type; ECDSA curves are distinct types). */
    public enum HostKey {
        ED25519("ed25519", 0, "ssh-ed25519"),
        ECDSA_256("ecdsa", 256, "ecdsa-sha2-nistp256"),
        ECDSA_384("ecdsa", 384, "ecdsa-sha2-nistp384"),
        ECDSA_521("ecdsa", 521, "ecdsa-sha2-nistp521"),
        RSA("rsa", 3072, "ssh-rsa");

        final String keygenType;
        final int bits;
        /** The key type name in the public key blob. */
        public final String keyType;

        HostKey(String keygenType, int bits, String keyType) {
            this.keygenType = keygenType;
            this.bits = bits;
            this.keyType = keyType;
        }

        /** The host key kind that serves a host key (signature) algorithm. */
        public static HostKey forAlgorithm(String algorithm) {
            return switch (algorithm) {
                case "ssh-ed25519" -> ED25519;
                case "ecdsa-sha2-nistp256" -> ECDSA_256;
                case "ecdsa-sha2-nistp384" -> ECDSA_384;
                case "ecdsa-sha2-nistp521" -> ECDSA_521;
                case "ssh-rsa", "rsa-sha2-256", "rsa-sha2-512" -> RSA;
                default -> throw new IllegalArgumentException("no host key kind for " + algorithm);
            };
        }
    }

    private static final int MAX_START_ATTEMPTS = 5;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final Path dir;
    private final Path config;
    private final Path log;
    private final Map<HostKey, Path> hostKeys;
    private final Process process;
    private final int port;

    private OpenSshServer(Path dir, Path config, Path log, Map<HostKey, Path> hostKeys, Process process, int port) {
        this.dir = dir;
        this.config = config;
        this.log = log;
        this.hostKeys = hostKeys;
        this.process = process;
        this.port = port;
    }

    /** Starts sshd with every host key kind and no extra configuration. */
    public static OpenSshServer start() throws IOException {
        return start(EnumSet.allOf(HostKey.class), List.of());
    }

    /**
     * Starts sshd.
     *
     * @param keys        host keys to generate and configure
     * @param extraConfig sshd_config lines appended after the defaults (e.g. {@code "KexAlgorithms curve25519-sha256"})
     */
    public static OpenSshServer start(Set<HostKey> keys, List<String> extraConfig) throws IOException {
        return start(keys, extraConfig, Ports::freePort);
    }

    /** A source of candidate ports (the harness test feeds it a taken one first). */
    @FunctionalInterface
    interface PortSource {
        int next() throws IOException;
    }

    static OpenSshServer start(Set<HostKey> keys, List<String> extraConfig, PortSource ports) throws IOException {
        Interop.assumeSshd();
        Path dir = Interop.tempDir("sshd");
        boolean ok = false;
        try {
            Map<HostKey, Path> hostKeys = new LinkedHashMap<>();
            for (HostKey k : keys) {
                hostKeys.put(k, OpenSsh.keygen(dir, "ssh_host_" + k.name().toLowerCase() + "_key", k.keygenType, k.bits, false));
            }
            Files.createDirectories(Path.of("/run/sshd"));
            Path log = dir.resolve("sshd.log");
            Path config = dir.resolve("sshd_config");
            List<String> failures = new ArrayList<>();
            for (int attempt = 1; attempt <= MAX_START_ATTEMPTS; attempt++) {
                int port = ports.next();
                Files.write(config, configLines(dir, port, hostKeys.values(), extraConfig), StandardCharsets.UTF_8);
                if (attempt == 1) {
                    checkConfig(dir, config);
                }
                Files.deleteIfExists(log);
                Process p = new ProcessBuilder(Interop.SSHD.toString(), "-D", "-e", "-f", config.toString())
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .start();
                // Ready means: our sshd is alive, says it listens on the port, and an OpenSSH greeting
                // comes from it. A bare connect is not enough: whoever else holds the port accepts too.
                String listening = "Server listening on " + Interop.LOOPBACK + " port " + port + ".";
                boolean up = Poll.until(() -> !p.isAlive() || (readQuietly(log).contains(listening) && isOpenSsh(port)),
                        START_TIMEOUT, Duration.ofMillis(25), p);
                if (up && p.isAlive()) {
                    ok = true;
                    return new OpenSshServer(dir, config, log, Collections.unmodifiableMap(hostKeys), p, port);
                }
                failures.add("port " + port + ": " + (p.isAlive() ? "no OpenSSH greeting after " + START_TIMEOUT : "sshd exited")
                        + "\n" + readQuietly(log));
                Processes.kill(p, STOP_TIMEOUT);
                String text = readQuietly(log);
                boolean bindFailure = text.contains("Address already in use") || text.contains("Cannot bind any address");
                if (!bindFailure) {
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

    private static boolean isOpenSsh(int port) {
        if (!Interop.accepts(port, Duration.ofMillis(500))) {
            return false;
        }
        try {
            return Interop.readGreeting(port, Duration.ofSeconds(1)).startsWith("SSH-2.0-OpenSSH");
        } catch (IOException e) {
            return false;
        }
    }

    private static List<String> configLines(Path dir, int port, Iterable<Path> hostKeys, List<String> extra) {
        List<String> lines = new ArrayList<>();
        lines.add("Port " + port);
        lines.add("ListenAddress " + Interop.LOOPBACK);
        for (Path k : hostKeys) {
            lines.add("HostKey " + k.toAbsolutePath());
        }
        lines.add("PidFile " + dir.resolve("sshd.pid").toAbsolutePath());
        lines.add("AuthorizedKeysFile " + dir.resolve("authorized_keys").toAbsolutePath());
        lines.add("StrictModes no");
        lines.add("UsePAM no");
        lines.add("PermitRootLogin yes");
        lines.add("PasswordAuthentication yes");
        lines.add("KbdInteractiveAuthentication yes");
        lines.add("Subsystem sftp /usr/lib/openssh/sftp-server");
        lines.add("LogLevel DEBUG3");
        lines.addAll(extra);
        return lines;
    }

    private static void checkConfig(Path dir, Path config) throws IOException {
        Processes.Result r = Processes.run(List.of(Interop.SSHD.toString(), "-t", "-f", config.toString()), dir,
                Duration.ofSeconds(20));
        if (r.exitCode() != 0) {
            throw new IOException("sshd rejects its configuration:\n" + r.describe() + "\n--- config ---\n" + readQuietly(config));
        }
    }

    private static String readQuietly(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    public int port() {
        return port;
    }

    public Path dir() {
        return dir;
    }

    public Path configFile() {
        return config;
    }

    /** sshd's stderr: every log line of the daemon and of its per-connection children. */
    public Path logFile() {
        return log;
    }

    /** The whole log so far. */
    public String log() {
        return readQuietly(log);
    }

    /** The current length of the log, to read only what a later connection adds ({@link #logSince}). */
    public long logMark() {
        try {
            return Files.exists(log) ? Files.size(log) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** The log from {@code mark} on. */
    public String logSince(long mark) {
        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.READ)) {
            long size = ch.size();
            if (mark >= size) {
                return "";
            }
            ByteBuffer buf = ByteBuffer.allocate((int) (size - mark));
            while (buf.hasRemaining() && ch.read(buf, mark + buf.position()) > 0) {
                // keep reading
            }
            return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Waits (bounded, polling) until the log after {@code mark} contains {@code text}; returns that part of the log. */
    public String awaitLog(long mark, String text, Duration timeout) {
        Poll.until(() -> logSince(mark).contains(text), timeout, Duration.ofMillis(20), null);
        return logSince(mark);
    }

    public Map<HostKey, Path> hostKeyFiles() {
        return hostKeys;
    }

    /** The host key's public blob, read from sshd's .pub file (the base64 field). */
    public byte[] hostKeyBlob(HostKey k) throws IOException {
        Path priv = hostKeys.get(k);
        if (priv == null) {
            throw new IllegalArgumentException("sshd has no " + k + " host key");
        }
        return OpenSsh.publicKeyBlob(Path.of(priv + ".pub"));
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        try {
            // the per-connection children too: they would otherwise live on until LoginGraceTime
            List<ProcessHandle> children = process.descendants().toList();
            children.forEach(ProcessHandle::destroy);
            process.destroy();
            boolean ended = Poll.until(() -> !process.isAlive() && children.stream().noneMatch(ProcessHandle::isAlive),
                    STOP_TIMEOUT, Duration.ofMillis(50), process);
            if (!ended) {
                children.forEach(ProcessHandle::destroyForcibly);
                Processes.kill(process, STOP_TIMEOUT);
            }
        } finally {
            TempDirs.deleteTree(dir);
        }
    }
}
