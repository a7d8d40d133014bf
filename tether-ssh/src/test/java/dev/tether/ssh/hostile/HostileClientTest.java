package dev.tether.ssh.hostile;

import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.DisconnectException;
import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.SignatureAlgorithms;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.tether.ssh.hostile.HostileSupport.STEP;
import static dev.tether.ssh.hostile.ScriptedPeer.kexInit;
import static dev.tether.ssh.hostile.ScriptedPeer.packet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client side against a scripted, hostile server: {@link Transport#connect} must throw an
 * {@link SshException} promptly, with a message naming the problem, and leave neither threads
 * nor sockets behind.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HostileClientTest {
    private static final TransportConfig CLIENT = TransportConfig.builder()
            .kexAlgorithms(List.of("curve25519-sha256"))
            .ciphers(List.of("aes128-ctr"))
            .macs(List.of("hmac-sha2-256"))
            .handshakeTimeout(Duration.ofSeconds(8))
            .build();

    private static final String EVIL = "SSH-2.0-EvilServer_6.6";

    @BeforeAll
    static void warmUp() throws Exception {
        HostileSupport.EscapeWatch.install();
        // Load classes and open the lazily opened files (jars, /dev/urandom) before measuring.
        expectFailure(p -> {
            p.sendVersion(EVIL);
            p.sendRaw(new byte[]{0x7f, 0, 0, 0});
        }, CLIENT);
    }

    @BeforeEach
    void reset() {
        HostileSupport.EscapeWatch.reset();
    }

    /**
     * Runs {@code script} as the server, connects, and returns the exception connect threw after
     * checking that it came quickly and that the client left nothing running or open.
     */
    private static SshException expectFailure(ScriptedServer.Script script, TransportConfig config) throws Exception {
        return expectFailure(script, config, 3000);
    }

    private static SshException expectFailure(ScriptedServer.Script script, TransportConfig config, long maxMillis) throws Exception {
        int fdsBefore = HostileSupport.openFds();
        long t0 = System.nanoTime();
        SshException e;
        try (ScriptedServer s = new ScriptedServer(script)) {
            IOException thrown = assertThrows(IOException.class,
                    () -> Transport.connect("127.0.0.1", s.port(), config, HostKeyVerifier.insecureAcceptAny()).close(),
                    "connect succeeded against a hostile server");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (!(thrown instanceof SshException se)) {
                throw new AssertionError("connect threw a plain IOException, not an SshException: " + thrown, thrown);
            }
            e = se;
            assertTrue(ms < maxMillis, () -> "connect took " + ms + " ms to fail (" + e.getMessage() + ")");
            s.awaitDone(STEP);
        }
        // No client threads left (JDK 17 platform threads; JDK 21+ virtual threads do not show,
        // there the socket check below is what catches a connection left running).
        if (!HostileSupport.virtualThreadsInUse()) {
            HostileSupport.awaitCondition(STEP, () -> HostileSupport.tetherConnectionThreads("tether-client-").isEmpty(),
                    () -> "client threads still running after connect failed: "
                            + HostileSupport.tetherConnectionThreads("tether-client-"));
        }
        HostileSupport.awaitCondition(STEP, () -> HostileSupport.openFds() <= fdsBefore,
                () -> "file descriptors: " + fdsBefore + " before, " + HostileSupport.openFds() + " after");
        HostileSupport.EscapeWatch.assertClean();
        return e;
    }

    private static SshException expectFailure(ScriptedServer.Script script) throws Exception {
        return expectFailure(script, CLIENT);
    }

    private static void assertReason(SshException e, DisconnectReason reason, String... words) {
        assertEquals(reason, e.reason(), () -> "reason of " + e);
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), () -> "\"" + e.getMessage() + "\" does not mention \"" + w + "\"");
        }
    }

    /** A server KEXINIT that matches {@link #CLIENT}. */
    private static byte[] goodServerKexInit() {
        return kexInit(List.of("curve25519-sha256"), List.of("ssh-ed25519"), List.of("aes128-ctr"),
                List.of("hmac-sha2-256"), List.of("none"), false);
    }

    /** Reads the client's version, KEXINIT and ECDH init; returns Q_C. */
    private static byte[] readClientKexStart(ScriptedPeer p) throws IOException {
        p.readVersion();
        p.expectPacket(20);
        byte[] init = p.expectPacket(30);
        return new dev.tether.ssh.common.SshReader(init, 1, init.length - 1).string();
    }

    // ------------------------------------------------------------------ identification

    @Test
    void serverClosingAtOnce() throws Exception {
        SshException e = expectFailure(p -> p.close());
        assertReason(e, DisconnectReason.CONNECTION_LOST);
    }

    @Test
    void serverClosingAfterItsVersion() throws Exception {
        SshException e = expectFailure(p -> {
            p.sendVersion(EVIL);
            p.close();
        });
        assertReason(e, DisconnectReason.CONNECTION_LOST);
    }

    @Test
    void serverSpeakingProtocol15() throws Exception {
        SshException e = expectFailure(p -> p.sendVersion("SSH-1.5-Ancient"));
        assertReason(e, DisconnectReason.PROTOCOL_VERSION_NOT_SUPPORTED, "1.5");
    }

    @Test
    void serverSendingEndlessBannerLines() throws Exception {
        SshException e = expectFailure(p -> p.sendRawQuietly("Welcome!\r\n".repeat(1000).getBytes(StandardCharsets.US_ASCII)));
        assertReason(e, DisconnectReason.PROTOCOL_ERROR, "more than 64 lines");
    }

    @Test
    void serverSendingALongVersionLine() throws Exception {
        SshException e = expectFailure(p -> p.sendVersion("SSH-2.0-" + "x".repeat(400)));
        assertReason(e, DisconnectReason.PROTOCOL_ERROR, "longer than 255");
    }

    @Test
    void serverSendingNothing() throws Exception {
        TransportConfig quick = CLIENT.toBuilder().handshakeTimeout(Duration.ofMillis(1500)).build();
        SshException e = expectFailure(p -> p.drainRawUntilClosed(), quick, 3500);
        assertTrue(e.getMessage().contains("key exchange"), e::getMessage);
    }

    // ------------------------------------------------------------------ binary packets

    @Test
    void serverSendingGarbageAfterItsVersion() throws Exception {
        SshException e = expectFailure(p -> {
            p.sendVersion(EVIL);
            p.sendRaw("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        });
        assertReason(e, DisconnectReason.PROTOCOL_ERROR, "bad packet length");
    }

    @Test
    void serverSendingAnOversizedPacketLength() throws Exception {
        SshException e = expectFailure(p -> {
            p.sendVersion(EVIL);
            p.sendRaw(new byte[]{0x00, 0x10, 0x00, 0x00, 4});
        });
        assertReason(e, DisconnectReason.PROTOCOL_ERROR, "bad packet length 1048576");
    }

    @Test
    void serverSendingBadPadding() throws Exception {
        SshException e = expectFailure(p -> {
            p.sendVersion(EVIL);
            p.sendRaw(ScriptedPeer.rawPacket(12, 11, new byte[0], new byte[11]));
        });
        assertReason(e, DisconnectReason.PROTOCOL_ERROR, "padding length 11");
    }

    @Test
    void serverSendingATruncatedPacketThenClosing() throws Exception {
        SshException e = expectFailure(p -> {
            p.sendVersion(EVIL);
            byte[] k = packet(goodServerKexInit());
            p.sendRaw(java.util.Arrays.copyOf(k, k.length - 10));
            p.close();
        });
        assertReason(e, DisconnectReason.CONNECTION_LOST);
    }

    @Test
    void serverSendingAMalformedKexinit() throws Exception {
        SshException e = expectFailure(p -> {
            p.sendVersion(EVIL);
            p.sendPacket(ScriptedPeer.concat(new byte[]{20}, new byte[16], new byte[]{0, 0, 0, 50, 'x'}));
        });
        assertReason(e, DisconnectReason.PROTOCOL_ERROR, "truncated");
    }

    @Test
    void serverSendingKexinitTwice() throws Exception {
        SshException e = expectFailure(p -> {
            p.sendVersion(EVIL);
            p.sendPacket(goodServerKexInit());
            p.sendPacket(goodServerKexInit());
        });
        assertReason(e, DisconnectReason.PROTOCOL_ERROR, "KEXINIT during a key exchange");
    }

    @Test
    void serverWithNoCommonAlgorithm() throws Exception {
        SshException e = expectFailure(p -> {
            p.sendVersion(EVIL);
            p.sendPacket(kexInit(List.of("diffie-hellman-group1-sha1"), List.of("ssh-dss"), List.of("3des-cbc"),
                    List.of("hmac-md5"), List.of("none"), false));
        });
        assertReason(e, DisconnectReason.KEY_EXCHANGE_FAILED, "curve25519-sha256", "diffie-hellman-group1-sha1");
    }

    @Test
    void serverSendingServiceRequestBeforeKex() throws Exception {
        SshException e = expectFailure(p -> {
            p.sendVersion(EVIL);
            p.sendPacket(ScriptedPeer.serviceRequest("ssh-userauth"));
        });
        assertReason(e, DisconnectReason.PROTOCOL_ERROR, "SERVICE_REQUEST", "before the key exchange completed");
    }

    @Test
    void serverDisconnectingDuringTheHandshake() throws Exception {
        SshException e = expectFailure(p -> {
            p.sendVersion(EVIL);
            p.sendPacket(new SshWriter(64).byteValue(1).uint32(12).string("too many connections").string("").toByteArray());
        });
        DisconnectException de = assertInstanceOf(DisconnectException.class, e);
        assertTrue(de.fromPeer());
        assertEquals(12, de.code());
        assertTrue(de.getMessage().contains("too many connections"), de::getMessage);
    }

    // ------------------------------------------------------------------ the key exchange reply

    @Test
    void serverReplyingWithAGarbageHostKey() throws Exception {
        SshException e = expectFailure(p -> {
            p.sendVersion(EVIL);
            p.sendPacket(goodServerKexInit());
            readClientKexStart(p);
            byte[] qs = ScriptedPeer.x25519Public(ScriptedPeer.x25519());
            p.sendPacket(new SshWriter(256).byteValue(31).string("not a key".getBytes(StandardCharsets.US_ASCII))
                    .string(qs).string("not a signature".getBytes(StandardCharsets.US_ASCII)).toByteArray());
        });
        assertTrue(e.reason() == DisconnectReason.KEY_EXCHANGE_FAILED || e.reason() == DisconnectReason.PROTOCOL_ERROR
                || e.reason() == DisconnectReason.HOST_KEY_NOT_VERIFIABLE, () -> "reason of " + e);
        assertTrue(!e.getMessage().contains("internal error"), e::getMessage);
    }

    /** A server that offers {@code hostKeyAlg} and answers the ECDH init with {@code blob} as its host key. */
    private static SshException replyWithHostKey(String hostKeyAlg, byte[] blob) throws Exception {
        return expectFailure(p -> {
            p.sendVersion(EVIL);
            p.sendPacket(kexInit(List.of("curve25519-sha256"), List.of(hostKeyAlg), List.of("aes128-ctr"),
                    List.of("hmac-sha2-256"), List.of("none"), false));
            readClientKexStart(p);
            byte[] qs = ScriptedPeer.x25519Public(ScriptedPeer.x25519());
            byte[] sig = new SshWriter(96).string(hostKeyAlg).string(new byte[64]).toByteArray();
            p.sendPacket(new SshWriter(blob.length + 256).byteValue(31).string(blob).string(qs).string(sig).toByteArray());
        });
    }

    private static void assertRefusedKey(SshException e) {
        assertTrue(e.reason() == DisconnectReason.KEY_EXCHANGE_FAILED || e.reason() == DisconnectReason.PROTOCOL_ERROR
                || e.reason() == DisconnectReason.HOST_KEY_NOT_VERIFIABLE, () -> "reason of " + e);
        assertTrue(!e.getMessage().contains("internal error"), e::getMessage);
    }

    @Test
    void serverWithAHugeRsaHostKey() throws Exception {
        java.math.BigInteger n = java.math.BigInteger.ONE.shiftLeft(20_000).add(java.math.BigInteger.valueOf(12345));
        byte[] blob = new SshWriter(3000).string("ssh-rsa").mpint(java.math.BigInteger.valueOf(65537)).mpint(n).toByteArray();
        SshException e = replyWithHostKey("rsa-sha2-256", blob);
        assertRefusedKey(e);
        assertTrue(e.getMessage().contains("16384"), e::getMessage);
    }

    @Test
    void serverWithAnEcdsaHostKeyOffTheCurve() throws Exception {
        byte[] q = new byte[65];
        q[0] = 4;
        q[32] = 1;
        q[64] = 1;
        byte[] blob = new SshWriter(128).string("ecdsa-sha2-nistp256").string("nistp256").string(q).toByteArray();
        assertRefusedKey(replyWithHostKey("ecdsa-sha2-nistp256", blob));
    }

    @Test
    void serverWithAShortEd25519HostKey() throws Exception {
        byte[] blob = new SshWriter(64).string("ssh-ed25519").string(new byte[31]).toByteArray();
        assertRefusedKey(replyWithHostKey("ssh-ed25519", blob));
    }

    @Test
    void serverWithAHostKeyOfAnotherTypeThanNegotiated() throws Exception {
        byte[] blob = SignatureAlgorithms.encodePublicKey(HostileSupport.hostKey().getPublic());
        assertRefusedKey(replyWithHostKey("ecdsa-sha2-nistp256", blob));
    }

    @Test
    void serverReplyingWithABadSignature() throws Exception {
        byte[] blob = SignatureAlgorithms.encodePublicKey(HostileSupport.hostKey().getPublic());
        SshException e = expectFailure(p -> {
            p.sendVersion(EVIL);
            p.sendPacket(goodServerKexInit());
            readClientKexStart(p);
            byte[] qs = ScriptedPeer.x25519Public(ScriptedPeer.x25519());
            byte[] sig = new SshWriter(96).string("ssh-ed25519").string(new byte[64]).toByteArray();
            p.sendPacket(new SshWriter(256).byteValue(31).string(blob).string(qs).string(sig).toByteArray());
        });
        assertReason(e, DisconnectReason.KEY_EXCHANGE_FAILED, "does not verify");
    }

    @Test
    void serverReplyingWithAShortPublicValue() throws Exception {
        byte[] blob = SignatureAlgorithms.encodePublicKey(HostileSupport.hostKey().getPublic());
        SshException e = expectFailure(p -> {
            p.sendVersion(EVIL);
            p.sendPacket(goodServerKexInit());
            readClientKexStart(p);
            byte[] sig = new SshWriter(96).string("ssh-ed25519").string(new byte[64]).toByteArray();
            p.sendPacket(new SshWriter(256).byteValue(31).string(blob).string(new byte[31]).string(sig).toByteArray());
        });
        assertReason(e, DisconnectReason.KEY_EXCHANGE_FAILED, "32 bytes");
    }

    @Test
    void serverSendingNewkeysInsteadOfAReply() throws Exception {
        SshException e = expectFailure(p -> {
            p.sendVersion(EVIL);
            p.sendPacket(goodServerKexInit());
            readClientKexStart(p);
            p.sendPacket(new byte[]{21});
        });
        assertReason(e, DisconnectReason.PROTOCOL_ERROR, "NEWKEYS before the key exchange finished");
    }

    @Test
    void serverGoingSilentMidKex() throws Exception {
        TransportConfig quick = CLIENT.toBuilder().handshakeTimeout(Duration.ofMillis(1500)).build();
        SshException e = expectFailure(p -> {
            p.sendVersion(EVIL);
            p.sendPacket(goodServerKexInit());
            readClientKexStart(p);
            // never reply
        }, quick, 3500);
        assertTrue(e.getMessage().contains("key exchange"), e::getMessage);
    }

    @Test
    void clientFailureIsReportedEvenIfTheServerKeepsTalking() throws Exception {
        SshException e = expectFailure(p -> {
            p.sendVersion(EVIL);
            p.sendPacket(goodServerKexInit());
            // A stream of IGNOREs after a bad packet: the client must stop at the bad one.
            p.sendRaw(ScriptedPeer.rawPacket(12, 2, new byte[]{2, 0, 0, 0, 0, 0, 0, 0, 0}, new byte[2]));
            for (int i = 0; i < 100 && p.sendRawQuietly(packet(ScriptedPeer.ignore(1000))); i++) {
                // keep going until the client closes
            }
        });
        assertReason(e, DisconnectReason.PROTOCOL_ERROR, "padding length 2");
    }
}
