package dev.tether.ssh.kex;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The RFC 3526 primes as typed in {@link ModpGroups}: each must be a safe prime of the documented
 * size, and equal to the RFC's defining formula {@code 2^s - 2^(s-64) - 1 + 2^64 * ([2^(s-130) pi] + c)}
 * with pi computed here, so a mistyped digit fails the build.
 */
class ModpGroupsTest {

    static Stream<Arguments> groups() {
        // group, documented size s, RFC 3526 offset c
        return Stream.of(
                Arguments.of("14", ModpGroups.GROUP14, 2048, 124476),
                Arguments.of("15", ModpGroups.GROUP15, 3072, 1690314),
                Arguments.of("16", ModpGroups.GROUP16, 4096, 240904),
                Arguments.of("17", ModpGroups.GROUP17, 6144, 929484),
                Arguments.of("18", ModpGroups.GROUP18, 8192, 4743158));
    }

    @ParameterizedTest(name = "group {0}")
    @MethodSource("groups")
    void isASafePrimeOfTheDocumentedSize(String id, DhGroup group, int bits, int offset) {
        BigInteger p = group.p();
        assertEquals(bits, p.bitLength(), "bit length of group " + id);
        assertEquals(BigInteger.TWO, group.g(), "generator");
        assertTrue(p.isProbablePrime(64), "p of group " + id + " is prime");
        BigInteger q = p.subtract(BigInteger.ONE).shiftRight(1);
        assertTrue(q.isProbablePrime(64), "(p-1)/2 of group " + id + " is prime");
    }

    @ParameterizedTest(name = "group {0}")
    @MethodSource("groups")
    void equalsTheRfcFormula(String id, DhGroup group, int bits, int offset) {
        BigInteger s = BigInteger.ONE.shiftLeft(bits);
        BigInteger expected = s.subtract(BigInteger.ONE.shiftLeft(bits - 64)).subtract(BigInteger.ONE)
                .add(piTimesTwoToThe(bits - 130).add(BigInteger.valueOf(offset)).shiftLeft(64));
        assertEquals(expected.toString(16), group.p().toString(16), "group " + id);
    }

    @ParameterizedTest(name = "group {0}")
    @MethodSource("groups")
    void exponentIsAtLeastTwiceTheStrengthAndBelowTheSubgroupOrder(String id, DhGroup group, int bits, int offset) {
        int n = group.exponentBits();
        assertTrue(n >= 512, "at least 512 bits, got " + n);
        assertTrue(n >= 2 * DhGroup.securityStrength(bits), "at least twice the strength");
        assertTrue(n < bits - 1, "below the size of (p-1)/2");
        BigInteger x = group.randomExponent(new java.security.SecureRandom());
        assertTrue(x.bitLength() <= n && x.compareTo(BigInteger.ONE) > 0);
    }

    /** floor(pi * 2^n) by Machin's formula, pi = 16 atan(1/5) - 4 atan(1/239), with 64 guard bits. */
    static BigInteger piTimesTwoToThe(int n) {
        int guard = 64;
        BigInteger one = BigInteger.ONE.shiftLeft(n + guard);
        BigInteger pi = atanInverse(5, one).shiftLeft(4).subtract(atanInverse(239, one).shiftLeft(2));
        return pi.shiftRight(guard);
    }

    private static BigInteger atanInverse(int x, BigInteger one) {
        BigInteger xx = BigInteger.valueOf((long) x * x);
        BigInteger term = one.divide(BigInteger.valueOf(x));
        BigInteger sum = BigInteger.ZERO;
        for (int k = 1; term.signum() != 0; k += 2) {
            BigInteger t = term.divide(BigInteger.valueOf(k));
            sum = ((k / 2) % 2 == 0) ? sum.add(t) : sum.subtract(t);
            term = term.divide(xx);
        }
        return sum;
    }
}
