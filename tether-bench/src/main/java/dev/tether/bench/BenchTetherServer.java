package dev.tether.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.tether.bench.BenchSupport.MIB;
import static dev.tether.bench.BenchSupport.await;
import static dev.tether.bench.BenchSupport.awaitLine;
import static dev.tether.bench.BenchSupport.javaVersion;
import static dev.tether.bench.BenchSupport.serverEnvironment;
import static dev.tether.bench.BenchSupport.stdoutLines;
import static dev.tether.bench.BenchSupport.stopProcess;

/**
 * {@code tether server} in its own JVM (a given {@code java} and JVM options), from tether-cli's
 * jar and dependencies as bin/tether runs it (with bin/tether-jvm.args), with the flags of
 * ../shared/CLI.md: {@code --listen 127.0.0.1 --port 0 --host-key DIR/host_ed25519
 * --authorized-keys DIR/authorized_keys --root ROOT}, nothing else (so forwarding is on, its
 * default); the port comes from its first stdout line {@code listening on ADDR:PORT}. Its
 * environment is the one sshd gives a user; its stderr (event log) goes to {@code DIR/ours.log};
 * its temp files go under {@code DIR/server-tmp}. Used by {@link SftpProcessBench} and
 * {@link ForwardBench}.
 */
final class BenchTetherServer implements BenchSupport.Server {
    /** tether-cli's main class, which bin/tether runs. */
    static final String MAIN = "dev.tether.cli.Tether";
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");

    final String classpath;
    final Process process;
    final int port;
    final String version;
    /** Its stderr line {@code tether: subsystems {...}}: who serves sftp. */
    final String subsystems;
    private final Path dir;
    private final Consumer<String> progress;

    /**
     * @param java     the java that runs it
     * @param jvmOpts  JVM options after bin/tether-jvm.args, e.g. {@code -Xmx1g}
     * @param root     its {@code --root}
     * @param progress where progress and warnings go
     */
    BenchTetherServer(Path dir, String java, List<String> jvmOpts, String classpath, String user, Path root,
                      Consumer<String> progress) throws Exception {
        this.dir = dir;
        this.classpath = classpath;
        this.progress = progress;
        version = javaVersion(dir, java);
        Path tmp = Files.createDirectories(dir.resolve("server-tmp"));
        List<String> cmd = new ArrayList<>(List.of(java, SftpBenchCases.tetherJvmArgs(), "-Djava.io.tmpdir=" + tmp));
        cmd.addAll(jvmOpts);
        cmd.addAll(List.of("-cp", classpath, MAIN, "server", "--listen", "127.0.0.1", "--port", "0",
                "--host-key", dir.resolve("host_ed25519").toString(),
                "--authorized-keys", dir.resolve("authorized_keys").toString(),
                "--root", root.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().clear();
        pb.environment().putAll(serverEnvironment(user));
        Path log = dir.resolve("ours.log");
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectError(log.toFile());
        process = pb.start();
        // the host key lines that follow are read and dropped
        Matcher listening = awaitLine(stdoutLines(process, "tether-server-stdout"), LISTENING, Duration.ofSeconds(60),
                line -> progress.accept("tether server: " + line));
        if (listening == null) {
            stopProcess(process, Duration.ofSeconds(2));
            throw new IllegalStateException("tether server did not start (" + String.join(" ", cmd) + "): " + Files.readString(log));
        }
        port = Integer.parseInt(listening.group(1));
        String[] line = {"subsystems: ?"};
        await(() -> {
            try {
                return Files.readAllLines(log).stream().filter(l -> l.startsWith("tether: subsystems "))
                        .findFirst().map(l -> line[0] = l.substring("tether: ".length())).isPresent();
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(15), Duration.ofMillis(20));
        subsystems = line[0];
        progress.accept("tether server pid " + process.pid() + " on port " + port + " (" + version + "), " + subsystems);
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

    /** No TCP connection on its port left open by the server, and no child process. */
    @Override
    public void awaitQuiet(Duration max) throws Exception {
        if (!await(() -> ProcStat.openTcpConnections(port) == 0 && ProcStat.descendantCount(pid()) == 0,
                max, Duration.ofMillis(10))) {
            progress.accept("warning: tether server still has " + ProcStat.openTcpConnections(port) + " connections and "
                    + ProcStat.descendantCount(pid()) + " child processes after " + max);
        }
    }

    /** Heap used after three full GCs, in bytes, through {@code jcmd} (GC.run x3, GC.heap_info). */
    long heapUsedAfterGc(String jcmd) throws Exception {
        Path commands = dir.resolve("jcmd.txt");
        Files.writeString(commands, "GC.run\nGC.run\nGC.run\nGC.heap_info\n");
        String text = BenchSupport.capture(dir, List.of(jcmd, Long.toString(pid()), "-f", commands.toString()),
                Duration.ofSeconds(120));
        long used = 0;
        boolean found = false;
        // G1, Serial, Parallel: "garbage-first heap   total 57344K, used 10753K [..." (JDK 17), "... total reserved
        // 6172672K, committed 40960K, used 8091K [..." (JDK 25), one such line per generation; ZGC: "ZHeap used 8M, ..."
        Matcher m = Pattern.compile("total [^\\n]*?, used (\\d+)K").matcher(text);
        while (m.find()) {
            used += Long.parseLong(m.group(1)) * 1024;
            found = true;
        }
        Matcher z = Pattern.compile("ZHeap\\s+used (\\d+)M").matcher(text);
        if (!found && z.find()) {
            used = Long.parseLong(z.group(1)) * MIB;
            found = true;
        }
        if (!found) {
            throw new IllegalStateException("no heap figure in the output of " + jcmd + " GC.heap_info:\n" + text);
        }
        return used;
    }

    @Override
    public void close() {
        // SIGTERM: tether server closes its listener and exits 0
        stopProcess(process, Duration.ofSeconds(40));
    }
}
