package dev.tether.bench;

import dev.tether.bench.BenchSupport.Compared;
import dev.tether.bench.BenchSupport.Run;
import dev.tether.bench.BenchSupport.Server;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.tether.bench.BenchSupport.GIB;
import static dev.tether.bench.BenchSupport.KIB;
import static dev.tether.bench.BenchSupport.MIB;
import static dev.tether.bench.BenchSupport.awaitLine;
import static dev.tether.bench.BenchSupport.bytes;
import static dev.tether.bench.BenchSupport.human;
import static dev.tether.bench.BenchSupport.javaVersion;
import static dev.tether.bench.BenchSupport.machine;
import static dev.tether.bench.BenchSupport.makeKeys;
import static dev.tether.bench.BenchSupport.measured;
import static dev.tether.bench.BenchSupport.median;
import static dev.tether.bench.BenchSupport.out;
import static dev.tether.bench.BenchSupport.serverEnvironment;
import static dev.tether.bench.BenchSupport.shellJoin;
import static dev.tether.bench.BenchSupport.stdoutLines;
import static dev.tether.bench.BenchSupport.stopProcess;

/**
 * Whole-process benchmarks of a Tether server (a {@link BenchServer} JVM) side by side with a
 * private OpenSSH sshd, on loopback, alternating A B A B and reporting medians of the per-round
 * ratios ours/sshd. See tether-bench/README.md for the parts, the options and what runs where.
 *
 * <p>Everything it starts (the two servers, ssh clients) is a child of this JVM, lives under a
 * temp directory and is stopped at the end, on failure too, and by a shutdown hook on Ctrl-C.
 */
public final class ProcessBench {
    private final Options o;
    private final Path dir;
    private final String user = System.getProperty("user.name");
    private final BenchSupport.Cleanup cleanup;
    private OurServer ours;
    private BenchSshd sshd;
    private KeyPair userKey;
    private byte[] hostKeyBlob;

    private ProcessBench(Options o, Path dir, BenchSupport.Cleanup cleanup) {
        this.o = o;
        this.dir = dir;
        this.cleanup = cleanup;
    }

    // ------------------------------------------------------------------ options

    static final class Options {
        List<String> parts = List.of("bulk", "handshake", "idle");
        long size = GIB;
        int rounds = 3;
        List<String> ciphers = List.of("aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes128-ctr");
        String mac = "hmac-sha2-256-etm@openssh.com";
        List<String> directions = List.of("upload", "download");
        long bulkWarmup = -1;
        int handshakes = 200;
        int parallel = 8;
        int handshakeWarmup = 200;
        int idle = 2000;
        int unauth = -1;
        String serverJava = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> serverOpts = List.of();
        String kex = "curve25519-sha256";
        String sshdPath = "/usr/sbin/sshd";
        boolean histogram = true;

        static Options parse(String[] args) {
            Options o = new Options();
            BenchOptions p = new BenchOptions(USAGE)
                    .flag("--no-histogram", () -> o.histogram = false)
                    .value("--parts", v -> o.parts = BenchOptions.list(v))
                    .value("--size", v -> o.size = bytes(v))
                    .value("--rounds", v -> o.rounds = Integer.parseInt(v))
                    .value("--ciphers", v -> o.ciphers = BenchOptions.list(v))
                    .value("--mac", v -> o.mac = v)
                    .value("--directions", v -> o.directions = BenchOptions.list(v))
                    .value("--bulk-warmup", v -> o.bulkWarmup = bytes(v))
                    .value("--handshakes", v -> o.handshakes = Integer.parseInt(v))
                    .value("--parallel", v -> o.parallel = Integer.parseInt(v))
                    .value("--handshake-warmup", v -> o.handshakeWarmup = Integer.parseInt(v))
                    .value("--idle", v -> o.idle = Integer.parseInt(v))
                    .value("--unauth", v -> o.unauth = Integer.parseInt(v))
                    .value("--server-java", v -> o.serverJava = v)
                    .value("--server-opts", v -> o.serverOpts = BenchOptions.words(v))
                    .value("--kex", v -> o.kex = v)
                    .value("--sshd", v -> o.sshdPath = v);
            p.parse(args);
            p.check(o.rounds >= 1 && o.rounds <= 100 && o.handshakes >= 1 && o.parallel >= 1 && o.parallel <= 256
                    && o.idle >= 0 && o.idle <= 100_000 && o.size >= 1 && o.size <= 64 * GIB);
            p.checkKnown(o.parts, List.of("bulk", "inproc", "handshake", "idle"), "part");
            if (o.unauth < 0) {
                o.unauth = o.idle;
            }
            if (o.bulkWarmup < 0) {
                o.bulkWarmup = Math.min(o.size, 64 * MIB);
            }
            return o;
        }

