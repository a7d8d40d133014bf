package dev.tether.ssh.transport;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The receiving half of the binary packet protocol, RFC 4253 §6.
 *
 * <p>Reads one packet at a time into a buffer it owns, checks the length before allocating
 * anything for it, authenticates and decrypts through the current {@link PacketCipher}, checks
 * the padding, inflates if compression is on, and exposes the payload in place until the next
 * call. Keeps the receive sequence number and the byte counts the rekey policy needs.
 *
 * <p><b>Buffering.</b> The reader does its own buffering (no {@code BufferedInputStream} in front
 * of the socket): each read from the stream takes as much as the buffer has room for, so several
 * small packets arrive with one read, and what belongs to the next packet stays buffered. The
 * identification line is read through {@link #input()}, the same buffer. The buffer grows to the
 * largest packet that arrives (bounded by {@link #MAX_PACKET_LENGTH}) and goes back to
 * {@value #IDLE_BUFFER} bytes when it has been drained by a packet that fits that size, so an idle
 * connection keeps no large buffer (after the key exchange, whose KEXINIT is the largest packet
 * most connections ever see) while a bulk transfer of large packets keeps its buffer.
 *
 * <p>Used only by the connection's reader thread; not thread-safe.
 */
public final class PacketReader {
    /**
     * The largest packet_length accepted. RFC 4253 §6.1 requires 35000; OpenSSH accepts up to
     * 256 KiB, and so do we. Anything longer is refused before a buffer is grown for it.
     */
    public static final int MAX_PACKET_LENGTH = 256 * 1024;
    /** The size of the buffer before the first packet and after a small packet drained it. */
    static final int IDLE_BUFFER = 512;

    private final InputStream in;
    private PacketCipher cipher = PacketCipher.NONE;
    private Compression.Decompressor decompressor;
    private volatile boolean compressionRequested;
    private byte[] buf = new byte[IDLE_BUFFER];
    /** Buffered bytes not yet consumed are {@code buf[start, end)}; the last packet starts at {@code start}. */
    private int start;
    private int end;
    /** The size of the last packet, consumed when the next one is read. */
    private int pending;
    private int seq;
    private boolean failOnSequenceWrap;
    private long bytesSinceRekey;
    private long packetsSinceRekey;

    private byte[] payloadArray;
    private int payloadOffset;
    private int payloadLength;

    public PacketReader(InputStream in) {
        this.in = in;
    }

    /**
     * Reads the next packet.
     *
     * @return the message number (0–255) of its payload
     * @throws EOFException when the peer closed the connection between packets
     */
    public int read() throws IOException {
        consumePending();
        int prefix = cipher.lengthPrefixSize();
        if (!fill(prefix, true)) {
            throw new EOFException("connection closed by peer");
        }
        int packetLength = cipher.decryptLength(seq, buf, start);
        int bs = cipher.blockSize();
        int aligned = cipher.lengthExcludedFromPadding() ? packetLength : packetLength + 4;
        if (packetLength < 5 || packetLength > MAX_PACKET_LENGTH || aligned % bs != 0) {
            if (cipher != PacketCipher.NONE) {
                // Under encryption the value is (a decryption of) attacker-chosen bytes: say
                // nothing about it, and call it what it is, a corrupt packet (as OpenSSH does).
                throw new SshException(DisconnectReason.MAC_ERROR, "corrupt packet: bad packet length");
            }
            if (packetLength < 5 || packetLength > MAX_PACKET_LENGTH) {
                throw new SshException(DisconnectReason.PROTOCOL_ERROR,
                        "bad packet length " + (packetLength & 0xffffffffL) + " (must be 5.." + MAX_PACKET_LENGTH + ")");
            }
            throw new SshException(DisconnectReason.PROTOCOL_ERROR,
                    "packet length " + packetLength + " is not a multiple of the cipher block size " + bs);
        }
        int total = 4 + packetLength + cipher.tagLength();
        fill(total, false);
        int p = start;
        cipher.open(seq, buf, p, packetLength);
        pending = total;
        int padding = buf[p + 4] & 0xff;
        if (padding < 4) {
            throw new SshException(DisconnectReason.PROTOCOL_ERROR, "padding length " + padding + " is less than 4");
        }
        int plen = packetLength - padding - 1;
        if (plen < 1) {
            throw new SshException(DisconnectReason.PROTOCOL_ERROR,
                    "padding length " + padding + " leaves no payload in a packet of " + packetLength + " bytes");
        }
        seq++;
        if (seq == 0 && failOnSequenceWrap) {
            throw new SshException(DisconnectReason.PROTOCOL_ERROR, "receive sequence number wrapped during the initial key exchange");
        }
        bytesSinceRekey += total;
        packetsSinceRekey++;
        if (compressionRequested && decompressor == null) {
            decompressor = new Compression.Decompressor();
        }
        if (decompressor != null) {
            int n = decompressor.decompress(buf, p + 5, plen);
            if (n < 1) {
                throw new SshException(DisconnectReason.COMPRESSION_ERROR, "compressed packet inflates to an empty payload");
            }
            payloadArray = decompressor.buffer();
            payloadOffset = 0;
            payloadLength = n;
        } else {
            payloadArray = buf;
            payloadOffset = p + 5;
            payloadLength = plen;
        }
        return payloadArray[payloadOffset] & 0xff;
    }

    /**
     * The bytes before the first packet (the peer's identification line and any lines before
     * it, RFC 4253 §4.2), through this reader's buffer, so that what follows them stays buffered
     * for {@link #read()}. Only for use before the first packet.
     */
    public InputStream input() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                consumePending();
                if (!fill(1, true)) {
                    return -1;
                }
                return buf[start++] & 0xff;
            }
        };
    }

    /** A reader over the payload of the last packet, after its message number; valid until the next read. */
    public SshReader payloadAfterType() {
        return new SshReader(payloadArray, payloadOffset + 1, payloadLength - 1);
    }

    /** A copy of the whole payload of the last packet, including its message number. */
    public byte[] payloadCopy() {
        return Arrays.copyOfRange(payloadArray, payloadOffset, payloadOffset + payloadLength);
    }

    public int payloadLength() {
        return payloadLength;
    }

    /** The sequence number of the packet that was read last. */
    public int lastSequence() {
        return seq - 1;
    }

    public void setCipher(PacketCipher cipher) {
        this.cipher = cipher;
    }

    public void resetSequence() {
        seq = 0;
    }

    /** Under strict KEX, a wrap of the sequence number during the initial exchange is fatal. */
    public void setFailOnSequenceWrap(boolean fail) {
        this.failOnSequenceWrap = fail;
    }

    /**
     * Starts decompression with the next packet that arrives, as sshd does when it sends
     * USERAUTH_SUCCESS. Callable from any thread (delayed compression may start on the thread
     * that completed authentication); only the reader thread touches the decompressor.
     */
    public void enableCompression() {
        compressionRequested = true;
    }

    public long bytesSinceRekey() {
        return bytesSinceRekey;
    }

    public long packetsSinceRekey() {
        return packetsSinceRekey;
    }

    public void resetRekeyCounters() {
        bytesSinceRekey = 0;
        packetsSinceRekey = 0;
    }

    /** Releases native zlib state and clears the buffer. */
    public void release() {
        if (decompressor != null) {
            decompressor.end();
            decompressor = null;
        }
        Arrays.fill(buf, (byte) 0);
    }

    /** The size of the current buffer; for tests of the idle footprint. */
    int bufferSize() {
        return buf.length;
    }

    /**
     * Drops the last packet from the buffer. When that leaves nothing buffered and the packet was
     * small, a buffer grown for a larger one is given up (cleared first: it held plaintext).
     */
    private void consumePending() {
        start += pending;
        int last = pending;
        pending = 0;
        if (start == end) {
            start = 0;
            end = 0;
            if (buf.length > IDLE_BUFFER && last > 0 && last <= IDLE_BUFFER) {
                Arrays.fill(buf, (byte) 0);
                buf = new byte[IDLE_BUFFER];
            }
        }
    }

    /**
     * Makes at least {@code n} bytes available from {@code start}, reading as many as the buffer
     * has room for. The caller has checked {@code n} against the packet size limit.
     *
     * @return false if the stream ended before any byte of them, when that is allowed
     */
    private boolean fill(int n, boolean eofAllowedAtStart) throws IOException {
        if (end - start >= n) {
            return true;
        }
        if (start + n > buf.length) {
            byte[] dst = n > buf.length ? new byte[Math.max(n, Math.min(buf.length * 2, MAX_PACKET_LENGTH + 256))] : buf;
            System.arraycopy(buf, start, dst, 0, end - start);
            if (dst != buf) {
                Arrays.fill(buf, (byte) 0);
                buf = dst;
            }
            end -= start;
            start = 0;
        }
        while (end - start < n) {
            int got = in.read(buf, end, buf.length - end);
            if (got < 0) {
                if (end == start && eofAllowedAtStart) {
                    return false;
                }
                throw new EOFException("connection closed in the middle of a packet");
            }
            end += got;
        }
        return true;
    }
}
