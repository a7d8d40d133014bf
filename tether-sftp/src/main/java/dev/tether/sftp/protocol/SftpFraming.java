package dev.tether.sftp.protocol;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import dev.tether.ssh.common.SshWriter;
import java.util.function.Consumer;

/**
 * SFTP's packet framing (draft-ietf-secsh-filexfer-02 §3): a uint32 length, then that many
 * bytes. Reads refuse a length above the limit before allocating anything, so a hostile
 * {@code 2^32-1} costs nothing. Not thread-safe; one reader per stream.
 */
public final class SftpFraming {
    private final InputStream in;
    private final int maxPacket;
    private byte[] buf = new byte[4096];
    private final byte[] lenBuf = new byte[4];

    /** A packet longer than the limit, or a stream that ended inside one. */
    public static final class FramingException extends IOException {
        public FramingException(String message) {
            super(message);
        }
    }

    public SftpFraming(InputStream in, int maxPacket) {
        this.in = in;
        this.maxPacket = maxPacket;
    }

    /**
     * Reads the next packet into the internal buffer and returns its length, or -1 at a clean end
     * of stream. The packet is in {@link #buffer()}{@code [0, length)} until the next call.
     */
    public int next() throws IOException {
        int n = readFully(lenBuf, 0, 4, true);
        if (n < 0) {
            return -1;
        }
        long len = ((lenBuf[0] & 0xffL) << 24) | ((lenBuf[1] & 0xff) << 16) | ((lenBuf[2] & 0xff) << 8) | (lenBuf[3] & 0xff);
        if (len > maxPacket) {
            throw new FramingException("packet length " + len + " exceeds the maximum of " + maxPacket);
        }
        if (len < 5) {
            throw new FramingException("packet length " + len + " is too short for a type and an id");
        }
        if (buf.length < len) {
            buf = new byte[(int) Math.min(maxPacket, Math.max(len, (long) buf.length * 2))];
        }
        readFully(buf, 0, (int) len, false);
        return (int) len;
    }

    /** Gives the buffer of the last packet to its user, who keeps it; the next packet reads into a fresh one. */
    public byte[] detach() {
        byte[] b = buf;
        buf = new byte[Math.min(b.length, 64 * 1024)];
        return b;
    }

    public byte[] buffer() {
        return buf;
    }

    private int readFully(byte[] b, int off, int len, boolean eofOk) throws IOException {
        int done = 0;
        while (done < len) {
            int r = in.read(b, off + done, len - done);
            if (r < 0) {
                if (done == 0 && eofOk) {
                    return -1;
                }
                throw new EOFException("the stream ended inside a packet (" + done + " of " + len + " bytes)");
            }
            done += r;
        }
        return done;
    }

    /**
     * Starts a packet at the end of {@code w}: room for its length, to be filled by {@link #end}
     * once the type and fields are written. Returns where the packet starts.
     */
    public static int begin(SshWriter w) {
        int start = w.length();
        w.uint32(0);
        return start;
    }

    /** Fills in the length of the packet that {@link #begin} started at {@code start}. */
    public static void end(SshWriter w, int start) {
        int len = w.length() - start - 4;
        byte[] a = w.array();
        a[start] = (byte) (len >>> 24);
        a[start + 1] = (byte) (len >>> 16);
        a[start + 2] = (byte) (len >>> 8);
        a[start + 3] = (byte) len;
    }

    /** One message as a framed packet, in a writer of its own: {@code body} writes type and fields. */
    public static SshWriter framed(Consumer<SshWriter> body) {
        SshWriter w = new SshWriter(64);
        int start = begin(w);
        body.accept(w);
        end(w, start);
        return w;
    }
}
