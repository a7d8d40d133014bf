package dev.tether.ssh.sessions;

import dev.tether.ssh.ExecResult;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.testutil.Streams;
import dev.tether.testkit.PrivateSshd;
import dev.tether.testkit.TempDirs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.tether.ssh.sessions.Sessions.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our client against a private OpenSSH sshd ({@link PrivateSshd}), logged in as the OS user
 * with a public key from its AuthorizedKeysFile: exit codes, exit-signal, stdout and stderr
 * apart, bulk data both ways, environment, and the sftp subsystem spoken as raw bytes.
 *
 * <p>sshd runs commands with the user's shell, bash, which on Debian sources {@code ~/.bashrc}
 * when it sees {@code SSH_CLIENT} and {@code SHLVL} is unset. This machine's root .bashrc takes
 * about 250 ms (pyenv), which would make 256 sessions take a minute, so the test's sshd_config
 * has {@code SetEnv SHLVL=1}: bash then skips the rc file. Nothing else about the sessions
 * changes.
 *
 * <p>The harness runs {@code sshd -e} with {@code LogLevel DEBUG3} (first value wins in
 * sshd_config, so a test cannot lower it), and the session child logs a few {@code debug1:}
 * lines after it has pointed its stderr at the channel and before it execs the shell. They
 * arrive first on the session's stderr; {@link #sessionStderr} drops exactly those leading lines.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TetherClientToSshdSessionsTest {
    private static PrivateSshd sshd;
    private static KeyPair userKey;
    private static Path data;
    private static Transport t;

    @BeforeAll
    static void start() throws Exception {
        sshd = PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519),
                List.of("AcceptEnv LC_*", "SetEnv SHLVL=1", "MaxSessions 40"));
        data = Sessions.tempDir("sshd-data");
        userKey = Sessions.userKey(data).pair();
        Files.writeString(sshd.dir().resolve("authorized_keys"), OpenSshKeyFile.publicKeyLine(userKey.getPublic(), "tester") + "\n");
        t = connect();
    }

    static Transport connect() throws IOException {
        HostKeyVerifier v = HostKeyVerifier.acceptKeys(List.of(sshd.hostKeyBlob(PrivateSshd.HostKey.ED25519)));
        Transport c = Transport.connect(Sessions.LOOPBACK, sshd.port(), TransportConfig.builder().build(), v);
        assertEquals(List.of(), c.authPublickey(System.getProperty("user.name"), userKey));
        return c;
    }

    @AfterAll
    static void stop() {
        if (t != null) {
            t.close();
        }
        if (sshd != null) {
            sshd.close();
        }
        TempDirs.deleteTree(data);
    }

    @Test
    void everyExitCodeFrom0To255OnOneConnection() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (int n = 0; n < 256; n++) {
            ExecResult r = t.exec("exit " + n, Duration.ofSeconds(10));
            if (r.exitStatus() != n || r.exitSignal() != null) {
                wrong.add("exit " + n + " -> status " + r.exitStatus() + " signal " + r.exitSignal() + " stderr " + r.stderrText());
            }
        }
        assertTrue(wrong.isEmpty(), wrong.size() + " wrong: " + wrong);
    }

    @Test
    void deathBySignalArrivesAsExitSignalTerm() throws Exception {
        ExecResult r = t.exec("kill -TERM $$", Duration.ofSeconds(10));
        assertEquals(-1, r.exitStatus(), "sshd sends exit-signal instead of exit-status");
        assertEquals("TERM", r.exitSignal());

        try (Channel ch = t.openSession()) {
            assertTrue(ch.exec("kill -TERM $$"));
            ch.getOutputStream().close();
            assertEquals(-1, ch.getInputStream().read());
            assertEquals(-1, ch.awaitExitStatus(Duration.ofSeconds(10)));
            assertEquals("TERM", ch.exitSignal());
            assertNull(ch.exitStatus());
        }
    }

    @Test
    void stdoutAndStderrStayApart() throws Exception {
        ExecResult r = t.exec("echo to-out; echo to-err >&2; echo more-out; echo more-err >&2; exit 3", Duration.ofSeconds(10));
        assertEquals(3, r.exitStatus());
        assertEquals("to-out\nmore-out\n", r.stdoutText());
        assertEquals("to-err\nmore-err\n", new String(sessionStderr(r.stderr()), StandardCharsets.UTF_8));
    }

    @Test
    void sixtyFourMiBThroughCatOnChannelStreams() throws Exception {
        long size = 64L * MIB;
        Path expected = data.resolve("expected-64m.bin");
        String sha = Sessions.writeRandomFile(expected, size, 640);
        Files.delete(expected); // only its checksum is needed; the writer regenerates the bytes
        try (Channel ch = t.openSession()) {
            assertTrue(ch.exec("cat"));
            CompletableFuture<Void> writer = new CompletableFuture<>();
            Thread w = new Thread(() -> {
                try (OutputStream o = ch.getOutputStream()) {
                    Sessions.writeRandom(o, size, 640);
                    writer.complete(null);
                } catch (Throwable e) {
                    writer.completeExceptionally(e);
                }
            }, "sessions-writer");
            w.setDaemon(true);
            w.start();
            CompletableFuture<byte[]> err = readAllAsync(ch.getErrorStream());
            Sessions.Digest d = Sessions.digest(ch.getInputStream());
            writer.get(30, TimeUnit.SECONDS);
            assertEquals(size, d.bytes());
            assertEquals(sha, d.sha256(), "the bytes came back changed");
            assertEquals("", new String(sessionStderr(err.get(10, TimeUnit.SECONDS)), StandardCharsets.UTF_8));
            assertEquals(0, ch.awaitExitStatus(Duration.ofSeconds(10)));
        }
    }

    @Test
    void eightMiBOnStdoutAndEightOnStderrAtOnce() throws Exception {
        Path out = data.resolve("out-8m.bin");
        Path err = data.resolve("err-8m.bin");
        String outSha = Sessions.writeRandomFile(out, 8L * MIB, 81);
        String errSha = Sessions.writeRandomFile(err, 8L * MIB, 82);
        ExecResult r = t.exec("cat " + out + " & cat " + err + " >&2; wait", Duration.ofSeconds(60));
        assertEquals(0, r.exitStatus());
        assertEquals(8L * MIB, r.stdout().length);
        byte[] stderr = sessionStderr(r.stderr());
        assertEquals(8L * MIB, stderr.length);
        assertEquals(outSha, Sessions.sha256(r.stdout()));
        assertEquals(errSha, Sessions.sha256(stderr));
    }

    @Test
    void lcVariablesAreAcceptedAndOthersRefused() throws Exception {
        try (Channel ch = t.openSession()) {
            assertTrue(ch.setEnvironment("LC_X", "hello"), "AcceptEnv LC_* takes LC_X");
            assertFalse(ch.setEnvironment("LD_PRELOAD", "x"), "sshd refuses what AcceptEnv does not list");
            assertTrue(ch.exec("echo \"LC_X=[$LC_X] LD_PRELOAD=[$LD_PRELOAD]\""));
            ch.getOutputStream().close();
            CompletableFuture<byte[]> err = readAllAsync(ch.getErrorStream());
            String out = new String(ch.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals("LC_X=[hello] LD_PRELOAD=[]\n", out, new String(err.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8));
            assertEquals(0, ch.awaitExitStatus(Duration.ofSeconds(10)));
        }
    }

    /** A pty: sshd's {@code tty} names it, {@code stty size} shows the requested size, then follows a window change. */
    @Test
    void aPtyIsARealTerminalThatFollowsWindowChanges() throws Exception {
        try (Channel ch = t.openSession()) {
            assertTrue(ch.requestPty(new dev.tether.ssh.common.PtyRequest("xterm", 100, 30, 0, 0, java.util.Map.of())));
            assertTrue(ch.exec("tty; echo SIZE $(stty size); read line; echo SIZE $(stty size)"));
            StringBuilder seen = new StringBuilder();
            Streams.readUntil(ch.getInputStream(), "SIZE 30 100", seen, Duration.ofSeconds(20));
            assertTrue(seen.toString().matches("(?s).*/dev/pts/\\d+\r\n.*"), seen.toString());
            ch.windowChange(132, 43, 0, 0);
            ch.getOutputStream().write("\n".getBytes(StandardCharsets.US_ASCII));
            ch.getOutputStream().flush();
            Streams.readUntil(ch.getInputStream(), "SIZE 43 132", seen, Duration.ofSeconds(20));
            assertEquals(0, ch.awaitExitStatus(Duration.ofSeconds(10)));
        }
    }

    @Test
    void withoutAPtyThereIsNoTerminal() throws Exception {
        ExecResult r = t.exec("tty", Duration.ofSeconds(10));
        assertEquals(1, r.exitStatus());
        assertEquals("not a tty\n", r.stdoutText());
    }

    /** sshd starts sessions in the user's home directory, its configured working directory. */
    @Test
    void sessionsStartInTheHomeDirectory() throws Exception {
        ExecResult r = t.exec("pwd; echo \"$HOME\"", Duration.ofSeconds(10));
        assertEquals(0, r.exitStatus());
        String[] lines = r.stdoutText().split("\n");
        assertEquals(2, lines.length, r.stdoutText());
        assertEquals(lines[1], lines[0], "pwd is $HOME");
    }

    /** 30 sessions open at once on one connection, each a live command, all answered. */
    @Test
    void thirtySessionsAtOnceOnOneConnection() throws Exception {
        List<Channel> open = new ArrayList<>();
        try {
            for (int i = 0; i < 30; i++) {
                Channel ch = t.openSession();
                open.add(ch);
                assertTrue(ch.exec("read x; echo \"session " + i + " got $x\""), "exec on session " + i);
            }
            for (int i = 0; i < 30; i++) {
                open.get(i).getOutputStream().write(("v" + i + "\n").getBytes(StandardCharsets.US_ASCII));
                open.get(i).getOutputStream().flush();
            }
            for (int i = 0; i < 30; i++) {
                Channel ch = open.get(i);
                ch.getOutputStream().close();
                assertEquals("session " + i + " got v" + i + "\n",
                        new String(ch.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                assertEquals(0, ch.awaitExitStatus(Duration.ofSeconds(10)));
            }
        } finally {
            open.forEach(Channel::close);
        }
    }

    /** SFTP v3 (draft-ietf-secsh-filexfer-02): SSH_FXP_INIT version 3 in, SSH_FXP_VERSION version 3 out, as raw bytes. */
    @Test
    void sftpSubsystemAnswersInitWithVersion3() throws Exception {
        try (Channel ch = t.openSession()) {
            assertTrue(ch.subsystem("sftp"));
            OutputStream o = ch.getOutputStream();
            o.write(new byte[]{0, 0, 0, 5, /* SSH_FXP_INIT */ 1, 0, 0, 0, 3});
            o.flush();
            DataInputStream in = new DataInputStream(ch.getInputStream());
            int length = in.readInt();
            assertTrue(length >= 5 && length < 64 * 1024, "packet length " + length);
            assertEquals(2, in.readUnsignedByte(), "SSH_FXP_VERSION");
            assertEquals(3, in.readInt(), "version");
            // the rest are extension pairs (name, data); OpenSSH's sftp-server always names posix-rename
            byte[] ext = in.readNBytes(length - 5);
            assertEquals(length - 5, ext.length);
            List<String> names = new ArrayList<>();
            DataInputStream e = new DataInputStream(new java.io.ByteArrayInputStream(ext));
            while (e.available() > 0) {
                names.add(new String(e.readNBytes(e.readInt()), StandardCharsets.UTF_8));
                e.readNBytes(e.readInt());
            }
            assertTrue(names.contains("posix-rename@openssh.com"), names.toString());
            o.close(); // EOF: sftp-server exits
            assertEquals(-1, ch.getInputStream().read());
            assertEquals(0, ch.awaitExitStatus(Duration.ofSeconds(10)));
        }
    }

    /** A session's stderr without the leading {@code debugN: ...\r\n} lines of sshd's own DEBUG3 log (see the class comment). */
    static byte[] sessionStderr(byte[] err) {
        int from = 0;
        while (err.length - from > 8 && err[from] == 'd' && new String(err, from, 8, StandardCharsets.US_ASCII).matches("debug\\d: ")) {
            int nl = from;
            while (nl < err.length && err[nl] != '\n') {
                nl++;
            }
            if (nl == err.length) {
                break;
            }
            from = nl + 1;
        }
        return java.util.Arrays.copyOfRange(err, from, err.length);
    }

    static CompletableFuture<byte[]> readAllAsync(InputStream in) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        Thread th = new Thread(() -> {
            try {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                in.transferTo(b);
                f.complete(b.toByteArray());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "sessions-stderr");
        th.setDaemon(true);
        th.start();
        return f;
    }
}
