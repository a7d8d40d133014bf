package dev.tether.cli;

import dev.tether.testkit.FreePorts;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Poll;
import dev.tether.testkit.PrivateSshd;
import dev.tether.testkit.Processes;
import dev.tether.testkit.SshAgent;
import dev.tether.testkit.SshKeygen;
import dev.tether.testkit.TempDirs;
import dev.tether.testkit.TetherCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tether ssh} in a child JVM against a private OpenSSH server: exit status, streams,
 * known_hosts handling, ssh_config, authentication order and failures, and usage errors.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SshCommandTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    private PrivateSshd sshd;
    private Path home;
    private Path knownHosts;
    private String user;

    @BeforeAll
    void start() throws IOException {
        sshd = PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519), List.of("PrintMotd no", "LogLevel INFO"));
        home = TempDirs.create("tether-cli-ssh-home-");
        knownHosts = home.resolve("known_hosts_for_tests");
        Files.writeString(knownHosts, sshd.knownHostsLine() + "\n");
        user = System.getProperty("user.name");
    }

    @AfterAll
    void stop() {
        if (sshd != null) {
            sshd.close();
        }
        TempDirs.deleteTree(home);
    }

    /** The flags most tests use: no config files, the authorized key, a known_hosts that knows the server. */
    private List<String> base() {
        return new ArrayList<>(List.of("-F", "none", "-p", Integer.toString(sshd.port()), "-i", sshd.userKey().toString(),
                "-o", "UserKnownHostsFile=" + knownHosts, "-o", "BatchMode=yes"));
    }

    private Processes.Result ssh(Path homeDir, Path stdin, List<String> args) throws IOException {
        return ssh(homeDir, stdin, args, Map.of());
    }

    private Processes.Result ssh(Path homeDir, Path stdin, List<String> args, Map<String, String> extraEnv) throws IOException {
        List<String> all = new ArrayList<>(List.of("ssh"));
        all.addAll(args);
        Map<String, String> env = new java.util.HashMap<>(TetherCli.env(homeDir));
        env.putAll(extraEnv);
        return Processes.run(TetherCli.command(all.toArray(new String[0])), env, stdin, null, TIMEOUT);
    }

    private List<String> with(List<String> first, String... more) {
        List<String> out = new ArrayList<>(first);
        out.addAll(List.of(more));
        return out;
    }

    @Test
    void execReturnsTheRemoteStatusAndItsStreams() throws IOException {
        Processes.Result r = ssh(home, null, with(base(), user + "@127.0.0.1", "echo out; echo err >&2; exit 3"));
        assertEquals(3, r.exitCode(), r.describe());
        assertEquals("out\n", r.stdout(), r.describe());
        assertTrue(r.stderr().contains("err"), r.describe());

        Processes.Result args = ssh(home, null, with(base(), "127.0.0.1", "printf", "%s-%s", "a", "b"));
        assertEquals(0, args.exitCode(), args.describe());
        assertEquals("a-b", args.stdout(), "the command's words are joined with spaces, as ssh(1) does");

        Processes.Result killed = ssh(home, null, with(base(), "127.0.0.1", "kill -9 $$"));
        assertEquals(255, killed.exitCode(), "no exit status (killed by a signal): 255, as ssh(1)");
    }

    @Test
    void stdinIsStreamedByteForByte() throws IOException {
        byte[] data = new byte[3 * 1024 * 1024 + 12345];
        new SecureRandom().nextBytes(data);
        Path in = Files.write(home.resolve("stdin.bin"), data);
        Processes.Result r = ssh(home, in, with(base(), "127.0.0.1", "cat"));
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(data.length, r.stdoutBytes().length);
        assertArrayEquals(data, r.stdoutBytes());

        Processes.Result count = ssh(home, in, with(base(), "127.0.0.1", "wc -c; exit 7"));
        assertEquals(7, count.exitCode(), count.describe());
        assertEquals(Integer.toString(data.length), count.stdout().trim());
    }

    @Test
    void aClosedLocalPipeEndsTheSession() throws IOException {
        // `yes` never stops by itself: when head has had enough, the session must end, as ssh(1) dies of SIGPIPE
        StringBuilder cmd = new StringBuilder();
        List<String> args = with(List.of("ssh"), base().toArray(new String[0]));
        args.addAll(List.of("127.0.0.1", "yes"));
        for (String a : TetherCli.command(args.toArray(new String[0]))) {
            cmd.append('\'').append(a.replace("'", "'\\''")).append("' ");
        }
        Processes.Result r = Processes.run(List.of("/bin/sh", "-c", cmd + "| head -c 6"), TetherCli.env(home), null, null, TIMEOUT);
        assertFalse(r.timedOut(), r.describe());
        assertEquals("y\ny\ny\n", r.stdout());
    }

    @Test
    void acceptNewRecordsTheHostKeyInHomeKnownHosts() throws IOException {
        Path fresh = TempDirs.create("tether-cli-ssh-fresh-");
        try {
            List<String> args = List.of("-F", "none", "-p", Integer.toString(sshd.port()), "-i", sshd.userKey().toString(),
                    "-o", "StrictHostKeyChecking=accept-new", "127.0.0.1", "echo", "hello");
            Processes.Result r = ssh(fresh, null, args);
            assertEquals(0, r.exitCode(), r.describe());
            assertEquals("hello\n", r.stdout());
            assertTrue(r.stderr().contains("Warning: Permanently added '[127.0.0.1]:" + sshd.port() + "' (ED25519)"), r.describe());
            Path kh = fresh.resolve(".ssh/known_hosts");
            assertTrue(Files.isRegularFile(kh), "known_hosts is written under $HOME");
            Processes.Result found = Processes.runOk(List.of(Peers.SSH_KEYGEN.toString(), "-F", "[127.0.0.1]:" + sshd.port(), "-f", kh.toString()), Map.of(), null, TetherCli.TIMEOUT);
            String hostKey = Files.readString(sshd.hostKeyPub()).trim().split("\\s+")[1];
            assertTrue(found.stdout().contains(hostKey), found.describe());

            // now known: the default policy (ask, with nobody to ask) connects without a word
            Processes.Result again = ssh(fresh, null, List.of("-F", "none", "-p", Integer.toString(sshd.port()), "-i",
                    sshd.userKey().toString(), "127.0.0.1", "true"));
            assertEquals(0, again.exitCode(), again.describe());
            assertFalse(again.stderr().contains("Permanently added"), again.describe());
        } finally {
            TempDirs.deleteTree(fresh);
        }
    }

    @Test
    void anUnknownHostIsRefusedWhenNobodyCanBeAsked() throws IOException {
        Path fresh = TempDirs.create("tether-cli-ssh-unknown-");
        try {
            Processes.Result r = ssh(fresh, null, List.of("-F", "none", "-p", Integer.toString(sshd.port()), "-i",
                    sshd.userKey().toString(), "127.0.0.1", "true"));
            assertEquals(255, r.exitCode(), r.describe());
            assertTrue(r.stderr().contains("Host key verification failed."), r.describe());
            assertFalse(Files.exists(fresh.resolve(".ssh/known_hosts")));
        } finally {
            TempDirs.deleteTree(fresh);
        }
    }

    @Test
    void aChangedHostKeyIsRefusedWithOpenSshWarning() throws IOException {
        Path other = SshKeygen.generate(home, "impostor_host_key", "ed25519", 0);
        String[] f = Files.readString(Path.of(other + ".pub")).trim().split("\\s+");
        Path kh = Files.writeString(home.resolve("known_hosts_changed"),
                "[127.0.0.1]:" + sshd.port() + " " + f[0] + " " + f[1] + "\n");
        String before = Files.readString(kh);
        for (String policy : List.of("yes", "accept-new", "ask")) {
            Processes.Result r = ssh(home, null, List.of("-F", "none", "-p", Integer.toString(sshd.port()), "-i",
                    sshd.userKey().toString(), "-o", "UserKnownHostsFile=" + kh, "-o", "StrictHostKeyChecking=" + policy,
                    "127.0.0.1", "echo", "should-not-run"));
            assertEquals(255, r.exitCode(), r.describe());
            assertEquals("", r.stdout());
            assertTrue(r.stderr().contains("@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @"), r.describe());
            assertTrue(r.stderr().contains("Offending ED25519 key in " + kh + ":1"), r.describe());
            assertTrue(r.stderr().contains("Host key verification failed."), r.describe());
        }
        assertEquals(before, Files.readString(kh), "a changed key is never written");
    }

    @Test
    void aHostAliasFromTheConfigFileIsHonoured() throws IOException {
        Path cfg = Files.writeString(home.resolve("alias_config"), String.join("\n",
                "# an alias",
                "Host other-host",
                "    HostName 192.0.2.1",
                "Host tether-test !nothing te?her-*",
                "    HostName 127.0.0.1",
                "    Port " + sshd.port(),
                "    User " + user,
                "    IdentityFile " + sshd.userKey(),
                "    IdentitiesOnly yes",
                "    UserKnownHostsFile " + knownHosts,
                "    StrictHostKeyChecking yes",
                "    ConnectTimeout 20",
                "    ServerAliveInterval 15",
                "    BatchMode yes",
                "    PreferredAuthentications publickey",
                "Host *",
                "    Port 1",
                "    User nobody",
                ""));
        Processes.Result r = ssh(home, null, List.of("-F", cfg.toString(), "tether-test", "id -un; echo $SSH_CONNECTION"));
        assertEquals(0, r.exitCode(), r.describe());
        List<String> lines = r.stdout().lines().toList();
        assertEquals(user, lines.get(0));
        assertTrue(lines.get(1).endsWith(" " + sshd.port()), r.stdout());

        // -o and -p on the command line win over the file
        Processes.Result refused = ssh(home, null, List.of("-F", cfg.toString(), "-o", "Port=" + FreePorts.freePort(), "tether-test", "true"));
        assertEquals(255, refused.exitCode(), refused.describe());
        assertTrue(refused.stderr().contains("Connection refused"), refused.describe());
    }

    @Test
    void userConfigAndDefaultIdentityComeFromHome() throws IOException {
        Path fresh = TempDirs.create("tether-cli-ssh-home-config-");
        try {
            Path sshDir = Files.createDirectories(fresh.resolve(".ssh"));
            Files.copy(sshd.userKey(), sshDir.resolve("id_ed25519"));
            Files.copy(Path.of(sshd.userKey() + ".pub"), sshDir.resolve("id_ed25519.pub"));
            Files.writeString(sshDir.resolve("known_hosts"), sshd.knownHostsLine() + "\n");
            Files.writeString(sshDir.resolve("config"), "Host from-home\n  HostName 127.0.0.1\n  Port " + sshd.port()
                    + "\n  User " + user + "\n  IdentityFile ~/.ssh/id_ed25519\n  BatchMode yes\n");
            Processes.Result r = ssh(fresh, null, List.of("from-home", "echo", "via-home-config"));
            assertEquals(0, r.exitCode(), r.describe());
            assertEquals("via-home-config\n", r.stdout());

            // without any IdentityFile: the default ~/.ssh/id_ed25519
            Processes.Result d = ssh(fresh, null, List.of("-F", "none", "-p", Integer.toString(sshd.port()), "-o", "BatchMode=yes",
                    "127.0.0.1", "echo", "default-identity"));
            assertEquals(0, d.exitCode(), d.describe());
            assertEquals("default-identity\n", d.stdout());
        } finally {
            TempDirs.deleteTree(fresh);
        }
    }

    @Test
    void authenticationFailureSaysPermissionDenied() throws IOException {
        Path stranger = SshKeygen.generate(home, "stranger_key", "ecdsa", 256);
        List<String> args = base();
        args.set(args.indexOf("-i") + 1, stranger.toString());
        Processes.Result r = ssh(home, null, with(args, user + "@127.0.0.1", "true"));
        assertEquals(255, r.exitCode(), r.describe());
        assertTrue(r.stderr().contains(user + "@127.0.0.1: Permission denied (publickey,password,keyboard-interactive)."),
                r.describe());

        // an encrypted key with nobody to type its passphrase is skipped, without hanging
        Path locked = SshKeygen.generateEncrypted(home, "locked_key", "ed25519", 0, "secret");
        Files.write(sshd.dir().resolve("authorized_keys"), Files.readAllBytes(Path.of(locked + ".pub")),
                java.nio.file.StandardOpenOption.APPEND);
        args.set(args.indexOf("-i") + 1, locked.toString());
        Processes.Result l = ssh(home, null, with(args, "127.0.0.1", "true"));
        assertEquals(255, l.exitCode(), l.describe());
        assertTrue(l.stderr().contains("Permission denied"), l.describe());
    }

    @Test
    void agentKeysAreUsed() throws IOException {
        Path dir = TempDirs.create("tether-cli-agent-");
        try (SshAgent agent = SshAgent.start(dir)) {
            Path sock = agent.socket();
            assertTrue(Files.exists(sock));
            Processes.Result add = agent.sshAdd(sshd.userKey().toString());
            assertEquals(0, add.exitCode(), add.describe());
            Path fresh = TempDirs.create("tether-cli-ssh-agent-home-");
            try {
                Processes.Result r = ssh(fresh, null, List.of("-F", "none", "-p", Integer.toString(sshd.port()),
                                "-o", "UserKnownHostsFile=" + knownHosts, "-o", "BatchMode=yes", "127.0.0.1", "echo", "agent-ok"),
                        Map.of("SSH_AUTH_SOCK", sock.toString()));
                assertEquals(0, r.exitCode(), r.describe());
                assertEquals("agent-ok\n", r.stdout());
                // IdentityAgent none: the agent is not asked, and there is no other key
                Processes.Result none = ssh(fresh, null, List.of("-F", "none", "-p", Integer.toString(sshd.port()),
                                "-o", "UserKnownHostsFile=" + knownHosts, "-o", "BatchMode=yes", "-o", "IdentityAgent=none",
                                "127.0.0.1", "true"),
                        Map.of("SSH_AUTH_SOCK", sock.toString()));
                assertEquals(255, none.exitCode(), none.describe());

                // a key that may only be used towards this sshd (ssh-add -h, its host keys in -H):
                // the agent signs with it only on a connection bound to the session, for a
                // publickey-hostbound-v00@openssh.com request, as ssh(1) sends them
                assertEquals(0, agent.sshAdd("-D").exitCode());
                StringBuilder lines = new StringBuilder();
                for (PrivateSshd.HostKey k : sshd.hostKeyFiles().keySet()) {
                    String[] f = Files.readString(sshd.hostKeyPub(k), StandardCharsets.US_ASCII).trim().split("\\s+");
                    lines.append("127.0.0.1 ").append(f[0]).append(' ').append(f[1]).append('\n');
                }
                Path destinationHosts = dir.resolve("destination_hosts");
                Files.writeString(destinationHosts, lines, StandardCharsets.US_ASCII);
                Processes.Result constrained = agent.sshAdd("-H", destinationHosts.toString(), "-h", "127.0.0.1",
                        sshd.userKey().toString());
                assertEquals(0, constrained.exitCode(), constrained.describe());
                Processes.Result bound = ssh(fresh, null, List.of("-F", "none", "-p", Integer.toString(sshd.port()),
                                "-o", "UserKnownHostsFile=" + knownHosts, "-o", "BatchMode=yes", "127.0.0.1", "echo", "bound-ok"),
                        Map.of("SSH_AUTH_SOCK", sock.toString()));
                assertEquals(0, bound.exitCode(), bound.describe());
                assertEquals("bound-ok\n", bound.stdout());
            } finally {
                TempDirs.deleteTree(fresh);
            }
        } finally {
            TempDirs.deleteTree(dir);
        }
    }

    @Test
    void noCommandKeepsTheConnectionOpen() throws IOException {
        String before = sshd.log();
        List<String> args = with(List.of("ssh"), base().toArray(new String[0]));
        args.addAll(List.of("-N", "127.0.0.1"));
        try (Processes.Running tether = Processes.start(TetherCli.command(args.toArray(new String[0])), Map.of(), null, home)) {
            Process p = tether.process();
            int accepted = count(before, "Accepted publickey");
            assertTrue(Poll.until(() -> count(sshd.log(), "Accepted publickey") > accepted || !p.isAlive(),
                    TIMEOUT, Duration.ofMillis(50), p), "no login seen in the sshd log");
            assertTrue(p.isAlive(), "-N keeps running after logging in");
        }
    }

    @Test
    void connectionErrorsExit255() throws IOException {
        int closed = FreePorts.freePort();
        Processes.Result r = ssh(home, null, List.of("-F", "none", "-p", Integer.toString(closed), "127.0.0.1", "true"));
        assertEquals(255, r.exitCode(), r.describe());
        assertEquals("ssh: connect to host 127.0.0.1 port " + closed + ": Connection refused\n", r.stderr());

        Processes.Result unresolved = ssh(home, null, List.of("-F", "none", "no-such-host.invalid", "true"));
        assertEquals(255, unresolved.exitCode(), unresolved.describe());
        assertTrue(unresolved.stderr().startsWith("ssh: Could not resolve hostname no-such-host.invalid"), unresolved.describe());

        Processes.Result badOption = ssh(home, null, List.of("-F", "none", "-o", "NoSuchOption=1", "127.0.0.1", "true"));
        assertEquals(255, badOption.exitCode(), badOption.describe());
        assertTrue(badOption.stderr().contains("Bad configuration option: nosuchoption"), badOption.describe());
    }

    @Test
    void badFlagsExit2WithUsage() throws IOException {
        for (List<String> bad : List.of(List.of("-Z", "127.0.0.1"), List.<String>of(), List.of("-p"), List.of("-p", "x", "-F"))) {
            Processes.Result r = ssh(home, null, bad);
            assertEquals(2, r.exitCode(), r.describe());
            assertTrue(r.stderr().contains("Usage: tether ssh"), r.describe());
            assertEquals("", r.stdout());
        }
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
