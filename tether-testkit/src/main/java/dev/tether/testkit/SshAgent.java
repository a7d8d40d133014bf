package dev.tether.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A private OpenSSH agent: {@code ssh-agent -D -a DIR/agent.sock}, ready once it prints its
 * {@code SSH_AUTH_SOCK=} line (it has bound the socket by then), and {@code ssh-add} against it.
 *
 * <p>Threading: one daemon thread drains the agent's stdout until it exits; the methods may be
 * called from any thread. Cleans up: {@link #close()} ends the agent by its own process (SIGTERM,
 * then SIGKILL, bounded). The socket and its error log stay in the caller's directory.
 */
public final class SshAgent implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Path socket;
    private final Process process;

    private SshAgent(Path socket, Process process) {
        this.socket = socket;
        this.process = process;
    }

    /** Starts an agent listening at {@code dir/agent.sock} (its stderr in {@code dir/agent.err}); requires ssh-agent and ssh-add. */
    public static SshAgent start(Path dir) throws IOException {
        Peers.requireSshAgent();
        Path socket = dir.resolve("agent.sock");
        Path errFile = dir.resolve("agent.err");
        Process p = new ProcessBuilder(Peers.SSH_AGENT.toString(), "-D", "-a", socket.toString())
                .redirectError(errFile.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        CompletableFuture<String> firstLine = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line = r.readLine();
                firstLine.complete(line == null ? "" : line);
                while (r.readLine() != null) {
                    // drain until the agent exits
                }
            } catch (IOException e) {
                firstLine.completeExceptionally(e);
            }
        }, "ssh-agent-stdout");
        reader.setDaemon(true);
        reader.start();
        try {
            String line = firstLine.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (!line.startsWith("SSH_AUTH_SOCK=" + socket + ";")) {
                throw new IOException("ssh-agent did not start: \"" + line + "\" " + Files.readString(errFile).strip());
            }
            if (!Files.exists(socket)) {
                throw new IOException("ssh-agent reported " + socket + " but it does not exist");
            }
            return new SshAgent(socket, p);
        } catch (InterruptedException e) {
            Processes.kill(p);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting ssh-agent", e);
        } catch (ExecutionException | TimeoutException | IOException e) {
            Processes.kill(p);
            throw new IOException("ssh-agent did not become ready within " + TIMEOUT.toSeconds() + "s", e);
        }
    }

    public Path socket() {
        return socket;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** {@code SSH_AUTH_SOCK} for a process that should use this agent. */
    public Map<String, String> env() {
        return Map.of("SSH_AUTH_SOCK", socket.toString());
    }

    /** Runs {@code ssh-add ARGS} against this agent (bounded). */
    public Processes.Result sshAdd(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Peers.SSH_ADD.toString());
        cmd.addAll(List.of(args));
        return Processes.run(cmd, Processes.withoutAgent(env()), null, null, TIMEOUT);
    }

    /** {@code ssh-add KEY}, which must succeed. */
    public void add(Path key) throws IOException {
        Processes.Result r = sshAdd(key.toString());
        if (r.exitCode() != 0) {
            throw new IOException("ssh-add failed: " + r.describe());
        }
    }

    /** The SHA256 fingerprints {@code ssh-add -l -E sha256} lists, in order; empty when it has none. */
    public List<String> listedFingerprints() throws IOException {
        Processes.Result r = sshAdd("-l", "-E", "sha256");
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

    /** Sends a signal (e.g. STOP, CONT) to the agent with kill(1). */
    public void signal(String name) throws IOException {
        Processes.run(List.of("/bin/kill", "-" + name, Long.toString(process.pid())), Map.of(), null, null, TIMEOUT)
                .expectSuccess();
    }

    /** Kills the agent (SIGKILL works even when it is stopped) and waits for it, bounded. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("ssh-agent " + process.pid() + " did not die");
        }
    }

    /** Ends the agent: SIGTERM, then SIGKILL after a bounded wait. */
    @Override
    public void close() {
        if (process.isAlive()) {
            Processes.stop(process, Duration.ofSeconds(10));
        }
    }
}
