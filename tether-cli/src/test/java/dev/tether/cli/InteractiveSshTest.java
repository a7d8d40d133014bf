package dev.tether.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code tether ssh} as a person uses it: in a real terminal (a tmux pane), against a private
 * sshd that gives it a real pty. Logs in, sees a prompt, runs a command, follows a window
 * resize, and leaves with Ctrl-D, after which the local terminal's modes are as before; once
 * against OpenSSH's sshd and once against {@code tether server} (Tether on both ends). Also
 * answers the host key question and a key's passphrase prompt at the terminal. Needs the
 * Debian packages tmux and openssh-server (and openssh-client for ssh-keygen); skipped without them.
 */
class InteractiveSshTest {
    private static final Path TMUX = Path.of("/usr/bin/tmux");
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Pattern PROMPT = Pattern.compile("(?m)^.*[#$%>] ?$");

    /** A server to log in to: its port, the key it lets in, its known_hosts line. */
    private record Target(int port, Path userKey, String knownHostsLine, Runnable stop) implements AutoCloseable {
        @Override
        public void close() {
            stop.run();
        }
    }

    private static Target target(String kind) throws IOException {
        if (kind.equals("sshd")) {
            assumeTrue(PrivateSshd.available(), "OpenSSH server (openssh-server) or ssh-keygen is not installed");
            PrivateSshd sshd = PrivateSshd.start();
            return new Target(sshd.port(), sshd.userKey(), sshd.knownHostsLine(), sshd::close);
        }
        assumeTrue(Files.isExecutable(Procs.SSH_KEYGEN), "ssh-keygen is not installed");
        TetherServerProcess server = TetherServerProcess.start();
        return new Target(server.port(), server.userKey(), server.knownHostsLine(), server::close);
    }

    @ParameterizedTest(name = "against {0}")
    @ValueSource(strings = {"sshd", "tether server"})
    void loginShellInARealTerminal(String kind) throws IOException {
        assumeTrue(Files.isExecutable(TMUX), "tmux is not installed (apt-get install -y tmux)");
        Path dir = Procs.tempDir("interactive");
        Path socket = dir.resolve("tmux.sock");
        try (Target sshd = target(kind)) {
            Path home = Files.createDirectories(dir.resolve("home"));
            Path knownHosts = Files.writeString(dir.resolve("known_hosts"), sshd.knownHostsLine() + "\n");
            Path config = Files.writeString(dir.resolve("ssh_config"), "Host box\n  HostName 127.0.0.1\n  Port " + sshd.port()
                    + "\n  User " + System.getProperty("user.name") + "\n  IdentityFile " + sshd.userKey()
                    + "\n  UserKnownHostsFile " + knownHosts + "\n");
            Path rc = dir.resolve("rc");
            Path before = dir.resolve("stty-before");
            Path after = dir.resolve("stty-after");
            startInTmux(dir, socket, home, rc, before, after, "-F", config.toString(), "box");

            awaitPane(socket, s -> PROMPT.matcher(lastLine(s)).find(), "a shell prompt");
            tmux(socket, "send-keys", "-t", "t", "echo MARK-$((6*7))", "Enter");
            awaitPane(socket, s -> s.lines().anyMatch(l -> l.strip().equals("MARK-42")), "the command's output");

            String size = tmux(socket, "display-message", "-p", "-t", "t", "#{pane_height} #{pane_width}").trim();
            tmux(socket, "send-keys", "-t", "t", "stty size", "Enter");
            awaitPane(socket, s -> s.lines().anyMatch(l -> l.strip().equals(size)), "the remote pty's size " + size);

            // a resize reaches the remote pty (sampled every 500 ms): ask until it shows
            tmux(socket, "resize-window", "-t", "t", "-x", "120", "-y", "40");
            String newSize = tmux(socket, "display-message", "-p", "-t", "t", "#{pane_height} #{pane_width}").trim();
            assertEquals("40 120", newSize);
            boolean seen = false;
            for (int i = 0; i < 15 && !seen; i++) {
                tmux(socket, "send-keys", "-t", "t", "clear; stty size", "Enter");
                seen = Procs.await(() -> pane(socket).lines().anyMatch(l -> l.strip().equals(newSize)),
                        Duration.ofSeconds(2), Duration.ofMillis(50), null);
            }
            assertTrue(seen, "the remote pty never reported " + newSize + ":\n" + pane(socket));

            tmux(socket, "send-keys", "-t", "t", "C-d");
            assertTrue(Procs.await(() -> Files.exists(rc), WAIT, Duration.ofMillis(50), null),
                    "tether ssh did not end after Ctrl-D:\n" + pane(socket));
            assertEquals("EXIT=0", Files.readString(rc).trim(), pane(socket));
            assertTrue(Procs.await(() -> Files.exists(after), WAIT, Duration.ofMillis(50), null));
            assertEquals(Files.readString(before), Files.readString(after), "the terminal's modes are restored");
            assertTrue(pane(socket).contains("Connection to 127.0.0.1 closed."), pane(socket));
        } finally {
            try {
                tmux(socket, "kill-server");
            } catch (IOException | AssertionError e) {
                // already gone
            }
            Procs.deleteTree(dir);
        }
    }

