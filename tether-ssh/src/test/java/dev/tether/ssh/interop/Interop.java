package dev.tether.ssh.interop;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Shared helpers for the interop tests: peer binaries, processes with bounded waits, ports, temp dirs, key files. */
final class Interop {
    static final Path SSHD = Path.of("/usr/sbin/sshd");
    static final Path SSH = Path.of("/usr/bin/ssh");
    static final Path SSH_KEYGEN = Path.of("/usr/bin/ssh-keygen");
    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final String LOOPBACK = "127.0.0.1";

    private Interop() {
    }

    static void assumeSshd() {
        assumeTrue(Files.isExecutable(SSHD), "OpenSSH server not installed at " + SSHD);
    }

    static void assumeSsh() {
        assumeTrue(Files.isExecutable(SSH), "OpenSSH client not installed at " + SSH);
    }

    /** The outcome of a finished (or killed) process. */
    record ProcessResult(List<String> command, int exitCode, String stdout, String stderr, boolean timedOut) {
        String describe() {
            return "command " + String.join(" ", command) + "\nexit " + exitCode + (timedOut ? " (TIMED OUT, killed)" : "")
                    + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
        }
    }

    /**
     * Runs a process to completion with a bounded wait; on timeout it is killed (forcibly, with
     * its descendants) and waited for, again bounded. Output goes to files, so a chatty process
     * can never block on a full pipe.
     */
    static ProcessResult run(List<String> command, Path workDir, Duration timeout) throws IOException {
        Path out = Files.createTempFile(workDir, "out", ".txt");
        Path err = Files.createTempFile(workDir, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().put("LC_ALL", "C");
        Process p = pb.start();
        boolean timedOut = false;
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                timedOut = true;
                kill(p, Duration.ofSeconds(5));
            }
        } catch (InterruptedException e) {
            kill(p, Duration.ofSeconds(5));
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command, e);
        }
        int code = p.isAlive() ? -1 : p.exitValue();
        return new ProcessResult(List.copyOf(command), code, Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8), timedOut);
    }

    /** Kills a process and its descendants, forcibly, and waits a bounded time for it to end. */
    static void kill(Process p, Duration wait) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.onExit().get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // nothing more we can do; the JVM exit will not wait for it either
        }
    }

    /** Asks the OS for a free loopback port. Another process may take it before we bind it; callers retry. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(LOOPBACK, 0));
            return s.getLocalPort();
        }
    }

    /** One connection attempt: true if something accepts on the port within the timeout. */
    static boolean accepts(int port, Duration timeout) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(LOOPBACK, port), (int) timeout.toMillis());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Polls {@code condition} until it holds or the deadline passes. Between polls it waits on
     * {@code wakeUp} (e.g. a process's exit) for at most {@code interval}, so it never sleeps
     * for synchronisation: it only bounds how often it looks.
     */
    static boolean await(BooleanSupplier condition, Duration timeout, Duration interval, Process wakeUp) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            long waitMillis = Math.max(1, Math.min(interval.toMillis(), TimeUnit.NANOSECONDS.toMillis(left)));
            try {
                if (wakeUp != null) {
                    wakeUp.onExit().get(waitMillis, TimeUnit.MILLISECONDS);
                } else {
                    Thread.sleep(waitMillis);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (ExecutionException | TimeoutException e) {
                // poll again
            }
        }
    }

    /** Reads the first line (up to LF) of an SSH server's greeting, bounded by the socket timeout. */
    static String readGreeting(int port, Duration timeout) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(LOOPBACK, port), (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            InputStream in = s.getInputStream();
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n' && sb.length() < 255) {
                sb.append((char) c);
            }
            return sb.toString().strip();
        }
    }

    /** Generates a key pair with ssh-keygen; returns the private key path (the public key is PATH.pub). */
    static Path sshKeygen(Path dir, String name, String type, int bits, boolean pem) throws IOException {
        Path key = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of(SSH_KEYGEN.toString(), "-q", "-N", "", "-t", type));
        if (bits > 0) {
            cmd.addAll(List.of("-b", Integer.toString(bits)));
        }
        if (pem) {
            cmd.addAll(List.of("-m", "PEM"));
        }
        cmd.addAll(List.of("-C", name, "-f", key.toString()));
        ProcessResult r = run(cmd, dir, Duration.ofSeconds(60));
        if (r.exitCode() != 0) {
            throw new IOException("ssh-keygen failed: " + r.describe());
        }
        return key;
    }

    /** The SSH wire blob of a public key file ({@code TYPE BASE64 COMMENT}): the decoded base64 field. */
    static byte[] publicKeyBlob(Path pubFile) throws IOException {
        String[] f = Files.readString(pubFile, StandardCharsets.US_ASCII).trim().split("\\s+");
        if (f.length < 2) {
            throw new IOException("not a public key file: " + pubFile);
        }
        return Base64.getDecoder().decode(f[1]);
    }

    /** The key type field of a public key file, e.g. {@code ecdsa-sha2-nistp384}. */
    static String publicKeyType(Path pubFile) throws IOException {
        return Files.readString(pubFile, StandardCharsets.US_ASCII).trim().split("\\s+")[0];
    }

    static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory("tether-interop-" + prefix + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }

    /** The names on both lists, in {@code ours}'s order. */
    static List<String> common(List<String> peer, List<String> ours) {
        return ours.stream().filter(peer::contains).toList();
    }

    /** The cipher used when a test forces a MAC: a MAC only matters with a non-AEAD cipher. */
    static final String CIPHER_FOR_MAC_TESTS = "aes128-ctr";

    /** Lines of {@code text} that contain {@code needle}, for assertion messages. */
    static List<String> grep(String text, String needle) {
        return text.lines().filter(l -> l.contains(needle)).toList();
    }
}
