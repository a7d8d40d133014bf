package dev.tether.examples;

import dev.tether.ssh.ExecResult;
import dev.tether.ssh.client.SshClient;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Runs one command on many hosts at once, as {@code pssh} does: each destination is resolved
 * through ~/.ssh/config like {@code ssh}'s, and each host's output lines are printed with its
 * name in front once it has finished, then a summary. Exits 0 only if the command succeeded
 * everywhere.
 *
 * <pre>usage: RunEverywhere COMMAND DESTINATION...</pre>
 */
public final class RunEverywhere {
    private RunEverywhere() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: RunEverywhere COMMAND DESTINATION...");
            System.exit(2);
        }
        List<String> hosts = Arrays.asList(args).subList(1, args.length);
        System.exit(run(args[0], hosts, SshClient::builder, Duration.ofMinutes(10), System.out) ? 0 : 1);
    }

    /**
     * Runs {@code command} on every destination, at most 16 at a time.
     *
     * @param builders how each destination connects ({@code SshClient::builder} for ssh's defaults)
     * @return whether it exited 0 everywhere
     */
    public static boolean run(String command, List<String> destinations, Function<String, SshClient.Builder> builders,
                              Duration timeout, PrintStream out) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(16, destinations.size())));
        try {
            List<Future<String>> results = new ArrayList<>();
            for (String d : destinations) {
                results.add(pool.submit(() -> runOne(d, command, builders.apply(d), timeout, out)));
            }
            int failed = 0;
            for (Future<String> f : results) {
                try {
                    if (f.get() != null) {
                        failed++;
                    }
                } catch (ExecutionException e) {
                    failed++;
                }
            }
            out.println((destinations.size() - failed) + " of " + destinations.size() + " hosts succeeded");
            return failed == 0;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Null if the command exited 0 there; else why not. */
    private static String runOne(String d, String command, SshClient.Builder builder, Duration timeout, PrintStream out) {
        String failure;
        StringBuilder lines = new StringBuilder();
        try (SshClient client = builder.connect()) {
            ExecResult r = client.exec(command, timeout);
            for (String line : r.stdoutText().split("\n", -1)) {
                if (!line.isEmpty()) {
                    lines.append(d).append(": ").append(line).append('\n');
                }
            }
            for (String line : r.stderrText().split("\n", -1)) {
                if (!line.isEmpty()) {
                    lines.append(d).append(" (stderr): ").append(line).append('\n');
                }
            }
            failure = r.exitStatus() == 0 ? null : "exit status " + r.exitStatus()
                    + (r.exitSignal() != null ? " (signal " + r.exitSignal() + ")" : "");
        } catch (IOException e) {
            failure = e.getMessage();
        }
        if (failure != null) {
            lines.append(d).append(": FAILED: ").append(failure).append('\n');
        }
        synchronized (out) {
            out.print(lines);
            out.flush();
        }
        return failure;
    }
}
