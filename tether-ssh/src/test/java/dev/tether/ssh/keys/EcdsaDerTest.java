package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.Signature;
import java.util.Arrays;

import static dev.tether.ssh.keys.TestKeys.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EcdsaDerTest {

    @Test
    void smallestValidSignatureDecodes() throws Exception {
        EcdsaDer.RS rs = EcdsaDer.decode(hex("3006020101020101"));
        assertEquals(BigInteger.ONE, rs.r());
        assertEquals(BigInteger.ONE, rs.s());
    }

    @Test
    void encodesMinimalIntegers() {
        // r = 1, s = 0x80 (needs a leading zero to stay positive)
        assertArrayEquals(hex("3007020101020200" + "80"), EcdsaDer.encode(BigInteger.ONE, BigInteger.valueOf(0x80)));
        EcdsaDer.RS rs = assertDecodes(hex("3007020101020200" + "80"));
        assertEquals(BigInteger.ONE, rs.r());
        assertEquals(BigInteger.valueOf(0x80), rs.s());
    }

    @Test
    void longFormLengthForP521SizedValues() throws Exception {
        BigInteger r = BigInteger.ONE.shiftLeft(520).subtract(BigInteger.ONE); // 66 bytes
        BigInteger s = BigInteger.ONE.shiftLeft(519);
        byte[] der = EcdsaDer.encode(r, s);
        assertEquals(0x30, der[0] & 0xff);
        assertEquals(0x81, der[1] & 0xff, "a SEQUENCE over 127 bytes uses the one-byte long form");
        assertEquals(der.length - 3, der[2] & 0xff);
        EcdsaDer.RS rs = EcdsaDer.decode(der);
        assertEquals(r, rs.r());
        assertEquals(s, rs.s());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",                         // empty
        "31060201010201 01",        // not a SEQUENCE
        "3005020101020101",         // SEQUENCE length shorter than its content
        "3008020101020101",         // SEQUENCE length longer than what follows
        "30060201010201",           // truncated
        "3007020101020101 00",      // trailing byte inside the SEQUENCE
        "3006020101020101 00",      // trailing byte after the SEQUENCE
        "300602010102 0201",        // wrong length of s
        "3006020101030101",         // s is not an INTEGER
        "30050201010200",           // empty INTEGER
        "3006020181020101",         // negative r
        "300702020001020101",       // non-minimal r (unneeded leading zero)
        "3081060201010201 01",      // non-minimal long-form length
        "3083000006020101020101",   // unsupported length form
    })
    void rejectsNonStrictDer(String hexDer) {
        byte[] der = hex(hexDer.replace(" ", ""));
        assertThrows(SshException.class, () -> EcdsaDer.decode(der), hexDer);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"})
    void roundTripsJcaSignatures(String type) throws Exception {
        KeyPair kp = TestKeys.of(type);
        EcCurves curve = EcCurves.bySshName(type);
        for (int i = 0; i < 20; i++) {
            Signature s = Signature.getInstance(curve.jcaSignature);
            s.initSign(kp.getPrivate());
            s.update(new byte[] {(byte) i});
            byte[] der = s.sign();
            EcdsaDer.RS rs = EcdsaDer.decode(der);
            assertArrayEquals(der, EcdsaDer.encode(rs.r(), rs.s()), "re-encoding gives the JCA's DER back");
            assertTrue(rs.r().bitLength() <= curve.order().bitLength());
        }
    }

    private static EcdsaDer.RS assertDecodes(byte[] der) {
        try {
            return EcdsaDer.decode(Arrays.copyOf(der, der.length));
        } catch (SshException e) {
            throw new AssertionError(e);
        }
    }
}
