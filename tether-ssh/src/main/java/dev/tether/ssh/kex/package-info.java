/**
 * Key exchange methods, one class per family, each with its client and server side over the small
 * {@code KexIo} interface: DH (RFC 4253 §8, RFC 8268), group exchange (RFC 4419), ECDH (RFC 5656),
 * curve25519 (RFC 8731), and the post-quantum hybrids. Engine: not exported.
 */
package dev.tether.ssh.kex;
