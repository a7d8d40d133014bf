package dev.tether.cli;

import dev.tether.ssh.client.ClientSettings;
import dev.tether.ssh.client.ConfigException;
import dev.tether.ssh.client.SshConfig;

import dev.tether.testkit.Processes;
import dev.tether.testkit.TempDirs;
import dev.tether.testkit.TetherCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How {@code tether ssh} resolves its settings from the command line and ssh_config, seen
 * through {@code -G} (which prints them and exits, as in OpenSSH): no server needed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SshConfigTest {
    private Path home;
    private Path config;

    @BeforeAll
    void setUp() throws IOException {
        home = TempDirs.create("tether-cli-config-home-");
        Path sshDir = Files.createDirectories(home.resolve(".ssh"));
        Files.writeString(sshDir.resolve("included.conf"), "Host inc\n  HostName included.example\n  Port 2201\n");
        config = Files.writeString(sshDir.resolve("config"), String.join("\n",
                "Include included.conf",
                "Host web-* !web-secret",
                "  HostName %h.internal",
                "  User deploy",
                "  IdentityFile ~/.ssh/web_key",
                "  IdentityFile %d/.ssh/%r_%n",
                "Host web-secret",
                "  HostName vault.example",
                "Host db?",
                "  Port=2345",
                "  StrictHostKeyChecking accept-new",
                "  UserKnownHostsFile ~/kh1 \"~/kh two\"",
                "Match originalhost db1",
                "  User matched",
                "Host *",
                "  User fallback",
                "  Port 2222",
                "  ConnectTimeout 7",
                "  IdentityFile ~/.ssh/everyone",
                "  SomeUnknownKeyword whatever",
                ""));
    }

    @AfterAll
    void tearDown() {
        TempDirs.deleteTree(home);
    }

    private Map<String, List<String>> resolve(String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("ssh", "-G"));
        all.addAll(List.of(args));
        Processes.Result r = TetherCli.run(home, all.toArray(new String[0]));
        assertEquals(0, r.exitCode(), r.describe());
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String line : r.stdout().lines().toList()) {
            int sp = line.indexOf(' ');
            out.computeIfAbsent(line.substring(0, sp), k -> new ArrayList<>()).add(line.substring(sp + 1));
        }
        return out;
    }

    @Test
    void hostPatternsAndFirstValueWins() throws IOException {
        Map<String, List<String>> web = resolve("web-01");
        assertEquals(List.of("web-01.internal"), web.get("hostname"));
        assertEquals(List.of("deploy"), web.get("user"));
        assertEquals(List.of("2222"), web.get("port"));
        assertEquals(List.of(home + "/.ssh/web_key", home + "/.ssh/deploy_web-01", home + "/.ssh/everyone"),
                web.get("identityfile"));
        assertEquals(List.of("7"), web.get("connecttimeout"));

        Map<String, List<String>> secret = resolve("web-secret");
        assertEquals(List.of("vault.example"), secret.get("hostname"), "a negated pattern excludes the host");
        assertEquals(List.of("fallback"), secret.get("user"));

        Map<String, List<String>> db = resolve("db1");
        assertEquals(List.of("2345"), db.get("port"));
        assertEquals(List.of("matched"), db.get("user"));
        assertEquals(List.of("accept-new"), db.get("stricthostkeychecking"));
        assertEquals(List.of(home + "/kh1 " + home + "/kh two"), db.get("userknownhostsfile"));

        Map<String, List<String>> dbLong = resolve("db12");
        assertEquals(List.of("2222"), dbLong.get("port"), "? matches exactly one character");

        Map<String, List<String>> inc = resolve("inc");
        assertEquals(List.of("included.example"), inc.get("hostname"));
        assertEquals(List.of("2201"), inc.get("port"));
    }

    @Test
    void commandLineWinsOverTheFiles() throws IOException {
        Map<String, List<String>> r = resolve("-p", "99", "-o", "User=cli", "-o", "User=second", "-i", "/keys/one",
                "web-01");
        assertEquals(List.of("99"), r.get("port"));
        assertEquals(List.of("cli"), r.get("user"));
        assertEquals("/keys/one", r.get("identityfile").get(0));

        Map<String, List<String>> dest = resolve("someone@db1", "-p", "5");
        assertEquals(List.of("someone"), dest.get("user"), "user@host wins over the files");
        assertEquals(List.of("5"), dest.get("port"), "options after the destination are parsed too");

        Map<String, List<String>> uri = resolve("ssh://u2@web-02:2022");
        assertEquals(List.of("u2"), uri.get("user"));
        assertEquals(List.of("2022"), uri.get("port"));
        assertEquals(List.of("web-02.internal"), uri.get("hostname"));

        Map<String, List<String>> cmd = resolve("db1", "ls", "-l", "/tmp");
        assertEquals(List.of("ls -l /tmp"), cmd.get("remotecommand"));
    }

    @Test
    void defaultsWithoutConfig() throws IOException {
        Map<String, List<String>> r = resolve("-F", "none", "plain.example");
        assertEquals(List.of("22"), r.get("port"));
        assertEquals(List.of(System.getProperty("user.name")), r.get("user"));
        // OpenSSH's default list, in its order (the types Tether cannot load are skipped when offered)
        assertEquals(List.of("id_rsa", "id_ecdsa", "id_ecdsa_sk", "id_ed25519", "id_ed25519_sk", "id_xmss", "id_dsa").stream()
                .map(n -> home + "/.ssh/" + n).toList(), r.get("identityfile"));
        assertEquals(List.of(home + "/.ssh/known_hosts " + home + "/.ssh/known_hosts2"), r.get("userknownhostsfile"));
        assertEquals(List.of("ask"), r.get("stricthostkeychecking"));
        assertEquals(List.of("none"), r.get("connecttimeout"));
        assertTrue(r.get("preferredauthentications").get(0).startsWith("publickey"));
    }

    @Test
    void aMissingConfigFileGivenWithFIsAnError() throws IOException {
        Processes.Result r = TetherCli.run(home, "ssh", "-F", home.resolve("nope").toString(), "host", "true");
        assertEquals(255, r.exitCode(), r.describe());
        assertTrue(r.stderr().contains("nope"), r.describe());
    }

    /** Reads {@code text} as -F's file (in process) and resolves it for web1.example.org; returns the error, or null. */
    private String errorOf(String text) throws IOException {
        Path dir = TempDirs.create("tether-cli-config-errors-");
        Path f = Files.writeString(dir.resolve("config"), text);
        SshConfig cfg = new SshConfig("web1.example.org", "alice", home);
        try {
            cfg.readFile(f, true, dir);
            SshForwarding.resolve(ClientSettings.of(cfg).config(), null);
            return null;
        } catch (ConfigException e) {
            assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
            return e.getMessage();
        }
    }

    @Test
    void includeOfADeviceOrAFifoIsRefusedWithoutReadingIt() throws Exception {
        // found by SshConfigTarget: Include /dev/zero read until the heap ran out
        assertEquals("line 2: Include /dev/zero: not a regular file", errorOf("Host *\n  Include /dev/zero\n").replaceFirst(".*? line", "line"));
        Path dir = TempDirs.create("tether-cli-config-fifo-");
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        assertTrue(errorOf("Include " + fifo + "\n").endsWith("line 1: Include " + fifo + ": not a regular file"));
        assertEquals(null, errorOf("Include /nonexistent/*.conf " + dir + "\nPort 2222\n"), "missing files and directories have no lines");
    }

    @Test
    void includeLoopsAndBadPatternsNameTheLine() throws Exception {
        String loop = errorOf("Port 2222\nInclude config config config\n");
        assertTrue(loop.contains(" line 2: Include ") && loop.endsWith("config: includes itself"), loop);
        assertTrue(errorOf("\nInclude *[z\n").contains(" line 2: bad Include pattern \"*[z\""));
    }

    @Test
    void valuesCheckedWhenResolvedNameTheirLine() throws Exception {
        // found by SshConfigTarget: a NUL in IdentityFile threw InvalidPathException; bad values did not say where they were
        assertTrue(errorOf("Host *\n  IdentityFile ~/.ssh/a\0b\n").endsWith(" line 2: NUL character in line"));
        assertTrue(errorOf("Host web*\n  Port 99999\n").endsWith(" line 2: Bad port '99999'."));
        assertTrue(errorOf("\n\nBatchMode maybe\n").endsWith(" line 3: unsupported option \"batchmode\" value \"maybe\""));
        assertTrue(errorOf("ConnectTimeout soon\n").endsWith(" line 1: invalid time value \"soon\"."));
        assertTrue(errorOf("Host *\n  IdentityFile ~/.ssh/id_%Q\n").endsWith(" line 2: unknown key %Q in \"~/.ssh/id_%Q\""));
        assertTrue(errorOf("LocalForward 1 h:2\nLocalForward nonsense x\n").endsWith(" line 2: Bad local forwarding specification 'nonsense:x'"));
    }
}
