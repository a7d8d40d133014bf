package dev.tether.ssh.transport;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * RFC 4253 §7.2 key derivation against values computed independently with Python's hashlib
 * (K = mpint 0x00 01..20, H = SHA-256("exchange hash"), session id = SHA-256("session id")),
 * including the extension step for keys longer than one hash.
 */
class KeyDerivationTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] K = HEX.parseHex("00000021000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
    private static final byte[] H = HEX.parseHex("7bde03b6174b06ac22d902ada587e02f46b15e82e96fcc34d951b86efe0642f8");
    private static final byte[] SID = HEX.parseHex("1cc1c70c03d3fa98125ac304150c6b2ab44b1a308f55aab9e46e6de9f92ae871");

    @Test
    void sha256ExtendedToSixtyFourBytes() throws Exception {
        assertEquals("3ebb83f45a7c1b3d0c78cd3ba02858d62ced7fa74314bce2beea38e8ffb68cc5"
                        + "e1d1ea3fa12bb3a76b5599138066ba360400069c9b0af390549731c38fed7261",
                HEX.formatHex(KeyDerivation.derive("SHA-256", K, H, 'C', SID, 64)));
    }

    @Test
    void sha512TruncatedToTwelveBytes() throws Exception {
        assertEquals("c997586b602c9d0a08fba8e9", HEX.formatHex(KeyDerivation.derive("SHA-512", K, H, 'A', SID, 12)));
    }

    @Test
    void zeroLengthGivesEmptyKey() throws Exception {
        assertEquals(0, KeyDerivation.derive("SHA-256", K, H, 'E', SID, 0).length);
    }
}
