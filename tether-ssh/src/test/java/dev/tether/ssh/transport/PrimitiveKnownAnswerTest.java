package dev.tether.ssh.transport;

import static dev.tether.ssh.transport.CipherTestSupport.HEX;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Published known answers for the primitives, run through our own code paths where the vector's
 * shape allows it.
 */
class PrimitiveKnownAnswerTest {

    // NIST SP 800-38A Appendix F.5: the same four plaintext blocks and initial counter for all key sizes.
    private static final String SP800_38A_PLAINTEXT = "6bc1bee22e409f96e93d7e117393172a"
            + "ae2d8a571e03ac9c9eb76fac45af8e51"
            + "30c81c46a35ce411e5fbc1191a0a52ef"
            + "f69f2445df4f9b17ad2b417be66c3710";
    private static final String SP800_38A_COUNTER = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

    /** SP 800-38A F.5.1 (CTR-AES128), F.5.3 (CTR-AES192), F.5.5 (CTR-AES256), through AesCtr. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "F.5.1, 2b7e151628aed2a6abf7158809cf4f3c, "
            + "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
            + "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee",
        "F.5.3, 8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b, "
            + "1abc932417521ca24f2b0459fe7e6e0b090339ec0aa6faefd5ccc2c6f4ce8e94"
            + "1e36b26bd1ebc670d1bd1d665620abf74f78a7f6d29809585a97daec58c6b050",
        "F.5.5, 603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4, "
            + "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
            + "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6",
    })
    void aesCtrMatchesSp800_38a(String section, String key, String ciphertext) {
        byte[] buf = HEX.parseHex(SP800_38A_PLAINTEXT);
        Cipher c = AesCtr.stream(HEX.parseHex(key), HEX.parseHex(SP800_38A_COUNTER));
        // Uneven pieces: the key stream must run on across calls (RFC 4344 §4), not restart;
        // a 10-byte scratch array also splits each call into several JCA updates.
        byte[] scratch = new byte[10];
        AesCtr.apply(c, scratch, buf, 0, 5);
        AesCtr.apply(c, scratch, buf, 5, 27);
        AesCtr.apply(c, scratch, buf, 32, 32);
        assertEquals(ciphertext, HEX.formatHex(buf), section);

        // Decryption is the same stream from the same counter.
        Cipher d = AesCtr.stream(HEX.parseHex(key), HEX.parseHex(SP800_38A_COUNTER));
        AesCtr.apply(d, AesCtr.newScratch(), buf, 0, buf.length);
        assertEquals(SP800_38A_PLAINTEXT, HEX.formatHex(buf), section + " decrypt");
    }

    /** RFC 4231 test cases 1 and 2 (HMAC-SHA-256/512) and RFC 2202 test cases 1 and 2 (HMAC-SHA-1). */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "hmac-sha2-256, 0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b, 4869205468657265, "
            + "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        "hmac-sha2-256, 4a656665, 7768617420646f2079612077616e7420666f72206e6f7468696e673f, "
            + "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        "hmac-sha2-512, 0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b, 4869205468657265, "
            + "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
            + "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
        "hmac-sha2-512, 4a656665, 7768617420646f2079612077616e7420666f72206e6f7468696e673f, "
            + "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
            + "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
        "hmac-sha1, 0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b, 4869205468657265, "
            + "b617318655057264e28bc0b6fb378c8ef146be00",
        "hmac-sha1, 4a656665, 7768617420646f2079612077616e7420666f72206e6f7468696e673f, "
            + "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
    })
    void hmacMatchesRfc4231AndRfc2202(String name, String key, String data, String expected) throws Exception {
        Hmac h = Hmac.forName(name);
        assertEquals(expected.length() / 2, h.length(), "output length");
        // The RFC keys are shorter than SSH's, so use the JCA algorithm our helper names.
        Mac mac = Mac.getInstance(h.jcaName());
        mac.init(new SecretKeySpec(HEX.parseHex(key), h.jcaName()));
        assertEquals(expected, HEX.formatHex(mac.doFinal(HEX.parseHex(data))));
        // The etm name selects the same HMAC.
        assertEquals(h.jcaName(), Hmac.forName(name + "-etm@openssh.com").jcaName());
    }

    /** RFC 2202 test case 1 has a 20-byte key, the SSH key length of hmac-sha1: run it through newMac. */
    @Test
    void hmacSha1ThroughNewMac() {
        Mac mac = Hmac.forName("hmac-sha1").newMac(HEX.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"));
        assertEquals("b617318655057264e28bc0b6fb378c8ef146be00",
                HEX.formatHex(mac.doFinal("Hi There".getBytes(StandardCharsets.US_ASCII))));
    }

    // McGrew and Viega, "The Galois/Counter Mode of Operation (GCM)", test cases 3, 4, 15 and 16.
    private static final String GCM_IV = "cafebabefacedbaddecaf888";
    private static final String GCM_P = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
            + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
    private static final String GCM_A = "feedfacedeadbeeffeedfacedeadbeefabaddad2";

    @ParameterizedTest(name = "test case {0}")
    @CsvSource({
        "3, feffe9928665731c6d6a8f9467308308, 64, '', "
            + "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
            + "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985, 4d5c2af327cd64a62cf35abd2ba6fab4",
        "4, feffe9928665731c6d6a8f9467308308, 60, " + GCM_A + ", "
            + "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
            + "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091, 5bc94fbc3221a5db94fae95ae7121a47",
        "15, feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308, 64, '', "
            + "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
            + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad, b094dac5d93471bdec1a502270e3cc6c",
        "16, feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308, 60, " + GCM_A + ", "
            + "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
            + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662, 76fc6ece0f4e1768cddf8853bb2d551b",
    })
    void aesGcmMatchesMcGrewViega(int testCase, String key, int plaintextLength, String aad, String c, String t)
            throws Exception {
        // The SSH nonce layout (4-byte fixed || 8-byte counter) is a 12-byte GCM IV like this one;
        // the vector's AAD is not a 4-byte length, so the primitive is driven directly.
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        SecretKeySpec k = new SecretKeySpec(HEX.parseHex(key), "AES");
        gcm.init(Cipher.ENCRYPT_MODE, k, new GCMParameterSpec(128, HEX.parseHex(GCM_IV)));
        byte[] a = aad == null ? new byte[0] : HEX.parseHex(aad);
        gcm.updateAAD(a);
        byte[] p = Arrays.copyOf(HEX.parseHex(GCM_P), plaintextLength);
        assertEquals(c + t, HEX.formatHex(gcm.doFinal(p)), "test case " + testCase);

        gcm.init(Cipher.DECRYPT_MODE, k, new GCMParameterSpec(128, HEX.parseHex(GCM_IV)));
        gcm.updateAAD(a);
        assertArrayEquals(p, gcm.doFinal(HEX.parseHex(c + t)));
    }

    // RFC 8439 §A.1 ChaCha20 block function test vectors #1, #2 (key 0, nonce 0, counters 0 and 1)
    // and #5 (key 0, nonce 00..02, counter 0).
    private static final String CHACHA_A1_1 = "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
            + "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586";
    private static final String CHACHA_A1_2 = "9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed"
            + "29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f";
    private static final String CHACHA_A1_5 = "c2c64d378cd536374ae204b9ef933fcd1a8b2288b3dfa49672ab765b54ee27c7"
            + "8a970e0e955c14f3a88e741b97c286f75f8fc299e8148362fa198a39531bed6d";

    /**
     * With an all-zero 64-byte key and sequence number 0, our nonce is the all-zero nonce of
     * RFC 8439 §A.1 #1/#2, so sealing a packet of zeros exposes the key streams: the length is
     * XORed with block 0 of K_1 (#1), the body with blocks 1.. of K_2 (#2), and the Poly1305 key
     * is block 0 of K_2 (#1 again). The tag was computed independently with Python's
     * {@code cryptography} from that key.
     */
    @Test
    void chachaKeyStreamsMatchRfc8439AppendixA1() throws Exception {
        int packetLength = 56;
        byte[] buf = new byte[4 + packetLength + 16];
        Tags.putInt(packetLength, buf, 0);
        PacketCipher sender = CipherAlgorithms.create("chacha20-poly1305@openssh.com", null, true, new byte[64], null, null);
        sender.seal(0, buf, 0, packetLength);

        byte[] a1 = HEX.parseHex(CHACHA_A1_1);
        byte[] a2 = HEX.parseHex(CHACHA_A1_2);
        byte[] expectedLength = {a1[0], a1[1], a1[2], (byte) (a1[3] ^ packetLength)};
        assertArrayEquals(expectedLength, Arrays.copyOfRange(buf, 0, 4), "length under K_1 block 0");
        assertArrayEquals(Arrays.copyOf(a2, packetLength), Arrays.copyOfRange(buf, 4, 4 + packetLength),
                "body under K_2 from block 1");
        assertEquals("ba6d91d1fcf9131a30aaf102d0acb7aa", HEX.formatHex(Arrays.copyOfRange(buf, 4 + packetLength, buf.length)),
                "Poly1305 tag keyed with K_2 block 0");

        // That tag is Poly1305 under the first 32 bytes of #1 over the encrypted length and body.
        byte[] tag = new byte[16];
        new ChaCha20Poly1305Cipher(true, new byte[64]).tag(Arrays.copyOf(a1, 32), buf, 0, 4 + packetLength, tag, 0);
        assertArrayEquals(Arrays.copyOfRange(buf, 4 + packetLength, buf.length), tag);
    }

    /** Sequence number 2 gives the nonce of RFC 8439 §A.1 #5; the length sits under its first 4 bytes. */
    @Test
    void chachaLengthNonceIsTheBigEndianSequenceNumber() throws Exception {
        byte[] a5 = HEX.parseHex(CHACHA_A1_5);
        byte[] wire = new byte[4 + 8 + 16];
        wire[0] = a5[0];
        wire[1] = a5[1];
        wire[2] = a5[2];
        wire[3] = (byte) (a5[3] ^ 8);
        PacketCipher receiver = CipherAlgorithms.create("chacha20-poly1305@openssh.com", null, false, new byte[64], null, null);
        assertEquals(8, receiver.decryptLength(2, wire, 0));
        // Under any other sequence number the same bytes decrypt to something else.
        PacketCipher other = CipherAlgorithms.create("chacha20-poly1305@openssh.com", null, false, new byte[64], null, null);
        assertEquals(Tags.getInt(HEX.parseHex(CHACHA_A1_1), 0) ^ Tags.getInt(wire, 0), other.decryptLength(0, wire, 0));
    }

    /** RFC 8439 §2.5.2, through the same Poly1305 call the cipher uses for its tags. */
    @Test
    void poly1305MatchesRfc8439Section2_5_2() {
        byte[] key = HEX.parseHex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
        byte[] msg = "Cryptographic Forum Research Group".getBytes(StandardCharsets.US_ASCII);
        byte[] buf = new byte[msg.length + 10];
        System.arraycopy(msg, 0, buf, 3, msg.length);
        byte[] out = new byte[20];
        new ChaCha20Poly1305Cipher(true, new byte[64]).tag(key, buf, 3, msg.length, out, 2);
        assertEquals("a8061dc1305136c6c22b8baf0c0127a9", HEX.formatHex(Arrays.copyOfRange(out, 2, 18)));
    }
}
