package dev.tether.ssh.kex;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.security.spec.ECFieldFp;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.util.Arrays;
import java.util.stream.Stream;

import static dev.tether.ssh.kex.KexTestPipe.concat;
import static dev.tether.ssh.kex.KexTestPipe.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** ECDH on nistp256/384/521: the RFC 5903 §8 vectors through the agreement, and point validation. */
class NistEcdhTest {
    // RFC 5903 §8.1, 256-bit random ECP group
    static final String P256_I = "C88F01F5 10D9AC3F 70A292DA A2316DE5 44E9AAB8 AFE84049 C62A9C57 862D1433";
    static final String P256_GIX = "DAD0B653 94221CF9 B051E1FE CA5787D0 98DFE637 FC90B9EF 945D0C37 72581180";
    static final String P256_GIY = "5271A046 1CDB8252 D61F1C45 6FA3E59A B1F45B33 ACCF5F58 389E0577 B8990BB3";
    static final String P256_R = "C6EF9C5D 78AE012A 011164AC B397CE20 88685D8F 06BF9BE0 B283AB46 476BEE53";
    static final String P256_GRX = "D12DFB52 89C8D4F8 1208B702 70398C34 2296970A 0BCCB74C 736FC755 4494BF63";
    static final String P256_GRY = "56FBF3CA 366CC23E 8157854C 13C58D6A AC23F046 ADA30F83 53E74F33 039872AB";
    static final String P256_GIRX = "D6840F6B 42F6EDAF D13116E0 E1256520 2FEF8E9E CE7DCE03 812464D0 4B9442DE";

    // RFC 5903 §8.2, 384-bit random ECP group
    static final String P384_I = "099F3C70 34D4A2C6 99884D73 A375A67F 7624EF7C 6B3C0F16 0647B674 14DCE655"
            + "E35B5380 41E649EE 3FAEF896 783AB194";
    static final String P384_GIX = "667842D7 D180AC2C DE6F74F3 7551F557 55C7645C 20EF73E3 1634FE72 B4C55EE6"
            + "DE3AC808 ACB4BDB4 C88732AE E95F41AA";
    static final String P384_GIY = "9482ED1F C0EEB9CA FC498462 5CCFC23F 65032149 E0E144AD A0241815 35A0F38E"
            + "EB9FCFF3 C2C947DA E69B4C63 4573A81C";
    static final String P384_R = "41CB0779 B4BDB85D 47846725 FBEC3C94 30FAB46C C8DC5060 855CC9BD A0AA2942"
            + "E0308312 916B8ED2 960E4BD5 5A7448FC";
    static final String P384_GRX = "E558DBEF 53EECDE3 D3FCCFC1 AEA08A89 A987475D 12FD950D 83CFA417 32BC509D"
            + "0D1AC43A 0336DEF9 6FDA41D0 774A3571";
    static final String P384_GRY = "DCFBEC7A ACF31964 72169E83 8430367F 66EEBE3C 6E70C416 DD5F0C68 759DD1FF"
            + "F83FA401 42209DFF 5EAAD96D B9E6386C";
    static final String P384_GIRX = "11187331 C279962D 93D60424 3FD592CB 9D0A926F 422E4718 7521287E 7156C5C4"
            + "D6031355 69B9E9D0 9CF5D4A2 70F59746";

