package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * A bounds-checked reader of the few DER (X.690) types that private key structures use:
 * SEQUENCE, INTEGER, OCTET STRING, BIT STRING, OBJECT IDENTIFIER, NULL and context-specific
 * tags. Only definite lengths are accepted. Errors are {@link SshException}s without the
 * position's contents, for the caller to prefix with the file name.
 */
final class Der {
    static final int INTEGER = 0x02;
    static final int BIT_STRING = 0x03;
    static final int OCTET_STRING = 0x04;
    static final int NULL = 0x05;
    static final int OID = 0x06;
    static final int SEQUENCE = 0x30;

    private final byte[] buf;
    private int pos;
    private final int limit;

    Der(byte[] buf) {
        this(buf, 0, buf.length);
    }

    private Der(byte[] buf, int off, int limit) {
        this.buf = buf;
        this.pos = off;
        this.limit = limit;
    }

    boolean hasMore() {
        return pos < limit;
    }

    /** The tag of the next element, or -1 at the end. */
    int peekTag() {
        return pos < limit ? buf[pos] & 0xff : -1;
    }

    /** Reads the header of an element with {@code tag}; returns its content length (content starts at {@link #pos}). */
    private int header(int tag, String what) throws SshException {
        if (pos >= limit) {
            throw new SshException("malformed DER: " + what + " expected, the structure ends");
        }
        int t = buf[pos] & 0xff;
        if (t != tag) {
            throw new SshException("malformed DER: " + what + " expected (tag 0x" + Integer.toHexString(tag)
                    + "), found tag 0x" + Integer.toHexString(t));
        }
        pos++;
        if (pos >= limit) {
            throw new SshException("malformed DER: " + what + " has no length");
        }
        int first = buf[pos++] & 0xff;
        long len;
        if (first < 0x80) {
            len = first;
        } else {
            int n = first & 0x7f;
            if (n == 0 || n > 4) {
                throw new SshException("malformed DER: " + what + " has an indefinite or oversized length");
            }
            if (limit - pos < n) {
                throw new SshException("malformed DER: " + what + " length is truncated");
            }
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (buf[pos++] & 0xff);
            }
        }
        if (len > limit - pos) {
            throw new SshException("malformed DER: " + what + " claims " + len + " bytes, " + (limit - pos) + " remain");
        }
        return (int) len;
    }

    private byte[] contents(int tag, String what) throws SshException {
        int len = header(tag, what);
        byte[] out = Arrays.copyOfRange(buf, pos, pos + len);
        pos += len;
        return out;
    }

    private Der nested(int tag, String what) throws SshException {
        int len = header(tag, what);
        Der inner = new Der(buf, pos, pos + len);
        pos += len;
        return inner;
    }

    Der sequence(String what) throws SshException {
        return nested(SEQUENCE, what);
    }

    /** A constructed context-specific element {@code [n]} (explicit tagging), as a reader of its contents. */
    Der explicit(int n, String what) throws SshException {
        return nested(0xa0 | n, what);
    }

    /** Skips the next element, whatever it is. */
    void skip(String what) throws SshException {
        int len = header(peekTag(), what);
        pos += len;
    }

    BigInteger integer(String what) throws SshException {
        byte[] b = contents(INTEGER, what);
        if (b.length == 0) {
            throw new SshException("malformed DER: " + what + " is an empty INTEGER");
        }
        BigInteger v = new BigInteger(b);
        Arrays.fill(b, (byte) 0);
        return v;
    }

    /** An INTEGER that must be small and non-negative, such as a version or an iteration count. */
    int smallInteger(String what, int max) throws SshException {
        BigInteger v = integer(what);
        if (v.signum() < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new SshException(what + " " + (v.bitLength() > 64 ? "is too large" : v + " is outside 0 to " + max));
        }
        return v.intValue();
    }

    byte[] octetString(String what) throws SshException {
        return contents(OCTET_STRING, what);
    }

    /** A BIT STRING with no unused bits, as its bytes. */
    byte[] bitString(String what) throws SshException {
        byte[] b = contents(BIT_STRING, what);
        if (b.length == 0 || b[0] != 0) {
            throw new SshException("malformed DER: " + what + " is not a whole number of bytes");
        }
        return Arrays.copyOfRange(b, 1, b.length);
    }

    /** A {@code [n] IMPLICIT BIT STRING} with no unused bits, as its bytes. */
    byte[] implicitBitString(int n, String what) throws SshException {
        byte[] b = contents(0x80 | n, what);
        if (b.length == 0 || b[0] != 0) {
            throw new SshException("malformed DER: " + what + " is not a whole number of bytes");
        }
        return Arrays.copyOfRange(b, 1, b.length);
    }

    void nullValue(String what) throws SshException {
        if (header(NULL, what) != 0) {
            throw new SshException("malformed DER: " + what + " is a NULL with contents");
        }
    }

    /** An OBJECT IDENTIFIER in dotted decimal. */
    String oid(String what) throws SshException {
        byte[] b = contents(OID, what);
        if (b.length == 0 || (b[b.length - 1] & 0x80) != 0) {
            throw new SshException("malformed DER: " + what + " is not a valid OBJECT IDENTIFIER");
        }
        StringBuilder sb = new StringBuilder();
        long value = 0;
        boolean first = true;
        for (byte x : b) {
            if (value > (Long.MAX_VALUE >>> 7)) {
                throw new SshException("malformed DER: " + what + " has an oversized component");
            }
            value = (value << 7) | (x & 0x7f);
            if ((x & 0x80) == 0) {
                if (first) {
                    int top = value < 40 ? 0 : value < 80 ? 1 : 2;
                    sb.append(top).append('.').append(value - 40L * top);
                    first = false;
                } else {
                    sb.append('.').append(value);
                }
                value = 0;
            }
        }
        return sb.toString();
    }

    void expectEnd(String what) throws SshException {
        if (pos != limit) {
            throw new SshException("malformed DER: " + (limit - pos) + " unexpected bytes after " + what);
        }
    }
}
