package dev.tether.bench;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.zip.CRC32;

import static dev.tether.bench.BenchSupport.MIB;
import static dev.tether.bench.BenchSupport.freePort;
import static dev.tether.bench.BenchSupport.human;
import static dev.tether.bench.BenchSupport.javaVersion;
import static dev.tether.bench.BenchSupport.machine;
import static dev.tether.bench.BenchSupport.makeKeys;
import static dev.tether.bench.BenchSupport.median;
import static dev.tether.bench.BenchSupport.medianRatio;
import static dev.tether.bench.BenchSupport.out;
import static dev.tether.bench.BenchSupport.serverEnvironment;
import static dev.tether.bench.BenchSupport.stopProcess;

/**
 * Port-forwarding benchmark: bulk data through an {@code ssh -L} tunnel to a sink on loopback,
 * Tether against OpenSSH, interleaved per round. Two cases:
 * <ul>
 *   <li><b>server</b>: OpenSSH's {@code ssh -N -L} as the client of {@code tether server}
 *       (tether-cli, its own JVM, forwarding on by default) and of a private OpenSSH sshd;</li>
 *   <li><b>client</b>: {@code tether ssh -N -L} (tether-cli, its own JVM per tunnel, as bin/tether
 *       runs it) and OpenSSH's {@code ssh -N -L}, both against the private sshd.</li>
 * </ul>
 * Per case, cipher and round: the tunnel process starts; this JVM connects to its local port
 * (retried until the port accepts, so no blind sleep: both clients bind it only after the
 * connection is authenticated), writes N bytes of a fixed pattern from one reused buffer, shuts
 * its output down, and the sink (a {@link ServerSocket} in this JVM) reads to EOF, counting bytes
 * and a CRC32. Timed from the successful connect to the sink holding all N bytes. The count and
 * the CRC32 must match what was sent, and the sink must see EOF, or the run fails. Then the tunnel
 * process is stopped (SIGTERM) and the server left quiet. See tether-bench/README.md.
 */
public final class ForwardBench {
    private final Options o;
    private final Path dir;
    private final BenchSupport.Cleanup cleanup;
    private final String user = System.getProperty("user.name");
    private BenchTetherServer ours;
    private BenchSshd sshd;
    private Sink sink;
    private String tetherClasspath;
    private String tetherJvmArgs;
    private String cliJavaVersion;

    private ForwardBench(Options o, Path dir, BenchSupport.Cleanup cleanup) {
        this.o = o;
        this.dir = dir;
        this.cleanup = cleanup;
    }

    // ------------------------------------------------------------------ options

    static final class Options {
        List<String> cases = List.of("server", "client");
        List<String> ciphers = List.of("aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com");
        long sizeMib = 1024;
        int rounds = 3;
        long warmupMib = 64;
        long tunnelWarmupMib = 256;
        String kex = "curve25519-sha256";
        String serverJava = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> serverOpts = List.of();
        String cliJava = serverJava;
        List<String> cliOpts = List.of();
        String tetherClasspath;
        String sshdPath = "/usr/sbin/sshd";

        static Options parse(String[] args) {
            Options o = new Options();
            BenchOptions p = new BenchOptions(USAGE)
                    .value("--case|--cases", v -> o.cases = BenchOptions.list(v))
                    .value("--cipher|--ciphers", v -> o.ciphers = BenchOptions.list(v))
                    .value("--size-mib", v -> o.sizeMib = Long.parseLong(v))
                    .value("--rounds", v -> o.rounds = Integer.parseInt(v))
                    .value("--warmup-mib", v -> o.warmupMib = Long.parseLong(v))
                    .value("--tunnel-warmup-mib", v -> o.tunnelWarmupMib = Long.parseLong(v))
                    .value("--kex", v -> o.kex = v)
                    .value("--server-java", v -> o.serverJava = v)
                    .value("--server-opts", v -> o.serverOpts = BenchOptions.words(v))
                    .value("--cli-java", v -> o.cliJava = v)
                    .value("--cli-opts", v -> o.cliOpts = BenchOptions.words(v))
                    .value("--tether-cp", v -> o.tetherClasspath = v)
                    .value("--sshd", v -> o.sshdPath = v);
            p.parse(args);
            p.check(o.sizeMib >= 1 && o.sizeMib <= 64 * 1024 && o.rounds >= 1 && o.rounds <= 100 && o.warmupMib >= 0 && o.tunnelWarmupMib >= 0
                    && !o.ciphers.isEmpty() && !o.cases.isEmpty());
            p.checkKnown(o.cases, List.of("server", "client"), "case");
            return o;
        }

