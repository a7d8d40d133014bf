package dev.tether.ssh.keys;

import org.bouncycastle.crypto.engines.BlowfishEngine;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BcryptPbkdfTest {

    private static byte[] bytes(String s) {
        return s.replace("\\0", "\0").getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The OpenBSD regress vectors for bcrypt_pbkdf(3) ({@code \0} stands for a NUL byte). */
    @ParameterizedTest(name = "{0} / {1} / {2} rounds")
    @CsvSource(delimiter = '|', value = {
        "password|salt|4|5bbf0cc293587f1c3635555c27796598d47e579071bf427e9d8fbe842aba34d9",
        "password|\\0|4|c12b566235eee04c212598970a579a67",
        "\\0|salt|4|6051be18c2f4f82cbf0efee5471b4bb9",
        "password\\0|salt\\0|4|7410e44cf4fa07bfaac8a928b1727fac001375e7bf7384370f48efd121743050",
        "pass\\0wor|sa\\0l|4|c2bffd9db38f6569efef4372f4de83c0",
        "pass\\0word|sa\\0lt|4|4ba4ac3925c0e8d7f0cdb6bb1684a56f",
        "password|salt|8|e1367ec5151a33faac4cc1c144cd23fa15d5548493ecc99b9b5d9c0d3b27bec76227ea66088b849b20ab7aa478010246e74bba51723fefa9f9474d6508845e8d",
        "password|salt|42|833cf0dcf56db65608e8f0dc0ce882bd",
    })
    void knownAnswers(String password, String salt, int rounds, String expectedHex) {
        byte[] expected = HexFormat.of().parseHex(expectedHex);
        assertArrayEquals(expected, BcryptPbkdf.derive(bytes(password), bytes(salt), rounds, expected.length));
    }

    @Test
    void longPassphrase() {
        String lorem = "Lorem ipsum dolor sit amet, consectetur adipisicing elit, "
                + "sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. "
                + "Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris "
                + "nisi ut aliquip ex ea commodo consequat. "
                + "Duis aute irure dolor in reprehenderit in voluptate velit esse cillum "
                + "dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non "
                + "proident, sunt in culpa qui officia deserunt mollit anim id est laborum.";
        assertArrayEquals(HexFormat.of().parseHex("10978b07253df57f71a162eb0e8ad30a"),
                BcryptPbkdf.derive(bytes(lorem), bytes("salis\\0"), 8, 16));
    }

    @Test
    void piTablesStartAsPublished() {
        int[] w = BcryptPbkdf.piWords(19);
        assertEquals(0x243f6a88, w[0]);
        assertEquals(0x85a308d3, w[1]);
        assertEquals(0x8979fb1b, w[17]); // P[17]
        assertEquals(0xd1310ba6, w[18]); // S0[0]
    }

    /** The cipher with the plain key schedule equals standard Blowfish (Bouncy Castle's). */
    @Test
    void blowfishMatchesTheStandardCipher() {
        Random random = new Random(42);
        for (int trial = 0; trial < 20; trial++) {
            byte[] key = new byte[4 + random.nextInt(53)];
            random.nextBytes(key);
            byte[] block = new byte[8];
            random.nextBytes(block);

            BlowfishEngine bc = new BlowfishEngine();
            bc.init(true, new KeyParameter(key));
            byte[] expected = new byte[8];
            bc.processBlock(block, 0, expected, 0);

            BcryptPbkdf.Blowfish ours = new BcryptPbkdf.Blowfish();
            ours.init();
            ours.expand0(key);
            int[] words = {
                ((block[0] & 0xff) << 24) | ((block[1] & 0xff) << 16) | ((block[2] & 0xff) << 8) | (block[3] & 0xff),
                ((block[4] & 0xff) << 24) | ((block[5] & 0xff) << 16) | ((block[6] & 0xff) << 8) | (block[7] & 0xff)};
            ours.encrypt(words, 0);
            byte[] actual = new byte[8];
            for (int i = 0; i < 4; i++) {
                actual[i] = (byte) (words[0] >>> (24 - 8 * i));
                actual[4 + i] = (byte) (words[1] >>> (24 - 8 * i));
            }
            assertArrayEquals(expected, actual, "trial " + trial);
        }
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> BcryptPbkdf.derive(new byte[0], bytes("salt"), 4, 16));
        assertThrows(IllegalArgumentException.class, () -> BcryptPbkdf.derive(bytes("p"), new byte[0], 4, 16));
        assertThrows(IllegalArgumentException.class, () -> BcryptPbkdf.derive(bytes("p"), bytes("salt"), 0, 16));
        assertThrows(IllegalArgumentException.class, () -> BcryptPbkdf.derive(bytes("p"), bytes("salt"), 1, 1025));
    }
}
