package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;

import static dev.tether.ssh.keys.TestKeys.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RFC 8032 §7.1 test vectors through the SSH encodings (RFC 8709), and point encoding edge cases. */
class Ed25519VectorsTest {

    @ParameterizedTest(name = "RFC 8032 {0}")
    @CsvSource({
        "TEST 1, 9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60, "
                + "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a, '', "
                + "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        "TEST 2, 4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb, "
                + "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c, 72, "
                + "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                + "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
        "TEST 3, c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7, "
                + "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025, af82, "
                + "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
                + "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    })
    void rfc8032Vector(String name, String secretHex, String publicHex, String messageHex, String signatureHex) throws Exception {
        byte[] message = messageHex == null ? new byte[0] : hex(messageHex);
        byte[] blob = new SshWriter().string("ssh-ed25519").string(hex(publicHex)).toByteArray();

        PublicKey pub = SignatureAlgorithms.decodePublicKey(blob);
        assertInstanceOf(EdECPublicKey.class, pub);
        assertArrayEquals(blob, SignatureAlgorithms.encodePublicKey(pub), "blob must survive decode/encode");

        PrivateKey priv = KeyFactory.getInstance("Ed25519")
                .generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, hex(secretHex)));
        byte[] sigBlob = SignatureAlgorithms.sign("ssh-ed25519", priv, message);
        byte[] expected = new SshWriter().string("ssh-ed25519").string(hex(signatureHex)).toByteArray();
        assertArrayEquals(expected, sigBlob, "signature blob must carry the RFC 8032 signature");

        assertTrue(SignatureAlgorithms.verify("ssh-ed25519", pub, message, sigBlob));
        byte[] tampered = sigBlob.clone();
        tampered[tampered.length - 20] ^= 0x01;
        assertFalse(SignatureAlgorithms.verify("ssh-ed25519", pub, message, tampered));
        byte[] otherMessage = new byte[message.length + 1];
        System.arraycopy(message, 0, otherMessage, 0, message.length);
        assertFalse(SignatureAlgorithms.verify("ssh-ed25519", pub, otherMessage, sigBlob));
    }

    @Test
    void bothParitiesOfXRoundTripAndVerify() throws Exception {
        boolean sawOdd = false;
        boolean sawEven = false;
        byte[] data = "parity".getBytes();
        for (int i = 0; i < 200 && !(sawOdd && sawEven); i++) {
            KeyPair kp = SignatureAlgorithms.generate("ssh-ed25519", 0);
            EdECPoint point = ((EdECPublicKey) kp.getPublic()).getPoint();
            byte[] blob = SignatureAlgorithms.encodePublicKey(kp.getPublic());
            SshReader r = new SshReader(blob);
            assertEquals("ssh-ed25519", r.ascii());
            byte[] a = r.string();
            assertEquals(32, a.length);
            assertEquals(point.isXOdd(), (a[31] & 0x80) != 0, "x parity lives in the top bit of the last byte");

            EdECPublicKey decoded = (EdECPublicKey) SignatureAlgorithms.decodePublicKey(blob);
            assertEquals(point.isXOdd(), decoded.getPoint().isXOdd());
            assertEquals(point.getY(), decoded.getPoint().getY());
            assertTrue(SignatureAlgorithms.verify("ssh-ed25519", decoded, data,
                    SignatureAlgorithms.sign("ssh-ed25519", kp.getPrivate(), data)));
            sawOdd |= point.isXOdd();
            sawEven |= !point.isXOdd();
        }
        assertTrue(sawOdd && sawEven, "expected keys with both x parities");
    }

    private static byte[] edBlob(byte[] a) {
        return new SshWriter().string("ssh-ed25519").string(a).toByteArray();
    }

    @Test
    void rejectsNonCanonicalY() {
        // y = p = 2^255 - 19, little-endian
        byte[] a = new byte[32];
        a[0] = (byte) 0xed;
        for (int i = 1; i < 31; i++) {
            a[i] = (byte) 0xff;
        }
        a[31] = 0x7f;
        SshException e = assertThrows(SshException.class, () -> SignatureAlgorithms.decodePublicKey(edBlob(a)));
        assertTrue(e.getMessage().contains("y >= p"), e.getMessage());
    }

    @Test
    void rejectsPointsOffTheCurve() {
        byte[] a = new byte[32];
        a[0] = 2; // (2^2 - 1) / (d * 2^2 + 1) is not a square mod p
        SshException e = assertThrows(SshException.class, () -> SignatureAlgorithms.decodePublicKey(edBlob(a)));
        assertTrue(e.getMessage().contains("not a valid point"), e.getMessage());

        a[0] = 3; // on the curve, with either parity
        assertDoesNotThrow(a);
        a[31] |= (byte) 0x80;
        assertDoesNotThrow(a);
    }

    @Test
    void rejectsXZeroWithSignBit() throws Exception {
        byte[] a = new byte[32];
        a[0] = 1; // y = 1 gives x = 0
        assertDoesNotThrow(a);
        a[31] = (byte) 0x80;
        assertThrows(SshException.class, () -> SignatureAlgorithms.decodePublicKey(edBlob(a)));
    }

    @Test
    void rejectsWrongLengths() {
        assertThrows(SshException.class, () -> SignatureAlgorithms.decodePublicKey(edBlob(new byte[31])));
        assertThrows(SshException.class, () -> SignatureAlgorithms.decodePublicKey(edBlob(new byte[33])));
    }

    private static void assertDoesNotThrow(byte[] a) {
        org.junit.jupiter.api.Assertions.assertDoesNotThrow(() -> SignatureAlgorithms.decodePublicKey(edBlob(a.clone())));
    }
}
