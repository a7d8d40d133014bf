package dev.tether.examples;

import dev.tether.ssh.ExecResult;
import dev.tether.ssh.client.SshClient;

import java.io.IOException;
import java.time.Duration;

/**
 * A command on a host reached through a jump host, as {@code ssh -J JUMP DESTINATION COMMAND}:
 * the jump host is logged in to first, and the destination's connection runs inside a
 * {@code direct-tcpip} channel of the jump host's; each is checked against known_hosts and
 * authenticated as {@code ssh} would.
 *
 * <pre>usage: JumpHost JUMP DESTINATION COMMAND</pre>
 */
public final class JumpHost {
    private JumpHost() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: JumpHost JUMP DESTINATION COMMAND");
            System.exit(2);
        }
        ExecResult r = run(SshClient.builder(args[1]), args[0], args[2], Duration.ofMinutes(10));
        System.out.print(r.stdoutText());
        System.err.print(r.stderrText());
        System.exit(r.exitStatus());
    }

    /** Runs {@code command} on {@code destination} through {@code jump} ({@code [user@]host[:port]}, or a comma-separated chain). */
    public static ExecResult run(SshClient.Builder destination, String jump, String command, Duration timeout) throws IOException {
        try (SshClient client = destination.option("ProxyJump=" + jump).connect()) {
            return client.exec(command, timeout);
        }
    }
}
