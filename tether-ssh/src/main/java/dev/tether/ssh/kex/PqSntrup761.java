package dev.tether.ssh.kex;

import dev.tether.ssh.SshException;

import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.SecretWithEncapsulation;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimeKEMExtractor;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimeKEMGenerator;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimeKeyGenerationParameters;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimeKeyPairGenerator;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimeParameters;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimePrivateKeyParameters;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimePublicKeyParameters;

import java.security.SecureRandom;

/**
 * Streamlined NTRU Prime sntrup761 over Bouncy Castle's lightweight API, as the PQ half of
 * {@code sntrup761x25519-sha512} (RFC 9941, formerly draft-ietf-sshm-ntruprime-ssh and
 * draft-josefsson-ntruprime-ssh; OpenSSH's {@code sntrup761x25519-sha512@openssh.com}).
 *
 * <p>SSH uses the NTRU Prime round-3 sntrup761 as shipped in SUPERCOP and OpenSSH: public key
 * 1158 bytes, ciphertext 1039 bytes (1007 rounded + 32 confirmation), 32-byte session key.
 * Bouncy Castle 1.82's {@code sntrup761} was checked to be byte-compatible: it reproduces the
 * liboqs/PQClean (SUPERCOP-derived) NIST-DRBG known-answer test and completes a key exchange with
 * OpenSSH (see PqHybridKatTest and PqHybridOpenSshTest).
 *
 * <p>sntrup761 public keys carry no redundancy to check beyond their length; decapsulation of a
 * wrong ciphertext yields an unrelated secret (implicit rejection), and the exchange then fails on
 * the host signature. (Bouncy Castle 1.82 derives that rejection secret from its re-encryption of
 * the ciphertext where SUPERCOP hashes the received ciphertext; the value differs from OpenSSH's
 * but never leaves the client, since the exchange is abandoned, so this does not matter here.)
 */
final class PqSntrup761 implements PqKem {
    static final PqSntrup761 INSTANCE = new PqSntrup761();

    static final int PUBLIC_KEY_BYTES = 1158;
    static final int CIPHERTEXT_BYTES = 1039;
    static final int SECRET_BYTES = 32;

    private static final SNTRUPrimeParameters PARAMETERS = SNTRUPrimeParameters.sntrup761;

    private PqSntrup761() {
    }

    @Override
    public String name() {
        return "sntrup761";
    }

    @Override
    public int publicKeyLength() {
        return PUBLIC_KEY_BYTES;
    }

    @Override
    public int ciphertextLength() {
        return CIPHERTEXT_BYTES;
    }

    @Override
    public int secretLength() {
        return SECRET_BYTES;
    }

    @Override
    public Decapsulator generate(SecureRandom random) throws SshException {
        SNTRUPrimePrivateKeyParameters priv;
        byte[] pub;
        try {
            SNTRUPrimeKeyPairGenerator g = new SNTRUPrimeKeyPairGenerator();
            g.init(new SNTRUPrimeKeyGenerationParameters(random, PARAMETERS));
            AsymmetricCipherKeyPair kp = g.generateKeyPair();
            priv = (SNTRUPrimePrivateKeyParameters) kp.getPrivate();
            pub = ((SNTRUPrimePublicKeyParameters) kp.getPublic()).getEncoded();
        } catch (RuntimeException e) {
            throw PqKem.failure("sntrup761 key generation failed", e);
        }
        if (pub.length != PUBLIC_KEY_BYTES) {
            throw PqKem.failure("sntrup761 key generation produced a " + pub.length + "-byte public key");
        }
        return new Decapsulator() {
            @Override
            public byte[] publicKey() {
                return pub.clone();
            }

            @Override
            public byte[] decapsulate(byte[] ciphertext) throws SshException {
                if (ciphertext.length != CIPHERTEXT_BYTES) {
                    throw PqKem.failure("sntrup761 ciphertext must be " + CIPHERTEXT_BYTES
                            + " bytes, got " + ciphertext.length);
                }
                byte[] secret;
                try {
                    secret = new SNTRUPrimeKEMExtractor(priv).extractSecret(ciphertext);
                } catch (RuntimeException e) {
                    throw PqKem.failure("sntrup761 decapsulation failed", e);
                }
                if (secret.length != SECRET_BYTES) {
                    throw PqKem.failure("sntrup761 decapsulation produced a " + secret.length + "-byte secret");
                }
                return secret;
            }
        };
    }

    @Override
    public Encapsulation encapsulate(byte[] publicKey, SecureRandom random) throws SshException {
        if (publicKey.length != PUBLIC_KEY_BYTES) {
            throw PqKem.failure("sntrup761 public key must be " + PUBLIC_KEY_BYTES + " bytes, got " + publicKey.length);
        }
        SecretWithEncapsulation s;
        try {
            SNTRUPrimePublicKeyParameters pub = new SNTRUPrimePublicKeyParameters(PARAMETERS, publicKey.clone());
            s = new SNTRUPrimeKEMGenerator(random).generateEncapsulated(pub);
        } catch (RuntimeException e) {
            throw PqKem.failure("sntrup761 encapsulation failed", e);
        }
        try {
            Encapsulation out = new Encapsulation(s.getEncapsulation(), s.getSecret());
            if (out.ciphertext().length != CIPHERTEXT_BYTES || out.secret().length != SECRET_BYTES) {
                out.wipe();
                throw PqKem.failure("sntrup761 encapsulation produced values of unexpected length");
            }
            return out;
        } finally {
            PqKem.destroy(s);
        }
    }
}
