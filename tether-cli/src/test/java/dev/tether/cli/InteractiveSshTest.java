package dev.tether.cli;

import dev.tether.testkit.Peers;
import dev.tether.testkit.Poll;
import dev.tether.testkit.PrivateSshd;
import dev.tether.testkit.SshKeygen;
import dev.tether.testkit.TempDirs;
import dev.tether.testkit.TetherCli;
import dev.tether.testkit.TetherServerProcess;
import dev.tether.testkit.Tmux;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tether ssh} as a person uses it: in a real terminal (a tmux pane), against a private
 * sshd that gives it a real pty. Logs in, sees a prompt, runs a command, follows a window
 * resize, and leaves with Ctrl-D, after which the local terminal's modes are as before; once
 * against OpenSSH's sshd and once against {@code tether server} (Tether on both ends). Also
 * answers the host key question and a key's passphrase prompt at the terminal. Needs the
 * Debian packages tmux and openssh-server (and openssh-client for ssh-keygen); skipped without them.
 */
class InteractiveSshTest {
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
            PrivateSshd sshd = startSshd();
            return new Target(sshd.port(), sshd.userKey(), sshd.knownHostsLine(), sshd::close);
        }
        Peers.requireSshKeygen();
        TetherServerProcess server = TetherServerProcess.start();
        return new Target(server.port(), server.userKey(), server.knownHostsLine(), server::close);
    }

    /** A private sshd (ed25519 host key; no motd, which would only clutter the screen). */
    private static PrivateSshd startSshd() throws IOException {
        return PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519), List.of("PrintMotd no", "LogLevel INFO"));
    }

    @ParameterizedTest(name = "against {0}")
    @ValueSource(strings = {"sshd", "tether server"})
    void loginShellInARealTerminal(String kind) throws IOException {
        Peers.requireTmux();
        Path dir = TempDirs.create("tether-cli-interactive-");
        try (Target sshd = target(kind)) {
            Path home = Files.createDirectories(dir.resolve("home"));
            Path knownHosts = Files.writeString(dir.resolve("known_hosts"), sshd.knownHostsLine() + "\n");
            Path config = Files.writeString(dir.resolve("ssh_config"), "Host box\n  HostName 127.0.0.1\n  Port " + sshd.port()
                    + "\n  User " + System.getProperty("user.name") + "\n  IdentityFile " + sshd.userKey()
                    + "\n  UserKnownHostsFile " + knownHosts + "\n");
            Path rc = dir.resolve("rc");
            Path before = dir.resolve("stty-before");
            Path after = dir.resolve("stty-after");
            try (Tmux tmux = startInTmux(dir, home, rc, before, after, "-F", config.toString(), "box")) {
                tmux.await(s -> PROMPT.matcher(lastLine(s)).find(), "a shell prompt", WAIT);
                tmux.sendKeys("echo MARK-$((6*7))", "Enter");
                tmux.await(s -> s.lines().anyMatch(l -> l.strip().equals("MARK-42")), "the command's output", WAIT);

                String size = tmux.paneSize();
                tmux.sendKeys("stty size", "Enter");
                tmux.await(s -> s.lines().anyMatch(l -> l.strip().equals(size)), "the remote pty's size " + size, WAIT);

                // a resize reaches the remote pty (sampled every 500 ms): ask until it shows
                tmux.resize(120, 40);
                String newSize = tmux.paneSize();
                assertEquals("40 120", newSize);
                boolean seen = false;
                for (int i = 0; i < 15 && !seen; i++) {
                    tmux.sendKeys("clear; stty size", "Enter");
                    seen = tmux.poll(s -> s.lines().anyMatch(l -> l.strip().equals(newSize)), Duration.ofSeconds(2));
                }
                assertTrue(seen, "the remote pty never reported " + newSize + ":\n" + tmux.screen());

                tmux.sendKeys("C-d");
                assertTrue(Poll.until(() -> Files.exists(rc), WAIT, Duration.ofMillis(50), null),
                        "tether ssh did not end after Ctrl-D:\n" + tmux.screen());
                assertEquals("EXIT=0", Files.readString(rc).trim(), tmux.screen());
                assertTrue(Poll.until(() -> Files.exists(after), WAIT, Duration.ofMillis(50), null));
                assertEquals(Files.readString(before), Files.readString(after), "the terminal's modes are restored");
                assertTrue(tmux.screen().contains("Connection to 127.0.0.1 closed."), tmux.screen());
            }
        } finally {
            TempDirs.deleteTree(dir);
        }
    }

    @Test
    void hostKeyQuestionAndPassphrasePromptOnTheTerminal() throws IOException {
        Peers.requireTmux();
        Path dir = TempDirs.create("tether-cli-prompts-");
        try (PrivateSshd sshd = startSshd()) {
            Path home = Files.createDirectories(dir.resolve("home"));
            Path locked = SshKeygen.generateEncrypted(dir, "locked_key", "ed25519", 0, "open sesame");
            Files.write(sshd.dir().resolve("authorized_keys"), Files.readAllBytes(Path.of(locked + ".pub")),
                    java.nio.file.StandardOpenOption.APPEND);
            Path rc = dir.resolve("rc");
            try (Tmux tmux = startInTmux(dir, home, rc, dir.resolve("before"), dir.resolve("after"), "-F", "none",
                    "-p", Integer.toString(sshd.port()), "-i", locked.toString(), "127.0.0.1", "echo LOGGED-$((40+2))")) {
                tmux.await(s -> s.contains("Are you sure you want to continue connecting (yes/no/[fingerprint])?"),
                        "the host key question", WAIT);
                assertTrue(tmux.screen().contains("The authenticity of host '[127.0.0.1]:" + sshd.port()), tmux.screen());
                tmux.sendKeys("yes", "Enter");
                tmux.await(s -> s.contains("Enter passphrase for key '" + locked + "':"), "the passphrase prompt", WAIT);
                tmux.sendKeys("open sesame", "Enter");
                assertTrue(Poll.until(() -> Files.exists(rc), WAIT, Duration.ofMillis(50), null),
                        "tether ssh did not end:\n" + tmux.screen());
                String screen = tmux.screen();
                assertEquals("EXIT=0", Files.readString(rc).trim(), screen);
                assertTrue(screen.contains("LOGGED-42"), screen);
                assertTrue(!screen.contains("open sesame"), "the passphrase is not echoed:\n" + screen);
                assertTrue(screen.contains("Warning: Permanently added '[127.0.0.1]:" + sshd.port() + "' (ED25519)"), screen);
                assertTrue(Files.readString(home.resolve(".ssh/known_hosts")).contains(
                        Files.readString(sshd.hostKeyPub()).trim().split("\\s+")[1]));
            }
        } finally {
            TempDirs.deleteTree(dir);
        }
    }

    /**
     * Runs {@code tether ARGS} in a detached 100x30 tmux pane (no status line) with HOME set;
     * the pane's shell records the terminal modes before and after, and the exit code in
     * {@code rc} once tether has ended.
     */
    private static Tmux startInTmux(Path dir, Path home, Path rc, Path before, Path after, String... sshArgs)
            throws IOException {
        List<String> args = new ArrayList<>(List.of("ssh"));
        args.addAll(List.of(sshArgs));
        String cmd = Tmux.commandLine(TetherCli.command(args.toArray(new String[0])));
        Path script = Files.writeString(dir.resolve("run-" + rc.getFileName() + ".sh"), String.join("\n",
                "#!/bin/sh",
                "stty -g > " + quote(before.toString()),
                "HOME=" + quote(home.toString()) + " SSH_AUTH_SOCK= " + cmd,
                "echo \"EXIT=$?\" > " + quote(rc + ".tmp") + " && mv " + quote(rc + ".tmp") + " " + quote(rc.toString()),
                "stty -g > " + quote(after.toString()),
                "exec sleep 600",
                ""));
        return Tmux.start(dir, 100, 30, "sh " + quote(script.toString()));
    }

    private static String lastLine(String screen) {
        List<String> lines = screen.lines().filter(l -> !l.isBlank()).toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    private static String quote(String s) {
        return Tmux.quote(s);
    }
}
