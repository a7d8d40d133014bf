package dev.tether.ssh.transport;

import java.io.IOException;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The sending half of the binary packet protocol, RFC 4253 §6.
 *
 * <p>Builds each packet in a buffer it owns: length, padding length, the payload (compressed if
 * compression is on), at least four bytes of random padding to the cipher's block size, then
 * seals it in place and writes it with a single call. Keeps the send sequence number and the
 * byte counts the rekey policy needs.
 *
 * <p>The buffer is allocated with the first packet and grows to the largest packet written;
 * {@link #flush()}, called when nothing more is queued, gives it up if the last packet fitted
 * {@value #IDLE_BUFFER} bytes, so that an idle connection holds no buffer at all while a bulk
 * transfer of large packets keeps its own.
 *
 * <p>Used only by the connection's writer thread; not thread-safe.
 */
public final class PacketWriter {
    /** The smallest buffer allocated; a buffer is given up when idle after a packet of at most this size. */
    static final int IDLE_BUFFER = 512;

    private final OutputStream out;
    private final SecureRandom random;
    private PacketCipher cipher = PacketCipher.NONE;
    private Compression.Compressor compressor;
    /** Null while idle. */
    private byte[] buf;
    private int lastTotal;
    /** Random bytes for large packets' padding, {@code padPool[padUsed..]} not yet used; null while idle, as {@link #buf}. */
    private byte[] padPool;
    private int padUsed;
    private static final int PAD_POOL = 1024;
    private int seq;
    private long bytesSinceRekey;
    private long packetsSinceRekey;

    public PacketWriter(OutputStream out, SecureRandom random) {
        this.out = out;
        this.random = random;
    }

    public void write(byte[] payload) throws IOException {
        write(payload, 0, payload.length);
    }

    /**
     * The padding for a payload of {@code len} bytes (after compression) under {@code cipher}:
     * the fewest bytes, at least four, that make the padded part a multiple of the block size
     * (RFC 4253 §6).
     */
    public static int padding(PacketCipher cipher, int len) {
        int bs = cipher.blockSize();
        int unpadded = cipher.lengthExcludedFromPadding() ? 1 + len : 5 + len;
        int padding = bs - (unpadded % bs);
        return padding < 4 ? padding + bs : padding;
    }

    public void write(byte[] payload, int off, int len) throws IOException {
        if (compressor != null) {
            len = compressor.compress(payload, off, len);
            payload = compressor.buffer();
            off = 0;
        }
        int padding = padding(cipher, len);
        int packetLength = 1 + len + padding;
        int total = 4 + packetLength + cipher.tagLength();
        if (buf == null) {
            buf = new byte[Math.max(total, IDLE_BUFFER)];
        } else if (buf.length < total) {
            buf = new byte[Math.max(total, Math.min(buf.length * 2, PacketReader.MAX_PACKET_LENGTH + 256))];
        }
        buf[0] = (byte) (packetLength >>> 24);
        buf[1] = (byte) (packetLength >>> 16);
        buf[2] = (byte) (packetLength >>> 8);
        buf[3] = (byte) packetLength;
        buf[4] = (byte) padding;
        System.arraycopy(payload, off, buf, 5, len);
        padding(buf, 5 + len, padding, total > IDLE_BUFFER);
        cipher.seal(seq, buf, 0, packetLength);
        out.write(buf, 0, total);
        lastTotal = total;
        seq++;
        bytesSinceRekey += total;
        packetsSinceRekey++;
    }

    /**
     * Random padding bytes. A large packet's come from {@link #padPool}: one {@link SecureRandom}
     * call per {@value #PAD_POOL} bytes instead of one per packet (which cost about 4% of a bulk
     * transfer's CPU); a small packet's are drawn directly, so that an interactive connection
     * holds no pool. Each byte is used once either way.
     */
    private void padding(byte[] to, int at, int n, boolean bulk) {
        if (!bulk) {
            byte[] pad = new byte[n];
            random.nextBytes(pad);
            System.arraycopy(pad, 0, to, at, n);
            return;
        }
        if (padPool == null || padUsed + n > padPool.length) {
            if (padPool == null) {
                padPool = new byte[PAD_POOL];
            }
            random.nextBytes(padPool);
            padUsed = 0;
        }
        System.arraycopy(padPool, padUsed, to, at, n);
        padUsed += n;
    }

    /** Flushes the stream; the writer calls this when nothing more is queued. */
    public void flush() throws IOException {
        out.flush();
        if (buf != null && lastTotal <= IDLE_BUFFER) {
            buf = null; // it holds only sealed packets: nothing to clear
            padPool = null; // unused padding: nothing anyone has seen
        }
    }

    /** The size of the current buffer, 0 if none; for tests of the idle footprint. */
    int bufferSize() {
        return buf == null ? 0 : buf.length;
    }

    /** The size of the padding pool, 0 if none; for tests of the idle footprint. */
    int padPoolSize() {
        return padPool == null ? 0 : padPool.length;
    }

    /** The sequence number the next packet will carry. */
    public int nextSequence() {
        return seq;
    }

    public void setCipher(PacketCipher cipher) {
        this.cipher = cipher;
    }

    public void resetSequence() {
        seq = 0;
    }

    public void enableCompression() {
        if (compressor == null) {
            compressor = new Compression.Compressor();
        }
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

    public void release() {
        if (compressor != null) {
            compressor.end();
            compressor = null;
        }
        if (buf != null) {
            Arrays.fill(buf, (byte) 0);
        }
        if (padPool != null) {
            Arrays.fill(padPool, (byte) 0);
        }
    }
}
