package dev.tether.cli;

import dev.tether.sftp.SftpServer;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Processes;
import dev.tether.testkit.TetherCli;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tether sftp-server} driven by OpenSSH's {@code sftp -D}, which runs it as a child and
 * speaks SFTP over its standard input and output: transfers checked by checksum, the flags of
 * OpenSSH's sftp-server, and nothing but SFTP on stdout (sftp would fail on a stray byte) and
 * nothing on stderr unless -e or -l asks for logs.
 */
class SftpServerCommandTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private Path home;
    private Path remote;
    private Path serverErr;
    private Path launcher;

    @BeforeEach
    void setUp() throws Exception {
        home = Files.createDirectories(tmp.resolve("home"));
        remote = Files.createDirectories(tmp.resolve("remote"));
        serverErr = tmp.resolve("server.err");
        launcher = SftpLauncher.write(tmp, home, serverErr);
    }

    /** {@code sftp -b BATCH -D "LAUNCHER ARGS"} in {@code tmp}, bounded. */
    private Processes.Result sftp(String serverArgs, String... batchLines) throws Exception {
        Peers.requireSsh();
        Path batch = Files.writeString(tmp.resolve("batch"), String.join("\n", batchLines) + "\n");
        List<String> cmd = List.of(Peers.SFTP.toString(), "-b", batch.toString(), "-D",
                launcher + (serverArgs.isEmpty() ? "" : " " + serverArgs));
        return Processes.run(cmd, Map.of(), null, tmp, WAIT);
    }

    private String serverStderr() throws Exception {
        return Files.exists(serverErr) ? Files.readString(serverErr) : "";
    }

    @Test
    void sftpDirectPutsListsAndGetsFilesIntactWithNothingOnStderr() throws Exception {
        Path local = SftpLauncher.randomFile(tmp.resolve("local.bin"), 3 * 1024 * 1024 + 17, 42);
        Processes.Result r = sftp("-d " + remote,
                "pwd",
                "put " + local + " remote.bin",
                "ls -l",
                "get remote.bin " + tmp.resolve("back.bin"),
                "mkdir sub",
                "rename remote.bin sub/moved.bin",
                "ls sub");
        assertEquals(0, r.exitCode(), r.describe());
        assertTrue(r.stdout().contains("Remote working directory: " + remote + "\n"), r.describe());
        assertTrue(r.stdout().matches("(?s).*-rw.* " + (3 * 1024 * 1024 + 17) + " .* remote\\.bin\n.*"), r.describe());
        assertTrue(r.stdout().contains("sub/moved.bin"), r.describe());
        String sum = SftpLauncher.sha256(local);
        assertEquals(sum, SftpLauncher.sha256(remote.resolve("sub/moved.bin")));
        assertEquals(sum, SftpLauncher.sha256(tmp.resolve("back.bin")));
        assertEquals("", serverStderr(), "without -e or -l the server prints nothing");
    }

    @Test
    void logsEachFileOperationOnStderrWithEAndLevelInfo() throws Exception {
        Files.writeString(tmp.resolve("a.txt"), "hello\n");
        Processes.Result r = sftp("-e -l INFO -d " + remote, "put " + tmp.resolve("a.txt") + " a.txt");
        assertEquals(0, r.exitCode(), r.describe());
        String log = serverStderr();
        String tag = "stdio sftp " + TetherCli.localUser() + " ";
        assertTrue(log.contains(tag + "open " + remote.resolve("a.txt") + " flags WRITE,CREATE,TRUNCATE"), log);
        assertTrue(log.contains(tag + "close " + remote.resolve("a.txt") + " bytes read 0 written 6"), log);
        assertTrue(log.contains(tag + "session closed"), log);

        Files.delete(serverErr);
        // -e alone logs at ERROR: a normal session says nothing
        assertEquals(0, sftp("-e -d " + remote, "ls").exitCode());
        assertEquals("", serverStderr());
    }

    @Test
    void readOnlyRefusesAPutButServesAGet() throws Exception {
        Files.writeString(remote.resolve("there.txt"), "already there\n");
        Files.writeString(tmp.resolve("up.txt"), "new\n");
        Processes.Result put = sftp("-R -d " + remote, "put " + tmp.resolve("up.txt") + " up.txt");
        assertEquals(1, put.exitCode(), put.describe());
        assertTrue(put.stderr().contains("Permission denied"), put.describe());
        assertFalse(Files.exists(remote.resolve("up.txt")));

        Processes.Result get = sftp("-R -d " + remote, "get there.txt " + tmp.resolve("got.txt"), "-rm there.txt", "ls");
        assertEquals(0, get.exitCode(), get.describe());
        assertEquals("already there\n", Files.readString(tmp.resolve("got.txt")));
        assertTrue(Files.exists(remote.resolve("there.txt")), "-R refused the rm");
    }

    @Test
    void denyAndAllowListsRefuseRequestsByName() throws Exception {
        Files.writeString(remote.resolve("keep.txt"), "keep\n");
        Processes.Result rm = sftp("-P remove,rename -d " + remote, "rm keep.txt");
        assertEquals(1, rm.exitCode(), rm.describe());
        assertTrue(rm.stderr().contains("Permission denied"), rm.describe());
        assertTrue(Files.exists(remote.resolve("keep.txt")));

        // -p: only what is listed (OpenSSH's client needs limits); a listing needs opendir and readdir
        Processes.Result ls = sftp("-p open,close,read,lstat,fstat,stat,realpath,limits -d " + remote, "ls");
        assertTrue(ls.stderr().contains("Permission denied"), ls.describe());
        assertFalse(ls.stdout().contains("keep.txt"), ls.describe());
        Processes.Result get = sftp("-p open,close,read,lstat,fstat,stat,realpath,limits -d " + remote,
                "get keep.txt " + tmp.resolve("kept.txt"));
        assertEquals(0, get.exitCode(), get.describe());
        assertEquals("keep\n", Files.readString(tmp.resolve("kept.txt")));
    }

    @Test
    void startsInHomeOrInDWithItsTokens() throws Exception {
        Processes.Result def = sftp("", "pwd");
        assertEquals(0, def.exitCode(), def.describe());
        assertTrue(def.stdout().contains("Remote working directory: " + home + "\n"), def.describe());

        Path byUser = Files.createDirectories(home.resolve("up-" + TetherCli.localUser() + "%"));
        Processes.Result tokens = sftp("-d %d/up-%u%%", "pwd");
        assertEquals(0, tokens.exitCode(), tokens.describe());
        assertTrue(tokens.stdout().contains("Remote working directory: " + byUser + "\n"), tokens.describe());
    }

    @Test
    void queryRequestsPrintsTheNamesOneALine() throws Exception {
        Processes.Result r = TetherCli.run(tmp, "sftp-server", "-Q", "requests");
        assertEquals(0, r.exitCode(), r.describe());
        assertEquals(String.join("\n", SftpServer.REQUEST_NAMES) + "\n", r.stdout());
        assertEquals("", r.stderr());
    }

    @Test
    void helpListsTheFlagsAndTetherListsTheCommand() throws Exception {
        Processes.Result help = TetherCli.run(tmp, "sftp-server", "-h");
        assertEquals(0, help.exitCode(), help.describe());
        assertFalse(help.stderr().contains("picocli WARN"), "a description with a bare %: " + help.stderr());
        for (String flag : List.of("-d", "-R", "-u", "-e", "-l", "-f", "-P", "-p", "-Q", "-h")) {
            assertTrue(help.stdout().contains("  " + flag + " ") || help.stdout().contains("  " + flag + ","), flag + ":\n" + help.stdout());
        }
        Processes.Result top = TetherCli.run(tmp, "--help");
        assertTrue(top.stdout().contains("sftp-server"), top.describe());
    }

    @Test
    void exitsZeroWhenItsInputEndsWithNothingOnStdout() throws Exception {
        Processes.Result r = TetherCli.run(home, "sftp-server", "-e", "-l", "DEBUG3");
        assertEquals(0, r.exitCode(), r.describe());
        assertEquals(0, r.stdoutBytes().length, r.describe());
    }

    @Test
    void badFlagsAreUsageErrorsWithNothingOnStdout() throws Exception {
        for (List<String> args : List.of(List.of("-u", "999"), List.of("-u", "abc"), List.of("-l", "LOUD"),
                List.of("-p", "open,bogus"), List.of("-Q", "nothing"), List.of("-x"), List.of("-d", "/x/%q"),
                List.of("extra"))) {
            List<String> all = new ArrayList<>(List.of("sftp-server"));
            all.addAll(args);
            Processes.Result r = TetherCli.run(tmp, all.toArray(String[]::new));
            assertEquals(2, r.exitCode(), r.describe());
            assertEquals("", r.stdout(), r.describe());
            assertTrue(r.stderr().contains("Usage: tether sftp-server"), r.describe());
        }
    }

    @Test
    void flagsAreReadAsSftpServerReadsThem() {
        SftpServerCommand.Flags f = SftpServerCommand.parseFlags(List.of("-eR", "-u027", "-l", "info", "-f", "AUTH",
                "-p", "open,read,close,realpath", "-P", "write", "-d", "/srv/%u"));
        assertEquals(new SftpServerCommand.Flags("/srv/%u", true, 027, Set.of("open", "read", "close", "realpath"),
                Set.of("write"), "INFO", true), f);
        assertEquals("/srv/alice", f.startDir("/home/alice", "alice"));
        assertEquals(SftpServerCommand.Flags.NONE, SftpServerCommand.parseFlags(List.of()));
        assertEquals("off", SftpServerCommand.slf4jLevel("QUIET"));
        assertEquals("info", SftpServerCommand.slf4jLevel("VERBOSE"));
        assertEquals("trace", SftpServerCommand.slf4jLevel("DEBUG3"));
        assertThrows(IllegalArgumentException.class, () -> SftpServerCommand.parseFlags(List.of("-h")));
        assertThrows(IllegalArgumentException.class, () -> SftpServerCommand.parseFlags(List.of("-p", "open", "-p", "read")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SftpServerCommand.parseFlags(List.of("-u", "8")));
        assertEquals("Invalid umask \"8\"", e.getMessage());
    }
}
