package dev.tether.ssh.transport;

import dev.tether.ssh.transport.ProxyProtocol.BadHeaderException;
import dev.tether.ssh.transport.ProxyProtocol.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The PROXY protocol parser: valid v1 and v2 headers, exact reads, and every kind of bad header. */
class ProxyProtocolTest {
    private static final byte[] SSH_LINE = "SSH-2.0-OpenSSH_9.2\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SIG = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final InetSocketAddress REAL = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);

    // ------------------------------------------------------------------ helpers

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A v2 header: version/command byte, family/transport byte, then the body (its length is set). */
    static byte[] v2(int verCmd, int famProto, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(16 + body.length);
        b.put(SIG).put((byte) verCmd).put((byte) famProto).putShort((short) body.length).put(body);
        return b.array();
    }

    static byte[] inetBody(String src, String dst, int srcPort, int dstPort, byte[] tlvs) throws IOException {
        byte[] s = InetAddress.getByName(src).getAddress();
        byte[] d = InetAddress.getByName(dst).getAddress();
        ByteBuffer b = ByteBuffer.allocate(2 * s.length + 4 + tlvs.length);
        b.put(s).put(d).putShort((short) srcPort).putShort((short) dstPort).put(tlvs);
        return b.array();
    }

    static byte[] tlv(int type, byte[] value) {
        return ByteBuffer.allocate(3 + value.length).put((byte) type).putShort((short) value.length).put(value).array();
    }

    /** Parses {@code header} followed by an SSH line, and checks that the SSH line is left unread. */
    private static Header parse(byte[] header) throws IOException {
        ByteArrayInputStream in = new ByteArrayInputStream(concat(header, SSH_LINE));
        Header h = ProxyProtocol.read(in);
        assertArrayEquals(SSH_LINE, in.readAllBytes(), "the parser must stop exactly at the header's end");
        assertEquals(header.length, h.length());
        return h;
    }

    private static String bad(byte[] input) {
        return assertThrows(BadHeaderException.class, () -> ProxyProtocol.read(new ByteArrayInputStream(input)))
                .getMessage();
    }

    private static void assertBad(byte[] input, String fragment) {
        String m = bad(input);
        assertTrue(m.contains(fragment), "message \"" + m + "\" should contain \"" + fragment + "\"");
    }

    // ------------------------------------------------------------------ v1

    @Test
    void v1Tcp4() throws IOException {
        Header h = parse(ascii("PROXY TCP4 203.0.113.7 192.0.2.1 56324 22\r\n"));
        assertEquals(1, h.version());
        assertEquals(new InetSocketAddress("203.0.113.7", 56324), h.source());
        assertEquals(new InetSocketAddress("192.0.2.1", 22), h.destination());
        assertEquals(h.source(), h.effectiveSource(REAL));
    }

    @Test
    void v1Tcp6() throws IOException {
        Header h = parse(ascii("PROXY TCP6 2001:db8::7 2001:DB8:0:0:0:0:0:1 0 65535\r\n"));
        assertEquals(new InetSocketAddress(InetAddress.getByName("2001:db8::7"), 0), h.source());
        assertEquals(new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 65535), h.destination());
        Header full = parse(ascii("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff :: 65535 1\r\n"));
        assertEquals(InetAddress.getByName("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), full.source().getAddress());
        assertEquals(InetAddress.getByName("::"), full.destination().getAddress());
        // an IPv4 client seen by a proxy listening on IPv6
        Header mapped = parse(ascii("PROXY TCP6 ::ffff:203.0.113.7 ::1 1000 22\r\n"));
        assertEquals("203.0.113.7", mapped.source().getAddress().getHostAddress());
        Header tail = parse(ascii("PROXY TCP6 64:ff9b::203.0.113.7 1:2:3:4:5:6:7:8 1000 22\r\n"));
        assertEquals(InetAddress.getByName("64:ff9b::cb00:7107"), tail.source().getAddress());
    }

    @Test
    void v1UnknownUsesTheRealAddress() throws IOException {
        Header h = parse(ascii("PROXY UNKNOWN\r\n"));
        assertNull(h.source());
        assertEquals(REAL, h.effectiveSource(REAL));
        // whatever follows UNKNOWN is ignored, up to the 107-byte limit
        String longest = "PROXY UNKNOWN " + "x".repeat(107 - 16) + "\r\n";
        assertEquals(107, longest.length());
        assertNull(parse(ascii(longest)).source());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "SSH-2.0-OpenSSH_9.2\r\n",
        "GET / HTTP/1.1\r\n",
        "PROXX TCP4 1.2.3.4 1.2.3.4 1 2\r\n",
        "PROXYTCP4 1.2.3.4 1.2.3.4 1 2\r\n",
        "proxy TCP4 1.2.3.4 1.2.3.4 1 2\r\n",
    })
    void wrongSignatureIsRefused(String input) {
        String m = bad(ascii(input));
        assertTrue(m.contains("no header") || m.contains("does not start with \"PROXY \""), m);
    }

