package dev.tether.ssh.validators;

import dev.tether.ssh.SshServer;
import dev.tether.ssh.Transport;
import dev.tether.ssh.policy.PerSourcePenalties;
import dev.tether.ssh.policy.ServerLimits;
import dev.tether.testkit.Poll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "A crowd cannot lock users out": 400 connections from 127.0.0.1 that stay silent, stop after
 * their version line, send a partial garbage line, or send garbage that ends them, are opened and
 * held by the client side. A real OpenSSH login with exec from the same address still succeeds
 * within 5 s, the server's heap stays bounded per connection it holds, and afterwards the
 * connection count returns to zero and another login works. Loopback only, bounded in count
 * and time.
 *
 * <p>Two realistic configurations: sshd's defaults (MaxStartups 10:30:100, penalties off), where
 * the server holds at most 100 of the crowd and evicts the stalest to admit newcomers; and a
 * roomy server (MaxStartups 1000) with OpenSSH's penalties on and the local network exempt, as
 * an operator would configure a server shared with a NAT or bastion, which holds the whole crowd
 * but the quarter whose garbage ends their connections.
 */
class CrowdLoadTest {
    private static final int CROWD = 400;
    private static final long BYTES_PER_CONNECTION = 64 * 1024;
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    static Stream<Arguments> configurations() {
        return Stream.of(
                Arguments.of("sshd defaults", ServerLimits.builder().random(new java.util.SplittableRandom(42)).build(), 100, true),
                Arguments.of("MaxStartups 1000, penalties with 127.0.0.0/8 exempt", ServerLimits.builder().maxStartups(1000)
                        .penalties(PerSourcePenalties.builder().exempt(List.of("127.0.0.0/8")).build()).build(), 300, false));
    }

    private static long usedHeapAfterGc() {
        MemoryMXBean m = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, m.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** Crowd member {@code i}: silent, version line only, a partial garbage line, or fatal garbage. */
    private static RawPeer member(int port, int i) throws IOException {
        RawPeer p = RawPeer.connect(port);
        switch (i % 4) {
            case 1 -> p.send("SSH-2.0-crowd\r\n");
            case 2 -> p.send("GET / HTTP/1.1 " + "x".repeat(150)); // no newline: still reading the identification
            case 3 -> p.send("SSH-2.0-crowd\r\n\377\377\377\377\377\377\377\377"); // a packet length no server takes
            default -> {
                // silent
            }
        }
        return p;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void aCrowdOfSilentAndGarbageConnectionsCannotLockOutARealUser(String name, ServerLimits limits, int mostHeld,
                                                                  boolean evicts) throws Exception {
        LimitsFixture f = new LimitsFixture(dir);
        try (SshServer s = f.server(limits)) {
            long heapBefore = usedHeapAfterGc();
            List<RawPeer> crowd = new ArrayList<>();
            try {
                long t0 = System.nanoTime();
                for (int i = 0; i < CROWD; i++) {
                    crowd.add(member(s.port(), i));
                }
                for (RawPeer p : crowd) {
                    p.versionLine(WAIT); // the server has taken it in
                }
                // the evicted and the fatal-garbage ones have left; what remains is what the server holds
                assertTrue(Poll.until(() -> s.connections().stream().allMatch(Transport::isActive)
                        && s.connections().size() <= mostHeld, WAIT), "held " + s.connections().size());
                int held = s.connections().size();
                long crowdMillis = (System.nanoTime() - t0) / 1_000_000;
                long heapHeld = usedHeapAfterGc();
                long perConnection = (heapHeld - heapBefore) / Math.max(1, held);
                System.out.printf("[%s] crowd of %d opened in %d ms; server holds %d; heap %d -> %d KiB, %d B per held connection%n",
                        name, CROWD, crowdMillis, held, heapBefore / 1024, heapHeld / 1024, perConnection);
                assertTrue(held >= (evicts ? 10 : mostHeld), "the crowd is really held: " + held);
                // bounded by what the server may hold, not by the crowd (the test's own sockets count too)
                assertTrue(heapHeld - heapBefore < BYTES_PER_CONNECTION * mostHeld,
                        (heapHeld - heapBefore) + " B for at most " + mostHeld + " held connections");

                LimitsFixture.Run login = f.ssh(s.port(), "echo ok");
                System.out.printf("[%s] ssh login + exec from 127.0.0.1 through the crowd: %d ms%n", name, login.took().toMillis());
                assertEquals(0, login.exit(), login.output());
                assertTrue(login.output().lines().anyMatch("ok"::equals), login.output());
                assertTrue(login.took().compareTo(Duration.ofSeconds(5)) < 0, "took " + login.took());

                if (evicts) {
                    // the first of the crowd was the stalest: evicted with code 12
                    RawPeer.Outcome o = crowd.get(0).next(WAIT, true);
                    assertNotNull(o, "the stalest was not evicted");
                    assertTrue(o.disconnected(12), o.toString());
                }
            } finally {
                for (RawPeer p : crowd) {
                    p.close();
                }
            }
            assertTrue(Poll.until(() -> s.connections().isEmpty(), WAIT),
                    "back to baseline after the crowd left: " + s.connections().size());
            LimitsFixture.Run again = f.ssh(s.port(), "echo ok");
            assertEquals(0, again.exit(), again.output());
            assertTrue(again.output().lines().anyMatch("ok"::equals), again.output());
        }
    }
}
