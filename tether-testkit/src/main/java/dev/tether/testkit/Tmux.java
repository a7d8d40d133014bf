package dev.tether.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real terminal for tests: a tmux server of its own (a private socket in the caller's
 * directory, no status line) with one detached session {@code t} running a command; keys are
 * sent with {@code send-keys}, the screen read with {@code capture-pane}, and every wait for text
 * is bounded. Each tmux command runs with a deadline, TERM=xterm-256color, LC_ALL=C and without
 * the TMUX of an enclosing tmux.
 *
 * <p>Threading: one test thread drives it. Cleans up: {@link #close()} runs {@code kill-server}
 * and then kills the tmux server process (and what runs in its panes) if it is still alive.
 */
public final class Tmux implements AutoCloseable {
    /** The session's name, for {@code -t}. */
    public static final String SESSION = "t";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final Path socket;
    private long serverPid = -1;

    private Tmux(Path dir) {
        this.dir = dir;
        this.socket = dir.resolve("tmux.sock");
    }

    /**
     * Starts a tmux server with a {@code width}x{@code height} session running {@code command}
     * (a shell command line); requires tmux.
     *
     * @param dir       where the socket and the config file go (the caller's; left in place)
     * @param confLines tmux.conf lines after {@code set -g status off}, e.g. {@code set -g remain-on-exit on}
     */
    public static Tmux start(Path dir, int width, int height, String command, String... confLines) throws IOException {
        Peers.requireTmux();
        Tmux t = new Tmux(dir);
        List<String> conf = new ArrayList<>(List.of("set -g status off"));
        conf.addAll(List.of(confLines));
        Path tmuxConf = Files.write(dir.resolve("tmux.conf"), conf);
        try {
            t.run("-f", tmuxConf.toString(), "new-session", "-d", "-s", SESSION, "-x", Integer.toString(width),
                    "-y", Integer.toString(height), command);
            t.serverPid = Long.parseLong(t.run("display-message", "-p", "#{pid}").trim());
        } catch (IOException | RuntimeException | AssertionError e) {
            t.close();
            throw e;
        }
        return t;
    }

    /** Runs {@code tmux -S SOCKET ARGS} (bounded); fails the test unless it exits 0; returns its stdout. */
    public String run(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Peers.TMUX.toString(), "-S", socket.toString()));
        cmd.addAll(List.of(args));
        Map<String, String> env = new HashMap<>();
        env.put("TMUX", null);
        env.put("TERM", "xterm-256color");
        Processes.Result r = Processes.run(cmd, env, null, null, COMMAND_TIMEOUT);
        if (r.exitCode() != 0) {
            fail("tmux failed: " + r.describe());
        }
        return r.stdout();
    }

    /** {@code send-keys -t t KEYS...}: text, or key names such as {@code Enter} and {@code C-d}. */
    public void sendKeys(String... keys) throws IOException {
        List<String> args = new ArrayList<>(List.of("send-keys", "-t", SESSION));
        args.addAll(List.of(keys));
        run(args.toArray(String[]::new));
    }

    /** The visible screen ({@code capture-pane -p}); "" if tmux cannot say. */
    public String screen() {
        try {
            return run("capture-pane", "-p", "-t", SESSION);
        } catch (IOException | AssertionError e) {
            return "";
        }
    }

    /** {@code resize-window} to {@code width}x{@code height}. */
    public void resize(int width, int height) throws IOException {
        run("resize-window", "-t", SESSION, "-x", Integer.toString(width), "-y", Integer.toString(height));
    }

    /** The pane's size as {@code stty size} prints it: "ROWS COLUMNS". */
    public String paneSize() throws IOException {
        return run("display-message", "-p", "-t", SESSION, "#{pane_height} #{pane_width}").trim();
    }

    /** Whether the screen satisfies {@code condition} within {@code timeout} (bounded polling). */
    public boolean poll(Predicate<String> condition, Duration timeout) {
        return Poll.until(() -> condition.test(screen()), timeout, Duration.ofMillis(50), null);
    }

    /** Waits (bounded) until the screen satisfies {@code condition}, or fails the test with the screen. */
    public void await(Predicate<String> condition, String what, Duration timeout) {
        if (!poll(condition, timeout)) {
            fail("no " + what + " in the terminal within " + timeout + ":\n" + screen());
        }
    }

    /** Ends the tmux server ({@code kill-server}, then its process if need be, with what runs in it). */
    @Override
    public void close() {
        try {
            run("kill-server");
        } catch (IOException | AssertionError e) {
            // already gone, or not answering: the kill below
        }
        if (serverPid > 0) {
            ProcessHandle.of(serverPid).ifPresent(h -> {
                h.descendants().forEach(ProcessHandle::destroyForcibly);
                h.destroyForcibly();
                try {
                    h.onExit().get(Processes.KILL_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    // nothing more to do
                }
            });
        }
    }

    /** {@code s} quoted for a POSIX shell (the pane runs its command with {@code sh -c}). */
    public static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** A command line for the pane's shell: every word {@link #quote quoted}. */
    public static String commandLine(List<String> argv) {
        return String.join(" ", argv.stream().map(Tmux::quote).toList());
    }

    /** The directory holding the socket. */
    public Path dir() {
        return dir;
    }
}
