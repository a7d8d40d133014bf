package dev.tether.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static dev.tether.bench.BenchSupport.MIB;
import static dev.tether.bench.BenchSupport.deleteTree;
import static dev.tether.bench.BenchSupport.human;

/**
 * What the two SFTP benchmarks ({@link SftpProcessBench}, {@link SftpClientBench}) share: the
 * transfer cases, the data they read (made once, with its SHA-256), the check of every copy, and
 * OpenSSH's {@code sftp -b} command line.
 */
final class SftpBenchCases {
    private SftpBenchCases() {
    }

    /**
     * The options both SFTP benchmarks take (each adds its own and sets its defaults), parsed by
     * {@link BenchOptions}: {@code --size-mib --rounds --case --cipher --files --file-kib
     * --warmup-mib --kex --sshd --sftp-server --tether-cp}.
     */
    abstract static class Options {
        final List<String> knownCases;
        long sizeMib = 64;
        int rounds = 3;
        List<String> cases;
        List<String> ciphers = List.of("aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com");
        int files;
        int fileKib = 4;
        long warmupMib;
        String kex = "curve25519-sha256";
        String sshdPath = "/usr/sbin/sshd";
        String sftpServer = "/usr/lib/openssh/sftp-server";
        /** Class path of tether-cli, or null: {@link SftpBenchCases#tetherClasspath}'s default. */
        String tetherClasspath;

        Options(List<String> knownCases, List<String> cases, int files, long warmupMib) {
            this.knownCases = knownCases;
            this.cases = cases;
            this.files = files;
            this.warmupMib = warmupMib;
        }

        /** A parser with the shared options bound to this object; the caller adds its own. */
        BenchOptions parser(String usage) {
            return new BenchOptions(usage)
                    .value("--size-mib", v -> sizeMib = Long.parseLong(v))
                    .value("--rounds", v -> rounds = Integer.parseInt(v))
                    .value("--case|--cases", v -> cases = BenchOptions.list(v))
                    .value("--cipher|--ciphers", v -> ciphers = BenchOptions.list(v))
                    .value("--files", v -> files = Integer.parseInt(v))
                    .value("--file-kib", v -> fileKib = Integer.parseInt(v))
                    .value("--warmup-mib", v -> warmupMib = Long.parseLong(v))
                    .value("--kex", v -> kex = v)
                    .value("--sshd", v -> sshdPath = v)
                    .value("--sftp-server", v -> sftpServer = v)
                    .value("--tether-cp", v -> tetherClasspath = v);
        }

        /** Parses {@code args} with {@code p} and checks the shared options' ranges and names. */
        void parse(BenchOptions p, String[] args) {
            p.parse(args);
            p.check(sizeMib >= 1 && sizeMib <= 64 * 1024 && rounds >= 1 && rounds <= 100 && files >= 1 && files <= 1_000_000
                    && fileKib >= 0 && fileKib <= 1024 && warmupMib >= 0 && !ciphers.isEmpty());
            p.checkKnown(cases, knownCases, "case");
        }

        boolean has(String c) {
            return cases.contains(c);
        }
    }

