package dev.tether.ssh.common;


import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A bounds-checked reader of the SSH data types of RFC 4251 §5 over a byte array slice.
 *
 * <p>Every read checks the remaining length before it allocates or copies, so a hostile length
 * field fails with {@link SshException} (reason PROTOCOL_ERROR) instead of an
 * {@code ArrayIndexOutOfBoundsException} or an oversized allocation. Not thread-safe.
 */
public final class SshReader {
    private final byte[] buf;
    private int pos;
    private final int limit;

    /**
     * Reads the whole array.
     *
     * @param buf the bytes to read; not copied
     */
    public SshReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    /**
     * Reads a slice of an array.
     *
     * @param buf the array; not copied
     * @param off where the slice starts
     * @param len the slice's length
     * @throws IndexOutOfBoundsException if the slice does not fit the array
     */
    public SshReader(byte[] buf, int off, int len) {
        if (off < 0 || len < 0 || off + len > buf.length) {
            throw new IndexOutOfBoundsException("slice " + off + "+" + len + " of " + buf.length);
        }
        this.buf = buf;
        this.pos = off;
        this.limit = off + len;
    }

    /**
     * The bytes left to read in the slice.
     *
     * @return the count of unread bytes
     */
    public int remaining() {
        return limit - pos;
    }

    /**
     * The read position, an offset within {@link #array()}.
     *
     * @return the index of the next byte to read
     */
    public int position() {
        return pos;
    }

    /**
     * The array being read (not a copy).
     *
     * @return the underlying array
     */
    public byte[] array() {
        return buf;
    }

    /**
     * Whether any byte is left to read.
     *
     * @return true while bytes remain in the slice
     */
    public boolean hasRemaining() {
        return pos < limit;
    }

    private void need(int n, String what) throws SshException {
        if (n < 0 || limit - pos < n) {
            throw new SshException("truncated message: " + what + " needs " + (n < 0 ? "an invalid length " + n : n + " bytes")
                    + ", " + (limit - pos) + " remain");
        }
    }

    /**
     * A byte.
     *
     * @return the byte, 0 to 255
     * @throws SshException if no byte remains
     */
    public int byteValue() throws SshException {
        need(1, "byte");
        return buf[pos++] & 0xff;
    }

    /**
     * A boolean: any byte other than 0 is true (RFC 4251 §5).
     *
     * @return the boolean
     * @throws SshException if no byte remains
     */
    public boolean bool() throws SshException {
        return byteValue() != 0;
    }

    /**
     * A uint32, as a Java int holding the same 32 bits.
     *
     * @return the value; negative for values of 2^31 and above
     * @throws SshException if fewer than 4 bytes remain
     */
    public int uint32() throws SshException {
        need(4, "uint32");
        int v = ((buf[pos] & 0xff) << 24) | ((buf[pos + 1] & 0xff) << 16) | ((buf[pos + 2] & 0xff) << 8) | (buf[pos + 3] & 0xff);
        pos += 4;
        return v;
    }

    /**
     * The uint32 at the current position, without consuming it (the recipient channel of a message).
     *
     * @return the value, as {@link #uint32()} would return it
     * @throws SshException if fewer than 4 bytes remain
     */
    public int peekUint32() throws SshException {
        need(4, "uint32");
        return ((buf[pos] & 0xff) << 24) | ((buf[pos + 1] & 0xff) << 16) | ((buf[pos + 2] & 0xff) << 8) | (buf[pos + 3] & 0xff);
    }

    /**
     * A trailing string that peers may leave out or send malformed (a language tag): read if the
     * remaining bytes hold a whole string, otherwise {@code ""} and nothing is consumed.
     *
     * @return the string, decoded as UTF-8 with malformed bytes replaced, or {@code ""}
     */
    public String optionalUtf8Lenient() {
        if (limit - pos < 4) {
            return "";
        }
        long len = ((buf[pos] & 0xffL) << 24) | ((buf[pos + 1] & 0xff) << 16) | ((buf[pos + 2] & 0xff) << 8) | (buf[pos + 3] & 0xff);
        if (len > limit - pos - 4) {
            return "";
        }
        String s = new String(buf, pos + 4, (int) len, StandardCharsets.UTF_8);
        pos += 4 + (int) len;
        return s;
    }

    /**
     * A uint32 as a non-negative long.
     *
     * @return the value, 0 to 2^32-1
     * @throws SshException if fewer than 4 bytes remain
     */
    public long uint32AsLong() throws SshException {
        return uint32() & 0xffffffffL;
    }

    /**
     * A uint64.
     *
     * @return the value, as a Java long holding the same 64 bits
     * @throws SshException if fewer than 8 bytes remain
     */
    public long uint64() throws SshException {
        long hi = uint32AsLong();
        long lo = uint32AsLong();
        return (hi << 32) | lo;
    }

