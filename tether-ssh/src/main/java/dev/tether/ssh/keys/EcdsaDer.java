package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.Arrays;

/**
 * Conversion between the DER {@code ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }}
 * that the JCA produces and consumes, and the pair (r, s) that SSH carries as two mpints
 * (RFC 5656 §3.1.2).
 *
 * <p>Parsing is strict DER: definite minimal lengths, minimal non-negative INTEGERs, and
 * nothing after the SEQUENCE.
 */
final class EcdsaDer {
    private static final int SEQUENCE = 0x30;
    private static final int INTEGER = 0x02;

    private EcdsaDer() {
    }

    /** r and s, both positive. */
    record RS(BigInteger r, BigInteger s) {
    }

    static byte[] encode(BigInteger r, BigInteger s) {
        if (r.signum() < 0 || s.signum() < 0) {
            throw new IllegalArgumentException("ECDSA r and s must not be negative");
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeTlv(body, INTEGER, r.toByteArray());
        writeTlv(body, INTEGER, s.toByteArray());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeTlv(out, SEQUENCE, body.toByteArray());
        return out.toByteArray();
    }

    private static void writeTlv(ByteArrayOutputStream out, int tag, byte[] content) {
        out.write(tag);
        int len = content.length;
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >>> 8);
            out.write(len);
        } else {
            throw new IllegalArgumentException("DER content too long");
        }
        out.write(content, 0, len);
    }

    static RS decode(byte[] der) throws SshException {
        int[] pos = {0};
        int seqLen = readHeader(der, pos, SEQUENCE, "SEQUENCE");
        if (seqLen != der.length - pos[0]) {
            throw new SshException("DER ECDSA signature: SEQUENCE length " + seqLen + " does not match the "
                    + (der.length - pos[0]) + " bytes that follow");
        }
        BigInteger r = readInteger(der, pos, "r");
        BigInteger s = readInteger(der, pos, "s");
        if (pos[0] != der.length) {
            throw new SshException("DER ECDSA signature has trailing bytes inside the SEQUENCE");
        }
        return new RS(r, s);
    }

    private static int readHeader(byte[] b, int[] pos, int tag, String what) throws SshException {
        if (pos[0] >= b.length || (b[pos[0]] & 0xff) != tag) {
            throw new SshException("DER ECDSA signature: expected " + what);
        }
        pos[0]++;
        if (pos[0] >= b.length) {
            throw new SshException("DER ECDSA signature: truncated length of " + what);
        }
        int first = b[pos[0]++] & 0xff;
        int len;
        if (first < 0x80) {
            len = first;
        } else if (first == 0x81) {
            if (pos[0] >= b.length) {
                throw new SshException("DER ECDSA signature: truncated length of " + what);
            }
            len = b[pos[0]++] & 0xff;
            if (len < 0x80) {
                throw new SshException("DER ECDSA signature: non-minimal length of " + what);
            }
        } else if (first == 0x82) {
            if (pos[0] + 1 >= b.length) {
                throw new SshException("DER ECDSA signature: truncated length of " + what);
            }
            len = ((b[pos[0]] & 0xff) << 8) | (b[pos[0] + 1] & 0xff);
            pos[0] += 2;
            if (len < 0x100) {
                throw new SshException("DER ECDSA signature: non-minimal length of " + what);
            }
        } else {
            throw new SshException("DER ECDSA signature: unsupported length form of " + what);
        }
        if (len > b.length - pos[0]) {
            throw new SshException("DER ECDSA signature: " + what + " claims " + len + " bytes, "
                    + (b.length - pos[0]) + " remain");
        }
        return len;
    }

    private static BigInteger readInteger(byte[] b, int[] pos, String what) throws SshException {
        int len = readHeader(b, pos, INTEGER, "INTEGER " + what);
        if (len == 0) {
            throw new SshException("DER ECDSA signature: empty INTEGER " + what);
        }
        int start = pos[0];
        if ((b[start] & 0x80) != 0) {
            throw new SshException("DER ECDSA signature: negative INTEGER " + what);
        }
        if (len > 1 && b[start] == 0 && (b[start + 1] & 0x80) == 0) {
            throw new SshException("DER ECDSA signature: non-minimal INTEGER " + what);
        }
        pos[0] += len;
        return new BigInteger(1, Arrays.copyOfRange(b, start, start + len));
    }
}
