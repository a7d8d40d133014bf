package dev.tether.ssh.keys;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Helpers for passphrases held as {@code char[]}: their UTF-8 bytes, and wiping. */
final class Passphrases {
    private Passphrases() {
    }

    /** True for null or empty: "no passphrase". */
    static boolean isEmpty(char[] passphrase) {
        return passphrase == null || passphrase.length == 0;
    }

    /** The UTF-8 encoding of {@code passphrase} in a fresh array that the caller must wipe; no other copy is left. */
    static byte[] utf8(char[] passphrase) {
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(passphrase));
        byte[] out = new byte[encoded.remaining()];
        encoded.get(out);
        if (encoded.hasArray()) {
            Arrays.fill(encoded.array(), (byte) 0);
        }
        return out;
    }

    static void wipe(char[] passphrase) {
        if (passphrase != null) {
            Arrays.fill(passphrase, '\0');
        }
    }
}
