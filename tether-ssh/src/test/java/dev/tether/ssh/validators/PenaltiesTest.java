package dev.tether.ssh.validators;

import dev.tether.ssh.SshServer;
import dev.tether.ssh.Transport;
import dev.tether.ssh.policy.PerSourcePenalties;
import dev.tether.ssh.policy.ServerLimits;
import dev.tether.testkit.Poll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PerSourcePenalties with short durations: garbage, failed authentication and an exceeded login
 * grace time get the source refused (DISCONNECT code 1 before the version exchange, with the
 * penalty named), connections already in keep working, and the source is admitted again once the
 * penalty has run down. Exempt addresses and authenticated connections are never charged.
 */
class PenaltiesTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final Duration PROBE = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    /** One probe from {@code source}: what the server answers a fresh connection with. */
    private static RawPeer.Outcome probe(SshServer s, String source) {
        try (RawPeer p = RawPeer.connect(s.port(), source)) {
            RawPeer.Outcome o = p.greeting(PROBE);
            assertNotNull(o, "no answer to a probe");
            return o;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Polls with probes until one gets an outcome that {@code want} accepts; returns it. */
    private static RawPeer.Outcome probeUntil(SshServer s, String source, java.util.function.Predicate<RawPeer.Outcome> want) {
        AtomicReference<RawPeer.Outcome> last = new AtomicReference<>();
        boolean ok = Poll.until(() -> {
            last.set(probe(s, source));
            return want.test(last.get());
        }, WAIT);
        assertTrue(ok, "last probe: " + last.get());
        return last.get();
    }

    /**
     * A connection that sends a version line and then a packet length no server accepts. It ends
     * with a PROTOCOL_ERROR, or is refused (code 1) if the penalties so far already add up.
     */
    private static void garbage(SshServer s, String source) throws IOException {
        try (RawPeer g = RawPeer.connect(s.port(), source)) {
            g.send("SSH-2.0-garbage\r\n\377\377\377\377\377\377\377\377");
            g.versionLine(PROBE);
            RawPeer.Outcome o = g.next(PROBE, true);
            assertTrue(o == null || o.disconnected(2) || o.disconnected(1), "a protocol error, a refusal, or just the close: " + o);
        }
    }

    @Test
    void garbageSendersArePenalisedThenReleasedWhileSessionsInsideKeepWorking() throws Exception {
        LimitsFixture f = new LimitsFixture(dir);
        PerSourcePenalties p = PerSourcePenalties.builder().noAuth(Duration.ofSeconds(1))
                .min(Duration.ofMillis(1500)).max(Duration.ofSeconds(3)).build();
        try (SshServer s = f.server(ServerLimits.builder().penalties(p).build());
             Transport inside = f.loggedIn(s)) {
            assertTrue(probe(s, null).admitted(), "no penalty yet");
            garbage(s, null);
            garbage(s, null);
            RawPeer.Outcome refused = probeUntil(s, null, o -> !o.admitted());
            long refusedAt = System.nanoTime();
            assertTrue(refused.disconnected(1), refused.toString());
            assertTrue(refused.description().startsWith("penalty: connections without attempting authentication (refused for "),
                    refused.description());
            assertEquals("ok\n", inside.exec("x", Duration.ofSeconds(10)).stdoutText(), "a penalty spares connections in progress");
            probeUntil(s, null, RawPeer.Outcome::admitted);
            assertTrue(Duration.ofNanos(System.nanoTime() - refusedAt).compareTo(Duration.ofSeconds(4)) < 0,
                    "released within max + slack");
        }
    }

    @Test
    void failedAuthenticationIsPenalisedAsOpenSshSeesItThenReleased() throws Exception {
        LimitsFixture f = new LimitsFixture(dir);
        PerSourcePenalties p = PerSourcePenalties.builder().authFail(Duration.ofSeconds(2)).noAuth(Duration.ZERO)
                .min(Duration.ofMillis(500)).max(Duration.ofSeconds(5)).build();
        try (SshServer s = f.server(ServerLimits.builder().penalties(p).build())) {
            LimitsFixture.Run denied = f.ssh(s.port(), "stranger", "true");
            assertEquals(255, denied.exit(), denied.output());
            assertTrue(denied.output().contains("Permission denied (publickey"), denied.output());
            probeUntil(s, null, o -> !o.admitted());
            LimitsFixture.Run refused = f.ssh(s.port(), "true");
            assertEquals(255, refused.exit(), refused.output());
            assertTrue(refused.output().contains("Received disconnect from 127.0.0.1 port " + s.port()
                    + ":1: penalty: failed authentication (refused for "), refused.output());
            probeUntil(s, null, RawPeer.Outcome::admitted);
            LimitsFixture.Run ok = f.ssh(s.port(), "true");
            assertEquals(0, ok.exit(), ok.output());
        }
    }

    @Test
    void exceedingTheLoginGraceTimeIsPenalised() throws Exception {
        LimitsFixture f = new LimitsFixture(dir);
        PerSourcePenalties p = PerSourcePenalties.builder().graceExceeded(Duration.ofSeconds(2)).noAuth(Duration.ZERO)
                .min(Duration.ofMillis(500)).build();
        try (SshServer s = f.server(ServerLimits.builder().penalties(p).build(),
                b -> b.loginGraceTime(Duration.ofMillis(500)))) {
            Transport idle = f.kexOnly(s);
            assertTrue(Poll.until(() -> !idle.isActive(), WAIT), "the login grace time ends it");
            RawPeer.Outcome refused = probeUntil(s, null, o -> !o.admitted());
            assertTrue(refused.disconnected(1), refused.toString());
            assertTrue(refused.description().startsWith("penalty: exceeded login grace time"), refused.description());
            probeUntil(s, null, RawPeer.Outcome::admitted);
        }
    }

    @Test
    void exemptAddressesAndAuthenticatedConnectionsAreNeverCharged() throws Exception {
        LimitsFixture f = new LimitsFixture(dir);
        PerSourcePenalties p = PerSourcePenalties.builder().noAuth(Duration.ofSeconds(5)).min(Duration.ZERO)
                .max(Duration.ofSeconds(5)).exempt(List.of("127.0.0.1")).build();
        try (SshServer s = f.server(ServerLimits.builder().penalties(p).build())) {
            garbage(s, "127.0.0.1");
            garbage(s, "127.0.0.1");
            assertTrue(probe(s, "127.0.0.1").admitted(), "127.0.0.1 is exempt");
            // a successful login from an address that is not exempt costs nothing ...
            java.net.Socket sock = new java.net.Socket();
            sock.bind(new java.net.InetSocketAddress("127.0.0.3", 0));
            sock.connect(new java.net.InetSocketAddress("127.0.0.1", s.port()), 5000);
            try (Transport t = Transport.startClient(sock, "127.0.0.1", s.port(), dev.tether.ssh.TransportConfig.builder().build(),
                    dev.tether.ssh.testutil.Pair.trustAllTestKeys())) {
                t.authPublickey("u", f.user);
                assertTrue(t.isAuthenticated());
            }
            assertTrue(Poll.until(() -> s.connections().isEmpty(), WAIT));
            assertTrue(probe(s, "127.0.0.3").admitted(), "an authenticated connection is never charged");
            // ... but that probe left without authenticating: the address is refused now (min 0)
            RawPeer.Outcome refused = probeUntil(s, "127.0.0.3", o -> !o.admitted());
            assertTrue(refused.disconnected(1), refused.toString());
            assertTrue(probe(s, "127.0.0.1").admitted(), "only the offender's address is refused");
        }
    }
}
