package dev.tether.ssh.transport;

import dev.tether.ssh.Engines;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.NegotiatedAlgorithms;
import dev.tether.ssh.kex.KexAlgorithms;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.testutil.DataSink;
import dev.tether.ssh.testutil.Pair;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our client against our server, in memory and over loopback TCP, for every algorithm we
 * implement: the key exchange completes with the forced algorithm, SERVICE_ACCEPT arrives, and
 * data crosses both ways intact across a key re-exchange.
 */
class TransportRoundTripTest {

    static Stream<Arguments> everyAlgorithm() {
        List<Arguments> out = new ArrayList<>();
        for (String kex : KexAlgorithms.supported()) {
            out.add(Arguments.of("kex", kex));
        }
        for (String alg : SignatureAlgorithms.SUPPORTED) {
            out.add(Arguments.of("hostkey", alg));
        }
        for (String c : CipherAlgorithms.CIPHERS) {
            out.add(Arguments.of("cipher", c));
        }
        for (String m : CipherAlgorithms.MACS) {
            out.add(Arguments.of("mac", m));
        }
        for (String z : Compression.SUPPORTED) {
            out.add(Arguments.of("compression", z));
        }
        return out.stream();
    }

    static TransportConfig.Builder force(TransportConfig.Builder b, String category, String name) {
        switch (category) {
            case "kex": return b.kexAlgorithms(List.of(name));
            case "hostkey": return b.hostKeyAlgorithms(List.of(name));
            case "cipher": return b.ciphers(List.of(name));
            case "mac": return b.ciphers(List.of("aes128-ctr", "aes256-ctr")).macs(List.of(name));
            case "compression": return b.compression(List.of(name));
            default: throw new IllegalArgumentException(category);
        }
    }

    static String chosen(NegotiatedAlgorithms a, String category) {
        switch (category) {
            case "kex": return a.kex();
            case "hostkey": return a.hostKey();
            case "cipher": return a.cipherClientToServer() + "|" + a.cipherServerToClient();
            case "mac": return a.macClientToServer() + "|" + a.macServerToClient();
            case "compression": return a.compressionClientToServer() + "|" + a.compressionServerToClient();
            default: throw new IllegalArgumentException(category);
        }
    }

    static String expected(String category, String name) {
        return category.equals("kex") || category.equals("hostkey") ? name : name + "|" + name;
    }

    @ParameterizedTest(name = "in memory {0} {1}")
    @MethodSource("everyAlgorithm")
    void inMemory(String category, String name) throws Exception {
        exercise(category, name, false);
    }

    @ParameterizedTest(name = "over TCP {0} {1}")
    @MethodSource("everyAlgorithm")
    void overTcp(String category, String name) throws Exception {
        exercise(category, name, true);
    }

    private void exercise(String category, String name, boolean tcp) throws Exception {
        TransportConfig.Builder sb = Pair.serverConfig();
        DataSink serverSink = new DataSink();
        Engines.service(sb, "test@tether", t -> serverSink);
        // a weak algorithm is used only when configured: the server must opt in too
        TransportConfig server = force(sb, category, name).build();
        TransportConfig client = force(TransportConfig.builder(), category, name).build();
        try (Pair p = tcp ? Pair.overTcp(client, server) : Pair.inMemory(client, server)) {
            assertEquals(expected(category, name), chosen(p.client.negotiatedAlgorithms(), category));
            assertEquals(expected(category, name), chosen(p.server.negotiatedAlgorithms(), category));
            assertTrue(p.client.isStrictKex() && p.server.isStrictKex(), "strict KEX on by default");
            assertArrayEquals(p.client.sessionId(), p.server.sessionId());

            Engines.of(p.client).requestService("test@tether", Duration.ofSeconds(10));
            DataSink clientSink = new DataSink();
            Engines.of(p.client).setMessageHandler(clientSink);
            // delayed compression starts only after authentication
            Engines.of(p.server).authenticationSucceeded(null);
            Engines.of(p.client).authenticationSucceeded(null);

            CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> {
                try {
                    return DataSink.sendStream(p.server, 300_000, 20_000, 2);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            byte[] sentUp = DataSink.sendStream(p.client, 300_000, 32_000, 1);
            p.client.renegotiateKeys(Duration.ofSeconds(30));
            assertEquals(2, p.client.keyExchangeCount());
            assertEquals(expected(category, name), chosen(p.client.negotiatedAlgorithms(), category));
            assertArrayEquals(sentUp, serverSink.done.get(30, TimeUnit.SECONDS));
            assertEquals(300_000, serverSink.bytes());
            assertArrayEquals(back.get(30, TimeUnit.SECONDS), clientSink.done.get(30, TimeUnit.SECONDS));
        }
    }
}