    /**
     * {@code --tether-cp} if given, else tether-cli's jar and lib/ in the checkout this benchmark
     * was built in, as bin/tether runs it.
     */
    static String tetherClasspath(String given) throws java.net.URISyntaxException {
        if (given != null) {
            return given;
        }
        // .../tether-bench/target/benchmarks.jar (or target/classes) -> the repository root
        Path self = Path.of(SftpBenchCases.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path cli = self.getParent().getParent().getParent().resolve("tether-cli").resolve("target");
        Path jar = cli.resolve("tether-cli.jar");
        if (!Files.isRegularFile(jar) || !Files.isDirectory(cli.resolve("lib"))) {
            throw new IllegalStateException(jar + " or its lib/ is missing: build with "
                    + "mvn -q -pl tether-bench -am package -DskipTests (tether-bench depends on tether-cli), or pass --tether-cp");
        }
        return jar + java.io.File.pathSeparator + cli.resolve("lib") + java.io.File.separator + "*";
    }

    /** {@code @ROOT/bin/tether-jvm.args}: the JVM options bin/tether runs tether-cli with, as a java @argfile. */
    static String tetherJvmArgs() throws java.net.URISyntaxException {
        Path self = Path.of(SftpBenchCases.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path args = self.getParent().getParent().getParent().resolve("bin").resolve("tether-jvm.args");
        if (!Files.isRegularFile(args)) {
            throw new IllegalStateException(args + " is missing: run the benchmark from a checkout");
        }
        return "@" + args;
    }

    /** What one transfer does, with its sftp batch command. */
    enum Kind {
        GET("get"), PUT("put"), MANY_PUT("put -r"), MANY_GET("get -r");

        final String command;

        Kind(String command) {
            this.command = command;
        }

        /** One large file (get/put), not a tree of small ones. */
        boolean bulk() {
            return this == GET || this == PUT;
        }

        boolean toServer() {
            return this == PUT || this == MANY_PUT;
        }
    }

    /** One transfer case: its label in the report, its kind and cipher. */
    record Case(String label, Kind kind, String cipher) {
        /**
         * The cases {@code selected} asks for ({@code get}, {@code put}: per cipher; {@code many} =
         * {@code many-put}, {@code many-get}: with the first cipher), in report order.
         */
        static List<Case> all(List<String> selected, List<String> ciphers, int files) {
            List<Case> l = new ArrayList<>();
            for (String cipher : ciphers) {
                if (selected.contains("get")) {
                    l.add(new Case("get " + cipher, Kind.GET, cipher));
                }
                if (selected.contains("put")) {
                    l.add(new Case("put " + cipher, Kind.PUT, cipher));
                }
            }
            String first = ciphers.get(0);
            if (selected.contains("many") || selected.contains("many-put")) {
                l.add(new Case("put -r " + files + " files " + first, Kind.MANY_PUT, first));
            }
            if (selected.contains("many") || selected.contains("many-get")) {
                l.add(new Case("get -r " + files + " files " + first, Kind.MANY_GET, first));
            }
            return l;
        }
    }

    /** The data every case reads from, made once, with the SHA-256 of each (null: not made). */
    record Data(Path big, byte[] bigSha, Path warm, byte[] warmSha, Path many, byte[] manySha,
                Path manyWarm, byte[] manyWarmSha) {

        /**
         * Makes, under {@code data}, what {@code selected} needs: a {@code size}-byte file for get/put
         * and a {@code warmBytes} one (at most {@code size}; none if 0) for their warm-up; {@code
         * files} files of {@code fileKib} KiB for put -r/get -r and {@code warmFiles} (none if 0) for
         * theirs.
         */
        static Data make(Path data, List<String> selected, long size, long warmBytes, int files, int warmFiles, int fileKib,
                         Consumer<String> progress) throws IOException {
            long warm = Math.min(size, warmBytes);
            boolean bulk = selected.contains("get") || selected.contains("put");
            boolean many = selected.contains("many") || selected.contains("many-put") || selected.contains("many-get");
            progress.accept("making the data in " + data + (bulk ? ": " + human(size) : "") + (many ? ", " + files + " files" : ""));
            Path big = data.resolve("big.bin");
            byte[] bigSha = bulk ? writeRandom(big, size, 1) : null;
            Path warmFile = data.resolve("warm.bin");
            byte[] warmSha = bulk && warm > 0 ? writeRandom(warmFile, warm, 2) : null;
            Path manyDir = data.resolve("many");
            byte[] manySha = many ? writeFiles(manyDir, files, fileKib, 3) : null;
            Path manyWarm = data.resolve("many-warm");
            byte[] manyWarmSha = many && warmFiles > 0 ? writeFiles(manyWarm, warmFiles, fileKib, 4) : null;
            return new Data(big, bigSha, warmFile, warmSha, manyDir, manySha, manyWarm, manyWarmSha);
        }

        /** The source of a case: the file or tree it reads (of the warm-up, or the measured one). */
        Path source(Kind k, boolean warmup) {
            return k.bulk() ? (warmup ? warm : big) : (warmup ? manyWarm : many);
        }

        /** Whether the source of a case was made. */
        boolean has(Kind k, boolean warmup) {
            return sha(k, warmup) != null;
        }

        private byte[] sha(Kind k, boolean warmup) {
            return k.bulk() ? (warmup ? warmSha : bigSha) : (warmup ? manyWarmSha : manySha);
        }

        /** Fails unless {@code copy} equals the case's source (SHA-256 of the file, or {@link SftpBenchCases#treeSha} of the tree); then deletes it. */
        void checkAndDelete(Kind k, boolean warmup, Path copy, String what) throws IOException {
            byte[] got = k.bulk() ? sha256(copy) : treeSha(copy);
            byte[] sha = sha(k, warmup);
            if (!Arrays.equals(got, sha)) {
                throw new IllegalStateException(what + ": the copy " + copy + " differs from " + source(k, warmup)
                        + " (SHA-256 " + HexFormat.of().formatHex(got) + ", expected " + HexFormat.of().formatHex(sha) + ")");
            }
            deleteTree(copy);
        }
    }

    /**
     * OpenSSH's sftp against 127.0.0.1:{@code port} with the run's keys in {@code dir}; {@code batch}
     * is a file or {@code -} (stdin).
     */
    static List<String> sftpCommand(Path dir, String user, int port, String cipher, String kex, String batch) {
        return List.of("sftp", "-b", batch, "-F", "/dev/null",
                "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + dir.resolve("known_hosts"),
                "-o", "IdentitiesOnly=yes", "-i", dir.resolve("id_ed25519").toString(), "-P", Integer.toString(port),
                "-c", cipher, "-o", "KexAlgorithms=" + kex, "-o", "HostKeyAlgorithms=ssh-ed25519", "-o", "LogLevel=ERROR",
                user + "@127.0.0.1");
    }

    /** The sftp batch line of one transfer, e.g. {@code put -r "SRC" "DST"}. */
    static String batchLine(Kind k, Path src, Path dst) {
        return k.command + " " + word(src) + " " + word(dst) + "\n";
    }

    /** A path as a word of an sftp batch line. */
    private static String word(Path p) {
        return "\"" + p.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code bytes} pseudo-random bytes; returns their SHA-256. */
    private static byte[] writeRandom(Path file, long bytes, long seed) throws IOException {
        MessageDigest md = sha256();
        SplittableRandom random = new SplittableRandom(seed);
        ByteBuffer buf = ByteBuffer.allocate((int) MIB).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long left = bytes; left > 0; ) {
                buf.clear();
                while (buf.remaining() >= Long.BYTES) {
                    buf.putLong(random.nextLong());
                }
                int n = (int) Math.min(buf.capacity(), left);
                buf.flip().limit(n);
                md.update(buf.duplicate());
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                left -= n;
            }
        }
        return md.digest();
    }

