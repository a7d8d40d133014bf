package dev.tether.bench;

import dev.tether.bench.BenchSupport.Compared;
import dev.tether.bench.BenchSupport.Run;
import dev.tether.bench.BenchSupport.Server;
import dev.tether.bench.SftpBenchCases.Case;
import dev.tether.bench.SftpBenchCases.Data;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.tether.bench.BenchSupport.MIB;
import static dev.tether.bench.BenchSupport.await;
import static dev.tether.bench.BenchSupport.deleteTree;
import static dev.tether.bench.BenchSupport.awaitLine;
import static dev.tether.bench.BenchSupport.human;
import static dev.tether.bench.BenchSupport.javaVersion;
import static dev.tether.bench.BenchSupport.machine;
import static dev.tether.bench.BenchSupport.makeKeys;
import static dev.tether.bench.BenchSupport.measured;
import static dev.tether.bench.BenchSupport.out;
import static dev.tether.bench.BenchSupport.serverEnvironment;
import static dev.tether.bench.BenchSupport.stdoutLines;
import static dev.tether.bench.BenchSupport.stopProcess;

/**
 * Whole-process SFTP benchmark: {@code tether server} (tether-cli, in its own JVM) side by side
 * with a private OpenSSH sshd whose sftp subsystem is {@code /usr/lib/openssh/sftp-server}, both
 * driven by OpenSSH's {@code sftp} client on loopback, alternating ours, sshd per round. Cases: one
 * large {@code get} and {@code put} per cipher, many small files with {@code put -r} / {@code get -r},
 * and the server's memory per idle SFTP session. See tether-bench/README.md.
 *
 * <p>Every transfer is checked afterwards (SHA-256 of the file, or of every file of the tree, against
 * the source), so a broken transfer cannot pass for a fast one. Everything it starts is a child of
 * this JVM, lives under a temp directory and is stopped at the end, on failure, and on Ctrl-C.
 */
public final class SftpProcessBench {
    static final String TETHER_MAIN = BenchTetherServer.MAIN;

    private final Options o;
    private final Path dir;
    private final BenchSupport.Cleanup cleanup;
    private final String user = System.getProperty("user.name");
    private BenchTetherServer ours;
    private BenchSshd sshd;
    private String jcmd;

    private SftpProcessBench(Options o, Path dir, BenchSupport.Cleanup cleanup) {
        this.o = o;
        this.dir = dir;
        this.cleanup = cleanup;
    }

    // ------------------------------------------------------------------ options

    static final class Options extends SftpBenchCases.Options {
        int idle = 50;
        int parallel = 8;
        String serverJava = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> serverOpts = List.of();

        Options() {
            super(List.of("get", "put", "many", "many-put", "many-get", "idle"), List.of("get", "put", "many", "idle"), 200, 16);
        }

        static Options parse(String[] args) {
            Options o = new Options();
            BenchOptions p = o.parser(USAGE)
                    .value("--idle", v -> o.idle = Integer.parseInt(v))
                    .value("--parallel", v -> o.parallel = Integer.parseInt(v))
                    .value("--server-java", v -> o.serverJava = v)
                    .value("--server-opts", v -> o.serverOpts = BenchOptions.words(v));
            o.parse(p, args);
            // --parallel stays within tether server's default MaxStartups (10:30:100), so no set-up is refused
            p.check(o.idle >= 1 && o.idle <= 1000 && o.parallel >= 1 && o.parallel <= 10);
            return o;
        }

