package dev.tether.ssh.server;

import dev.tether.ssh.policy.ConnectionValidator;
import dev.tether.ssh.policy.PerSourcePenalties;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The penalty table on a hand-driven clock: accumulation, the min threshold, the max cap, expiry, net blocks, overflow. */
class PenaltyBoxTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private void advance(long millis) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    private PenaltyBox box(PerSourcePenalties p, int v4, int v6) {
        return new PenaltyBox(p, v4, v6, now::get);
    }

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    private static PerSourcePenalties.Builder seconds() {
        return PerSourcePenalties.builder().authFail(Duration.ofSeconds(5)).noAuth(Duration.ofSeconds(1))
                .crash(Duration.ofSeconds(90)).graceExceeded(Duration.ofSeconds(10))
                .min(Duration.ofSeconds(15)).max(Duration.ofSeconds(60));
    }

    @Test
    void penaltiesAccumulatePastMinThenRunDown() throws Exception {
        PenaltyBox b = box(seconds().build(), 32, 128);
        InetAddress a = ip("192.0.2.7");
        for (int i = 0; i < 3; i++) {
            b.charge(a, PenaltyBox.Kind.AUTHFAIL);
            assertNull(b.check(a), "15 s outstanding is not more than min");
        }
        b.charge(a, PenaltyBox.Kind.NOAUTH);
        ConnectionValidator.Verdict v = b.check(a);
        assertNotNull(v);
        assertEquals(ConnectionValidator.Reason.HOST_BLOCKED, v.reason());
        assertEquals("penalty: connections without attempting authentication (refused for 16 s)", v.message());
        assertNull(b.check(ip("192.0.2.8")), "only that address (32-bit blocks)");
        advance(15_500);
        assertEquals("penalty: connections without attempting authentication (refused for 1 s)", b.check(a).message());
        advance(500);
        assertNull(b.check(a), "expired");
        assertEquals(0, b.size());
    }

    @Test
    void aCrashIsActiveAtOnceAndTheTotalIsCappedAtMax() throws Exception {
        PenaltyBox b = box(seconds().build(), 32, 128);
        InetAddress a = ip("2001:db8::1");
        b.charge(a, PenaltyBox.Kind.CRASH);
        b.charge(a, PenaltyBox.Kind.CRASH);
        assertEquals("penalty: caused crash (refused for 60 s)", b.check(a).message());
        b.charge(a, PenaltyBox.Kind.GRACE_EXCEEDED);
        assertEquals("penalty: exceeded login grace time (refused for 60 s)", b.check(a).message());
        advance(60_000);
        assertNull(b.check(a));
    }

    @Test
    void netBlocksGroupAddressesAndMappedAddressesCountAsIpv4() throws Exception {
        assertEquals(ip("10.1.2.0"), PenaltyBox.network(ip("10.1.2.200"), 24, 64));
        assertEquals(ip("10.0.0.0"), PenaltyBox.network(ip("10.1.2.200"), 9, 64));
        assertEquals(ip("10.1.2.200"), PenaltyBox.network(ip("::ffff:10.1.2.200"), 32, 128));
        assertEquals(ip("2001:db8:1:2::"), PenaltyBox.network(ip("2001:db8:1:2:3:4:5:6"), 32, 64));
        PenaltyBox b = box(seconds().min(Duration.ZERO).build(), 24, 64);
        b.charge(ip("10.1.2.3"), PenaltyBox.Kind.NOAUTH);
        assertNotNull(b.check(ip("10.1.2.99")), "same /24");
        assertNull(b.check(ip("10.1.3.3")), "another /24");
    }

    @Test
    void exemptAddressesAreNeitherChargedNorRefusedAndZeroDurationsChargeNothing() throws Exception {
        PenaltyBox b = box(seconds().min(Duration.ZERO).noAuth(Duration.ZERO).exempt(List.of("10.0.0.0/8")).build(), 32, 128);
        b.charge(ip("10.9.9.9"), PenaltyBox.Kind.CRASH);
        assertNull(b.check(ip("10.9.9.9")));
        b.charge(ip("192.0.2.1"), PenaltyBox.Kind.NOAUTH);
        assertNull(b.check(ip("192.0.2.1")));
        assertEquals(0, b.size());
        assertThrows(IllegalArgumentException.class, () -> PerSourcePenalties.builder().exempt(List.of("10.0.0.1/8")));
    }

    @Test
    void overflowIsPermissiveOrDeniesAll() throws Exception {
        PenaltyBox permissive = box(seconds().min(Duration.ZERO).maxSources(2, 2).build(), 32, 128);
        permissive.charge(ip("192.0.2.1"), PenaltyBox.Kind.NOAUTH); // expires first
        permissive.charge(ip("192.0.2.2"), PenaltyBox.Kind.AUTHFAIL);
        permissive.charge(ip("192.0.2.3"), PenaltyBox.Kind.AUTHFAIL);
        assertNull(permissive.check(ip("192.0.2.1")), "the soonest to expire was forgotten");
        assertNotNull(permissive.check(ip("192.0.2.2")));
        assertNotNull(permissive.check(ip("192.0.2.3")));
        assertEquals(2, permissive.size());

        PenaltyBox denyAll = box(seconds().min(Duration.ZERO).maxSources(2, 2)
                .overflow(PerSourcePenalties.Overflow.DENY_ALL).build(), 32, 128);
        denyAll.charge(ip("192.0.2.1"), PenaltyBox.Kind.NOAUTH);
        denyAll.charge(ip("192.0.2.2"), PenaltyBox.Kind.AUTHFAIL);
        ConnectionValidator.Verdict v = denyAll.check(ip("198.51.100.1"));
        assertNotNull(v, "IPv4 table full: everyone is refused");
        assertEquals(ConnectionValidator.Reason.SERVER_TOO_BUSY, v.reason());
        assertNull(denyAll.check(ip("2001:db8::1")), "the IPv6 table is not full");
        advance(1_001);
        assertNull(denyAll.check(ip("198.51.100.1")), "room again once one expired");
    }
}