        static final String USAGE = """
                usage: ForwardBench [options]   (Linux, loopback; runs tether server, tether ssh, /usr/sbin/sshd, ssh)
                  --case LIST         server,client (default both): server = OpenSSH ssh -L through tether server
                                      vs through sshd; client = tether ssh -L vs OpenSSH ssh -L, both to sshd
                  --cipher LIST       default aes128-gcm@openssh.com,chacha20-poly1305@openssh.com
                  --size-mib N        MiB per transfer (default 1024)
                  --rounds N          rounds of ours, openssh per case and cipher (default 3)
                  --warmup-mib N      before the rounds, one untimed transfer of min(N, size) MiB per case,
                                      cipher and side, each through its own tunnel (default 64; 0: none)
                  --tunnel-warmup-mib N  in every tunnel, an untimed transfer of N MiB before the measured
                                      one, as a long-lived tunnel has had (default 256; 0: measure the first)
                  --kex NAME          key exchange forced on every client (default curve25519-sha256)
                  --server-java PATH  java for tether server (default: this JVM's)
                  --server-opts "..." JVM options for tether server
                  --cli-java PATH     java for tether ssh (default: this JVM's)
                  --cli-opts "..."    JVM options for tether ssh, e.g. "-XX:TieredStopAtLevel=1"
                  --tether-cp CP      class path of tether-cli (default: tether-cli/target/tether-cli.jar and
                                      tether-cli/target/lib/* beside this jar's tether-bench)
                  --sshd PATH         default /usr/sbin/sshd
                """;
    }

