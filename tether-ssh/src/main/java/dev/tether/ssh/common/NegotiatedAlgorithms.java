package dev.tether.ssh.common;

/**
 * The algorithms a key exchange settled on (RFC 4253 §7.1). The MACs are null when the cipher
 * in that direction is an AEAD cipher, which authenticates by itself.
 */
public record NegotiatedAlgorithms(String kex, String hostKey,
                                   String cipherClientToServer, String cipherServerToClient,
                                   String macClientToServer, String macServerToClient,
                                   String compressionClientToServer, String compressionServerToClient) {
}
