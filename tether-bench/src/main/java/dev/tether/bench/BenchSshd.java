package dev.tether.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The OpenSSH sshd that the process benchmarks measure against, as in ../shared/PEERS.md: its own
 * config in the run's temp dir, 127.0.0.1 on a free port, the host key {@code DIR/host_ed25519},
 * {@code AuthorizedKeysFile DIR/authorized_keys}, {@code UsePAM no}, {@code StrictModes no},
 * {@code LogLevel ERROR}, {@code MaxStartups 100} and {@code SetEnv SHLVL=1} (bash, root's shell,
 * then skips ~/.bashrc: see tether-bench/README.md), plus any further lines a benchmark adds.
 * Started with {@code sshd -D -e -f CONFIG}, its output in {@code DIR/sshd.log}.
 */
final class BenchSshd implements BenchSupport.Server {
    final int port;
    final Process process;

    /**
     * @param env         its whole environment ({@link BenchSupport#serverEnvironment})
     * @param extraConfig more sshd_config lines, e.g. {@code Subsystem sftp /usr/lib/openssh/sftp-server}
     */
    BenchSshd(Path dir, String sshdPath, Map<String, String> env, List<String> extraConfig) throws Exception {
        Files.createDirectories(Path.of("/run/sshd"));
        port = BenchSupport.freePort();
        Path conf = dir.resolve("sshd_config");
        List<String> lines = new ArrayList<>(List.of(
                "Port " + port,
                "ListenAddress 127.0.0.1",
                "HostKey " + dir.resolve("host_ed25519"),
                "PidFile " + dir.resolve("sshd.pid"),
                "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                "StrictModes no",
                "UsePAM no",
                "PermitRootLogin yes",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PrintMotd no",
                "PrintLastLog no",
                "X11Forwarding no",
                "MaxStartups 100",
                "UseDNS no",
                // bash, root's shell, skips ~/.bashrc when SHLVL says it is not a top-level shell
                "SetEnv SHLVL=1",
                "LogLevel ERROR"));
        lines.addAll(extraConfig);
        lines.add("");
        Files.writeString(conf, String.join("\n", lines));
        ProcessBuilder pb = new ProcessBuilder(sshdPath, "-D", "-e", "-f", conf.toString());
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile());
        process = pb.start();
        try {
            BenchSupport.awaitPort(port, process, Duration.ofSeconds(15));
        } catch (Exception e) {
            BenchSupport.stopProcess(process, Duration.ofSeconds(2));
            throw new IllegalStateException("sshd did not start: " + Files.readString(dir.resolve("sshd.log")), e);
        }
    }

    @Override
    public String name() {
        return "sshd";
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public Process process() {
        return process;
    }

    /** Until the listener has reaped every per-connection child (so their CPU is in its cutime/cstime). */
    @Override
    public void awaitQuiet(Duration max) throws Exception {
        if (!BenchSupport.await(() -> ProcStat.descendantCount(pid()) == 0, max, Duration.ofMillis(10))) {
            System.err.println("warning: sshd still has " + ProcStat.descendantCount(pid()) + " children after " + max);
        }
    }

    @Override
    public void close() {
        BenchSupport.stopProcess(process, Duration.ofSeconds(5));
    }
}
