package dev.tether.ssh.kex;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The post-quantum/traditional hybrid key exchanges, each a KEM combined with X25519 over the
 * two-message flow of {@link EcdhStyleKex}:
 *
 * <ul>
 *   <li>{@code mlkem768x25519-sha256}: ML-KEM-768 (FIPS 203) and X25519 with SHA-256,
 *       draft-ietf-sshm-mlkem-hybrid-kex; OpenSSH 9.9 and later.</li>
 *   <li>{@code sntrup761x25519-sha512} and OpenSSH's older name
 *       {@code sntrup761x25519-sha512@openssh.com}: Streamlined NTRU Prime sntrup761 and X25519
 *       with SHA-512, RFC 9941 (draft-ietf-sshm-ntruprime-ssh, draft-josefsson-ntruprime-ssh);
 *       OpenSSH 8.5 and later.</li>
 * </ul>
 *
 * <p>Both define the same construction:
 *
 * <pre>
 *   C → S  30  string C_INIT  = C_PK2 || C_PK1     KEM public key, then client X25519 public
 *   S → C  31  string K_S, string S_REPLY, string signature over H
 *              S_REPLY = S_CT2 || S_PK1            KEM ciphertext, then server X25519 public
 *   K_PQ = the KEM shared secret; K_CL = the raw 32-byte X25519 shared secret (RFC 7748)
 *   K    = HASH(K_PQ || K_CL), encoded as a string (not an mpint) in H and in key derivation
 *   H    = HASH(V_C || V_S || I_C || I_S || K_S || C_INIT || S_REPLY || K)
 * </pre>
 *
 * <p>Peer values are checked strictly: C_INIT and S_REPLY must have exactly the concatenated
 * lengths, the ML-KEM encapsulation key must pass the FIPS 203 §7.2 check, and an all-zero X25519
 * shared secret is rejected as RFC 8731 §3 requires for curve25519 (OpenSSH applies the same check
 * to the hybrids). Every failure is an {@link SshException} with reason KEY_EXCHANGE_FAILED.
 * Ephemeral secrets (K_PQ, K_CL and their concatenation) are wiped once K is computed.
 */
final class PqHybridKex {
    static final String MLKEM768_X25519_SHA256 = "mlkem768x25519-sha256";
    static final String SNTRUP761_X25519_SHA512 = "sntrup761x25519-sha512";
    static final String SNTRUP761_X25519_SHA512_OPENSSH = "sntrup761x25519-sha512@openssh.com";

    private PqHybridKex() {
    }

    /** {@code mlkem768x25519-sha256} (draft-ietf-sshm-mlkem-hybrid-kex). */
    static KexAlgorithm mlkem768x25519() {
        return new EcdhStyleKex(MLKEM768_X25519_SHA256, "SHA-256", true,
                new HybridAgreement(MLKEM768_X25519_SHA256, PqMlKem768.INSTANCE, "SHA-256", X25519::generate));
    }

    /**
     * {@code sntrup761x25519-sha512} (RFC 9941) under either of its names; the two differ only in
     * the name negotiated.
     *
     * @param name {@link #SNTRUP761_X25519_SHA512} or {@link #SNTRUP761_X25519_SHA512_OPENSSH}
     */
    static KexAlgorithm sntrup761x25519(String name) {
        if (!SNTRUP761_X25519_SHA512.equals(name) && !SNTRUP761_X25519_SHA512_OPENSSH.equals(name)) {
            throw new IllegalArgumentException("not an sntrup761x25519-sha512 name: " + name);
        }
        return new EcdhStyleKex(name, "SHA-512", true,
                new HybridAgreement(name, PqSntrup761.INSTANCE, "SHA-512", X25519::generate));
    }

    /** Where the X25519 ephemeral comes from; fixed keys in known-answer tests. */
    @FunctionalInterface
    interface X25519Source {
        X25519 generate(SecureRandom random) throws SshException;
    }

    /** A KEM and X25519 combined as the hybrid drafts define. Stateless and shareable. */
    static final class HybridAgreement implements EcdhStyleKex.Agreement {
        private final String method;
        private final PqKem kem;
        private final String hash;
        private final X25519Source ecdh;

        HybridAgreement(String method, PqKem kem, String hash, X25519Source ecdh) {
            this.method = method;
            this.kem = kem;
            this.hash = hash;
            this.ecdh = ecdh;
        }

        @Override
        public EcdhStyleKex.ClientSide start(SecureRandom random) throws SshException {
            PqKem.Decapsulator decapsulator = kem.generate(random);
            X25519 x = ecdh.generate(random);
            byte[] clientInit = concat(decapsulator.publicKey(), x.publicKey());
            return new EcdhStyleKex.ClientSide() {
                @Override
                public byte[] publicValue() {
                    return clientInit.clone();
                }

                @Override
                public byte[] finish(byte[] serverReply) throws SshException {
                    int expected = kem.ciphertextLength() + X25519.KEY_SIZE;
                    if (serverReply.length != expected) {
                        throw failure(method + ": server reply S_REPLY must be " + expected + " bytes ("
                                + kem.name() + " ciphertext " + kem.ciphertextLength() + " + X25519 "
                                + X25519.KEY_SIZE + "), got " + serverReply.length);
                    }
                    byte[] ciphertext = Arrays.copyOfRange(serverReply, 0, kem.ciphertextLength());
                    byte[] serverX25519 = Arrays.copyOfRange(serverReply, kem.ciphertextLength(), expected);
                    byte[] kpq = null;
                    byte[] kcl = null;
                    try {
                        kcl = x.agree(serverX25519);
                        kpq = decapsulator.decapsulate(ciphertext);
                        return combine(kpq, kcl);
                    } finally {
                        wipe(kpq);
                        wipe(kcl);
                    }
                }
            };
        }

        @Override
        public EcdhStyleKex.ServerSide respond(byte[] clientInit, SecureRandom random) throws SshException {
            int expected = kem.publicKeyLength() + X25519.KEY_SIZE;
            if (clientInit.length != expected) {
                throw failure(method + ": client value C_INIT must be " + expected + " bytes ("
                        + kem.name() + " public key " + kem.publicKeyLength() + " + X25519 "
                        + X25519.KEY_SIZE + "), got " + clientInit.length);
            }
            byte[] kemPublic = Arrays.copyOfRange(clientInit, 0, kem.publicKeyLength());
            byte[] clientX25519 = Arrays.copyOfRange(clientInit, kem.publicKeyLength(), expected);
            X25519 x = ecdh.generate(random);
            byte[] kcl = null;
            PqKem.Encapsulation enc = null;
            try {
                kcl = x.agree(clientX25519);
                enc = kem.encapsulate(kemPublic, random);
                byte[] secret = combine(enc.secret(), kcl);
                return new EcdhStyleKex.ServerSide(concat(enc.ciphertext(), x.publicKey()), secret);
            } finally {
                wipe(kcl);
                if (enc != null) {
                    enc.wipe();
                }
            }
        }

        /** HASH(K_PQ || K_CL); the concatenation is never materialised. */
        private byte[] combine(byte[] kpq, byte[] kcl) throws SshException {
            try {
                MessageDigest md = MessageDigest.getInstance(hash);
                md.update(kpq);
                md.update(kcl);
                return md.digest();
            } catch (GeneralSecurityException e) {
                throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED, hash + " unavailable", e);
            }
        }
    }

    private static SshException failure(String message) {
        return new SshException(DisconnectReason.KEY_EXCHANGE_FAILED, message);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void wipe(byte[] b) {
        if (b != null) {
            Arrays.fill(b, (byte) 0);
        }
    }
}
