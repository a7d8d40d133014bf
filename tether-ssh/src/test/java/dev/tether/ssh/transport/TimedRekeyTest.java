package dev.tether.ssh.transport;

import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.testutil.Pair;
import dev.tether.testkit.Poll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code rekeyInterval} starts a key exchange on an idle connection too, as OpenSSH's RekeyLimit time does. */
@Timeout(60)
class TimedRekeyTest {

    @Test
    void anIdleConnectionRekeysWhenTheIntervalPasses() throws Exception {
        TransportConfig client = TransportConfig.builder().rekeyInterval(Duration.ofMillis(300)).build();
        try (Pair p = Pair.inMemory(client, Pair.serverConfig().build())) {
            byte[] session = p.client.sessionId().clone();
            // nothing is sent by the test: only the timer can start these exchanges
            assertTrue(Poll.until(() -> p.client.keyExchangeCount() >= 4 && p.server.keyExchangeCount() >= 4,
                    Duration.ofSeconds(20)), "key exchanges: client " + p.client.keyExchangeCount()
                    + ", server " + p.server.keyExchangeCount());
            assertArrayEquals(session, p.client.sessionId(), "the session id survives rekeys");
            // and the connection still works afterwards
            p.client.ping(new byte[]{1, 2, 3}).get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(p.client.isActive() && p.server.isActive());
        }
    }
}
