package dev.tether.ssh.authinterop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A private OpenSSH agent: {@code ssh-agent -D -a DIR/agent.sock}, ready once it prints its
 * {@code SSH_AUTH_SOCK=} line (it has bound the socket by then). {@link #close()} kills it by its
 * own PID and waits, bounded.
 */
final class SshAgentProcess implements AutoCloseable {
    private final Path socket;
    private final Process process;

    private SshAgentProcess(Path socket, Process process) {
        this.socket = socket;
        this.process = process;
    }

    static SshAgentProcess start(Path dir) throws IOException {
        AuthInterop.assumeExecutable(AuthInterop.SSH_AGENT);
        AuthInterop.assumeExecutable(AuthInterop.SSH_ADD);
        Path socket = dir.resolve("agent.sock");
        Process p = new ProcessBuilder(AuthInterop.SSH_AGENT.toString(), "-D", "-a", socket.toString())
                .redirectError(dir.resolve("agent.err").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        SshAgentProcess agent = new SshAgentProcess(socket, p);
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
            String line = firstLine.get(20, TimeUnit.SECONDS);
            if (!line.startsWith("SSH_AUTH_SOCK=" + socket + ";") || !Files.exists(socket)) {
                throw new IOException("ssh-agent did not start: \"" + line + "\" " + Files.readString(dir.resolve("agent.err")));
            }
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            agent.close();
            throw new IOException("ssh-agent did not become ready", e);
        } catch (IOException e) {
            agent.close();
            throw e;
        }
        return agent;
    }

    Path socket() {
        return socket;
    }

    /** {@code ssh-add KEY} into this agent. */
    void add(Path key) throws IOException {
        AuthInterop.runOk(List.of(AuthInterop.SSH_ADD.toString(), key.toString()), Map.of("SSH_AUTH_SOCK", socket.toString()),
                key.getParent());
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            AuthInterop.kill(process);
        }
    }
}
