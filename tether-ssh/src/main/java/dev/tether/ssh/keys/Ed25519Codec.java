package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;

import java.math.BigInteger;
import java.security.spec.EdECPoint;

/**
 * The 32-byte Ed25519 public key encoding of RFC 8032 §5.1.2 that SSH carries (RFC 8709 §4),
 * converted to and from the JCA's {@link EdECPoint} (the y coordinate plus the parity of x).
 *
 * <p>The encoding is y as 255 bits little-endian, with the least significant bit of x in the
 * most significant bit of the last byte.
 */
final class Ed25519Codec {
    static final int KEY_SIZE = 32;
    static final int SIGNATURE_SIZE = 64;

    /** The field prime 2^255 - 19. */
    private static final BigInteger P = BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));
    /** The curve constant d = -121665 / 121666 mod p. */
    private static final BigInteger D = BigInteger.valueOf(-121665)
            .multiply(BigInteger.valueOf(121666).modInverse(P)).mod(P);
    private static final BigInteger LEGENDRE_EXPONENT = P.subtract(BigInteger.ONE).shiftRight(1);

    private Ed25519Codec() {
    }

    static byte[] encode(EdECPoint point) {
        BigInteger y = point.getY();
        if (y.signum() < 0 || y.compareTo(P) >= 0) {
            throw new IllegalArgumentException("Ed25519 y coordinate outside the field");
        }
        byte[] be = y.toByteArray();
        byte[] out = new byte[KEY_SIZE];
        // reverse the big-endian magnitude into little-endian, dropping a sign byte if present
        for (int i = 0; i < KEY_SIZE && i < be.length; i++) {
            out[i] = be[be.length - 1 - i];
        }
        if (point.isXOdd()) {
            out[KEY_SIZE - 1] |= (byte) 0x80;
        }
        return out;
    }

    /**
     * Decodes and validates an encoded point as RFC 8032 §5.1.3 does: y must be below p,
     * x^2 = (y^2 - 1) / (d y^2 + 1) must be a square mod p, and the parity bit must be clear
     * when x = 0.
     */
    static EdECPoint decode(byte[] enc) throws SshException {
        if (enc.length != KEY_SIZE) {
            throw new SshException("Ed25519 public key must be " + KEY_SIZE + " bytes, got " + enc.length);
        }
        boolean xOdd = (enc[KEY_SIZE - 1] & 0x80) != 0;
        byte[] be = new byte[KEY_SIZE];
        for (int i = 0; i < KEY_SIZE; i++) {
            be[i] = enc[KEY_SIZE - 1 - i];
        }
        be[0] &= 0x7f;
        BigInteger y = new BigInteger(1, be);
        if (y.compareTo(P) >= 0) {
            throw new SshException("Ed25519 public key is not canonically encoded (y >= p)");
        }
        BigInteger y2 = y.multiply(y).mod(P);
        BigInteger u = y2.subtract(BigInteger.ONE).mod(P);
        BigInteger v = D.multiply(y2).add(BigInteger.ONE).mod(P);
        // v is never zero: -1/d is not a square mod p
        BigInteger x2 = u.multiply(v.modInverse(P)).mod(P);
        if (x2.signum() == 0) {
            if (xOdd) {
                throw new SshException("Ed25519 public key is not a valid point (x = 0 with the sign bit set)");
            }
        } else if (!x2.modPow(LEGENDRE_EXPONENT, P).equals(BigInteger.ONE)) {
            throw new SshException("Ed25519 public key is not a valid point on the curve");
        }
        return new EdECPoint(xOdd, y);
    }
}
