package dev.tether.ssh.transport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * The HAProxy PROXY protocol, versions 1 (text) and 2 (binary), receiver side
 * (https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt): a proxy in front of the server
 * begins each connection with a header naming the client's address.
 *
 * <p>{@link #read(InputStream)} reads exactly the header's bytes, never one more, so the SSH
 * identification line that follows stays in the stream: a v1 header is read byte by byte up to
 * its CRLF (at most {@value #V1_MAX_LENGTH} bytes); a v2 header is its 16-byte prefix and then
 * the length the prefix states (the whole header at most {@value #V2_MAX_LENGTH} bytes). Every
 * malformed header is a {@link BadHeaderException} saying what is wrong. v1 {@code UNKNOWN}, v2
 * {@code LOCAL} and the v2 families {@code AF_UNSPEC} and {@code AF_UNIX} carry no usable client
 * address: the header is valid and {@link Header#source()} is null, meaning "use the socket's
 * own address". v2 TLVs are checked for framing and skipped, except {@code PP2_TYPE_CRC32C},
 * which is verified when present.
 *
 * <p>An instance is a server's handoff for connections that must begin with a header: {@link
 * #readThen} reads the header on a short-lived thread of its own (never the accept thread),
 * bounded by a deadline for the whole header, then hands the client's effective address on. A
 * connection without a valid header is logged in one line and closed without a byte sent: the
 * peer is the proxy (or something that bypassed it), not an SSH client, so it learns nothing,
 * not even our version line. Threads: the static methods block the caller; an instance is
 * thread-safe, and {@link #close()} closes the sockets still waiting for their header.
 */
public final class ProxyProtocol implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyProtocol.class);

    /** The longest v1 header, CRLF included (spec §2.1). */
    public static final int V1_MAX_LENGTH = 107;
    /** The longest v2 header we accept, prefix, addresses and TLVs included. */
    public static final int V2_MAX_LENGTH = 4096;

    private static final byte[] V1_PREFIX = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final int V2_PREFIX_LENGTH = 16;
    private static final int PP2_TYPE_CRC32C = 0x03;

    /**
     * A valid header.
     *
     * @param version     1 or 2
     * @param source      the client's address, or null when the header carries none (v1
     *                    UNKNOWN, v2 LOCAL, AF_UNSPEC, AF_UNIX)
     * @param destination the address the client connected to, null likewise
     * @param length      the header's length in bytes
     */
    public record Header(int version, InetSocketAddress source, InetSocketAddress destination, int length) {
        /** The source the header names, or {@code real} (the socket's peer) when it names none. */
        public InetSocketAddress effectiveSource(InetSocketAddress real) {
            return source != null ? source : real;
        }
    }

    /** A header that is missing, malformed, truncated or too long. */
    public static final class BadHeaderException extends IOException {
        private static final long serialVersionUID = 1L;

        public BadHeaderException(String message) {
            super(message);
        }
    }

    private final Duration timeout;
    private final int maxPending;
    private final AtomicInteger pending = new AtomicInteger();
    private final Set<Socket> waiting = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * @param timeout    how long a connection has to deliver its whole header
     * @param maxPending how many connections may wait for their header at once; more are closed
     *                   at once
     */
    public ProxyProtocol(Duration timeout, int maxPending) {
        if (timeout.isNegative() || timeout.isZero() || maxPending < 1) {
            throw new IllegalArgumentException("PROXY protocol needs a positive timeout and maxPending");
        }
        this.timeout = timeout;
        this.maxPending = maxPending;
    }

    /**
     * On a new thread: reads the header from {@code s} within the timeout and passes the client's
     * effective address to {@code then}, on that thread; or logs why and closes {@code s}.
     * Returns at once.
     */
    public void readThen(Socket s, Consumer<InetSocketAddress> then) {
        InetSocketAddress real = (InetSocketAddress) s.getRemoteSocketAddress();
        if (closed || pending.incrementAndGet() > maxPending) {
            pending.decrementAndGet();
            refuse(s, real, closed ? "server closed" : "more than " + maxPending + " connections awaiting their PROXY header");
            return;
        }
        waiting.add(s);
        Threads.newThread("tether-proxy-header", () -> {
            Header h;
            try {
                h = read(s, timeout);
            } catch (IOException e) {
                refuse(s, real, closed ? "server closed" : e.getMessage());
                return;
            } finally {
                waiting.remove(s);
                pending.decrementAndGet();
            }
            if (closed) {
                refuse(s, real, "server closed");
                return;
            }
            InetSocketAddress effective = h.effectiveSource(real);
            log.debug("PROXY v{} header from {}: client {}", h.version(), real, effective);
            try {
                then.accept(effective);
            } catch (RuntimeException e) {
                log.warn("could not start a connection from {} (via {}): {}", effective, real, e.toString());
                closeQuietly(s);
            }
        }).start();
    }

    /** Connections refused by the handoff so far are closed; those still waiting are closed now. */
    @Override
    public void close() {
        closed = true;
        for (Socket s : waiting) {
            closeQuietly(s);
        }
    }

    private static void refuse(Socket s, InetSocketAddress real, String why) {
        // ADDR:PORT, as the event log writes addresses (InetSocketAddress prints a leading slash)
        log.info("refused {}:{}: PROXY protocol: {}", real.getAddress().getHostAddress(), real.getPort(), why);
        closeQuietly(s);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    // ------------------------------------------------------------------ reading

    /**
     * Reads one header from a socket with a deadline for the whole of it (a peer dribbling bytes
     * gains nothing), then restores the socket's read timeout.
     */
    public static Header read(Socket s, Duration timeout) throws IOException {
        int before = s.getSoTimeout();
        long deadline = System.nanoTime() + timeout.toNanos();
        InputStream raw = s.getInputStream();
        Header h = read(new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new BadHeaderException("no complete header within " + timeout.toMillis() + " ms");
                }
                s.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000)));
                try {
                    return raw.read(b, off, len);
                } catch (SocketTimeoutException e) {
                    throw new BadHeaderException("no complete header within " + timeout.toMillis() + " ms");
                }
            }
        });
        s.setSoTimeout(before);
        return h;
    }

    /** Reads exactly one v1 or v2 header from {@code in}, and not a byte past it. */
    public static Header read(InputStream in) throws IOException {
        int first = in.read();
        if (first < 0) {
            throw new BadHeaderException("connection closed before a header");
        }
        if (first == 'P') {
            return readV1(in);
        }
        if (first == V2_SIGNATURE[0]) {
            return readV2(in);
        }
        throw new BadHeaderException(String.format("no header: the connection starts with 0x%02x%s", first,
                first == 'S' ? " ('S', as an SSH identification line would)" : ""));
    }

    private static Header readV1(InputStream in) throws IOException {
        byte[] line = new byte[V1_MAX_LENGTH];
        line[0] = 'P';
        int n = 1;
        while (true) {
            if (n == V1_MAX_LENGTH) {
                throw new BadHeaderException("v1 header: no CRLF within " + V1_MAX_LENGTH + " bytes");
            }
            int c = in.read();
            if (c < 0) {
                throw new BadHeaderException("v1 header truncated: connection closed after " + n + " bytes");
            }
            line[n++] = (byte) c;
            if (n <= V1_PREFIX.length && c != V1_PREFIX[n - 1]) {
                throw new BadHeaderException("v1 header: does not start with \"PROXY \"");
            }
            if (c == '\n') {
                break;
            }
            if (c != '\r' && (c < 0x20 || c > 0x7e)) {
                throw new BadHeaderException(String.format("v1 header: byte 0x%02x at offset %d", c, n - 1));
            }
        }
        if (n < 2 || line[n - 2] != '\r') {
            throw new BadHeaderException("v1 header: line ends in LF without CR");
        }
        return parseV1(new String(line, 0, n - 2, StandardCharsets.US_ASCII), n);
    }

    private static Header parseV1(String line, int length) throws BadHeaderException {
        if (line.indexOf('\r') >= 0) {
            throw new BadHeaderException("v1 header: CR inside the line");
        }
        String[] f = line.split(" ", -1);
        String proto = f[1];
        if (proto.equals("UNKNOWN")) {
            return new Header(1, null, null, length); // the rest of the line is to be ignored
        }
        boolean v6 = proto.equals("TCP6");
        if (!v6 && !proto.equals("TCP4")) {
            throw new BadHeaderException("v1 header: protocol must be TCP4, TCP6 or UNKNOWN, not \"" + proto + "\"");
        }
        if (f.length != 6) {
            throw new BadHeaderException("v1 header: " + proto + " needs source and destination address and port,"
                    + " single spaces between, got " + (f.length - 2) + " fields");
        }
        InetAddress src = v6 ? ipv6(f[2]) : ipv4(f[2]);
        InetAddress dst = v6 ? ipv6(f[3]) : ipv4(f[3]);
        return new Header(1, new InetSocketAddress(src, port(f[4])), new InetSocketAddress(dst, port(f[5])), length);
    }

    private static Header readV2(InputStream in) throws IOException {
        byte[] prefix = new byte[V2_PREFIX_LENGTH];
        prefix[0] = V2_SIGNATURE[0];
        readFully(in, prefix, 1, V2_PREFIX_LENGTH - 1, "v2 header prefix");
        if (!Arrays.equals(prefix, 0, V2_SIGNATURE.length, V2_SIGNATURE, 0, V2_SIGNATURE.length)) {
            throw new BadHeaderException("v2 header: wrong signature");
        }
        int version = (prefix[12] >> 4) & 0xf;
        int command = prefix[12] & 0xf;
        if (version != 2) {
            throw new BadHeaderException("v2 header: version " + version + ", expected 2");
        }
        if (command > 1) {
            throw new BadHeaderException("v2 header: command " + command + ", expected LOCAL (0) or PROXY (1)");
        }
        int len = ((prefix[14] & 0xff) << 8) | (prefix[15] & 0xff);
        int total = V2_PREFIX_LENGTH + len;
        if (total > V2_MAX_LENGTH) {
            throw new BadHeaderException("v2 header: " + total + " bytes, more than the " + V2_MAX_LENGTH + " accepted");
        }
        byte[] header = Arrays.copyOf(prefix, total);
        readFully(in, header, V2_PREFIX_LENGTH, len, "v2 header of " + total + " bytes");
        return parseV2(header, command == 0);
    }

    private static Header parseV2(byte[] h, boolean local) throws BadHeaderException {
        if (local) {
            return new Header(2, null, null, h.length); // the proxy's own connection: block ignored
        }
        int family = (h[13] >> 4) & 0xf;
        int transport = h[13] & 0xf;
        int addressLength;
        switch (family) {
            case 0 -> {
                return new Header(2, null, null, h.length); // AF_UNSPEC: the block is to be ignored
            }
            case 1 -> addressLength = 12;       // AF_INET: 4 + 4 + 2 + 2
            case 2 -> addressLength = 36;       // AF_INET6: 16 + 16 + 2 + 2
            case 3 -> addressLength = 216;      // AF_UNIX: 108 + 108
            default -> throw new BadHeaderException("v2 header: unknown address family " + family);
        }
        if (transport != 1) {
            throw new BadHeaderException("v2 header: transport " + transport + ", SSH needs STREAM (1)");
        }
        int len = h.length - V2_PREFIX_LENGTH;
        if (len < addressLength) {
            throw new BadHeaderException("v2 header: " + len + " bytes of addresses, family " + family
                    + " needs " + addressLength);
        }
        checkTlvs(h, V2_PREFIX_LENGTH + addressLength);
        if (family == 3) {
            return new Header(2, null, null, h.length); // AF_UNIX: no network address to report
        }
        int size = family == 1 ? 4 : 16;
        int at = V2_PREFIX_LENGTH;
        InetAddress src = address(Arrays.copyOfRange(h, at, at + size));
        InetAddress dst = address(Arrays.copyOfRange(h, at + size, at + 2 * size));
        int srcPort = ((h[at + 2 * size] & 0xff) << 8) | (h[at + 2 * size + 1] & 0xff);
        int dstPort = ((h[at + 2 * size + 2] & 0xff) << 8) | (h[at + 2 * size + 3] & 0xff);
        return new Header(2, new InetSocketAddress(src, srcPort), new InetSocketAddress(dst, dstPort), h.length);
    }

    /** Each TLV must fit the header; a CRC32C TLV must match the header's checksum (spec §2.2.5). */
    private static void checkTlvs(byte[] h, int from) throws BadHeaderException {
        int at = from;
        while (at < h.length) {
            if (h.length - at < 3) {
                throw new BadHeaderException("v2 header: truncated TLV at offset " + at);
            }
            int type = h[at] & 0xff;
            int len = ((h[at + 1] & 0xff) << 8) | (h[at + 2] & 0xff);
            if (len > h.length - at - 3) {
                throw new BadHeaderException("v2 header: TLV type 0x" + Integer.toHexString(type) + " at offset " + at
                        + " claims " + len + " bytes, " + (h.length - at - 3) + " remain");
            }
            if (type == PP2_TYPE_CRC32C) {
                checkCrc(h, at + 3, len);
            }
            at += 3 + len;
        }
    }

    private static void checkCrc(byte[] h, int value, int len) throws BadHeaderException {
        if (len != 4) {
            throw new BadHeaderException("v2 header: CRC32C TLV of " + len + " bytes, expected 4");
        }
        byte[] copy = h.clone();
        Arrays.fill(copy, value, value + 4, (byte) 0);
        CRC32C crc = new CRC32C();
        crc.update(copy);
        long stated = ((h[value] & 0xffL) << 24) | ((h[value + 1] & 0xffL) << 16) | ((h[value + 2] & 0xffL) << 8)
                | (h[value + 3] & 0xffL);
        if (crc.getValue() != stated) {
            throw new BadHeaderException("v2 header: CRC32C mismatch");
        }
    }

    private static void readFully(InputStream in, byte[] b, int off, int len, String what) throws IOException {
        int done = 0;
        while (done < len) {
            int r = in.read(b, off + done, len - done);
            if (r < 0) {
                throw new BadHeaderException(what + " truncated: connection closed after "
                        + (off + done) + " bytes");
            }
            done += r;
        }
    }

    // ------------------------------------------------------------------ v1 fields

    private static int port(String s) throws BadHeaderException {
        if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(c -> c >= '0' && c <= '9')
                || (s.length() > 1 && s.charAt(0) == '0') || Integer.parseInt(s) > 65535) {
            throw new BadHeaderException("v1 header: bad port \"" + s + "\"");
        }
        return Integer.parseInt(s);
    }

    /** A dotted-quad IPv4 address, four decimal fields 0..255 without leading zeros. */
    static InetAddress ipv4(String s) throws BadHeaderException {
        byte[] b = ipv4Bytes(s);
        if (b == null) {
            throw new BadHeaderException("v1 header: bad IPv4 address \"" + s + "\"");
        }
        return address(b);
    }

    private static byte[] ipv4Bytes(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')
                    || (p.length() > 1 && p.charAt(0) == '0') || Integer.parseInt(p) > 255) {
                return null;
            }
            b[i] = (byte) Integer.parseInt(p);
        }
        return b;
    }

    /**
     * An IPv6 address in RFC 4291 §2.2 text form (hex groups, one {@code ::}, an optional dotted
     * IPv4 tail), parsed here so that no text ever reaches a name lookup.
     */
    static InetAddress ipv6(String s) throws BadHeaderException {
        byte[] b = ipv6Bytes(s);
        if (b == null) {
            throw new BadHeaderException("v1 header: bad IPv6 address \"" + s + "\"");
        }
        return address(b);
    }

    private static byte[] ipv6Bytes(String s) {
        if (s.isEmpty() || s.length() > 45) {
            return null;
        }
        int gap = s.indexOf("::");
        if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        String head = gap >= 0 ? s.substring(0, gap) : s;
        String tail = gap >= 0 ? s.substring(gap + 2) : "";
        byte[] headBytes = groups(head, gap < 0);
        byte[] tailBytes = groups(tail, true);
        if (headBytes == null || tailBytes == null) {
            return null;
        }
        int used = headBytes.length + tailBytes.length;
        if (gap < 0 ? used != 16 : used > 14) {
            return null;
        }
        byte[] out = new byte[16];
        System.arraycopy(headBytes, 0, out, 0, headBytes.length);
        System.arraycopy(tailBytes, 0, out, 16 - tailBytes.length, tailBytes.length);
        return out;
    }

    /** Colon-separated hex groups; the last may be a dotted IPv4 address when {@code last}. */
    private static byte[] groups(String s, boolean last) {
        if (s.isEmpty()) {
            return new byte[0];
        }
        String[] g = s.split(":", -1);
        byte[] out = new byte[g.length * 2 + 2];
        int n = 0;
        for (int i = 0; i < g.length; i++) {
            String p = g[i];
            if (last && i == g.length - 1 && p.indexOf('.') >= 0) {
                byte[] v4 = ipv4Bytes(p);
                if (v4 == null) {
                    return null;
                }
                System.arraycopy(v4, 0, out, n, 4);
                n += 4;
                continue;
            }
            if (p.isEmpty() || p.length() > 4 || !p.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                return null;
            }
            int v = Integer.parseInt(p, 16);
            out[n++] = (byte) (v >> 8);
            out[n++] = (byte) v;
        }
        return Arrays.copyOf(out, n);
    }

    private static InetAddress address(byte[] b) {
        try {
            return InetAddress.getByAddress(b); // raw bytes: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // only for a length other than 4 or 16
        }
    }
}
