package dev.tether.ssh.authinterop;

import dev.tether.ssh.Portal;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.TransportConfig;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Helpers of the authentication interop tests: processes with an environment and bounded waits,
 * ssh-keygen (keys and certificates), htpasswd files, and our server behind a {@link Portal}.
 * (The interop package's {@code Interop} is package-private and has no environment or sshpass.)
 */
final class AuthInterop {
    static final Path SSH = Path.of("/usr/bin/ssh");
    static final Path SSHD = Path.of("/usr/sbin/sshd");
    static final Path SSH_KEYGEN = Path.of("/usr/bin/ssh-keygen");
    static final Path SSH_AGENT = Path.of("/usr/bin/ssh-agent");
    static final Path SSH_ADD = Path.of("/usr/bin/ssh-add");
    static final Path SSHPASS = Path.of("/usr/bin/sshpass");
    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final String LOOPBACK = "127.0.0.1";
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    private AuthInterop() {
    }

    static void assumeExecutable(Path p) {
        assumeTrue(Files.isExecutable(p), p + " is not installed");
    }

    /** The outcome of a finished (or killed) process; {@code output} is stdout then stderr. */
    record Result(List<String> command, int exitCode, String stdout, String stderr, boolean timedOut) {
        String output() {
            return stdout + stderr;
        }

        boolean hasLine(String text) {
            return output().lines().anyMatch(l -> l.contains(text));
        }

        List<String> grep(String text) {
            return output().lines().filter(l -> l.contains(text)).toList();
        }

        String describe() {
            return "command " + String.join(" ", command) + "\nexit " + exitCode + (timedOut ? " (TIMED OUT, killed)" : "")
                    + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
        }
    }

    /**
     * Runs a process to completion with a bounded wait, output to files (never a full pipe), and
     * the environment changed by {@code env} (a null value removes a variable). SSH_AUTH_SOCK is
     * always removed unless {@code env} sets it, so no agent of the machine takes part.
     */
    static Result run(List<String> command, Map<String, String> env, Path workDir, Duration timeout) throws IOException {
        return run(command, env, null, workDir, timeout);
    }

    /** {@link #run(List, Map, Path, Duration)} with stdin read from {@code input} (null: /dev/null). */
    static Result run(List<String> command, Map<String, String> env, Path input, Path workDir, Duration timeout) throws IOException {
        Path out = Files.createTempFile(workDir, "out", ".txt");
        Path err = Files.createTempFile(workDir, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(input != null ? input.toFile() : Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        Map<String, String> e = pb.environment();
        e.put("LC_ALL", "C");
        e.remove("SSH_AUTH_SOCK");
        e.remove("SSH_AGENT_PID");
        e.remove("DISPLAY");
        e.remove("SSH_ASKPASS");
        env.forEach((k, v) -> {
            if (v == null) {
                e.remove(k);
            } else {
                e.put(k, v);
            }
        });
        Process p = pb.start();
        boolean timedOut = false;
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                timedOut = true;
                kill(p);
            }
        } catch (InterruptedException ex) {
            kill(p);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command, ex);
        }
        int code = p.isAlive() ? -1 : p.exitValue();
        return new Result(List.copyOf(command), code, Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8), timedOut);
    }

    static Result run(List<String> command, Path workDir, Duration timeout) throws IOException {
        return run(command, Map.of(), workDir, timeout);
    }

    /** Runs and requires exit 0. */
    static Result runOk(List<String> command, Map<String, String> env, Path workDir) throws IOException {
        Result r = run(command, env, workDir, Duration.ofSeconds(60));
        if (r.exitCode() != 0) {
            throw new IOException("failed: " + r.describe());
        }
        return r;
    }

    /** Kills a process and its descendants and waits a bounded time. */
    static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.onExit().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // the JVM will not wait for it either
        }
    }

    /** ssh-keygen -t TYPE [-b BITS]; returns the private key path (the public key is PATH.pub). */
    static Path keygen(Path dir, String name, String type, int bits) throws IOException {
        Path key = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of(SSH_KEYGEN.toString(), "-q", "-N", "", "-t", type));
        if (bits > 0) {
            cmd.addAll(List.of("-b", Integer.toString(bits)));
        }
        cmd.addAll(List.of("-C", name, "-f", key.toString()));
        runOk(cmd, Map.of(), dir);
        return key;
    }

    /**
     * Signs {@code key.pub} with {@code ca}: {@code ssh-keygen -s CA -I ID -n PRINCIPALS -V VALIDITY [-h] KEY.pub};
     * returns KEY-cert.pub.
     */
    static Path signCertificate(Path ca, Path key, String id, String principals, String validity, boolean host) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(SSH_KEYGEN.toString(), "-q", "-s", ca.toString(), "-I", id, "-n", principals,
                "-V", validity));
        if (host) {
            cmd.add("-h");
        }
        cmd.add(key + ".pub");
        runOk(cmd, Map.of(), key.getParent());
        Path cert = Path.of(key + "-cert.pub");
        if (!Files.exists(cert)) {
            throw new IOException("ssh-keygen wrote no " + cert);
        }
        return cert;
    }

    /** The first line of a .pub file, without its trailing newline. */
    static String pubLine(Path key) throws IOException {
        return Files.readString(Path.of(key + ".pub"), StandardCharsets.US_ASCII).strip();
    }

    /** The base64-decoded key field of a public key (or certificate) line. */
    static byte[] blobOf(String line) {
        return Base64.getDecoder().decode(line.strip().split("\\s+")[1]);
    }

    /** An htpasswd line {@code user:$2y$05$...} (cost 5, fast enough for tests). */
    static String htpasswdLine(String user, String password) {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        return user + ":" + OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, 5);
    }

    /** The name of the OS user running the tests; any name does for our server. */
    static String osUser() {
        return System.getProperty("user.name");
    }

    /** Our SshServer on 127.0.0.1 with this host key and the portal. */
    static SshServer startServer(Portal portal, int maxAuthTries, KeyPair hostKey) throws IOException {
        return SshServer.start(LOOPBACK, 0, serverConfig(portal, maxAuthTries, hostKey).build());
    }

    static TransportConfig.Builder serverConfig(Portal portal, int maxAuthTries, KeyPair hostKey) {
        return TransportConfig.builder()
                .hostKeys(List.of(hostKey))
                .handshakeTimeout(TIMEOUT)
                .serverInterface(portal.serverInterface())
                .maxAuthTries(maxAuthTries);
    }

    /**
     * Lets other users read {@code file} (0644, its directory 0755): sshd reads a user's
     * authorized_keys as that user, and temp dirs are 0700 root's.
     */
    static void readableByAll(Path file) throws IOException {
        Files.setPosixFilePermissions(file.getParent(), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    }

    static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory("tether-authinterop-" + prefix + "-");
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
}
