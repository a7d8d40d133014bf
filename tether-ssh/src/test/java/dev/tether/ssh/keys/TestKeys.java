package dev.tether.ssh.keys;

import java.security.KeyPair;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Key pairs shared across tests (RSA generation is slow), and small helpers. */
final class TestKeys {
    private static final Map<String, KeyPair> CACHE = new ConcurrentHashMap<>();

    /** Each key type with the signature algorithms to exercise on it. */
    static final List<String[]> TYPES_AND_ALGORITHMS = List.of(
            new String[] {"ssh-ed25519", "ssh-ed25519"},
            new String[] {"ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256"},
            new String[] {"ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384"},
            new String[] {"ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521"},
            new String[] {"ssh-rsa", "rsa-sha2-256"},
            new String[] {"ssh-rsa", "rsa-sha2-512"},
            new String[] {"ssh-rsa", "ssh-rsa"});

    private TestKeys() {
    }

    /** A cached key pair of the type; RSA keys are 2048 bits. */
    static KeyPair of(String type) {
        return CACHE.computeIfAbsent(type, t -> {
            try {
                return SignatureAlgorithms.generate(t, 2048);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }
}