    /** Writes {@code n} pseudo-random files {@code f000000...} of {@code fileKib} KiB into a new directory; returns {@link #treeSha}. */
    private static byte[] writeFiles(Path d, int n, int fileKib, long seed) throws IOException {
        Files.createDirectories(d);
        SplittableRandom random = new SplittableRandom(seed);
        byte[] content = new byte[fileKib * 1024];
        for (int i = 0; i < n; i++) {
            random.nextBytes(content);
            Files.write(d.resolve(String.format(Locale.ROOT, "f%06d", i)), content, StandardOpenOption.CREATE_NEW);
        }
        return treeSha(d);
    }

    private static byte[] sha256(Path file) throws IOException {
        MessageDigest md = sha256();
        ByteBuffer buf = ByteBuffer.allocate((int) MIB);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (ch.read(buf) >= 0) {
                buf.flip();
                md.update(buf);
                buf.clear();
            }
        }
        return md.digest();
    }

    /** SHA-256 over every regular file of a tree: relative path, NUL, the file's SHA-256, in path order. */
    private static byte[] treeSha(Path root) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(Files::isRegularFile).map(root::relativize).sorted().toList();
        }
        MessageDigest md = sha256();
        for (Path f : files) {
            md.update(f.toString().getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(sha256(root.resolve(f)));
        }
        return md.digest();
    }
}
