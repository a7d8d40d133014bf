package dev.tether.pty;

import dev.tether.ssh.ExecResult;
import dev.tether.ssh.Transport;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.PtyRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Our client against our server: sessions on real pseudo-terminals through pty4j. */
@Timeout(120)
class PtySessionTest {
    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    static PtyTestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new PtyTestServer(dir);
        assertTrue(server.portal.ptySpawner().isPresent(), "pty4j spawner found through ServiceLoader");
        assertEquals("pty4j", server.portal.ptySpawner().get().name());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static PtyRequest pty(int columns, int rows) {
        return new PtyRequest("xterm-256color", columns, rows, 0, 0, Map.of());
    }

    @Test
    void ttyOnAPtyNamesTheTerminal() throws Exception {
        try (Transport t = server.login(server.key); Channel ch = t.openSession()) {
            assertTrue(ch.requestPty(pty(80, 24)));
            Screen screen = new Screen(ch);
            assertTrue(ch.exec("tty"));
            String out = screen.awaitEnd(WAIT);
            assertTrue(out.matches("(?s)/dev/pts/\\d+\r\n"), out);
            assertEquals(0, ch.awaitExitStatus(WAIT));
        }
    }

    @Test
    void withoutAPtyThereIsNoTty() throws Exception {
        try (Transport t = server.login(server.key)) {
            ExecResult r = t.exec("tty", WAIT);
            assertEquals("not a tty\n", new String(r.stdout(), StandardCharsets.UTF_8));
            assertEquals(1, r.exitStatus());
        }
    }

    @Test
    void sttySizeFollowsWindowChangeInAShell() throws Exception {
        try (Transport t = server.login(server.key); Channel ch = t.openSession()) {
            assertTrue(ch.requestPty(pty(100, 30)));
            Screen screen = new Screen(ch);
            assertTrue(ch.shell());
            screen.type("echo \"TERM[$TERM] SIZE[$(stty size)]\"");
            Matcher first = screen.await("TERM\\[([^\\]]*)\\] SIZE\\[(\\d+) (\\d+)\\]", 0, WAIT);
            assertEquals("xterm-256color", first.group(1));
            assertEquals("30 100", first.group(2) + " " + first.group(3));

            ch.windowChange(132, 43, 0, 0);
            screen.type("echo \"AGAIN[$(stty size)]\"");
            Matcher second = screen.await("AGAIN\\[(\\d+) (\\d+)\\]", first.end(), WAIT);
            assertEquals("43 132", second.group(1) + " " + second.group(2));

            screen.type("exit 7");
            assertEquals(7, ch.awaitExitStatus(WAIT));
        }
    }

    @Test
    void windowChangeBeforeTheCommandSetsItsFirstSize() throws Exception {
        try (Transport t = server.login(server.key); Channel ch = t.openSession()) {
            assertTrue(ch.requestPty(pty(80, 24)));
            ch.windowChange(120, 40, 0, 0);
            Screen screen = new Screen(ch);
            assertTrue(ch.exec("stty size"));
            assertEquals("40 120\r\n", screen.awaitEnd(WAIT));
        }
    }

    @Test
    void terminalModesReachTheTerminal() throws Exception {
        Map<String, Integer> modes = new LinkedHashMap<>();
        modes.put("VERASE", 8);
        modes.put("VINTR", 3);
        modes.put("ECHO", 0);
        modes.put("IUTF8", 1);
        modes.put("PENDIN", 1);             // ignored: Linux stty has no such flag
        modes.put("TTY_OP_ISPEED", 38400);  // ignored on a pty
        try (Transport t = server.login(server.key); Channel ch = t.openSession()) {
            assertTrue(ch.requestPty(new PtyRequest("vt100", 80, 24, 0, 0, modes)));
            Screen screen = new Screen(ch);
            assertTrue(ch.exec("stty -a"));
            String out = screen.awaitEnd(WAIT);
            assertTrue(out.contains("erase = ^H;"), out);
            assertTrue(out.contains("intr = ^C;"), out);
            assertTrue(out.matches("(?s).*(^|\\s)-echo(\\s|$).*"), out);
            assertTrue(out.matches("(?s).*(^|\\s)iutf8(\\s|$).*"), out);
            assertEquals(0, ch.awaitExitStatus(WAIT));
        }
    }

    @Test
    void noPtyAndRestrictKeysAreRefusedAPty() throws Exception {
        for (var key : new java.security.KeyPair[]{server.noPtyKey, server.restrictedKey}) {
            try (Transport t = server.login(key); Channel ch = t.openSession()) {
                assertFalse(ch.requestPty(pty(80, 24)));
                // the session itself still works, without a terminal
                Screen screen = new Screen(ch);
                assertTrue(ch.exec("tty"));
                assertEquals("not a tty\n", screen.awaitEnd(WAIT));
            }
        }
        try (Transport t = server.login(server.key); Channel ch = t.openSession()) {
            assertTrue(ch.requestPty(pty(80, 24)));
            assertFalse(ch.requestPty(pty(80, 24)), "a second pty-req on one channel");
        }
    }

    @Test
    void signalTermEndsACommandOnAPty() throws Exception {
        try (Transport t = server.login(server.key); Channel ch = t.openSession()) {
            assertTrue(ch.requestPty(pty(80, 24)));
            Screen screen = new Screen(ch);
            assertTrue(ch.exec("echo started; sleep 100"));
            screen.await("started", 0, WAIT);
            ch.signal("TERM");
            // a death by signal is exit-signal, as from sshd, not pty4j's 128 + 15
            assertEquals(-1, ch.awaitExitStatus(WAIT));
            assertEquals("TERM", ch.exitSignal());
        }
    }

    @Test
    void aSignalRightAfterExecWaitsForTheProcess() throws Exception {
        try (Transport t = server.login(server.key); Channel ch = t.openSession()) {
            assertTrue(ch.requestPty(pty(80, 24)));
            assertTrue(ch.exec("sleep 100"));
            ch.signal("KILL");
            assertEquals(-1, ch.awaitExitStatus(WAIT));
            assertEquals("KILL", ch.exitSignal());
        }
    }

    @Test
    void closingTheChannelHangsUpTheShell() throws Exception {
        try (Transport t = server.login(server.key)) {
            Channel ch = t.openSession();
            assertTrue(ch.requestPty(pty(80, 24)));
            Screen screen = new Screen(ch);
            assertTrue(ch.shell());
            screen.type("echo \"PID[$$]\"");
            long pid = Long.parseLong(screen.await("PID\\[(\\d+)\\]", 0, WAIT).group(1));
            ProcessHandle shell = ProcessHandle.of(pid).orElseThrow();
            ch.close();
            shell.onExit().get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            assertFalse(shell.isAlive());
        }
    }
}
