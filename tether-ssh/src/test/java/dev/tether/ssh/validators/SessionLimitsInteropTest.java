package dev.tether.ssh.validators;

import dev.tether.ssh.Transport;
import dev.tether.testkit.Poll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MaxSessions as the OpenSSH client sees it over one ControlMaster connection: two sessions
 * held open ({@code read x}, their stdin pipes kept by the test), the third refused the way
 * sshd refuses it, and a new one accepted once one of the two has ended.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SessionLimitsInteropTest {
    private static final Duration T = Duration.ofSeconds(20);

    @Test
    void theThirdSessionOverAMasterIsRefusedAndASlotFreesWhenOneEnds() throws Exception {
        try (SshClientRig rig = new SshClientRig(b -> b.maxSessions(2))) {
            SshClientRig.Ssh master = rig.master();
            Transport conn = rig.connection();
            SshClientRig.Ssh first = rig.mux("read x; echo first-done");
            SshClientRig.Ssh second = rig.mux("read x; echo second-done");
            assertTrue(Poll.until(() -> conn.openChannelCount() == 2, T), "two sessions open: " + conn.openChannelCount());

            SshClientRig.Ssh third = rig.mux("echo third");
            assertEquals(255, third.await(T), third.describe());
            assertEquals("", third.stdout(), "the third session never ran");
            // the master reports the channel refusal with sshd's reason and words
            assertTrue(Poll.until(() -> {
                try {
                    return master.log().contains("open failed: connect failed: open failed");
                } catch (java.io.IOException e) {
                    return false;
                }
            }, T), master.describe());
            assertTrue(third.describe().contains("Session open refused by peer"), third.describe());

            first.answer();
            assertEquals(0, first.await(T), first.describe());
            assertEquals("first-done\n", first.stdout());
            assertTrue(Poll.until(() -> conn.openChannelCount() == 1, T), "one session left: " + conn.openChannelCount());

            SshClientRig.Ssh fourth = rig.mux("echo fourth");
            assertEquals(0, fourth.await(T), fourth.describe());
            assertEquals("fourth\n", fourth.stdout());

            second.answer();
            assertEquals(0, second.await(T), second.describe());
            assertEquals("second-done\n", second.stdout());
            assertTrue(conn.isActive() && master.process().isAlive(), "the connection stays up throughout");
            assertEquals(1, rig.server.connections().size(), "everything went over the master's one connection");
        }
    }

    @Test
    void maxSessionsZeroRefusesEverySessionButNotTheLogin() throws Exception {
        try (SshClientRig rig = new SshClientRig(b -> b.maxSessions(0))) {
            SshClientRig.Ssh s = rig.ssh("echo never");
            assertEquals(255, s.await(T), s.describe());
            assertEquals("", s.stdout());
            String log = s.log();
            assertTrue(log.contains("Authenticated to 127.0.0.1"), log);
            assertTrue(log.contains("open failed: connect failed: open failed"), log);
        }
    }
}