    @Test
    void aDirectSshClientIsNamedInTheMessage() {
        assertBad(SSH_LINE, "as an SSH identification line would");
    }

    @Test
    void v1FramingErrors() {
        assertBad(ascii("PROXY UNKNOWN " + "x".repeat(200) + "\r\n"), "no CRLF within 107 bytes");
        assertBad(ascii("PROXY UNKNOWN " + "x".repeat(92) + "\r\n"), "no CRLF within 107 bytes"); // 108 bytes
        assertBad(ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"), "LF without CR");
        assertBad(ascii("PROXY TCP4 1.2.3.4\r 5.6.7.8 1 2\r\n"), "CR inside the line");
        assertBad(ascii("PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n"), "byte 0x09");
        assertBad(ascii("PROXY TCP4 1.2.3.4 \u00e95.6.7.8 1 2\r\n"), "byte 0xe9");
        assertBad(ascii("PROXY TCP4 1.2.3.4 5.6"), "truncated");
        assertBad(ascii("PRO"), "truncated");
        assertBad(new byte[0], "connection closed before a header");
    }

    @Test
    void v1FieldErrors() {
        assertBad(ascii("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n"), "protocol must be TCP4, TCP6 or UNKNOWN, not \"TCP5\"");
        assertBad(ascii("PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n"), "not \"tcp4\"");
        assertBad(ascii("PROXY \r\n"), "not \"\"");
        assertBad(ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n"), "got 3 fields");
        assertBad(ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n"), "got 5 fields");
        assertBad(ascii("PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n"), "got 5 fields");
        assertBad(ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n"), "got 5 fields");
    }

    @ParameterizedTest
    @ValueSource(strings = {"65536", "-1", "022", "", "abc", "1e3", "+22", "999999", " 22"})
    void v1BadPorts(String port) {
        assertBad(ascii("PROXY TCP4 1.2.3.4 5.6.7.8 " + port + " 22\r\n"), "");
        assertBad(ascii("PROXY TCP4 1.2.3.4 5.6.7.8 22 " + port + "\r\n"), "");
        if (!port.contains(" ") && !port.isEmpty()) {
            assertBad(ascii("PROXY TCP4 1.2.3.4 5.6.7.8 " + port + " 22\r\n"), "bad port \"" + port + "\"");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1..3.4", "example.com", "localhost",
        "::1", "1.2.3.-4", "0x7f.0.0.1", "1.2.3.4/8"})
    void v1BadIpv4(String address) {
        assertBad(ascii("PROXY TCP4 " + address + " 5.6.7.8 1 2\r\n"), "bad IPv4 address \"" + address + "\"");
        assertBad(ascii("PROXY TCP4 5.6.7.8 " + address + " 1 2\r\n"), "bad IPv4 address \"" + address + "\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3.4", "2001:db8:::1", "1::2::3", "12345::1", "g::1", "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7", "::1%eth0", "[::1]", "1:2:3:4:5:6:7::8", ":1::", "1::2:", "::ffff:1.2.3", "::1.2.3.4:5",
        "example.com", "localhost"})
    void v1BadIpv6(String address) {
        assertBad(ascii("PROXY TCP6 " + address + " ::1 1 2\r\n"), "bad IPv6 address \"" + address + "\"");
    }

    // ------------------------------------------------------------------ v2

    @Test
    void v2ProxyInet() throws IOException {
        Header h = parse(v2(0x21, 0x11, inetBody("203.0.113.7", "192.0.2.1", 56324, 22, new byte[0])));
        assertEquals(2, h.version());
        assertEquals(new InetSocketAddress("203.0.113.7", 56324), h.source());
        assertEquals(new InetSocketAddress("192.0.2.1", 22), h.destination());
        assertEquals(28, h.length());
    }

    @Test
    void v2ProxyInet6() throws IOException {
        Header h = parse(v2(0x21, 0x21, inetBody("2001:db8::7", "2001:db8::1", 65535, 22, new byte[0])));
        assertEquals(new InetSocketAddress(InetAddress.getByName("2001:db8::7"), 65535), h.source());
        assertEquals(new InetSocketAddress(InetAddress.getByName("2001:db8::1"), 22), h.destination());
    }

    @Test
    void v2LocalUsesTheRealAddressAndIgnoresTheBlock() throws IOException {
        assertNull(parse(v2(0x20, 0x00, new byte[0])).source());
        // LOCAL with a family and addresses (a health check): still the real address
        Header h = parse(v2(0x20, 0x11, inetBody("203.0.113.7", "192.0.2.1", 1, 2, new byte[0])));
        assertNull(h.source());
        assertEquals(REAL, h.effectiveSource(REAL));
    }

    @Test
    void v2UnspecAndUnixUseTheRealAddress() throws IOException {
        assertNull(parse(v2(0x21, 0x00, new byte[0])).source());
        assertNull(parse(v2(0x21, 0x00, new byte[7])).source());
        assertNull(parse(v2(0x21, 0x31, new byte[216])).source());
    }

    @Test
    void v2TlvsAreSkipped() throws IOException {
        byte[] tlvs = concat(tlv(0x01, ascii("ssh")), tlv(0x04, new byte[300]), tlv(0x05, ascii("unique-id")),
                tlv(0x20, concat(new byte[] {0x07}, new byte[4], tlv(0x21, ascii("TLSv1.3")))), tlv(0xE0, new byte[0]));
        Header h = parse(v2(0x21, 0x11, inetBody("203.0.113.7", "192.0.2.1", 4242, 22, tlvs)));
        assertEquals(new InetSocketAddress("203.0.113.7", 4242), h.source());
    }

    @Test
    void v2Crc32cIsChecked() throws IOException {
        byte[] header = v2(0x21, 0x11, inetBody("203.0.113.7", "192.0.2.1", 4242, 22, tlv(0x03, new byte[4])));
        CRC32C crc = new CRC32C();
        crc.update(header);
        int at = header.length - 4;
        ByteBuffer.wrap(header, at, 4).putInt((int) crc.getValue());
        assertEquals(new InetSocketAddress("203.0.113.7", 4242), parse(header).source());
        header[at + 3] ^= 1;
        assertBad(header, "CRC32C mismatch");
        assertBad(v2(0x21, 0x11, inetBody("1.2.3.4", "1.2.3.4", 1, 2, tlv(0x03, new byte[3]))),
                "CRC32C TLV of 3 bytes");
    }

    @Test
    void v2WrongSignature() {
        byte[] h = v2(0x21, 0x11, new byte[12]);
        for (int i = 1; i < 12; i++) {
            byte[] broken = h.clone();
            broken[i] ^= 0x40;
            assertBad(broken, "v2 header: wrong signature");
        }
    }

    @Test
    void v2BadVersionOrCommand() {
        assertBad(v2(0x11, 0x11, new byte[12]), "version 1, expected 2");
        assertBad(v2(0x31, 0x11, new byte[12]), "version 3, expected 2");
        assertBad(v2(0x01, 0x11, new byte[12]), "version 0, expected 2");
        assertBad(v2(0x22, 0x11, new byte[12]), "command 2, expected LOCAL (0) or PROXY (1)");
        assertBad(v2(0x2F, 0x11, new byte[12]), "command 15");
    }

    @Test
    void v2LengthTooBigIsRefusedBeforeReadingIt() {
        byte[] prefix = Arrays.copyOf(v2(0x21, 0x11, new byte[0]), 16);
        prefix[14] = (byte) 0xFF;
        prefix[15] = (byte) 0xFF;
        assertBad(prefix, "65551 bytes, more than the 4096 accepted");
        assertBad(v2(0x21, 0x11, new byte[4096 - 16 + 1]), "4097 bytes, more than the 4096 accepted");
    }

    @Test
    void v2BiggestAcceptedHeader() throws IOException {
        byte[] tlvs = tlv(0x04, new byte[4096 - 16 - 12 - 3]);
        assertEquals(4096, parse(v2(0x21, 0x11, inetBody("203.0.113.7", "192.0.2.1", 1, 2, tlvs))).length());
    }

    @Test
    void v2Truncated() throws IOException {
        byte[] h = v2(0x21, 0x11, inetBody("203.0.113.7", "192.0.2.1", 1, 2, new byte[0]));
        assertBad(Arrays.copyOf(h, 9), "v2 header prefix truncated: connection closed after 9 bytes");
        assertBad(Arrays.copyOf(h, 16), "v2 header of 28 bytes truncated: connection closed after 16 bytes");
        assertBad(Arrays.copyOf(h, 27), "truncated: connection closed after 27 bytes");
    }

    @Test
    void v2FamilyAndLengthMismatch() throws IOException {
        assertBad(v2(0x21, 0x11, new byte[11]), "11 bytes of addresses, family 1 needs 12");
        assertBad(v2(0x21, 0x21, new byte[12]), "12 bytes of addresses, family 2 needs 36");
        assertBad(v2(0x21, 0x31, new byte[36]), "36 bytes of addresses, family 3 needs 216");
        assertBad(v2(0x21, 0x41, new byte[36]), "unknown address family 4");
        assertBad(v2(0x21, 0x12, new byte[12]), "transport 2, SSH needs STREAM (1)");
        assertBad(v2(0x21, 0x10, new byte[12]), "transport 0, SSH needs STREAM (1)");
        // bytes after the addresses that are not whole TLVs
        assertBad(v2(0x21, 0x11, new byte[13]), "truncated TLV at offset 28");
        assertBad(v2(0x21, 0x11, inetBody("1.2.3.4", "1.2.3.4", 1, 2, new byte[] {0x04, 0x00, 0x05, 1, 2})),
                "TLV type 0x4 at offset 28 claims 5 bytes, 2 remain");
    }

    // ------------------------------------------------------------------ over a socket

    @Test
    void overASocketTheRestOfTheStreamAndTheTimeoutAreKept() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(ss.getInetAddress(), ss.getLocalPort());
             Socket server = ss.accept()) {
            client.getOutputStream().write(concat(ascii("PROXY TCP4 203.0.113.7 192.0.2.1 56324 22\r\n"), SSH_LINE));
            server.setSoTimeout(12345);
            Header h = ProxyProtocol.read(server, Duration.ofSeconds(5));
            assertEquals(new InetSocketAddress("203.0.113.7", 56324), h.source());
            assertEquals(12345, server.getSoTimeout());
            assertArrayEquals(SSH_LINE, server.getInputStream().readNBytes(SSH_LINE.length));
        }
    }

    @Test
    void aSilentPeerTimesOut() throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(ss.getInetAddress(), ss.getLocalPort());
             Socket server = ss.accept()) {
            client.getOutputStream().write(ascii("PROXY TCP4 203."));
            long t0 = System.nanoTime();
            BadHeaderException e = assertThrows(BadHeaderException.class,
                    () -> ProxyProtocol.read(server, Duration.ofMillis(300)));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals("no complete header within 300 ms", e.getMessage());
            assertTrue(ms >= 250 && ms < 3000, "took " + ms + " ms");
        }
    }

