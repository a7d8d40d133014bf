package dev.tether.ssh.transport;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Shared fixtures for the cipher tests: the combinations, deterministic keys, packet building. */
final class CipherTestSupport {
    private CipherTestSupport() {
    }

    static final HexFormat HEX = HexFormat.of();

    static final List<String> CTR_CIPHERS = List.of("aes128-ctr", "aes192-ctr", "aes256-ctr");
    static final List<String> AEAD_CIPHERS = List.of(
            "aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com");

    /** A cipher with the MAC it is used with (null for AEAD). */
    record Combo(String cipher, String mac) {
        boolean encryptAndMac() {
            return mac != null && !mac.endsWith("-etm@openssh.com");
        }

        @Override
        public String toString() {
            return mac == null ? cipher : cipher + " + " + mac;
        }
    }

    /** Every combination: each CTR cipher with each MAC, and each AEAD cipher alone. */
    static List<Combo> combos() {
        List<Combo> all = new ArrayList<>();
        for (String c : CTR_CIPHERS) {
            for (String m : CipherAlgorithms.MACS) {
                all.add(new Combo(c, m));
            }
        }
        for (String c : AEAD_CIPHERS) {
            all.add(new Combo(c, null));
        }
        return all;
    }

    static byte[] pattern(int n, int start, int step) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (start + step * i);
        }
        return b;
    }

    /** The keys of packet_vectors.py. */
    static byte[] cipherKey(String cipher) {
        int n = CipherAlgorithms.keyLength(cipher);
        return cipher.startsWith("chacha20") ? pattern(n, 0x02, 5) : pattern(n, 0x01, 7);
    }

    static byte[] iv(String cipher) {
        switch (cipher) {
            case "aes128-gcm@openssh.com":
                return HEX.parseHex("c0c1c2c3ffffffffffffffff");
            case "aes256-gcm@openssh.com":
                return HEX.parseHex("d0d1d2d300000000000000ff");
            case "chacha20-poly1305@openssh.com":
                return new byte[0];
            default:
                return HEX.parseHex("0001020304050607fffffffffffffffe");
        }
    }

    static byte[] macKey(String mac) {
        return mac == null ? null : pattern(CipherAlgorithms.macKeyLength(mac), 0x80, 3);
    }

    static PacketCipher create(Combo c, boolean encrypt) {
        return CipherAlgorithms.create(c.cipher(), c.mac(), encrypt, cipherKey(c.cipher()), iv(c.cipher()), macKey(c.mac()));
    }

    /**
     * {@code uint32 packet_length || byte padding_length || payload || padding} with the smallest
     * padding (at least 4) that meets the cipher's rule, padding bytes a0 a1 a2 ... as in
     * packet_vectors.py.
     */
    static byte[] packet(byte[] payload, PacketCipher cipher) {
        return packet(payload, cipher.blockSize(), cipher.lengthExcludedFromPadding(), 0, null);
    }

    /**
     * As {@link #packet(byte[], PacketCipher)} with {@code extraBlocks} more blocks of padding, and
     * padding bytes from {@code padFill} when it is not null.
     */
    static byte[] packet(byte[] payload, int block, boolean lengthExcluded, int extraBlocks, java.util.Random padFill) {
        int pad = 4;
        while ((1 + payload.length + pad + (lengthExcluded ? 0 : 4)) % block != 0) {
            pad++;
        }
        pad += extraBlocks * block;
        if (pad > 255) {
            throw new IllegalArgumentException("padding too long");
        }
        int packetLength = 1 + payload.length + pad;
        byte[] p = new byte[4 + packetLength];
        p[0] = (byte) (packetLength >>> 24);
        p[1] = (byte) (packetLength >>> 16);
        p[2] = (byte) (packetLength >>> 8);
        p[3] = (byte) packetLength;
        p[4] = (byte) pad;
        System.arraycopy(payload, 0, p, 5, payload.length);
        for (int i = 0; i < pad; i++) {
            p[5 + payload.length + i] = padFill == null ? (byte) (0xa0 + i) : (byte) padFill.nextInt();
        }
        return p;
    }

    /** The two payloads of packet_vectors.py. */
    static byte[][] vectorPayloads() {
        byte[] p1 = new byte[17];
        p1[0] = 5;
        p1[4] = 12;
        System.arraycopy("ssh-userauth".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, p1, 5, 12);
        byte[] p2 = new byte[40];
        p2[0] = 2;
        p2[4] = 35;
        for (int i = 0; i < 35; i++) {
            p2[5 + i] = (byte) (0x30 + i);
        }
        return new byte[][] {p1, p2};
    }

    static int packetLength(byte[] plaintextPacket) {
        return plaintextPacket.length - 4;
    }
}
