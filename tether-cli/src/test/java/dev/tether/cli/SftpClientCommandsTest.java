package dev.tether.cli;

import dev.tether.testkit.Peers;
import dev.tether.testkit.PrivateSshd;
import dev.tether.testkit.Processes;
import dev.tether.testkit.TempDirs;
import dev.tether.testkit.TetherCli;
import dev.tether.testkit.TetherServerProcess;
import dev.tether.testkit.Tmux;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tether sftp} and {@code tether scp} in child JVMs against a private OpenSSH sshd and
 * against {@code tether server}: batch commands and their failures, resume, scp over SFTP and
 * over the legacy protocol, remote to remote, and the progress bar on a terminal (tmux) only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SftpClientCommandsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    /** A server: its port, key, known_hosts line, and where a remote directory is on this disk. */
    private record Target(String kind, int port, Path userKey, Path knownHosts, String remoteBase, Path localBase) {
        Path local(String remote) {
            return localBase.resolve(remote.substring(remoteBase.length() + 1));
        }
    }

    private PrivateSshd sshd;
    private TetherServerProcess server;
    private Path work;
    private Path home;
    private Target sshdTarget;
    private Target serverTarget;
    private final SecureRandom random = new SecureRandom();

    @BeforeAll
    void start() throws IOException {
        Peers.requireSshKeygen();
        work = TempDirs.create("tether-cli-sftp-client-");
        home = Files.createDirectories(work.resolve("home"));
        sshd = PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519), List.of("PrintMotd no", "LogLevel INFO"));
        Path sshdKnown = Files.writeString(work.resolve("known_sshd"), sshd.knownHostsLine() + "\n");
        Path sshdFiles = Files.createDirectories(work.resolve("sshd-files"));
        sshdTarget = new Target("sshd", sshd.port(), sshd.userKey(), sshdKnown, sshdFiles.toString(), sshdFiles);
        server = TetherServerProcess.start();
        Path serverKnown = Files.writeString(work.resolve("known_server"), server.knownHostsLine() + "\n");
        Files.createDirectories(server.dir().resolve("files"));
        Path serverFiles = server.dir().resolve("files");
        serverTarget = new Target("tether server", server.port(), server.userKey(), serverKnown, serverFiles.toString(), serverFiles);
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
        if (sshd != null) {
            sshd.close();
        }
        TempDirs.deleteTree(work);
    }

    private Target target(String kind) {
        return kind.equals("sshd") ? sshdTarget : serverTarget;
    }

    private List<String> connection(Target t, String portFlag) {
        return new ArrayList<>(List.of("-F", "none", portFlag, Integer.toString(t.port()), "-i", t.userKey().toString(),
                "-o", "UserKnownHostsFile=" + t.knownHosts(), "-o", "BatchMode=yes"));
    }

    private String host() {
        return TetherCli.localUser() + "@127.0.0.1";
    }

    private Processes.Result sftpBatch(Target t, String... lines) throws IOException {
        Path batch = Files.write(Files.createTempFile(work, "batch", ".txt"), List.of(lines));
        List<String> args = new ArrayList<>(List.of("sftp"));
        args.addAll(connection(t, "-P"));
        args.addAll(List.of("-b", batch.toString(), host()));
        return Processes.run(TetherCli.command(args.toArray(String[]::new)), TetherCli.env(home), null, null, TIMEOUT);
    }

    private Processes.Result scp(Target t, String... rest) throws IOException {
        List<String> args = new ArrayList<>(List.of("scp"));
        args.addAll(connection(t, "-P"));
        args.addAll(List.of(rest));
        return Processes.run(TetherCli.command(args.toArray(String[]::new)), TetherCli.env(home), null, null, TIMEOUT);
    }

    private Path randomFile(Path p, int size) throws IOException {
        byte[] b = new byte[size];
        random.nextBytes(b);
        Files.createDirectories(p.getParent());
        return Files.write(p, b);
    }

    private static String sha256(Path p) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private Path fresh(String name) throws IOException {
        return Files.createDirectories(work.resolve(name + "-" + Long.toHexString(random.nextLong())));
    }

    @ParameterizedTest(name = "against {0}")
    @ValueSource(strings = {"sshd", "tether server"})
    void batchCommandsDoWhatOpenSshsDo(String kind) throws IOException {
        Target t = target(kind);
        Path local = fresh("local");
        Path big = randomFile(local.resolve("big.bin"), 3 * 1024 * 1024 + 77);
        String dir = t.remoteBase() + "/batch-" + Long.toHexString(random.nextLong());
        Processes.Result r = sftpBatch(t,
                "mkdir " + dir,
                "cd " + dir,
                "pwd",
                "put " + big + " big.bin",
                "get big.bin " + local.resolve("back.bin"),
                "mkdir sub",
                "rename big.bin moved.bin",
                "chmod 640 moved.bin",
                "ln -s moved.bin link",
                "-rm no-such-file",
                "ls -l",
                "ls *.bin",
                "rmdir sub",
                "df -h",
                "bye");
        assertEquals(0, r.exitCode(), r.describe());
        assertFalse(r.stdout().contains("\r"), "no progress bar in batch mode without a terminal: " + r.stdout());
        assertTrue(r.stdout().contains("sftp> ls -l\n"), "each command is echoed: " + r.stdout());
        assertTrue(r.stdout().contains("Remote working directory: " + dir), r.stdout());
        assertEquals(sha256(big), sha256(local.resolve("back.bin")));
        Path remote = t.local(dir);
        assertEquals(sha256(big), sha256(remote.resolve("moved.bin")));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(remote.resolve("moved.bin"))));
        assertTrue(Files.isSymbolicLink(remote.resolve("link")));
        assertEquals("moved.bin", Files.readSymbolicLink(remote.resolve("link")).toString());
        assertFalse(Files.exists(remote.resolve("sub")));
        assertTrue(r.stdout().lines().anyMatch(l -> l.startsWith("-rw-r-----") && l.endsWith(" moved.bin")), r.stdout());
        assertTrue(r.stdout().lines().anyMatch(l -> l.startsWith("l") && l.endsWith(" link")), r.stdout());
        assertTrue(r.stdout().contains("sftp> ls *.bin\n" + dir + "/moved.bin\n"), r.stdout());

        Processes.Result failing = sftpBatch(t, "cd " + dir, "rm no-such-file", "mkdir never");
        assertEquals(1, failing.exitCode(), failing.describe());
        assertFalse(Files.exists(remote.resolve("never")), "a failure without '-' ends the batch");
        assertFalse(failing.stdout().contains("mkdir never"), failing.stdout());
    }

    @Test
    void pipedCommandsGoOnAfterAFailureAndHostColonFileFetches() throws IOException {
        Target t = sshdTarget;
        Path remote = Files.createDirectories(t.localBase().resolve("piped-" + Long.toHexString(random.nextLong())));
        Path file = randomFile(remote.resolve("f.bin"), 123_456);
        Path stdin = Files.writeString(work.resolve("piped-" + remote.getFileName()),
                "cd " + remote + "\nrm no-such-file\nmkdir made\n");
        List<String> args = new ArrayList<>(List.of("sftp"));
        args.addAll(connection(t, "-P"));
        args.add(host());
        Processes.Result r = Processes.run(TetherCli.command(args.toArray(String[]::new)), TetherCli.env(home), stdin, null, TIMEOUT);
        assertEquals(0, r.exitCode(), r.describe());
        assertTrue(r.stdout().contains("sftp> mkdir made"), "piped commands are echoed: " + r.stdout());
        assertTrue(Files.isDirectory(remote.resolve("made")), "without -b a failure does not stop the commands");

        Path into = fresh("fetch");
        args.set(args.size() - 1, host() + ":" + file);
        Processes.Result fetch = Processes.run(TetherCli.command(args.toArray(String[]::new)), TetherCli.env(home), null, into, TIMEOUT);
        assertEquals(0, fetch.exitCode(), fetch.describe());
        assertEquals(sha256(file), sha256(into.resolve("f.bin")));
        args.set(args.size() - 1, host() + ":" + remote + "/missing");
        assertEquals(1, Processes.run(TetherCli.command(args.toArray(String[]::new)), TetherCli.env(home), null, into, TIMEOUT).exitCode());
    }

    @ParameterizedTest(name = "against {0}")
    @ValueSource(strings = {"sshd", "tether server"})
    void regetAndReputResume(String kind) throws IOException {
        Target t = target(kind);
        Path local = fresh("resume");
        Path remote = Files.createDirectories(t.localBase().resolve("resume-" + Long.toHexString(random.nextLong())));
        String rdir = t.remoteBase() + "/" + remote.getFileName();
        byte[] data = new byte[2 * 1024 * 1024 + 5];
        random.nextBytes(data);
        Files.write(remote.resolve("down.bin"), data);
        Files.write(local.resolve("down.bin"), Arrays.copyOf(data, 700_000));
        Files.write(local.resolve("up.bin"), data);
        Files.write(remote.resolve("up.bin"), Arrays.copyOf(data, 1_000_001));
        Processes.Result r = sftpBatch(t, "cd " + rdir, "lcd " + local, "reget down.bin", "reput up.bin");
        assertEquals(0, r.exitCode(), r.describe());
        assertTrue(Arrays.equals(data, Files.readAllBytes(local.resolve("down.bin"))), "reget completed the file");
        assertTrue(Arrays.equals(data, Files.readAllBytes(remote.resolve("up.bin"))), "reput completed the file");
    }

    @ParameterizedTest(name = "against {0}, legacy {1}")
    @CsvSource({"sshd, false", "sshd, true", "tether server, false", "tether server, true"})
    void scpBothWaysRecursiveAndPreserving(String kind, boolean legacy) throws IOException {
        Target t = target(kind);
        Path local = fresh("scp");
        Path file = randomFile(local.resolve("one.bin"), 1024 * 1024 + 3);
        Path tree = local.resolve("tree");
        randomFile(tree.resolve("a.bin"), 100_000);
        randomFile(tree.resolve("sub/b.bin"), 5);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        Instant old = Instant.parse("2001-02-03T04:05:06Z");
        Files.setLastModifiedTime(file, FileTime.from(old));
        Path remote = Files.createDirectories(t.localBase().resolve("scp-" + Long.toHexString(random.nextLong())));
        String rdir = host() + ":" + t.remoteBase() + "/" + remote.getFileName();
        String o = legacy ? "-O" : "-q";

        Processes.Result up = scp(t, o, "-p", file.toString(), rdir + "/one.bin");
        assertEquals(0, up.exitCode(), up.describe());
        assertEquals(sha256(file), sha256(remote.resolve("one.bin")));
        assertEquals(old, Files.getLastModifiedTime(remote.resolve("one.bin")).toInstant(), "-p keeps the time");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(remote.resolve("one.bin"))));

        Processes.Result upTree = scp(t, o, "-r", tree.toString(), rdir);
        assertEquals(0, upTree.exitCode(), upTree.describe());
        assertEquals(sha256(tree.resolve("sub/b.bin")), sha256(remote.resolve("tree/sub/b.bin")));
        assertEquals(sha256(tree.resolve("a.bin")), sha256(remote.resolve("tree/a.bin")));

        Path back = Files.createDirectories(local.resolve("back"));
        Processes.Result down = scp(t, o, "-p", rdir + "/one.bin", back.toString());
        assertEquals(0, down.exitCode(), down.describe());
        assertEquals(sha256(file), sha256(back.resolve("one.bin")));
        assertEquals(old, Files.getLastModifiedTime(back.resolve("one.bin")).toInstant());

        Processes.Result downTree = scp(t, o, "-r", rdir + "/tree", back.resolve("tree2").toString());
        assertEquals(0, downTree.exitCode(), downTree.describe());
        assertEquals(sha256(tree.resolve("sub/b.bin")), sha256(back.resolve("tree2/sub/b.bin")));

        Processes.Result missing = scp(t, o, rdir + "/no-such-file", back.toString());
        assertEquals(1, missing.exitCode(), missing.describe());
    }

    @Test
    void scpThreeBetweenTwoServers() throws IOException {
        // both servers take the same key and known_hosts here: join what each needs
        Path known = Files.writeString(work.resolve("known_both"), sshd.knownHostsLine() + "\n" + server.knownHostsLine() + "\n");
        Path src = randomFile(sshdTarget.localBase().resolve("three-" + Long.toHexString(random.nextLong()) + ".bin"), 1_500_000);
        Path config = Files.writeString(work.resolve("config-3"), "Host a\n  HostName 127.0.0.1\n  Port " + sshd.port()
                + "\n  IdentityFile " + sshd.userKey() + "\nHost b\n  HostName 127.0.0.1\n  Port " + server.port()
                + "\n  IdentityFile " + server.userKey() + "\nHost *\n  UserKnownHostsFile " + known + "\n  BatchMode yes\n");
        for (boolean legacy : new boolean[]{false, true}) {
            String name = "three-copy-" + legacy + ".bin";
            List<String> args = new ArrayList<>(List.of("scp", "-F", config.toString(), "-3"));
            if (legacy) {
                args.add("-O");
            }
            args.addAll(List.of("a:" + src, "b:" + serverTarget.remoteBase() + "/" + name));
            Processes.Result r = Processes.run(TetherCli.command(args.toArray(String[]::new)), TetherCli.env(home), null, null, TIMEOUT);
            assertEquals(0, r.exitCode(), r.describe());
            assertEquals(sha256(src), sha256(serverTarget.localBase().resolve(name)));
        }
    }

    @Test
    void progressBarOnATerminal() throws IOException {
        Peers.requireTmux();
        Target t = sshdTarget;
        Path dir = fresh("tmux");
        Path remote = randomFile(t.localBase().resolve("progress-" + Long.toHexString(random.nextLong()) + ".bin"), 8 * 1024 * 1024);
        List<String> args = new ArrayList<>(List.of("sftp"));
        args.addAll(connection(t, "-P"));
        args.add(host());
        List<String> argv = new ArrayList<>(List.of("env", "HOME=" + home, "LC_ALL=C"));
        argv.addAll(TetherCli.command(args.toArray(String[]::new)));
        try (Tmux tmux = Tmux.start(dir, 120, 30, "cd " + Tmux.quote(dir.toString()) + " && " + Tmux.commandLine(argv))) {
            tmux.await(s -> s.contains("sftp>"), "the sftp prompt", TIMEOUT);
            tmux.sendKeys("get " + remote + " copy.bin", "Enter");
            tmux.await(s -> s.lines().anyMatch(l -> l.contains(remote.getFileName().toString()) && l.contains("100%")
                    && l.contains("/s")), "a finished progress bar", TIMEOUT);
            tmux.sendKeys("bye", "Enter");
        }
        assertEquals(sha256(remote), sha256(dir.resolve("copy.bin")));
    }
}