    @Test
    void hostKeyQuestionAndPassphrasePromptOnTheTerminal() throws IOException {
        assumeTrue(Files.isExecutable(TMUX), "tmux is not installed (apt-get install -y tmux)");
        assumeTrue(PrivateSshd.available(), "OpenSSH server (openssh-server) or ssh-keygen is not installed");
        Path dir = Procs.tempDir("prompts");
        Path socket = dir.resolve("tmux.sock");
        try (PrivateSshd sshd = PrivateSshd.start()) {
            Path home = Files.createDirectories(dir.resolve("home"));
            Path locked = Procs.sshKeygen(dir, "locked_key", "ed25519", 0, "open sesame");
            Files.write(sshd.dir().resolve("authorized_keys"), Files.readAllBytes(Path.of(locked + ".pub")),
                    java.nio.file.StandardOpenOption.APPEND);
            Path rc = dir.resolve("rc");
            startInTmux(dir, socket, home, rc, dir.resolve("before"), dir.resolve("after"), "-F", "none",
                    "-p", Integer.toString(sshd.port()), "-i", locked.toString(), "127.0.0.1", "echo LOGGED-$((40+2))");

            awaitPane(socket, s -> s.contains("Are you sure you want to continue connecting (yes/no/[fingerprint])?"),
                    "the host key question");
            assertTrue(pane(socket).contains("The authenticity of host '[127.0.0.1]:" + sshd.port()), pane(socket));
            tmux(socket, "send-keys", "-t", "t", "yes", "Enter");
            awaitPane(socket, s -> s.contains("Enter passphrase for key '" + locked + "':"), "the passphrase prompt");
            tmux(socket, "send-keys", "-t", "t", "open sesame", "Enter");
            assertTrue(Procs.await(() -> Files.exists(rc), WAIT, Duration.ofMillis(50), null),
                    "tether ssh did not end:\n" + pane(socket));
            String screen = pane(socket);
            assertEquals("EXIT=0", Files.readString(rc).trim(), screen);
            assertTrue(screen.contains("LOGGED-42"), screen);
            assertTrue(!screen.contains("open sesame"), "the passphrase is not echoed:\n" + screen);
            assertTrue(screen.contains("Warning: Permanently added '[127.0.0.1]:" + sshd.port() + "' (ED25519)"), screen);
            assertTrue(Files.readString(home.resolve(".ssh/known_hosts")).contains(
                    Files.readString(sshd.hostKeyPub()).trim().split("\\s+")[1]));
        } finally {
            try {
                tmux(socket, "kill-server");
            } catch (IOException | AssertionError e) {
                // already gone
            }
            Procs.deleteTree(dir);
        }
    }

    /**
     * Runs {@code tether ARGS} in a detached 100x30 tmux pane (no status line) with HOME set;
     * the pane's shell records the terminal modes before and after, and the exit code in
     * {@code rc} once tether has ended.
     */
    private static void startInTmux(Path dir, Path socket, Path home, Path rc, Path before, Path after, String... sshArgs)
            throws IOException {
        List<String> args = new ArrayList<>(List.of("ssh"));
        args.addAll(List.of(sshArgs));
        StringBuilder cmd = new StringBuilder();
        for (String a : Procs.tetherCommand(args.toArray(new String[0]))) {
            cmd.append(quote(a)).append(' ');
        }
        Path script = Files.writeString(dir.resolve("run-" + rc.getFileName() + ".sh"), String.join("\n",
                "#!/bin/sh",
                "stty -g > " + quote(before.toString()),
                "HOME=" + quote(home.toString()) + " SSH_AUTH_SOCK= " + cmd,
                "echo \"EXIT=$?\" > " + quote(rc + ".tmp") + " && mv " + quote(rc + ".tmp") + " " + quote(rc.toString()),
                "stty -g > " + quote(after.toString()),
                "exec sleep 600",
                ""));
        Path tmuxConf = Files.writeString(dir.resolve("tmux.conf"), "set -g status off\n");
        tmux(socket, "-f", tmuxConf.toString(), "new-session", "-d", "-s", "t", "-x", "100", "-y", "30",
                "sh " + quote(script.toString()));
    }

    private static String tmux(Path socket, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(TMUX.toString(), "-S", socket.toString()));
        cmd.addAll(List.of(args));
        Procs.Result r = Procs.run(cmd, Map.of("TMUX", "", "TERM", "xterm-256color", "LC_ALL", "C"), null,
                Duration.ofSeconds(30));
        if (r.exit() != 0) {
            fail("tmux failed: " + r.describe());
        }
        return r.stdout();
    }

    private static String pane(Path socket) {
        try {
            return tmux(socket, "capture-pane", "-p", "-t", "t");
        } catch (IOException e) {
            return "";
        }
    }

    private static void awaitPane(Path socket, java.util.function.Predicate<String> condition, String what) {
        if (!Procs.await(() -> condition.test(pane(socket)), WAIT, Duration.ofMillis(100), null)) {
            fail("no " + what + " in the terminal within " + WAIT + ":\n" + pane(socket));
        }
    }

    private static String lastLine(String screen) {
        List<String> lines = screen.lines().filter(l -> !l.isBlank()).toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
