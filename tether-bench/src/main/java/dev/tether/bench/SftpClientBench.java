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
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
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
import static dev.tether.bench.BenchSupport.medianRatio;
import static dev.tether.bench.BenchSupport.out;
import static dev.tether.bench.BenchSupport.serverEnvironment;

/**
 * SFTP client benchmark: Tether's clients side by side with OpenSSH's {@code sftp -b} (a whole
 * process, as {@link SftpProcessBench} runs it), all against the same private OpenSSH sshd whose
 * sftp subsystem is {@code /usr/lib/openssh/sftp-server}, on loopback, interleaved per round.
 * Tether's contenders ({@link Client}): {@link SftpClient} run in this JVM; {@code Files.copy}
 * between the default file system and an {@code sftp://} file system ({@code dev.tether.sftp.nio})
 * in this JVM, get and put only; and {@code tether sftp -b} (tether-cli) as a whole process, in its
 * own JVM. Cases: one large get and put per cipher, and {@code put -r} / {@code get -r} of many
 * small files ({@link SftpClient#uploadTree} / {@link SftpClient#downloadTree} for SftpClient).
 * See tether-bench/README.md.
 *
 * <p>The in-JVM contenders are timed from {@code Transport.connect} to the return of
 * {@code close()}, with a fresh connection per run; before the rounds every case runs once per
 * contender untimed, so that the JIT has compiled their paths. The processes are timed from start
 * to exit. Every copy is checked by SHA-256 afterwards (untimed).
 */
public final class SftpClientBench {
    private final Options o;
    private final Path dir;
    private final BenchSupport.Cleanup cleanup;
    private final String user = System.getProperty("user.name");
    private final long self = ProcessHandle.current().pid();
    private final List<Client> clients;
    private BenchSshd sshd;
    private byte[] hostKeyBlob;
    private KeyPair userKey;
    private String tetherClasspath;
    private String tetherJvmArgs;
    private String cliJavaVersion;

    private SftpClientBench(Options o, Path dir, BenchSupport.Cleanup cleanup) {
        this.o = o;
        this.dir = dir;
        this.cleanup = cleanup;
        List<Client> l = new ArrayList<>();
        for (Client c : Client.values()) {
            if (c == Client.OPENSSH || o.clients.contains(c.option)) {
                l.add(c);
            }
        }
        this.clients = List.copyOf(l);
    }

    // ------------------------------------------------------------------ options

    static final class Options extends SftpBenchCases.Options {
        /** Tether's contenders, by {@link Client#option}; OpenSSH's sftp always runs. */
        List<String> clients = List.of("sftpclient", "nio", "cli");
        int warmupFiles = 500;
        String cliJava = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cliOpts = List.of();

        Options() {
            super(List.of("get", "put", "many", "many-put", "many-get"), List.of("get", "put", "many"), 10_000, 64);
        }

        static Options parse(String[] args) {
            Options o = new Options();
            BenchOptions p = o.parser(USAGE)
                    .value("--client|--clients", v -> o.clients = BenchOptions.list(v))
                    .value("--warmup-files", v -> o.warmupFiles = Integer.parseInt(v))
                    .value("--cli-java", v -> o.cliJava = v)
                    .value("--cli-opts", v -> o.cliOpts = BenchOptions.words(v));
            o.parse(p, args);
            p.check(o.warmupFiles >= 0);
            p.checkKnown(o.clients, List.of("sftpclient", "nio", "cli"), "client");
            return o;
        }

        static final String USAGE = """
                usage: SftpClientBench [options]   (Linux, loopback; runs /usr/sbin/sshd + sftp-server, sftp, tether sftp)
                  --case LIST         get,put,many (default all; many = many-put,many-get)
                  --client LIST       Tether's contenders beside OpenSSH's sftp (which always runs):
                                      sftpclient,nio,cli (default all; nio = Files.copy, get/put only;
                                      cli = the tether sftp process)
                  --cipher LIST       ciphers of get/put (default aes128-gcm@openssh.com,chacha20-poly1305@openssh.com);
                                      many uses the first
                  --size-mib N        MiB per get/put (default 64; 1024 for the 1 GiB figures)
                  --rounds N          rounds of every contender per case (default 3)
                  --files N           files of many-put/many-get (default 10000)
                  --file-kib N        KiB per such file (default 4)
                  --warmup-mib N      before the rounds, one untimed get+put of min(N, size) MiB per cipher
                                      and contender (default 64; 0: no warm-up at all)
                  --warmup-files N    and one untimed put -r/get -r of min(N, files) files (default 500)
                  --kex NAME          key exchange forced on every client (default curve25519-sha256)
                  --cli-java PATH     java that runs tether sftp (default: this JVM's)
                  --cli-opts "..."    JVM options for tether sftp, e.g. "-XX:TieredStopAtLevel=1"
                  --tether-cp CP      class path of tether-cli (default: tether-cli/target/tether-cli.jar and
                                      tether-cli/target/lib/* beside this jar's tether-bench)
                  --sshd PATH         default /usr/sbin/sshd
                  --sftp-server PATH  sshd's sftp subsystem (default /usr/lib/openssh/sftp-server)
                """;
    }