    // RFC 5903 §8.3, 521-bit random ECP group
    static final String P521_I = "0037ADE9 319A89F4 DABDB3EF 411AACCC A5123C61 ACAB57B5 393DCE47 608172A0"
            + "95AA85A3 0FE1C295 2C6771D9 37BA9777 F5957B26 39BAB072 462F68C2 7A57382D 4A52";
    static final String P521_GIX = "0015417E 84DBF28C 0AD3C278 713349DC 7DF153C8 97A1891B D98BAB43 57C9ECBE"
            + "E1E3BF42 E00B8E38 0AEAE57C 2D107564 94188594 2AF5A7F4 601723C4 195D176C ED3E";
    static final String P521_GIY = "017CAE20 B6641D2E EB695786 D8C94614 6239D099 E18E1D5A 514C739D 7CB4A10A"
            + "D8A78801 5AC405D7 799DC75E 7B7D5B6C F2261A6A 7F150743 8BF01BEB 6CA3926F 9582";
    static final String P521_R = "0145BA99 A847AF43 793FDD0E 872E7CDF A16BE30F DC780F97 BCCC3F07 8380201E"
            + "9C677D60 0B343757 A3BDBF2A 3163E4C2 F869CCA7 458AA4A4 EFFC311F 5CB15168 5EB9";
    static final String P521_GRX = "00D0B397 5AC4B799 F5BEA16D 5E13E9AF 971D5E9B 984C9F39 728B5E57 39735A21"
            + "9B97C356 436ADC6E 95BB0352 F6BE64A6 C2912D4E F2D0433C ED2B6171 640012D9 460F";
    static final String P521_GRY = "015C6822 6383956E 3BD066E7 97B623C2 7CE0EAC2 F551A10C 2C724D98 52077B87"
            + "220B6536 C5C408A1 D2AEBB8E 86D678AE 49CB5709 1F473229 6579AB44 FCD17F0F C56A";
    static final String P521_GIRX = "01144C7D 79AE6956 BC8EDB8E 7C787C45 21CB086F A64407F9 7894E5E6 B2D79B04"
            + "D1427E73 CA4BAA24 0A347868 59810C06 B3C715A3 A8CC3151 F2BEE417 996D19F3 DDEA";

    static Stream<Arguments> rfc5903() {
        return Stream.of(
                Arguments.of(NistEcdh.Curve.NISTP256, P256_I, P256_GIX, P256_GIY, P256_R, P256_GRX, P256_GRY, P256_GIRX),
                Arguments.of(NistEcdh.Curve.NISTP384, P384_I, P384_GIX, P384_GIY, P384_R, P384_GRX, P384_GRY, P384_GIRX),
                Arguments.of(NistEcdh.Curve.NISTP521, P521_I, P521_GIX, P521_GIY, P521_R, P521_GRX, P521_GRY, P521_GIRX));
    }

    private static byte[] point(String x, String y) {
        return concat(new byte[] {4}, hex(x), hex(y));
    }

    @ParameterizedTest
    @MethodSource("rfc5903")
    void clientSideMatchesRfc5903(NistEcdh.Curve curve, String i, String gix, String giy,
                                  String r, String grx, String gry, String girx) throws Exception {
        NistEcdh initiator = new NistEcdh(curve, KexKnownAnswerTest.fixedEcKey(i, gix, giy));
        EcdhStyleKex.ClientSide side = initiator.start(new SecureRandom());
        assertEquals(hex(point(gix, giy)), hex(side.publicValue()), "Q_C = 04 || gix || giy");
        assertEquals(hex(hex(girx)), hex(side.finish(point(grx, gry))), "shared x-coordinate girx");
    }

    @ParameterizedTest
    @MethodSource("rfc5903")
    void serverSideMatchesRfc5903(NistEcdh.Curve curve, String i, String gix, String giy,
                                  String r, String grx, String gry, String girx) throws Exception {
        NistEcdh responder = new NistEcdh(curve, KexKnownAnswerTest.fixedEcKey(r, grx, gry));
        EcdhStyleKex.ServerSide side = responder.respond(point(gix, giy), new SecureRandom());
        assertEquals(hex(point(grx, gry)), hex(side.publicValue()), "Q_S = 04 || grx || gry");
        assertEquals(hex(hex(girx)), hex(side.secret()), "shared x-coordinate girx");
    }

