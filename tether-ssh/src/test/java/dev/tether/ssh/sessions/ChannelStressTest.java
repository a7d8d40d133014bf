package dev.tether.ssh.sessions;

import dev.tether.ssh.ExecResult;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.testutil.Pair;
import dev.tether.ssh.transport.Threads;
import dev.tether.testkit.Poll;
import dev.tether.testkit.TempDirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static dev.tether.ssh.sessions.Sessions.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our client against our Portal server over loopback TCP ({@link Pair#overTcp}), with real OS
 * processes behind the sessions: a channel whose reader never reads must not hold up the
 * others, must not buffer past its window, and must not make the server buffer the rest of its
 * output; and 200 sessions opened and closed one after another must leave no thread, file
 * descriptor, process or channel behind.
 *
 * <p>Client and server share this JVM, so the heap check covers both; it is a soft bound
 * (64 MiB of growth) against a 256 MiB stream that the stalled channel would otherwise pile up.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ChannelStressTest {
    /** ChannelImpl.LOCAL_WINDOW: our window per channel. */
    private static final long WINDOW = 2L * MIB;
    private static final long STREAM = 32L * MIB;
    private static final long STALLED_OUTPUT = 256L * MIB;

    private Path dir;
    private Path work;
    private Pair pair;

    @BeforeEach
    void connect() throws Exception {
        dir = Sessions.tempDir("stress");
        work = Files.createDirectory(dir.resolve("work"));
        Sessions.UserKeyFiles key = Sessions.userKey(dir);
        pair = Pair.overTcp(TransportConfig.builder().build(), Sessions.portalServerConfig(key.authorizedKeys(), work).build());
        assertEquals(List.of(), pair.client.authPublickey(Sessions.USER, key.pair()));
    }

    @AfterEach
    void close() throws Exception {
        if (pair != null) {
            pair.close();
        }
        TempDirs.deleteTree(dir);
    }

    private static long buffered(Channel ch) throws IOException {
        return ch.getInputStream().available() + (long) ch.getErrorStream().available();
    }

    private static long usedHeapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void aStalledReaderHoldsUpNothingAndBuffersAtMostItsWindow() throws Exception {
        Transport c = pair.client;
        String zerosSha = Sessions.sha256(new byte[(int) STREAM]);
        String fileSha = Sessions.writeRandomFile(work.resolve("big32.bin"), STREAM, 32);
        long heapBefore = usedHeapAfterGc();

        Channel stalled = c.openSession();
        assertTrue(stalled.exec("head -c " + STALLED_OUTPUT + " /dev/zero"));
        // never read: the server must stop at our window

        AtomicLong maxBuffered = new AtomicLong();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                try {
                    maxBuffered.accumulateAndGet(buffered(stalled), Math::max);
                } catch (IOException e) {
                    return;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(200_000); // sample every 0.2 ms; a bound on CPU, not a sync
            }
        }, "sessions-window-watcher");
        watcher.setDaemon(true);
        watcher.start();

        assertTrue(Poll.until(() -> {
            try {
                return buffered(stalled) >= WINDOW;
            } catch (IOException e) {
                return true;
            }
        }, Duration.ofSeconds(20)), "the stalled channel filled its window: " + buffered(stalled));

        long start = System.nanoTime();
        List<CompletableFuture<String>> flows = new ArrayList<>();
        flows.add(stream(c, "cat", STREAM, 33));                               // 32 MiB up and back
        flows.add(stream(c, "head -c " + STREAM + " /dev/zero", -1, 0));      // 32 MiB down
        flows.add(stream(c, "cat big32.bin", -1, 0));                          // 32 MiB down from a file
        CompletableFuture.allOf(flows.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);

        Path echoed = dir.resolve("echo-expected.bin");
        String catSha = Sessions.writeRandomFile(echoed, STREAM, 33);
        Files.delete(echoed);
        assertEquals(STREAM + " " + catSha, flows.get(0).get(), "cat echoed 32 MiB");
        assertEquals(STREAM + " " + zerosSha, flows.get(1).get(), "head -c /dev/zero");
        assertEquals(STREAM + " " + fileSha, flows.get(2).get(), "cat of a 32 MiB file");

        long heapGrowth = usedHeapAfterGc() - heapBefore;
        watching.set(false);
        watcher.join(5000);
        assertEquals(WINDOW, buffered(stalled), "the stalled channel holds exactly one window");
        assertTrue(maxBuffered.get() <= WINDOW, "the stalled channel buffered " + maxBuffered.get() + " > window " + WINDOW);
        assertTrue(heapGrowth < 64L * MIB, "heap grew by " + heapGrowth / MIB + " MiB with a stalled 256 MiB stream (" + seconds + " s)");
        assertTrue(stalled.exitStatus() == null, "the stalled command cannot have finished");

        stalled.close();
        assertTrue(stalled.closeFuture().isDone(), "our CLOSE was answered");
        assertTrue(Poll.until(() -> processes("" + STALLED_OUTPUT).isEmpty(), Duration.ofSeconds(10)),
                "closing the channel ends its process: " + processes("" + STALLED_OUTPUT));
        assertConnectionSurvives(c);
    }

    /**
     * The client closes a session whose command is still running. The server must answer the
     * CLOSE and end the process without sending anything more for the channel: after both
     * CLOSEs the channel number is gone on the client, and our client treats a message for it
     * as a protocol error that ends the connection. ({@code exec} makes the shell become the
     * command, so the process the server destroys is the command itself.)
     */
    @Test
    void closingASessionWhoseCommandStillRunsKeepsTheConnection() throws Exception {
        Transport c = pair.client;
        String marker = uniqueSleep(); // unique: other test runs on this machine may run at once
        try {
            Channel ch = c.openSession();
            assertTrue(ch.exec("exec " + marker));
            assertTrue(Poll.until(() -> !processes(marker).isEmpty(), Duration.ofSeconds(10)), "the command started");
            ch.close();
            assertTrue(ch.closeFuture().isDone(), "our CLOSE was answered");
            assertTrue(Poll.until(() -> processes(marker).isEmpty(), Duration.ofSeconds(10)),
                    "closing the channel ends its process: " + processes(marker));
            assertConnectionSurvives(c);
        } finally {
            killAll(marker);
        }
    }

    /**
     * Closing a session must end the command it runs, not only the {@code /bin/sh -c} around it
     * (dash does not exec the last command of {@code -c}, so {@code sleep} is the shell's child).
     */
    @Test
    void closingASessionEndsTheCommandNotOnlyItsShell() throws Exception {
        Transport c = pair.client;
        String marker = uniqueSleep();
        try {
            Channel ch = c.openSession();
            assertTrue(ch.exec(marker + "; echo after"));
            assertTrue(Poll.until(() -> !processes(marker).isEmpty(), Duration.ofSeconds(10)), "the command started");
            ch.close();
            assertTrue(ch.closeFuture().isDone(), "our CLOSE was answered");
            assertTrue(Poll.until(() -> processes(marker).isEmpty(), Duration.ofSeconds(10)),
                    "closing the channel must end the command it runs; still running 10 s later: " + processes(marker));
        } finally {
            killAll(marker);
        }
    }

    /**
     * A channel closed at once after {@code exec}, while the command may still be starting (its
     * wrapper not yet forked, or its shell not yet running the sleep), leaves nothing running.
     */
    @Test
    void closingRightAfterExecLeavesNoProcess() throws Exception {
        Transport c = pair.client;
        List<String> markers = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                String marker = uniqueSleep();
                markers.add(marker);
                Channel ch = c.openSession();
                assertTrue(ch.exec(marker + "; echo after"));
                ch.close();
            }
            for (String marker : markers) {
                assertTrue(Poll.until(() -> processes(marker).isEmpty(), Duration.ofSeconds(15)),
                        "a command whose channel closed at once still runs: " + processes(marker));
            }
            assertConnectionSurvives(c);
        } finally {
            markers.forEach(ChannelStressTest::killAll);
        }
    }

    /**
     * A child that ignores SIGTERM, of a shell that does not: the first hang-up ends the shell,
     * and with it the wrapper and the command's leader, while the child stays in the group. It
     * must not outlive the channel (once, under load, such a child was left running).
     */
    @Test
    void closingEndsAChildThatOutlivesItsShell() throws Exception {
        Transport c = pair.client;
        String marker = uniqueSleep();
        try {
            Channel ch = c.openSession();
            assertTrue(ch.exec("trap '' TERM; " + marker + " & trap - TERM; echo started; wait"));
            assertEquals('s', ch.getInputStream().read(), "the child runs");
            assertTrue(Poll.until(() -> !processes(marker).isEmpty(), Duration.ofSeconds(15)), "the child is found");
            ch.close();
            assertTrue(Poll.until(() -> processes(marker).isEmpty(), Duration.ofSeconds(15)),
                    "a child that ignored SIGTERM still runs after its channel closed: " + processes(marker));
            assertConnectionSurvives(c);
        } finally {
            killAll(marker);
        }
    }

    /** A {@code sleep} of about 37 s whose command line no other process on this machine has. */
    private static String uniqueSleep() {
        return "sleep 37." + (100000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(900000));
    }

    /** Ends the test's own leftover processes, found by their unique command line. */
    private static void killAll(String marker) {
        ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(marker))
                .forEach(ProcessHandle::destroyForcibly);
    }

    private void assertConnectionSurvives(Transport c) throws IOException {
        // the server's exit-status for the closed channel, if it sends one, follows the process's death at once
        Poll.until(() -> !c.isActive(), Duration.ofMillis(500));
        assertTrue(c.isActive() && pair.server.isActive(), "closing a running session must not end the connection; client cause: "
                + describe(c.closeCause()) + "; server cause: " + describe(pair.server.closeCause()));
        assertEquals("ok\n", c.exec("echo ok", Duration.ofSeconds(10)).stdoutText(), "the connection still works");
    }

    /**
     * Runs {@code command} on its own channel and thread; if {@code upload} is not negative,
     * writes that many random bytes (from {@code seed}) to it from a second thread. Completes
     * with "BYTES SHA256" of the stdout.
     */
    private static CompletableFuture<String> stream(Transport c, String command, long upload, long seed) {
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (Channel ch = c.openSession()) {
                if (!ch.exec(command)) {
                    throw new AssertionError("exec refused: " + command);
                }
                CompletableFuture<Void> writer = new CompletableFuture<>();
                if (upload >= 0) {
                    Thread w = new Thread(() -> {
                        try (OutputStream o = ch.getOutputStream()) {
                            Sessions.writeRandom(o, upload, seed);
                            writer.complete(null);
                        } catch (Throwable e) {
                            writer.completeExceptionally(e);
                        }
                    }, "sessions-upload");
                    w.setDaemon(true);
                    w.start();
                } else {
                    ch.getOutputStream().close();
                    writer.complete(null);
                }
                CompletableFuture<byte[]> err = TetherClientToSshdSessionsTest.readAllAsync(ch.getErrorStream());
                Sessions.Digest d = Sessions.digest(ch.getInputStream());
                writer.get(30, TimeUnit.SECONDS);
                byte[] e = err.get(30, TimeUnit.SECONDS);
                int status = ch.awaitExitStatus(Duration.ofSeconds(30));
                if (status != 0 || e.length != 0) {
                    throw new AssertionError(command + ": status " + status + ", stderr " + new String(e));
                }
                result.complete(d.bytes() + " " + d.sha256());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "sessions-stream");
        t.setDaemon(true);
        t.start();
        return result;
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "none";
        }
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }

    /**
     * Live processes whose command line contains {@code text}: any process, not only our
     * descendants, since a child the server's shell leaves behind is re-parented away from us.
     */
    private static List<String> processes(String text) {
        return ProcessHandle.allProcesses()
                .filter(ProcessHandle::isAlive)
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                .filter(s -> s.contains(text))
                .toList();
    }

    private static int openFds() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> tetherThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("tether-")).sorted().toList();
    }

    /** Per-session threads: the process pumps and Transport.exec's helpers. */
    private static List<String> sessionThreads() {
        return tetherThreads().stream().filter(n -> n.startsWith("tether-process-") || n.startsWith("tether-exec-")).toList();
    }

    private String state(int baseFds, List<String> baseThreads) {
        return "fds " + openFds() + " (baseline " + baseFds + "), client channels "
                + Sessions.connectionService(pair.client).openChannelCount() + ", server channels "
                + Sessions.connectionService(pair.server).openChannelCount() + ", child processes "
                + ProcessHandle.current().children().map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList()
                + (Threads.virtualThreads() ? "" : ", tether threads " + tetherThreads() + " (baseline " + baseThreads + ")");
    }

    @Test
    void twoHundredSessionsLeaveNoThreadFdProcessOrChannelBehind() throws Exception {
        boolean platformThreads = !Threads.virtualThreads();
        // warm up once, so that lazily made shared threads (timers) and classes are in the baseline
        assertEquals(0, pair.client.exec("true", Duration.ofSeconds(10)).exitStatus());
        boolean quiet = Poll.until(() -> Sessions.connectionService(pair.client).openChannelCount() == 0
                && Sessions.connectionService(pair.server).openChannelCount() == 0
                && (!platformThreads || sessionThreads().isEmpty())
                && ProcessHandle.current().children().noneMatch(ProcessHandle::isAlive), Duration.ofSeconds(10));
        assertTrue(quiet, "the warm-up session did not wind down: " + state(openFds(), List.of()));
        int baseFds = openFds();
        List<String> baseThreads = platformThreads ? tetherThreads() : List.of();

        for (int i = 0; i < 200; i++) {
            ExecResult r = pair.client.exec("true", Duration.ofSeconds(10));
            assertEquals(0, r.exitStatus(), "session " + i + ": " + r.stderrText());
        }

        // bounded poll: the last sessions' threads and pipes wind down asynchronously
        boolean clean = Poll.until(() -> Sessions.connectionService(pair.client).openChannelCount() == 0
                && Sessions.connectionService(pair.server).openChannelCount() == 0
                && openFds() <= baseFds + 8
                && ProcessHandle.current().children().noneMatch(ProcessHandle::isAlive)
                && (!platformThreads || (sessionThreads().isEmpty() && tetherThreads().size() <= baseThreads.size())),
                Duration.ofSeconds(20));
        assertTrue(clean, "after 200 sessions: " + state(baseFds, baseThreads));
        assertTrue(pair.client.isActive() && pair.server.isActive(), "the connection is still up");
    }
}
