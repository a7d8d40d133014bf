package dev.tether.ssh.testutil;

import dev.tether.ssh.keys.SignatureAlgorithms;

import java.security.KeyPair;
import java.util.List;

/** Host keys of every type, generated once per JVM. */
public final class TestKeys {
    private TestKeys() {
    }

    private static final class Holder {
        static final List<KeyPair> ALL = generate();

        private static List<KeyPair> generate() {
            try {
                return List.of(
                        SignatureAlgorithms.generate("ssh-ed25519", 0),
                        SignatureAlgorithms.generate("ecdsa-sha2-nistp256", 0),
                        SignatureAlgorithms.generate("ecdsa-sha2-nistp384", 0),
                        SignatureAlgorithms.generate("ecdsa-sha2-nistp521", 0),
                        SignatureAlgorithms.generate("ssh-rsa", 2048));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** ed25519, ecdsa p256/p384/p521 and rsa 2048. */
    public static List<KeyPair> all() {
        return Holder.ALL;
    }

    public static KeyPair ed25519() {
        return Holder.ALL.get(0);
    }
}
