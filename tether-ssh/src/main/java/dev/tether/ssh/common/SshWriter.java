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

    /** A writer with room for 64 bytes to start with. */
    public SshWriter() {
        this(64);
    }

    /**
     * A writer with room for {@code capacity} bytes to start with (at least 16); it grows as needed.
     *
     * @param capacity the initial capacity
     */
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

    /**
     * A byte.
     *
     * @param b the byte; only the low 8 bits are written
     * @return this writer
     */
    public SshWriter byteValue(int b) {
        ensure(1);
        buf[len++] = (byte) b;
        return this;
    }

    /**
     * A boolean, as the byte 1 or 0.
     *
     * @param b the value
     * @return this writer
     */
    public SshWriter bool(boolean b) {
        return byteValue(b ? 1 : 0);
    }

    /**
     * A uint32 from the 32 bits of an int (negative values write 2^31 and above).
     *
     * @param v the value's bits
     * @return this writer
     */
    public SshWriter uint32(int v) {
        ensure(4);
        buf[len] = (byte) (v >>> 24);
        buf[len + 1] = (byte) (v >>> 16);
        buf[len + 2] = (byte) (v >>> 8);
        buf[len + 3] = (byte) v;
        len += 4;
        return this;
    }

    /**
     * A uint32 from a long.
     *
     * @param v the value, 0 to 2^32-1
     * @return this writer
     * @throws IllegalArgumentException if {@code v} is out of that range
     */
    public SshWriter uint32(long v) {
        if (v < 0 || v > 0xffffffffL) {
            throw new IllegalArgumentException("not a uint32: " + v);
        }
        return uint32((int) v);
    }

    /**
     * A uint64 from the 64 bits of a long.
     *
     * @param v the value's bits
     * @return this writer
     */
    public SshWriter uint64(long v) {
        uint32((int) (v >>> 32));
        return uint32((int) v);
    }

    /**
     * A string of raw bytes: the uint32 length, then the bytes.
     *
     * @param b the bytes
     * @return this writer
     */
    public SshWriter string(byte[] b) {
        return string(b, 0, b.length);
    }

    /**
     * A string of part of an array: the uint32 length, then the bytes.
     *
     * @param b   the array
     * @param off where the bytes start
     * @param n   how many bytes
     * @return this writer
     */
    public SshWriter string(byte[] b, int off, int n) {
        uint32(n);
        return raw(b, off, n);
    }

    /**
     * A string of text, encoded as UTF-8.
     *
     * @param s the text
     * @return this writer
     */
    public SshWriter string(String s) {
        return string(s.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A name-list (RFC 4251 §5): the names joined by commas, as a string.
     *
     * @param names the names, none empty and none containing a comma
     * @return this writer
     */
    public SshWriter nameList(List<String> names) {
        return string(String.join(",", names));
    }

    /**
     * An mpint (RFC 4251 §5): two's complement, big-endian, minimal length; zero is an empty string.
     *
     * @param v the value
     * @return this writer
     */
    public SshWriter mpint(BigInteger v) {
        if (v.signum() == 0) {
            return uint32(0);
        }
        return string(v.toByteArray());
    }

    /**
     * An mpint from an unsigned big-endian magnitude, as a shared secret is encoded (RFC 8731 §3.1).
     *
     * @param magnitude the value's unsigned big-endian bytes
     * @return this writer
     */
    public SshWriter mpintUnsigned(byte[] magnitude) {
        return mpint(new BigInteger(1, magnitude));
    }

    /**
     * Bytes as they are, with no length prefix.
     *
     * @param b the bytes
     * @return this writer
     */
    public SshWriter raw(byte[] b) {
        return raw(b, 0, b.length);
    }

    /**
     * Part of an array as it is, with no length prefix.
     *
     * @param b   the array
     * @param off where the bytes start
     * @param n   how many bytes
     * @return this writer
     */
    public SshWriter raw(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
        return this;
    }

    /**
     * The number of bytes written so far.
     *
     * @return the length
     */
    public int length() {
        return len;
    }

    /**
     * The bytes written so far.
     *
     * @return a copy of them
     */
    public byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    /**
     * The internal buffer; valid bytes are {@code [0, length())}.
     *
     * @return the buffer, not a copy; it is replaced when the writer grows
     */
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
