package dev.tether.pty;

import dev.tether.ssh.common.PtyRequest;
import dev.tether.ssh.pty.PtyProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The spawner's own contract, without SSH: terminals are closed once, after pty4j's reaper, and
 * concurrent terminals never disturb each other (JetBrains/pty4j#181: a reaper's late wake-up
 * byte landing in another terminal's pipe ended that terminal's output at once).
 */
@Timeout(120)
class Pty4jSpawnerTest {
    static final PtyRequest PTY = new PtyRequest("xterm", 80, 24, 0, 0, Map.of());

    @TempDir
    Path dir;

    static PtyProcess spawn(String script) throws IOException {
        return new Pty4jSpawner().spawn(List.of("/bin/sh", "-c", script), Path.of("/"), Map.of("PATH", "/usr/bin:/bin"), PTY);
    }

    /** Everything the terminal shows until it ends. */
    static String readAll(PtyProcess p) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream in = p.getInputStream();
        byte[] buf = new byte[4096];
        int n;
        while ((n = in.read(buf)) > 0) {
            out.write(buf, 0, n);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** This JVM's open pseudo-terminal masters. */
    static long ptmxOpen() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().equals("/dev/ptmx");
                } catch (IOException e) {
                    return false; // closed meanwhile
                }
            }).count();
        }
    }

    @Test
    void closeWaitsForTheReaperAndReleasesTheTerminal() throws Exception {
        long before = ptmxOpen();
        PtyProcess p = spawn("sleep 60");
        Thread reaper = ((Pty4jSpawner.Pty4jProcess) p).reaper();
        assertNotNull(reaper, "pty4j's reaper is found while the process runs");
        assertTrue(reaper.isAlive());
        assertEquals(before + 1, ptmxOpen());
        p.getInputStream().close();
        p.getOutputStream().close();
        assertEquals(before + 1, ptmxOpen(), "closing the streams leaves the terminal open");
        p.close();
        assertFalse(p.isAlive(), "close ends the process");
        assertFalse(reaper.isAlive(), "close returns after the reaper");
        assertEquals(before, ptmxOpen(), "close releases the terminal");
        p.close(); // idempotent
    }

    @Test
    void destroyEndsTheProcessButKeepsTheTerminal() throws Exception {
        long before = ptmxOpen();
        PtyProcess p = spawn("sleep 60");
        p.destroy();
        assertFalse(p.isAlive());
        assertEquals("", readAll(p), "a reader sees the hang-up as the end");
        assertEquals(before + 1, ptmxOpen());
        p.close();
        assertEquals(before, ptmxOpen());
    }

    /**
     * Many short sessions at once, each closed as soon as its output ended, as the SSH session
     * does: every one must show its own output and status. Before the fix, about one in a
     * hundred lost its output when another's reaper woke it through a reused pipe.
     */
    @Test
    void concurrentShortSessionsEachKeepTheirOutput() throws Exception {
        int sessions = 400;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                int id = i;
                results.add(pool.submit(() -> {
                    PtyProcess p = spawn("echo session-" + id + "; exit " + (id % 50));
                    try {
                        String out = readAll(p);
                        int status = p.waitFor().status();
                        return status == id % 50 && out.contains("session-" + id) ? null
                                : "session " + id + ": status " + status + ", output '" + out + "'";
                    } finally {
                        p.close();
                    }
                }));
            }
            List<String> failures = new ArrayList<>();
            for (Future<String> f : results) {
                String failure = f.get(60, TimeUnit.SECONDS);
                if (failure != null) {
                    failures.add(failure);
                }
            }
            assertEquals(List.of(), failures);
        } finally {
            pool.shutdownNow();
        }
    }
}
