package dev.tether.ssh.interop;

import java.util.List;

/**
 * Helpers for the interop tests: algorithm lists. The peers (sshd, ssh, paramiko), processes, key
 * files, ports and polling are tether-testkit's ({@code dev.tether.testkit}).
 */
final class Interop {
    static final String LOOPBACK = "127.0.0.1";

    private Interop() {
    }

    /** The names on both lists, in {@code ours}'s order. */
    static List<String> common(List<String> peer, List<String> ours) {
        return ours.stream().filter(peer::contains).toList();
    }

    /** The cipher used when a test forces a MAC: a MAC only matters with a non-AEAD cipher. */
    static final String CIPHER_FOR_MAC_TESTS = "aes128-ctr";

    /** Lines of {@code text} that contain {@code needle}, for assertion messages. */
    static List<String> grep(String text, String needle) {
        return text.lines().filter(l -> l.contains(needle)).toList();
    }
}
