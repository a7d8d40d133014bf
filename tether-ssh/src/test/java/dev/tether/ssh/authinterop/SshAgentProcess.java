package dev.tether.ssh.authinterop;

import dev.tether.ssh.testutil.OpenSsh;
import dev.tether.ssh.testutil.Processes;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

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
        return new SshAgentProcess(socket, OpenSsh.startAgent(socket, dir.resolve("agent.err"), AuthInterop.TIMEOUT));
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
            Processes.kill(process);
        }
    }
}