    /** A peer that sends a byte every 50 ms never waits out a read, but the deadline is for the whole header. */
    @Test
    void aDribblingPeerGainsNothing() throws Exception {
        ScheduledExecutorService dribbler = Executors.newSingleThreadScheduledExecutor();
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(ss.getInetAddress(), ss.getLocalPort());
             Socket server = ss.accept()) {
            byte[] header = ascii("PROXY TCP4 203.0.113.7 192.0.2.1 56324 22\r\n");
            OutputStream out = client.getOutputStream();
            int[] next = {0};
            dribbler.scheduleAtFixedRate(() -> {
                try {
                    if (next[0] < header.length) {
                        out.write(header[next[0]++]);
                    }
                } catch (IOException e) {
                    // the server gave up: that is the point
                }
            }, 0, 50, TimeUnit.MILLISECONDS);
            long t0 = System.nanoTime();
            BadHeaderException e = assertThrows(BadHeaderException.class,
                    () -> ProxyProtocol.read(server, Duration.ofMillis(500)));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(e.getMessage().contains("within 500 ms"), e.getMessage());
            assertTrue(ms < 1500, "the whole header is bounded, took " + ms + " ms"); // the header needs ~2.2 s
        } finally {
            dribbler.shutdownNow();
            assertTrue(dribbler.awaitTermination(5, TimeUnit.SECONDS));
        }
    }
}
