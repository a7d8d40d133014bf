/**
 * Keys: key types and signatures (RFC 4253 §6.6, RFC 5656, RFC 8332, RFC 8709), fingerprints,
 * private and public key files (OpenSSH, PEM/PKCS#8, PuTTY, RFC 4716), OpenSSH certificates,
 * known_hosts with the client's {@link dev.tether.ssh.keys.HostKeyVerifier}, and
 * authorized_keys with its options. API.
 */
package dev.tether.ssh.keys;
