package dev.tether.ssh.kex;

import java.util.List;

/** The registry of key exchange methods by name, in default preference order. */
public final class KexAlgorithms {
    private KexAlgorithms() {
    }

    /**
     * The default preference: post-quantum hybrids, then curve25519, then ECDH, then DH group
     * exchange and the fixed groups, so that older clients still connect.
     */
    public static final List<String> DEFAULT = List.of(
            "mlkem768x25519-sha256",
            "sntrup761x25519-sha512",
            "sntrup761x25519-sha512@openssh.com",
            "curve25519-sha256",
            "curve25519-sha256@libssh.org",
            "ecdh-sha2-nistp256",
            "ecdh-sha2-nistp384",
            "ecdh-sha2-nistp521",
            "diffie-hellman-group-exchange-sha256",
            "diffie-hellman-group16-sha512",
            "diffie-hellman-group18-sha512",
            "diffie-hellman-group14-sha256");

    /** Every name {@link #get} knows, including those that are off by default. */
    public static List<String> supported() {
        throw new UnsupportedOperationException("to be implemented");
    }

    /** The method of that name, or null if we do not implement it. */
    public static KexAlgorithm get(String name) {
        throw new UnsupportedOperationException("to be implemented");
    }
}
