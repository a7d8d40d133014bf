package dev.tether.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the whole-process benchmarks ({@link ProcessBench}, {@link SftpProcessBench}) share: the
 * run in a temp dir with its clean-up, the server under measurement, bounded process runs and
 * waits, free ports, medians.
 */
final class BenchSupport {
    static final long KIB = 1024;
    static final long MIB = 1024 * KIB;
    static final long GIB = 1024 * MIB;

    private BenchSupport() {
    }

    // ------------------------------------------------------------------ the run

    /**
     * What a run started (servers, clients): closed in reverse order at the end, on failure, and
     * by a shutdown hook on Ctrl-C / SIGTERM; then every child process of this JVM still running
     * (an ssh or sftp client) is killed by its pid. Thread-safe.
     */
    static final class Cleanup {
        private final List<AutoCloseable> list = new ArrayList<>();

        <T extends AutoCloseable> T add(T c) {
            synchronized (list) {
                list.add(c);
            }
            return c;
        }

        void closeAll() {
            List<AutoCloseable> copy;
            synchronized (list) {
                copy = new ArrayList<>(list);
                list.clear();
            }
            Collections.reverse(copy);
            for (AutoCloseable c : copy) {
                try {
                    c.close();
                } catch (Exception e) {
                    System.err.println("cleanup: " + e);
                }
            }
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
        }
    }

    /** The body of a run, given its temp dir and its {@link Cleanup}. */
    interface Body {
        void run(Path dir, Cleanup cleanup) throws Exception;
    }

    /**
     * Runs {@code body} in a fresh temp dir {@code tether-NAME-*}, stops whatever it registered and
     * deletes the dir (at the end, on failure, on Ctrl-C), then exits the JVM: 0, or 1 on failure.
     */
    static void runAndExit(String name, Body body) throws IOException {
        Path dir = Files.createTempDirectory("tether-" + name + "-");
        Cleanup cleanup = new Cleanup();
        Thread hook = new Thread(() -> {
            cleanup.closeAll();
            deleteTree(dir);
        }, name + "-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        int status = 0;
        try {
            body.run(dir, cleanup);
        } catch (Exception e) {
            System.err.println(name + " failed: " + e);
            e.printStackTrace();
            status = 1;
        } finally {
            cleanup.closeAll();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // shutting down already
            }
            deleteTree(dir);
        }
        System.exit(status);
    }

    /** A line of a benchmark's report on stdout, flushed at once (progress goes to stderr). */
    static void out(String s) {
        System.out.println(s);
        System.out.flush();
    }

    // ------------------------------------------------------------------ servers

    /** A server process under measurement. */
    interface Server extends AutoCloseable {
        String name();

        int port();

        Process process();

        default long pid() {
            return process().pid();
        }

        /** Waits (bounded) until the server has no connection and no child process left. */
        void awaitQuiet(Duration max) throws Exception;

        default long cpuNanos() {
            return ProcStat.treeCpuNanos(pid());
        }

        @Override
        void close();
    }

    /** A run's keys, made with ssh-keygen: {@code DIR/host_ed25519} (host), {@code DIR/id_ed25519} (user), {@code DIR/authorized_keys}. */
    static void makeKeys(Path dir) throws Exception {
        runChecked(List.of("ssh-keygen", "-q", "-N", "", "-t", "ed25519", "-C", "bench-host", "-f", dir.resolve("host_ed25519").toString()));
        runChecked(List.of("ssh-keygen", "-q", "-N", "", "-t", "ed25519", "-C", "bench-user", "-f", dir.resolve("id_ed25519").toString()));
        Files.copy(dir.resolve("id_ed25519.pub"), dir.resolve("authorized_keys"));
    }

    /** The line of {@code JAVA -version} that names the version. */
    static String javaVersion(Path dir, String java) throws Exception {
        return capture(dir, List.of(java, "-version"), Duration.ofSeconds(30)).lines()
                .filter(l -> l.contains("version")).findFirst().orElse("?").trim();
    }

