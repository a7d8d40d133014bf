package dev.tether.cli;

import dev.tether.testkit.FreePorts;
import dev.tether.testkit.OpenSshClient;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Processes;
import dev.tether.testkit.TetherCli;
import dev.tether.testkit.TetherServerProcess;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tether server}'s own SFTP server under {@code --chroot} and under a config file's
 * {@code Match} blocks with ChrootDirectory, ForceCommand internal-sftp and
 * PasswordAuthentication, observed through OpenSSH's {@code sftp -b} and {@code ssh}. Other user
 * names than the server's log in by password ({@code --passwords}, bcrypt).
 */
class ServerSftpTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String PASSWORD = "pw-for-tests";

    @TempDir
    Path tmp;

    /** {@code sftp -b} as the server's OS user (its key) or, with a password, as another user. */
    private OpenSshClient.Result sftp(TetherServerProcess server, String user, String password, String... batchLines)
            throws IOException {
        Path batch = Files.writeString(Files.createTempFile(tmp, "batch", ".txt"), String.join("\n", batchLines) + "\n");
        OpenSshClient.Invocation i = new OpenSshClient(server.dir()).sftp(server.port(), user)
                .knownHosts(server.dir().resolve("known_hosts")).verbose(0).args("-b", batch.toString()).timeout(WAIT);
        return (password == null ? i.identity(server.userKey()) : i.password(password).preferred("password")).run();
    }

    /** {@code ssh USER@ COMMAND} by password (no command: a shell reading {@code echo shell-ran}). */
    private OpenSshClient.Result sshByPassword(TetherServerProcess server, String user, String... command) throws IOException {
        OpenSshClient.Invocation i = new OpenSshClient(server.dir()).to(server.port(), user).password(PASSWORD)
                .preferred("password").knownHosts(server.dir().resolve("known_hosts")).verbose(0).timeout(WAIT);
        if (command.length == 0) {
            i.shell().args("-T").stdin(Files.writeString(tmp.resolve("shell-stdin"), "echo shell-ran\n"));
        } else {
            i.command(command);
        }
        return i.run();
    }

    /** OpenSSH's legacy {@code scp -O FROM TO} (a remote side written {@code :PATH}) as the server's user or, with a password, as another. */
    private Processes.Result scp(TetherServerProcess server, String user, String password, String from, String to)
            throws IOException {
        Peers.requireSsh();
        String remote = user + "@" + FreePorts.LOOPBACK;
        List<String> cmd = new ArrayList<>();
        if (password != null) {
            Peers.requireSshpass();
            cmd.addAll(List.of(Peers.SSHPASS.toString(), "-e"));
        }
        cmd.addAll(List.of(Peers.SCP.toString(), "-O", "-F", "/dev/null", "-P", Integer.toString(server.port()),
                "-o", "UserKnownHostsFile=" + server.dir().resolve("known_hosts"), "-o", "StrictHostKeyChecking=accept-new",
                "-o", "BatchMode=" + (password == null ? "yes" : "no")));
        cmd.addAll(password == null ? List.of("-i", server.userKey().toString(), "-o", "IdentitiesOnly=yes")
                : List.of("-o", "PreferredAuthentications=password", "-o", "NumberOfPasswordPrompts=1"));
        cmd.add(from.startsWith(":") ? remote + from : from);
        cmd.add(to.startsWith(":") ? remote + to : to);
        return Processes.run(cmd, password == null ? Map.of() : Map.of("SSHPASS", password), null, null, WAIT);
    }

    /**
     * {@code tether server} with {@code --config} (its lines given the server's directory) and
     * {@code --passwords} letting these users in with {@link #PASSWORD}.
     */
    private static TetherServerProcess serverWithConfig(Function<Path, List<String>> config, String... users) throws IOException {
        return TetherServerProcess.start(true, dir -> {
            StringBuilder passwords = new StringBuilder();
            for (String u : users) {
                passwords.append(u).append(':').append(OpenBSDBCrypt.generate("2y", PASSWORD.toCharArray(), new byte[16], 4))
                        .append('\n');
            }
            try {
                Files.writeString(dir.resolve("passwords"), passwords.toString());
                Files.writeString(dir.resolve("sshd_config"), String.join("\n", config.apply(dir)) + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return List.of("--config", dir.resolve("sshd_config").toString(), "--passwords", dir.resolve("passwords").toString());
        });
    }

    @Test
    void chrootJailsSftpAndRefusesExecAndShell() throws Exception {
        Path jail = Files.createDirectories(tmp.resolve("jail"));
        Files.writeString(jail.resolve("inside.txt"), "inside the jail\n");
        Files.writeString(tmp.resolve("up.txt"), "uploaded\n");
        try (TetherServerProcess server = TetherServerProcess.start("--chroot", jail.toString())) {
            OpenSshClient.Result r = sftp(server, Cli.localUser(), null,
                    "pwd",
                    "cd ..",
                    "pwd",
                    "cd /../..",
                    "pwd",
                    "ls",
                    "put " + tmp.resolve("up.txt") + " up.txt",
                    "get /inside.txt " + tmp.resolve("got.txt"));
            assertEquals(0, r.exitCode(), r.describe());
            assertEquals(3, r.stdout().split("Remote working directory: /\n", -1).length - 1, r.describe());
            assertTrue(r.stdout().contains("inside.txt"), r.describe());
            assertEquals("uploaded\n", Files.readString(jail.resolve("up.txt")));
            assertEquals("inside the jail\n", Files.readString(tmp.resolve("got.txt")));
            server.awaitStderr("sftp " + Cli.localUser() + " session opened, root jail " + jail.toRealPath() + " start /", WAIT);

            for (String escape : List.of("/etc/passwd", "../../../../../../etc/passwd")) {
                OpenSshClient.Result out = sftp(server, Cli.localUser(), null, "get " + escape + " " + tmp.resolve("passwd"));
                assertEquals(1, out.exitCode(), out.describe());
                assertTrue(out.stderr().contains("not found"), out.describe());
                assertFalse(Files.exists(tmp.resolve("passwd")), escape);
            }

            // SCP runs in Java, in the same jail
            Processes.Result scpIn = scp(server, Cli.localUser(), null, ":/inside.txt", tmp.resolve("scp-got.txt").toString());
            assertEquals(0, scpIn.exitCode(), scpIn.describe());
            assertEquals("inside the jail\n", Files.readString(tmp.resolve("scp-got.txt")));
            Processes.Result scpOut = scp(server, Cli.localUser(), null, ":/../../etc/passwd", tmp.resolve("passwd").toString());
            assertEquals(1, scpOut.exitCode(), scpOut.describe());
            assertFalse(Files.exists(tmp.resolve("passwd")));

            // no process can run: exec (other than scp) and shell are refused
            Processes.Result exec = server.ssh(List.of(), "true");
            assertEquals(255, exec.exitCode(), exec.describe());
            assertTrue(exec.stderr().contains("exec request failed"), exec.describe());
            Path script = Files.writeString(tmp.resolve("stdin"), "echo shell-ran\n");
            Processes.Result shell = Processes.run(server.sshCommand(List.of("-T")), Map.of(), script, null, WAIT);
            assertEquals(255, shell.exitCode(), shell.describe());
            assertTrue(shell.stderr().contains("shell request failed"), shell.describe());
            assertFalse(shell.stdout().contains("shell-ran"), shell.describe());
        }
    }

    @Test
    void matchUserChrootDirectoryJailsOneUserAndNotTheOther() throws Exception {
        try (TetherServerProcess server = serverWithConfig(dir -> List.of(
                "Match Address 10.0.0.0/8",
                "    ChrootDirectory /nonexistent",
                "Match User alice",
                "    ChrootDirectory " + dir.resolve("jails") + "/%u"), "alice")) {
            Path jail = Files.createDirectories(server.dir().resolve("jails/alice"));
            Files.writeString(jail.resolve("mine.txt"), "alice's\n");
            OpenSshClient.Result alice = sftp(server, "alice", PASSWORD, "cd ..", "pwd", "ls", "put " + server.dir().resolve("sshd_config") + " up");
            assertEquals(0, alice.exitCode(), alice.describe());
            assertTrue(alice.stdout().contains("Remote working directory: /\n"), alice.describe());
            assertTrue(alice.stdout().contains("mine.txt"), alice.describe());
            assertTrue(Files.exists(jail.resolve("up")));
            OpenSshClient.Result out = sftp(server, "alice", PASSWORD, "get /etc/passwd " + tmp.resolve("passwd"));
            assertEquals(1, out.exitCode(), out.describe());
            assertFalse(Files.exists(tmp.resolve("passwd")));
            // SCP in Java in her jail; any other command fails without a process (others may run processes)
            Processes.Result scpIn = scp(server, "alice", PASSWORD, ":/mine.txt", tmp.resolve("scp-got.txt").toString());
            assertEquals(0, scpIn.exitCode(), scpIn.describe());
            assertEquals("alice's\n", Files.readString(tmp.resolve("scp-got.txt")));
            Processes.Result scpOut = scp(server, "alice", PASSWORD, ":/etc/passwd", tmp.resolve("passwd").toString());
            assertEquals(1, scpOut.exitCode(), scpOut.describe());
            assertFalse(Files.exists(tmp.resolve("passwd")));
            OpenSshClient.Result exec = sshByPassword(server, "alice", "echo", "escaped", ">", server.dir().resolve("escaped").toString());
            assertEquals(1, exec.exitCode(), exec.describe());
            assertTrue(exec.stderr().contains("no command can run in this account's jail"), exec.describe());
            assertFalse(Files.exists(server.dir().resolve("escaped")), "no process ran");
            OpenSshClient.Result shell = sshByPassword(server, "alice");
            assertTrue(shell.stderr().contains("shell request failed"), shell.describe());
            assertFalse(shell.stdout().contains("shell-ran"), shell.describe());

            // the server's own user matches neither block: the whole file system, exec and shell
            OpenSshClient.Result other = sftp(server, Cli.localUser(), null, "pwd", "get /etc/passwd " + tmp.resolve("passwd"));
            assertEquals(0, other.exitCode(), other.describe());
            assertTrue(other.stdout().contains("Remote working directory: " + server.dir().toRealPath() + "\n"), other.describe());
            assertEquals(Files.readString(Path.of("/etc/passwd")), Files.readString(tmp.resolve("passwd")));
            Processes.Result otherExec = server.ssh(List.of(), "echo in");
            assertEquals(0, otherExec.exitCode(), otherExec.describe());
            assertEquals("in\n", otherExec.stdout());
            server.awaitStderr("sftp alice session opened, root jail " + jail.toRealPath() + " start /", WAIT);
        }
    }

    @Test
    void forceCommandInternalSftpAllowsOnlySftpWithItsFlags() throws Exception {
        try (TetherServerProcess server = serverWithConfig(dir -> List.of(
                "Subsystem sftp internal-sftp -P remove",
                "Match User carol",
                "    ForceCommand internal-sftp -R -d drop",
                "Match User bob",
                "    PasswordAuthentication no"), "carol", "bob")) {
            Path drop = Files.createDirectories(server.dir().resolve("drop"));
            Files.writeString(drop.resolve("readme.txt"), "read me\n");
            OpenSshClient.Result exec = sshByPassword(server, "carol", "echo", "ran");
            assertEquals(255, exec.exitCode(), exec.describe());
            assertTrue(exec.stderr().contains("exec request failed"), exec.describe());
            assertFalse(exec.stdout().contains("ran"), exec.describe());
            OpenSshClient.Result shell = sshByPassword(server, "carol");
            assertTrue(shell.stderr().contains("shell request failed"), shell.describe());
            Processes.Result scp = scp(server, "carol", PASSWORD, ":drop/readme.txt", tmp.resolve("scp.txt").toString());
            assertTrue(scp.exitCode() != 0, scp.describe());
            assertFalse(Files.exists(tmp.resolve("scp.txt")));
            server.awaitStderr("session 0 refused exec \"echo ran\": not allowed for this user", WAIT);

            // SFTP with ForceCommand's flags: starts in drop (-d relative to --root), read-only (-R)
            OpenSshClient.Result r = sftp(server, "carol", PASSWORD, "pwd", "get readme.txt " + tmp.resolve("readme.txt"),
                    "put " + server.dir().resolve("sshd_config") + " up");
            assertEquals(1, r.exitCode(), r.describe());
            assertTrue(r.stdout().contains("Remote working directory: " + drop.toRealPath() + "\n"), r.describe());
            assertEquals("read me\n", Files.readString(tmp.resolve("readme.txt")));
            assertTrue(r.stderr().contains("Permission denied"), r.describe());
            assertFalse(Files.exists(drop.resolve("up")));

            // everyone else: the Subsystem's flags (-P remove), and exec
            OpenSshClient.Result mine = sftp(server, Cli.localUser(), null, "put " + server.dir().resolve("sshd_config") + " drop/up",
                    "rm drop/up");
            assertEquals(1, mine.exitCode(), mine.describe());
            assertTrue(Files.exists(drop.resolve("up")), "written, and -P remove kept it");
            Processes.Result myExec = server.ssh(List.of(), "echo in");
            assertEquals(0, myExec.exitCode(), myExec.describe());

            // PasswordAuthentication no in bob's block: his password login is refused
            OpenSshClient.Result bob = sshByPassword(server, "bob", "true");
            assertEquals(255, bob.exitCode(), bob.describe());
            assertTrue(bob.stderr().contains("password authentication is not allowed for user bob (PasswordAuthentication no)"),
                    bob.describe());
        }
    }

    @Test
    void aForceCommandOtherThanInternalSftpIsAnErrorNamingFileAndLine() throws Exception {
        Path cfg = Files.writeString(tmp.resolve("cfg"), "Port 0\nMatch User x\n  ForceCommand /usr/bin/date\n");
        Processes.Result r = TetherCli.run(tmp, "server", "--config", cfg.toString());
        assertEquals(2, r.exitCode(), r.describe());
        assertTrue(r.stderr().contains(cfg + ":3: ForceCommand: only 'internal-sftp'"), r.describe());
        assertFalse(r.stdout().contains("listening"), r.describe());

        List<String> args = new ArrayList<>(List.of("server", "--port", "0", "--chroot", tmp.resolve("missing").toString()));
        Processes.Result missing = TetherCli.run(tmp, args.toArray(String[]::new));
        assertEquals(2, missing.exitCode(), missing.describe());
        assertTrue(missing.stderr().contains("--chroot"), missing.describe());
    }
}
