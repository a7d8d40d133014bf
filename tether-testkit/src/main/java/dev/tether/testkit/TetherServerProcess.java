package dev.tether.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code tether server} in a child JVM ({@link TetherCli}) on 127.0.0.1 and a port it picks
 * ({@code --port 0}), with its own host key, an authorized user key (both made with ssh-keygen)
 * and a throwaway HOME; the port comes from its first stdout line, {@code listening on ADDR:PORT}.
 * Its stderr (the event log) is kept in a file that {@link #awaitStderr} polls.
 *
 * <p>Threading: the methods may be called from any thread. Cleans up: {@link #close()} sends
 * SIGTERM, waits (bounded), kills it if need be, and deletes its directory.
 */
public final class TetherServerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("^listening on 127\\.0\\.0\\.1:(\\d+)$", Pattern.MULTILINE);

    private final Path dir;
    private final Process process;
    private final Path hostKey;
    private final Path userKey;
    private final int port;

    private TetherServerProcess(Path dir, Process process, Path hostKey, Path userKey, int port) {
        this.dir = dir;
        this.process = process;
        this.hostKey = hostKey;
        this.userKey = userKey;
        this.port = port;
    }

    /** {@code tether server} with the standard arguments and these. */
    public static TetherServerProcess start(String... extraArgs) throws IOException {
        return start(true, d -> List.of(extraArgs));
    }

    /**
     * Starts the server; requires ssh-keygen.
     *
     * @param standardArgs pass {@code --listen 127.0.0.1 --port 0 --host-key host_key
     *                     --authorized-keys authorized_keys --root DIR} before the others
     * @param extraArgs    more arguments, given the server's directory (which holds
     *                     {@code host_key}, {@code user_key} and {@code authorized_keys}) so that
     *                     they may name files written there
     */
    public static TetherServerProcess start(boolean standardArgs, Function<Path, List<String>> extraArgs) throws IOException {
        Peers.requireSshKeygen();
        Path dir = TempDirs.create("tether-cli-tether-server-");
        boolean ok = false;
        Process p = null;
        try {
            Path hostKey = SshKeygen.generate(dir, "host_key", "ed25519", 0);
            Path userKey = SshKeygen.generate(dir, "user_key", "ed25519", 0);
            Path authorized = Files.copy(Path.of(userKey + ".pub"), dir.resolve("authorized_keys"));
            Path out = dir.resolve("stdout");
            Path err = dir.resolve("stderr");
            List<String> args = new ArrayList<>(List.of("server"));
            if (standardArgs) {
                args.addAll(List.of("--listen", FreePorts.LOOPBACK, "--port", "0",
                        "--host-key", hostKey.toString(), "--authorized-keys", authorized.toString(), "--root", dir.toString()));
            }
            args.addAll(extraArgs.apply(dir));
            ProcessBuilder pb = new ProcessBuilder(TetherCli.command(args.toArray(String[]::new)))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().put("HOME", dir.toString());
            p = pb.start();
            Process proc = p;
            int[] port = {0};
            boolean up = Poll.until(() -> {
                String text = Processes.read(out);
                Matcher m = LISTENING.matcher(text);
                // the host key lines follow the listening line
                if (m.find() && text.contains("host key ") && text.endsWith("\n")) {
                    port[0] = Integer.parseInt(m.group(1));
                    return true;
                }
                return !proc.isAlive();
            }, Duration.ofSeconds(60), Duration.ofMillis(25), p);
            if (!up || port[0] == 0) {
                throw new IOException("tether server did not start:\n" + Processes.read(out) + "\n" + Processes.read(err));
            }
            ok = true;
            return new TetherServerProcess(dir, p, hostKey, userKey, port[0]);
        } finally {
            if (!ok) {
                if (p != null) {
                    Processes.kill(p);
                }
                TempDirs.deleteTree(dir);
            }
        }
    }

    public int port() {
        return port;
    }

    /** Its directory: keys, authorized_keys, stdout, stderr, known_hosts of {@link #ssh}, and its --root. */
    public Path dir() {
        return dir;
    }

    public Process process() {
        return process;
    }

    /** The private key that authorized_keys lets in. */
    public Path userKey() {
        return userKey;
    }

    public Path hostKey() {
        return hostKey;
    }

    public String stdout() {
        return Processes.read(dir.resolve("stdout"));
    }

    public String stderr() {
        return Processes.read(dir.resolve("stderr"));
    }

    /** Waits (bounded) until a stderr line matches {@code regex}; returns that line, or fails with the log. */
    public String awaitStderr(String regex, Duration timeout) {
        Pattern p = Pattern.compile(regex);
        String[] found = {null};
        Poll.until(() -> {
            for (String line : stderr().split("\n")) {
                if (p.matcher(line).find()) {
                    found[0] = line;
                    return true;
                }
            }
            return false;
        }, timeout, Duration.ofMillis(25), process);
        if (found[0] == null) {
            throw new AssertionError("no stderr line matching " + regex + " within " + timeout + ":\n" + stderr());
        }
        return found[0];
    }

    /** A known_hosts line ({@code [127.0.0.1]:PORT TYPE BASE64}) for its host key. */
    public String knownHostsLine() throws IOException {
        String[] f = Files.readString(Path.of(hostKey + ".pub")).trim().split("\\s+");
        return "[" + FreePorts.LOOPBACK + "]:" + port + " " + f[0] + " " + f[1];
    }

    /**
     * OpenSSH's {@code ssh} for this server as the local user ({@link OpenSshClient}, quiet): the
     * user key, batch mode, the known_hosts file {@code DIR/known_hosts}.
     */
    public OpenSshClient.Invocation sshInvocation() {
        return new OpenSshClient(dir).to(port, TetherCli.localUser()).identity(userKey)
                .knownHosts(dir.resolve("known_hosts")).verbose(0).timeout(Duration.ofSeconds(60));
    }

    /** The command line of {@link #sshInvocation()} with {@code options} before the destination and the remote command words (none: a shell). */
    public List<String> sshCommand(List<String> options, String... command) {
        OpenSshClient.Invocation i = sshInvocation().args(options);
        return (command.length == 0 ? i.shell() : i.command(command)).argv();
    }

    /** Runs {@link #sshCommand} to completion (bounded). */
    public Processes.Result ssh(List<String> options, String... command) throws IOException {
        OpenSshClient.Invocation i = sshInvocation().args(options);
        return (command.length == 0 ? i.shell() : i.command(command)).run().process();
    }

    /** Sends SIGTERM and returns the exit status (-1 if it had to be killed). */
    public int stop() {
        process.destroy();
        if (!Poll.until(() -> !process.isAlive(), Duration.ofSeconds(40), Duration.ofMillis(50), process)) {
            Processes.kill(process);
            return -1;
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                stop();
            }
        } finally {
            TempDirs.deleteTree(dir);
        }
    }
}
