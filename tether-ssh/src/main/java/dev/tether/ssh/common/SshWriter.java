package dev.tether.ssh.common;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * A growable writer of the SSH data types of RFC 4251 §5. Not thread-safe.
 */
public final class SshWriter {
    private byte[] buf;
    private int len;

    public SshWriter() {
        this(64);
    }

    public SshWriter(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    private void ensure(int extra) {
        if (len + extra > buf.length) {
            long want = Math.max((long) buf.length * 2, (long) len + extra);
            if (want > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("message too large");
            }
            buf = Arrays.copyOf(buf, (int) want);
        }
    }

    public SshWriter byteValue(int b) {
        ensure(1);
        buf[len++] = (byte) b;
        return this;
    }

    public SshWriter bool(boolean b) {
        return byteValue(b ? 1 : 0);
    }

    public SshWriter uint32(int v) {
        ensure(4);
        buf[len] = (byte) (v >>> 24);
        buf[len + 1] = (byte) (v >>> 16);
        buf[len + 2] = (byte) (v >>> 8);
        buf[len + 3] = (byte) v;
        len += 4;
        return this;
    }

    public SshWriter uint32(long v) {
        if (v < 0 || v > 0xffffffffL) {
            throw new IllegalArgumentException("not a uint32: " + v);
        }
        return uint32((int) v);
    }

    public SshWriter uint64(long v) {
        uint32((int) (v >>> 32));
        return uint32((int) v);
    }

    public SshWriter string(byte[] b) {
        return string(b, 0, b.length);
    }

    public SshWriter string(byte[] b, int off, int n) {
        uint32(n);
        return raw(b, off, n);
    }

    public SshWriter string(String s) {
        return string(s.getBytes(StandardCharsets.UTF_8));
    }

    public SshWriter nameList(List<String> names) {
        return string(String.join(",", names));
    }

    public SshWriter mpint(BigInteger v) {
        if (v.signum() == 0) {
            return uint32(0);
        }
        return string(v.toByteArray());
    }

    /** An mpint from an unsigned big-endian magnitude, as a shared secret is encoded (RFC 8731 §3.1). */
    public SshWriter mpintUnsigned(byte[] magnitude) {
        return mpint(new BigInteger(1, magnitude));
    }

    public SshWriter raw(byte[] b) {
        return raw(b, 0, b.length);
    }

    public SshWriter raw(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
        return this;
    }

    public int length() {
        return len;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    /** The internal buffer; valid bytes are {@code [0, length())}. */
    public byte[] array() {
        return buf;
    }

    /** Forgets what was written, keeping the buffer for reuse. */
    public void reset() {
        len = 0;
    }

    /** Overwrites all bytes written so far with zeros and resets; for buffers that held secrets. */
    public void wipe() {
        Arrays.fill(buf, 0, len, (byte) 0);
        len = 0;
    }
}