    @ParameterizedTest
    @EnumSource(NistEcdh.Curve.class)
    void encodingPadsCoordinatesToTheFieldSize(NistEcdh.Curve curve) throws Exception {
        ECParameterSpec params = curve.params();
        int n = NistEcdh.coordinateLength(params);
        assertEquals(curve == NistEcdh.Curve.NISTP256 ? 32 : curve == NistEcdh.Curve.NISTP384 ? 48 : 66, n);
        byte[] q = NistEcdh.encode(new ECPoint(BigInteger.ONE, BigInteger.valueOf(0x0203)), params);
        byte[] expected = new byte[1 + 2 * n];
        expected[0] = 4;
        expected[n] = 1;
        expected[2 * n - 1] = 2;
        expected[2 * n] = 3;
        assertEquals(hex(expected), hex(q));
        // a coordinate with its top bit set has a sign byte in toByteArray(), which must not leak in
        BigInteger big = BigInteger.ONE.shiftLeft(8 * n - 1);
        byte[] q2 = NistEcdh.encode(new ECPoint(big, big), params);
        assertEquals(1 + 2 * n, q2.length);
        assertEquals((byte) 0x80, q2[1]);
        assertEquals((byte) 0x80, q2[1 + n]);
    }

    // ---- hostile points

    private static SshException rejects(NistEcdh.Curve curve, byte[] q) {
        NistEcdh server = new NistEcdh(curve, NistEcdh.RANDOM);
        SshException e = assertThrows(SshException.class, () -> server.respond(q, new SecureRandom()));
        assertEquals(DisconnectReason.KEY_EXCHANGE_FAILED, e.reason());
        NistEcdh client = new NistEcdh(curve, NistEcdh.RANDOM);
        SshException e2 = assertThrows(SshException.class, () -> client.start(new SecureRandom()).finish(q));
        assertEquals(DisconnectReason.KEY_EXCHANGE_FAILED, e2.reason());
        return e;
    }

    @Test
    void rejectsAPointOffTheCurve() {
        byte[] q = point(P256_GRX, P256_GRY);
        q[q.length - 1] ^= 1; // y changed: (x, y') is not on the curve
        assertEquals("ecdh-sha2-nistp256: client's public point is not on the curve",
                rejects(NistEcdh.Curve.NISTP256, q).getMessage());
    }

    @Test
    void rejectsAPointOfAnotherCurve() {
        // a valid P-256 point offered for P-384: wrong length
        assertEquals("ecdh-sha2-nistp384: client's public point must be 97 bytes (uncompressed), got 65",
                rejects(NistEcdh.Curve.NISTP384, point(P256_GRX, P256_GRY)).getMessage());
    }

    @Test
    void rejectsCompressedAndTruncatedEncodings() {
        byte[] compressed = concat(new byte[] {2}, hex(P256_GRX));
        assertEquals("ecdh-sha2-nistp256: client's public point must be 65 bytes (uncompressed), got 33",
                rejects(NistEcdh.Curve.NISTP256, compressed).getMessage());
        byte[] wrongPrefix = point(P256_GRX, P256_GRY);
        wrongPrefix[0] = 6; // hybrid form
        assertEquals("ecdh-sha2-nistp256: client's public point is not an uncompressed point (first byte 0x6, expected 0x04)",
                rejects(NistEcdh.Curve.NISTP256, wrongPrefix).getMessage());
        byte[] full = point(P256_GRX, P256_GRY);
        rejects(NistEcdh.Curve.NISTP256, Arrays.copyOf(full, full.length - 1));
        rejects(NistEcdh.Curve.NISTP256, new byte[0]);
    }

    @Test
    void rejectsCoordinatesOutsideTheField() throws Exception {
        // x = p is congruent to 0 but is not a field element
        ECParameterSpec params = NistEcdh.Curve.NISTP256.params();
        BigInteger p = ((ECFieldFp) params.getCurve().getField()).getP();
        byte[] q = concat(new byte[] {4}, Arrays.copyOfRange(p.toByteArray(), 1, 33), hex(P256_GRY));
        assertEquals("ecdh-sha2-nistp256: client's public point has a coordinate outside the field",
                rejects(NistEcdh.Curve.NISTP256, q).getMessage());
    }

    @Test
    void rejectsTheAllZeroPoint() {
        // (0, 0) cannot be on these curves (b != 0) and is how some encoders write infinity
        byte[] q = new byte[65];
        q[0] = 4;
        assertEquals("ecdh-sha2-nistp256: client's public point is not on the curve",
                rejects(NistEcdh.Curve.NISTP256, q).getMessage());
    }
}
