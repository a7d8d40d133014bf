package dev.tether.ssh.agent;

import dev.tether.ssh.testutil.OpenSsh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSSH {@code ssh-agent -D -a SOCKET} process for tests, and helpers that run
 * {@code ssh-add} and {@code ssh-keygen} against it. Every wait is bounded; {@link #close()}
 * kills the agent and waits for it.
 */
final class OpenSshAgent implements AutoCloseable {
    static final Path SSH_AGENT = OpenSsh.SSH_AGENT;
    static final Path SSH_ADD = OpenSsh.SSH_ADD;
    static final Path SSH_KEYGEN = OpenSsh.SSH_KEYGEN;
    static final long TIMEOUT_SECONDS = 30;

    final Path socket;
    private final Process process;

    private OpenSshAgent(Path socket, Process process) {
        this.socket = socket;
        this.process = process;
    }

    static boolean available() {
        return Files.isExecutable(SSH_AGENT) && Files.isExecutable(SSH_ADD) && Files.isExecutable(SSH_KEYGEN);
    }

    /**
     * Starts an agent listening at {@code dir/agent.sock}. Ready when it prints its
     * {@code SSH_AUTH_SOCK=} line, which ssh-agent does after it has bound and listens.
     */
    static OpenSshAgent start(Path dir) throws IOException, InterruptedException {
        Path socket = dir.resolve("agent.sock");
        return new OpenSshAgent(socket, OpenSsh.startAgent(socket, dir.resolve("agent.err"), Duration.ofSeconds(TIMEOUT_SECONDS)));
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Sends a signal (e.g. STOP, CONT) to the agent with kill(1). */
    void signal(String name) throws IOException, InterruptedException {
        run(List.of("/bin/kill", "-" + name, Long.toString(process.pid())), Map.of()).expectSuccess();
    }

    /** Kills the agent (SIGKILL works even when it is stopped) and waits for it, bounded. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new AssertionError("ssh-agent " + process.pid() + " did not die");
        }
    }

    /** Terminates the agent (SIGTERM, then SIGKILL) and waits for it, bounded. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    throw new AssertionError("ssh-agent " + process.pid() + " did not die");
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while stopping ssh-agent", e);
        }
    }

    /** Runs ssh-add with SSH_AUTH_SOCK pointing at this agent. */
    Result sshAdd(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(SSH_ADD.toString());
        cmd.addAll(List.of(args));
        return run(cmd, Map.of("SSH_AUTH_SOCK", socket.toString()));
    }

    /** The SHA256 fingerprints {@code ssh-add -l -E sha256} lists, in order; empty when it has none. */
    List<String> listedFingerprints() throws IOException, InterruptedException {
        Result r = sshAdd("-l", "-E", "sha256");
        List<String> out = new ArrayList<>();
        if (r.exitCode() == 1 && r.stdout().contains("no identities")) {
            return out;
        }
        r.expectSuccess();
        for (String line : r.stdout().strip().split("\n")) {
            out.add(line.split(" ")[1]);
        }
        return out;
    }

    /** Generates an unencrypted key with ssh-keygen at {@code dir/name} (and .pub), with the comment NAME@tether-test. */
    static Path keygen(Path dir, String name, String type, int bits) throws IOException, InterruptedException {
        return OpenSsh.keygen(dir, name, type, bits, false, name + "@tether-test");
    }

    record Result(int exitCode, String stdout, String stderr) {
        Result expectSuccess() {
            if (exitCode != 0) {
                throw new AssertionError("exit code " + exitCode + ": " + stderr.strip() + " " + stdout.strip());
            }
            return this;
        }
    }

    static Result run(List<String> cmd, Map<String, String> env) throws IOException, InterruptedException {
        Path out = Files.createTempFile("agent-test-", ".out");
        Path err = Files.createTempFile("agent-test-", ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Paths.get("/dev/null").toFile()));
        pb.environment().remove("SSH_AUTH_SOCK");
        pb.environment().remove("DISPLAY");
        pb.environment().remove("SSH_ASKPASS");
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("did not finish within " + TIMEOUT_SECONDS + "s: " + cmd);
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
