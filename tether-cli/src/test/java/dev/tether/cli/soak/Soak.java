package dev.tether.cli.soak;

import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.Forward;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.KeyFiles;
import dev.tether.sftp.SftpClient;
import dev.tether.testkit.EchoServer;
import dev.tether.testkit.FreePorts;
import dev.tether.testkit.TetherCli;
import dev.tether.testkit.TetherServerProcess;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The soak test (issue 15), run by {@code bin/soak [MINUTES] [--clients N]}: one {@code tether
 * server} child process and N concurrent workers (default 100) that loop until the time is up, each
 * iteration one activity of {@link Kind}: OpenSSH's ssh (exec with uploads and downloads checked by
 * SHA-256, some with {@code RekeyLimit=1M}; a shell on a pty; {@code -L} forwards) and sftp
 * ({@code -b} put/get/rm), paramiko (exec and SFTP), our own client in this JVM (exec, SFTP, a local
 * forward, rekeying every 1 or 2 MiB), and abrupt disconnects (ssh killed with SIGKILL mid-transfer,
 * our client's socket closed without a DISCONNECT). Every transfer is checked end to end; an
 * abrupt disconnect is expected to break its transfer and is not a failure, but everything before
 * the cut (connect, authenticate, data flowing) must work.
 *
 * <p>The server's threads ({@code /proc/PID/status}), open file descriptors ({@code /proc/PID/fd})
 * and heap after a full GC ({@code jcmd PID GC.run}, {@code GC.heap_info}) are sampled after a
 * warm-up (the baseline), every minute, and at the end once the clients are gone and their
 * connections drained. PASS needs no failure, threads and fds back within +5 and +10 of the
 * baseline, the heap at most 1.5 times the baseline's plus 32 MiB, and no process left under the
 * server. Exit status 0 only on PASS.
 *
 * <p>Not a JUnit test (it would take the machine for minutes): {@code main(MINUTES, CLIENTS)} on
 * tether-cli's test class path.
 */
public final class Soak {
    /** The activities, with their weights. */
    enum Kind {
        SSH_UP("ssh-up", 10), SSH_DOWN("ssh-down", 10), SSH_PTY("ssh-pty", 8), SSH_FWD("ssh-fwd", 5),
        SFTP("sftp", 8), PARAMIKO("paramiko", 5), OUR_EXEC("our-exec", 10), OUR_SFTP("our-sftp", 10),
        OUR_FWD("our-fwd", 8), KILL_SSH("kill-ssh", 5), CUT_OURS("cut-ours", 5);

        final String label;
        final int weight;

        Kind(String label, int weight) {
            this.label = label;
            this.weight = weight;
        }
    }

    /**
     * The kinds the workers pick from: all, or those named (labels, comma-separated) by the system
     * property {@code soak.kinds}, to chase one problem (the warm-up still runs every kind).
     */
    static final List<Kind> KINDS = java.util.Arrays.stream(Kind.values())
            .filter(k -> System.getProperty("soak.kinds", "").isEmpty()
                    || List.of(System.getProperty("soak.kinds").split(",")).contains(k.label))
            .toList();

    static final int THREAD_TOLERANCE = 5;
    static final int FD_TOLERANCE = 10;
    static final Duration OPENSSH_TIMEOUT = Duration.ofSeconds(240);
    static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(120);
    static final int MIB = 1 << 20;

    final TetherServerProcess server;
    final long pid;
    final Path root;
    final Path data;
    final Path work;
    final Path knownHosts;
    final String user = TetherCli.localUser();
    final KeyPair userKey;
    final HostKeyVerifier verifier;
    final EchoServer echo;
    final Path paramikoScript;
    final ScheduledExecutorService watchdogs = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "soak-watchdog");
        t.setDaemon(true);
        return t;
    });

    final Map<Kind, LongAdder> done = new EnumMap<>(Kind.class);
    final Map<Kind, LongAdder> failed = new EnumMap<>(Kind.class);
    final LongAdder bytes = new LongAdder();
    final LongAdder ourRekeys = new LongAdder();
    final AtomicInteger failures = new AtomicInteger();
    final ConcurrentLinkedQueue<String> failureDetails = new ConcurrentLinkedQueue<>();
    volatile long deadline;

    Soak(TetherServerProcess server) throws IOException {
        this.server = server;
        this.pid = server.process().pid();
        this.root = server.dir();
        this.data = Files.createDirectories(root.resolve("soak-data"));
        this.work = Files.createDirectories(root.resolve("soak-client"));
        this.knownHosts = root.resolve("known_hosts");
        Files.writeString(knownHosts, server.knownHostsLine() + "\n");
        this.userKey = KeyFiles.readPrivateKey(server.userKey(), null);
        String[] pub = Files.readString(Path.of(server.hostKey() + ".pub")).trim().split("\\s+");
        this.verifier = HostKeyVerifier.acceptKeys(List.of(Base64.getDecoder().decode(pub[1])));
        this.echo = EchoServer.tcp();
        this.paramikoScript = work.resolve("paramiko_client.py");
        try (InputStream in = Soak.class.getResourceAsStream("/soak/paramiko_client.py")) {
            if (in == null) {
                throw new IOException("soak/paramiko_client.py is not on the class path");
            }
            Files.write(paramikoScript, in.readAllBytes());
        }
        for (Kind k : Kind.values()) {
            done.put(k, new LongAdder());
            failed.put(k, new LongAdder());
        }
    }

    public static void main(String[] args) throws Exception {
        double minutes = args.length > 0 ? Double.parseDouble(args[0]) : 60;
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int status;
        log("soak: %s minutes, %d clients; starting tether server", fmt(minutes), clients);
        // MaxStartups: 100 clients may all be in their handshakes at once; 10:30:100 would refuse them.
        try (TetherServerProcess server = TetherServerProcess.start(true,
                d -> List.of("--max-startups", "1000", "--max-sessions", "20"))) {
            Soak soak = new Soak(server);
            try {
                status = soak.run(minutes, clients) ? 0 : 1;
            } finally {
                soak.echo.close();
                soak.watchdogs.shutdownNow();
            }
        }
        System.exit(status);
    }

    // ------------------------------------------------------------------ the run

    boolean run(double minutes, int clients) throws Exception {
        log("soak: server pid %d on port %d, root %s", pid, server.port(), root);
        // Warm-up: every kind once, one after another, so that classes are loaded, pools and the
        // shared timer exist, and the JIT has seen the paths; then the baseline.
        for (Kind k : Kind.values()) {
            Outcome o = attempt(k, 0, new Random(k.ordinal()));
            if (o.failure != null) {
                log("soak: FAIL: warm-up %s failed: %s", k.label, o.failure);
                return false;
            }
        }
        resetCounters();
        settle();
        Sample base = sample("baseline");
        Map<String, Integer> baseThreads = threadNames();
        log("soak: baseline %s", base);

        long start = System.nanoTime();
        deadline = start + (long) (minutes * 60e9);
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            int id = i + 1;
            Thread t = new Thread(() -> workerLoop(id), "soak-worker-" + id);
            t.setDaemon(true);
            workers.add(t);
            t.start();
            Thread.sleep(20); // stagger the first connections a little
        }
        List<Sample> samples = new CopyOnWriteArrayList<>();
        long nextMinute = start + 60_000_000_000L;
        int minute = 0;
        while (System.nanoTime() < deadline) {
            long now = System.nanoTime();
            long wake = Math.min(nextMinute, deadline);
            if (wake > now) {
                Thread.sleep(Math.min(1000, Math.max(1, (wake - now) / 1_000_000)));
            }
            if (!server.process().isAlive()) {
                log("soak: the server died (exit status %d); stopping the clients", server.process().exitValue());
                deadline = System.nanoTime();
                break;
            }
            if (System.nanoTime() >= nextMinute) {
                minute++;
                Sample s = sample("minute " + minute);
                samples.add(s);
                log("soak: %3d min  %s  | %s", minute, progress(), s);
                nextMinute += 60_000_000_000L;
            }
        }
        log("soak: time is up; waiting for the workers to finish their current activity");
        long joinBy = System.nanoTime() + OPENSSH_TIMEOUT.plusSeconds(60).toNanos();
        for (Thread t : workers) {
            t.join(Math.max(1, (joinBy - System.nanoTime()) / 1_000_000));
            if (t.isAlive()) {
                recordFailure(null, 0, t.getName() + " did not finish within its timeout:\n" + stack(t));
            }
        }
        double elapsedMin = (System.nanoTime() - start) / 60e9;
        log("soak: load over after %s min  %s", fmt(elapsedMin), progress());

        if (!server.process().isAlive()) {
            String err = server.stderr();
            log("soak: FAIL: the server died during the load (exit status %d); tail of its log:%n%s",
                    server.process().exitValue(), err.substring(Math.max(0, err.length() - 4000)));
            return false;
        }
        // Drain: threads, fds and processes of the connections must go away.
        long drainBy = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
        Sample end;
        while (true) {
            end = sampleQuick("drained");
            if ((end.threads <= base.threads + THREAD_TOLERANCE && end.fds <= base.fds + FD_TOLERANCE && end.children.isEmpty())
                    || System.nanoTime() > drainBy) {
                break;
            }
            Thread.sleep(1000);
        }
        end = sample("end");
        String threadDiff = diff(baseThreads, threadNames());

        // The summary.
        StringBuilder sb = new StringBuilder();
        sb.append("soak summary: ").append(fmt(elapsedMin)).append(" min, ").append(clients).append(" clients against tether server pid ").append(pid).append('\n');
        long total = 0;
        for (Kind k : Kind.values()) {
            total += done.get(k).sum();
            sb.append(String.format(Locale.ROOT, "  %-10s %7d done %5d failed%n", k.label, done.get(k).sum(), failed.get(k).sum()));
        }
        sb.append(String.format(Locale.ROOT, "  activities %d, %s checked end to end, %d rekeys by our client%n",
                total, size(bytes.sum()), ourRekeys.sum()));
        sb.append("  baseline ").append(base).append('\n');
        for (Sample s : samples) {
            sb.append("  ").append(s.label).append(": ").append(s).append('\n');
        }
        sb.append("  end      ").append(end).append('\n');
        if (!threadDiff.isEmpty()) {
            sb.append("  server threads at the end against the baseline (by name, digits as #): ").append(threadDiff).append('\n');
        }
        List<String> problems = new ArrayList<>();
        if (failures.get() > 0) {
            problems.add(failures.get() + " failures");
        }
        if (end.threads > base.threads + THREAD_TOLERANCE) {
            problems.add("threads " + base.threads + " -> " + end.threads);
        }
        if (end.fds > base.fds + FD_TOLERANCE) {
            problems.add("fds " + base.fds + " -> " + end.fds);
        }
        if (end.heapKiB > base.heapKiB * 1.5 + 32 * 1024) {
            problems.add("heap after GC " + base.heapKiB / 1024 + " MiB -> " + end.heapKiB / 1024 + " MiB");
        }
        if (!end.children.isEmpty()) {
            List<String> left = new ArrayList<>();
            for (long c : end.children) {
                left.add(c + " (parent " + ProcessHandle.of(c).flatMap(h -> h.parent()).map(h -> Long.toString(h.pid())).orElse("?")
                        + ": " + readText(Path.of("/proc/" + c + "/cmdline")).replace('\0', ' ').trim() + ")");
            }
            problems.add("processes left under the server: " + String.join(", ", left));
        }
        if (!server.process().isAlive()) {
            problems.add("the server died");
        }
        if (total == 0) {
            problems.add("nothing ran");
        }
        // The server's own complaints: WARN and ERROR lines of its log, grouped by their text.
        Map<String, Integer> complaints = new java.util.TreeMap<>();
        for (String line : server.stderr().split("\n")) {
            if (line.contains(" WARN ") || line.contains(" ERROR ") || line.startsWith("Exception") || line.startsWith("\tat ")) {
                String key = line.replaceFirst("^\\S+ ", "").replaceAll("#\\d+|\\d+", "#");
                complaints.merge(key.length() > 240 ? key.substring(0, 240) : key, 1, Integer::sum);
            }
        }
        if (!complaints.isEmpty()) {
            sb.append("  server log WARN/ERROR lines (").append(complaints.values().stream().mapToInt(i -> i).sum()).append("):\n");
            complaints.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(15)
                    .forEach(e -> sb.append(String.format(Locale.ROOT, "    %5d x %s%n", e.getValue(), e.getKey())));
        }
        int shown = 0;
        for (String d : failureDetails) {
            if (shown++ == 10) {
                sb.append("  ... ").append(failureDetails.size() - 10).append(" more kept\n");
                break;
            }
            sb.append("  failure: ").append(d.replace("\n", "\n    ")).append('\n');
        }
        boolean pass = problems.isEmpty();
        if (!pass) {
            String err = server.stderr();
            log("soak: tail of the server's log:\n%s", err.substring(Math.max(0, err.length() - 4000)));
            // the server's directory goes with it; keep its whole log
            Path kept = Path.of("tether-cli", "target", "soak-server-" + pid + ".log").toAbsolutePath();
            try {
                Files.createDirectories(kept.getParent());
                Files.writeString(kept, err);
                sb.append("  the server's whole log: ").append(kept).append('\n');
            } catch (IOException e) {
                sb.append("  cannot keep the server's log: ").append(e).append('\n');
            }
        }
        sb.append(pass ? "soak: PASS" : "soak: FAIL: " + String.join("; ", problems));
        log("%s", sb); // the verdict is the last line
        return pass;
    }

    void resetCounters() {
        for (Kind k : Kind.values()) {
            done.get(k).reset();
            failed.get(k).reset();
        }
        bytes.reset();
        ourRekeys.reset();
    }

    /** Waits (bounded) until the server's thread count stops falling after the warm-up. */
    void settle() throws Exception {
        int last = -1;
        for (int i = 0; i < 30; i++) {
            Sample s = sampleQuick("settle");
            if (s.threads == last && s.children.isEmpty()) {
                return;
            }
            last = s.threads;
            Thread.sleep(1000);
        }
    }

    String progress() {
        StringBuilder sb = new StringBuilder();
        long n = 0;
        for (Kind k : Kind.values()) {
            long d = done.get(k).sum();
            n += d;
            sb.append(k.label).append(' ').append(d).append(' ');
        }
        return sb + "| " + n + " done, " + size(bytes.sum()) + ", failures " + failures.get();
    }

    void workerLoop(int id) {
        Random rnd = new Random(id * 7919L ^ System.nanoTime());
        int total = 0;
        for (Kind k : KINDS) {
            total += k.weight;
        }
        int streak = 0;
        while (System.nanoTime() < deadline) {
            int r = rnd.nextInt(total);
            Kind kind = null;
            for (Kind k : KINDS) {
                r -= k.weight;
                if (r < 0) {
                    kind = k;
                    break;
                }
            }
            Outcome o = attempt(kind, id, rnd);
            if (o.failure != null) {
                recordFailure(kind, id, o.failure);
                streak++;
                // back off: a failure under load must not turn into a storm of them
                sleep(Math.min(30_000, 1000L << Math.min(streak, 5)) + rnd.nextInt(1000));
            } else {
                streak = 0;
                sleep(rnd.nextInt(200));
            }
        }
    }

    void recordFailure(Kind kind, int worker, String detail) {
        failures.incrementAndGet();
        if (kind != null) {
            failed.get(kind).increment();
        }
        String line = String.format(Locale.ROOT, "[%s] %s worker %d: %s", java.time.LocalTime.now().withNano(0),
                kind == null ? "-" : kind.label, worker, detail);
        if (failureDetails.size() < 50) {
            failureDetails.add(line);
        }
        log("soak: FAILURE %s", line);
    }

    record Outcome(String failure) {
    }

    /** One activity under a watchdog; a failure (also a timeout) comes back as its description. */
    Outcome attempt(Kind kind, int worker, Random rnd) {
        Watchdog w = new Watchdog(kind == Kind.PARAMIKO || kind.label.startsWith("ssh") || kind == Kind.SFTP || kind == Kind.KILL_SSH
                ? OPENSSH_TIMEOUT : Duration.ofSeconds(180));
        Path dir = work.resolve("w" + worker);
        try {
            Files.createDirectories(dir);
            long moved = switch (kind) {
                case SSH_UP -> sshUp(w, dir, rnd);
                case SSH_DOWN -> sshDown(w, dir, worker, rnd);
                case SSH_PTY -> sshPty(w, dir, rnd);
                case SSH_FWD -> sshForward(w, dir, rnd);
                case SFTP -> sftp(w, dir, worker, rnd);
                case PARAMIKO -> paramiko(w, dir, worker, rnd);
                case OUR_EXEC -> ourExec(w, worker, rnd);
                case OUR_SFTP -> ourSftp(w, worker, rnd);
                case OUR_FWD -> ourForward(w, rnd);
                case KILL_SSH -> killSsh(w, dir, rnd);
                case CUT_OURS -> cutOurs(w, worker, rnd);
            };
            if (w.expired()) {
                return new Outcome("timed out after " + w.timeout.toSeconds() + " s (yet finished)");
            }
            done.get(kind).increment();
            bytes.add(moved);
            return new Outcome(null);
        } catch (Throwable e) {
            String what = e instanceof Check ? e.getMessage() : e.toString();
            if (w.expired()) {
                return new Outcome("timed out after " + w.timeout.toSeconds() + " s: " + what);
            }
            if (!(e instanceof Check)) {
                java.io.StringWriter sw = new java.io.StringWriter();
                e.printStackTrace(new java.io.PrintWriter(sw));
                String[] lines = sw.toString().split("\n");
                what = String.join("\n", java.util.Arrays.copyOf(lines, Math.min(lines.length, 12)));
            }
            return new Outcome(what);
        } finally {
            w.cancel();
        }
    }

    /** A failed check (wrong digest, status, output): its message is the whole story. */
    static final class Check extends IOException {
        Check(String message) {
            super(message);
        }
    }

    /** Closes what it guards when the time is up, so that a hung activity ends with an exception. */
    final class Watchdog {
        final Duration timeout;
        final List<AutoCloseable> guarded = new CopyOnWriteArrayList<>();
        final AtomicBoolean expired = new AtomicBoolean();
        final ScheduledFuture<?> task;

        Watchdog(Duration timeout) {
            this.timeout = timeout;
            this.task = watchdogs.schedule(this::expire, timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        <T extends AutoCloseable> T guard(T c) {
            guarded.add(c);
            if (expired.get()) {
                closeQuietly(c);
            }
            return c;
        }

        Process guard(Process p) {
            guard(() -> p.destroyForcibly());
            return p;
        }

        void expire() {
            expired.set(true);
            for (AutoCloseable c : guarded) {
                closeQuietly(c);
            }
        }

        boolean expired() {
            return expired.get();
        }

        void cancel() {
            task.cancel(false);
            for (AutoCloseable c : guarded) {
                closeQuietly(c);
            }
        }
    }

    // ------------------------------------------------------------------ OpenSSH

    List<String> ssh(String... extra) {
        List<String> cmd = new ArrayList<>(List.of("ssh", "-F", "/dev/null", "-p", Integer.toString(server.port()),
                "-i", server.userKey().toString(), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                "-o", "UserKnownHostsFile=" + knownHosts, "-o", "StrictHostKeyChecking=yes", "-o", "LogLevel=ERROR",
                "-o", "ConnectTimeout=60", "-o", "ServerAliveInterval=0"));
        cmd.addAll(List.of(extra));
        return cmd;
    }

    String dest() {
        return user + "@127.0.0.1";
    }

    ProcessBuilder builder(List<String> cmd, Path dir) {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().remove("SSH_AUTH_SOCK");
        pb.environment().put("LC_ALL", "C");
        return pb;
    }

    /** Runs to completion under the watchdog; returns the exit status. */
    int runProcess(Watchdog w, ProcessBuilder pb) throws IOException, InterruptedException {
        Process p = w.guard(pb.start());
        p.waitFor();
        return p.exitValue();
    }

    static String tail(Path f) {
        String s = readText(f);
        return s.length() > 600 ? "..." + s.substring(s.length() - 600) : s;
    }

    /** ssh exec `sha256sum` with a random file on stdin; some with RekeyLimit=1M. */
    long sshUp(Watchdog w, Path dir, Random rnd) throws Exception {
        int n = 64 * 1024 + rnd.nextInt(4 * MIB);
        Path in = dir.resolve("up.bin");
        byte[] d = randomBytes(rnd, n);
        Files.write(in, d);
        List<String> cmd = rnd.nextBoolean() ? ssh("-o", "RekeyLimit=1M", dest(), "sha256sum") : ssh(dest(), "sha256sum");
        Path out = dir.resolve("up.out");
        Path err = dir.resolve("up.err");
        int st = runProcess(w, builder(cmd, dir).redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()));
        String got = readText(out).trim();
        String want = hex(sha256(d));
        if (st != 0 || !got.startsWith(want)) {
            throw new Check("ssh sha256sum of " + n + " bytes: status " + st + ", stdout '" + got + "', want " + want + "; stderr: " + tail(err));
        }
        return n;
    }

    /** A random file in the server's root, `ssh cat` back into a local file, compared. */
    long sshDown(Watchdog w, Path dir, int worker, Random rnd) throws Exception {
        int n = 64 * 1024 + rnd.nextInt(4 * MIB);
        String name = "down-" + worker + ".bin";
        byte[] d = randomBytes(rnd, n);
        Path remote = data.resolve(name);
        Files.write(remote, d);
        try {
            List<String> cmd = rnd.nextBoolean() ? ssh("-o", "RekeyLimit=1M", dest(), "cat soak-data/" + name)
                    : ssh(dest(), "cat soak-data/" + name);
            Path out = dir.resolve("down.out");
            Path err = dir.resolve("down.err");
            int st = runProcess(w, builder(cmd, dir).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()));
            byte[] got = Files.readAllBytes(out);
            if (st != 0 || !MessageDigest.isEqual(sha256(got), sha256(d))) {
                throw new Check("ssh cat of " + n + " bytes: status " + st + ", " + got.length + " bytes back, checksum "
                        + (MessageDigest.isEqual(sha256(got), sha256(d)) ? "equal" : "differs") + "; stderr: " + tail(err));
            }
            Files.delete(out);
        } finally {
            Files.deleteIfExists(remote);
        }
        return n;
    }

    /** ssh -tt: a login shell on a pty runs a small script typed into it; output and exit status checked. */
    long sshPty(Watchdog w, Path dir, Random rnd) throws Exception {
        int a = 2 + rnd.nextInt(1000);
        int b = 2 + rnd.nextInt(1000);
        int code = 1 + rnd.nextInt(100);
        Path out = dir.resolve("pty.out");
        Path err = dir.resolve("pty.err");
        ProcessBuilder pb = builder(ssh("-tt", dest()), dir).redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = w.guard(pb.start());
        // stdin stays open until the shell has exited, so no EOF races the typed script
        OutputStream stdin = p.getOutputStream();
        String script = "x=$((" + a + "*" + b + ")); echo \"product=$x\"; [ -t 0 ] && echo on-a-tty; exit " + code + "\n";
        stdin.write(script.getBytes(StandardCharsets.US_ASCII));
        stdin.flush();
        p.waitFor();
        closeQuietly(stdin);
        int st = p.exitValue();
        String text = readText(out);
        if (st != code || !text.contains("product=" + (a * b)) || !text.contains("on-a-tty")) {
            throw new Check("ssh -tt shell: status " + st + " (want " + code + "), output '" + text.replace("\r", "\\r")
                    + "' (want product=" + (a * b) + " and on-a-tty); stderr: " + tail(err));
        }
        return script.length() + text.length();
    }

    /**
     * ssh -N -L to the echo server, data through it checked. The port is connected to only once
     * ssh says (-v) that it listens there: the port comes from the kernel's ephemeral range, where
     * another worker's listener (an our-fwd forward, another ssh -L) may hold the same number until
     * our ssh finds it taken, and a connection made in that window would reach the other listener
     * and be reset when that one closes (seen once in a 2-minute soak).
     */
    long sshForward(Watchdog w, Path dir, Random rnd) throws Exception {
        for (int tries = 0; ; tries++) {
            int port = FreePorts.freePort();
            Path err = dir.resolve("fwd.err");
            List<String> cmd = ssh("-N", "-n", "-o", "ExitOnForwardFailure=yes", "-v",
                    "-L", "127.0.0.1:" + port + ":127.0.0.1:" + echo.port(), dest());
            Process p = w.guard(builder(cmd, dir).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start());
            try {
                Socket s = null;
                String listening = "Local forwarding listening on 127.0.0.1 port " + port + ".";
                while (s == null) {
                    if (!p.isAlive()) {
                        String e = readText(err);
                        if (tries < 3 && e.contains("in use")) {
                            break; // another process took the port; pick another
                        }
                        throw new Check("ssh -L exited with " + p.exitValue() + " before forwarding; stderr: " + tail(err));
                    }
                    if (!readText(err).contains(listening)) {
                        if (w.expired()) {
                            throw new Check("ssh -L did not start listening on " + port + "; stderr: " + tail(err));
                        }
                        Thread.sleep(50);
                        continue;
                    }
                    try {
                        s = new Socket();
                        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                    } catch (IOException e) {
                        closeQuietly(s);
                        s = null;
                        if (w.expired()) {
                            throw e;
                        }
                        Thread.sleep(50);
                    }
                }
                if (s == null) {
                    continue;
                }
                try (Socket sock = w.guard(s)) {
                    return echoCheck(sock, randomBytes(rnd, 16 * 1024 + rnd.nextInt(2 * MIB)), "ssh -L");
                }
            } finally {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    static long echoCheck(Socket s, byte[] d, String what) throws IOException {
        byte[] back = EchoServer.roundTrip(s, d);
        if (!MessageDigest.isEqual(sha256(back), sha256(d))) {
            throw new Check(what + " to the echo server: sent " + d.length + " bytes, " + back.length + " came back"
                    + (back.length == d.length ? ", checksum differs" : ""));
        }
        return 2L * d.length;
    }

    /** sftp -b: put, get, rm; the file that came back compared. */
    long sftp(Watchdog w, Path dir, int worker, Random rnd) throws Exception {
        int n = 1 + rnd.nextInt(4 * MIB);
        byte[] d = randomBytes(rnd, n);
        Path local = dir.resolve("sftp-up.bin");
        Path back = dir.resolve("sftp-down.bin");
        Files.write(local, d);
        Files.deleteIfExists(back);
        String remote = "soak-data/sftp-" + worker + ".bin";
        Path batch = dir.resolve("sftp.batch");
        Files.writeString(batch, "put " + local + " " + remote + "\nget " + remote + " " + back + "\nrm " + remote + "\n");
        List<String> cmd = new ArrayList<>(List.of("sftp", "-F", "/dev/null", "-P", Integer.toString(server.port()),
                "-i", server.userKey().toString(), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                "-o", "UserKnownHostsFile=" + knownHosts, "-o", "StrictHostKeyChecking=yes", "-o", "LogLevel=ERROR"));
        if (rnd.nextBoolean()) {
            cmd.addAll(List.of("-o", "RekeyLimit=1M"));
        }
        cmd.addAll(List.of("-b", batch.toString(), dest()));
        Path out = dir.resolve("sftp.out");
        Path err = dir.resolve("sftp.err");
        int st = runProcess(w, builder(cmd, dir).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()));
        byte[] got = Files.exists(back) ? Files.readAllBytes(back) : new byte[0];
        if (st != 0 || !MessageDigest.isEqual(sha256(got), sha256(d))) {
            throw new Check("sftp -b put/get/rm of " + n + " bytes: status " + st + ", " + got.length + " bytes back; stderr: " + tail(err));
        }
        if (Files.exists(data.resolve("sftp-" + worker + ".bin"))) {
            throw new Check("sftp -b rm left " + remote);
        }
        return 2L * n;
    }

    /** paramiko: exec with stdin and an SFTP round trip, both checked by the script. */
    long paramiko(Watchdog w, Path dir, int worker, Random rnd) throws Exception {
        int n = 1 + rnd.nextInt(2 * MIB);
        Path out = dir.resolve("paramiko.out");
        List<String> cmd = List.of("/usr/bin/python3", paramikoScript.toString(), "127.0.0.1", Integer.toString(server.port()),
                user, server.userKey().toString(), knownHosts.toString(), "soak-data/paramiko-" + worker + ".bin", Integer.toString(n));
        int st = runProcess(w, builder(cmd, dir).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(out.toFile()));
        String text = readText(out).trim();
        if (st != 0 || !text.equals("ok " + 3L * n)) {
            throw new Check("paramiko exec+sftp of " + n + " bytes: status " + st + ", output: " + tail(out));
        }
        return 3L * n;
    }

    // ------------------------------------------------------------------ our client

    Transport connect(Watchdog w, Random rnd, Socket[] socketOut) throws IOException {
        TransportConfig config = TransportConfig.builder()
                .rekeyBytes(rnd.nextBoolean() ? MIB : 2L * MIB)
                .handshakeTimeout(Duration.ofSeconds(90))
                .sendTimeout(Duration.ofSeconds(120))
                .build();
        Socket s = w.guard(new Socket());
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 60_000);
        if (socketOut != null) {
            socketOut[0] = s;
        }
        Transport t = w.guard(Transport.startClient(s, "127.0.0.1", server.port(), config, verifier));
        t.authPublickey(user, userKey);
        if (!t.isAuthenticated()) {
            throw new Check("our client: public key not accepted");
        }
        return t;
    }

    /** Our client: exec sha256sum with data on stdin, and cat of a server-side file, both compared. */
    long ourExec(Watchdog w, int worker, Random rnd) throws Exception {
        try (Transport t = connect(w, rnd, null)) {
            int n = 1 + rnd.nextInt(4 * MIB);
            byte[] d = randomBytes(rnd, n);
            try (Channel c = t.openSession()) {
                if (!c.exec("sha256sum")) {
                    throw new Check("our client: exec sha256sum refused");
                }
                Thread writer = new Thread(() -> {
                    try {
                        OutputStream o = c.getOutputStream();
                        o.write(d);
                        o.flush();
                        c.sendEof();
                    } catch (IOException e) {
                        // the reader's check fails
                    }
                }, "soak-exec-writer");
                writer.setDaemon(true);
                writer.start();
                String out = new String(c.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
                int st = c.awaitExitStatus(Duration.ofSeconds(120));
                writer.join(10_000);
                String want = hex(sha256(d));
                if (st != 0 || !out.startsWith(want)) {
                    throw new Check("our client: sha256sum of " + n + " bytes: status " + st + ", stdout '" + out + "', want " + want
                            + "; stderr: " + stderrOf(c));
                }
            }
            int m = 1 + rnd.nextInt(4 * MIB);
            byte[] e = randomBytes(rnd, m);
            String name = "ourcat-" + worker + ".bin";
            Files.write(data.resolve(name), e);
            try (Channel c = t.openSession()) {
                if (!c.exec("cat soak-data/" + name)) {
                    throw new Check("our client: exec cat refused");
                }
                c.sendEof();
                byte[] got = c.getInputStream().readAllBytes();
                int st = c.awaitExitStatus(Duration.ofSeconds(120));
                if (st != 0 || !MessageDigest.isEqual(sha256(got), sha256(e))) {
                    throw new Check("our client: cat of " + m + " bytes: status " + st + ", " + got.length + " bytes back"
                            + (got.length == m ? ", checksum differs" : "") + "; stderr: " + stderrOf(c));
                }
            } finally {
                Files.deleteIfExists(data.resolve(name));
            }
            ourRekeys.add(t.keyExchangeCount() - 1);
            return (long) n + m;
        }
    }

    /** What the channel's stderr holds by now (after its exit status), for a failure message. */
    static String stderrOf(Channel c) {
        try {
            InputStream err = c.getErrorStream();
            byte[] b = err.available() > 0 || c.isClosed() ? err.readNBytes(2000) : new byte[0];
            return "'" + new String(b, StandardCharsets.UTF_8).trim() + "'";
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    /** Our client: SftpClient write, read back, compare, remove. */
    long ourSftp(Watchdog w, int worker, Random rnd) throws Exception {
        try (Transport t = connect(w, rnd, null); SftpClient sftp = SftpClient.open(t)) {
            int n = 1 + rnd.nextInt(4 * MIB);
            byte[] d = randomBytes(rnd, n);
            String remote = "soak-data/oursftp-" + worker + ".bin";
            try (OutputStream o = sftp.newOutputStream(remote)) {
                int off = 0;
                while (off < n) {
                    int len = Math.min(n - off, 1 + rnd.nextInt(256 * 1024));
                    o.write(d, off, len);
                    off += len;
                }
            }
            byte[] got;
            try (InputStream in = sftp.newInputStream(remote)) {
                got = in.readAllBytes();
            }
            sftp.remove(remote);
            if (!MessageDigest.isEqual(sha256(got), sha256(d))) {
                throw new Check("our SftpClient round trip of " + n + " bytes: " + got.length + " bytes back"
                        + (got.length == n ? ", checksum differs" : ""));
            }
            if (sftp.exists(remote)) {
                throw new Check("our SftpClient: " + remote + " still there after remove");
            }
            ourRekeys.add(t.keyExchangeCount() - 1);
            return 2L * n;
        }
    }

    /** Our client: a -L style local forward through the server to the echo server. */
    long ourForward(Watchdog w, Random rnd) throws Exception {
        try (Transport t = connect(w, rnd, null);
             Forward f = t.forwardLocal(new InetSocketAddress("127.0.0.1", 0), "127.0.0.1", echo.port())) {
            long moved = 0;
            int conns = 1 + rnd.nextInt(3);
            for (int i = 0; i < conns; i++) {
                try (Socket s = w.guard(new Socket())) {
                    s.connect(new InetSocketAddress("127.0.0.1", f.boundPort()), 30_000);
                    moved += echoCheck(s, randomBytes(rnd, 1 + rnd.nextInt(2 * MIB)), "our forwardLocal");
                }
            }
            ourRekeys.add(t.keyExchangeCount() - 1);
            return moved;
        }
    }

    // ------------------------------------------------------------------ abrupt disconnects

    /** SIGKILL to an ssh mid-transfer: an upload into sha256sum, a download, or a pty streaming output. */
    long killSsh(Watchdog w, Path dir, Random rnd) throws Exception {
        int variant = rnd.nextInt(3);
        Path err = dir.resolve("kill.err");
        List<String> cmd = switch (variant) {
            case 0 -> ssh(dest(), "sha256sum");
            case 1 -> ssh(dest(), "head -c 1000000000 /dev/zero");
            default -> ssh("-tt", dest(), "cat /dev/zero");
        };
        Process p = w.guard(builder(cmd, dir).redirectError(err.toFile()).start());
        try {
            int want = MIB / 4 + rnd.nextInt(2 * MIB);
            if (variant == 0) {
                OutputStream o = p.getOutputStream();
                byte[] chunk = randomBytes(rnd, 64 * 1024);
                for (int sent = 0; sent < want; sent += chunk.length) {
                    try {
                        o.write(chunk);
                        o.flush();
                    } catch (IOException e) {
                        throw new Check("ssh sha256sum died after " + sent + " bytes before we killed it (status "
                                + p.waitFor() + "); stderr: " + tail(err));
                    }
                }
            } else {
                InputStream in = p.getInputStream();
                byte[] buf = new byte[64 * 1024];
                int got = 0;
                while (got < want) {
                    int r = in.read(buf);
                    if (r < 0) {
                        throw new Check("ssh " + cmd.get(cmd.size() - 1) + " ended after " + got + " bytes before we killed it (status "
                                + p.waitFor() + "); stderr: " + tail(err));
                    }
                    got += r;
                }
            }
            return 0;
        } finally {
            p.destroyForcibly(); // SIGKILL: no DISCONNECT, no channel close
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Our client's socket closed mid-transfer without a DISCONNECT (sometimes with an RST). */
    long cutOurs(Watchdog w, int worker, Random rnd) throws Exception {
        Socket[] sock = new Socket[1];
        Transport t = connect(w, rnd, sock);
        try {
            int variant = rnd.nextInt(3);
            int want = MIB / 4 + rnd.nextInt(2 * MIB);
            if (variant == 2) {
                sock[0].setSoLinger(true, 0); // an RST instead of a FIN
            }
            if (variant == 0) {
                SftpClient sftp = SftpClient.open(t);
                OutputStream o = sftp.newOutputStream("soak-data/cut-" + worker + ".bin");
                byte[] chunk = randomBytes(rnd, 64 * 1024);
                for (int sent = 0; sent < want; sent += chunk.length) {
                    o.write(chunk);
                }
                sock[0].close();
                Files.deleteIfExists(data.resolve("cut-" + worker + ".bin"));
            } else {
                Channel c = t.openSession();
                if (!c.exec(variant == 1 ? "head -c 1000000000 /dev/zero" : "cat > /dev/null")) {
                    throw new Check("our client: exec refused before the cut");
                }
                if (variant == 1) {
                    InputStream in = c.getInputStream();
                    byte[] buf = new byte[64 * 1024];
                    for (int got = 0; got < want; ) {
                        int r = in.read(buf);
                        if (r < 0) {
                            throw new Check("our client: head -c ended after " + got + " bytes before the cut");
                        }
                        got += r;
                    }
                } else {
                    OutputStream o = c.getOutputStream();
                    byte[] chunk = randomBytes(rnd, 64 * 1024);
                    for (int sent = 0; sent < want; sent += chunk.length) {
                        o.write(chunk);
                    }
                }
                sock[0].close();
            }
            return 0;
        } finally {
            closeQuietly(sock[0]);
            t.close();
        }
    }

    // ------------------------------------------------------------------ sampling

    record Sample(String label, int threads, int fds, long heapKiB, List<Long> children) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "threads %d, fds %d, heap %s, processes under server %d",
                    threads, fds, heapKiB < 0 ? "-" : String.format(Locale.ROOT, "%.1f MiB", heapKiB / 1024.0), children.size());
        }
    }

    Sample sampleQuick(String label) throws IOException {
        return new Sample(label, threads(), fds(), -1, children());
    }

    Sample sample(String label) throws Exception {
        return new Sample(label, threads(), fds(), heapAfterGc(), children());
    }

    int threads() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("Threads:")) {
                return Integer.parseInt(line.substring(8).trim());
            }
        }
        throw new IOException("no Threads line for " + pid);
    }

    int fds() throws IOException {
        try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return (int) s.count();
        }
    }

    List<Long> children() {
        return ProcessHandle.of(pid).map(h -> h.descendants().map(ProcessHandle::pid).toList()).orElse(List.of());
    }

    static final Pattern THREAD_NAME = Pattern.compile("^\"([^\"]*)\"", Pattern.MULTILINE);

    /** The server's threads by name (digits replaced by #), from jcmd Thread.print; empty if that fails. */
    Map<String, Integer> threadNames() {
        Map<String, Integer> m = new java.util.TreeMap<>();
        try {
            Matcher x = THREAD_NAME.matcher(jcmdRun(Path.of(System.getProperty("java.home"), "bin", "jcmd"), "Thread.print"));
            while (x.find()) {
                m.merge(x.group(1).replaceAll("\\d+", "#"), 1, Integer::sum);
            }
        } catch (Exception e) {
            log("soak: jcmd Thread.print: %s", e);
        }
        return m;
    }

    static String diff(Map<String, Integer> before, Map<String, Integer> after) {
        java.util.TreeSet<String> names = new java.util.TreeSet<>(before.keySet());
        names.addAll(after.keySet());
        List<String> out = new ArrayList<>();
        for (String n : names) {
            int a = before.getOrDefault(n, 0);
            int b = after.getOrDefault(n, 0);
            if (a != b) {
                out.add(String.format(Locale.ROOT, "%s %+d", n, b - a));
            }
        }
        return String.join(", ", out);
    }

    static final Pattern USED = Pattern.compile("used (\\d+)K");

    long heapAfterGc() throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        jcmdRun(jcmd, "GC.run");
        String info = jcmdRun(jcmd, "GC.heap_info");
        Matcher m = USED.matcher(info);
        if (!m.find()) {
            throw new IOException("cannot read jcmd GC.heap_info:\n" + info);
        }
        return Long.parseLong(m.group(1));
    }

    String jcmdRun(Path jcmd, String what) throws Exception {
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), what).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("jcmd " + what + " failed: " + new String(out, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ helpers

    static String readText(Path f) {
        try {
            return Files.exists(f) ? Files.readString(f, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    static byte[] randomBytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    static byte[] sha256(byte[] d) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    static String size(long n) {
        return n >= (1L << 30) ? String.format(Locale.ROOT, "%.2f GiB", n / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.1f MiB", n / (double) MIB);
    }

    static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : String.format(Locale.ROOT, "%.1f", d);
    }

    static String stack(Thread t) {
        StringBuilder sb = new StringBuilder();
        for (StackTraceElement e : t.getStackTrace()) {
            sb.append("    at ").append(e).append('\n');
        }
        return sb.toString();
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // closing anyway
        }
    }

    static synchronized void log(String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, format, args));
        System.out.flush();
    }
}