    // ------------------------------------------------------------------ main

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        BenchSupport.runAndExit("forward-bench", (dir, cleanup) -> new ForwardBench(o, dir, cleanup).run());
    }

    private static void progress(String s) {
        System.err.println("[forward-bench] " + s);
    }

    private void run() throws Exception {
        setUp();
        printHeader();
        measure();
    }

    // ------------------------------------------------------------------ set-up

    private void setUp() throws Exception {
        makeKeys(dir);
        tetherClasspath = SftpBenchCases.tetherClasspath(o.tetherClasspath);
        tetherJvmArgs = SftpBenchCases.tetherJvmArgs();
        sink = cleanup.add(new Sink());
        sshd = cleanup.add(new BenchSshd(dir, o.sshdPath, serverEnvironment(user), List.of("AllowTcpForwarding yes")));
        progress("sshd pid " + sshd.pid() + " on port " + sshd.port);
        String hostPub = Files.readString(dir.resolve("host_ed25519.pub")).trim();
        StringBuilder knownHosts = new StringBuilder("[127.0.0.1]:" + sshd.port + " " + hostPub + "\n");
        if (o.cases.contains("server")) {
            ours = cleanup.add(new BenchTetherServer(dir, o.serverJava, o.serverOpts, tetherClasspath, user,
                    Files.createDirectories(dir.resolve("root")), ForwardBench::progress));
            knownHosts.append("[127.0.0.1]:").append(ours.port).append(' ').append(hostPub).append('\n');
        }
        if (o.cases.contains("client")) {
            cliJavaVersion = javaVersion(dir, o.cliJava);
        }
        Files.writeString(dir.resolve("known_hosts"), knownHosts);
    }

    private String anonymous(List<String> cmd) {
        String s = String.join(" ", cmd).replace(dir.toString(), "$TMP").replace(tetherClasspath, "CP");
        return s.replaceAll("-L 127\\.0\\.0\\.1:\\d+:127\\.0\\.0\\.1:\\d+", "-L 127.0.0.1:LPORT:127.0.0.1:SINK")
                .replaceAll("-p \\d+", "-p PORT");
    }

    private void printHeader() throws Exception {
        String cipher = o.ciphers.get(0);
        out("# Port-forwarding benchmark: " + human(o.sizeMib * MIB) + " through an ssh -L tunnel to a sink on loopback");
        out("");
        out("- machine: " + machine());
        out("- bench JVM (source and sink): " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        out("- openssh client: `" + anonymous(sshCommand(sshd.port, cipher, 1)) + "`; "
                + BenchSupport.capture(dir, List.of("ssh", "-V"), Duration.ofSeconds(10)).trim());
        if (ours != null) {
            out("- tether server: `tether server` (" + BenchTetherServer.MAIN + " from CP), " + ours.version
                    + (o.serverOpts.isEmpty() ? "" : " " + String.join(" ", o.serverOpts))
                    + ", flags --listen --port --host-key --authorized-keys --root (forwarding on by default)");
        }
        if (o.cases.contains("client")) {
            out("- tether ssh: `" + anonymous(tetherSshCommand(sshd.port, cipher, 1)) + "`; " + cliJavaVersion);
        }
        out("- sshd: " + o.sshdPath + " (config as in PEERS.md, AllowTcpForwarding yes)");
        out("- CP = " + tetherClasspath);
    }

    // ------------------------------------------------------------------ the sink

    /** What the sink saw on one connection: bytes, their CRC32, when the last expected byte came, whether EOF came. */
    private record Received(long bytes, long crc, long fullNanos, boolean eof, String error) {
    }

    /**
     * A listener on 127.0.0.1 in this JVM: every connection is read to EOF into one 64 KiB buffer
     * per connection, counting bytes and a CRC32; its result goes to {@link #results}. The time at
     * which the count reached {@link #expected} is kept, so a tunnel that is slow to pass EOF on
     * does not count against its throughput (the run still fails without EOF).
     */
    private static final class Sink implements AutoCloseable {
        final ServerSocket server;
        final BlockingQueue<Received> results = new LinkedBlockingQueue<>();
        volatile long expected;

        Sink() throws IOException {
            server = new ServerSocket();
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            Thread acceptor = new Thread(this::accept, "sink-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread t = new Thread(() -> read(s), "sink-read");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    // closed
                }
            }
        }

        private void read(Socket s) {
            byte[] buf = new byte[64 * 1024];
            CRC32 crc = new CRC32();
            long total = 0;
            long full = 0;
            long want = expected;
            try (s; InputStream in = s.getInputStream()) {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    crc.update(buf, 0, n);
                    total += n;
                    if (full == 0 && total >= want) {
                        full = System.nanoTime();
                    }
                }
                results.add(new Received(total, crc.getValue(), full, true, null));
            } catch (IOException e) {
                results.add(new Received(total, crc.getValue(), full, false, e.toString()));
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    // ------------------------------------------------------------------ the source

    /** The source's pattern: 65,521 (a prime) pseudo-random bytes, repeated, so that a lost or repeated chunk changes the CRC. */
    private static final byte[] PATTERN = new byte[65521];

    static {
        new Random(20261207).nextBytes(PATTERN);
    }

    /** The CRC32 of the first {@code bytes} bytes of the repeated pattern. */
    private static long patternCrc(long bytes) {
        CRC32 crc = new CRC32();
        for (long left = bytes; left > 0; ) {
            int n = (int) Math.min(PATTERN.length, left);
            crc.update(PATTERN, 0, n);
            left -= n;
        }
        return crc.getValue();
    }

    // ------------------------------------------------------------------ tunnels

    /** Closes the source's socket of a transfer that overruns its time limit. */
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "transfer-watchdog");
        t.setDaemon(true);
        return t;
    });

    /** Who does what in a case: the tunnel client is ours or OpenSSH's; the server ours or sshd. */
    private enum Side {
        OURS, OPENSSH
    }

    private List<String> sshCommand(int port, String cipher, int localPort) {
        return List.of("ssh", "-N", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes",
                "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + dir.resolve("known_hosts"),
                "-o", "IdentitiesOnly=yes", "-i", dir.resolve("id_ed25519").toString(), "-p", Integer.toString(port),
                "-c", cipher, "-o", "KexAlgorithms=" + o.kex, "-o", "HostKeyAlgorithms=ssh-ed25519", "-o", "LogLevel=ERROR",
                "-L", "127.0.0.1:" + localPort + ":127.0.0.1:" + sink.port(), user + "@127.0.0.1");
    }

    /**
     * {@code tether ssh} with the same settings as OpenSSH's ssh ({@code -o Ciphers=} for {@code -c},
     * which it does not take), run as bin/tether runs it, without bin/tether's is-the-build-stale check.
     */
    private List<String> tetherSshCommand(int port, String cipher, int localPort) {
        List<String> cmd = new ArrayList<>(List.of(o.cliJava, tetherJvmArgs));
        cmd.addAll(o.cliOpts);
        cmd.addAll(List.of("-cp", tetherClasspath, BenchTetherServer.MAIN, "ssh", "-N", "-F", "/dev/null",
                "-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes",
                "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + dir.resolve("known_hosts"),
                "-o", "IdentitiesOnly=yes", "-i", dir.resolve("id_ed25519").toString(), "-p", Integer.toString(port),
                "-o", "Ciphers=" + cipher, "-o", "KexAlgorithms=" + o.kex, "-o", "HostKeyAlgorithms=ssh-ed25519",
                "-o", "LogLevel=ERROR", "-L", "127.0.0.1:" + localPort + ":127.0.0.1:" + sink.port(), user + "@127.0.0.1"));
        return cmd;
    }

    /** The server of a case's side. */
    private BenchSupport.Server server(String kase, Side side) {
        return kase.equals("server") && side == Side.OURS ? ours : sshd;
    }

    /** Wall time of the transfer, the tunnel client's CPU and the server tree's CPU meanwhile. */
    private record Sample(double wallSeconds, double clientCpuSeconds, double serverCpuSeconds) {
        double cpuSeconds() {
            return clientCpuSeconds + serverCpuSeconds;
        }
    }

    /**
     * One tunnel of one side: started once the server is quiet, one transfer of {@code bytes}
     * through it (measured), stopped; the server is left quiet again.
     */
    private Sample tunnel(String kase, Side side, String cipher, long bytes) throws Exception {
        BenchSupport.Server server = server(kase, side);
        server.awaitQuiet(Duration.ofSeconds(20));
        int localPort = freePort();
        boolean tetherClient = kase.equals("client") && side == Side.OURS;
        List<String> cmd = tetherClient ? tetherSshCommand(server.port(), cipher, localPort)
                : sshCommand(server.port(), cipher, localPort);
        String what = kase + " " + cipher + " " + label(kase, side);
        Path err = dir.resolve("tunnel.err");
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(err.toFile()).redirectErrorStream(true).start();
        try {
            if (o.tunnelWarmupMib > 0) {
                // a tunnel is long-lived: the measured transfer is not its first (tether ssh's JIT is warm)
                transfer(p, server, localPort, o.tunnelWarmupMib * MIB, what + " (tunnel warm-up)", err);
                server.awaitQuiet(Duration.ofSeconds(20));
            }
            return transfer(p, server, localPort, bytes, what, err);
        } finally {
            stopProcess(p, Duration.ofSeconds(10));
            server.awaitQuiet(Duration.ofSeconds(20));
        }
    }

    private Sample transfer(Process p, BenchSupport.Server server, int localPort, long bytes, String what, Path err)
            throws Exception {
        long deadlineNanos = TimeUnit.SECONDS.toNanos(60 + bytes / MIB); // at least 1 MiB/s
        long expectedCrc = patternCrc(bytes);
        // before the connect: the client opens its channel to the sink as soon as it accepts
        sink.results.clear();
        sink.expected = bytes;
        Socket s = connectWhenReady(p, localPort, Duration.ofSeconds(60), what, err);
        long t0 = System.nanoTime();
        long client0 = ProcStat.processCpuNanos(p.pid());
        long server0 = server.cpuNanos();
        // a stalled tunnel would block write() for ever: closing the socket at the deadline ends it
        ScheduledFuture<?> watchdog = WATCHDOG.schedule(() -> {
            try {
                s.close();
            } catch (IOException e) {
                // closed already
            }
        }, deadlineNanos, TimeUnit.NANOSECONDS);
        try (s; OutputStream out = s.getOutputStream()) {
            for (long left = bytes; left > 0; ) {
                int n = (int) Math.min(PATTERN.length, left);
                out.write(PATTERN, 0, n);
                left -= n;
            }
            out.flush();
            s.shutdownOutput();
            Received r = sink.results.poll(Math.max(1, deadlineNanos - (System.nanoTime() - t0)), TimeUnit.NANOSECONDS);
            long client1 = ProcStat.processCpuNanos(p.pid());
            long server1 = server.cpuNanos();
            if (r == null) {
                throw new IllegalStateException(what + ": the sink had no complete connection within "
                        + TimeUnit.NANOSECONDS.toSeconds(deadlineNanos) + " s; tunnel output: " + Files.readString(err));
            }
            if (!r.eof() || r.bytes() != bytes || r.crc() != expectedCrc) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "%s: the sink got %d bytes (CRC32 %08x, EOF %s%s), sent %d (CRC32 %08x); tunnel output: %s",
                        what, r.bytes(), r.crc(), r.eof(), r.error() == null ? "" : ", " + r.error(), bytes, expectedCrc,
                        Files.readString(err)));
            }
            return new Sample((r.fullNanos() - t0) / 1e9, (client1 - client0) / 1e9, (server1 - server0) / 1e9);
        } catch (IOException e) {
            throw new IllegalStateException(what + ": sending failed" + (watchdog.isDone() ? " (time limit "
                    + TimeUnit.NANOSECONDS.toSeconds(deadlineNanos) + " s)" : "") + ": " + e + "; tunnel output: "
                    + Files.readString(err), e);
        } finally {
            watchdog.cancel(false);
        }
    }

    /**
     * Connects to the tunnel's local port, retrying every 10 ms while it refuses (the client binds
     * it once authenticated), until {@code max}; fails if the tunnel process exits first.
     */
    private static Socket connectWhenReady(Process p, int port, Duration max, String what, Path err) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            if (!p.isAlive()) {
                throw new IllegalStateException(what + ": the tunnel exited with " + p.exitValue() + ": " + Files.readString(err));
            }
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return s;
            } catch (IOException e) {
                s.close();
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(what + ": port " + port + " did not open within " + max
                            + "; tunnel output: " + Files.readString(err));
                }
                Thread.sleep(10);
            }
        }
    }

    private static String label(String kase, Side side) {
        if (kase.equals("server")) {
            return side == Side.OURS ? "tether server" : "sshd";
        }
        return side == Side.OURS ? "tether ssh" : "openssh ssh";
    }

    // ------------------------------------------------------------------ rounds and report

    private record Key(String kase, String cipher) {
    }

    private void measure() throws Exception {
        long size = o.sizeMib * MIB;
        if (o.warmupMib > 0) {
            long w = Math.min(o.warmupMib, o.sizeMib) * MIB;
            progress("warm-up: one untimed transfer of " + human(w) + " per case, cipher and side");
            for (String kase : o.cases) {
                for (String cipher : o.ciphers) {
                    for (Side side : Side.values()) {
                        tunnel(kase, side, cipher, w);
                    }
                }
            }
        }
        Map<Key, Map<Side, List<Sample>>> samples = new LinkedHashMap<>();
        for (int round = 1; round <= o.rounds; round++) {
            for (String kase : o.cases) {
                for (String cipher : o.ciphers) {
                    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "round %d %-6s %-30s", round, kase, cipher));
                    for (Side side : Side.values()) {
                        Sample x = tunnel(kase, side, cipher, size);
                        samples.computeIfAbsent(new Key(kase, cipher), k -> new LinkedHashMap<>())
                                .computeIfAbsent(side, k -> new ArrayList<>()).add(x);
                        line.append(String.format(Locale.ROOT, "  %s %.2f s (client CPU %.2f, server CPU %.2f)",
                                label(kase, side), x.wallSeconds(), x.clientCpuSeconds(), x.serverCpuSeconds()));
                    }
                    progress(line.toString());
                }
            }
        }
        report(samples);
    }

    private void report(Map<Key, Map<Side, List<Sample>>> samples) {
        double mb = o.sizeMib * MIB / 1e6;
        out("");
        out(String.format(Locale.ROOT, "## %s through an ssh -L tunnel; %d round%s of ours, openssh; medians, ratios = "
                + "medians of the per-round ratios ours/openssh", human(o.sizeMib * MIB), o.rounds, o.rounds == 1 ? "" : "s"));
        out("");
        out("| case | cipher | ours | ours s | openssh s | ours MB/s | openssh MB/s | wall ours/openssh "
                + "| client CPU s ours / openssh | server CPU s ours / openssh | CPU ours/openssh |");
        out("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Map.Entry<Key, Map<Side, List<Sample>>> e : samples.entrySet()) {
            Key k = e.getKey();
            List<Sample> a = e.getValue().get(Side.OURS);
            List<Sample> b = e.getValue().get(Side.OPENSSH);
            double wa = med(a, Sample::wallSeconds);
            double wb = med(b, Sample::wallSeconds);
            out(String.format(Locale.ROOT, "| %s | %s | %s vs %s | %.2f | %.2f | %.0f | %.0f | %.2f | %.2f / %.2f | %.2f / %.2f | %.2f |",
                    k.kase(), k.cipher(), label(k.kase(), Side.OURS), label(k.kase(), Side.OPENSSH), wa, wb, mb / wa, mb / wb,
                    medianRatio(a, b, Sample::wallSeconds), med(a, Sample::clientCpuSeconds), med(b, Sample::clientCpuSeconds),
                    med(a, Sample::serverCpuSeconds), med(b, Sample::serverCpuSeconds), medianRatio(a, b, Sample::cpuSeconds)));
        }
        out("");
        out("Wall: from the source's connect to the tunnel's local port to the sink holding every byte (MB = 10^6 bytes). "
                + "Client CPU: utime+stime of the tunnel process (ssh, or the tether ssh JVM) over the transfer; server CPU: "
                + "the server's process tree over the transfer (10 ms ticks); CPU ours/openssh: client + server. Source and "
                + "sink run in the bench JVM for both sides. Every transfer's byte count and CRC32 were checked at the sink.");
    }

    private static double med(List<Sample> x, ToDoubleFunction<Sample> f) {
        return median(x.stream().mapToDouble(f).toArray());
    }
}
