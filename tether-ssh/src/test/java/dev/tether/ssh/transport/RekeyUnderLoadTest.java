package dev.tether.ssh.transport;

import dev.tether.ssh.Engines;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.testutil.DataSink;
import dev.tether.ssh.testutil.Pair;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 256 MiB each way through a loopback TCP connection while both sides force a key re-exchange
 * every 1 MiB: nothing is lost, reordered or duplicated, and nothing deadlocks.
 */
class RekeyUnderLoadTest {
    private static final long TOTAL = 256L << 20;
    private static final long REKEY = 1L << 20;
    private static final long QUEUE = 256L << 10;

    @Test
    void twoHundredFiftySixMebibytesEachWayWithRekeyEveryMebibyte() throws Exception {
        DataSink serverSink = new DataSink();
        TransportConfig server = Engines.service(Pair.serverConfig().rekeyBytes(REKEY).maxQueuedBytes(QUEUE)
                .ciphers(List.of("aes128-gcm@openssh.com")), "test@tether", t -> serverSink).build();
        TransportConfig client = TransportConfig.builder().rekeyBytes(REKEY).maxQueuedBytes(QUEUE)
                .ciphers(List.of("aes128-gcm@openssh.com"))
                .kexAlgorithms(List.of("curve25519-sha256")).build();
        try (Pair p = Pair.overTcp(client, server)) {
            Engines.of(p.client).requestService("test@tether", Duration.ofSeconds(10));
            DataSink clientSink = new DataSink();
            Engines.of(p.client).setMessageHandler(clientSink);
            Engines.of(p.server).authenticationSucceeded(null);
            Engines.of(p.client).authenticationSucceeded(null);

            CompletableFuture<byte[]> down = CompletableFuture.supplyAsync(() -> {
                try {
                    return DataSink.sendStream(p.server, TOTAL, 32 * 1024 - 1, 7);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            byte[] up = DataSink.sendStream(p.client, TOTAL, 32 * 1024, 11);

            assertArrayEquals(up, serverSink.done.get(120, TimeUnit.SECONDS), "client to server data intact");
            assertArrayEquals(down.get(120, TimeUnit.SECONDS), clientSink.done.get(120, TimeUnit.SECONDS),
                    "server to client data intact");
            assertEquals(TOTAL, serverSink.bytes());
            assertEquals(TOTAL, clientSink.bytes());
            // A side starts a re-exchange once 1 MiB has passed under the current keys; packets
            // already queued (at most QUEUE bytes) still go out under them. So each direction
            // uses one set of keys for at most REKEY + QUEUE bytes, and 256 MiB need at least
            // 256 MiB / (REKEY + QUEUE) exchanges.
            int kex = p.client.keyExchangeCount();
            long atLeast = TOTAL / (REKEY + QUEUE);
            assertTrue(kex >= atLeast, "expected at least " + atLeast + " key exchanges, saw " + kex);
            // the peer may be one exchange ahead: its count moves when its own NEWKEYS arrives
            assertTrue(Math.abs(kex - p.server.keyExchangeCount()) <= 1,
                    "client saw " + kex + " exchanges, server " + p.server.keyExchangeCount());
            assertTrue(p.client.isActive() && p.server.isActive());
        }
    }
}
