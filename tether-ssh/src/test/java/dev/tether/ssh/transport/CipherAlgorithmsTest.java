package dev.tether.ssh.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class CipherAlgorithmsTest {

    @Test
    void theListsAreUnchanged() {
        assertEquals(List.of("chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
                "aes128-ctr", "aes192-ctr", "aes256-ctr"), CipherAlgorithms.CIPHERS);
        assertEquals(List.of("hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256",
                "hmac-sha2-512", "hmac-sha1-etm@openssh.com", "hmac-sha1"), CipherAlgorithms.MACS);
    }

    @Test
    void aeadCiphers() {
        assertTrue(CipherAlgorithms.isAead("chacha20-poly1305@openssh.com"));
        assertTrue(CipherAlgorithms.isAead("aes128-gcm@openssh.com"));
        assertTrue(CipherAlgorithms.isAead("aes256-gcm@openssh.com"));
        assertFalse(CipherAlgorithms.isAead("aes128-ctr"));
        assertFalse(CipherAlgorithms.isAead("aes192-ctr"));
        assertFalse(CipherAlgorithms.isAead("aes256-ctr"));
    }

    @Test
    void keyAndIvLengths() {
        assertEquals(16, CipherAlgorithms.keyLength("aes128-ctr"));
        assertEquals(24, CipherAlgorithms.keyLength("aes192-ctr"));
        assertEquals(32, CipherAlgorithms.keyLength("aes256-ctr"));
        assertEquals(16, CipherAlgorithms.keyLength("aes128-gcm@openssh.com"));
        assertEquals(32, CipherAlgorithms.keyLength("aes256-gcm@openssh.com"));
        assertEquals(64, CipherAlgorithms.keyLength("chacha20-poly1305@openssh.com"));

        assertEquals(16, CipherAlgorithms.ivLength("aes128-ctr"));
        assertEquals(16, CipherAlgorithms.ivLength("aes192-ctr"));
        assertEquals(16, CipherAlgorithms.ivLength("aes256-ctr"));
        assertEquals(12, CipherAlgorithms.ivLength("aes128-gcm@openssh.com"));
        assertEquals(12, CipherAlgorithms.ivLength("aes256-gcm@openssh.com"));
        assertEquals(0, CipherAlgorithms.ivLength("chacha20-poly1305@openssh.com"));
    }

    @Test
    void macKeyLengths() {
        assertEquals(20, CipherAlgorithms.macKeyLength("hmac-sha1"));
        assertEquals(20, CipherAlgorithms.macKeyLength("hmac-sha1-etm@openssh.com"));
        assertEquals(32, CipherAlgorithms.macKeyLength("hmac-sha2-256"));
        assertEquals(32, CipherAlgorithms.macKeyLength("hmac-sha2-256-etm@openssh.com"));
        assertEquals(64, CipherAlgorithms.macKeyLength("hmac-sha2-512"));
        assertEquals(64, CipherAlgorithms.macKeyLength("hmac-sha2-512-etm@openssh.com"));
    }

    private static void assertUnknown(String name, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(name), e.getMessage());
    }

    @Test
    void unknownNamesAreRejectedByName() {
        assertUnknown("3des-cbc", () -> CipherAlgorithms.isAead("3des-cbc"));
        assertUnknown("aes128-cbc", () -> CipherAlgorithms.keyLength("aes128-cbc"));
        assertUnknown("arcfour", () -> CipherAlgorithms.ivLength("arcfour"));
        assertUnknown("hmac-md5", () -> CipherAlgorithms.macKeyLength("hmac-md5"));
        assertUnknown("blowfish-cbc", () -> CipherAlgorithms.create("blowfish-cbc", "hmac-sha1", true,
                new byte[16], new byte[16], new byte[20]));
        assertUnknown("umac-64@openssh.com", () -> CipherAlgorithms.create("aes128-ctr", "umac-64@openssh.com", true,
                new byte[16], new byte[16], new byte[20]));
        assertThrows(IllegalArgumentException.class, () -> CipherAlgorithms.keyLength(null));
        assertThrows(IllegalArgumentException.class, () -> CipherAlgorithms.create("aes128-ctr", null, true,
                new byte[16], new byte[16], new byte[20]), "CTR needs a MAC");
    }

    @Test
    void aeadCiphersIgnoreTheMac() {
        PacketCipher gcm = CipherAlgorithms.create("aes256-gcm@openssh.com", null, true, new byte[32], new byte[12], null);
        assertEquals(16, gcm.tagLength());
        PacketCipher gcm2 = CipherAlgorithms.create("aes128-gcm@openssh.com", "hmac-sha2-512", false, new byte[16], new byte[12], null);
        assertEquals(16, gcm2.tagLength());
        PacketCipher chacha = CipherAlgorithms.create("chacha20-poly1305@openssh.com", "whatever", true, new byte[64], new byte[0], null);
        assertEquals(16, chacha.tagLength());
    }

    @Test
    void createPicksTheConstructionFromTheMacName() {
        assertInstanceOf(AesCtrEncryptAndMac.class,
                CipherAlgorithms.create("aes192-ctr", "hmac-sha2-512", true, new byte[24], new byte[16], new byte[64]));
        assertInstanceOf(AesCtrEncryptThenMac.class,
                CipherAlgorithms.create("aes192-ctr", "hmac-sha2-512-etm@openssh.com", true, new byte[24], new byte[16], new byte[64]));
        assertInstanceOf(AesGcmCipher.class,
                CipherAlgorithms.create("aes128-gcm@openssh.com", null, true, new byte[16], new byte[12], null));
        assertInstanceOf(ChaCha20Poly1305Cipher.class,
                CipherAlgorithms.create("chacha20-poly1305@openssh.com", null, true, new byte[64], null, null));
    }

    @Test
    void wrongKeyMaterialLengthsAreRejectedWithoutEchoingTheKey() {
        byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) (0x5a + i);
        }
        String keyHex = CipherTestSupport.HEX.formatHex(key, 0, 8);
        List<Executable> calls = List.of(
                () -> CipherAlgorithms.create("aes128-ctr", "hmac-sha1", true, key, new byte[16], new byte[20]),
                () -> CipherAlgorithms.create("aes128-ctr", "hmac-sha1", true, new byte[16], new byte[12], new byte[20]),
                () -> CipherAlgorithms.create("aes128-ctr", "hmac-sha1", true, new byte[16], new byte[16], key),
                () -> CipherAlgorithms.create("aes128-gcm@openssh.com", null, true, key, new byte[12], null),
                () -> CipherAlgorithms.create("aes256-gcm@openssh.com", null, true, key, new byte[16], null),
                () -> CipherAlgorithms.create("chacha20-poly1305@openssh.com", null, true, key, null, null),
                () -> CipherAlgorithms.create("chacha20-poly1305@openssh.com", null, true, new byte[64], new byte[12], null),
                () -> CipherAlgorithms.create("aes256-ctr", "hmac-sha2-256", true, null, new byte[16], new byte[32]));
        for (Executable call : calls) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
            assertFalse(e.getMessage().toLowerCase().contains(keyHex), e.getMessage());
            assertTrue(e.getMessage().contains("bytes"), e.getMessage());
        }
    }

    @Test
    void keyMaterialIsCopied() throws Exception {
        byte[] key = CipherTestSupport.cipherKey("aes128-ctr");
        byte[] iv = CipherTestSupport.iv("aes128-ctr");
        byte[] macKey = CipherTestSupport.macKey("hmac-sha2-256");
        PacketCipher sender = CipherAlgorithms.create("aes128-ctr", "hmac-sha2-256", true, key, iv, macKey);
        PacketCipher receiver = CipherAlgorithms.create("aes128-ctr", "hmac-sha2-256", false, key.clone(), iv.clone(), macKey.clone());
        java.util.Arrays.fill(key, (byte) 0);
        java.util.Arrays.fill(iv, (byte) 0);
        java.util.Arrays.fill(macKey, (byte) 0);
        byte[] packet = CipherTestSupport.packet(new byte[12], sender);
        byte[] buf = java.util.Arrays.copyOf(packet, packet.length + 32);
        sender.seal(0, buf, 0, packet.length - 4);
        int len = receiver.decryptLength(0, buf, 0);
        receiver.open(0, buf, 0, len);
        assertEquals(CipherTestSupport.HEX.formatHex(packet), CipherTestSupport.HEX.formatHex(buf, 0, packet.length));
    }
}
