package dev.tether.bench;

import dev.tether.bench.SftpBenchCases.Case;
import dev.tether.bench.SftpBenchCases.Data;
import dev.tether.bench.SftpBenchCases.Kind;
import dev.tether.sftp.SftpClient;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.OpenSshKeyFile;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.tether.bench.BenchSupport.MIB;
import static dev.tether.bench.BenchSupport.deleteTree;
import static dev.tether.bench.BenchSupport.human;
import static dev.tether.bench.BenchSupport.machine;
import static dev.tether.bench.BenchSupport.makeKeys;
import static dev.tether.bench.BenchSupport.median;
import static dev.tether.bench.BenchSupport.serverEnvironment;

/**
 * SFTP client benchmark: Tether's {@link SftpClient}, run in this JVM, side by side with OpenSSH's
 * {@code sftp -b} client (a whole process, as {@link SftpProcessBench} runs it), both against the
 * same private OpenSSH sshd whose sftp subsystem is {@code /usr/lib/openssh/sftp-server}, on
 * loopback, alternating ours, openssh per round. Cases: one large get and put per cipher, and
 * {@code put -r} / {@code get -r} of many small files ({@link SftpClient#uploadTree} /
 * {@link SftpClient#downloadTree} for ours). See tether-bench/README.md.
 *
 * <p>Ours is timed from {@code Transport.connect} to the return of {@code SftpClient.close()},
 * with a fresh connection per run; before the rounds every case runs once per client untimed, so
 * that the JIT has compiled ours' paths. Every copy is checked by SHA-256 afterwards (untimed).
 */
public final class SftpClientBench {
    private final Options o;
    private final Path dir;
    private final BenchSupport.Cleanup cleanup;
    private final String user = System.getProperty("user.name");
    private final long self = ProcessHandle.current().pid();
    private BenchSshd sshd;
    private byte[] hostKeyBlob;
    private KeyPair userKey;

    private SftpClientBench(Options o, Path dir, BenchSupport.Cleanup cleanup) {
        this.o = o;
        this.dir = dir;
        this.cleanup = cleanup;
    }

    // ------------------------------------------------------------------ options

    static final class Options {
        static final List<String> CASES = List.of("get", "put", "many", "many-put", "many-get");

