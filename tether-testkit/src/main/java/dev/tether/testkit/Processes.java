package dev.tether.testkit;

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
 * Child processes for the tests: output to files (so a chatty process can never block on a full
 * pipe), bounded waits, and on timeout or close a forcible kill of the process and its
 * descendants.
 *
 * <p>Thread-safe (stateless). What it cleans up: {@link #run} kills the process (with
 * descendants) if it outlives its deadline or the wait is interrupted, and deletes its output
 * files; a {@link Running} kills its process on close, and its output files stay in the caller's
 * {@code workDir} (the caller deletes the directory).
 */
public final class Processes {
    /** How long {@link #kill(Process)} waits for a killed process to end. */
    public static final Duration KILL_WAIT = Duration.ofSeconds(5);

    private static final Path DEV_NULL = Path.of("/dev/null");

    private Processes() {
    }

    /** The outcome of a finished (or killed) process; {@code output} is stdout then stderr. */
    public record Result(List<String> command, int exitCode, byte[] stdoutBytes, byte[] stderrBytes, boolean timedOut) {
        public String stdout() {
            return new String(stdoutBytes, StandardCharsets.UTF_8);
        }

        public String stderr() {
            return new String(stderrBytes, StandardCharsets.UTF_8);
        }

        public String output() {
            return stdout() + stderr();
        }

        public boolean hasLine(String text) {
            return output().lines().anyMatch(l -> l.contains(text));
        }

        public List<String> grep(String text) {
            return output().lines().filter(l -> l.contains(text)).toList();
        }

        /** The first line containing {@code prefix}, with everything up to and including the prefix removed; null if none. */
        public String after(String prefix) {
            return output().lines().filter(l -> l.contains(prefix)).findFirst()
                    .map(l -> l.substring(l.indexOf(prefix) + prefix.length()).strip()).orElse(null);
        }

        /** This result if the exit code is 0; else an AssertionError with {@link #describe()}. */
        public Result expectSuccess() {
            if (exitCode != 0) {
                throw new AssertionError("exit code " + exitCode + ": " + describe());
            }
            return this;
        }

        public String describe() {
            return "command " + String.join(" ", command) + "\nexit " + exitCode + (timedOut ? " (TIMED OUT, killed)" : "")
                    + "\n--- stdout (" + stdoutBytes.length + " bytes) ---\n" + clip(stdout())
                    + "\n--- stderr (" + stderrBytes.length + " bytes) ---\n" + clip(stderr());
        }
    }

    /** At most about 40,000 characters of {@code s}: its start and its end. */
    static String clip(String s) {
        return s.length() > 40_000 ? s.substring(0, 20_000) + "\n...\n" + s.substring(s.length() - 20_000) : s;
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
     * (null: no change; a null value removes a variable).
     */
    public static ProcessBuilder builder(List<String> command, Map<String, String> env, Path stdin, Path out, Path err) {
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from((stdin != null ? stdin : DEV_NULL).toFile()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        Map<String, String> e = pb.environment();
        e.put("LC_ALL", "C");
        (env == null ? Map.<String, String>of() : env).forEach((k, v) -> {
            if (v == null) {
                e.remove(k);
            } else {
                e.put(k, v);
            }
        });
        return pb;
    }

    /**
     * Runs a process to completion with a bounded wait (killed with its descendants on timeout);
     * see {@link #builder} for its stdin and environment.
     *
     * @param workDir its working directory, which also holds its output files while it runs (they
     *                are deleted afterwards); null: the output goes to a temporary directory deleted
     *                afterwards, and the working directory is ours
     */
    public static Result run(List<String> command, Map<String, String> env, Path stdin, Path workDir, Duration timeout)
            throws IOException {
        Path files = workDir != null ? workDir : TempDirs.create("tether-proc-");
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile(files, ".out", ".txt");
            err = Files.createTempFile(files, ".err", ".txt");
            ProcessBuilder pb = builder(command, env, stdin, out, err);
            if (workDir != null) {
                pb.directory(workDir.toFile());
            }
            Process p = pb.start();
            boolean timedOut = awaitOrKill(p, timeout, command);
            return new Result(List.copyOf(command), exitCode(p), Files.readAllBytes(out), Files.readAllBytes(err), timedOut);
        } finally {
            if (workDir == null) {
                TempDirs.deleteTree(files);
            } else {
                deleteQuietly(out);
                deleteQuietly(err);
            }
        }
    }

    /** {@link #run(List, Map, Path, Path, Duration)} with stdin from /dev/null and only LC_ALL=C set. */
    public static Result run(List<String> command, Path workDir, Duration timeout) throws IOException {
        return run(command, Map.of(), null, workDir, timeout);
    }

    /** {@link #run(List, Map, Path, Path, Duration)} that must exit 0 (an IOException with the output otherwise). */
    public static Result runOk(List<String> command, Map<String, String> env, Path workDir, Duration timeout) throws IOException {
        Result r = run(command, env, null, workDir, timeout);
        if (r.exitCode() != 0) {
            throw new IOException("failed: " + r.describe());
        }
        return r;
    }

    /** How long {@link #tool} lets a short command-line tool run. */
    public static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);

