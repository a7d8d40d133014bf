package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SignatureAlgorithmsTest {
    private static final byte[] DATA = "exchange hash H".getBytes(StandardCharsets.US_ASCII);

    static Stream<Arguments> typesAndAlgorithms() {
        return TestKeys.TYPES_AND_ALGORITHMS.stream().map(a -> Arguments.of(a[0], a[1]));
    }

    static Stream<String> ecdsa() {
        return Stream.of("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521");
    }

    private static byte[] replaceName(byte[] sigBlob, String newName) throws SshException {
        SshReader r = new SshReader(sigBlob);
        r.ascii();
        byte[] sig = r.string();
        return new SshWriter().string(newName).string(sig).toByteArray();
    }

    private static byte[] innerSignature(byte[] sigBlob) throws SshException {
        SshReader r = new SshReader(sigBlob);
        r.ascii();
        return r.string();
    }

    // ------------------------------------------------------------ round trips

    @ParameterizedTest(name = "{1} with {0} key")
    @MethodSource("typesAndAlgorithms")
    void signVerifyRoundTrip(String type, String alg) throws Exception {
        KeyPair kp = TestKeys.of(type);
        byte[] sig = SignatureAlgorithms.sign(alg, kp.getPrivate(), DATA);
        assertEquals(alg, new SshReader(sig).ascii(), "the blob names the algorithm");
        assertTrue(SignatureAlgorithms.verify(alg, kp.getPublic(), DATA, sig));

        // through the wire encoding of the public key too
        byte[] blob = SignatureAlgorithms.encodePublicKey(kp.getPublic());
        assertEquals(type, new SshReader(blob).ascii());
        PublicKey decoded = SignatureAlgorithms.decodePublicKey(blob);
        assertArrayEquals(blob, SignatureAlgorithms.encodePublicKey(decoded));
        assertTrue(SignatureAlgorithms.verify(alg, decoded, DATA, sig));
        assertEquals(type, SignatureAlgorithms.keyType(alg));
    }

    @ParameterizedTest(name = "{1} with {0} key")
    @MethodSource("typesAndAlgorithms")
    void flippedBitsFail(String type, String alg) throws Exception {
        KeyPair kp = TestKeys.of(type);
        byte[] sig = SignatureAlgorithms.sign(alg, kp.getPrivate(), DATA);
        // the last byte belongs to the signature value itself (s for ECDSA, S for Ed25519)
        for (int bit = 0; bit < 8; bit++) {
            byte[] bad = sig.clone();
            bad[bad.length - 1] ^= (byte) (1 << bit);
            assertFalse(SignatureAlgorithms.verify(alg, kp.getPublic(), DATA, bad), "bit " + bit);
        }
        // a byte near the start of the value: in R for Ed25519, in r for ECDSA (past its length), in s for RSA
        byte[] bad = sig.clone();
        bad[sig.length - innerSignature(sig).length + 9] ^= 0x10;
        assertFalse(SignatureAlgorithms.verify(alg, kp.getPublic(), DATA, bad));

        byte[] data = DATA.clone();
        data[0] ^= 0x01;
        assertFalse(SignatureAlgorithms.verify(alg, kp.getPublic(), data, sig), "other data");
    }

    @ParameterizedTest(name = "{1} with {0} key")
    @MethodSource("typesAndAlgorithms")
    void wrongAlgorithmNameInBlobFails(String type, String alg) throws Exception {
        KeyPair kp = TestKeys.of(type);
        byte[] sig = SignatureAlgorithms.sign(alg, kp.getPrivate(), DATA);
        for (String other : SignatureAlgorithms.SUPPORTED) {
            if (other.equals(alg)) {
                continue;
            }
            byte[] relabelled = replaceName(sig, other);
            SshException e = assertThrows(SshException.class,
                    () -> SignatureAlgorithms.verify(alg, kp.getPublic(), DATA, relabelled), other);
            assertTrue(e.getMessage().contains("does not match"), e.getMessage());
            // and the unmodified blob is refused when another algorithm was negotiated
            if (type.equals(SignatureAlgorithms.keyType(other))) {
                assertThrows(SshException.class, () -> SignatureAlgorithms.verify(other, kp.getPublic(), DATA, sig));
            }
        }
    }

    @Test
    void rsaSignatureRelabelledAsAnotherHashDoesNotVerify() throws Exception {
        KeyPair kp = TestKeys.of("ssh-rsa");
        byte[] sig256 = SignatureAlgorithms.sign("rsa-sha2-256", kp.getPrivate(), DATA);
        assertFalse(SignatureAlgorithms.verify("rsa-sha2-512", kp.getPublic(), DATA, replaceName(sig256, "rsa-sha2-512")));
        assertFalse(SignatureAlgorithms.verify("ssh-rsa", kp.getPublic(), DATA, replaceName(sig256, "ssh-rsa")));
    }

    @Test
    void keyOfTheWrongTypeIsRefused() throws Exception {
        KeyPair ed = TestKeys.of("ssh-ed25519");
        KeyPair p256 = TestKeys.of("ecdsa-sha2-nistp256");
        KeyPair rsa = TestKeys.of("ssh-rsa");
        assertThrows(SshException.class, () -> SignatureAlgorithms.sign("ecdsa-sha2-nistp384", p256.getPrivate(), DATA));
        assertThrows(SshException.class, () -> SignatureAlgorithms.sign("rsa-sha2-256", ed.getPrivate(), DATA));
        assertThrows(SshException.class, () -> SignatureAlgorithms.sign("ssh-ed25519", rsa.getPrivate(), DATA));
        byte[] edSig = SignatureAlgorithms.sign("ssh-ed25519", ed.getPrivate(), DATA);
        assertThrows(SshException.class, () -> SignatureAlgorithms.verify("ssh-ed25519", rsa.getPublic(), DATA, edSig));
        byte[] p256Sig = SignatureAlgorithms.sign("ecdsa-sha2-nistp256", p256.getPrivate(), DATA);
        KeyPair p384 = TestKeys.of("ecdsa-sha2-nistp384");
        assertThrows(SshException.class,
                () -> SignatureAlgorithms.verify("ecdsa-sha2-nistp256", p384.getPublic(), DATA, p256Sig));
        assertThrows(SshException.class, () -> SignatureAlgorithms.sign("ssh-dss", ed.getPrivate(), DATA));
        assertThrows(SshException.class, () -> SignatureAlgorithms.verify("ssh-dss", ed.getPublic(), DATA, edSig));
    }

    // ------------------------------------------------------------ malformed signature blobs

    @ParameterizedTest(name = "{1} with {0} key")
    @MethodSource("typesAndAlgorithms")
    void malformedSignatureBlobsThrow(String type, String alg) throws Exception {
        KeyPair kp = TestKeys.of(type);
        byte[] sig = SignatureAlgorithms.sign(alg, kp.getPrivate(), DATA);
        byte[] trailing = Arrays.copyOf(sig, sig.length + 1);
        SshException e = assertThrows(SshException.class, () -> SignatureAlgorithms.verify(alg, kp.getPublic(), DATA, trailing));
        assertTrue(e.getMessage().contains("trailing"), e.getMessage());
        for (int cut : new int[] {1, sig.length / 2, sig.length - 3}) {
            byte[] truncated = Arrays.copyOf(sig, sig.length - cut);
            assertThrows(SshException.class, () -> SignatureAlgorithms.verify(alg, kp.getPublic(), DATA, truncated), "cut " + cut);
        }
        assertThrows(SshException.class, () -> SignatureAlgorithms.verify(alg, kp.getPublic(), DATA, new byte[0]));
    }

    @Test
    void ed25519SignatureMustBe64Bytes() throws Exception {
        KeyPair kp = TestKeys.of("ssh-ed25519");
        byte[] inner = innerSignature(SignatureAlgorithms.sign("ssh-ed25519", kp.getPrivate(), DATA));
        for (int len : new int[] {63, 65, 0}) {
            byte[] blob = new SshWriter().string("ssh-ed25519").string(Arrays.copyOf(inner, len)).toByteArray();
            SshException e = assertThrows(SshException.class,
                    () -> SignatureAlgorithms.verify("ssh-ed25519", kp.getPublic(), DATA, blob));
            assertTrue(e.getMessage().contains("64 bytes"), e.getMessage());
        }
    }

    @ParameterizedTest
    @MethodSource("ecdsa")
    void ecdsaSignatureStructure(String alg) throws Exception {
        KeyPair kp = TestKeys.of(alg);
        PublicKey pub = kp.getPublic();
        SshReader r = new SshReader(innerSignature(SignatureAlgorithms.sign(alg, kp.getPrivate(), DATA)));
        BigInteger rv = r.mpint();
        BigInteger sv = r.mpint();
        assertFalse(r.hasRemaining());
        assertTrue(rv.signum() > 0 && sv.signum() > 0);
        BigInteger n = ((ECPublicKey) pub).getParams().getOrder();

        // trailing bytes after s
        byte[] trailing = new SshWriter().string(alg).string(
                new SshWriter().mpint(rv).mpint(sv).byteValue(0).toByteArray()).toByteArray();
        assertThrows(SshException.class, () -> SignatureAlgorithms.verify(alg, pub, DATA, trailing));
        // negative r
        byte[] negative = ecdsaBlob(alg, rv.negate(), sv);
        assertThrows(SshException.class, () -> SignatureAlgorithms.verify(alg, pub, DATA, negative));
        // out of range values are wrong signatures, not errors
        assertFalse(SignatureAlgorithms.verify(alg, pub, DATA, ecdsaBlob(alg, BigInteger.ZERO, sv)));
        assertFalse(SignatureAlgorithms.verify(alg, pub, DATA, ecdsaBlob(alg, rv, BigInteger.ZERO)));
        assertFalse(SignatureAlgorithms.verify(alg, pub, DATA, ecdsaBlob(alg, rv.add(n), sv)));
        assertFalse(SignatureAlgorithms.verify(alg, pub, DATA, ecdsaBlob(alg, rv, sv.add(n))));
        // the same r, s re-encoded verify
        assertTrue(SignatureAlgorithms.verify(alg, pub, DATA, ecdsaBlob(alg, rv, sv)));
        // (r, n - s) is the other valid signature of ECDSA's malleability: the JCA accepts it too,
        // as OpenSSH does; document that we do not reject it
        assertTrue(SignatureAlgorithms.verify(alg, pub, DATA, ecdsaBlob(alg, rv, n.subtract(sv))));
    }

    private static byte[] ecdsaBlob(String alg, BigInteger r, BigInteger s) {
        return new SshWriter().string(alg).string(new SshWriter().mpint(r).mpint(s).toByteArray()).toByteArray();
    }

    @Test
    void rsaSignatureShorterThanModulusIsAcceptedLongerIsRejected() throws Exception {
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("RSA");
        kpg.initialize(1024);
        KeyPair kp = kpg.generateKeyPair();
        byte[] data = null;
        byte[] inner = null;
        // about 1 in 256 signatures starts with a zero byte
        for (int i = 0; i < 20_000 && data == null; i++) {
            byte[] d = ("message " + i).getBytes(StandardCharsets.US_ASCII);
            byte[] s = innerSignature(SignatureAlgorithms.sign("rsa-sha2-256", kp.getPrivate(), d));
            assertEquals(128, s.length, "signatures are padded to the modulus length");
            if (s[0] == 0) {
                data = d;
                inner = s;
            }
        }
        if (data == null) {
            throw new AssertionError("no signature with a leading zero byte found");
        }
        int zeros = 0;
        while (inner[zeros] == 0) {
            zeros++;
        }
        byte[] shortSig = Arrays.copyOfRange(inner, zeros, inner.length);
        byte[] blob = new SshWriter().string("rsa-sha2-256").string(shortSig).toByteArray();
        assertTrue(SignatureAlgorithms.verify("rsa-sha2-256", kp.getPublic(), data, blob));

        byte[] longSig = new byte[inner.length + 1];
        System.arraycopy(inner, 0, longSig, 1, inner.length);
        byte[] longBlob = new SshWriter().string("rsa-sha2-256").string(longSig).toByteArray();
        byte[] finalData = data;
        SshException e = assertThrows(SshException.class,
                () -> SignatureAlgorithms.verify("rsa-sha2-256", kp.getPublic(), finalData, longBlob));
        assertTrue(e.getMessage().contains("longer than"), e.getMessage());
    }

    @Test
    void rsaKeysUnder1024BitsAreRefused() throws Exception {
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("RSA");
        kpg.initialize(768);
        KeyPair small = kpg.generateKeyPair();
        // the blob itself still decodes
        PublicKey decoded = SignatureAlgorithms.decodePublicKey(SignatureAlgorithms.encodePublicKey(small.getPublic()));
        byte[] fakeSig = new SshWriter().string("rsa-sha2-512").string(new byte[96]).toByteArray();
        SshException e = assertThrows(SshException.class,
                () -> SignatureAlgorithms.verify("rsa-sha2-512", decoded, DATA, fakeSig));
        assertTrue(e.getMessage().contains("1024"), e.getMessage());
        e = assertThrows(SshException.class, () -> SignatureAlgorithms.sign("rsa-sha2-512", small.getPrivate(), DATA));
        assertTrue(e.getMessage().contains("1024"), e.getMessage());
    }

    // ------------------------------------------------------------ malformed public key blobs

    @ParameterizedTest
    @ValueSource(strings = {"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"})
    void truncatedOrTrailingPublicKeyBlobsThrow(String type) throws Exception {
        byte[] blob = SignatureAlgorithms.encodePublicKey(TestKeys.of(type).getPublic());
        byte[] trailing = Arrays.copyOf(blob, blob.length + 2);
        SshException e = assertThrows(SshException.class, () -> SignatureAlgorithms.decodePublicKey(trailing));
        assertTrue(e.getMessage().contains("trailing"), e.getMessage());
        for (int len = 0; len < blob.length; len += Math.max(1, blob.length / 17)) {
            byte[] truncated = Arrays.copyOf(blob, len);
            assertThrows(SshException.class, () -> SignatureAlgorithms.decodePublicKey(truncated), "length " + len);
        }
        assertThrows(SshException.class, () -> SignatureAlgorithms.decodePublicKey(Arrays.copyOf(blob, blob.length - 1)));
    }

    @Test
    void unknownKeyTypeThrows() {
        byte[] blob = new SshWriter().string("ssh-dss").mpint(BigInteger.TEN).toByteArray();
        SshException e = assertThrows(SshException.class, () -> SignatureAlgorithms.decodePublicKey(blob));
        assertTrue(e.getMessage().contains("unknown public key type \"ssh-dss\""), e.getMessage());
    }

    @Test
    void curveNameMustMatchKeyType() throws Exception {
        ECPublicKey k = (ECPublicKey) TestKeys.of("ecdsa-sha2-nistp256").getPublic();
        byte[] q = EcCurves.NISTP256.encodePoint(k.getW());
        byte[] blob = new SshWriter().string("ecdsa-sha2-nistp256").string("nistp384").string(q).toByteArray();
        SshException e = assertThrows(SshException.class, () -> SignatureAlgorithms.decodePublicKey(blob));
        assertTrue(e.getMessage().contains("names curve \"nistp384\""), e.getMessage());
        byte[] blob2 = new SshWriter().string("ecdsa-sha2-nistp384").string("nistp384").string(q).toByteArray();
        assertThrows(SshException.class, () -> SignatureAlgorithms.decodePublicKey(blob2), "a P-256 point is not a P-384 point");
    }

    @ParameterizedTest
    @MethodSource("ecdsa")
    void ecPointsAreValidated(String type) throws Exception {
        ECPublicKey k = (ECPublicKey) TestKeys.of(type).getPublic();
        EcCurves curve = EcCurves.bySshName(type);
        byte[] q = curve.encodePoint(k.getW());
        byte[] offCurve = q.clone();
        offCurve[offCurve.length - 1] ^= 0x01;
        SshException e = assertThrows(SshException.class, () -> SignatureAlgorithms.decodePublicKey(ecBlob(curve, offCurve)));
        assertTrue(e.getMessage().contains("not on the curve"), e.getMessage());

        byte[] compressed = new byte[1 + curve.fieldBytes()];
        compressed[0] = (byte) (k.getW().getAffineY().testBit(0) ? 3 : 2);
        System.arraycopy(q, 1, compressed, 1, curve.fieldBytes());
        e = assertThrows(SshException.class, () -> SignatureAlgorithms.decodePublicKey(ecBlob(curve, compressed)));
        assertTrue(e.getMessage().contains("uncompressed"), e.getMessage());

        byte[] shortPoint = Arrays.copyOf(q, q.length - 1);
        assertThrows(SshException.class, () -> SignatureAlgorithms.decodePublicKey(ecBlob(curve, shortPoint)));

        // x = p: a coordinate outside the field
        byte[] big = q.clone();
        byte[] p = curve.prime().toByteArray();
        Arrays.fill(big, 1, 1 + curve.fieldBytes(), (byte) 0);
        System.arraycopy(p, Math.max(0, p.length - curve.fieldBytes()), big, 1 + curve.fieldBytes() - Math.min(p.length, curve.fieldBytes()),
                Math.min(p.length, curve.fieldBytes()));
        e = assertThrows(SshException.class, () -> SignatureAlgorithms.decodePublicKey(ecBlob(curve, big)));
        assertTrue(e.getMessage().contains("outside the field"), e.getMessage());

        assertArrayEquals(q, curve.encodePoint(((ECPublicKey) SignatureAlgorithms.decodePublicKey(ecBlob(curve, q))).getW()));
    }

    private static byte[] ecBlob(EcCurves curve, byte[] q) {
        return new SshWriter().string(curve.sshName).string(curve.identifier).string(q).toByteArray();
    }

    @Test
    void rsaParametersAreValidated() throws Exception {
        RSAPublicKey k = (RSAPublicKey) TestKeys.of("ssh-rsa").getPublic();
        BigInteger e = k.getPublicExponent();
        BigInteger n = k.getModulus();
        assertThrows(SshException.class, () -> SignatureAlgorithms.decodePublicKey(rsaBlob(e, n.negate())));
        assertThrows(SshException.class, () -> SignatureAlgorithms.decodePublicKey(rsaBlob(e, BigInteger.ZERO)));
        assertThrows(SshException.class, () -> SignatureAlgorithms.decodePublicKey(rsaBlob(BigInteger.valueOf(65536), n)));
        assertThrows(SshException.class, () -> SignatureAlgorithms.decodePublicKey(rsaBlob(BigInteger.ONE, n)));
        BigInteger huge = BigInteger.ONE.shiftLeft(SignatureAlgorithms.RSA_MAX_BITS).add(BigInteger.ONE);
        assertThrows(SshException.class, () -> SignatureAlgorithms.decodePublicKey(rsaBlob(e, huge)));
        RSAPublicKey ok = (RSAPublicKey) SignatureAlgorithms.decodePublicKey(rsaBlob(e, n));
        assertEquals(n, ok.getModulus());
        assertEquals(e, ok.getPublicExponent());
    }

    private static byte[] rsaBlob(BigInteger e, BigInteger n) {
        return new SshWriter().string("ssh-rsa").mpint(e).mpint(n).toByteArray();
    }

    // ------------------------------------------------------------ names, generation, fingerprints

    @Test
    void keyTypes() {
        assertEquals("ssh-ed25519", SignatureAlgorithms.keyType("ssh-ed25519"));
        assertEquals("ecdsa-sha2-nistp384", SignatureAlgorithms.keyType("ecdsa-sha2-nistp384"));
        assertEquals("ssh-rsa", SignatureAlgorithms.keyType("rsa-sha2-256"));
        assertEquals("ssh-rsa", SignatureAlgorithms.keyType("rsa-sha2-512"));
        assertEquals("ssh-rsa", SignatureAlgorithms.keyType("ssh-rsa"));
        assertThrows(IllegalArgumentException.class, () -> SignatureAlgorithms.keyType("ssh-dss"));
        assertFalse(SignatureAlgorithms.DEFAULT.contains("ssh-rsa"));
        assertTrue(SignatureAlgorithms.SUPPORTED.containsAll(SignatureAlgorithms.DEFAULT));
    }

    @Test
    void algorithmsForEachKeyType() throws Exception {
        assertEquals(List.of("ssh-ed25519"), SignatureAlgorithms.algorithmsFor(TestKeys.of("ssh-ed25519").getPublic()));
        for (String t : List.of("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521")) {
            assertEquals(List.of(t), SignatureAlgorithms.algorithmsFor(TestKeys.of(t).getPublic()));
        }
        assertEquals(List.of("rsa-sha2-512", "rsa-sha2-256"), SignatureAlgorithms.algorithmsFor(TestKeys.of("ssh-rsa").getPublic()));
        KeyPair ed448 = KeyPairGenerator.getInstance("Ed448").generateKeyPair();
        assertEquals(List.of(), SignatureAlgorithms.algorithmsFor(ed448.getPublic()));
        assertThrows(IllegalArgumentException.class, () -> SignatureAlgorithms.encodePublicKey(ed448.getPublic()));
        KeyPair dsa = KeyPairGenerator.getInstance("DSA").generateKeyPair();
        assertEquals(List.of(), SignatureAlgorithms.algorithmsFor(dsa.getPublic()));
    }

    @Test
    void generateProducesTheRequestedKeys() throws Exception {
        assertInstanceOf(EdECPublicKey.class, SignatureAlgorithms.generate("ssh-ed25519", 0).getPublic());
        for (String t : List.of("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521")) {
            ECPublicKey k = (ECPublicKey) SignatureAlgorithms.generate(t, 0).getPublic();
            assertEquals(EcCurves.bySshName(t), EcCurves.of(k));
        }
        assertEquals(3072, ((RSAPublicKey) SignatureAlgorithms.generate("ssh-rsa", 0).getPublic()).getModulus().bitLength());
        assertEquals(2048, ((RSAPublicKey) SignatureAlgorithms.generate("ssh-rsa", 2048).getPublic()).getModulus().bitLength());
        assertThrows(SshException.class, () -> SignatureAlgorithms.generate("ssh-rsa", 1024));
        assertThrows(SshException.class, () -> SignatureAlgorithms.generate("ssh-rsa", 8193));
        assertThrows(SshException.class, () -> SignatureAlgorithms.generate("ssh-dss", 1024));
    }

    @Test
    void fingerprintsOfRfc8032Test1Key() throws Exception {
        // expected values printed by ssh-keygen -l and ssh-keygen -E md5 -l for this key
        byte[] blob = new SshWriter().string("ssh-ed25519")
                .string(TestKeys.hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")).toByteArray();
        assertEquals("SHA256:bbXpuKG6zhzdmnxq256TlqzFBzRl2f6OOg722cYNbU8", SignatureAlgorithms.fingerprint(blob));
        assertEquals("MD5:cf:07:be:9d:68:ae:65:54:6d:a0:93:c3:6f:bd:0d:82", SignatureAlgorithms.md5Fingerprint(blob));
    }
}
