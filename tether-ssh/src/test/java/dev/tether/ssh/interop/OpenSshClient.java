package dev.tether.ssh.interop;

import dev.tether.ssh.testutil.Processes;
import dev.tether.ssh.testutil.TempDirs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the OpenSSH client, {@code /usr/bin/ssh -F /dev/null -vvv}, against a server on
 * 127.0.0.1, in batch mode with a fresh known_hosts file per run (so runs never see each other's
 * host keys), and with a bounded wait: a run that does not finish in time is killed.
 */
public final class OpenSshClient implements AutoCloseable {
    private final Path dir;
    private final AtomicInteger runs = new AtomicInteger();

    public OpenSshClient() {
        Interop.assumeSsh();
        this.dir = Interop.tempDir("ssh");
    }

    /** {@code ssh -Q WHAT}: the algorithms this ssh supports, e.g. for {@code kex}, {@code cipher}, {@code mac}, {@code key-sig}. */
    public static List<String> query(String what) {
        Path d = Interop.tempDir("ssh-q");
        try {
            Processes.Result r = Processes.run(List.of(Interop.SSH.toString(), "-Q", what), d, Duration.ofSeconds(20));
            if (r.exitCode() != 0) {
                throw new IllegalStateException("ssh -Q " + what + " failed: " + r.describe());
            }
            return r.stdout().lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } finally {
            TempDirs.deleteTree(d);
        }
    }

    /** Options of one run. Unset algorithm lists mean ssh's defaults. */
    public static final class Options {
        private String user = "user";
        private String command = "true";
        private String preferredAuthentications = "none";
        private final Map<String, String> options = new LinkedHashMap<>();
        private Duration timeout = Duration.ofSeconds(30);

        public Options user(String u) {
            this.user = u;
            return this;
        }

        public Options command(String c) {
            this.command = c;
            return this;
        }

        /** e.g. {@code none}, {@code password}, {@code publickey,password}. */
        public Options preferredAuthentications(String p) {
            this.preferredAuthentications = p;
            return this;
        }

        public Options kex(String... names) {
            return option("KexAlgorithms", String.join(",", names));
        }

        public Options ciphers(String... names) {
            return option("Ciphers", String.join(",", names));
        }

        public Options macs(String... names) {
            return option("MACs", String.join(",", names));
        }

        public Options hostKeyAlgorithms(String... names) {
            return option("HostKeyAlgorithms", String.join(",", names));
        }

        /** Any {@code -o NAME=VALUE}. */
        public Options option(String name, String value) {
            options.put(name, value);
            return this;
        }

        public Options timeout(Duration t) {
            this.timeout = t;
            return this;
        }

        @Override
        public String toString() {
            return options.toString();
        }
    }

    /** The outcome of one ssh run; {@code output} is stdout and stderr (where {@code -vvv} goes). */
    public record Result(int exitCode, String output, boolean timedOut, Path knownHosts, List<String> command) {
        public boolean hasLine(String text) {
            return output.lines().anyMatch(l -> l.contains(text));
        }

        /** The first line containing {@code prefix}, with everything up to and including the prefix removed; null if none. */
        public String after(String prefix) {
            return output.lines().filter(l -> l.contains(prefix)).findFirst()
                    .map(l -> l.substring(l.indexOf(prefix) + prefix.length()).strip()).orElse(null);
        }

        public String describe() {
            return "ssh exit " + exitCode + (timedOut ? " (TIMED OUT, killed)" : "") + "\n" + String.join(" ", command)
                    + "\n--- ssh output ---\n" + output;
        }
    }

    public Result run(int port, Options o) throws IOException {
        int n = runs.incrementAndGet();
        Path knownHosts = dir.resolve("known_hosts_" + n);
        List<String> cmd = new ArrayList<>(Arrays.asList(Interop.SSH.toString(), "-F", "/dev/null", "-vvv",
                "-p", Integer.toString(port),
                "-o", "BatchMode=yes",
                "-o", "UserKnownHostsFile=" + knownHosts,
                "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "StrictHostKeyChecking=accept-new",
                "-o", "ConnectTimeout=10",
                "-o", "PreferredAuthentications=" + o.preferredAuthentications));
        for (Map.Entry<String, String> e : o.options.entrySet()) {
            cmd.add("-o");
            cmd.add(e.getKey() + "=" + e.getValue());
        }
        cmd.add(o.user + "@" + Interop.LOOPBACK);
        cmd.add(o.command);
        Processes.Result r = Processes.run(cmd, dir, o.timeout);
        return new Result(r.exitCode(), r.stdout() + r.stderr(), r.timedOut(), knownHosts, r.command());
    }

    /** The key blobs ssh stored in a run's known_hosts (accept-new). */
    public static List<byte[]> knownHostKeys(Result r) throws IOException {
        if (!Files.exists(r.knownHosts())) {
            return List.of();
        }
        List<byte[]> out = new ArrayList<>();
        for (String line : Files.readAllLines(r.knownHosts())) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3) {
                out.add(java.util.Base64.getDecoder().decode(f[2]));
            }
        }
        return out;
    }

    @Override
    public void close() {
        TempDirs.deleteTree(dir);
    }
}