    /** The length prefix of a string, checked against what remains. */
    private int stringLength(String what) throws SshException {
        long len = uint32AsLong();
        if (len > limit - pos) {
            throw new SshException("truncated message: " + what + " claims " + len + " bytes, " + (limit - pos) + " remain");
        }
        return (int) len;
    }

    /**
     * A string, as raw bytes.
     *
     * @return a copy of the string's bytes
     * @throws SshException if the length prefix is truncated or claims more bytes than remain
     */
    public byte[] string() throws SshException {
        int len = stringLength("string");
        byte[] out = new byte[len];
        System.arraycopy(buf, pos, out, 0, len);
        pos += len;
        return out;
    }

    /**
     * Skips over a string and returns the offset of its first byte within {@link #array()};
     * its length is {@code position() - offset}. Lets bulk data be used without a copy.
     *
     * @return the offset of the string's first byte in {@link #array()}
     * @throws SshException if the length prefix is truncated or claims more bytes than remain
     */
    public int stringInPlace() throws SshException {
        int len = stringLength("string");
        int start = pos;
        pos += len;
        return start;
    }

    /**
     * A string that must be valid UTF-8 (RFC 4251 §5).
     *
     * @return the decoded string
     * @throws SshException if the string is truncated or is not valid UTF-8
     */
    public String utf8() throws SshException {
        int len = stringLength("string");
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(buf, pos, len)).toString();
            pos += len;
            return s;
        } catch (CharacterCodingException e) {
            throw new SshException("string is not valid UTF-8");
        }
    }

    /**
     * A string of US-ASCII, as algorithm names are (RFC 4251 §6).
     *
     * @return the string
     * @throws SshException if the string is truncated or holds a byte outside printable US-ASCII (0x20 to 0x7e)
     */
    public String ascii() throws SshException {
        int len = stringLength("string");
        for (int i = pos; i < pos + len; i++) {
            if (buf[i] < 0x20 || buf[i] > 0x7e) {
                throw new SshException("name contains a byte outside printable US-ASCII: 0x" + Integer.toHexString(buf[i] & 0xff));
            }
        }
        String s = new String(buf, pos, len, StandardCharsets.US_ASCII);
        pos += len;
        return s;
    }

    /**
     * A name-list (RFC 4251 §5): comma-separated, no empty names.
     *
     * @return the names, in order; empty for an empty string
     * @throws SshException if the string is truncated, not printable US-ASCII, or holds an empty name
     */
    public List<String> nameList() throws SshException {
        String s = ascii();
        List<String> out = new ArrayList<>();
        if (s.isEmpty()) {
            return out;
        }
        for (String name : s.split(",", -1)) {
            if (name.isEmpty()) {
                throw new SshException("name-list contains an empty name: \"" + s + "\"");
            }
            out.add(name);
        }
        return out;
    }

    /**
     * An mpint (RFC 4251 §5): two's complement, big-endian.
     *
     * @return the value; zero for an empty mpint
     * @throws SshException if the mpint is truncated
     */
    public BigInteger mpint() throws SshException {
        int len = stringLength("mpint");
        if (len == 0) {
            pos += 0;
            return BigInteger.ZERO;
        }
        BigInteger v = new BigInteger(buf, pos, len);
        pos += len;
        return v;
    }

    /**
     * The next bytes as they are.
     *
     * @param n how many bytes to read
     * @return a copy of them
     * @throws SshException if {@code n} is negative or more than remain
     */
    public byte[] raw(int n) throws SshException {
        need(n, "raw bytes");
        byte[] out = new byte[n];
        System.arraycopy(buf, pos, out, 0, n);
        pos += n;
        return out;
    }

    /**
     * Skips bytes.
     *
     * @param n how many bytes to skip
     * @throws SshException if {@code n} is negative or more than remain
     */
    public void skip(int n) throws SshException {
        need(n, "skip");
        pos += n;
    }

    /**
     * The rest of the slice, copied.
     *
     * @return a copy of the unread bytes; nothing remains afterwards
     */
    public byte[] rest() {
        byte[] out = new byte[limit - pos];
        System.arraycopy(buf, pos, out, 0, out.length);
        pos = limit;
        return out;
    }

    /**
     * Fails if bytes remain: used where a message must end exactly.
     *
     * @param message what is being read, for the exception's message (e.g. {@code "KEXINIT"})
     * @throws SshException if any byte remains
     */
    public void expectEnd(String message) throws SshException {
        if (pos != limit) {
            throw new SshException(message + " has " + (limit - pos) + " unexpected trailing bytes");
        }
    }
}
