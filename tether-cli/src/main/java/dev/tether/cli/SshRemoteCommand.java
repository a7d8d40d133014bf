package dev.tether.cli;

import dev.tether.ssh.client.ClientSettings;
import dev.tether.ssh.client.SshConfig;

import dev.tether.ssh.Transport;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.PtyRequest;
import dev.tether.ssh.keys.HostPatterns;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The remote command or shell of {@code tether ssh} on one session channel: the pty request
 * (RequestTTY), SetEnv/SendEnv, stdout and stderr copied byte for byte, stdin fed with ssh(1)'s
 * escapes on a terminal, the local terminal in raw mode and its size changes sent on.
 */
final class SshRemoteCommand {
    private static final long WINDOW_POLL_MILLIS = 500;

    private final Transport transport;
    private final ClientSettings s;
    private final String command;
    private final boolean devNullStdin;
    private final PrintStream err;

    /** {@code command} null for the shell. */
    SshRemoteCommand(Transport transport, ClientSettings s, String command, boolean devNullStdin, PrintStream err) {
        this.transport = transport;
        this.s = s;
        this.command = command;
        this.devNullStdin = devNullStdin;
        this.err = err;
    }

    /** Opens the session channel, runs the command or shell, and returns its exit status (255 without one). */
    int run() throws IOException {
        boolean stdinTty = Tty.stdinIsTerminal();
        boolean pty = switch (s.requestTty()) {
            case "force" -> true;
            case "yes" -> {
                if (!stdinTty) {
                    if (!s.quiet()) {
                        err.println("Pseudo-terminal will not be allocated because stdin is not a terminal.");
                    }
                    yield false;
                }
                yield true;
            }
            case "no" -> false;
            default -> command == null && stdinTty;
        };
        boolean raw = pty && stdinTty && !devNullStdin;
        Channel ch = transport.openSession();
        requestForwarding(ch);
        sendEnvironment(ch);
        if (pty) {
            int[] size = stdinTty ? Tty.size() : null;
            int rows = size != null ? size[0] : 24;
            int cols = size != null ? size[1] : 80;
            String term = System.getenv("TERM");
            Map<String, Integer> modes = stdinTty ? Tty.modes() : Map.of();
            if (!ch.requestPty(new PtyRequest(term == null ? "" : term, cols, rows, 0, 0, modes))) {
                err.println("PTY allocation request failed on channel " + ch.localId());
            }
        }
        boolean started = command != null ? ch.exec(command) : ch.shell();
        if (!started) {
            err.println((command != null ? "exec" : "shell") + " request failed on channel " + ch.localId());
            ch.close();
            return SshCommand.FAILURE;
        }
        RawMode rawMode = raw ? RawMode.enter() : null;
        WindowWatcher watcher = raw ? new WindowWatcher(ch) : null;
        try {
            OutputStream stdout = new FileOutputStream(FileDescriptor.out);
            OutputStream stderr = new FileOutputStream(FileDescriptor.err);
            Thread out = pump("tether-ssh-stdout", ch, ch.getInputStream(), stdout);
            Thread errPump = pump("tether-ssh-stderr", ch, ch.getErrorStream(), stderr);
            InputStream in = devNullStdin ? InputStream.nullInputStream() : new FileInputStream(FileDescriptor.in);
            Thread input = new Thread(() -> feedStdin(in, ch, raw), "tether-ssh-stdin");
            input.setDaemon(true);
            input.start();
            if (watcher != null) {
                watcher.start();
            }
            ch.closeFuture().handle((v, t) -> null).join();
            join(out);
            join(errPump);
        } finally {
            if (watcher != null) {
                watcher.stop();
            }
            if (rawMode != null) {
                rawMode.restore();
            }
        }
        if (pty && !s.quiet()) {
            err.println("Connection to " + s.hostName() + " closed.");
        }
        Integer status = ch.exitStatus();
        if (status == null && ch.exitSignal() != null) {
            debug("the remote command was killed by signal " + ch.exitSignal());
        }
        return status == null ? SshCommand.FAILURE : status;
    }

    /**
     * ForwardX11 and ForwardAgent, as ssh(1) asks for them before the command: X11 to the local
     * DISPLAY (with the real cookie from $XAUTHORITY or ~/.Xauthority spoofed), then the agent
     * ({@code yes}: SSH_AUTH_SOCK; else a socket path, {@code ~} and {@code $VAR} expanded).
     * Refusals are warnings, as in ssh.
     */
    private void requestForwarding(Channel ch) throws IOException {
        SshConfig cfg = s.config();
        if (isYes(cfg.get("forwardx11"))) {
            String display = System.getenv("DISPLAY");
            if (display == null || display.isEmpty()) {
                warn("X11 forwarding requested but DISPLAY not set");
            } else {
                try {
                    if (!transport.requestX11Forwarding(ch, display, null, false)) {
                        warn("X11 forwarding request failed on channel " + ch.localId());
                    }
                } catch (IllegalArgumentException e) {
                    warn("X11 forwarding: " + e.getMessage());
                }
            }
        }
        String agent = cfg.get("forwardagent");
        if (agent != null && !agent.equalsIgnoreCase("no") && !agent.equalsIgnoreCase("false")) {
            String path = isYes(agent) ? System.getenv("SSH_AUTH_SOCK")
                    : agent.startsWith("$") ? System.getenv(agent.substring(1)) : Cli.expandTilde(agent);
            if (path == null || path.isEmpty()) {
                debug("ForwardAgent: no agent socket (SSH_AUTH_SOCK is not set)");
            } else if (!transport.requestAgentForwarding(ch, java.nio.file.Path.of(path))) {
                warn("Agent forwarding request failed on channel " + ch.localId());
            }
        }
    }

