package dev.tether.ssh.policy;

/**
 * A command written in Java that a server runs in-process for {@code exec} or {@code shell},
 * instead of an OS process (in the spirit of AsyncSSH's process API). It runs in a thread of its
 * own; it reads the client's input from {@link CommandContext#stdin()}, writes to
 * {@link CommandContext#stdout()} and {@link CommandContext#stderr()} (writes block on the
 * client's window, so a slow client slows the command, never the connection), and returns its
 * exit status, which the server reports before closing the channel.
 */
@FunctionalInterface
public interface Command {
    /**
     * Runs the command to its end.
     *
     * @param context the session's streams, terminal, environment and login
     * @return the exit status to report to the client
     * @throws Exception if the command fails; the server then reports exit status 1
     */
    int run(CommandContext context) throws Exception;
}
