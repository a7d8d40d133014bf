package dev.tether.testkit;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A missing peer skips a test, except where peers are required (CI=true or TETHER_REQUIRE_PEERS=1): there it fails. */
class PeersTest {
    @Test
    void peersAreRequiredUnderCiOrTetherRequirePeers() {
        assertTrue(Peers.required(Map.of("CI", "true")));
        assertTrue(Peers.required(Map.of("CI", "TRUE")));
        assertTrue(Peers.required(Map.of(Peers.REQUIRE_ENV, "1")));
        assertTrue(Peers.required(Map.of("CI", "false", Peers.REQUIRE_ENV, "1")));
        assertFalse(Peers.required(Map.of()));
        assertFalse(Peers.required(Map.of("CI", "false")));
        assertFalse(Peers.required(Map.of(Peers.REQUIRE_ENV, "0")));
    }

    @Test
    void aMissingPeerFailsWhereRequiredAndSkipsElsewhere() {
        AssertionFailedError failed = assertThrows(AssertionFailedError.class, () -> Peers.require("frobnicator", false, true));
        assertTrue(failed.getMessage().contains("frobnicator is missing"), failed.getMessage());
        TestAbortedException skipped = assertThrows(TestAbortedException.class, () -> Peers.require("frobnicator", false, false));
        assertTrue(skipped.getMessage().contains("frobnicator is missing"), skipped.getMessage());
        Peers.require("frobnicator", true, true);
        Peers.require("frobnicator", true, false);
    }
}
