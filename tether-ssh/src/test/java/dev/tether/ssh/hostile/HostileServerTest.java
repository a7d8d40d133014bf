package dev.tether.ssh.hostile;

import dev.tether.ssh.Transport;
import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.wire.MessageNumbers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.tether.ssh.hostile.HostileSupport.STEP;
import static dev.tether.ssh.hostile.HostileSupport.assertServerCause;
import static dev.tether.ssh.hostile.HostileSupport.awaitClosed;
import static dev.tether.ssh.hostile.ScriptedPeer.concat;
import static dev.tether.ssh.hostile.ScriptedPeer.ecdhInit;
import static dev.tether.ssh.hostile.ScriptedPeer.kexInit;
import static dev.tether.ssh.hostile.ScriptedPeer.packet;
import static dev.tether.ssh.hostile.ScriptedPeer.rawPacket;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile input before NEWKEYS, from a {@link ScriptedPeer} against a real server: every
 * malformed, oversized or out-of-order input must end the connection with a DISCONNECT whose
 * reason code and description name the problem, the server must close the socket, and nothing
 * may escape as an exception.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HostileServerTest {
    private static final int PROTOCOL_ERROR = DisconnectReason.PROTOCOL_ERROR.code();
    private static final int KEY_EXCHANGE_FAILED = DisconnectReason.KEY_EXCHANGE_FAILED.code();
    private static final int VERSION_NOT_SUPPORTED = DisconnectReason.PROTOCOL_VERSION_NOT_SUPPORTED.code();
    /** What a KEXINIT offers in the lists a test does not vary: the server accepts each. */
    private static final List<String> KEX = List.of("curve25519-sha256");
    private static final List<String> HOST_KEYS = List.of("ssh-ed25519");
    private static final List<String> CIPHERS = List.of("aes128-ctr");
    private static final List<String> MACS = List.of("hmac-sha2-256");
    private static final List<String> COMPRESSION = List.of("none");

    private static TestSshServer server;
    private ScriptedPeer peer;
    /** The server's side of {@link #peer}'s connection. */
    private Transport serverSide;

    @BeforeAll
    static void startServer() throws IOException {
        HostileSupport.EscapeWatch.install();
        server = TestSshServer.start("127.0.0.1", 0, HostileSupport.serverConfig().build());
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
    void checkClean() throws InterruptedException {
        if (peer != null) {
            peer.close();
        }
        HostileSupport.assertServerClean(server);
    }

    private ScriptedPeer connect() throws IOException {
        peer = ScriptedPeer.connect(server.port());
        serverSide = server.nextAccepted(STEP);
        return peer;
    }

    private ScriptedPeer connectWithVersion() throws IOException {
        connect();
        peer.sendVersion();
        peer.readVersion();
        return peer;
    }

    /**
     * The core assertion: the server's DISCONNECT carries {@code code} and a description naming
     * the problem, the server then closes the socket, and its side of the connection ended with
     * the same reason.
     */
    private ScriptedPeer.Disconnect expectDisconnect(int code, String... words) throws Exception {
        if (peer.serverVersion == null) {
            peer.readVersion();
        }
        ScriptedPeer.Disconnect d = peer.readDisconnect();
        assertEquals(code, d.code(), () -> "DISCONNECT " + d);
        for (String w : words) {
            assertTrue(d.description().contains(w), () -> "DISCONNECT description \"" + d.description() + "\" does not mention \"" + w + "\"");
        }
        peer.expectClosed();
        assertServerCause(serverSide, code, words);
        return d;
    }

    /** After KEXINIT ({@code strict}: offering strict KEX), {@code packet} while the key exchange runs. */
    private void sendDuringKex(boolean strict, byte[] packet) throws IOException {
        connectWithVersion();
        peer.sendPacket(kexInit(strict));
        peer.sendPacket(packet);
    }

    /** Our half-close: the server must close quietly, its side ending with an EOFException (returned). */
    private Throwable shutdownOutputAndExpectEof() throws Exception {
        peer.shutdownOutput();
        Throwable cause = expectQuietClose();
        assertInstanceOf(EOFException.class, cause, () -> "cause " + cause);
        return cause;
    }

    /** Our abrupt close: the server's side must end, with an IOException. */
    private void closeAndExpectCleanUp() {
        Transport st = serverSide;
        peer.close();
        awaitClosed(st, STEP);
        assertInstanceOf(IOException.class, st.closeCause(), () -> "cause " + st.closeCause());
    }

    /** {@code length} bytes that start as a TLS ClientHello, with no newline anywhere. */
    private static byte[] tlsClientHello(int length) {
        byte[] junk = new byte[length];
        byte[] hello = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03};
        System.arraycopy(hello, 0, junk, 0, hello.length);
        return junk;
    }

    /** Sends a KEXINIT near the packet limit and reads the server's DISCONNECT, which must be readable. */
    private ScriptedPeer.Disconnect disconnectAfterHugeKexinit(byte[] kexinit) throws Exception {
        connectWithVersion().sendPacket(kexinit);
        try {
            return peer.readDisconnect();
        } catch (AssertionError e) {
            throw new AssertionError("could not read the server's DISCONNECT after a " + kexinit.length
                    + "-byte KEXINIT: " + e.getMessage(), e);
        }
    }

    /** A server that gives every handshake one second. */
    private static TestSshServer quickServer() throws IOException {
        return TestSshServer.start("127.0.0.1", 0, HostileSupport.serverConfig().handshakeTimeout(Duration.ofSeconds(1)).build());
    }

    /** The server must close without a DISCONNECT (nobody to send it to) and clean up. */
    private Throwable expectQuietClose() throws Exception {
        if (peer.serverVersion == null) {
            peer.readVersion();
        }
        List<Integer> types = peer.drainPacketsUntilClosed();
        assertFalse(types.contains(1), () -> "unexpected DISCONNECT; server sent " + types);
        awaitClosed(serverSide, STEP);
        return serverSide.closeCause();
    }

    // ------------------------------------------------------------------ identification line

    @Test
    void protocolVersion15IsRefusedWithCode8() throws Exception {
        connect().sendVersion("SSH-1.5-x");
        expectDisconnect(VERSION_NOT_SUPPORTED, "1.5", "2.0");
    }

    /**
     * The same refusal 200 times in a row: the DISCONNECT must be on the wire before the socket
     * closes every time, not only when the writer thread happens to lose a race.
     */
    @Test
    void disconnectAlwaysPrecedesTheClose() throws Exception {
        int missing = 0;
        StringBuilder seen = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            try (ScriptedPeer p = ScriptedPeer.connect(server.port())) {
                server.nextAccepted(STEP);
                p.sendVersion("SSH-1.5-x");
                p.readVersion();
                try {
                    ScriptedPeer.Disconnect d = p.readDisconnect();
                    assertEquals(VERSION_NOT_SUPPORTED, d.code());
                } catch (AssertionError e) {
                    missing++;
                    if (seen.length() == 0) {
                        seen.append(e.getMessage());
                    }
                }
                p.expectClosed();
            }
        }
        for (Transport t : server.all()) {
            awaitClosed(t, STEP);
        }
        int m = missing;
        assertEquals(0, m, () -> m + " of 200 connections were closed without the DISCONNECT (first: " + seen + ")");
    }

    @Test
    void protocolVersion10IsRefusedWithCode8() throws Exception {
        connect().sendVersion("SSH-1.0-OldClient");
        expectDisconnect(VERSION_NOT_SUPPORTED, "1.0");
    }

    @Test
    void protocolVersion199IsAccepted() throws Exception {
        connect().sendVersion("SSH-1.99-Compat");
        peer.readVersion();
        peer.expectPacket(MessageNumbers.KEXINIT);
    }

    @Test
    void versionLineOver255BytesIsRefused() throws Exception {
        connect().sendVersion("SSH-2.0-" + "a".repeat(300));
        expectDisconnect(PROTOCOL_ERROR, "longer than 255");
    }

    @Test
    void preVersionLineOver255BytesIsRefused() throws Exception {
        connect().sendRaw(("x".repeat(300) + "\r\n" + ScriptedPeer.VERSION + "\r\n").getBytes(StandardCharsets.US_ASCII));
        expectDisconnect(PROTOCOL_ERROR, "longer than 255");
    }

    @Test
    void versionLineOfExactly255BytesIsAccepted() throws Exception {
        String line = "SSH-2.0-" + "b".repeat(255 - 2 - 8);
        assertEquals(255, line.length() + 2);
        connect().sendVersion(line);
        peer.readVersion();
        peer.expectPacket(MessageNumbers.KEXINIT);
    }

    @Test
    void versionLineOf256BytesIsRefused() throws Exception {
        connect().sendVersion("SSH-2.0-" + "b".repeat(256 - 2 - 8));
        expectDisconnect(PROTOCOL_ERROR, "longer than 255");
    }

    @Test
    void tooManyLinesBeforeTheVersionAreRefused() throws Exception {
        connect().sendRaw(("hello\r\n".repeat(65) + ScriptedPeer.VERSION + "\r\n").getBytes(StandardCharsets.US_ASCII));
        expectDisconnect(PROTOCOL_ERROR, "more than 64 lines");
    }

    @Test
    void anEndlessStreamOfLinesIsCutOff() throws Exception {
        connect();
        CompletableFuture<Boolean> flood = peer.sendRawAsync("banner line\r\n".repeat(100_000).getBytes(StandardCharsets.US_ASCII));
        expectDisconnect(PROTOCOL_ERROR, "more than 64 lines");
        flood.get(STEP.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Test
    void sixtyFourLinesBeforeTheVersionAreAccepted() throws Exception {
        connect().sendRaw(("hello\r\n".repeat(64) + ScriptedPeer.VERSION + "\r\n").getBytes(StandardCharsets.US_ASCII));
        peer.readVersion();
        peer.expectPacket(MessageNumbers.KEXINIT);
    }

    @Test
    void nulByteInTheVersionLineIsRefused() throws Exception {
        connect().sendRaw("SSH-2.0-ab\0cd\r\n".getBytes(StandardCharsets.US_ASCII));
        expectDisconnect(PROTOCOL_ERROR, "NUL");
    }

    @Test
    void nulByteInALineBeforeTheVersionIsRefused() throws Exception {
        connect().sendRaw(("hello\0world\r\n" + ScriptedPeer.VERSION + "\r\n").getBytes(StandardCharsets.US_ASCII));
        expectDisconnect(PROTOCOL_ERROR, "NUL");
    }

    @Test
    void controlCharacterInTheVersionLineIsRefused() throws Exception {
        connect().sendRaw("SSH-2.0-ab\u0001cd\r\n".getBytes(StandardCharsets.US_ASCII));
        expectDisconnect(PROTOCOL_ERROR, "non-printable");
    }

    @Test
    void versionWithoutSoftwareFieldIsRefused() throws Exception {
        connect().sendVersion("SSH-2.0");
        expectDisconnect(PROTOCOL_ERROR, "malformed identification");
    }

    @Test
    void binaryGarbageInsteadOfAVersionLineIsRefused() throws Exception {
        // padded well past 255 bytes
        connect().sendRaw(tlsClientHello(600));
        expectDisconnect(PROTOCOL_ERROR, "identification");
    }

    @Test
    void eofBeforeTheVersionLineJustCloses() throws Exception {
        connect();
        Throwable cause = shutdownOutputAndExpectEof();
        assertTrue(cause.getMessage().contains("before the peer sent its identification"), cause::getMessage);
    }

    @Test
    void eofInTheMiddleOfTheVersionLineJustCloses() throws Exception {
        connect().sendRaw("SSH-2.0-Half".getBytes(StandardCharsets.US_ASCII));
        shutdownOutputAndExpectEof();
    }

    @Test
    void abruptCloseBeforeTheVersionIsCleanedUp() throws Exception {
        connect();
        closeAndExpectCleanUp();
    }

    // ------------------------------------------------------------------ binary packet framing

    @Test
    void truncatedPacketThenEofIsCleanedUp() throws Exception {
        byte[] full = packet(kexInit(false));
        connectWithVersion().sendRaw(java.util.Arrays.copyOf(full, full.length / 2));
        Throwable cause = shutdownOutputAndExpectEof();
        assertTrue(cause.getMessage().contains("middle of a packet"), cause::getMessage);
    }

    @Test
    void truncatedPacketThenAbruptCloseIsCleanedUp() throws Exception {
        byte[] full = packet(kexInit(false));
        connectWithVersion().sendRaw(java.util.Arrays.copyOf(full, full.length / 2));
        closeAndExpectCleanUp();
    }

    @ParameterizedTest(name = "packet_length {0}")
    @ValueSource(longs = {0x7fffffffL, 300_000L, 262_148L, 0xffffffffL, 0x80000000L})
    void oversizedPacketLengthIsRefusedBeforeTheBodyArrives(long length) throws Exception {
        // Only the length field (and one byte): a server that waited for the body would hang here.
        connectWithVersion().sendRaw(new byte[]{(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length, 4});
        expectDisconnect(PROTOCOL_ERROR, "bad packet length " + length);
    }

    @ParameterizedTest(name = "packet_length {0}")
    @ValueSource(ints = {0, 1, 4})
    void tooShortPacketLengthIsRefused(int length) throws Exception {
        connectWithVersion().sendRaw(concat(new byte[]{0, 0, 0, (byte) length}, new byte[12]));
        expectDisconnect(PROTOCOL_ERROR, "bad packet length " + length);
    }

    @Test
    void largestPacketIsAccepted() throws Exception {
        // packet_length 262140 is the largest multiple-of-8 total under the 256 KiB limit.
        int len = 262_140;
        byte[] payload = new byte[len - 1 - 7];
        payload[0] = MessageNumbers.IGNORE;
        int dataLen = payload.length - 5;
        payload[1] = (byte) (dataLen >>> 24);
        payload[2] = (byte) (dataLen >>> 16);
        payload[3] = (byte) (dataLen >>> 8);
        payload[4] = (byte) dataLen;
        byte[] big = rawPacket(len, 7, payload, new byte[7]);
        assertEquals(0, big.length % 8);
        connectWithVersion().sendRaw(big);
        KeyPair x = ScriptedPeer.x25519();
        peer.sendPacket(kexInit(false));
        peer.sendPacket(ecdhInit(ScriptedPeer.x25519Public(x)));
        peer.expectPacket(MessageNumbers.KEXINIT);
        peer.expectPacket(MessageNumbers.KEX_ECDH_REPLY);
    }

    @Test
    void packetLengthNotAMultipleOfTheBlockSizeIsRefused() throws Exception {
        connectWithVersion().sendRaw(rawPacket(13, 4, new byte[]{2, 0, 0, 0, 3, 1, 2, 3}, new byte[4]));
        expectDisconnect(PROTOCOL_ERROR, "not a multiple of the cipher block size");
    }

    @Test
    void paddingShorterThanFourIsRefused() throws Exception {
        byte[] p = packet(new byte[]{2, 0, 0, 0, 3, 1, 2, 3}, 3);
        assertEquals(16, p.length);
        connectWithVersion().sendRaw(p);
        expectDisconnect(PROTOCOL_ERROR, "padding length 3");
    }

    @Test
    void paddingFillingThePacketIsRefused() throws Exception {
        connectWithVersion().sendRaw(rawPacket(12, 11, new byte[0], new byte[11]));
        expectDisconnect(PROTOCOL_ERROR, "padding length 11", "no payload");
    }

    @Test
    void paddingLongerThanThePacketIsRefused() throws Exception {
        connectWithVersion().sendRaw(rawPacket(12, 255, new byte[0], new byte[11]));
        expectDisconnect(PROTOCOL_ERROR, "padding length 255");
    }

    @Test
    void httpRequestAfterTheVersionLineIsRefused() throws Exception {
        connectWithVersion().sendRaw("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        expectDisconnect(PROTOCOL_ERROR, "bad packet length");
    }

    @Test
    void tlsHandshakeAfterTheVersionLineIsRefused() throws Exception {
        connectWithVersion().sendRaw(tlsClientHello(512));
        expectDisconnect(PROTOCOL_ERROR, "bad packet length");
    }

    @Test
    void wellFramedMessageZeroIsRefused() throws Exception {
        connectWithVersion().sendPacket(new byte[]{0, 1, 2, 3});
        expectDisconnect(PROTOCOL_ERROR, "MSG_0");
    }

    // ------------------------------------------------------------------ KEXINIT floods and malformed KEXINIT

    @Test
    void secondKexinitIsRefused() throws Exception {
        sendDuringKex(false, kexInit(false));
        expectDisconnect(PROTOCOL_ERROR, "KEXINIT during a key exchange");
    }

    @Test
    void thousandKexinitsEndTheConnectionWithoutAHang() throws Exception {
        connectWithVersion();
        byte[] one = packet(kexInit(false));
        byte[] flood = new byte[one.length * 1000];
        for (int i = 0; i < 1000; i++) {
            System.arraycopy(one, 0, flood, i * one.length, one.length);
        }
        CompletableFuture<Boolean> sent = peer.sendRawAsync(flood);
        expectDisconnect(PROTOCOL_ERROR, "KEXINIT during a key exchange");
        sent.get(STEP.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Test
    void kexinitWithOnlyACookieIsRefused() throws Exception {
        connectWithVersion().sendPacket(concat(new byte[]{20}, new byte[16]));
        expectDisconnect(PROTOCOL_ERROR, "truncated");
    }

    @Test
    void kexinitWithAHugeNameListLengthIsRefused() throws Exception {
        byte[] p = new SshWriter(64).byteValue(20).raw(new byte[16]).uint32(0x40000000).raw(new byte[20]).toByteArray();
        connectWithVersion().sendPacket(p);
        expectDisconnect(PROTOCOL_ERROR, "truncated");
    }

    @Test
    void kexinitWithAnEmptyNameIsRefused() throws Exception {
        connectWithVersion().sendPacket(kexInit(List.of("curve25519-sha256", "", "x"), HOST_KEYS,
                CIPHERS, MACS, COMPRESSION, false));
        expectDisconnect(PROTOCOL_ERROR, "empty name");
    }

    @Test
    void kexinitWithNonAsciiNamesIsRefused() throws Exception {
        connectWithVersion().sendPacket(kexInit(List.of("curve25519-sha256\u00e9"), HOST_KEYS,
                CIPHERS, MACS, COMPRESSION, false));
        expectDisconnect(PROTOCOL_ERROR, "US-ASCII");
    }

    @Test
    void hugeKexListIsRefusedWithADisconnectAPeerCanRead() throws Exception {
        // A KEXINIT at the 256 KiB packet limit whose kex list matches nothing. The server's
        // DISCONNECT names the lists, but must stay a packet that SSH implementations can
        // process: RFC 4253 section 6.1 only guarantees 35000 bytes, and Tether's own
        // PacketReader refuses anything over 256 KiB.
        int base = kexInit(List.of(), HOST_KEYS, CIPHERS, MACS, COMPRESSION, false).length;
        int count = (262_100 + 1 - base) / 30; // each name is 29 characters plus a comma
        List<String> names = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add(String.format("no-such-kex-%05d@example.com", i));
        }
        byte[] p = kexInit(names, HOST_KEYS, CIPHERS, MACS, COMPRESSION, false);
        assertTrue(p.length <= 262_100, "KEXINIT of " + p.length);
        ScriptedPeer.Disconnect d = disconnectAfterHugeKexinit(p);
        assertEquals(KEY_EXCHANGE_FAILED, d.code(), () -> "code " + d.code());
        assertTrue(d.description().contains("no-such-kex-00000@example.com"), "description does not name the client's list");
        int size = peer.lastPacketLength;
        int chars = d.description().length();
        assertTrue(size <= 35_000, () -> "the server's DISCONNECT is a " + size + "-byte packet echoing the peer's list "
                + "(description of " + chars + " chars); RFC 4253 6.1 only guarantees 35000");
        peer.expectClosed();
        assertServerCause(serverSide, KEY_EXCHANGE_FAILED, "no-such-kex-00000@example.com");
    }

    @Test
    void hugeMalformedNameListIsRefusedWithADisconnectAPeerCanRead() throws Exception {
        // The same echo through another path: a name-list with an empty name at its very end.
        String list = "x".repeat(261_000) + ",";
        byte[] p = new SshWriter(262_144).byteValue(20).raw(new byte[16]).string(list).toByteArray();
        ScriptedPeer.Disconnect d = disconnectAfterHugeKexinit(p);
        assertEquals(PROTOCOL_ERROR, d.code(), () -> "code " + d.code());
        int size = peer.lastPacketLength;
        assertTrue(size <= 35_000, () -> "the server's DISCONNECT is a " + size + "-byte packet echoing the peer's name-list");
        peer.expectClosed();
        assertServerCause(serverSide, PROTOCOL_ERROR, "empty name");
    }

    // ------------------------------------------------------------------ no common algorithm

    @Test
    void noCommonKexMethodFailsNamingBothLists() throws Exception {
        connectWithVersion().sendPacket(kexInit(List.of("no-such-kex@example.com", "diffie-hellman-group1-sha1"),
                HOST_KEYS, CIPHERS, MACS, COMPRESSION, false));
        expectDisconnect(KEY_EXCHANGE_FAILED, "kex", "no-such-kex@example.com,diffie-hellman-group1-sha1", "curve25519-sha256");
    }

    @Test
    void onlyPseudoKexNamesFail() throws Exception {
        connectWithVersion().sendPacket(kexInit(List.of("ext-info-c", "kex-strict-c-v00@openssh.com"),
                HOST_KEYS, CIPHERS, MACS, COMPRESSION, false));
        expectDisconnect(KEY_EXCHANGE_FAILED, "kex", "curve25519-sha256");
    }

    @Test
    void noCommonCipherFailsNamingBothLists() throws Exception {
        connectWithVersion().sendPacket(kexInit(KEX, HOST_KEYS, List.of("aes128-cbc", "3des-cbc"), MACS, COMPRESSION, false));
        expectDisconnect(KEY_EXCHANGE_FAILED, "cipher", "aes128-cbc,3des-cbc", "chacha20-poly1305@openssh.com");
    }

    @Test
    void noCommonMacFailsNamingBothLists() throws Exception {
        connectWithVersion().sendPacket(kexInit(KEX, HOST_KEYS, CIPHERS, List.of("hmac-md5"), COMPRESSION, false));
        expectDisconnect(KEY_EXCHANGE_FAILED, "MAC", "hmac-md5", "hmac-sha2-256");
    }

    @Test
    void noCommonHostKeyAlgorithmFailsNamingBothLists() throws Exception {
        connectWithVersion().sendPacket(kexInit(KEX, List.of("ssh-dss"), CIPHERS, MACS, COMPRESSION, false));
        expectDisconnect(KEY_EXCHANGE_FAILED, "host key", "ssh-dss", "ssh-ed25519");
    }

    @Test
    void noCommonCompressionFailsNamingBothLists() throws Exception {
        connectWithVersion().sendPacket(kexInit(KEX, HOST_KEYS, CIPHERS, MACS, List.of("lz4@example.com"), false));
        expectDisconnect(KEY_EXCHANGE_FAILED, "compression", "lz4@example.com", "none");
    }

    // ------------------------------------------------------------------ strict KEX ordering

    @Test
    void strictKexIgnoreBeforeKexinitIsRefused() throws Exception {
        connectWithVersion();
        peer.sendPacket(ScriptedPeer.ignore(8));
        peer.sendPacket(kexInit(true));
        expectDisconnect(PROTOCOL_ERROR, "strict KEX", "first packet was not KEXINIT");
    }

    @Test
    void strictKexDebugBeforeKexinitIsRefused() throws Exception {
        connectWithVersion();
        peer.sendPacket(ScriptedPeer.debug("hello"));
        peer.sendPacket(kexInit(true));
        expectDisconnect(PROTOCOL_ERROR, "strict KEX", "first packet was not KEXINIT");
    }

    @Test
    void strictKexIgnoreDuringKexIsRefused() throws Exception {
        sendDuringKex(true, ScriptedPeer.ignore(8));
        expectDisconnect(PROTOCOL_ERROR, "strict KEX", "IGNORE");
    }

    @Test
    void strictKexDebugDuringKexIsRefused() throws Exception {
        sendDuringKex(true, ScriptedPeer.debug("hello"));
        expectDisconnect(PROTOCOL_ERROR, "strict KEX", "DEBUG");
    }

    @Test
    void strictKexUnimplementedDuringKexIsRefused() throws Exception {
        sendDuringKex(true, new byte[]{3, 0, 0, 0, 0});
        expectDisconnect(PROTOCOL_ERROR, "strict KEX", "UNIMPLEMENTED");
    }

    @Test
    void strictKexServiceRequestDuringKexIsRefused() throws Exception {
        sendDuringKex(true, ScriptedPeer.serviceRequest("ssh-userauth"));
        expectDisconnect(PROTOCOL_ERROR, "SERVICE_REQUEST");
    }

    @Test
    void strictKexChannelOpenDuringKexIsRefused() throws Exception {
        sendDuringKex(true, ScriptedPeer.channelOpen());
        expectDisconnect(PROTOCOL_ERROR, "CHANNEL_OPEN");
    }

    @Test
    void strictKexIgnoreBetweenEcdhInitAndNewkeysIsRefused() throws Exception {
        connectWithVersion();
        peer.sendPacket(kexInit(true));
        peer.sendPacket(ecdhInit(ScriptedPeer.x25519Public(ScriptedPeer.x25519())));
        peer.sendPacket(ScriptedPeer.ignore(8));
        // The server has switched to its new keys after its NEWKEYS, so its DISCONNECT is
        // encrypted: check that it got that far, then that it closed, and why.
        peer.expectPacket(MessageNumbers.KEXINIT);
        peer.expectPacket(MessageNumbers.KEX_ECDH_REPLY);
        peer.expectPacket(ScriptedPeer.NEWKEYS);
        peer.drainRawUntilClosed();
        assertServerCause(serverSide, PROTOCOL_ERROR, "strict KEX", "IGNORE");
    }

    @Test
    void serviceRequestDuringKexIsRefusedWithoutStrictKexToo() throws Exception {
        sendDuringKex(false, ScriptedPeer.serviceRequest("ssh-userauth"));
        expectDisconnect(PROTOCOL_ERROR, "SERVICE_REQUEST");
    }

    @Test
    void withoutStrictKexIgnoreAndDebugDuringKexAreFine() throws Exception {
        connectWithVersion();
        peer.sendPacket(ScriptedPeer.ignore(16));
        peer.sendPacket(kexInit(false));
        peer.sendPacket(ScriptedPeer.ignore(16));
        peer.sendPacket(ScriptedPeer.debug("still here"));
        peer.sendPacket(new byte[]{3, 0, 0, 0, 7});
        peer.sendPacket(ecdhInit(ScriptedPeer.x25519Public(ScriptedPeer.x25519())));
        peer.expectPacket(MessageNumbers.KEXINIT);
        byte[] reply = peer.expectPacket(MessageNumbers.KEX_ECDH_REPLY);
        assertTrue(reply.length > 32 + 12);
        // And the server goes on to NEWKEYS, i.e. the exchange really completed on its side.
        peer.expectPacket(ScriptedPeer.NEWKEYS);
    }

    // ------------------------------------------------------------------ key exchange messages

    @Test
    void newkeysRightAfterKexinitIsRefused() throws Exception {
        sendDuringKex(false, new byte[]{21});
        expectDisconnect(PROTOCOL_ERROR, "NEWKEYS before the key exchange finished");
    }

    @Test
    void ecdhInitBeforeKexinitIsRefused() throws Exception {
        connectWithVersion().sendPacket(ecdhInit(new byte[32]));
        expectDisconnect(PROTOCOL_ERROR, "KEX_METHOD_30", "before the key exchange completed");
    }

    @Test
    void wrongKexMethodMessageIsRefused() throws Exception {
        sendDuringKex(false, new SshWriter(64).byteValue(31).string(new byte[32]).toByteArray());
        expectDisconnect(PROTOCOL_ERROR, "expected message 30, got 31");
    }

    @Test
    void shortX25519PublicValueFailsTheKeyExchange() throws Exception {
        sendDuringKex(false, ecdhInit(new byte[31]));
        expectDisconnect(KEY_EXCHANGE_FAILED, "32 bytes");
    }

    @Test
    void lowOrderX25519PublicValueFailsTheKeyExchange() throws Exception {
        connectWithVersion();
        peer.sendPacket(kexInit(false));
        peer.sendPacket(ecdhInit(new byte[32])); // u = 0: the shared secret would be all zeros
        expectDisconnect(KEY_EXCHANGE_FAILED, "X25519");
    }

    @Test
    void ecdhInitWithTrailingBytesIsRefused() throws Exception {
        sendDuringKex(false, concat(ecdhInit(ScriptedPeer.x25519Public(ScriptedPeer.x25519())), new byte[]{0}));
        expectDisconnect(PROTOCOL_ERROR, "trailing");
    }

    @Test
    void ecdhInitWithATruncatedStringIsRefused() throws Exception {
        sendDuringKex(false, new SshWriter(16).byteValue(30).uint32(32).raw(new byte[5]).toByteArray());
        expectDisconnect(PROTOCOL_ERROR, "truncated");
    }

    // ------------------------------------------------------------------ unknown and out-of-place messages

    @ParameterizedTest(name = "message {0} as the first packet")
    @ValueSource(ints = {0, 5, 6, 7, 8, 9, 19, 21, 22, 29, 30, 31, 49, 50, 52, 60, 79, 80, 90, 94, 128, 192, 193, 200, 255})
    void unknownOrPrematureMessageBeforeKexIsRefused(int m) throws Exception {
        connectWithVersion().sendPacket(new byte[]{(byte) m, 0, 0, 0, 0});
        expectDisconnect(PROTOCOL_ERROR, MessageNumbers.name(m), "before the key exchange completed");
    }

    @ParameterizedTest(name = "message {0} during the key exchange")
    @ValueSource(ints = {0, 6, 7, 50, 60, 79, 80, 90, 128, 192, 200, 255})
    void unknownMessageDuringKexIsRefused(int m) throws Exception {
        sendDuringKex(false, new byte[]{(byte) m, 0, 0, 0, 0});
        expectDisconnect(PROTOCOL_ERROR, MessageNumbers.name(m), "during a key exchange");
    }

    @Test
    void peerDisconnectIsHonouredQuietly() throws Exception {
        connectWithVersion().sendPacket(new SshWriter(64).byteValue(1).uint32(11).string("bye").string("").toByteArray());
        Throwable cause = expectQuietClose();
        assertInstanceOf(dev.tether.ssh.common.DisconnectException.class, cause);
        assertTrue(((dev.tether.ssh.common.DisconnectException) cause).fromPeer());
    }

    @Test
    void malformedPeerDisconnectIsRefused() throws Exception {
        connectWithVersion().sendPacket(new byte[]{1, 0, 0});
        expectDisconnect(PROTOCOL_ERROR, "truncated");
    }

    // ------------------------------------------------------------------ the handshake deadline

    @Test
    void silentPeerIsDisconnectedAtTheHandshakeDeadline() throws Exception {
        try (TestSshServer quick = quickServer()) {
            Transport st;
            try (ScriptedPeer p = ScriptedPeer.connect(quick.port())) {
                st = quick.nextAccepted(STEP);
                p.readVersion();
                long t0 = System.nanoTime();
                ScriptedPeer.Disconnect d = p.readDisconnect();
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(PROTOCOL_ERROR, d.code(), d::toString);
                assertTrue(d.description().contains("did not complete within"), d::description);
                assertTrue(ms < 4000, "took " + ms + " ms");
                p.expectClosed();
            }
            assertServerCause(st, PROTOCOL_ERROR, "did not complete within");
        }
    }

    @Test
    void slowLorisKexIsDisconnectedAtTheHandshakeDeadline() throws Exception {
        try (TestSshServer quick = quickServer()) {
            Transport st;
            try (ScriptedPeer p = ScriptedPeer.connect(quick.port())) {
                st = quick.nextAccepted(STEP);
                p.sendVersion();
                p.readVersion();
                p.sendPacket(kexInit(false));
                // never send the ECDH init
                ScriptedPeer.Disconnect d = p.readDisconnect();
                assertEquals(PROTOCOL_ERROR, d.code(), d::toString);
                assertTrue(d.description().contains("did not complete within"), d::description);
                p.expectClosed();
            }
            assertServerCause(st, PROTOCOL_ERROR, "did not complete within");
        }
    }
}