        long sizeMib = 64;
        int rounds = 3;
        List<String> cases = List.of("get", "put", "many");
        List<String> ciphers = List.of("aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com");
        int files = 200;
        int fileKib = 4;
        long warmupMib = 64;
        int warmupFiles = 500;
        String kex = "curve25519-sha256";
        String sshdPath = "/usr/sbin/sshd";
        String sftpServer = "/usr/lib/openssh/sftp-server";

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("-h") || a.equals("--help")) {
                    usage(0);
                }
                if (!a.startsWith("--") || i + 1 >= args.length) {
                    System.err.println("bad option " + a);
                    usage(2);
                }
                String v = args[++i];
                try {
                    switch (a) {
                        case "--size-mib" -> o.sizeMib = Long.parseLong(v);
                        case "--rounds" -> o.rounds = Integer.parseInt(v);
                        case "--case", "--cases" -> o.cases = List.of(v.split(","));
                        case "--cipher", "--ciphers" -> o.ciphers = List.of(v.split(","));
                        case "--files" -> o.files = Integer.parseInt(v);
                        case "--file-kib" -> o.fileKib = Integer.parseInt(v);
                        case "--warmup-mib" -> o.warmupMib = Long.parseLong(v);
                        case "--warmup-files" -> o.warmupFiles = Integer.parseInt(v);
                        case "--kex" -> o.kex = v;
                        case "--sshd" -> o.sshdPath = v;
                        case "--sftp-server" -> o.sftpServer = v;
                        default -> {
                            System.err.println("unknown option " + a);
                            usage(2);
                        }
                    }
                } catch (NumberFormatException e) {
                    System.err.println("not a number: " + a + " " + v);
                    usage(2);
                }
            }
            if (o.sizeMib < 1 || o.sizeMib > 64 * 1024 || o.rounds < 1 || o.rounds > 100 || o.files < 1 || o.files > 1_000_000
                    || o.fileKib < 0 || o.fileKib > 1024 || o.warmupMib < 0 || o.warmupFiles < 0 || o.ciphers.isEmpty()) {
                System.err.println("an option is out of range");
                usage(2);
            }
            for (String c : o.cases) {
                if (!CASES.contains(c)) {
                    System.err.println("unknown case " + c);
                    usage(2);
                }
            }
            return o;
        }

        boolean has(String c) {
            return cases.contains(c);
        }

        static void usage(int status) {
            System.err.println("""
                    usage: SftpClientBench [options]   (Linux, loopback; runs /usr/sbin/sshd + sftp-server and sftp)
                      --case LIST         get,put,many (default all; many = many-put,many-get)
                      --cipher LIST       ciphers of get/put (default aes128-gcm@openssh.com,chacha20-poly1305@openssh.com);
                                          many uses the first
                      --size-mib N        MiB per get/put (default 64; 1024 for the 1 GiB figures)
                      --rounds N          rounds of ours, openssh per case (default 3)
                      --files N           files of many-put/many-get (default 200; 10000 for the full figure)
                      --file-kib N        KiB per such file (default 4)
                      --warmup-mib N      before the rounds, one untimed get+put of min(N, size) MiB per cipher
                                          and client (default 64; 0: no warm-up at all)
                      --warmup-files N    and one untimed put -r/get -r of min(N, files) files (default 500)
                      --kex NAME          key exchange forced on both clients (default curve25519-sha256)
                      --sshd PATH         default /usr/sbin/sshd
                      --sftp-server PATH  sshd's sftp subsystem (default /usr/lib/openssh/sftp-server)
                    """);
            System.exit(status);
        }
    }

    // ------------------------------------------------------------------ main

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        BenchSupport.runAndExit("sftp-client-bench", (dir, cleanup) -> new SftpClientBench(o, dir, cleanup).run());
    }

    private static void progress(String s) {
        System.err.println("[sftp-client-bench] " + s);
    }

    private static void out(String s) {
        System.out.println(s);
        System.out.flush();
    }

    private void run() throws Exception {
        setUp();
        printHeader();
        transfers(makeData());
    }

    // ------------------------------------------------------------------ set-up

    private void setUp() throws Exception {
        makeKeys(dir);
        for (String d : List.of("data", "client", "remote")) {
            Files.createDirectories(dir.resolve(d));
        }
        if (!Files.isExecutable(Path.of(o.sftpServer))) {
            throw new IllegalStateException(o.sftpServer + " is missing: apt-get install openssh-server (openssh-sftp-server)");
        }
        sshd = cleanup.add(new BenchSshd(dir, o.sshdPath, serverEnvironment(user), List.of("Subsystem sftp " + o.sftpServer)));
        progress("sshd pid " + sshd.pid() + " on port " + sshd.port);
        String hostPub = Files.readString(dir.resolve("host_ed25519.pub")).trim();
        Files.writeString(dir.resolve("known_hosts"), "[127.0.0.1]:" + sshd.port + " " + hostPub + "\n");
        hostKeyBlob = Base64.getDecoder().decode(hostPub.split("\\s+")[1]);
        userKey = OpenSshKeyFile.read(dir.resolve("id_ed25519"));
        // tried once, untimed: a configuration our client cannot use fails here, not inside a measurement
        for (String cipher : o.ciphers) {
            try (SftpClient c = connect(cipher)) {
                c.home();
            }
        }
    }

    private void printHeader() throws Exception {
        out("# SFTP client benchmark: Tether's SftpClient (in this JVM) vs OpenSSH's sftp, both against OpenSSH sshd + sftp-server");
        out("");
        out("- machine: " + machine());
        out("- ours: `dev.tether.sftp.SftpClient` in the bench JVM, " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.runtime.version") + "; `Transport.connect` (ciphers CIPHER, kex " + o.kex
                + ", host key ssh-ed25519), `authPublickey` (ed25519), `SftpClient.open(transport, 60 s, true)`, "
                + "`download`/`upload`/`uploadTree`/`downloadTree` with `Transfer.DEFAULT`, `close()`");
        out("- openssh: `" + String.join(" ", sftpCommand(o.ciphers.get(0), "BATCH")).replace(dir.toString(), "$TMP")
                .replace(Integer.toString(sshd.port), "PORT") + "`; "
                + BenchSupport.capture(dir, List.of("ssh", "-V"), Duration.ofSeconds(10)).trim());
        out("- server: " + o.sshdPath + " with `Subsystem sftp " + o.sftpServer + "` (the same sshd for both clients)");
        out("- client CPU = utime+stime of the bench JVM plus its reaped children (the sftp and ssh processes), from "
                + "/proc/self/stat; server CPU = sshd's process tree, sampled with no client connected");
    }

    // ------------------------------------------------------------------ data

    private Data makeData() throws Exception {
        return Data.make(dir.resolve("data"), o.cases, o.sizeMib * MIB, o.warmupMib * MIB, o.files,
                o.warmupMib > 0 ? Math.min(o.files, o.warmupFiles) : 0, o.fileKib, SftpClientBench::progress);
    }

    // ------------------------------------------------------------------ the two clients

    private enum Client {
        OURS("ours"), OPENSSH("openssh");

        final String label;

        Client(String label) {
            this.label = label;
        }
    }

    /** Wall time, the client's CPU (this JVM + reaped children) and sshd's tree CPU of one run. */
    private record Sample(double wallSeconds, double clientCpuSeconds, double serverCpuSeconds) {
    }

    /** OpenSSH's sftp, as {@link SftpProcessBench} runs it. */
    private List<String> sftpCommand(String cipher, String batch) {
        return SftpBenchCases.sftpCommand(dir, user, sshd.port, cipher, o.kex, batch);
    }

    /** Ours: a fresh connection, authenticated, with its SFTP session; closing the client closes the connection. */
    private SftpClient connect(String cipher) throws Exception {
        TransportConfig config = TransportConfig.builder().ciphers(List.of(cipher)).kexAlgorithms(List.of(o.kex))
                .hostKeyAlgorithms(List.of("ssh-ed25519")).build();
        Transport t = Transport.connect("127.0.0.1", sshd.port, config, HostKeyVerifier.acceptKeys(List.of(hostKeyBlob)));
        try {
            t.authPublickey(user, userKey);
            return SftpClient.open(t, Duration.ofSeconds(60), true);
        } catch (Exception e) {
            t.close();
            throw e;
        }
    }

    private void oursTransfer(Kind kind, String cipher, Path src, Path dst) throws Exception {
        try (SftpClient c = connect(cipher)) {
            switch (kind) {
                case GET -> c.download(src.toString(), dst, SftpClient.Transfer.DEFAULT);
                case PUT -> c.upload(src, dst.toString(), SftpClient.Transfer.DEFAULT);
                case MANY_PUT -> c.uploadTree(src, dst.toString(), SftpClient.Transfer.DEFAULT);
                case MANY_GET -> c.downloadTree(src.toString(), dst, SftpClient.Transfer.DEFAULT);
            }
        }
    }

    private void opensshTransfer(Kind kind, String cipher, Path src, Path dst, Duration max, String what) throws Exception {
        Path batch = dir.resolve("batch.txt");
        Files.writeString(batch, SftpBenchCases.batchLine(kind, src, dst));
        Path err = dir.resolve("sftp.err");
        Process p = new ProcessBuilder(sftpCommand(cipher, batch.toString()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(dir.resolve("sftp.out").toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(max.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IllegalStateException(what + " did not finish within " + max);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(what + " failed with " + p.exitValue() + ": " + Files.readString(err));
        }
    }

    /**
     * One run of one case by one client, once sshd is quiet: wall time, client and server CPU;
     * afterwards (untimed) the copy is checked against the source and deleted.
     */
    private Sample runCase(Client client, Case c, Data d, boolean warmup) throws Exception {
        boolean bulk = c.kind().bulk();
        Path src = d.source(c.kind(), warmup);
        Path dst = dir.resolve(c.kind().toServer() ? "remote" : "client").resolve(client.label + "-" + src.getFileName());
        deleteTree(dst);
        String what = c.label() + " by " + client.label;
        long count = bulk ? Files.size(src) / MIB : o.files;
        Duration max = Duration.ofSeconds(60 + (bulk ? count : count / 20)); // at least 1 MiB/s, 20 files/s
        sshd.awaitQuiet(Duration.ofSeconds(20));
        long server0 = sshd.cpuNanos();
        long client0 = ProcStat.processCpuNanos(self);
        long t0 = System.nanoTime();
        if (client == Client.OURS) {
            oursTransfer(c.kind(), c.cipher(), src, dst);
        } else {
            opensshTransfer(c.kind(), c.cipher(), src, dst, max, what);
        }
        long wall = System.nanoTime() - t0;
        long clientCpu = ProcStat.processCpuNanos(self) - client0;
        if (client == Client.OURS && wall > max.toNanos()) {
            throw new IllegalStateException(what + " took " + wall / 1e9 + " s, more than " + max);
        }
        sshd.awaitQuiet(Duration.ofSeconds(20));
        long serverCpu = sshd.cpuNanos() - server0;
        d.checkAndDelete(c.kind(), warmup, dst, what);
        return new Sample(wall / 1e9, clientCpu / 1e9, serverCpu / 1e9);
    }

    private List<Case> cases() {
        return Case.all(o.cases, o.ciphers, o.files);
    }

    // ------------------------------------------------------------------ get, put, many

    private void transfers(Data d) throws Exception {
        List<Case> cases = cases();
        if (o.warmupMib > 0) {
            progress("warm-up: each case once per client, untimed (" + human(Math.min(o.sizeMib, o.warmupMib) * MIB)
                    + ", " + Math.min(o.files, o.warmupFiles) + " files)");
            for (Case c : cases) {
                if (d.has(c.kind(), true)) {
                    for (Client client : Client.values()) {
                        runCase(client, c, d, true);
                    }
                }
            }
        }
        Map<Case, List<Sample>> a = new LinkedHashMap<>();
        Map<Case, List<Sample>> b = new LinkedHashMap<>();
        for (int round = 1; round <= o.rounds; round++) {
            for (Case c : cases) {
                Sample x = runCase(Client.OURS, c, d, false);
                Sample y = runCase(Client.OPENSSH, c, d, false);
                a.computeIfAbsent(c, k -> new ArrayList<>()).add(x);
                b.computeIfAbsent(c, k -> new ArrayList<>()).add(y);
                progress(String.format(Locale.ROOT, "round %d %-44s ours %7.2f s (client CPU %6.2f s, sshd %6.2f s)  "
                        + "openssh %7.2f s (client CPU %6.2f s, sshd %6.2f s)", round, c.label(), x.wallSeconds(),
                        x.clientCpuSeconds(), x.serverCpuSeconds(), y.wallSeconds(), y.clientCpuSeconds(), y.serverCpuSeconds()));
            }
        }
        out("");
        out(String.format(Locale.ROOT, "## SFTP client transfers: %s per get/put, %d files of %d KiB per put -r/get -r; %d round%s "
                + "of ours, openssh; medians, ratio = median of the per-round ratios ours/openssh", human(o.sizeMib * MIB),
                o.files, o.fileKib, o.rounds, o.rounds == 1 ? "" : "s"));
        out("");
        out("| case | ours s | openssh s | ours rate | openssh rate | wall ours/openssh | ours client CPU s | openssh client CPU s "
                + "| client CPU ours/openssh | sshd CPU s with ours | sshd CPU s with openssh |");
        out("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Case c : a.keySet()) {
            List<Sample> x = a.get(c);
            List<Sample> y = b.get(c);
            double wallA = median(x.stream().mapToDouble(Sample::wallSeconds).toArray());
            double wallB = median(y.stream().mapToDouble(Sample::wallSeconds).toArray());
            double amount = c.kind().bulk() ? o.sizeMib * MIB / 1e6 : o.files;
            String unit = c.kind().bulk() ? " MB/s" : " files/s";
            out(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.0f%s | %.0f%s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |",
                    c.label(), wallA, wallB, amount / wallA, unit, amount / wallB, unit,
                    ratio(x, y, Sample::wallSeconds),
                    median(x.stream().mapToDouble(Sample::clientCpuSeconds).toArray()),
                    median(y.stream().mapToDouble(Sample::clientCpuSeconds).toArray()),
                    ratio(x, y, Sample::clientCpuSeconds),
                    median(x.stream().mapToDouble(Sample::serverCpuSeconds).toArray()),
                    median(y.stream().mapToDouble(Sample::serverCpuSeconds).toArray())));
        }
        out("");
        out("Ours: connect, key exchange, auth, SFTP init, the transfer and close() in the warm bench JVM (no JVM start); "
                + "openssh: the whole `sftp` process (with its `ssh`). Every copy was checked by SHA-256 against its source "
                + "after the run.");
    }

    /** The median of the per-round ratios a/b of one figure. */
    private static double ratio(List<Sample> a, List<Sample> b, java.util.function.ToDoubleFunction<Sample> f) {
        double[] r = new double[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = f.applyAsDouble(a.get(i)) / f.applyAsDouble(b.get(i));
        }
        return median(r);
    }
}