        static final String USAGE = """
                    usage: SftpProcessBench [options]   (Linux, loopback; runs tether server, /usr/sbin/sshd, sftp)
                      --case LIST         get,put,many,idle (default all; many = many-put,many-get)
                      --cipher LIST       ciphers of get/put (default aes128-gcm@openssh.com,chacha20-poly1305@openssh.com);
                                          many and idle use the first
                      --size-mib N        MiB per get/put (default 64; 1024 for the 1 GiB figures)
                      --rounds N          rounds of ours, sshd per case (default 3)
                      --files N           files of many-put/many-get (default 200; 10000 for the full figure)
                      --file-kib N        KiB per such file (default 4)
                      --idle N            idle SFTP sessions per server for the memory figure (default 50)
                      --parallel N        idle sessions set up at once, 1-10 (default 8)
                      --warmup-mib N      before the rounds, one untimed get+put of N MiB per cipher and one
                                          put -r/get -r of min(files, 100) files per server (default 16; 0: none)
                      --server-java PATH  java for tether server (default: this JVM's); its jcmd reads the heap
                      --server-opts "..." JVM options for tether server, e.g. "-Xmx1g -XX:+UseSerialGC"
                      --tether-cp CP      class path of tether-cli (default: tether-cli/target/tether-cli.jar and
                                          tether-cli/target/lib/* beside this jar's tether-bench)
                      --kex NAME          key exchange forced on the sftp client (default curve25519-sha256)
                      --sshd PATH         default /usr/sbin/sshd
                      --sftp-server PATH  sshd's sftp subsystem (default /usr/lib/openssh/sftp-server)
                    """;
    }

