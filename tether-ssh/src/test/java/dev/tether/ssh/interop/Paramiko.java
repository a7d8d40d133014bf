package dev.tether.ssh.interop;

import dev.tether.ssh.testutil.Poll;
import dev.tether.ssh.testutil.Processes;
import dev.tether.ssh.testutil.TempDirs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs the paramiko scripts kept in {@code src/test/resources/interop/} with {@code /usr/bin/python3}
 * (another python3 may come first on PATH), always with bounded waits.
 */
public final class Paramiko implements AutoCloseable {
    private static volatile Boolean available;

    private final Path dir;

    public Paramiko() {
        assumeParamiko();
        this.dir = Interop.tempDir("paramiko");
    }

    /** Skips the test unless /usr/bin/python3 can import paramiko. */
    public static void assumeParamiko() {
        Boolean a = available;
        if (a == null) {
            a = false;
            if (Files.isExecutable(Interop.PYTHON)) {
                Path d = Interop.tempDir("paramiko-probe");
                try {
                    a = Processes.run(List.of(Interop.PYTHON.toString(), "-c", "import paramiko"), d, Duration.ofSeconds(30))
                            .exitCode() == 0;
                } catch (IOException e) {
                    a = false;
                } finally {
                    TempDirs.deleteTree(d);
                }
            }
            available = a;
        }
        assumeTrue(a, "paramiko is not importable by " + Interop.PYTHON);
    }

    public Path dir() {
        return dir;
    }

    /** Copies a script from the test resources into the work dir and returns its path. */
    public Path script(String name) {
        Path target = dir.resolve(name);
        if (!Files.exists(target)) {
            try (InputStream in = Paramiko.class.getResourceAsStream("/interop/" + name)) {
                if (in == null) {
                    throw new IllegalStateException("missing test resource interop/" + name);
                }
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return target;
    }

    /** Runs a script to completion (killed after {@code timeout}). */
    public Processes.Result run(String script, List<String> args, Duration timeout) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Interop.PYTHON.toString(), "-u", script(script).toString()));
        cmd.addAll(args);
        return Processes.run(cmd, dir, timeout);
    }

    /**
     * Starts a long-running script whose stdout is line-oriented: {@link Running#nextLine} hands
     * the lines over with a bounded wait. Closing it closes the script's stdin (a polite request
     * to exit), waits a bounded time, then kills it.
     */
    public Running start(String script, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Interop.PYTHON.toString(), "-u", script(script).toString()));
        cmd.addAll(args);
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        return new Running(cmd, p, err);
    }

    public static final class Running implements AutoCloseable {
        private static final String EOF = "\u0000EOF";
        private final List<String> command;
        private final Process process;
        private final Path stderr;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final List<String> seen = new ArrayList<>();

        Running(List<String> command, Process process, Path stderr) {
            this.command = command;
            this.process = process;
            this.stderr = stderr;
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String l;
                    while ((l = r.readLine()) != null) {
                        lines.add(l);
                    }
                } catch (IOException e) {
                    // process gone
                } finally {
                    lines.add(EOF);
                }
            }, "paramiko-stdout");
            t.setDaemon(true);
            t.start();
        }

        /** The next stdout line, or null at end of output or when none arrives within {@code timeout}. */
        public String nextLine(Duration timeout) {
            try {
                String l = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (l == null) {
                    return null;
                }
                if (l == EOF) {
                    lines.add(EOF);
                    return null;
                }
                synchronized (seen) {
                    seen.add(l);
                }
                return l;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }

        public Process process() {
            return process;
        }

        public String stderr() {
            try {
                return Files.readString(stderr, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }

        public String describe() {
            synchronized (seen) {
                return String.join(" ", command) + (process.isAlive() ? " (running)" : " (exit " + process.exitValue() + ")")
                        + "\n--- stdout so far ---\n" + String.join("\n", seen) + "\n--- stderr ---\n" + stderr();
            }
        }

        @Override
        public void close() {
            try {
                process.getOutputStream().close();
            } catch (IOException e) {
                // already closed
            }
            if (!Poll.until(() -> !process.isAlive(), Duration.ofSeconds(10), Duration.ofMillis(50), process)) {
                Processes.kill(process);
            }
        }
    }

    @Override
    public void close() {
        TempDirs.deleteTree(dir);
    }
}
