package dev.tether.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Runs child processes for the CLI tests: the {@code tether} main class in a fresh JVM (with
 * this test's class path and a throwaway HOME), and tools such as ssh-keygen. Every wait is
 * bounded; output goes to files so that a chatty child never blocks on a full pipe.
 */
final class Procs {
    static final Path SSH_KEYGEN = Path.of("/usr/bin/ssh-keygen");
    static final Path SSHD = Path.of("/usr/sbin/sshd");
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(90);

    private Procs() {
    }

    /** A finished process. */
    record Result(List<String> command, int exit, byte[] stdoutBytes, String stderr, boolean timedOut) {
        String stdout() {
            return new String(stdoutBytes, StandardCharsets.UTF_8);
        }

        String describe() {
            return "command " + String.join(" ", command) + "\nexit " + exit + (timedOut ? " (TIMED OUT, killed)" : "")
                    + "\n--- stdout ---\n" + stdout() + "\n--- stderr ---\n" + stderr;
        }
    }

    /** The command line that runs {@code dev.tether.cli.Tether} with this JVM and class path. */
    static List<String> tetherCommand(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.tether.cli.Tether");
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs tether with HOME set to {@code home}, stdin from /dev/null. */
    static Result tether(Path home, String... args) throws IOException {
        return run(tetherCommand(args), env(home), null, DEFAULT_TIMEOUT);
    }

    /** An environment for a child: HOME set, no agent, C locale. */
    static Map<String, String> env(Path home) {
        Map<String, String> env = new HashMap<>();
        env.put("HOME", home.toString());
        env.put("LC_ALL", "C");
        env.put("SSH_AUTH_SOCK", "");
        return env;
    }

    /**
     * Runs a process to completion with a bounded wait (killed with its descendants on timeout).
     *
     * @param envChanges variables to set (an empty value removes the variable)
     * @param stdin      a file for stdin, or null for /dev/null
     */
    static Result run(List<String> command, Map<String, String> envChanges, Path stdin, Duration timeout) throws IOException {
        Path dir = Files.createTempDirectory("tether-cli-proc-");
        try {
            Path out = dir.resolve("out");
            Path err = dir.resolve("err");
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from((stdin != null ? stdin : Path.of("/dev/null")).toFile()))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            if (envChanges != null) {
                envChanges.forEach((k, v) -> {
                    if (v == null || v.isEmpty()) {
                        pb.environment().remove(k);
                    } else {
                        pb.environment().put(k, v);
                    }
                });
            }
            Process p = pb.start();
            boolean timedOut = false;
            try {
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    timedOut = true;
                    kill(p);
                }
            } catch (InterruptedException e) {
                kill(p);
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + command, e);
            }
            int code = p.isAlive() ? -1 : p.exitValue();
            return new Result(List.copyOf(command), code, Files.readAllBytes(out),
                    Files.readString(err, StandardCharsets.UTF_8), timedOut);
        } finally {
            deleteTree(dir);
        }
    }

    /** Runs a command that must succeed. */
    static Result ok(List<String> command) throws IOException {
        Result r = run(command, Map.of("LC_ALL", "C"), null, DEFAULT_TIMEOUT);
        if (r.exit() != 0) {
            throw new IOException("command failed: " + r.describe());
        }
        return r;
    }

    /** Kills a process and its descendants and waits (bounded) for it to end. */
    static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.onExit().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // the JVM will not wait for it either
        }
    }

    /**
     * Polls {@code condition} until it holds or {@code timeout} passes; between polls it waits on
     * {@code wakeUp}'s exit (if given) for at most {@code interval}, so it only bounds how often it looks.
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
                // look again
            }
        }
    }

    /** Generates a key with ssh-keygen (no passphrase unless given); returns the private key path. */
    static Path sshKeygen(Path dir, String name, String type, int bits, String passphrase) throws IOException {
        Path key = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of(SSH_KEYGEN.toString(), "-q", "-N", passphrase == null ? "" : passphrase,
                "-t", type));
        if (bits > 0) {
            cmd.addAll(List.of("-b", Integer.toString(bits)));
        }
        cmd.addAll(List.of("-C", name, "-f", key.toString()));
        ok(cmd);
        return key;
    }

    static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory("tether-cli-" + prefix + "-");
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