    private static boolean isYes(String v) {
        return v != null && (v.equalsIgnoreCase("yes") || v.equalsIgnoreCase("true"));
    }

    private void warn(String message) {
        if (!s.quiet()) {
            err.println("Warning: " + message);
        }
    }

    private void sendEnvironment(Channel ch) throws IOException {
        for (String kv : s.setEnv()) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                ch.setEnvironment(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        if (!s.sendEnv().isEmpty()) {
            String patterns = String.join(",", s.sendEnv());
            for (Map.Entry<String, String> e : System.getenv().entrySet()) {
                if (HostPatterns.matchList(e.getKey(), patterns, false) == HostPatterns.Outcome.MATCH) {
                    ch.setEnvironment(e.getKey(), e.getValue());
                }
            }
        }
    }

    /**
     * Copies a channel stream to a local one until EOF, byte for byte. If the local side
     * cannot take more (a closed pipe: ssh(1) would die of SIGPIPE), the channel is closed,
     * so that the remote command is not left blocked on a full window.
     */
    private Thread pump(String name, Channel ch, InputStream from, OutputStream to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[32 * 1024];
            int n;
            while (true) {
                try {
                    n = from.read(buf);
                } catch (IOException e) {
                    debug(name + ": " + e.getMessage());
                    return;
                }
                if (n < 0) {
                    return;
                }
                try {
                    to.write(buf, 0, n);
                    to.flush();
                } catch (IOException e) {
                    debug(name + ": local write failed (" + e.getMessage() + "); closing the channel");
                    ch.close();
                    return;
                }
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void join(Thread t) {
        try {
            t.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * stdin to the channel; EOF when stdin ends. On a terminal, ssh(1)'s escapes after a
     * newline: {@code ~.} disconnects, {@code ~~} sends one {@code ~}, {@code ~?} lists them.
     */
    private void feedStdin(InputStream in, Channel ch, boolean escapes) {
        OutputStream to = ch.getOutputStream();
        byte[] buf = new byte[32 * 1024];
        Character esc = escapes ? s.escapeChar() : null;
        boolean lineStart = true;
        boolean pendingEscape = false;
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (esc == null) {
                    to.write(buf, 0, n);
                    continue;
                }
                java.io.ByteArrayOutputStream chunk = new java.io.ByteArrayOutputStream(n + 1);
                for (int i = 0; i < n; i++) {
                    int b = buf[i] & 0xff;
                    if (pendingEscape) {
                        pendingEscape = false;
                        if (b == '.') {
                            to.write(chunk.toByteArray());
                            err.print("\r\n" + esc + ". Connection to " + s.hostName() + " closed.\r\n");
                            err.flush();
                            transport.close();
                            return;
                        } else if (b == '?') {
                            err.print("\r\nSupported escape sequences:\r\n " + esc + ".   - terminate connection\r\n "
                                    + esc + esc + "   - send the escape character by typing it twice\r\n"
                                    + "(Note that escapes are only recognized immediately after newline.)\r\n");
                            err.flush();
                            continue;
                        } else if (b != esc) {
                            chunk.write(esc);
                        }
                        chunk.write(b);
                        lineStart = false;
                        continue;
                    }
                    if (lineStart && b == esc) {
                        pendingEscape = true;
                        continue;
                    }
                    chunk.write(b);
                    lineStart = b == '\r' || b == '\n';
                }
                to.write(chunk.toByteArray());
            }
            ch.sendEof();
        } catch (IOException e) {
            debug("stdin: " + e.getMessage());
        }
    }

    private void debug(String message) {
        Cli.debug(s, err, message);
    }

    /** The local terminal in raw mode, restored on close and by a shutdown hook (SIGINT, SIGTERM). */
    static final class RawMode {
        private final String saved;
        private final Thread hook;
        private boolean restored;

        private RawMode(String saved) {
            this.saved = saved;
            this.hook = new Thread(this::restoreQuietly, "tether-tty-restore");
        }

        static RawMode enter() {
            try {
                String saved = Tty.stty("-g");
                RawMode m = new RawMode(saved);
                Runtime.getRuntime().addShutdownHook(m.hook);
                Tty.stty("raw", "-echo");
                return m;
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        synchronized void restore() {
            restoreQuietly();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down: the hook is running or has run
            }
        }

        private synchronized void restoreQuietly() {
            if (restored) {
                return;
            }
            restored = true;
            try {
                Tty.stty(saved);
            } catch (IOException e) {
                // the terminal is gone
            }
        }
    }

    /**
     * Sends window-change when the terminal's size changes. Java has no SIGWINCH handler, so this
     * samples {@code stty size} every {@value SshRemoteCommand#WINDOW_POLL_MILLIS} ms.
     */
    static final class WindowWatcher {
        private final Channel ch;
        private final java.util.concurrent.ScheduledExecutorService timer;
        private int[] last;

        WindowWatcher(Channel ch) {
            this.ch = ch;
            this.timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "tether-ssh-winch");
                t.setDaemon(true);
                return t;
            });
            this.last = Tty.size();
        }

        void start() {
            timer.scheduleWithFixedDelay(this::check, WINDOW_POLL_MILLIS, WINDOW_POLL_MILLIS, TimeUnit.MILLISECONDS);
        }

        private void check() {
            int[] now = Tty.size();
            if (now != null && !Arrays.equals(now, last) && !ch.isClosed()) {
                last = now;
                try {
                    ch.windowChange(now[1], now[0], 0, 0);
                } catch (IOException e) {
                    // the channel is closing
                }
            }
        }

        void stop() {
            timer.shutdownNow();
        }
    }
}
