package dev.tether.ssh.hostile;

import dev.tether.ssh.Engines;
import dev.tether.ssh.Transport;
import dev.tether.ssh.common.DisconnectException;
import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.transport.MessageHandler;
import dev.tether.ssh.wire.MessageNumbers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.tether.ssh.hostile.HostileSupport.STEP;
import static dev.tether.ssh.hostile.HostileSupport.assertServerCause;
import static dev.tether.ssh.hostile.HostileSupport.awaitClosed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile input after NEWKEYS, when every packet is encrypted and authenticated:
 * <ul>
 *   <li>a {@link CorruptingProxy} flips one byte of a packet our own client sends after the key
 *       exchange, so the server sees a packet whose MAC or tag does not verify;</li>
 *   <li>a {@link ScriptedPeer} that ran a real key exchange seals packets with a valid MAC but
 *       broken padding, or key exchange messages out of place;</li>
 *   <li>our client {@link Transport} sends message numbers the server must not accept before a
 *       service is running or before authentication.</li>
 * </ul>
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PostNewKeysFaultTest {
    private static final int PROTOCOL_ERROR = DisconnectReason.PROTOCOL_ERROR.code();
    private static final int MAC_ERROR = DisconnectReason.MAC_ERROR.code();

    /** The combinations the brief asks for: each AEAD, and AES-CTR with classic and EtM HMAC. */
    static Stream<Arguments> combos() {
        return Stream.of(
                Arguments.of("chacha20-poly1305@openssh.com", null),
                Arguments.of("aes128-gcm@openssh.com", null),
                Arguments.of("aes256-gcm@openssh.com", null),
                Arguments.of("aes128-ctr", "hmac-sha2-256"),
                Arguments.of("aes128-ctr", "hmac-sha2-256-etm@openssh.com"),
                Arguments.of("aes256-ctr", "hmac-sha2-512"),
                Arguments.of("aes192-ctr", "hmac-sha1-etm@openssh.com"));
    }

    /**
     * Where to flip a byte of the first packet after NEWKEYS, an IGNORE with 40 bytes of data
     * (payload 45 bytes): the padding_length byte (offset 4), the payload (8, 30), the padding
     * (52; the padding starts at 50 for every cipher here) and the first byte of the tag.
     */
    static Stream<Arguments> macCorruptions() {
        List<Arguments> out = new ArrayList<>();
        combos().forEach(c -> {
            Object[] a = c.get();
            for (String where : List.of("padding-length", "payload-start", "payload-middle", "padding", "tag")) {
                out.add(Arguments.of(a[0], a[1], where));
            }
        });
        return out.stream();
    }

    private static TestSshServer server;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void startServer() throws IOException {
        HostileSupport.EscapeWatch.install();
        server = TestSshServer.start("127.0.0.1", 0, Engines.service(HostileSupport.serverConfig(),
                "ssh-userauth", t -> new MessageHandler() {
                    @Override
                    public boolean handle(int messageNumber, dev.tether.ssh.common.SshReader payload) {
                        return false; // knows nothing: every message is "unknown" to it
                    }
                })
                .build());
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void reset() {
        HostileSupport.EscapeWatch.reset();
    }

    @AfterEach
    void checkClean() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        HostileSupport.assertServerClean(server);
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        toClose.add(c);
        return c;
    }

    private static int packetLengthOfIgnore40(String cipher, String mac) {
        // payload: byte 2 || string(40 bytes) = 45 bytes
        boolean excluded = mac == null || mac.endsWith("-etm@openssh.com");
        int bs = cipher.startsWith("chacha20") ? 8 : 16;
        int unpadded = excluded ? 1 + 45 : 5 + 45;
        int padding = bs - unpadded % bs;
        if (padding < 4) {
            padding += bs;
        }
        return 1 + 45 + padding;
    }

    private static long offsetFor(String where, String cipher, String mac) {
        switch (where) {
            case "padding-length":
                return 4;
            case "payload-start":
                return 8;
            case "payload-middle":
                return 30;
            case "padding":
                return 52;
            case "tag":
                return 4 + packetLengthOfIgnore40(cipher, mac);
            default:
                throw new IllegalArgumentException(where);
        }
    }

    private Transport connectThrough(CorruptingProxy proxy, String cipher, String mac) throws IOException {
        return closeLater(Transport.connect("127.0.0.1", proxy.port(), HostileSupport.clientConfig(cipher, mac),
                HostKeyVerifier.insecureAcceptAny()));
    }

    /** The client got the server's DISCONNECT with {@code code}. */
    private static void assertClientGotDisconnect(Transport client, int code) {
        awaitClosed(client, STEP);
        DisconnectException de = assertInstanceOf(DisconnectException.class, client.closeCause(),
                "the client did not receive the server's DISCONNECT");
        assertTrue(de.fromPeer(), () -> "client closed with its own DISCONNECT: " + de);
        assertEquals(code, de.code(), () -> "client got " + de);
    }

    /** The client got the server's DISCONNECT with {@code code}, or at least saw the connection close. */
    private static void assertClientSawDisconnect(Transport client, int code) {
        awaitClosed(client, STEP);
        Throwable c = client.closeCause();
        if (c instanceof DisconnectException de) {
            assertTrue(de.fromPeer(), () -> "client closed with its own DISCONNECT: " + de);
            assertEquals(code, de.code(), () -> "client got " + de);
        } else {
            assertInstanceOf(IOException.class, c, () -> "client closed with " + c);
        }
    }

    // ------------------------------------------------------------------ corrupting proxy: bad MAC

    @ParameterizedTest(name = "{0} {1}: flip {2}")
    @MethodSource("macCorruptions")
    void corruptedPacketAfterNewkeysIsAMacError(String cipher, String mac, String where) throws Exception {
        long offset = offsetFor(where, cipher, mac);
        CorruptingProxy proxy = closeLater(new CorruptingProxy(server.port(), offset, 0x01));
        Transport client = connectThrough(proxy, cipher, mac);
        Transport serverSide = server.nextAccepted(STEP); // still open: the corruption comes later
        serverSide.awaitKeyExchange(STEP);
        client.sendIgnore(new byte[40]);
        proxy.corrupted.get(STEP.toMillis(), TimeUnit.MILLISECONDS);
        SshException cause = assertServerCause(serverSide, MAC_ERROR);
        assertTrue(cause.getMessage().toLowerCase(java.util.Locale.ROOT).contains("authentic")
                        || cause.getMessage().contains("MAC"),
                () -> "reason does not name the MAC failure: " + cause.getMessage());
        assertClientSawDisconnect(client, MAC_ERROR);
        if (client.closeCause() instanceof DisconnectException de) {
            assertEquals(cause.getMessage(), de.description());
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("combos")
    void corruptedLengthAfterNewkeysEndsTheConnection(String cipher, String mac) throws Exception {
        // Flip the low bit of the length: the (decrypted) length is no longer block aligned.
        CorruptingProxy proxy = closeLater(new CorruptingProxy(server.port(), 3, 0x01));
        Transport client = connectThrough(proxy, cipher, mac);
        Transport serverSide = server.nextAccepted(STEP); // still open: the corruption comes later
        serverSide.awaitKeyExchange(STEP);
        client.sendIgnore(new byte[40]);
        proxy.corrupted.get(STEP.toMillis(), TimeUnit.MILLISECONDS);
        awaitClosed(serverSide, STEP);
        Throwable c = serverSide.closeCause();
        assertInstanceOf(SshException.class, c, () -> "server closed with " + c);
        int code = ((SshException) c).reason().code();
        // PacketReader reports PROTOCOL_ERROR; the ciphers' own check (Tags.badLength) would say
        // MAC_ERROR. Either ends the connection cleanly; the test pins only that.
        assertTrue(code == PROTOCOL_ERROR || code == MAC_ERROR, () -> "server closed with " + c);
        assertTrue(c.getMessage().contains("length"), c::getMessage);
        assertClientSawDisconnect(client, code);
    }

    // ------------------------------------------------------------------ encrypting scripted peer

    /** The server's side of the last connection made with {@link #handshakenPeer} or {@link #directClient}. */
    private Transport serverSide;

    private ScriptedPeer handshakenPeer(String cipher, String mac) throws IOException {
        ScriptedPeer p = closeLater(ScriptedPeer.connect(server.port()));
        serverSide = server.nextAccepted(STEP);
        p.handshake(cipher, mac);
        return p;
    }

    private static void expectEncryptedDisconnect(ScriptedPeer p, int code, String... words) throws IOException {
        ScriptedPeer.Disconnect d = p.readEncryptedDisconnect();
        assertEquals(code, d.code(), d::toString);
        for (String w : words) {
            assertTrue(d.description().contains(w), () -> "DISCONNECT \"" + d.description() + "\" does not mention \"" + w + "\"");
        }
        p.expectClosed();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("combos")
    void encryptingPeerControlCaseIsAccepted(String cipher, String mac) throws Exception {
        ScriptedPeer p = handshakenPeer(cipher, mac);
        Transport st = serverSide;
        p.sendEncrypted(ScriptedPeer.ignore(40));
        p.sendEncrypted(ScriptedPeer.serviceRequest("ssh-userauth"));
        byte[] accept = p.readEncryptedPacket();
        assertEquals(MessageNumbers.SERVICE_ACCEPT, accept[0] & 0xff);
        assertTrue(st.isActive());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("combos")
    void validMacButPaddingShorterThanFourIsRefused(String cipher, String mac) throws Exception {
        ScriptedPeer p = handshakenPeer(cipher, mac);
        byte[] payload = ScriptedPeer.ignore(40);
        int bs = p.outboundBlockSize();
        int unpadded = p.outboundLengthExcludedFromPadding() ? 1 + payload.length : 5 + payload.length;
        int padding = bs - unpadded % bs; // whatever keeps the packet block aligned; the field lies
        p.sendEncrypted(payload, 3, padding);
        expectEncryptedDisconnect(p, PROTOCOL_ERROR, "padding length 3");
        assertServerCause(serverSide, PROTOCOL_ERROR, "padding length 3");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("combos")
    void validMacButPaddingCoveringThePacketIsRefused(String cipher, String mac) throws Exception {
        ScriptedPeer p = handshakenPeer(cipher, mac);
        byte[] payload = ScriptedPeer.ignore(40);
        int bs = p.outboundBlockSize();
        int unpadded = p.outboundLengthExcludedFromPadding() ? 1 + payload.length : 5 + payload.length;
        int padding = bs - unpadded % bs;
        if (padding < 4) {
            padding += bs;
        }
        p.sendEncrypted(payload, 255, padding);
        expectEncryptedDisconnect(p, PROTOCOL_ERROR, "padding length 255");
        assertServerCause(serverSide, PROTOCOL_ERROR, "padding length 255");
    }

    @Test
    void kexMessageOutsideAKeyExchangeIsRefused() throws Exception {
        ScriptedPeer p = handshakenPeer("aes128-gcm@openssh.com", null);
        p.sendEncrypted(ScriptedPeer.ecdhInit(new byte[32]));
        expectEncryptedDisconnect(p, PROTOCOL_ERROR, "key exchange message 30 outside a key exchange");
        assertServerCause(serverSide, PROTOCOL_ERROR, "outside a key exchange");
    }

    @Test
    void newkeysOutsideAKeyExchangeIsRefused() throws Exception {
        ScriptedPeer p = handshakenPeer("chacha20-poly1305@openssh.com", null);
        p.sendEncrypted(new byte[]{21});
        expectEncryptedDisconnect(p, PROTOCOL_ERROR, "NEWKEYS outside a key exchange");
        assertServerCause(serverSide, PROTOCOL_ERROR, "NEWKEYS outside");
    }

    @Test
    void kexinitTwiceDuringARekeyIsRefused() throws Exception {
        ScriptedPeer p = handshakenPeer("aes128-ctr", "hmac-sha2-256-etm@openssh.com");
        p.sendEncrypted(ScriptedPeer.kexInit(false, "aes128-ctr", "hmac-sha2-256-etm@openssh.com"));
        p.sendEncrypted(ScriptedPeer.kexInit(false, "aes128-ctr", "hmac-sha2-256-etm@openssh.com"));
        expectEncryptedDisconnect(p, PROTOCOL_ERROR, "KEXINIT during a key exchange");
        assertServerCause(serverSide, PROTOCOL_ERROR, "KEXINIT during a key exchange");
    }

    @Test
    void secondServiceRequestForAnotherServiceIsRefused() throws Exception {
        // a repeated ssh-userauth request is answered again (as sshd does, for paramiko);
        // asking for another service while authentication runs is a protocol error
        ScriptedPeer p = handshakenPeer("aes128-gcm@openssh.com", null);
        p.sendEncrypted(ScriptedPeer.serviceRequest("ssh-userauth"));
        p.sendEncrypted(ScriptedPeer.serviceRequest("ssh-connection"));
        expectEncryptedDisconnect(p, PROTOCOL_ERROR, "second SERVICE_REQUEST");
        assertServerCause(serverSide, PROTOCOL_ERROR, "second SERVICE_REQUEST");
    }

    @Test
    void oversizedExtInfoIsRefused() throws Exception {
        ScriptedPeer p = handshakenPeer("aes128-gcm@openssh.com", null);
        p.sendEncrypted(new SshWriter(16).byteValue(MessageNumbers.EXT_INFO).uint32(100_000).toByteArray());
        expectEncryptedDisconnect(p, PROTOCOL_ERROR, "EXT_INFO");
        assertServerCause(serverSide, PROTOCOL_ERROR, "EXT_INFO");
    }

    @Test
    void pingFloodFromAPeerThatNeverReadsIsCutOff() throws Exception {
        // Every PING is answered with a PONG of the same size; a peer that never reads must not
        // make the server queue without bound, nor leave it stuck on a blocked write.
        ScriptedPeer p = handshakenPeer("aes128-gcm@openssh.com", null);
        Transport st = serverSide;
        byte[] ping = new SshWriter(33_000).byteValue(MessageNumbers.PING).string(new byte[32 * 1024]).toByteArray();
        int sent = 0;
        long t0 = System.nanoTime();
        try {
            for (; sent < 4000 && st.isActive(); sent++) {
                p.sendEncrypted(ping);
            }
        } catch (IOException expected) {
            // the server closed under us
        }
        int pings = sent;
        assertTrue(!st.isActive() || pings < 4000, "the server still runs after " + pings + " unanswered PINGs (128 MiB)");
        SshException cause = assertServerCause(st, PROTOCOL_ERROR, "not reading");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 10_000, () -> "took " + ms + " ms to cut off the peer (" + cause.getMessage() + ")");
        p.drainRawUntilClosed();
    }

    // ------------------------------------------------------------------ the default ssh-userauth service of SshServer

    /** A server with SshServer's default ssh-userauth service, and a client that has had SERVICE_ACCEPT. */
    private Transport clientInAuth(TestSshServer s) throws IOException {
        Transport c = closeLater(Transport.connect("127.0.0.1", s.port(),
                HostileSupport.clientConfig("chacha20-poly1305@openssh.com", null), HostKeyVerifier.insecureAcceptAny()));
        serverSide = s.nextAccepted(STEP);
        Engines.of(c).setMessageHandler((m, payload) -> true); // swallow USERAUTH_FAILURE and the like
        Engines.of(c).requestService("ssh-userauth", STEP);
        return c;
    }

    @Test
    void truncatedUserauthRequestIsRefused() throws Exception {
        try (TestSshServer s = TestSshServer.start("127.0.0.1", 0, HostileSupport.serverConfig().build())) {
            Transport c = clientInAuth(s);
            Engines.of(c).send(new SshWriter(16).byteValue(MessageNumbers.USERAUTH_REQUEST).string("root").toByteArray());
            assertServerCause(serverSide, PROTOCOL_ERROR, "truncated");
            assertClientGotDisconnect(c, PROTOCOL_ERROR);
        }
    }

    @Test
    void userauthRequestWithInvalidUtf8IsRefused() throws Exception {
        try (TestSshServer s = TestSshServer.start("127.0.0.1", 0, HostileSupport.serverConfig().build())) {
            Transport c = clientInAuth(s);
            Engines.of(c).send(new SshWriter(32).byteValue(MessageNumbers.USERAUTH_REQUEST).string(new byte[]{(byte) 0xc3, 0x28})
                    .string("ssh-connection").string("none").toByteArray());
            assertServerCause(serverSide, PROTOCOL_ERROR, "UTF-8");
            assertClientGotDisconnect(c, PROTOCOL_ERROR);
        }
    }

    @Test
    void authMethodMessageOutOfPlaceIsRefused() throws Exception {
        try (TestSshServer s = TestSshServer.start("127.0.0.1", 0, HostileSupport.serverConfig().build())) {
            Transport c = clientInAuth(s);
            Engines.of(c).send(new byte[]{60, 0, 0, 0, 0});
            assertServerCause(serverSide, PROTOCOL_ERROR, "USERAUTH_METHOD_60");
            assertClientGotDisconnect(c, PROTOCOL_ERROR);
        }
    }

    @Test
    void passwordGuessingEndsAfterTheAttemptLimit() throws Exception {
        try (TestSshServer s = TestSshServer.start("127.0.0.1", 0, HostileSupport.serverConfig().build())) {
            Transport c = clientInAuth(s);
            for (int i = 0; i < 10 && c.isActive(); i++) {
                try {
                    Engines.of(c).send(new SshWriter(64).byteValue(MessageNumbers.USERAUTH_REQUEST).string("root").string("ssh-connection")
                            .string("password").bool(false).string("guess" + i).toByteArray());
                } catch (SshException closed) {
                    break;
                }
            }
            assertServerCause(serverSide, DisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE.code(), "too many");
            assertClientGotDisconnect(c, DisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE.code());
        }
    }

    // ------------------------------------------------------------------ compression (zlib, negotiated before auth)

    private static TestSshServer zlibServer() throws IOException {
        return TestSshServer.start("127.0.0.1", 0,
                HostileSupport.serverConfig().compression(List.of("none", "zlib")).build());
    }

    @Test
    void zlibControlCaseIsAccepted() throws Exception {
        try (TestSshServer zs = zlibServer(); ScriptedPeer p = ScriptedPeer.connect(zs.port())) {
            Transport zside = zs.nextAccepted(STEP);
            p.handshake("aes128-gcm@openssh.com", null, "zlib");
            p.sendEncrypted(ScriptedPeer.ignore(10_000));
            p.sendEncrypted(ScriptedPeer.serviceRequest("ssh-userauth"));
            byte[] reply = p.readEncryptedPacket(); // compressed by the server, inflated here
            assertEquals(MessageNumbers.SERVICE_ACCEPT, reply[0] & 0xff);
            assertTrue(zside.isActive());
        }
    }

    @Test
    void zlibBombIsRefused() throws Exception {
        try (TestSshServer zs = zlibServer(); ScriptedPeer p = ScriptedPeer.connect(zs.port())) {
            Transport zside = zs.nextAccepted(STEP);
            p.handshake("chacha20-poly1305@openssh.com", null, "zlib");
            byte[] bomb = ScriptedPeer.ignore(16 * 1024 * 1024); // deflates to about 16 KiB
            p.sendEncrypted(bomb);
            expectEncryptedDisconnect(p, DisconnectReason.COMPRESSION_ERROR.code(), "inflates beyond");
            assertServerCause(zside, DisconnectReason.COMPRESSION_ERROR.code(), "inflates beyond");
        }
    }

    @Test
    void corruptZlibStreamIsRefused() throws Exception {
        try (TestSshServer zs = zlibServer(); ScriptedPeer p = ScriptedPeer.connect(zs.port())) {
            Transport zside = zs.nextAccepted(STEP);
            p.handshake("aes128-ctr", "hmac-sha2-256", "zlib");
            p.sendEncryptedRawPayload(new byte[]{(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3, 4});
            expectEncryptedDisconnect(p, DisconnectReason.COMPRESSION_ERROR.code(), "corrupt compressed payload");
            assertServerCause(zside, DisconnectReason.COMPRESSION_ERROR.code(), "corrupt compressed payload");
        }
    }

    @Test
    void zlibPayloadInflatingToNothingIsRefused() throws Exception {
        try (TestSshServer zs = zlibServer(); ScriptedPeer p = ScriptedPeer.connect(zs.port())) {
            Transport zside = zs.nextAccepted(STEP);
            p.handshake("aes128-gcm@openssh.com", null, "zlib");
            p.sendEncryptedRawPayload(p.deflate(new byte[0]));
            expectEncryptedDisconnect(p, DisconnectReason.COMPRESSION_ERROR.code(), "empty payload");
            assertServerCause(zside, DisconnectReason.COMPRESSION_ERROR.code(), "empty payload");
        }
    }

    // ------------------------------------------------------------------ our client: unknown messages

    private Transport directClient() throws IOException {
        Transport c = closeLater(Transport.connect("127.0.0.1", server.port(),
                HostileSupport.clientConfig("aes128-gcm@openssh.com", null), HostKeyVerifier.insecureAcceptAny()));
        serverSide = server.nextAccepted(STEP);
        return c;
    }

    @ParameterizedTest(name = "message {0} before SERVICE_REQUEST")
    @ValueSource(ints = {50, 52, 60, 79, 80, 90, 94, 128, 200, 255})
    void messageBeforeAServiceIsRefused(int m) throws Exception {
        Transport client = directClient();
        Transport st = serverSide;
        Engines.of(client).send(new byte[]{(byte) m});
        assertServerCause(st, PROTOCOL_ERROR, MessageNumbers.name(m), "before a service was requested");
        awaitClosed(client, STEP);
        DisconnectException de = assertInstanceOf(DisconnectException.class, client.closeCause(),
                "the client did not receive the server's DISCONNECT");
        assertTrue(de.fromPeer());
        assertEquals(PROTOCOL_ERROR, de.code());
        assertTrue(de.description().contains(MessageNumbers.name(m)), de::description);
    }

    @ParameterizedTest(name = "message {0} after the service started, before authentication")
    @ValueSource(ints = {50, 60, 90, 128, 200, 255})
    void unknownMessageBeforeAuthenticationIsRefused(int m) throws Exception {
        Transport client = directClient();
        Transport st = serverSide;
        Engines.of(client).requestService("ssh-userauth", STEP);
        Engines.of(client).send(new byte[]{(byte) m});
        assertServerCause(st, PROTOCOL_ERROR, MessageNumbers.name(m), "before authentication");
        assertClientGotDisconnect(client, PROTOCOL_ERROR);
    }

    @ParameterizedTest(name = "message {0}")
    @ValueSource(ints = {0, 8, 9, 15, 19, 22, 29})
    void unassignedTransportMessageIsRefused(int m) throws Exception {
        Transport client = directClient();
        Transport st = serverSide;
        Engines.of(client).send(new byte[]{(byte) m, 1, 2, 3});
        assertServerCause(st, PROTOCOL_ERROR, MessageNumbers.name(m), "before authentication");
        assertClientGotDisconnect(client, PROTOCOL_ERROR);
    }

    @Test
    void unknownServiceIsRefused() throws Exception {
        Transport client = directClient();
        Transport st = serverSide;
        SshException e = assertThrows(SshException.class, () -> Engines.of(client).requestService("no-such-service", STEP));
        assertTrue(e.getMessage().contains("no-such-service"), e::getMessage);
        assertServerCause(st, DisconnectReason.SERVICE_NOT_AVAILABLE.code(), "no-such-service");
        assertClientGotDisconnect(client, DisconnectReason.SERVICE_NOT_AVAILABLE.code());
    }

    @Test
    void clientRefusesToSendKexMessagesThroughSend() throws Exception {
        Transport client = directClient();
        for (int m : new int[]{20, 21, 30, 49}) {
            assertThrows(IllegalArgumentException.class, () -> Engines.of(client).send(new byte[]{(byte) m}));
        }
        assertTrue(client.isActive());
    }
}
