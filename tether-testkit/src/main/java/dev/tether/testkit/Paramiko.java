package dev.tether.testkit;

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
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Runs paramiko scripts, kept in a module's test resources, with {@code /usr/bin/python3}
 * ({@link Peers#PYTHON}; another python3 may come first on PATH), always with bounded waits.
 * Constructing one requires paramiko ({@link Peers#requireParamiko()}).
 *
 * <p>Threading: a Paramiko may be shared; each {@link Running} script has one daemon thread that
 * reads its stdout into a queue. Cleans up: a run is killed at its deadline; {@link Running#close()}
 * closes the script's stdin (a polite request to exit), waits a bounded time, then kills it;
 * {@link #close()} deletes the work directory (the copied scripts and their output files).
 */
public final class Paramiko implements AutoCloseable {
    private final String resourceDir;
    private final Path dir;

    /**
     * @param resourceDir where the scripts are on the class path, e.g. {@code "/interop/"} for
     *                    {@code src/test/resources/interop/}
     */
    public Paramiko(String resourceDir) {
        Peers.requireParamiko();
        this.resourceDir = resourceDir.endsWith("/") ? resourceDir : resourceDir + "/";
        this.dir = TempDirs.create("tether-paramiko-");
    }

    /** The work directory: the scripts, and files the test gives them. */
    public Path dir() {
        return dir;
    }

    /** Copies a script from the test resources into the work dir (once) and returns its path. */
    public Path script(String name) {
        Path target = dir.resolve(name);
        if (!Files.exists(target)) {
            String resource = resourceDir + name;
            try (InputStream in = resourceStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("missing test resource " + resource);
                }
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return target;
    }

    private static InputStream resourceStream(String resource) {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        String name = resource.startsWith("/") ? resource.substring(1) : resource;
        InputStream in = cl == null ? null : cl.getResourceAsStream(name);
        return in != null ? in : Paramiko.class.getResourceAsStream(resource.startsWith("/") ? resource : "/" + resource);
    }

    private List<String> command(String script, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(Peers.PYTHON.toString(), "-u", script(script).toString()));
        cmd.addAll(args);
        return cmd;
    }

    /** Runs a script to completion in the work dir (killed after {@code timeout}). */
    public Processes.Result run(String script, List<String> args, Duration timeout) throws IOException {
        return run(script, args, Map.of(), timeout);
    }

    /** {@link #run(String, List, Duration)} with the environment changed by {@code env} (a null value removes a variable). */
    public Processes.Result run(String script, List<String> args, Map<String, String> env, Duration timeout) throws IOException {
        return Processes.run(command(script, args), Processes.withoutAgent(env), null, dir, timeout);
    }

    /**
     * Starts a long-running script whose stdout is line-oriented: {@link Running#nextLine} hands
     * the lines over with a bounded wait. The caller closes it.
     */
    public Running start(String script, List<String> args) throws IOException {
        List<String> cmd = command(script, args);
        Path err = Files.createTempFile(dir, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectError(err.toFile());
        pb.environment().put("LC_ALL", "C");
        return new Running(cmd, pb.start(), err);
    }

    /** A script started by {@link #start}: its stdout line by line, its stderr in a file. */
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
            return Processes.read(stderr);
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
