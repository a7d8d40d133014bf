package dev.tether.ssh.testutil;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Child processes for the interop tests: output to files (so a chatty process can never block on
 * a full pipe), bounded waits, and on timeout a forcible kill of the process and its descendants.
 */
public final class Processes {
    /** How long {@link #kill(Process)} waits for a killed process to end. */
    public static final Duration KILL_WAIT = Duration.ofSeconds(5);

    private static final Path DEV_NULL = Path.of("/dev/null");

    private Processes() {
    }

    /** The outcome of a finished (or killed) process; {@code output} is stdout then stderr. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr, boolean timedOut) {
        public String output() {
            return stdout + stderr;
        }

        public boolean hasLine(String text) {
            return output().lines().anyMatch(l -> l.contains(text));
        }

        public List<String> grep(String text) {
            return output().lines().filter(l -> l.contains(text)).toList();
        }

        public String describe() {
            return "command " + String.join(" ", command) + "\nexit " + exitCode + (timedOut ? " (TIMED OUT, killed)" : "")
                    + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
        }
    }

    /**
     * {@code env} with SSH_AUTH_SOCK, SSH_AGENT_PID, DISPLAY and SSH_ASKPASS removed unless it sets
     * them, so that no agent or askpass program of the machine takes part.
     */
    public static Map<String, String> withoutAgent(Map<String, String> env) {
        Map<String, String> out = new HashMap<>();
        out.put("SSH_AUTH_SOCK", null);
        out.put("SSH_AGENT_PID", null);
        out.put("DISPLAY", null);
        out.put("SSH_ASKPASS", null);
        out.putAll(env);
        return out;
    }

    /**
     * A process builder with stdin from {@code stdin} (null: /dev/null), stdout and stderr to the
     * files {@code out} and {@code err}, LC_ALL=C, and the environment then changed by {@code env}
     * (a null value removes a variable).
     */
    public static ProcessBuilder builder(List<String> command, Map<String, String> env, Path stdin, Path out, Path err) {
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from((stdin != null ? stdin : DEV_NULL).toFile()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        Map<String, String> e = pb.environment();
        e.put("LC_ALL", "C");
        env.forEach((k, v) -> {
            if (v == null) {
                e.remove(k);
            } else {
                e.put(k, v);
            }
        });
        return pb;
    }

    /**
     * Runs a process to completion in {@code workDir} (which also holds its output files) with a
     * bounded wait; see {@link #builder} for its stdin and environment.
     */
    public static Result run(List<String> command, Map<String, String> env, Path stdin, Path workDir, Duration timeout)
            throws IOException {
        Path out = Files.createTempFile(workDir, "out", ".txt");
        Path err = Files.createTempFile(workDir, "err", ".txt");
        Process p = builder(command, env, stdin, out, err).directory(workDir.toFile()).start();
        boolean timedOut = awaitOrKill(p, timeout, command);
        return new Result(List.copyOf(command), exitCode(p), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8), timedOut);
    }

    /** {@link #run(List, Map, Path, Path, Duration)} with stdin from /dev/null and only LC_ALL=C set. */
    public static Result run(List<String> command, Path workDir, Duration timeout) throws IOException {
        return run(command, Map.of(), null, workDir, timeout);
    }

    /**
     * Waits up to {@code timeout} for {@code p} to end; if it does not, kills it (and its
     * descendants) and returns true. If interrupted, kills it and throws with the interrupt
     * status set.
     */
    public static boolean awaitOrKill(Process p, Duration timeout, List<String> command) throws IOException {
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(p);
                return true;
            }
            return false;
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command, e);
        }
    }

    /** The exit code of an ended process; -1 if it is still alive (a kill that did not take). */
    public static int exitCode(Process p) {
        return p.isAlive() ? -1 : p.exitValue();
    }

    /** Kills a process and its descendants, forcibly, and waits up to {@link #KILL_WAIT} for it to end. */
    public static void kill(Process p) {
        kill(p, KILL_WAIT);
    }

    /** Kills a process and its descendants, forcibly, and waits a bounded time for it to end. */
    public static void kill(Process p, Duration wait) {
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
}
