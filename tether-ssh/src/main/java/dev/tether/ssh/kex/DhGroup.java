package dev.tether.ssh.kex;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;

import java.math.BigInteger;
import java.security.SecureRandom;

/**
 * A finite-field Diffie-Hellman group: a safe prime {@code p} and a generator {@code g}, with
 * the arithmetic of RFC 4253 §8 and the checks it requires.
 *
 * <p><b>Why {@link BigInteger#modPow} and not the JCA {@code "DH"} KeyAgreement.</b> The JCA
 * route would need a fresh {@code DHParameterSpec} per exchange (group exchange sends arbitrary
 * groups), gives no control over the private exponent length beyond a provider hint, and its
 * secret is a fixed-length byte array that we would re-parse into the mpint K anyway. SunJCE's
 * implementation computes {@code modPow} on {@code BigInteger}s itself, so the JCA adds no
 * side-channel protection we lose here. Doing the arithmetic directly keeps the exponent size
 * explicit (see {@link #exponentBits()}), makes the peer-value check of RFC 4253 §8 visible, and
 * lets tests inject fixed exponents through {@link ExponentSource}.
 *
 * <p>Ephemeral exponents are {@code BigInteger}s, which are immutable and cannot be wiped;
 * they become garbage as soon as the exchange returns.
 *
 * @param p the prime modulus, a safe prime ({@code (p-1)/2} prime)
 * @param g the generator, {@code 1 < g < p-1}
 */
record DhGroup(BigInteger p, BigInteger g) {
    private static final BigInteger TWO = BigInteger.TWO;

    /** Where a side's private exponent comes from; tests inject fixed values here. */
    @FunctionalInterface
    interface ExponentSource {
        BigInteger exponent(DhGroup group, SecureRandom random);
    }

    /** The production source: {@link #randomExponent}. */
    static final ExponentSource RANDOM = DhGroup::randomExponent;

    DhGroup {
        if (p.signum() <= 0 || !p.testBit(0) || g.compareTo(BigInteger.ONE) <= 0 || g.compareTo(p.subtract(BigInteger.ONE)) >= 0) {
            throw new IllegalArgumentException("not a Diffie-Hellman group: p must be odd and 1 < g < p-1");
        }
    }

    /** The size of p in bits. */
    int bits() {
        return p.bitLength();
    }

    /**
     * The length of the private exponent: twice the group's estimated security strength
     * (RFC 3526 §1: "double the entropy of the strength of the entire system"), but never less
     * than 512 bits — twice 256, the strongest symmetric cipher SSH negotiates, so the exponent is
     * never the weakest link — and always below the size of the subgroup of order (p-1)/2.
     */
    int exponentBits() {
        int bits = bits();
        return Math.min(bits - 2, Math.max(512, 2 * securityStrength(bits)));
    }

    /**
     * The security strength in bits of a {@code bits}-bit prime modulus, by the general number
     * field sieve estimate of NIST SP 800-56B Rev. 2, Appendix D (about 110 for 2048 bits, 130
     * for 3072, 150 for 4096 and 200 for 8192).
     */
    static int securityStrength(int bits) {
        double nLn2 = bits * Math.log(2);
        double e = (1.923 * Math.cbrt(nLn2) * Math.cbrt(Math.log(nLn2) * Math.log(nLn2)) - 4.69) / Math.log(2);
        return (int) Math.ceil(e);
    }

    /** A uniformly random exponent of {@link #exponentBits()} bits, at least 2. */
    BigInteger randomExponent(SecureRandom random) {
        int n = exponentBits();
        BigInteger x;
        do {
            x = new BigInteger(n, random);
        } while (x.compareTo(TWO) < 0);
        return x;
    }

    /** g^x mod p. */
    BigInteger publicValue(BigInteger x) {
        return g.modPow(x, p);
    }

    /**
     * Checks a peer's public value: RFC 4253 §8 requires {@code 1 < y < p-1}; outside that range
     * lie 0, 1 and p-1, which force K into {0, 1, p-1}.
     *
     * @param what how the message names it, e.g. "e" or "f"
     */
    void checkPeerValue(String method, String what, BigInteger y) throws SshException {
        if (y.compareTo(BigInteger.ONE) <= 0 || y.compareTo(p.subtract(BigInteger.ONE)) >= 0) {
            throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED,
                    method + ": peer's public value " + what + " is outside 1 < " + what + " < p-1");
        }
    }

    /** K = y^x mod p, after {@link #checkPeerValue}. */
    BigInteger sharedSecret(BigInteger peerValue, BigInteger x) {
        return peerValue.modPow(x, p);
    }
}