    // ------------------------------------------------------------------ main

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        BenchSupport.runAndExit("sftp-client-bench", (dir, cleanup) -> new SftpClientBench(o, dir, cleanup).run());
    }

    private static void progress(String s) {
        System.err.println("[sftp-client-bench] " + s);
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
        if (clients.contains(Client.CLI)) {
            tetherClasspath = SftpBenchCases.tetherClasspath(o.tetherClasspath);
            tetherJvmArgs = SftpBenchCases.tetherJvmArgs();
            cliJavaVersion = BenchSupport.javaVersion(dir, o.cliJava);
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

    private String anonymous(List<String> cmd) {
        return String.join(" ", cmd).replace(dir.toString(), "$TMP").replace(Integer.toString(sshd.port), "PORT");
    }

    private void printHeader() throws Exception {
        out("# SFTP client benchmark: Tether's SFTP clients vs OpenSSH's sftp, all against OpenSSH sshd + sftp-server");
        out("");
        out("- machine: " + machine());
        String jvm = System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
        String config = "`Transport.connect` (ciphers CIPHER, kex " + o.kex + ", host key ssh-ed25519), `authPublickey` (ed25519)";
        if (clients.contains(Client.SFTP_CLIENT)) {
            out("- SftpClient: `dev.tether.sftp.SftpClient` in the bench JVM, " + jvm + "; " + config
                    + ", `SftpClient.open(transport, 60 s, true)`, `download`/`upload`/`uploadTree`/`downloadTree` with "
                    + "`Transfer.DEFAULT`, `close()`");
        }
        if (clients.contains(Client.NIO)) {
            out("- Files.copy: `java.nio.file.Files.copy` between the default file system and "
                    + "`FileSystems.newFileSystem(sftp://USER@127.0.0.1:PORT/, {transport, ownsTransport=true})` "
                    + "(dev.tether.sftp.nio) in the bench JVM; " + config + "; the file system's `close()` (get/put only)");
        }
        if (clients.contains(Client.CLI)) {
            out("- tether sftp: `" + anonymous(cliCommand(o.ciphers.get(0), "BATCH")).replace(tetherClasspath, "CP")
                    + "`, CP = " + tetherClasspath + "; " + cliJavaVersion);
        }
        out("- openssh: `" + anonymous(sftpCommand(o.ciphers.get(0), "BATCH")) + "`; "
                + BenchSupport.capture(dir, List.of("ssh", "-V"), Duration.ofSeconds(10)).trim());
        out("- server: " + o.sshdPath + " with `Subsystem sftp " + o.sftpServer + "` (the same sshd for every client)");
        out("- client CPU = utime+stime of the bench JVM plus its reaped children (the sftp and ssh processes, the tether "
                + "sftp JVM), from /proc/self/stat; server CPU = sshd's process tree, sampled with no client connected");
    }

    // ------------------------------------------------------------------ data

    private Data makeData() throws Exception {
        return Data.make(dir.resolve("data"), o.cases, o.sizeMib * MIB, o.warmupMib * MIB, o.files,
                o.warmupMib > 0 ? Math.min(o.files, o.warmupFiles) : 0, o.fileKib, SftpClientBench::progress);
    }

    // ------------------------------------------------------------------ the clients

    /** The contenders, in the order they run within a round. */
    private enum Client {
        SFTP_CLIENT("SftpClient", "sftpclient"), NIO("Files.copy", "nio"), CLI("tether sftp", "cli"), OPENSSH("openssh sftp", "");

        final String label;
        /** Its name in {@code --client}. */
        final String option;

        Client(String label, String option) {
            this.label = label;
            this.option = option;
        }

        /** Whether it runs {@code k}: Files.copy copies one file, no trees. */
        boolean runs(Kind k) {
            return this != NIO || k.bulk();
        }

        String fileName() {
            return option.isEmpty() ? "openssh" : option;
        }
    }

    /** Wall time, the client's CPU (this JVM + reaped children) and sshd's tree CPU of one run. */
    private record Sample(double wallSeconds, double clientCpuSeconds, double serverCpuSeconds) {
    }

    /** OpenSSH's sftp, as {@link SftpProcessBench} runs it. */
    private List<String> sftpCommand(String cipher, String batch) {
        return SftpBenchCases.sftpCommand(dir, user, sshd.port, cipher, o.kex, batch);
    }

    /**
     * {@code tether sftp} with the same settings as OpenSSH's sftp ({@code -o Ciphers=} for
     * {@code -c}, which it does not take), run as bin/tether runs it, without bin/tether's
     * is-the-build-stale check.
     */
    private List<String> cliCommand(String cipher, String batch) {
        List<String> cmd = new ArrayList<>(List.of(o.cliJava, tetherJvmArgs));
        cmd.addAll(o.cliOpts);
        cmd.addAll(List.of("-cp", tetherClasspath, SftpProcessBench.TETHER_MAIN, "sftp", "-b", batch, "-F", "/dev/null",
                "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + dir.resolve("known_hosts"),
                "-o", "IdentitiesOnly=yes", "-i", dir.resolve("id_ed25519").toString(), "-P", Integer.toString(sshd.port),
                "-o", "Ciphers=" + cipher, "-o", "KexAlgorithms=" + o.kex, "-o", "HostKeyAlgorithms=ssh-ed25519",
                "-o", "LogLevel=ERROR", user + "@127.0.0.1"));
        return cmd;
    }

    /** An authenticated connection of our own. */
    private Transport transport(String cipher) throws Exception {
        TransportConfig config = TransportConfig.builder().ciphers(List.of(cipher)).kexAlgorithms(List.of(o.kex))
                .hostKeyAlgorithms(List.of("ssh-ed25519")).build();
        Transport t = Transport.connect("127.0.0.1", sshd.port, config, HostKeyVerifier.acceptKeys(List.of(hostKeyBlob)));
        try {
            t.authPublickey(user, userKey);
            return t;
        } catch (Exception e) {
            t.close();
            throw e;
        }
    }

    /** SftpClient: a fresh connection, authenticated, with its SFTP session; closing the client closes the connection. */
    private SftpClient connect(String cipher) throws Exception {
        Transport t = transport(cipher);
        try {
            return SftpClient.open(t, Duration.ofSeconds(60), true);
        } catch (Exception e) {
            t.close();
            throw e;
        }
    }

    private void sftpClientTransfer(Kind kind, String cipher, Path src, Path dst) throws Exception {
        try (SftpClient c = connect(cipher)) {
            switch (kind) {
                case GET -> c.download(src.toString(), dst, SftpClient.Transfer.DEFAULT);
                case PUT -> c.upload(src, dst.toString(), SftpClient.Transfer.DEFAULT);
                case MANY_PUT -> c.uploadTree(src, dst.toString(), SftpClient.Transfer.DEFAULT);
                case MANY_GET -> c.downloadTree(src.toString(), dst, SftpClient.Transfer.DEFAULT);
            }
        }
    }

    /** Files.copy through an sftp:// file system on a fresh connection, which the file system owns. */
    private void nioTransfer(Kind kind, String cipher, Path src, Path dst) throws Exception {
        Transport t = transport(cipher);
        FileSystem fs;
        try {
            fs = FileSystems.newFileSystem(URI.create("sftp://" + user + "@127.0.0.1:" + sshd.port + "/"),
                    Map.of("transport", t, "ownsTransport", true));
        } catch (Exception e) {
            t.close();
            throw e;
        }
        try (fs) {
            switch (kind) {
                case GET -> Files.copy(fs.getPath(src.toString()), dst);
                case PUT -> Files.copy(src, fs.getPath(dst.toString()));
                default -> throw new IllegalArgumentException("Files.copy runs get and put only, not " + kind);
            }
        }
    }

    /** A client process with this batch line, to its exit within {@code max}; fails unless it exits 0. */
    private void processTransfer(List<String> cmd, Duration max, String what) throws Exception {
        Path err = dir.resolve("client.err");
        Process p = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(dir.resolve("client.out").toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(max.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IllegalStateException(what + " did not finish within " + max);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(what + " failed with " + p.exitValue() + ": " + Files.readString(err)
                    + Files.readString(dir.resolve("client.out")));
        }
    }

    /**
     * One run of one case by one client, once sshd is quiet: wall time, client and server CPU;
     * afterwards (untimed) the copy is checked against the source and deleted.
     */
    private Sample runCase(Client client, Case c, Data d, boolean warmup) throws Exception {
        boolean bulk = c.kind().bulk();
        Path src = d.source(c.kind(), warmup);
        Path dst = dir.resolve(c.kind().toServer() ? "remote" : "client").resolve(client.fileName() + "-" + src.getFileName());
        deleteTree(dst);
        String what = c.label() + " by " + client.label;
        long count = bulk ? Files.size(src) / MIB : o.files;
        Duration max = Duration.ofSeconds(60 + (bulk ? count : count / 20)); // at least 1 MiB/s, 20 files/s
        Path batch = dir.resolve("batch.txt");
        Files.writeString(batch, SftpBenchCases.batchLine(c.kind(), src, dst));
        sshd.awaitQuiet(Duration.ofSeconds(20));
        long server0 = sshd.cpuNanos();
        long client0 = ProcStat.processCpuNanos(self);
        long t0 = System.nanoTime();
        switch (client) {
            case SFTP_CLIENT -> sftpClientTransfer(c.kind(), c.cipher(), src, dst);
            case NIO -> nioTransfer(c.kind(), c.cipher(), src, dst);
            case CLI -> processTransfer(cliCommand(c.cipher(), batch.toString()), max, what);
            case OPENSSH -> processTransfer(sftpCommand(c.cipher(), batch.toString()), max, what);
        }
        long wall = System.nanoTime() - t0;
        long clientCpu = ProcStat.processCpuNanos(self) - client0;
        if (wall > max.toNanos()) {
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
                    for (Client client : clients) {
                        if (client.runs(c.kind())) {
                            runCase(client, c, d, true);
                        }
                    }
                }
            }
        }
        // per case, per client: one sample per round
        Map<Case, Map<Client, List<Sample>>> samples = new LinkedHashMap<>();
        for (int round = 1; round <= o.rounds; round++) {
            for (Case c : cases) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "round %d %-40s", round, c.label()));
                for (Client client : clients) {
                    if (!client.runs(c.kind())) {
                        continue;
                    }
                    Sample x = runCase(client, c, d, false);
                    samples.computeIfAbsent(c, k -> new LinkedHashMap<>()).computeIfAbsent(client, k -> new ArrayList<>()).add(x);
                    line.append(String.format(Locale.ROOT, "  %s %.2f s (CPU %.2f, sshd %.2f)", client.label, x.wallSeconds(),
                            x.clientCpuSeconds(), x.serverCpuSeconds()));
                }
                progress(line.toString());
            }
        }
        report(samples);
    }

    private void report(Map<Case, Map<Client, List<Sample>>> samples) {
        out("");
        out(String.format(Locale.ROOT, "## SFTP client transfers: %s per get/put, %d files of %d KiB per put -r/get -r; %d round%s "
                + "of %s; medians, ratios = medians of the per-round ratios", human(o.sizeMib * MIB), o.files, o.fileKib, o.rounds,
                o.rounds == 1 ? "" : "s", String.join(", ", clients.stream().map(c -> c.label).toList())));
        out("");
        out("| case | client | wall s | rate | wall / openssh | wall / SftpClient | client CPU s | client CPU / openssh "
                + "| sshd CPU s |");
        out("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        for (Map.Entry<Case, Map<Client, List<Sample>>> e : samples.entrySet()) {
            Case c = e.getKey();
            Map<Client, List<Sample>> byClient = e.getValue();
            List<Sample> openssh = byClient.get(Client.OPENSSH);
            List<Sample> sftpClient = byClient.get(Client.SFTP_CLIENT);
            double amount = c.kind().bulk() ? o.sizeMib * MIB / 1e6 : o.files;
            String unit = c.kind().bulk() ? " MB/s" : " files/s";
            for (Map.Entry<Client, List<Sample>> cs : byClient.entrySet()) {
                Client client = cs.getKey();
                List<Sample> x = cs.getValue();
                double wall = median(x.stream().mapToDouble(Sample::wallSeconds).toArray());
                out(String.format(Locale.ROOT, "| %s | %s | %.2f | %.0f%s | %s | %s | %.2f | %s | %.2f |",
                        c.label(), client.label, wall, amount / wall, unit,
                        client == Client.OPENSSH ? "" : format(medianRatio(x, openssh, Sample::wallSeconds)),
                        client == Client.SFTP_CLIENT || sftpClient == null ? "" : format(medianRatio(x, sftpClient, Sample::wallSeconds)),
                        median(x.stream().mapToDouble(Sample::clientCpuSeconds).toArray()),
                        client == Client.OPENSSH ? "" : format(medianRatio(x, openssh, Sample::clientCpuSeconds)),
                        median(x.stream().mapToDouble(Sample::serverCpuSeconds).toArray())));
            }
        }
        out("");
        out("SftpClient and Files.copy: connect, key exchange, auth, SFTP init, the transfer and close() in the warm bench JVM "
                + "(no JVM start); tether sftp: the whole process, JVM start-up included; openssh: the whole `sftp` process "
                + "(with its `ssh`). Every copy was checked by SHA-256 against its source after the run.");
    }

    private static String format(double ratio) {
        return String.format(Locale.ROOT, "%.2f", ratio);
    }
}