    /**
     * Runs a short command-line tool (ssh-keygen, openssl, puttygen) in {@code workDir}, stdin
     * from {@code stdin} (null: /dev/null), without the machine's agent, the environment changed
     * by {@code env}; such a tool never legitimately hangs, so one that outlives
     * {@link #TOOL_TIMEOUT} is killed and fails the test (AssertionError) instead of returning.
     */
    public static Result tool(Path workDir, Path stdin, Map<String, String> env, List<String> command) throws IOException {
        Result r = run(command, withoutAgent(env), stdin, workDir, TOOL_TIMEOUT);
        if (r.timedOut()) {
            throw new AssertionError(command.get(0) + " did not finish within " + TOOL_TIMEOUT.toSeconds() + " s: " + r.describe());
        }
        return r;
    }

    /** {@link #tool(Path, Path, Map, List)} with stdin from /dev/null and no other change to the environment. */
    public static Result tool(Path workDir, String... command) throws IOException {
        return tool(workDir, null, Map.of(), List.of(command));
    }

    /**
     * Starts a process in {@code workDir} (which holds its output files) with stdin from
     * {@code stdin} (null: /dev/null); see {@link #builder}. The caller closes it.
     */
    public static Running start(List<String> command, Map<String, String> env, Path stdin, Path workDir) throws IOException {
        Path out = Files.createTempFile(workDir, "out", ".txt");
        Path err = Files.createTempFile(workDir, "err", ".txt");
        Process p = builder(command, env, stdin, out, err).directory(workDir.toFile()).start();
        return new Running(List.copyOf(command), p, out, err);
    }

    /** {@link #start} with stdin a pipe the caller writes to ({@link Running#stdin()}). */
    public static Running startPiped(List<String> command, Map<String, String> env, Path workDir) throws IOException {
        Path out = Files.createTempFile(workDir, "out", ".txt");
        Path err = Files.createTempFile(workDir, "err", ".txt");
        Process p = builder(command, env, null, out, err).redirectInput(ProcessBuilder.Redirect.PIPE)
                .directory(workDir.toFile()).start();
        return new Running(List.copyOf(command), p, out, err);
    }

    /**
     * A started process whose stdout and stderr go to files. Its methods may be called from any
     * thread. {@link #close()} kills it (and its descendants) if it still runs; the files stay in
     * the caller's directory.
     */
    public static final class Running implements AutoCloseable {
        private final List<String> command;
        private final Process process;
        private final Path out;
        private final Path err;

        Running(List<String> command, Process process, Path out, Path err) {
            this.command = command;
            this.process = process;
            this.out = out;
            this.err = err;
        }

        public List<String> command() {
            return command;
        }

        public Process process() {
            return process;
        }

        public boolean isAlive() {
            return process.isAlive();
        }

        /** The pipe to its stdin (only for {@link #startPiped}). */
        public java.io.OutputStream stdin() {
            return process.getOutputStream();
        }

        public Path stdoutFile() {
            return out;
        }

        public Path stderrFile() {
            return err;
        }

        /** What it has written to stdout so far. */
        public String stdout() {
            return read(out);
        }

        /** What it has written to stderr so far. */
        public String stderr() {
            return read(err);
        }

        /** Waits (bounded) for the process to end; kills it (and its descendants) on timeout. */
        public Result await(Duration timeout) throws IOException {
            boolean timedOut = awaitOrKill(process, timeout, command);
            return new Result(command, exitCode(process), Files.readAllBytes(out), Files.readAllBytes(err), timedOut);
        }

        /** Its exit code once it has ended within {@code timeout}; -1 if it still runs (it is not killed). */
        public int exitWithin(Duration timeout) throws InterruptedException {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
        }

        public String describe() {
            return "command " + String.join(" ", command) + "\n" + (process.isAlive() ? "(running)" : "exit " + process.exitValue())
                    + "\n--- stdout ---\n" + clip(stdout()) + "\n--- stderr ---\n" + clip(stderr());
        }

        @Override
        public void close() {
            if (process.isAlive() || process.descendants().findAny().isPresent()) {
                kill(process);
            }
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // best effort: it is in the caller's directory, which the caller deletes
            }
        }
    }

    static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
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

    /**
     * Asks a process and its descendants to end (SIGTERM), waits up to {@code grace} for all of
     * them, then kills what is left. Returns true if they ended on the polite request.
     */
    public static boolean stop(Process p, Duration grace) {
        List<ProcessHandle> children = p.descendants().toList();
        children.forEach(ProcessHandle::destroy);
        p.destroy();
        boolean ended = Poll.until(() -> !p.isAlive() && children.stream().noneMatch(ProcessHandle::isAlive), grace,
                Duration.ofMillis(50), p);
        if (!ended) {
            children.forEach(ProcessHandle::destroyForcibly);
            kill(p, grace);
        }
        return ended;
    }
}