    /** The lines of a process's stdout, as a daemon thread reads them, until it ends. */
    static BlockingQueue<String> stdoutLines(Process p, String threadName) {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // it has gone
            }
        }, threadName);
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    /**
     * The first of {@code lines} that matches {@code wanted} in full, taken within {@code max}, or
     * null; lines before it (JVM options such as -XX:StartFlightRecording may print first) go to
     * {@code other}.
     */
    static Matcher awaitLine(BlockingQueue<String> lines, Pattern wanted, Duration max, Consumer<String> other)
            throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                return null;
            }
            Matcher m = wanted.matcher(line.trim());
            if (m.matches()) {
                return m;
            }
            other.accept(line);
        }
        return null;
    }

    /** The environment of both servers, and so of what they run: what sshd gives a user who logs in. */
    static Map<String, String> serverEnvironment(String user) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("HOME", System.getProperty("user.home"));
        env.put("USER", user);
        env.put("LOGNAME", user);
        env.put("SHELL", "/bin/sh");
        env.put("SHLVL", "1");
        return env;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    static void awaitPort(int port, Process p, Duration max) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("server exited with " + p.exitValue());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("port " + port + " did not open within " + max);
    }

    /** Polls {@code done} every {@code every} until it holds (true) or {@code max} has passed (false). */
    static boolean await(BooleanSupplier done, Duration max, Duration every) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(every.toMillis());
        }
        return true;
    }

    /** SIGTERM, up to {@code grace} to exit, then SIGKILL; its descendants are killed too. */
    static void stopProcess(Process p, Duration grace) {
        if (p == null || !p.isAlive()) {
            return;
        }
        List<ProcessHandle> kids = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
        kids.forEach(ProcessHandle::destroyForcibly);
    }

    // ------------------------------------------------------------------ processes

    static void runChecked(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String outText = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(cmd + " failed: " + outText);
        }
    }

    /** Runs a command with stdin from /dev/null, returns stdout + stderr; bounded by {@code max}. */
    static String capture(Path dir, List<String> cmd, Duration max) throws Exception {
        Path outFile = Files.createTempFile(dir, "out", ".txt");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(outFile.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(max.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IllegalStateException(cmd + " did not finish within " + max);
            }
            return Files.readString(outFile);
        } finally {
            Files.deleteIfExists(outFile);
        }
    }

    /** Wall time and the server tree's CPU time of one measured run. */
    record Run(double wallSeconds, double serverCpuSeconds) {
    }

    /**
     * Runs {@code pb} (its stdin, stdout and stderr already redirected; stderr to {@code errFile})
     * once the server is quiet, to its end within {@code max}, and measures its wall time and the
     * CPU time the server's process tree spent meanwhile (sampled again once the server is quiet).
     * Fails on a time-out or a non-zero exit status, with the stderr.
     */
    static Run measured(Server s, ProcessBuilder pb, Duration max, String what, Path errFile) throws Exception {
        s.awaitQuiet(Duration.ofSeconds(20));
        long cpu0 = s.cpuNanos();
        long t0 = System.nanoTime();
        Process p = pb.start();
        boolean done = p.waitFor(max.toMillis(), TimeUnit.MILLISECONDS);
        long wall = System.nanoTime() - t0;
        if (!done) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IllegalStateException(what + " on " + s.name() + " did not finish within " + max);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(what + " on " + s.name() + " failed with " + p.exitValue() + ": "
                    + Files.readString(errFile));
        }
        s.awaitQuiet(Duration.ofSeconds(20));
        long cpu = s.cpuNanos() - cpu0;
        return new Run(wall / 1e9, cpu / 1e9);
    }

    /** Medians of A and B (ours and sshd) and the medians of the per-round ratios A/B. */
    record Compared(double wallA, double wallB, double cpuA, double cpuB, double wallRatio, double cpuRatio) {
        static Compared of(List<Run> a, List<Run> b) {
            double[] wr = new double[a.size()];
            double[] cr = new double[a.size()];
            for (int i = 0; i < a.size(); i++) {
                wr[i] = a.get(i).wallSeconds() / b.get(i).wallSeconds();
                cr[i] = a.get(i).serverCpuSeconds() / b.get(i).serverCpuSeconds();
            }
            return new Compared(median(a.stream().mapToDouble(Run::wallSeconds).toArray()),
                    median(b.stream().mapToDouble(Run::wallSeconds).toArray()),
                    median(a.stream().mapToDouble(Run::serverCpuSeconds).toArray()),
                    median(b.stream().mapToDouble(Run::serverCpuSeconds).toArray()), median(wr), median(cr));
        }
    }

    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    static String shellJoin(List<String> cmd) {
        StringBuilder b = new StringBuilder();
        for (String a : cmd) {
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(a.matches("[A-Za-z0-9_@%+=:,./-]+") ? a : shellQuote(a));
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ numbers and files

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** The median of the per-round ratios a[i]/b[i] of one figure of two equally long lists of samples. */
    static <T> double medianRatio(List<T> a, List<T> b, java.util.function.ToDoubleFunction<T> f) {
        double[] r = new double[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = f.applyAsDouble(a.get(i)) / f.applyAsDouble(b.get(i));
        }
        return median(r);
    }

    static String human(long bytes) {
        if (bytes % GIB == 0) {
            return bytes / GIB + " GiB";
        }
        if (bytes % MIB == 0) {
            return bytes / MIB + " MiB";
        }
        return bytes + " bytes";
    }

    /** A size such as {@code 512}, {@code 64K}, {@code 128M}, {@code 1G}, {@code 1GiB}, in bytes. */
    static long bytes(String v) {
        String s = v.trim().toUpperCase(Locale.ROOT);
        long mult = 1;
        if (s.endsWith("IB")) {
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("B")) {
            s = s.substring(0, s.length() - 1);
        }
        switch (s.isEmpty() ? ' ' : s.charAt(s.length() - 1)) {
            case 'K' -> mult = KIB;
            case 'M' -> mult = MIB;
            case 'G' -> mult = GIB;
            default -> mult = 1;
        }
        if (mult != 1) {
            s = s.substring(0, s.length() - 1);
        }
        return Long.parseLong(s) * mult;
    }

    static String loadavg() throws IOException {
        String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
        return f[0] + " " + f[1] + " " + f[2];
    }

    /** {@code N CPUs, KERNEL, loadavg at start A B C}. */
    static String machine() throws IOException {
        return Runtime.getRuntime().availableProcessors() + " CPUs, "
                + Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim() + ", loadavg at start " + loadavg();
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (var s = Files.walk(root)) {
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
