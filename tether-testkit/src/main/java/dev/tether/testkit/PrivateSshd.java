package dev.tether.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A private OpenSSH server on 127.0.0.1 and a free port, per /work/shared/PEERS.md: its own temp
 * dir, host keys made with ssh-keygen, an sshd_config with absolute paths (checked with
 * {@code sshd -t}), {@code /usr/sbin/sshd -D -e -f CONFIG} with stderr (LogLevel DEBUG3)
 * captured to {@link #logFile()}. Ready when it logs that it listens on its port and an OpenSSH
 * greeting comes from that port; a port taken meanwhile is retried with another. It never touches
 * /etc/ssh or a system sshd.
 *
 * <p>The configuration is this rig's defaults followed by the caller's lines; a caller's line
 * (before any {@code Match}) replaces the defaults with the same keyword, since sshd keeps the
 * first value of a keyword: {@code UsePAM yes} gives a PAM sshd (the only way to
 * keyboard-interactive on Linux), {@code LogLevel INFO} a quieter one. Port and ListenAddress are
 * the rig's.
 *
 * <p>Threading: the methods may be called from any thread; the log is read from its file.
 * Cleans up: {@link #close()} asks sshd and its per-connection children to end (SIGTERM), kills
 * what is left after a bounded wait, and deletes the temp dir.
 */
public final class PrivateSshd implements AutoCloseable {
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

    /** A source of candidate ports (the rig's own test feeds it a taken one first). */
    @FunctionalInterface
    interface PortSource {
        int next() throws IOException;
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
    private Path userKey;

    private PrivateSshd(Path dir, Path config, Path log, Map<HostKey, Path> hostKeys, Process process, int port) {
        this.dir = dir;
        this.config = config;
        this.log = log;
        this.hostKeys = hostKeys;
        this.process = process;
        this.port = port;
    }

    /** Starts sshd with every host key kind and no extra configuration. */
    public static PrivateSshd start() throws IOException {
        return start(EnumSet.allOf(HostKey.class), List.of());
    }

    /**
     * Starts sshd; requires sshd and ssh-keygen ({@link Peers}).
     *
     * @param keys        host keys to generate and configure (none: the caller's lines name them)
     * @param extraConfig sshd_config lines after the defaults, replacing those with the same keyword
     *                    (e.g. {@code "KexAlgorithms curve25519-sha256"}, {@code "UsePAM yes"})
     */
    public static PrivateSshd start(Set<HostKey> keys, List<String> extraConfig) throws IOException {
        return start(keys, extraConfig, FreePorts::freePort);
    }

    static PrivateSshd start(Set<HostKey> keys, List<String> extraConfig, PortSource ports) throws IOException {
        Peers.requireSshd();
        Peers.requireSshKeygen();
        Path dir = TempDirs.create("tether-sshd-");
        boolean ok = false;
        try {
            Map<HostKey, Path> hostKeys = new LinkedHashMap<>();
            for (HostKey k : keys) {
                hostKeys.put(k, SshKeygen.generate(dir, "ssh_host_" + k.name().toLowerCase(Locale.ROOT) + "_key",
                        k.keygenType, k.bits));
            }
            Files.createFile(dir.resolve("authorized_keys")); // empty: the test writes or appends the keys it lets in
            Files.createDirectories(Path.of("/run/sshd")); // sshd's privilege separation directory
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
                Process p = new ProcessBuilder(Peers.SSHD.toString(), "-D", "-e", "-f", config.toString())
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .start();
                // Ready means: our sshd is alive, says it listens on the port, and an OpenSSH greeting
                // comes from it. A bare connect is not enough: whoever else holds the port accepts too.
                String listening = "Server listening on " + FreePorts.LOOPBACK + " port " + port + ".";
                boolean up = Poll.until(() -> !p.isAlive() || (Processes.read(log).contains(listening) && isOpenSsh(port)),
                        START_TIMEOUT, Duration.ofMillis(25), p);
                if (up && p.isAlive()) {
                    ok = true;
                    return new PrivateSshd(dir, config, log, Collections.unmodifiableMap(hostKeys), p, port);
                }
                failures.add("port " + port + ": " + (p.isAlive() ? "no OpenSSH greeting after " + START_TIMEOUT : "sshd exited")
                        + "\n" + Processes.read(log));
                Processes.kill(p, STOP_TIMEOUT);
                String text = Processes.read(log);
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

    /** One connection attempt and the first line of the greeting: does an OpenSSH server answer on the port? */
    private static boolean isOpenSsh(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(FreePorts.LOOPBACK, port), 500);
            s.setSoTimeout(1000);
            InputStream in = s.getInputStream();
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n' && sb.length() < 255) {
                sb.append((char) c);
            }
            return sb.toString().startsWith("SSH-2.0-OpenSSH");
        } catch (IOException e) {
            return false;
        }
    }

    static List<String> configLines(Path dir, int port, Iterable<Path> hostKeys, List<String> extra) {
        List<String> defaults = new ArrayList<>();
        for (Path k : hostKeys) {
            defaults.add("HostKey " + k.toAbsolutePath());
        }
        defaults.add("PidFile " + dir.resolve("sshd.pid").toAbsolutePath());
        defaults.add("AuthorizedKeysFile " + dir.resolve("authorized_keys").toAbsolutePath());
        defaults.add("StrictModes no");
        defaults.add("UsePAM no");
        defaults.add("PermitRootLogin yes");
        defaults.add("PasswordAuthentication yes");
        defaults.add("KbdInteractiveAuthentication yes");
        defaults.add("Subsystem sftp " + Peers.SFTP_SERVER);
        defaults.add("LogLevel DEBUG3");

        Set<String> overridden = new HashSet<>();
        for (String line : extra) {
            String k = keyword(line);
            if (k.equals("match")) {
                break; // the rest is conditional: it replaces nothing
            }
            overridden.add(k);
        }
        List<String> lines = new ArrayList<>();
        lines.add("Port " + port);
        lines.add("ListenAddress " + FreePorts.LOOPBACK);
        defaults.stream().filter(l -> !overridden.contains(keyword(l))).forEach(lines::add);
        lines.addAll(extra);
        return lines;
    }

    private static String keyword(String line) {
        String t = line.strip();
        if (t.isEmpty() || t.startsWith("#")) {
            return "";
        }
        return t.split("[\\s=]+", 2)[0].toLowerCase(Locale.ROOT);
    }

    private static void checkConfig(Path dir, Path config) throws IOException {
        Processes.Result r = Processes.run(List.of(Peers.SSHD.toString(), "-t", "-f", config.toString()), dir,
                Duration.ofSeconds(20));
        if (r.exitCode() != 0) {
            throw new IOException("sshd rejects its configuration:\n" + r.describe() + "\n--- config ---\n" + Processes.read(config));
        }
    }

    public int port() {
        return port;
    }

    /** Its temp dir: config, host keys, log, and the {@link #authorizedKeys()} file. */
    public Path dir() {
        return dir;
    }

    public Path configFile() {
        return config;
    }

    /** The AuthorizedKeysFile this sshd reads, for every user (empty at the start). */
    public Path authorizedKeys() {
        return dir.resolve("authorized_keys");
    }

    /**
     * A user key (ed25519, made with ssh-keygen on first use) that {@link #authorizedKeys()} lets
     * in, for any user; returns the private key.
     */
    public synchronized Path userKey() {
        if (userKey == null) {
            try {
                Path k = SshKeygen.generate(dir, "user_key", "ed25519", 0);
                Files.writeString(authorizedKeys(), SshKeygen.pubLine(k) + "\n", StandardCharsets.US_ASCII,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                userKey = k;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return userKey;
    }

    /** sshd's stderr: every log line of the daemon and of its per-connection children. */
    public Path logFile() {
        return log;
    }

    /** The whole log so far. */
    public String log() {
        return Processes.read(log);
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
        Poll.until(() -> logSince(mark).contains(text), timeout, Duration.ofMillis(20), process);
        return logSince(mark);
    }

    /** Waits (bounded, polling) until the log contains {@code text}; returns the whole log. */
    public String awaitLog(String text, Duration timeout) {
        return awaitLog(0, text, timeout);
    }

    public Map<HostKey, Path> hostKeyFiles() {
        return hostKeys;
    }

    /** The public key file of a host key. */
    public Path hostKeyPub(HostKey k) {
        Path priv = hostKeys.get(k);
        if (priv == null) {
            throw new IllegalArgumentException("sshd has no " + k + " host key");
        }
        return Path.of(priv + ".pub");
    }

    /** The host key's public blob, read from sshd's .pub file (the base64 field). */
    public byte[] hostKeyBlob(HostKey k) throws IOException {
        return SshKeygen.publicKeyBlob(hostKeyPub(k));
    }

    /** Its ed25519 host key if it has one, else its first. */
    private HostKey mainHostKey() {
        if (hostKeys.isEmpty()) {
            throw new IllegalStateException("sshd was started without host keys of the rig's");
        }
        return hostKeys.containsKey(HostKey.ED25519) ? HostKey.ED25519 : hostKeys.keySet().iterator().next();
    }

    /** The public key file of its ed25519 host key, or of its first one. */
    public Path hostKeyPub() {
        return hostKeyPub(mainHostKey());
    }

    /** The public blob of its ed25519 host key, or of its first one. */
    public byte[] hostKeyBlob() throws IOException {
        return hostKeyBlob(mainHostKey());
    }

    /** A known_hosts line ({@code [127.0.0.1]:PORT TYPE BASE64}) for its ed25519 host key, or its first one. */
    public String knownHostsLine() throws IOException {
        String[] f = Files.readString(hostKeyPub(mainHostKey()), StandardCharsets.US_ASCII).trim().split("\\s+");
        return "[" + FreePorts.LOOPBACK + "]:" + port + " " + f[0] + " " + f[1];
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        try {
            // the per-connection children too: they would otherwise live on until LoginGraceTime
            Processes.stop(process, STOP_TIMEOUT);
        } finally {
            TempDirs.deleteTree(dir);
        }
    }
}
