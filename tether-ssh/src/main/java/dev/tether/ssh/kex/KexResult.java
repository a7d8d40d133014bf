package dev.tether.ssh.kex;

/**
 * The outcome of one run of a key exchange method.
 *
 * @param sharedSecret K, already encoded exactly as it enters the exchange hash and the key
 *                     derivation of RFC 4253 §7.2: as an mpint for (EC)DH and curve25519, as a
 *                     string for the post-quantum hybrids
 * @param exchangeHash H
 * @param hostKey      K_S, the server's public host key blob
 * @param signature    the server's signature blob over H (client side: not yet verified)
 * @param hashAlgorithm the JCA name of the method's hash, used again for key derivation
 */
public record KexResult(byte[] sharedSecret, byte[] exchangeHash, byte[] hostKey, byte[] signature,
                        String hashAlgorithm) {
}
