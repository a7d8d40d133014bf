package dev.tether.ssh.validators;

import dev.tether.ssh.SshServer;
import dev.tether.ssh.Transport;
import dev.tether.ssh.policy.ServerLimits;
import dev.tether.testkit.Poll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MaxStartups and PerSourceMaxStartups: a client over the limit is refused with DISCONNECT code
 * 12, as OpenSSH's {@code ssh -v} and a raw socket see it, unless a connection that has not
 * finished its key exchange can be evicted to make room; connections already in keep working.
 */
class StartupLimitsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void overMaxStartupsSshSeesCodeTwelveAndSessionsInsideKeepWorking() throws Exception {
        LimitsFixture f = new LimitsFixture(dir);
        try (SshServer s = f.server(ServerLimits.builder().maxStartups(2).build());
             Transport inside = f.loggedIn(s);
             Transport a = f.kexOnly(s);
             Transport b = f.kexOnly(s)) {
            // two unauthenticated connections past their key exchange: nothing to evict, so refuse
            LimitsFixture.Run r = f.ssh(s.port(), "true");
            assertEquals(255, r.exit(), r.output());
            assertTrue(r.output().contains("Received disconnect from 127.0.0.1 port " + s.port()
                    + ":12: too many unauthenticated connections (MaxStartups)"), r.output());
            assertTrue(a.isActive() && b.isActive(), "the connections in the way are not evicted");
            assertEquals("ok\n", inside.exec("x", Duration.ofSeconds(10)).stdoutText());
            // the authenticated connection does not count: one startup leaves, the next gets in
            a.close();
            assertTrue(Poll.until(() -> s.connections().size() == 2, WAIT));
            LimitsFixture.Run ok = f.ssh(s.port(), "true");
            assertEquals(0, ok.exit(), ok.output());
            assertTrue(ok.output().contains("ok"), ok.output());
            assertEquals("ok\n", inside.exec("y", Duration.ofSeconds(10)).stdoutText());
        }
    }

    @Test
    void aFullServerEvictsTheStalestConnectionThatHasNotFinishedItsKeyExchange() throws Exception {
        LimitsFixture f = new LimitsFixture(dir);
        try (SshServer s = f.server(ServerLimits.builder().maxStartups(3).build());
             RawPeer talker = RawPeer.connect(s.port());
             RawPeer silentOld = RawPeer.connect(s.port());
             RawPeer silentNew = RawPeer.connect(s.port())) {
            talker.send("SSH-2.0-slow\r\n"); // the oldest, past the version exchange but no KEX
            assertTrue(Poll.until(() -> s.connections().size() == 3
                    && s.connections().stream().anyMatch(t -> t.peerVersion() != null), WAIT));
            LimitsFixture.Run ok = f.ssh(s.port(), "true");
            assertEquals(0, ok.exit(), ok.output());
            assertTrue(ok.output().contains("ok"), ok.output());
            // the stalest is the oldest of those that never even sent a version line
            silentOld.versionLine(WAIT);
            RawPeer.Outcome o = silentOld.next(WAIT, true);
            assertNotNull(o, "the stalest connection got no DISCONNECT");
            assertTrue(o.disconnected(12), o.toString());
            assertTrue(o.description().startsWith("too many unauthenticated connections; this one had not finished"),
                    o.description());
            // the others were not in the way: still open, no DISCONNECT
            silentNew.versionLine(WAIT);
            assertEquals(null, silentNew.next(Duration.ofMillis(300), true));
            talker.versionLine(WAIT);
            assertEquals(null, talker.next(Duration.ofMillis(300), true));
        }
    }

    @Test
    void perSourceMaxStartupsRefusesOneSourceButNotAnother() throws Exception {
        LimitsFixture f = new LimitsFixture(dir);
        try (SshServer s = f.server(ServerLimits.builder().perSourceMaxStartups(1).build());
             Transport first = f.kexOnly(s)) {
            try (RawPeer again = RawPeer.connect(s.port(), "127.0.0.1")) {
                RawPeer.Outcome o = again.greeting(WAIT);
                assertNotNull(o);
                assertTrue(o.disconnected(12), o.toString());
                assertEquals("too many unauthenticated connections from 127.0.0.1 (PerSourceMaxStartups 1); try again later",
                        o.description());
            }
            try (RawPeer other = RawPeer.connect(s.port(), "127.0.0.2")) {
                RawPeer.Outcome o = other.greeting(WAIT);
                assertNotNull(o);
                assertTrue(o.admitted(), "another source is admitted: " + o);
            }
            assertTrue(first.isActive());
            // a silent connection from the same source is evicted instead of refusing the newcomer
            first.close();
            assertTrue(Poll.until(() -> s.connections().isEmpty(), WAIT));
            try (RawPeer silent = RawPeer.connect(s.port())) {
                assertTrue(Poll.until(() -> s.connections().size() == 1, WAIT));
                LimitsFixture.Run ok = f.ssh(s.port(), "true");
                assertEquals(0, ok.exit(), ok.output());
                silent.versionLine(WAIT);
                RawPeer.Outcome o = silent.next(WAIT, true);
                assertNotNull(o);
                assertTrue(o.disconnected(12), o.toString());
            }
        }
    }

    /**
     * Issue 15: with the default limits, a crowd of 300 connections from one address (127.0.0.2)
     * that finish their key exchange and then sit in authentication (so none can be evicted as
     * stale) holds at most MaxStartups' full 100 slots, and still cannot keep a user at another
     * address (127.0.0.1) out: every login gets in, displacing one of the crowd when MaxStartups
     * would have refused it.
     */
    @Test
    void aCrowdPastKeyExchangeFromOneAddressCannotKeepAnotherAddressOut() throws Exception {
        LimitsFixture f = new LimitsFixture(dir);
        List<Transport> crowd = new ArrayList<>();
        try (SshServer s = f.server(ServerLimits.defaults())) {
            int refused = 0;
            for (int i = 0; i < 300; i++) {
                Transport t = f.kexOnlyFrom(s, "127.0.0.2");
                if (t == null) {
                    refused++;
                } else {
                    crowd.add(t);
                }
            }
            long held = crowd.stream().filter(Transport::isActive).count();
            assertTrue(held >= 10 && held <= 100, "MaxStartups 10:30:100 lets one source hold 10..100: " + held);
            assertTrue(refused >= 200, "the rest of the crowd is refused: " + refused);
            for (int i = 0; i < 3; i++) {
                LimitsFixture.Run r = f.ssh(s.port(), "true");
                assertEquals(0, r.exit(), "login " + i + " from 127.0.0.1 through the crowd: " + r.output());
                assertTrue(r.output().contains("ok"), r.output());
            }
        } finally {
            crowd.forEach(Transport::close);
        }
    }

    /**
     * The fair share, deterministically (MaxStartups 10, so every newcomer past 10 would be
     * refused): a newcomer from another address displaces the oldest of a full source with code
     * 12; with {@code fairShare(false)} (sshd's behaviour) it is refused; and the crowd's own
     * source gains nothing from it.
     */
    @Test
    void theFairShareEvictsFromTheLargestSourceAndCanBeTurnedOff() throws Exception {
        LimitsFixture f = new LimitsFixture(dir);
        for (boolean fair : new boolean[]{true, false}) {
            List<Transport> crowd = new ArrayList<>();
            try (SshServer s = f.server(ServerLimits.builder().maxStartups(10).fairShare(fair).build())) {
                for (int i = 0; i < 10; i++) {
                    crowd.add(f.kexOnlyFrom(s, "127.0.0.2"));
                }
                assertTrue(crowd.stream().allMatch(t -> t != null && t.isActive()), "ten admitted");
                assertEquals(null, f.kexOnlyFrom(s, "127.0.0.2"), "the crowd's own source is refused");
                LimitsFixture.Run r = f.ssh(s.port(), "true");
                if (fair) {
                    assertEquals(0, r.exit(), r.output());
                    assertTrue(Poll.until(() -> !crowd.get(0).isActive(), WAIT), "the oldest of the crowd is evicted");
                    assertTrue(crowd.get(0).closeCause() instanceof dev.tether.ssh.common.DisconnectException d
                            && d.code() == 12, "code 12: " + crowd.get(0).closeCause());
                    assertEquals(9, crowd.stream().filter(Transport::isActive).count(), "one evicted, no more");
                } else {
                    assertEquals(255, r.exit(), r.output());
                    assertTrue(r.output().contains(":12: too many unauthenticated connections (MaxStartups)"), r.output());
                    assertEquals(10, crowd.stream().filter(Transport::isActive).count(), "sshd's way: nobody evicted");
                }
            } finally {
                crowd.forEach(t -> {
                    if (t != null) {
                        t.close();
                    }
                });
            }
        }
    }

    /** A random source whose every draw from {@code nextInt(bound)} is {@code draw(bound)}. */
    private static java.util.random.RandomGenerator fixed(java.util.function.IntUnaryOperator draw) {
        return new java.util.random.RandomGenerator() {
            @Override
            public long nextLong() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int nextInt(int bound) {
                return draw.applyAsInt(bound);
            }
        };
    }

    @Test
    void betweenStartAndFullTheDropIsRandomAndTheRandomSourceIsInjectable() throws Exception {
        LimitsFixture f = new LimitsFixture(dir);
        // MaxStartups 1:0:3 with two unauthenticated connections past KEX: drop probability 50%
        for (boolean drop : new boolean[] {false, true}) {
            ServerLimits limits = ServerLimits.builder().maxStartups(1, 0, 3)
                    .random(fixed(bound -> drop ? 0 : bound - 1)).build();
            try (SshServer s = f.server(limits);
                 Transport a = f.kexOnly(s);
                 Transport b = f.kexOnly(s);
                 RawPeer third = RawPeer.connect(s.port())) {
                RawPeer.Outcome o = third.greeting(WAIT);
                assertNotNull(o);
                if (drop) {
                    assertTrue(o.disconnected(12), "a draw of 0 < 50 drops, and nothing can be evicted: " + o);
                } else {
                    assertTrue(o.admitted(), "a draw of 99 >= 50 keeps: " + o);
                }
                assertTrue(a.isActive() && b.isActive());
            }
        }
    }
}
