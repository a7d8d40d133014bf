package dev.tether.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code tether server} in a child JVM on 127.0.0.1 and a port it picks ({@code --port 0}),
 * with its own host key, an authorized user key and a throwaway HOME; the port comes from its
 * first stdout line, {@code listening on ADDR:PORT}. {@link #close()} sends SIGTERM and waits.
 * Its stderr (the event log) is kept in a file that {@link #awaitStderr} polls.
 */
final class TetherServerProcess implements AutoCloseable {
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

    static TetherServerProcess start(String... extraArgs) throws IOException {
        return start(true, d -> List.of(extraArgs));
    }

    /**
     * @param standardArgs pass {@code --listen 127.0.0.1 --port 0 --host-key host_key
     *                     --authorized-keys authorized_keys --root DIR} before the others
     * @param extraArgs    more arguments, given the server's directory (which holds
     *                     {@code host_key}, {@code user_key} and {@code authorized_keys}) so that
     *                     they may name files written there
     */
    static TetherServerProcess start(boolean standardArgs, Function<Path, List<String>> extraArgs) throws IOException {
        Path dir = Procs.tempDir("tether-server");
        boolean ok = false;
        Process p = null;
        try {
            Path hostKey = Procs.sshKeygen(dir, "host_key", "ed25519", 0, null);
            Path userKey = Procs.sshKeygen(dir, "user_key", "ed25519", 0, null);
            Path authorized = Files.copy(Path.of(userKey + ".pub"), dir.resolve("authorized_keys"));
            Path out = dir.resolve("stdout");
            Path err = dir.resolve("stderr");
            List<String> args = new ArrayList<>(List.of("server"));
            if (standardArgs) {
                args.addAll(List.of("--listen", "127.0.0.1", "--port", "0",
                        "--host-key", hostKey.toString(), "--authorized-keys", authorized.toString(), "--root", dir.toString()));
            }
            args.addAll(extraArgs.apply(dir));
            ProcessBuilder pb = new ProcessBuilder(Procs.tetherCommand(args.toArray(String[]::new)))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().put("HOME", dir.toString());
            p = pb.start();
            Process proc = p;
            int[] port = {0};
            boolean up = Procs.await(() -> {
                String text = read(out);
                Matcher m = LISTENING.matcher(text);
                // the host key lines follow the listening line
                if (m.find() && text.contains("host key ") && text.endsWith("\n")) {
                    port[0] = Integer.parseInt(m.group(1));
                    return true;
                }
                return !proc.isAlive();
            }, Duration.ofSeconds(60), Duration.ofMillis(25), p);
            if (!up || port[0] == 0) {
                throw new IOException("tether server did not start:\n" + read(out) + "\n" + read(err));
            }
            ok = true;
            return new TetherServerProcess(dir, p, hostKey, userKey, port[0]);
        } finally {
            if (!ok) {
                if (p != null) {
                    Procs.kill(p);
                }
                Procs.deleteTree(dir);
            }
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    int port() {
        return port;
    }

    Path dir() {
        return dir;
    }

    Process process() {
        return process;
    }

    Path userKey() {
        return userKey;
    }

    Path hostKey() {
        return hostKey;
    }

    String stdout() {
        return read(dir.resolve("stdout"));
    }

    String stderr() {
        return read(dir.resolve("stderr"));
    }

    /** Waits (bounded) until a stderr line matches {@code regex}; returns that line, or fails with the log. */
    String awaitStderr(String regex, Duration timeout) {
        Pattern p = Pattern.compile(regex);
        String[] found = {null};
        Procs.await(() -> {
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

    String knownHostsLine() throws IOException {
        String[] f = Files.readString(Path.of(hostKey + ".pub")).trim().split("\\s+");
        return "[127.0.0.1]:" + port + " " + f[0] + " " + f[1];
    }

    /**
     * The OpenSSH {@code ssh} command for this server: the user key, batch mode, a known_hosts
     * file in the server's directory; {@code options} come before the destination.
     */
    List<String> sshCommand(List<String> options, String... command) {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/ssh", "-F", "/dev/null", "-p", String.valueOf(port),
                "-i", userKey.toString(), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                "-o", "UserKnownHostsFile=" + dir.resolve("known_hosts"), "-o", "StrictHostKeyChecking=accept-new"));
        cmd.addAll(options);
        cmd.add(Cli.localUser() + "@127.0.0.1");
        cmd.addAll(List.of(command));
        return cmd;
    }

    /** Runs OpenSSH {@code ssh} against this server (bounded); see {@link #sshCommand}. */
    Procs.Result ssh(List<String> options, String... command) throws IOException {
        return Procs.run(sshCommand(options, command), Map.of("LC_ALL", "C"), null, Duration.ofSeconds(60));
    }

    /** Sends SIGTERM and returns the exit status (-1 if it had to be killed). */
    int stop() {
        process.destroy();
        if (!Procs.await(() -> !process.isAlive(), Duration.ofSeconds(40), Duration.ofMillis(50), process)) {
            Procs.kill(process);
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
            Procs.deleteTree(dir);
        }
    }
}
