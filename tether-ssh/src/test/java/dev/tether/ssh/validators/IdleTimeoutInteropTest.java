package dev.tether.ssh.validators;

import dev.tether.ssh.Transport;
import dev.tether.testkit.Poll;
import dev.tether.testkit.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ClientAliveInterval/CountMax, UnusedConnectionTimeout and ChannelTimeout against the OpenSSH
 * client. Times are measured to the close event and checked against a lower bound (the limit
 * must not fire early) and a generous upper one; the only bounded waits for "nothing happens"
 * are where that is the behaviour under test.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IdleTimeoutInteropTest {
    private static final Duration T = Duration.ofSeconds(20);
    /** Scheduling slack on a loaded two-core machine. */
    private static final long SLACK_MS = 3000;

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    /** Waits (bounded) for the server side of a connection to close; the milliseconds since {@code since}. */
    private static long awaitClose(Transport t, long since, long boundMs) throws Exception {
        try {
            t.closeFuture().get(boundMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("still open " + millisSince(since) + " ms later");
        }
        return millisSince(since);
    }

    /** True if the connection is still open after {@code ms}: the bounded wait for "nothing happens". */
    private static boolean staysOpen(Transport t, long ms) throws InterruptedException {
        try {
            t.closeFuture().get(ms, TimeUnit.MILLISECONDS);
            return false;
        } catch (TimeoutException e) {
            return t.isActive();
        } catch (ExecutionException e) {
            return false;
        }
    }

    private static void signal(String sig, Process p) throws IOException {
        Processes.Result r = Processes.run(List.of("/bin/kill", "-" + sig, Long.toString(p.pid())), java.nio.file.Path.of("/tmp"),
                Duration.ofSeconds(10));
        assertEquals(0, r.exitCode(), r.describe());
    }

    // ------------------------------------------------------------------ ClientAlive

    @Test
    void aStoppedClientIsDisconnectedAfterItsProbesGoUnanswered() throws Exception {
        long interval = 1000;
        int count = 2;
        try (SshClientRig rig = new SshClientRig(b -> b.clientAliveInterval(Duration.ofMillis(interval)).clientAliveCountMax(count))) {
            SshClientRig.Ssh ssh = rig.ssh(null);
            Transport conn = rig.connection();
            signal("STOP", ssh.process());
            long stopped = System.nanoTime();
            try {
                long elapsed = awaitClose(conn, stopped, (count + 1) * interval + SLACK_MS);
                // its last packet (at most an answer to a probe) came at most one interval before the STOP
                assertTrue(elapsed >= count * interval - 100, "disconnected too early: " + elapsed + " ms");
                assertTrue(conn.closeCause().getMessage().contains("Timeout, client not responding"), conn.closeCause().toString());
            } finally {
                signal("CONT", ssh.process());
            }
            // woken, ssh reads the probes that waited for it; answering the first one usually
            // meets the closed socket (as against sshd, which closes without a DISCONNECT)
            assertEquals(255, ssh.await(T), ssh.describe());
            assertTrue(ssh.log().contains("client_input_global_request: rtype keepalive@openssh.com want_reply 1"), ssh.describe());
        }
    }

    @Test
    void anIdleClientThatAnswersStaysConnectedAcrossManyIntervals() throws Exception {
        try (SshClientRig rig = new SshClientRig(b -> b.clientAliveInterval(Duration.ofSeconds(1)).clientAliveCountMax(2))) {
            SshClientRig.Ssh master = rig.master();
            Transport conn = rig.connection();
            assertTrue(staysOpen(conn, 5000), "dropped an idle client that answers: " + conn.closeCause());
            SshClientRig.Ssh cmd = rig.mux("echo alive");
            assertEquals(0, cmd.await(T), cmd.describe());
            assertEquals("alive\n", cmd.stdout());
            // ssh -v logs every probe it answered
            long probes = master.log().lines().filter(l -> l.contains("client_input_global_request: rtype keepalive@openssh.com"))
                    .count();
            assertTrue(probes >= 3, "probes seen by the client in 5 s at a 1 s interval: " + probes + "\n" + master.describe());
        }
    }

    // ------------------------------------------------------------------ UnusedConnectionTimeout

    @Test
    void aConnectionWithoutSessionsIsClosedAfterTheUnusedTimeout() throws Exception {
        long timeout = 1000;
        try (SshClientRig rig = new SshClientRig(b -> b.unusedConnectionTimeout(Duration.ofMillis(timeout)))) {
            SshClientRig.Ssh ssh = rig.ssh(null);
            Transport conn = rig.connection();
            long seen = System.nanoTime();
            long elapsed = awaitClose(conn, seen, timeout + SLACK_MS);
            assertEquals(255, ssh.await(T), ssh.describe());
            assertTrue(ssh.log().contains(":11: unused connection timeout"), ssh.describe());
            // measured from when the test saw it authenticated, which is after the clock started
            assertTrue(elapsed <= timeout + SLACK_MS, elapsed + " ms");
        }
    }

    @Test
    void aConnectionWithAnOpenSessionIsNotClosed() throws Exception {
        long timeout = 1000;
        try (SshClientRig rig = new SshClientRig(b -> b.unusedConnectionTimeout(Duration.ofMillis(timeout)))) {
            SshClientRig.Ssh ssh = rig.ssh("read x; echo answered");
            Transport conn = rig.connection();
            assertTrue(Poll.until(() -> conn.openChannelCount() == 1, T));
            assertTrue(staysOpen(conn, 3 * timeout), "closed with a session open: " + conn.closeCause());
            ssh.answer();
            assertEquals(0, ssh.await(T), ssh.describe());
            assertEquals("answered\n", ssh.stdout());
        }
    }

    // ------------------------------------------------------------------ ChannelTimeout

    @Test
    void anIdleSessionIsClosedAndTheConnectionStays() throws Exception {
        long timeout = 1000;
        String marker = "sleep 61.3";
        try (SshClientRig rig = new SshClientRig(b -> b.channelTimeout(Duration.ofMillis(timeout)))) {
            rig.master();
            Transport conn = rig.connection();
            SshClientRig.Ssh idle = rig.mux(marker + "; echo never");
            assertTrue(Poll.until(() -> conn.openChannelCount() == 1, T));
            long opened = System.nanoTime();
            int exit = idle.await(Duration.ofMillis(timeout + SLACK_MS));
            long elapsed = millisSince(opened);
            // closed without an exit status, as sshd closes it: ssh exits 255
            assertEquals(255, exit, idle.describe());
            assertTrue(elapsed >= timeout - 300, "closed too early: " + elapsed + " ms");
            assertFalse(idle.stdout().contains("never"), idle.describe());
            assertTrue(Poll.until(() -> ProcessHandle.allProcesses()
                    .noneMatch(p -> p.info().commandLine().orElse("").contains(marker)), T), "the idle command was ended");
            assertTrue(Poll.until(() -> conn.openChannelCount() == 0, T));
            assertTrue(conn.isActive(), "the connection stays");
            SshClientRig.Ssh next = rig.mux("echo still-here");
            assertEquals(0, next.await(T), next.describe());
            assertEquals("still-here\n", next.stdout());
        } finally {
            ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(marker))
                    .forEach(ProcessHandle::destroyForcibly);
        }
    }
}
