package dev.tether.ssh.common;

/**
 * The algorithms a key exchange settled on (RFC 4253 §7.1). The MACs are null when the cipher
 * in that direction is an AEAD cipher, which authenticates by itself.
 *
 * @param kex                       the key exchange method, e.g. {@code curve25519-sha256}
 * @param hostKey                   the host key algorithm, e.g. {@code ssh-ed25519}
 * @param cipherClientToServer      the cipher from client to server
 * @param cipherServerToClient      the cipher from server to client
 * @param macClientToServer         the MAC from client to server, or null with an AEAD cipher
 * @param macServerToClient         the MAC from server to client, or null with an AEAD cipher
 * @param compressionClientToServer the compression from client to server, e.g. {@code none}
 * @param compressionServerToClient the compression from server to client
 */
public record NegotiatedAlgorithms(String kex, String hostKey,
                                   String cipherClientToServer, String cipherServerToClient,
                                   String macClientToServer, String macServerToClient,
                                   String compressionClientToServer, String compressionServerToClient) {
}
