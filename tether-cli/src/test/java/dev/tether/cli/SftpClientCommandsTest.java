package dev.tether.cli;

import dev.tether.testkit.BigFiles;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Poll;
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
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
        return Processes.run(sftpBatchCommand(t, lines), TetherCli.env(home), null, null, TIMEOUT);
    }

    /** {@code tether sftp -b} with {@code lines} as its batch file. */
    private List<String> sftpBatchCommand(Target t, String... lines) throws IOException {
        Path batch = Files.write(Files.createTempFile(work, "batch", ".txt"), List.of(lines));
        List<String> args = new ArrayList<>(List.of("sftp"));
        args.addAll(connection(t, "-P"));
        args.addAll(List.of("-b", batch.toString(), host()));
        return TetherCli.command(args.toArray(String[]::new));
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
        // a relative pattern lists relative names, in columns as wide as OpenSSH's (which measures the whole paths)
        int columns = 80 / Math.max(1, 80 / (dir.length() + "/moved.bin".length() + 2));
        assertTrue(r.stdout().contains("sftp> ls *.bin\n" + String.format("%-" + columns + "s", "moved.bin") + "\n"), r.stdout());

        Processes.Result failing = sftpBatch(t, "cd " + dir, "rm no-such-file", "mkdir never");
        assertEquals(1, failing.exitCode(), failing.describe());
        assertFalse(Files.exists(remote.resolve("never")), "a failure without '-' ends the batch");
        assertFalse(failing.stdout().contains("mkdir never"), failing.stdout());
    }

    /** For each echo of {@code command} in stdout, the lines that follow it up to the next echo. */
    private static List<List<String>> outputsOf(String stdout, String command) {
        List<String> lines = stdout.lines().toList();
        List<List<String>> all = new ArrayList<>();
        for (int at = 0; at < lines.size(); at++) {
            if (lines.get(at).equals("sftp> " + command)) {
                List<String> out = new ArrayList<>();
                for (int i = at + 1; i < lines.size() && !lines.get(i).startsWith("sftp> "); i++) {
                    out.add(lines.get(i));
                }
                all.add(out);
            }
        }
        return all;
    }

    /** The lines that follow the first echo of {@code command}. */
    private static List<String> outputOf(String stdout, String command) {
        List<List<String>> all = outputsOf(stdout, command);
        assertFalse(all.isEmpty(), "no echo of " + command + " in\n" + stdout);
        return all.get(0);
    }

    /** A new empty remote directory, by its remote path. */
    private String remoteDir(Target t, String prefix) throws IOException {
        String rdir = t.remoteBase() + "/" + prefix + "-" + Long.toHexString(random.nextLong());
        Files.createDirectories(t.local(rdir));
        return rdir;
    }

    private static void setTimes(Path p, Instant t) throws IOException {
        Files.getFileAttributeView(p, java.nio.file.attribute.BasicFileAttributeView.class, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                .setTimes(FileTime.from(t), FileTime.from(t), null);
    }

    private static String perms(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    /**
     * One {@code tether sftp -b} batch through every command of OpenSSH's sftp, each checked on
     * disk or on stdout: globs, {@code -r}, {@code -p}, {@code -a}, reget/reput, links, copy,
     * df's three forms, the local commands, and nothing after {@code quit}.
     */
    @ParameterizedTest(name = "against {0}")
    @ValueSource(strings = {"sshd", "tether server"})
    void batchTakesEveryCommand(String kind) throws IOException {
        Target t = target(kind);
        Path local = fresh("every");
        String rdir = remoteDir(t, "every");
        Path remote = t.local(rdir);
        Instant old = Instant.parse("2001-02-03T04:05:06Z");
        Path tree = Files.createDirectories(local.resolve("tree/sub dir"));
        Files.writeString(local.resolve("tree/a file.txt"), "spaces");
        Files.writeString(local.resolve("tree/it's \"quoted\".txt"), "quotes");
        Path deep = randomFile(local.resolve("tree/sub dir/deep.bin"), 70_000);
        Files.createSymbolicLink(local.resolve("tree/link"), Path.of("a file.txt"));
        Files.setPosixFilePermissions(local.resolve("tree/sub dir"), PosixFilePermissions.fromString("rwxr-x---"));
        for (String p : List.of("tree/a file.txt", "tree/it's \"quoted\".txt", "tree/sub dir/deep.bin", "tree/sub dir", "tree")) {
            setTimes(local.resolve(p), old);
        }
        Path up1 = Files.writeString(local.resolve("up1.txt"), "one");
        Files.setPosixFilePermissions(up1, PosixFilePermissions.fromString("rw-r--r--"));
        setTimes(up1, old);
        Path up2 = randomFile(local.resolve("up2.txt"), 2000);
        byte[] bigData = new byte[300_000];
        random.nextBytes(bigData);
        Path big = Files.write(local.resolve("big.bin"), bigData);
        setTimes(big, old);
        Files.write(local.resolve("partial.bin"), Arrays.copyOf(bigData, 100_000));
        Files.write(remote.resolve("rpartial.bin"), Arrays.copyOf(bigData, 120_000));
        Files.writeString(remote.resolve("junk1.tmp"), "x");
        Files.writeString(remote.resolve("junk2.tmp"), "y");
        long uid = ((Number) Files.getAttribute(remote, "unix:uid")).longValue();
        long gid = ((Number) Files.getAttribute(remote, "unix:gid")).longValue();

        Processes.Result r = sftpBatch(t,
                "pwd",
                "lcd " + local,
                "lpwd",
                "cd " + rdir,
                "pwd",
                "lmkdir made-locally",
                "lls -1",
                "put -p up*.txt",
                "put big.bin",
                "ls",
                "ls -1S *.txt",
                "ls -1r",
                "ls -l up1.txt",
                "ls -n up1.txt",
                "put -r -p tree",
                "ls -1 tree",
                "rename up2.txt renamed.txt",
                "copy up1.txt copied.txt",
                "cp up1.txt copied2.txt",
                "ln up1.txt hard.txt",
                "ln -s up1.txt soft.txt",
                "symlink up1.txt soft2.txt",
                "chmod 600 up1.txt",
                "chown " + uid + " up1.txt",
                "chgrp " + gid + " up1.txt",
                "df",
                "df -h",
                "df -i",
                "version",
                "help",
                "?",
                "progress",
                "progress",
                "get renamed.txt",
                "get -p up1.txt kept.txt",
                "get -a big.bin partial.bin",
                "reput big.bin rpartial.bin",
                "get -rp tree back",
                "lmkdir globbed",
                "get *.txt globbed",
                "get \"tree/it's \\\"quoted\\\".txt\" quoted.txt",
                "rm junk*",
                "mkdir newdir",
                "mkdir newdir2",
                "rmdir newdir2",
                "lumask 022",
                "!pwd",
                "cd",
                "pwd",
                "quit",
                "mkdir never");
        assertEquals(0, r.exitCode(), r.describe());
        String o = r.stdout();

        // the working directories
        List<List<String>> pwds = outputsOf(o, "pwd");
        assertEquals(3, pwds.size(), o);
        String start = pwds.get(0).get(0);
        assertTrue(start.startsWith("Remote working directory: /"), o);
        assertEquals(List.of("Remote working directory: " + rdir), pwds.get(1));
        assertEquals(List.of(start), pwds.get(2), "cd alone goes back to the start directory");
        assertEquals(List.of("Local working directory: " + local), outputOf(o, "lpwd"));
        assertEquals(List.of(local.toRealPath().toString()), outputOf(o, "!pwd"), "! runs in the local directory");
        assertTrue(Files.isDirectory(local.resolve("made-locally")));
        assertEquals(List.of("big.bin", "made-locally", "partial.bin", "tree", "up1.txt", "up2.txt"), outputOf(o, "lls -1"));

        // ls: OpenSSH's 80 columns, sorting, long forms
        assertEquals(List.of(String.format("%-16s%-16s%-16s%-16s%-16s", "big.bin", "junk1.tmp", "junk2.tmp", "rpartial.bin", "up1.txt"),
                String.format("%-16s", "up2.txt")), outputOf(o, "ls"));
        assertEquals(List.of("up2.txt", "up1.txt"), outputOf(o, "ls -1S *.txt"));
        assertEquals(List.of("up2.txt", "up1.txt", "rpartial.bin", "junk2.tmp", "junk1.tmp", "big.bin"), outputOf(o, "ls -1r"));
        String when = "(\\w{3} [ \\d]\\d \\d\\d:\\d\\d|\\w{3} [ \\d]\\d  \\d{4})";
        List<String> l = outputOf(o, "ls -l up1.txt");
        assertEquals(1, l.size(), o);
        assertTrue(l.get(0).matches("-rw-r--r--    \\? \\S+ +\\S+ +3 " + when + " up1\\.txt"), l.get(0));
        assertTrue(outputOf(o, "ls -n up1.txt").get(0).matches("-rw-r--r--    \\? " + uid + " +" + gid + " +3 " + when + " up1\\.txt"),
                o);
        assertEquals(List.of("tree/a file.txt", "tree/it's \"quoted\".txt", "tree/sub dir"), outputOf(o, "ls -1 tree"),
                "put -r leaves symbolic links out, as OpenSSH does");

        // put: globs, -p, -r with odd names, directory modes and times
        assertEquals("one", Files.readString(remote.resolve("up1.txt")).substring(0, 3));
        assertEquals(old, Files.getLastModifiedTime(remote.resolve("up1.txt")).toInstant(), "put -p keeps the time");
        assertFalse(old.equals(Files.getLastModifiedTime(remote.resolve("big.bin")).toInstant()), "put without -p does not");
        assertEquals(sha256(big), sha256(remote.resolve("big.bin")));
        assertEquals("spaces", Files.readString(remote.resolve("tree/a file.txt")));
        assertEquals("quotes", Files.readString(remote.resolve("tree/it's \"quoted\".txt")));
        assertEquals(sha256(deep), sha256(remote.resolve("tree/sub dir/deep.bin")));
        assertFalse(Files.exists(remote.resolve("tree/link"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertEquals("rwxr-x---", perms(remote.resolve("tree/sub dir")));
        assertEquals(old, Files.getLastModifiedTime(remote.resolve("tree/sub dir")).toInstant(), "put -r -p keeps directory times");
        assertEquals(old, Files.getLastModifiedTime(remote.resolve("tree")).toInstant());
        assertTrue(o.contains("Entering tree/\nEntering tree/sub dir\n"), o);

        // rename, copy, links, modes, owners
        assertFalse(Files.exists(remote.resolve("up2.txt")));
        assertEquals(sha256(up2), sha256(remote.resolve("renamed.txt")));
        assertEquals("one", Files.readString(remote.resolve("copied.txt")));
        assertEquals("one", Files.readString(remote.resolve("copied2.txt")));
        assertEquals(Files.getAttribute(remote.resolve("up1.txt"), "unix:ino"), Files.getAttribute(remote.resolve("hard.txt"), "unix:ino"),
                "ln without -s is a hard link");
        assertEquals("up1.txt", Files.readSymbolicLink(remote.resolve("soft.txt")).toString());
        assertEquals("up1.txt", Files.readSymbolicLink(remote.resolve("soft2.txt")).toString());
        assertEquals("rw-------", perms(remote.resolve("up1.txt")));
        assertEquals(uid, ((Number) Files.getAttribute(remote.resolve("up1.txt"), "unix:uid")).longValue());
        assertEquals(gid, ((Number) Files.getAttribute(remote.resolve("up1.txt"), "unix:gid")).longValue());

        // df, version, help, progress
        assertEquals("        Size         Used        Avail       (root)    %Capacity", outputOf(o, "df").get(0));
        assertTrue(outputOf(o, "df").get(1).matches(" *\\d+ +\\d+ +\\d+ +\\d+ +(\\d+%|ERR)"), o);
        assertEquals("    Size     Used    Avail   (root)    %Capacity", outputOf(o, "df -h").get(0));
        assertTrue(outputOf(o, "df -h").get(1).matches("( *\\d+(\\.\\d)?[BKMGTPE]B){4} +(\\d+%|ERR)"), o);
        assertEquals("     Inodes        Used       Avail      (root)    %Capacity", outputOf(o, "df -i").get(0));
        assertTrue(outputOf(o, "df -i").get(1).matches(" *\\d+ +\\d+ +\\d+ +\\d+ +(\\d+%|ERR)"), o);
        assertEquals(List.of("SFTP protocol version 3"), outputOf(o, "version"));
        assertEquals("Available commands:", outputOf(o, "help").get(0));
        assertTrue(outputOf(o, "help").contains("copy oldpath newpath               Copy remote file"), o);
        assertEquals(outputOf(o, "help"), outputOf(o, "?"));
        assertTrue(o.contains("sftp> progress\nProgress meter enabled\nsftp> progress\nProgress meter disabled\n"), o);
        assertFalse(o.contains("\r"), "no progress bar without a terminal");

        // get: -p, -a, reput, -r -p, globs, quoted names
        assertEquals(sha256(up2), sha256(local.resolve("renamed.txt")));
        assertEquals("rw-------", perms(local.resolve("kept.txt")), "get -p keeps the mode");
        assertEquals(old, Files.getLastModifiedTime(local.resolve("kept.txt")).toInstant(), "get -p keeps the time");
        assertEquals(sha256(big), sha256(local.resolve("partial.bin")), "get -a resumed");
        assertEquals(sha256(big), sha256(remote.resolve("rpartial.bin")), "reput resumed");
        Path back = local.resolve("back");
        assertEquals("quotes", Files.readString(back.resolve("it's \"quoted\".txt")));
        assertEquals(sha256(deep), sha256(back.resolve("sub dir/deep.bin")));
        assertEquals("rwxr-x---", perms(back.resolve("sub dir")), "get -r gives directories the remote mode");
        assertEquals(old, Files.getLastModifiedTime(back.resolve("sub dir")).toInstant(), "get -r -p keeps directory times");
        assertEquals(old, Files.getLastModifiedTime(back.resolve("a file.txt")).toInstant());
        assertTrue(o.contains("Retrieving " + rdir + "/tree\nRetrieving " + rdir + "/tree/sub dir\n"), o);
        List<String> globbed;
        try (java.util.stream.Stream<Path> s = Files.list(local.resolve("globbed"))) {
            globbed = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(List.of("copied.txt", "copied2.txt", "hard.txt", "renamed.txt", "soft.txt", "soft2.txt", "up1.txt"), globbed);
        assertEquals("quotes", Files.readString(local.resolve("quoted.txt")));

        // rm with a glob, mkdir, rmdir, lumask, quit
        assertFalse(Files.exists(remote.resolve("junk1.tmp")));
        assertFalse(Files.exists(remote.resolve("junk2.tmp")));
        assertTrue(Files.isDirectory(remote.resolve("newdir")));
        assertFalse(Files.exists(remote.resolve("newdir2")));
        assertEquals(List.of("Local umask: 022"), outputOf(o, "lumask 022"));
        assertFalse(Files.exists(remote.resolve("never")), "nothing runs after quit");
        assertFalse(o.contains("mkdir never"), o);
    }

    /**
     * Failures in a batch: each reported as OpenSSH words it; a line with a leading {@code -}
     * goes on, the first other failure ends the batch with status 1.
     */
    @ParameterizedTest(name = "against {0}")
    @ValueSource(strings = {"sshd", "tether server"})
    void batchFailuresAreReportedAndEndTheBatch(String kind) throws IOException {
        Target t = target(kind);
        String rdir = remoteDir(t, "fail");
        Path remote = t.local(rdir);
        Files.writeString(remote.resolve("file.txt"), "x");
        Files.createDirectories(remote.resolve("existing"));
        Processes.Result r = sftpBatch(t,
                "cd " + rdir,
                "-rm nosuch",
                "-get nosuch",
                "-cd file.txt",
                "-bogus",
                "-ls -z",
                "-chmod abc file.txt",
                "-mkdir existing",
                "-get existing",
                "-copy existing z",
                "-rename a",
                "lpwd",
                "rm nosuch",
                "mkdir never");
        assertEquals(1, r.exitCode(), r.describe());
        String e = r.stderr();
        for (String message : List.of(
                "remote delete " + rdir + "/nosuch: No such file or directory",
                "File \"" + rdir + "/nosuch\" not found.",
                "Can't change directory: \"" + rdir + "/file.txt\" is not a directory",
                "Invalid command.",
                "ls: Invalid flag -z",
                "You must supply a numeric argument to the chmod command.",
                "remote mkdir \"" + rdir + "/existing\": Failure",
                "download " + rdir + "/existing/: not a regular file",
                "Cannot copy non-regular file: " + rdir + "/existing",
                "You must specify two paths after a rename command.")) {
            assertTrue(e.contains(message + "\n"), "stderr lacks " + message + ":\n" + e);
        }
        assertTrue(r.stdout().contains("sftp> -rm nosuch\n"), "the echo keeps the prefix: " + r.stdout());
        assertTrue(r.stdout().contains("Local working directory: "), "a line with '-' goes on: " + r.stdout());
        assertTrue(r.stdout().contains("sftp> rm nosuch\n"), r.stdout());
        assertFalse(r.stdout().contains("mkdir never"), r.stdout());
        assertFalse(Files.exists(remote.resolve("never")), "a failure without '-' ends the batch");
    }

    /** OpenSSH's own sftp on a batch file, connected as {@link #sftpBatch} connects. */
    private Processes.Result openSshBatch(Target t, Path batch) throws IOException {
        Peers.requireExecutable(Peers.SFTP, "openssh-client");
        List<String> args = new ArrayList<>(List.of(Peers.SFTP.toString()));
        args.addAll(connection(t, "-P"));
        args.set(2, "/dev/null");
        args.addAll(List.of("-o", "IdentitiesOnly=yes", "-b", batch.toString(), host()));
        return Processes.run(args, TetherCli.env(home), null, null, TIMEOUT);
    }

    /**
     * The same batch of listings, local commands and failures through OpenSSH's sftp and through
     * {@code tether sftp}, against the same server: the same stdout, byte for byte, and the same
     * error lines.
     */
    @ParameterizedTest(name = "against {0}")
    @ValueSource(strings = {"sshd", "tether server"})
    void theSameBatchPrintsWhatOpenSshsSftpPrints(String kind) throws IOException {
        Target t = target(kind);
        String rdir = remoteDir(t, "same");
        Path remote = t.local(rdir);
        Instant old = Instant.parse("2001-02-03T04:05:06Z");
        Files.writeString(remote.resolve("file.txt"), "x");
        randomFile(remote.resolve("big one.bin"), 5_000_000);
        randomFile(remote.resolve("sub/inner.bin"), 1500);
        Files.writeString(remote.resolve(".hidden"), "h");
        Files.writeString(remote.resolve("it's \"odd\".txt"), "odd");
        Files.createSymbolicLink(remote.resolve("link"), Path.of("file.txt"));
        setTimes(remote.resolve("file.txt"), old);
        Path local = fresh("same-local");
        Files.writeString(local.resolve("l1.txt"), "l");
        Path batch = Files.write(work.resolve("same-" + remote.getFileName() + ".txt"), List.of(
                "cd " + rdir,
                "pwd",
                "ls",
                "ls -1",
                "ls -1a",
                "ls -1t",
                "ls -1S",
                "ls -1r",
                "ls -l file.txt",
                "ls -lh \"big one.bin\"",
                "ls *.txt",
                "ls -1 sub",
                "ls sub/*",
                "ls -1 .",
                "ls -1 ../" + remote.getFileName() + "/f*",
                "ls -1 " + rdir + "/s*",
                "ls -l link",
                "ls -1 \"it's \\\"odd\\\".txt\"",
                "-ls nosuch*",
                "-rm nosuch",
                "-get nosuch",
                "-cd file.txt",
                "-bogus",
                "-ls -z",
                "-get -x file.txt",
                "-chmod abc file.txt",
                "-chown x file.txt",
                "-mkdir sub",
                "-get sub",
                "-copy sub z",
                "-rename a",
                "-rmdir file.txt",
                "-symlink file.txt link",
                "-ln file.txt link",
                "@pwd",
                "lcd " + local,
                "lpwd",
                "lls",
                "lls -a",
                "!echo shell here",
                "lumask 027",
                "version",
                "progress",
                "cd",
                "pwd"));
        Processes.Result theirs = openSshBatch(t, batch);
        Processes.Result ours = sftpBatch(t, Files.readAllLines(batch).toArray(String[]::new));
        assertEquals(0, theirs.exitCode(), theirs.describe());
        assertEquals(0, ours.exitCode(), ours.describe());
        assertEquals(theirs.stdout(), ours.stdout());
        assertEquals(theirs.stderr().replace("\r", "").lines().filter(l -> !l.startsWith("debug")).toList(),
                ours.stderr().lines().toList());
    }

    /** The same starting files for one run of a transfer batch: a local and a remote directory. */
    private void transferFixture(Path local, Path remote, byte[] big, Instant old) throws IOException {
        Files.createDirectories(local.resolve("tree/sub dir"));
        Files.writeString(local.resolve("tree/a file.txt"), "spaces");
        Files.writeString(local.resolve("tree/it's \"quoted\".txt"), "quotes");
        Files.write(local.resolve("tree/sub dir/deep.bin"), Arrays.copyOf(big, 70_000));
        Files.createSymbolicLink(local.resolve("tree/link"), Path.of("a file.txt"));
        Files.setPosixFilePermissions(local.resolve("tree/sub dir"), PosixFilePermissions.fromString("rwxr-x---"));
        for (String p : List.of("tree/a file.txt", "tree/it's \"quoted\".txt", "tree/sub dir/deep.bin", "tree/sub dir", "tree")) {
            setTimes(local.resolve(p), old);
        }
        Files.writeString(local.resolve("up1.txt"), "one");
        Files.write(local.resolve("up2.txt"), Arrays.copyOf(big, 2000));
        Files.write(local.resolve("big.bin"), big);
        Files.write(local.resolve("lbig.bin"), Arrays.copyOf(big, 100_000));
        Files.write(remote.resolve("big.bin"), big);
        Files.write(remote.resolve("rbig.bin"), Arrays.copyOf(big, 120_000));
        Files.writeString(remote.resolve("junk1.tmp"), "x");
        Files.writeString(remote.resolve("junk2.tmp"), "y");
        for (Path p : List.of(local.resolve("up1.txt"), local.resolve("up2.txt"), local.resolve("big.bin"), remote.resolve("big.bin"))) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
            setTimes(p, old);
        }
    }

    /** What a tree holds: per entry its kind, mode, links, size, content, link target, and its time if it is {@code old}. */
    private static List<String> snapshot(Path root, Instant old) throws IOException {
        List<String> out = new ArrayList<>();
        try (java.util.stream.Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted().toList()) {
                java.nio.file.attribute.PosixFileAttributes a = Files.readAttributes(p, java.nio.file.attribute.PosixFileAttributes.class,
                        java.nio.file.LinkOption.NOFOLLOW_LINKS);
                String what = a.isSymbolicLink() ? "-> " + Files.readSymbolicLink(p)
                        : a.isDirectory() ? "dir" : a.size() + " " + sha256(p) + " links " + Files.getAttribute(p, "unix:nlink");
                boolean kept = a.lastModifiedTime().toInstant().equals(old);
                out.add(root.relativize(p) + " " + PosixFilePermissions.toString(a.permissions()) + " " + what + (kept ? " old" : ""));
            }
        }
        return out;
    }

    /**
     * The same batch of transfers and changes through OpenSSH's sftp and through
     * {@code tether sftp}, each in its own copy of the same files: the same stdout and errors
     * (the directories' names aside), and the same files afterwards on both sides, with their
     * modes, links and kept times.
     */
    @ParameterizedTest(name = "against {0}")
    @ValueSource(strings = {"sshd", "tether server"})
    void theSameTransfersLeaveWhatOpenSshsSftpLeaves(String kind) throws IOException {
        Target t = target(kind);
        Instant old = Instant.parse("2001-02-03T04:05:06Z");
        byte[] big = new byte[300_000];
        random.nextBytes(big);
        String id = Long.toHexString(random.nextLong());
        Path[] locals = new Path[2];
        Path[] remotes = new Path[2];
        Processes.Result[] results = new Processes.Result[2];
        for (int run = 0; run < 2; run++) {
            locals[run] = Files.createDirectories(work.resolve("xfer-" + id + "/local-" + run));
            remotes[run] = Files.createDirectories(t.local(t.remoteBase() + "/xfer-" + id + "-" + run));
            transferFixture(locals[run], remotes[run], big, old);
            long uid = ((Number) Files.getAttribute(remotes[run], "unix:uid")).longValue();
            long gid = ((Number) Files.getAttribute(remotes[run], "unix:gid")).longValue();
            Path batch = Files.write(work.resolve("xfer-" + id + "-" + run + ".txt"), List.of(
                    "cd " + t.remoteBase() + "/" + remotes[run].getFileName(),
                    "lcd " + locals[run],
                    "put -r tree",
                    "put -r -p tree tree2",
                    "put up*.txt",
                    "put -p up1.txt kept.txt",
                    "get -r tree back",
                    "get -rp tree2 back2",
                    "get -p big.bin",
                    "lmkdir got",
                    "get *.txt got",
                    "get -a big.bin lbig.bin",
                    "reput big.bin rbig.bin",
                    "rename up2.txt renamed.txt",
                    "copy up1.txt copied.txt",
                    "ln up1.txt hard.txt",
                    "ln -s up1.txt soft.txt",
                    "symlink up1.txt soft2.txt",
                    "chmod 600 up1.txt",
                    "chmod -h 640 copied.txt",
                    "chown " + uid + " up1.txt",
                    "chgrp " + gid + " up1.txt",
                    "chown -h " + uid + " soft.txt",
                    "chgrp -h " + gid + " soft.txt",
                    "mkdir newdir",
                    "mkdir gone",
                    "rmdir gone",
                    "rm junk*",
                    "mput -f up1.txt mput.txt",
                    "mget -f up1.txt mget.txt",
                    "chdir tree2",
                    "dir -1",
                    "chdir ..",
                    "lchdir got",
                    "lls -1",
                    "lchdir ..",
                    "-put nosuch",
                    "-put up*.txt up1.txt",
                    "-get *.txt up1.txt",
                    "-rename nosuch x",
                    "-ln nosuch y",
                    "-ln -s up1.txt soft.txt",
                    "ls -1",
                    "ls -1 tree2",
                    "lls -1 back back2"));
            results[run] = run == 0 ? openSshBatch(t, batch) : sftpBatch(t, Files.readAllLines(batch).toArray(String[]::new));
            assertEquals(0, results[run].exitCode(), results[run].describe());
        }
        String theirRemote = t.remoteBase() + "/" + remotes[0].getFileName();
        String ourRemote = t.remoteBase() + "/" + remotes[1].getFileName();
        assertEquals(results[0].stdout().replace(theirRemote, ourRemote).replace(locals[0].toString(), locals[1].toString()),
                results[1].stdout());
        assertEquals(results[0].stderr().replace("\r", "").replace(theirRemote, ourRemote).lines().toList(), results[1].stderr().lines().toList());
        assertEquals(snapshot(remotes[0], old), snapshot(remotes[1], old));
        assertEquals(snapshot(locals[0], old), snapshot(locals[1], old));
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

    /**
     * A {@code put} and a {@code get} killed (SIGKILL) once a megabyte is through, then
     * {@code reput} and {@code reget}: the files end whole. Byte 0 of each partial copy is flipped
     * before resuming; a resume keeps it (only the rest is sent), a restart would not.
     */
    @ParameterizedTest(name = "against {0}")
    @ValueSource(strings = {"sshd", "tether server"})
    void aKilledPutAndGetResumeWithReputAndReget(String kind) throws Exception {
        Target t = target(kind);
        Path local = fresh("killed");
        Path remote = Files.createDirectories(t.localBase().resolve("killed-" + Long.toHexString(random.nextLong())));
        String rdir = t.remoteBase() + "/" + remote.getFileName();
        long size = 192L << 20;
        String sum = BigFiles.write(local.resolve("up.bin"), size, random.nextLong());
        Files.copy(local.resolve("up.bin"), remote.resolve("down.bin"));

        killMidway(t, remote.resolve("up.bin"), size, "cd " + rdir, "lcd " + local, "put up.bin");
        killMidway(t, local.resolve("down.bin"), size, "cd " + rdir, "lcd " + local, "get down.bin");
        flipFirstByte(remote.resolve("up.bin"));
        flipFirstByte(local.resolve("down.bin"));

        Processes.Result r = sftpBatch(t, "cd " + rdir, "lcd " + local, "reput up.bin", "reget down.bin");
        assertEquals(0, r.exitCode(), r.describe());
        flipFirstByte(remote.resolve("up.bin"));
        flipFirstByte(local.resolve("down.bin"));
        assertEquals(sum, BigFiles.sha256(remote.resolve("up.bin")), "reput resumed and completed the file");
        assertEquals(sum, BigFiles.sha256(local.resolve("down.bin")), "reget resumed and completed the file");
    }

    /** Runs a batch and kills the process once {@code growing} has passed a megabyte, well short of {@code size}. */
    private void killMidway(Target t, Path growing, long size, String... lines) throws IOException {
        try (Processes.Running p = Processes.start(sftpBatchCommand(t, lines), TetherCli.env(home), null, work)) {
            assertTrue(Poll.until(() -> sizeOf(growing) > (1 << 20) || !p.isAlive(), TIMEOUT, Duration.ofMillis(5), p.process()),
                    "the transfer started: " + p.describe());
            Processes.kill(p.process());
            assertTrue(sizeOf(growing) < size, "killed before the end: " + sizeOf(growing) + "\n" + p.describe());
        }
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    private static void flipFirstByte(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, 0);
            b.put(0, (byte) (b.get(0) ^ 1));
            b.rewind();
            ch.write(b, 0);
        }
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
        Path tree = Files.createDirectories(t.localBase().resolve("progress-tree-" + Long.toHexString(random.nextLong())));
        randomFile(tree.resolve("one.bin"), 3 * 1024 * 1024);
        Files.createFile(tree.resolve("empty.bin"));
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
            // a tree: a line per file, an empty one included, after the directory's own line
            tmux.sendKeys("get -r " + tree + " tree-copy", "Enter");
            tmux.await(s -> s.contains("Retrieving " + tree) && s.lines().anyMatch(l -> l.startsWith("one.bin ") && l.contains("100%"))
                    && s.lines().anyMatch(l -> l.startsWith("empty.bin ") && l.contains("100%")), "a progress line per file", TIMEOUT);
            tmux.sendKeys("bye", "Enter");
        }
        assertEquals(sha256(remote), sha256(dir.resolve("copy.bin")));
        assertEquals(sha256(tree.resolve("one.bin")), sha256(dir.resolve("tree-copy/one.bin")));
        assertEquals(0, Files.size(dir.resolve("tree-copy/empty.bin")));
    }
}