        static final String USAGE = """
                    usage: ProcessBench [options]    (Linux, loopback only; runs /usr/sbin/sshd and ssh)
                      --parts LIST          bulk,inproc,handshake,idle (default: bulk,handshake,idle; inproc = bulk
                                            with in-process Java commands on ours vs cat/head on sshd)
                      --size N[K|M|G]       bytes per bulk transfer (default 1G)
                      --rounds N            A B rounds per bulk case and per handshake batch (default 3)
                      --ciphers LIST        default aes128-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr
                      --mac NAME            MAC for non-AEAD ciphers (default hmac-sha2-256-etm@openssh.com)
                      --directions LIST     upload,download (default both)
                      --bulk-warmup N       one untimed transfer of N bytes per case and server (default min(size, 64M))
                      --handshakes N        connections per handshake batch (default 200)
                      --parallel N          connections at once, handshakes and idle set-up (default 8)
                      --handshake-warmup N  untimed handshakes per server first (default 200)
                      --idle N              idle authenticated sessions, our server only (default 2000; 0 skips)
                      --unauth N            idle unauthenticated connections (default: as --idle; 0 skips)
                      --server-java PATH    java for our server (default: this JVM's)
                      --server-opts "..."   JVM options for our server, e.g. "-Xmx2g -XX:+UseSerialGC"
                      --kex NAME            key exchange forced on every client (default curve25519-sha256)
                      --no-histogram        skip the jcmd class histogram diff of the idle part
                                        """;
    }