    // ------------------------------------------------------------------ main

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        BenchSupport.runAndExit("sftp-bench", (dir, cleanup) -> new SftpProcessBench(o, dir, cleanup).run());
    }

    private static void progress(String s) {
        System.err.println("[sftp-bench] " + s);
    }

    private void run() throws Exception {
        boolean transfers = o.cases.stream().anyMatch(c -> !c.equals("idle"));
        setUp();
        printHeader();
        if (transfers) {
            transfers(makeData());
        }
        if (o.has("idle")) {
            idle();
        }
    }

    // ------------------------------------------------------------------ set-up

    private void setUp() throws Exception {
        makeKeys(dir);
        for (String d : List.of("data", "client", "remote", "idle")) {
            Files.createDirectories(dir.resolve(d));
        }
        if (!Files.isExecutable(Path.of(o.sftpServer))) {
            throw new IllegalStateException(o.sftpServer + " is missing: apt-get install openssh-server (openssh-sftp-server)");
        }
        Path serverJava = Path.of(o.serverJava).toRealPath();
        jcmd = serverJava.resolveSibling("jcmd").toString();
        ours = cleanup.add(new BenchTetherServer(dir, o.serverJava, o.serverOpts, SftpBenchCases.tetherClasspath(o.tetherClasspath),
                user, dir.resolve("remote"), SftpProcessBench::progress));
        sshd = cleanup.add(new BenchSshd(dir, o.sshdPath, serverEnvironment(user), List.of(
                "Subsystem sftp " + o.sftpServer)));
        progress("sshd pid " + sshd.pid() + " on port " + sshd.port);
        String hostPub = Files.readString(dir.resolve("host_ed25519.pub")).trim();
        Files.writeString(dir.resolve("known_hosts"), "[127.0.0.1]:" + ours.port + " " + hostPub + "\n"
                + "[127.0.0.1]:" + sshd.port + " " + hostPub + "\n");
    }

    private void printHeader() throws Exception {
        out("# SFTP process benchmark: tether server vs OpenSSH sshd + sftp-server, OpenSSH sftp as the client of both");
        out("");
        out("- machine: " + machine());
        out("- ours: `tether server` (" + TETHER_MAIN + " from " + ours.classpath + "), JVM " + ours.version
                + (o.serverOpts.isEmpty() ? "" : " " + String.join(" ", o.serverOpts)) + "; " + ours.subsystems);
        out("- sshd: " + o.sshdPath + " with `Subsystem sftp " + o.sftpServer + "`; "
                + capture(List.of("ssh", "-V"), Duration.ofSeconds(10)).trim());
        out("- client: `" + String.join(" ", sftpCommand(ours, o.ciphers.get(0), "BATCH")).replace(dir.toString(), "$TMP")
                .replace(Integer.toString(ours.port), "PORT") + "`");
        out("- server CPU = utime+stime (+ reaped children) of every process of the server's tree, from /proc, "
                + "sampled with no client connected");
    }

    private String capture(List<String> cmd, Duration max) throws Exception {
        return BenchSupport.capture(dir, cmd, max);
    }

    // ------------------------------------------------------------------ data

    private Data makeData() throws Exception {
        return Data.make(dir.resolve("data"), o.cases, o.sizeMib * MIB, o.warmupMib * MIB, o.files,
                o.warmupMib > 0 ? Math.min(o.files, 100) : 0, o.fileKib, SftpProcessBench::progress);
    }


    // ------------------------------------------------------------------ servers

    private List<Server> servers() {
        return List.of(ours, sshd);
    }

    // ------------------------------------------------------------------ the sftp client

    /** OpenSSH's sftp against {@code s}; {@code batch} is a file or {@code -} (stdin). */
    private List<String> sftpCommand(Server s, String cipher, String batch) {
        return SftpBenchCases.sftpCommand(dir, user, s.port(), cipher, o.kex, batch);
    }

    /**
     * One measured sftp batch of one case; afterwards (untimed) the copy is checked against the
     * source and deleted.
     */
    private Run runCase(Server s, Case c, Data d, boolean warmup) throws Exception {
        boolean bulk = c.kind().bulk();
        Path src = d.source(c.kind(), warmup);
        Path dst = dir.resolve(c.kind().toServer() ? "remote" : "client").resolve(s.name() + "-" + src.getFileName());
        deleteTree(dst);
        Path batch = dir.resolve("batch.txt");
        Files.writeString(batch, SftpBenchCases.batchLine(c.kind(), src, dst));
        Path err = dir.resolve("sftp.err");
        ProcessBuilder pb = new ProcessBuilder(sftpCommand(s, c.cipher(), batch.toString()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(dir.resolve("sftp.out").toFile()).redirectError(err.toFile());
        long count = bulk ? Files.size(src) / MIB : o.files;
        Duration max = Duration.ofSeconds(60 + (bulk ? count : count / 20)); // at least 1 MiB/s, 20 files/s
        Run r = measured(s, pb, max, c.label(), err);
        d.checkAndDelete(c.kind(), warmup, dst, c.label() + " on " + s.name());
        return r;
    }

    private List<Case> cases() {
        return Case.all(o.cases, o.ciphers, o.files);
    }

    // ------------------------------------------------------------------ get, put, many

    private void transfers(Data d) throws Exception {
        List<Case> cases = cases();
        if (o.warmupMib > 0) {
            progress("warm-up: each case once per server, untimed (" + human(o.warmupMib * MIB) + ", "
                    + Math.min(o.files, 100) + " files)");
            for (Case c : cases) {
                for (Server s : servers()) {
                    runCase(s, c, d, true);
                }
            }
        }
        Map<Case, List<Run>> a = new LinkedHashMap<>();
        Map<Case, List<Run>> b = new LinkedHashMap<>();
        for (int round = 1; round <= o.rounds; round++) {
            for (Case c : cases) {
                Run x = runCase(ours, c, d, false);
                Run y = runCase(sshd, c, d, false);
                a.computeIfAbsent(c, k -> new ArrayList<>()).add(x);
                b.computeIfAbsent(c, k -> new ArrayList<>()).add(y);
                progress(String.format(Locale.ROOT, "round %d %-48s ours %7.2f s (server CPU %6.2f s)  sshd %7.2f s (CPU %6.2f s)",
                        round, c.label(), x.wallSeconds(), x.serverCpuSeconds(), y.wallSeconds(), y.serverCpuSeconds()));
            }
        }
        out("");
        out(String.format(Locale.ROOT, "## SFTP transfers: %s per get/put, %d files of %d KiB per put -r/get -r; %d round%s of ours, sshd; "
                + "medians, ratio = median of the per-round ratios ours/sshd", human(o.sizeMib * MIB), o.files, o.fileKib, o.rounds,
                o.rounds == 1 ? "" : "s"));
        out("");
        out("| case | ours s | sshd s | ours rate | sshd rate | wall ours/sshd | ours CPU s | sshd CPU s | CPU ours/sshd |");
        out("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Case c : a.keySet()) {
            Compared m = Compared.of(a.get(c), b.get(c));
            boolean bulk = c.kind().bulk();
            double amount = bulk ? o.sizeMib * MIB / 1e6 : o.files;
            String unit = bulk ? " MB/s" : " files/s";
            out(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.0f%s | %.0f%s | %.2f | %.2f | %.2f | %.2f |", c.label(),
                    m.wallA(), m.wallB(), amount / m.wallA(), unit, amount / m.wallB(), unit, m.wallRatio(),
                    m.cpuA(), m.cpuB(), m.cpuRatio()));
        }
        out("");
        out("Wall time is the whole `sftp` process (connect, key exchange, auth, transfer, exit); every copy was "
                + "checked by SHA-256 against its source after the run.");
    }

    // ------------------------------------------------------------------ idle sessions

    /** Idle {@code sftp -b -} clients, each with its batch stdin held open; closing it ends them. */
    private final class IdleSessions implements AutoCloseable {
        private final List<Process> processes = new ArrayList<>();
        private final List<OutputStream> stdins = new ArrayList<>();

        /**
         * Opens {@code n} sessions, {@code --parallel} at a time; each is ready once it has answered
         * {@code pwd} (the SFTP session is up: subsystem started, version exchanged, realpath done).
         */
        IdleSessions(Server s, int n) throws Exception {
            String cipher = o.ciphers.get(0);
            for (int start = 0; start < n; start += o.parallel) {
                List<Integer> wave = new ArrayList<>();
                for (int i = start; i < Math.min(n, start + o.parallel); i++) {
                    Path outFile = dir.resolve("idle").resolve(s.name() + "-" + i + ".out");
                    Process p = new ProcessBuilder(sftpCommand(s, cipher, "-")).redirectOutput(outFile.toFile())
                            .redirectError(dir.resolve("idle").resolve(s.name() + "-" + i + ".err").toFile()).start();
                    processes.add(p);
                    stdins.add(p.getOutputStream());
                    p.getOutputStream().write("pwd\n".getBytes(StandardCharsets.US_ASCII));
                    p.getOutputStream().flush();
                    wave.add(i);
                }
                for (int i : wave) {
                    Path outFile = dir.resolve("idle").resolve(s.name() + "-" + i + ".out");
                    Process p = processes.get(i);
                    boolean ready = await(() -> !p.isAlive() || read(outFile).contains("Remote working directory:"),
                            Duration.ofSeconds(60), Duration.ofMillis(10));
                    if (!ready || !p.isAlive()) {
                        throw new IllegalStateException("idle session " + i + " on " + s.name() + " did not come up: "
                                + read(outFile) + read(dir.resolve("idle").resolve(s.name() + "-" + i + ".err")));
                    }
                }
            }
        }

        private static String read(Path p) {
            try {
                return Files.readString(p);
            } catch (IOException e) {
                return "";
            }
        }

        /** Ends every session (EOF on its batch), bounded; kills what is left. */
        @Override
        public void close() {
            for (OutputStream in : stdins) {
                try {
                    in.close();
                } catch (IOException e) {
                    // gone already
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (Process p : processes) {
                try {
                    if (!p.waitFor(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                        p.descendants().forEach(ProcessHandle::destroyForcibly);
                        p.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    p.destroyForcibly();
                }
            }
        }
    }

    /** The server's memory: heap after GC (ours only, else -1, bytes) and its process tree's RSS, PSS, processes, threads. */
    private record Memory(long heapBytes, long rssKib, long pssKib, long processes, long threads) {
    }

    private Memory memory(Server s) throws Exception {
        long heap = s == ours ? ours.heapUsedAfterGc(jcmd) : -1;
        long[] m = ProcStat.treeMemory(s.pid());
        return new Memory(heap, m[0], m[1], m[2], m[3]);
    }

    /** Memory growth per session: {@code [heap KiB, RSS KiB, PSS KiB, processes, threads]}. */
    private double[] idleSet(Server s, int n) throws Exception {
        progress("idle: warm-up, " + Math.min(n, o.parallel) + " sessions on " + s.name());
        try (IdleSessions warm = cleanup.add(new IdleSessions(s, Math.min(n, o.parallel)))) {
            progress("idle: warm-up sessions are up");
        }
        s.awaitQuiet(Duration.ofSeconds(60));
        Memory base = memory(s);
        long t0 = System.nanoTime();
        try (IdleSessions sessions = cleanup.add(new IdleSessions(s, n))) {
            double openSeconds = (System.nanoTime() - t0) / 1e9;
            if (!await(() -> ProcStat.openTcpConnections(s.port()) == n, Duration.ofSeconds(30), Duration.ofMillis(10))) {
                progress("warning: " + ProcStat.openTcpConnections(s.port()) + " TCP connections on " + s.name() + ", not " + n);
            }
            Memory loaded = memory(s);
            progress(String.format(Locale.ROOT, "idle: %d sessions on %s opened in %.1f s; heap %s, RSS %d -> %d KiB, "
                    + "processes %d -> %d", n, s.name(), openSeconds,
                    base.heapBytes < 0 ? "n/a" : (base.heapBytes / 1024 + " -> " + loaded.heapBytes / 1024 + " KiB"),
                    base.rssKib, loaded.rssKib, base.processes, loaded.processes));
            return new double[] {
                    base.heapBytes < 0 ? Double.NaN : (loaded.heapBytes - base.heapBytes) / 1024.0 / n,
                    (loaded.rssKib - base.rssKib) / (double) n,
                    base.pssKib < 0 || loaded.pssKib < 0 ? Double.NaN : (loaded.pssKib - base.pssKib) / (double) n,
                    (loaded.processes - base.processes) / (double) n,
                    (loaded.threads - base.threads) / (double) n};
        } finally {
            s.awaitQuiet(Duration.ofSeconds(60));
        }
    }

    private void idle() throws Exception {
        double[] a = idleSet(ours, o.idle);
        double[] b = idleSet(sshd, o.idle);
        out("");
        out(String.format(Locale.ROOT, "## Memory per idle SFTP session: %d sessions per server (`sftp -b -`, batch stdin held open, "
                + "each ready after answering `pwd`), growth over the same server with no session, per session", o.idle));
        out("");
        out("| server | heap after GC KiB/session | RSS KiB/session | PSS KiB/session | processes/session | OS threads/session |");
        out("|---|---:|---:|---:|---:|---:|");
        out(String.format(Locale.ROOT, "| ours (tether server JVM + its children) | %.1f | %.1f | %.1f | %.2f | %.2f |",
                a[0], a[1], a[2], a[3], a[4]));
        out(String.format(Locale.ROOT, "| sshd (+ per-connection sshd, sftp-server) | n/a | %.1f | %.1f | %.2f | %.2f |",
                b[1], b[2], b[3], b[4]));
        out(String.format(Locale.ROOT, "| ratio ours/sshd | %.3f (ours heap / sshd RSS) | %.2f | %.2f | | |",
                a[0] / b[1], a[1] / b[1], a[2] / b[2]));
        out("");
        out("Heap: `jcmd PID GC.run` x3 then `GC.heap_info` (used). RSS: sum of VmRSS over the server's process tree "
                + "(shared pages counted once per process); PSS: sum of Pss from smaps_rollup (shared pages divided among "
                + "their processes).");
    }
}
