package dev.tether.examples;

import dev.tether.sftp.SftpClient;
import dev.tether.ssh.ExecResult;
import dev.tether.ssh.client.SshClient;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.testkit.EchoServer;
import dev.tether.testkit.Peers;
import dev.tether.testkit.PrivateSshd;
import dev.tether.testkit.TempDirs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every example program does its job against real servers: a private OpenSSH sshd (reached
 * through a throwaway ~/.ssh/config, as a user's own) for the client programs, and the
 * example's own embedded server for {@link FileDropServer}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExamplesTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private PrivateSshd sshd;
    private Path home;
    private String user;

    @BeforeAll
    void setUp() throws IOException {
        Peers.requireSsh();
        Peers.requireSshd();
        sshd = PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519), List.of());
        home = TempDirs.create("tether-examples-");
        Path ssh = Files.createDirectories(home.resolve(".ssh"));
        user = System.getProperty("user.name");
        Files.writeString(ssh.resolve("known_hosts"), sshd.knownHostsLine() + "\n");
        Files.writeString(ssh.resolve("config"), String.join("\n",
                "Host box box2",
                "  HostName 127.0.0.1",
                "  Port " + sshd.port(),
                "Host nowhere",
                "  HostName 127.0.0.1",
                "  Port 1",
                "Host *",
                "  User " + user,
                "  IdentityFile " + sshd.userKey(),
                "  StrictHostKeyChecking yes",
                "  UserKnownHostsFile ~/.ssh/known_hosts",
                "  BatchMode yes",
                ""));
    }

    @AfterAll
    void tearDown() {
        if (sshd != null) {
            sshd.close();
        }
        if (home != null) {
            TempDirs.deleteTree(home);
        }
    }

    /** A destination resolved through the throwaway home's ~/.ssh/config, as the programs' SshClient.builder(d) would be. */
    private SshClient.Builder client(String destination) {
        return SshClient.builder(destination).configFile(home.resolve(".ssh/config")).home(home).localUser(user)
                .environment(Map.of()).timeout(WAIT);
    }

    @Test
    void runEverywhereRunsOnEveryHostAndReportsTheOneThatFailed() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        assertTrue(RunEverywhere.run("echo hi from $(hostname)", List.of("box", "box2"), this::client, WAIT, out));
        String text = buf.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("box: hi from ") && text.contains("box2: hi from "), text);
        assertTrue(text.endsWith("2 of 2 hosts succeeded\n"), text);

        buf.reset();
        assertFalse(RunEverywhere.run("exit 3", List.of("box", "nowhere"), this::client, WAIT, out));
        text = buf.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("box: FAILED: exit status 3"), text);
        assertTrue(text.contains("nowhere: FAILED: connect to host 127.0.0.1 port 1: Connection refused"), text);
        assertTrue(text.endsWith("0 of 2 hosts succeeded\n"), text);
    }

    @Test
    void copyFilesPutsAndGetsFilesAndTrees() throws Exception {
        Path work = Files.createDirectories(home.resolve("copy"));
        byte[] data = new byte[1_500_000];
        new Random(11).nextBytes(data);
        Path local = Files.write(work.resolve("data.bin"), data);
        Path remote = work.resolve("remote.bin"); // the sshd runs on this machine: its files are ours to check
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals(data.length, CopyFiles.copy(client("box"), true, local.toString(), remote.toString(), out));
        assertArrayEquals(data, Files.readAllBytes(remote));
        Path back = work.resolve("back.bin");
        assertEquals(data.length, CopyFiles.copy(client("box"), false, remote.toString(), back.toString(), out));
        assertArrayEquals(data, Files.readAllBytes(back));

        Path tree = Files.createDirectories(work.resolve("tree/sub"));
        Files.writeString(tree.resolve("a.txt"), "a");
        Files.writeString(work.resolve("tree/b.txt"), "bb");
        CopyFiles.copy(client("box"), true, work.resolve("tree").toString(), work.resolve("tree-up").toString(), out);
        assertEquals("a", Files.readString(work.resolve("tree-up/sub/a.txt")));
        assertEquals("bb", Files.readString(work.resolve("tree-up/b.txt")));
    }

    @Test
    void tunnelForwardsALocalPort() throws Exception {
        try (EchoServer echo = EchoServer.tcp(); Tunnel t = Tunnel.open(client("box"), 0, "127.0.0.1", echo.port());
             Socket s = new Socket(InetAddress.getLoopbackAddress(), t.port())) {
            byte[] data = "through the tunnel".getBytes(StandardCharsets.UTF_8);
            assertArrayEquals(data, EchoServer.roundTrip(s, data));
        }
    }

    @Test
    void jumpHostRunsTheCommandThroughTheJump() throws Exception {
        long mark = sshd.logMark();
        ExecResult r = JumpHost.run(client("box2"), "box", "echo behind the jump", WAIT);
        assertEquals("behind the jump\n", r.stdoutText());
        assertEquals(0, r.exitStatus());
        assertTrue(sshd.logSince(mark).contains("direct-tcpip"), "the target's connection went through the jump host");
    }

    @Test
    void fileDropServerJailsEachUserInTheZipStore() throws Exception {
        Path dir = TempDirs.create("tether-filedrop-");
        try {
            Path zip = dir.resolve("store.zip");
            byte[] data = "quarterly numbers\n".getBytes(StandardCharsets.UTF_8);
            Path report = Files.write(dir.resolve("report.txt"), data);
            try (FileDropServer server = FileDropServer.start(0, zip, Map.of("alice", "wonderland", "bob", "builder"))) {
                HostKeyVerifier pinned = HostKeyVerifier.acceptKeys(List.of(server.hostKeyBlob()));
                PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
                CopyFiles.copy(drop(server, "alice", "wonderland", pinned), true, report.toString(), "/report.txt", out);

                try (SshClient bob = drop(server, "bob", "builder", pinned).connect(); SftpClient sftp = SftpClient.open(bob)) {
                    assertEquals(List.of(), sftp.list("/").stream().map(SftpClient.Entry::name)
                            .filter(n -> !n.equals(".") && !n.equals("..")).toList(), "bob sees only his own directory");
                    assertThrows(IOException.class, () -> sftp.stat("/../alice/report.txt"));
                    assertThrows(IOException.class, () -> bob.exec("id", WAIT), "SFTP only: commands are refused");
                }
                assertThrows(dev.tether.ssh.common.AuthenticationException.class,
                        () -> drop(server, "alice", "guess", pinned).connect());
            }
            // closing wrote the store: alice's upload is inside the zip
            try (FileSystem store = FileSystems.newFileSystem(zip)) {
                assertArrayEquals(data, Files.readAllBytes(store.getPath("/alice/report.txt")));
            }
        } finally {
            TempDirs.deleteTree(dir);
        }
    }

    private static SshClient.Builder drop(FileDropServer server, String user, String password, HostKeyVerifier pinned) {
        return SshClient.builder(user + "@127.0.0.1").port(server.port()).noConfigFiles().password(password)
                .hostKeyVerifier(pinned).environment(Map.of()).timeout(WAIT);
    }
}