    // ------------------------------------------------------------------ main

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        BenchSupport.runAndExit("process-bench", (dir, cleanup) -> new ProcessBench(o, dir, cleanup).run());
    }

    private void run() throws Exception {
        setUp();
        printMachine();
        if (o.parts.contains("bulk")) {
            bulk(false);
        }
        if (o.parts.contains("inproc")) {
            bulk(true);
        }
        if (o.parts.contains("handshake")) {
            handshakes();
        }
        if (o.parts.contains("idle") && (o.idle > 0 || o.unauth > 0)) {
            idle();
        }
    }

    private static void progress(String s) {
        System.err.println("[process-bench] " + s);
    }

    // ------------------------------------------------------------------ set-up

    private void setUp() throws Exception {
        makeKeys(dir);
        userKey = OpenSshKeyFile.read(dir.resolve("id_ed25519"));
        hostKeyBlob = SignatureAlgorithms.encodePublicKey(OpenSshKeyFile.read(dir.resolve("host_ed25519")).getPublic());
        Files.createDirectories(dir.resolve("work"));

        ours = cleanup.add(new OurServer());
        boolean needSshd = o.parts.contains("bulk") || o.parts.contains("inproc") || o.parts.contains("handshake");
        if (needSshd) {
            sshd = cleanup.add(new BenchSshd(dir, o.sshdPath, serverEnvironment(user), List.of()));
            progress("sshd pid " + sshd.pid() + " on port " + sshd.port);
        }
        String hostPub = Files.readString(dir.resolve("host_ed25519.pub")).trim();
        StringBuilder kh = new StringBuilder("[127.0.0.1]:" + ours.port + " " + hostPub + "\n");
        if (sshd != null) {
            kh.append("[127.0.0.1]:").append(sshd.port).append(' ').append(hostPub).append('\n');
        }
        Files.writeString(dir.resolve("known_hosts"), kh);
    }

    private void printMachine() throws Exception {
        out("# Tether process benchmarks (ours = Tether BenchServer JVM, sshd = OpenSSH) on 127.0.0.1");
        out("# machine: " + machine());
        out("# client JVM: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
                + "; server JVM: " + ours.version + (o.serverOpts.isEmpty() ? "" : " " + String.join(" ", o.serverOpts)));
        out("# OpenSSH: " + capture(List.of("ssh", "-V"), Duration.ofSeconds(10)).trim() + ", sshd " + o.sshdPath);
        out("# key exchange forced on clients: " + o.kex + "; host key ssh-ed25519; user key ed25519");
        // what runs a command on each server (see README: Debian's bash sources ~/.bashrc when run by sshd)
        String probe = "echo \"$0 SHLVL=$SHLVL PYENV_ROOT=${PYENV_ROOT-unset}\"; exec cat /proc/$$/comm > /dev/stderr";
        out("# command probe, remote: " + probe);
        for (Server s : servers()) {
            String r = capture(sshCommand(s, "aes128-gcm@openssh.com", probe), Duration.ofSeconds(30));
            out("#   " + s.name() + ": " + r.trim().replace('\n', ' ').replaceAll("\\s+", " ")
                    + (r.contains("PYENV_ROOT=unset") ? "" : "   <- ~/.bashrc ran!"));
        }
    }

    private List<Server> servers() {
        return sshd == null ? List.of(ours) : List.of(ours, sshd);
    }

    // ------------------------------------------------------------------ servers

    /** Our server in its own JVM, driven over its stdin/stdout (see {@link BenchServer}). */
    final class OurServer implements Server {
        final int port;
        final Process process;
        final String version;
        private final BufferedWriter commands;
        private final BlockingQueue<String> replies;

        OurServer() throws Exception {
            version = javaVersion(dir, o.serverJava);
            List<String> cmd = new ArrayList<>();
            cmd.add(o.serverJava);
            cmd.add("--add-opens=java.base/com.sun.crypto.provider=ALL-UNNAMED"); // as bin/tether: the JDK's Poly1305
            cmd.addAll(o.serverOpts);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), BenchServer.class.getName(),
                    dir.resolve("host_ed25519").toString(), dir.resolve("authorized_keys").toString(), user,
                    dir.resolve("work").toString(), "3600"));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().clear();
            pb.environment().putAll(serverEnvironment(user));
            pb.redirectError(dir.resolve("ours.log").toFile());
            process = pb.start();
            commands = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
            replies = stdoutLines(process, "bench-server-stdout");
            Matcher first = awaitLine(replies, Pattern.compile("PORT (\\d+)"), Duration.ofSeconds(60),
                    line -> progress("our server: " + line));
            if (first == null) {
                stopProcess(process, Duration.ofSeconds(2));
                throw new IllegalStateException("our server did not start: " + Files.readString(dir.resolve("ours.log")));
            }
            port = Integer.parseInt(first.group(1));
            progress("our server pid " + process.pid() + " on port " + port + " (" + version + ")");
        }

        synchronized String command(String c, Duration max) throws Exception {
            replies.clear();
            commands.write(c + "\n");
            commands.flush();
            String r = replies.poll(max.toMillis(), TimeUnit.MILLISECONDS);
            if (r == null) {
                throw new IllegalStateException("our server did not answer " + c + " within " + max);
            }
            return r;
        }

        Map<String, Long> values(String c, Duration max) throws Exception {
            Map<String, Long> m = new HashMap<>();
            Matcher mm = Pattern.compile("(\\w+)=(\\d+)").matcher(command(c, max));
            while (mm.find()) {
                m.put(mm.group(1), Long.parseLong(mm.group(2)));
            }
            return m;
        }

        Map<String, Long> stats() throws Exception {
            return values("stats", Duration.ofSeconds(30));
        }

        /** Waits (bounded) until {@code test} holds for the server's stats; returns the last stats. */
        Map<String, Long> awaitStats(java.util.function.Predicate<Map<String, Long>> test, Duration max) throws Exception {
            long deadline = System.nanoTime() + max.toNanos();
            Map<String, Long> s = stats();
            while (!test.test(s) && System.nanoTime() < deadline) {
                Thread.sleep(20);
                s = stats();
            }
            return s;
        }

        @Override
        public String name() {
            return "ours";
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public Process process() {
            return process;
        }

        @Override
        public void awaitQuiet(Duration max) throws Exception {
            long deadline = System.nanoTime() + max.toNanos();
            Map<String, Long> s = awaitStats(m -> m.get("connections") == 0, max);
            if (s.get("connections") != 0) {
                progress("warning: our server still has " + s + " after " + max);
            }
            while (ProcStat.descendantCount(pid()) > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            // the connections' threads end just after the server drops them
            Thread.sleep(200);
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                try {
                    commands.write("quit\n");
                    commands.flush();
                    commands.close();
                } catch (IOException e) {
                    // gone already
                }
            }
            stopProcess(process, Duration.ofSeconds(15));
        }
    }

    // ------------------------------------------------------------------ processes

    /** Runs a command, returns stdout + stderr; bounded by {@code max}. */
    private String capture(List<String> cmd, Duration max) throws Exception {
        return BenchSupport.capture(dir, cmd, max);
    }

    private List<String> sshCommand(Server s, String cipher, String remote) {
        List<String> c = new ArrayList<>(List.of("ssh", "-F", "/dev/null", "-T", "-p", Integer.toString(s.port()),
                "-i", dir.resolve("id_ed25519").toString(), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                "-o", "UserKnownHostsFile=" + dir.resolve("known_hosts"), "-o", "StrictHostKeyChecking=yes",
                "-o", "LogLevel=ERROR", "-o", "KexAlgorithms=" + o.kex, "-o", "HostKeyAlgorithms=ssh-ed25519",
                "-o", "ControlMaster=no", "-c", cipher));
        if (!cipher.endsWith("-gcm@openssh.com") && !cipher.startsWith("chacha20-poly1305")) {
            c.addAll(List.of("-o", "MACs=" + o.mac));
        }
        c.add(user + "@127.0.0.1");
        c.add(remote);
        return c;
    }

    /** A bulk transfer's shell pipeline on the client side. */
    private String pipeline(Server s, String cipher, String direction, long bytes, boolean verify, boolean inProcess) {
        // inProcess: our server runs BenchServer's Java commands instead of cat / head
        boolean java = inProcess && s == ours;
        if (direction.equals("upload")) {
            String remote = java ? (verify ? "tether-sink -c" : "tether-sink")
                    : verify ? "exec wc -c" : "exec cat > /dev/null";
            return "head -c " + bytes + " /dev/zero | " + shellJoin(sshCommand(s, cipher, remote));
        }
        String remote = java ? "tether-source " + bytes : "exec head -c " + bytes + " /dev/zero";
        return shellJoin(sshCommand(s, cipher, remote)) + (verify ? " | wc -c" : " > /dev/null");
    }

    /** Runs one transfer (after the server is quiet) and measures wall time and the server tree's CPU. */
    private Run transfer(Server s, String cipher, String direction, long bytes, boolean inProcess) throws Exception {
        Duration max = Duration.ofSeconds(60 + bytes / MIB); // at least 1 MiB/s
        Path errFile = dir.resolve("ssh.err");
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", pipeline(s, cipher, direction, bytes, false, inProcess))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(errFile.toFile());
        return measured(s, pb, max, direction + " " + cipher, errFile);
    }

    private void verifyTransfer(Server s, String cipher, String direction, boolean inProcess) throws Exception {
        String r = capture(List.of("/bin/sh", "-c", pipeline(s, cipher, direction, MIB, true, inProcess)), Duration.ofSeconds(60)).trim();
        if (!r.equals(Long.toString(MIB))) {
            throw new IllegalStateException("check of " + direction + " " + cipher + " on " + s.name()
                    + ": expected " + MIB + " bytes, got: " + r);
        }
    }

    // ------------------------------------------------------------------ part 1: bulk data

    /** Part 1 ({@code bulk}) or, with {@code inProcess}, part {@code inproc}: ours runs Java commands, sshd cat / head. */
    private void bulk(boolean inProcess) throws Exception {
        List<String[]> cases = new ArrayList<>();
        for (String c : o.ciphers) {
            for (String d : o.directions) {
                cases.add(new String[] {d, c});
            }
        }
        progress((inProcess ? "inproc" : "bulk") + ": checking and warming up " + cases.size() + " cases on both servers");
        for (String[] c : cases) {
            for (Server s : servers()) {
                verifyTransfer(s, c[1], c[0], inProcess);
                if (o.bulkWarmup > 0) {
                    transfer(s, c[1], c[0], o.bulkWarmup, inProcess);
                }
            }
        }
        Map<String, List<Run>> oursRuns = new LinkedHashMap<>();
        Map<String, List<Run>> sshdRuns = new LinkedHashMap<>();
        for (int round = 1; round <= o.rounds; round++) {
            for (String[] c : cases) {
                String key = c[0] + " " + c[1];
                Run a = transfer(ours, c[1], c[0], o.size, inProcess);
                Run b = transfer(sshd, c[1], c[0], o.size, inProcess);
                oursRuns.computeIfAbsent(key, k -> new ArrayList<>()).add(a);
                sshdRuns.computeIfAbsent(key, k -> new ArrayList<>()).add(b);
                progress(String.format(Locale.ROOT, "round %d %-40s ours %6.2f s (server CPU %6.2f s)  sshd %6.2f s (CPU %6.2f s)  ratio %.2f",
                        round, key, a.wallSeconds(), a.serverCpuSeconds(), b.wallSeconds(), b.serverCpuSeconds(), a.wallSeconds() / b.wallSeconds()));
            }
        }
        String mac = o.mac;
        out("");
        out(String.format(Locale.ROOT, "## %s: %s per transfer, %d rounds A B (ours, sshd), medians; ratio = median of per-round ours/sshd",
                inProcess ? "bulk data, in-process commands on ours" : "bulk data", human(o.size), o.rounds));
        if (inProcess) {
            out("# upload:   head -c N /dev/zero | ssh ... CMD; ours CMD = 'tether-sink' (Java, in the server JVM), sshd 'exec cat > /dev/null'");
            out("# download: ssh ... CMD > /dev/null; ours CMD = 'tether-source N' (Java, in the server JVM), sshd 'exec head -c N /dev/zero'");
        } else {
            out("# upload:   head -c N /dev/zero | ssh ... 'exec cat > /dev/null'");
            out("# download: ssh ... 'exec head -c N /dev/zero' > /dev/null");
        }
        out("# CTR ciphers use " + mac + "; server CPU = utime+stime of the server's whole process tree (incl. cat/head)");
        out(String.format(Locale.ROOT, "%-40s %8s %8s %9s %9s %6s | %9s %9s %6s", "case", "ours s", "sshd s", "ours MB/s",
                "sshd MB/s", "wall×", "ours CPU", "sshd CPU", "CPU×"));
        for (String key : oursRuns.keySet()) {
            Compared c = Compared.of(oursRuns.get(key), sshdRuns.get(key));
            out(String.format(Locale.ROOT, "%-40s %8.2f %8.2f %9.0f %9.0f %6.2f | %8.2fs %8.2fs %6.2f", key, c.wallA(), c.wallB(),
                    o.size / 1e6 / c.wallA(), o.size / 1e6 / c.wallB(), c.wallRatio(), c.cpuA(), c.cpuB(), c.cpuRatio()));
        }
    }

    // ------------------------------------------------------------------ part 2: handshakes

    private TransportConfig clientConfig() {
        return TransportConfig.builder().kexAlgorithms(List.of(o.kex)).hostKeyAlgorithms(List.of("ssh-ed25519"))
                .handshakeTimeout(Duration.ofSeconds(30)).build();
    }

    /** Runs {@code task(i)} for i in [0, n) on {@code parallel} threads; bounded by {@code max}; returns failures. */
    private static List<Throwable> parallel(int n, int parallel, Duration max, IntConsumer task) throws InterruptedException {
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger next = new AtomicInteger();
        long deadline = System.nanoTime() + max.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(parallel, r -> {
            Thread t = new Thread(r, "bench-client");
            t.setDaemon(true);
            return t;
        });
        for (int w = 0; w < parallel; w++) {
            pool.execute(() -> {
                int i;
                while ((i = next.getAndIncrement()) < n && System.nanoTime() < deadline) {
                    try {
                        task.accept(i);
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }
            });
        }
        pool.shutdown();
        if (!pool.awaitTermination(max.toMillis() + 60_000, TimeUnit.MILLISECONDS)) {
            pool.shutdownNow();
            failures.add(new IllegalStateException("workers did not finish in time"));
        }
        if (next.get() < n) {
            failures.add(new IllegalStateException("time limit " + max + " reached after " + next.get() + " of " + n));
        }
        return new ArrayList<>(failures);
    }

    private void handshake(Server s, TransportConfig config, HostKeyVerifier verifier) {
        try {
            Transport t = Transport.connect("127.0.0.1", s.port(), config, verifier);
            try {
                t.authPublickey(user, userKey);
            } finally {
                t.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    record Batch(int ok, double wallSeconds, double serverCpuSeconds, double clientCpuSeconds, long[] jvmBreakdown) {
        double cpuMsPerHandshake() {
            return serverCpuSeconds * 1000 / ok;
        }

        double wallMsPerHandshake() {
            return wallSeconds * 1000 / ok;
        }
    }

    private Batch handshakeBatch(Server s, int n, TransportConfig config, HostKeyVerifier verifier) throws Exception {
        s.awaitQuiet(Duration.ofSeconds(30));
        long self = ProcessHandle.current().pid();
        long cpu0 = s.cpuNanos();
        long[] split0 = s == ours ? ProcStat.jvmCpuBreakdown(s.pid()) : new long[5];
        long client0 = ProcStat.processCpuNanos(self);
        long t0 = System.nanoTime();
        List<Throwable> failures = parallel(n, o.parallel, Duration.ofSeconds(30 + n), i -> handshake(s, config, verifier));
        long wall = System.nanoTime() - t0;
        long client = ProcStat.processCpuNanos(self) - client0;
        s.awaitQuiet(Duration.ofSeconds(30));
        long cpu = s.cpuNanos() - cpu0;
        long[] split = s == ours ? ProcStat.jvmCpuBreakdown(s.pid()) : new long[5];
        for (int i = 0; i < split.length; i++) {
            split[i] -= split0[i];
        }
        if (!failures.isEmpty()) {
            progress(failures.size() + " of " + n + " handshakes on " + s.name() + " failed; first: " + failures.get(0));
            if (failures.size() > n / 10) {
                throw new IllegalStateException("too many handshake failures on " + s.name(), failures.get(0));
            }
        }
        return new Batch(n - failures.size(), wall / 1e9, cpu / 1e9, client / 1e9, split);
    }

    private void handshakes() throws Exception {
        TransportConfig config = clientConfig();
        HostKeyVerifier verifier = HostKeyVerifier.acceptKeys(List.of(hostKeyBlob));
        progress("handshakes: warm-up " + o.handshakeWarmup + " per server");
        for (Server s : servers()) {
            if (o.handshakeWarmup > 0) {
                handshakeBatch(s, o.handshakeWarmup, config, verifier);
            }
        }
        List<Batch> a = new ArrayList<>();
        List<Batch> b = new ArrayList<>();
        for (int round = 1; round <= o.rounds; round++) {
            Batch x = handshakeBatch(ours, o.handshakes, config, verifier);
            Batch y = handshakeBatch(sshd, o.handshakes, config, verifier);
            a.add(x);
            b.add(y);
            progress(String.format(Locale.ROOT, "round %d handshakes: ours %.2f ms CPU, %.2f ms wall; sshd %.2f ms CPU, %.2f ms wall",
                    round, x.cpuMsPerHandshake(), x.wallMsPerHandshake(), y.cpuMsPerHandshake(), y.wallMsPerHandshake()));
        }
        double[] cr = new double[a.size()];
        double[] wr = new double[a.size()];
        for (int i = 0; i < a.size(); i++) {
            cr[i] = a.get(i).cpuMsPerHandshake() / b.get(i).cpuMsPerHandshake();
            wr[i] = a.get(i).wallMsPerHandshake() / b.get(i).wallMsPerHandshake();
        }
        out("");
        out(String.format(Locale.ROOT, "## handshakes: %d connections per batch, %d at once, %d rounds A B after %d warm-up each; medians",
                o.handshakes, o.parallel, o.rounds, o.handshakeWarmup));
        out("# client: Tether Transport.connect + authPublickey(ed25519) + close, no session; " + o.kex);
        out("# server CPU = utime+stime of the server's process tree (sshd: listener + reaped per-connection children)");
        out(String.format(Locale.ROOT, "%-6s %16s %16s %14s %18s", "", "CPU ms/handshake", "wall ms/handshake", "handshakes/s",
                "client CPU ms/hs"));
        for (List<Batch> l : List.of(a, b)) {
            out(String.format(Locale.ROOT, "%-6s %16.2f %16.2f %14.0f %18.2f", l == a ? "ours" : "sshd",
                    median(l.stream().mapToDouble(Batch::cpuMsPerHandshake).toArray()),
                    median(l.stream().mapToDouble(Batch::wallMsPerHandshake).toArray()),
                    median(l.stream().mapToDouble(x -> x.ok / x.wallSeconds).toArray()),
                    median(l.stream().mapToDouble(x -> x.clientCpuSeconds * 1000 / x.ok).toArray())));
        }
        out(String.format(Locale.ROOT, "%-6s %16.2f %16.2f   (median of per-round ratios ours/sshd)", "ratio", median(cr), median(wr)));
        String[] parts = {"JVM total", "JIT compiler threads", "GC/VM threads", "other live threads", "exited threads"};
        StringBuilder split = new StringBuilder("# ours, where the JVM's CPU went (ms/handshake, median):");
        for (int k = 0; k < parts.length; k++) {
            int kk = k;
            split.append(String.format(Locale.ROOT, " %s %.2f;", parts[k],
                    median(a.stream().mapToDouble(x -> x.jvmBreakdown[kk] / 1e6 / x.ok).toArray())));
        }
        out(split.substring(0, split.length() - 1));
    }

    // ------------------------------------------------------------------ part 3: idle sessions

    record Heap(long used, long committed, long threads, long rssKib, long osThreads) {
    }

    private Heap heap() throws Exception {
        Map<String, Long> m = ours.values("heap", Duration.ofSeconds(120));
        return new Heap(m.get("used"), m.get("committed"), m.get("threads"), ProcStat.status(ours.pid(), "VmRSS"),
                ProcStat.status(ours.pid(), "Threads"));
    }

    private Map<String, long[]> histogram() {
        if (!o.histogram) {
            return Map.of();
        }
        Path jcmd = Path.of(o.serverJava).resolveSibling("jcmd");
        if (!Files.isExecutable(jcmd)) {
            return Map.of();
        }
        try {
            String text = capture(List.of(jcmd.toString(), Long.toString(ours.pid()), "GC.class_histogram"), Duration.ofSeconds(120));
            Map<String, long[]> m = new HashMap<>();
            Pattern line = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");
            for (String l : text.split("\n")) {
                Matcher mm = line.matcher(l);
                if (mm.find()) {
                    m.put(mm.group(3), new long[] {Long.parseLong(mm.group(1)), Long.parseLong(mm.group(2))});
                }
            }
            return m;
        } catch (Exception e) {
            progress("class histogram unavailable: " + e);
            return Map.of();
        }
    }

    private void printHistogramDiff(Map<String, long[]> before, Map<String, long[]> after, int n) {
        if (before.isEmpty() || after.isEmpty()) {
            return;
        }
        List<Map.Entry<String, long[]>> diff = new ArrayList<>();
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] b = before.getOrDefault(e.getKey(), new long[2]);
            diff.add(Map.entry(e.getKey(), new long[] {e.getValue()[0] - b[0], e.getValue()[1] - b[1]}));
        }
        diff.sort(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[1]).reversed());
        out(String.format(Locale.ROOT, "#   %-70s %12s %14s", "top classes by heap growth (jcmd GC.class_histogram)", "per conn", "bytes/conn"));
        for (int i = 0; i < Math.min(15, diff.size()); i++) {
            var e = diff.get(i);
            out(String.format(Locale.ROOT, "#   %-70s %12.2f %14.0f", e.getKey(), e.getValue()[0] / (double) n, e.getValue()[1] / (double) n));
        }
    }

    /**
     * Closed connections stay reachable for a moment after the server drops them (their threads
     * are still ending): wait until the class histogram shows no Transport, or 3 s without jcmd.
     */
    private void settleHeap() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, long[]> h = histogram();
        if (h.isEmpty()) {
            Thread.sleep(3000);
            return;
        }
        while (h.containsKey(Transport.class.getName()) && h.get(Transport.class.getName())[0] > 0) {
            if (System.nanoTime() > deadline) {
                progress("warning: " + h.get(Transport.class.getName())[0] + " Transport objects still live in the baseline");
                return;
            }
            Thread.sleep(500);
            h = histogram();
        }
    }

    private void closeAll(List<Transport> clients) throws InterruptedException {
        List<Transport> list = new ArrayList<>(clients);
        clients.clear();
        parallel(list.size(), o.parallel * 4, Duration.ofSeconds(60 + list.size() / 10), i -> list.get(i).close());
    }

    private void idleSet(String label, int n, boolean authenticate, TransportConfig config, HostKeyVerifier verifier)
            throws Exception {
        List<Transport> clients = Collections.synchronizedList(new ArrayList<>());
        List<Channel> channels = Collections.synchronizedList(new ArrayList<>());
        try {
            ours.awaitQuiet(Duration.ofSeconds(60));
            settleHeap();
            Map<String, long[]> histoBefore = histogram();
            Heap base = heap();
            long t0 = System.nanoTime();
            List<Throwable> failures = parallel(n, o.parallel, Duration.ofSeconds(120 + n / 20), i -> {
                try {
                    Transport t = Transport.connect("127.0.0.1", ours.port(), config, verifier);
                    clients.add(t);
                    if (authenticate) {
                        t.authPublickey(user, userKey);
                        channels.add(t.openSession());
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            double openSeconds = (System.nanoTime() - t0) / 1e9;
            if (!failures.isEmpty()) {
                throw new IllegalStateException(failures.size() + " of " + n + " " + label + " connections failed", failures.get(0));
            }
            Map<String, Long> s = ours.awaitStats(m -> m.get("connections") == n
                    && m.get("authenticated") == (authenticate ? n : 0) && m.get("channels") == (authenticate ? n : 0),
                    Duration.ofSeconds(60));
            Heap loaded = heap();
            Map<String, long[]> histoAfter = histogram();
            out(String.format(Locale.ROOT, "%-34s %6d %12.1f %12.1f %10.2f %10.2f   (server: %s, opened in %.1f s)", label, n,
                    (loaded.used - base.used) / 1024.0 / n,
                    (loaded.rssKib - base.rssKib) / (double) n, (loaded.osThreads - base.osThreads) / (double) n,
                    (loaded.threads - base.threads) / (double) n, s, openSeconds));
            out(String.format(Locale.ROOT, "#   heap used after GC %.1f -> %.1f MiB, RSS %.1f -> %.1f MiB, OS threads %d -> %d",
                    base.used / (double) MIB, loaded.used / (double) MIB, base.rssKib / 1024.0, loaded.rssKib / 1024.0,
                    base.osThreads, loaded.osThreads));
            printHistogramDiff(histoBefore, histoAfter, n);
        } finally {
            progress("closing " + clients.size() + " " + label + " connections");
            closeAll(clients);
            ours.awaitQuiet(Duration.ofSeconds(120));
        }
    }

    private void idle() throws Exception {
        TransportConfig config = clientConfig();
        HostKeyVerifier verifier = HostKeyVerifier.acceptKeys(List.of(hostKeyBlob));
        progress("idle: warm-up of our server");
        List<Throwable> warm = parallel(50, o.parallel, Duration.ofSeconds(120), i -> {
            try (Transport t = Transport.connect("127.0.0.1", ours.port(), config, verifier)) {
                t.authPublickey(user, userKey);
                t.openSession().close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        if (!warm.isEmpty()) {
            throw new IllegalStateException("warm-up failed", warm.get(0));
        }
        out("");
        out("## idle connections on our server: growth after System.gc() x3, per connection (baseline: same server, no connection)");
        out("# server JVM: " + ours.version + (o.serverOpts.isEmpty() ? "" : " " + String.join(" ", o.serverOpts))
                + "; client: this JVM, " + System.getProperty("java.version"));
        out(String.format(Locale.ROOT, "%-34s %6s %12s %12s %10s %10s", "set", "N", "heap KiB/c", "RSS KiB/c",
                "OS thr/c", "JVM thr/c"));
        if (o.unauth > 0) {
            progress("idle: " + o.unauth + " unauthenticated connections");
            idleSet("unauthenticated (KEX done)", o.unauth, false, config, verifier);
        }
        if (o.idle > 0) {
            progress("idle: " + o.idle + " authenticated connections with one session each");
            idleSet("authenticated + 1 idle session", o.idle, true, config, verifier);
        }
    }
}
