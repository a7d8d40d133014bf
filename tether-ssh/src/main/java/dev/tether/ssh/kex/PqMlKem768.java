package dev.tether.ssh.kex;

import dev.tether.ssh.SshException;

import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.SecretWithEncapsulation;
import org.bouncycastle.pqc.crypto.mlkem.MLKEMExtractor;
import org.bouncycastle.pqc.crypto.mlkem.MLKEMGenerator;
import org.bouncycastle.pqc.crypto.mlkem.MLKEMKeyGenerationParameters;
import org.bouncycastle.pqc.crypto.mlkem.MLKEMKeyPairGenerator;
import org.bouncycastle.pqc.crypto.mlkem.MLKEMParameters;
import org.bouncycastle.pqc.crypto.mlkem.MLKEMPrivateKeyParameters;
import org.bouncycastle.pqc.crypto.mlkem.MLKEMPublicKeyParameters;

import java.security.SecureRandom;
/**
 * ML-KEM-768 (FIPS 203) over Bouncy Castle's lightweight API, as the PQ half of
 * {@code mlkem768x25519-sha256} (draft-ietf-sshm-mlkem-hybrid-kex).
 *
 * <p>The server checks the client's encapsulation key as FIPS 203 §7.2 requires: its exact
 * length (type check) and that every coefficient is reduced modulo q (modulus check, done by
 * {@link MLKEMPublicKeyParameters}); OpenSSH does the same. The client checks the ciphertext's
 * exact length (FIPS 203 §7.3); decapsulation of a wrong ciphertext does not fail but yields an
 * unrelated secret (implicit rejection), and the exchange then fails on the host signature.
 */
final class PqMlKem768 implements PqKem {
    static final PqMlKem768 INSTANCE = new PqMlKem768();

    static final int PUBLIC_KEY_BYTES = 1184;
    static final int CIPHERTEXT_BYTES = 1088;
    static final int SECRET_BYTES = 32;

    private static final MLKEMParameters PARAMETERS = MLKEMParameters.ml_kem_768;

    private PqMlKem768() {
    }

    @Override
    public String name() {
        return "ML-KEM-768";
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

    /**
     * A fresh key pair. Bouncy Castle draws the FIPS 203 seeds d and then z (32 bytes each) from
     * {@code random} (ML-KEM.KeyGen, Algorithm 19).
     */
    @Override
    public Decapsulator generate(SecureRandom random) throws SshException {
        MLKEMPrivateKeyParameters priv;
        byte[] pub;
        try {
            MLKEMKeyPairGenerator g = new MLKEMKeyPairGenerator();
            g.init(new MLKEMKeyGenerationParameters(random, PARAMETERS));
            AsymmetricCipherKeyPair kp = g.generateKeyPair();
            priv = (MLKEMPrivateKeyParameters) kp.getPrivate();
            pub = ((MLKEMPublicKeyParameters) kp.getPublic()).getEncoded();
        } catch (RuntimeException e) {
            throw PqKem.failure("ML-KEM-768 key generation failed", e);
        }
        if (pub.length != PUBLIC_KEY_BYTES) {
            throw PqKem.failure("ML-KEM-768 key generation produced a " + pub.length + "-byte public key");
        }
        return new Decapsulator() {
            @Override
            public byte[] publicKey() {
                return pub.clone();
            }

            @Override
            public byte[] decapsulate(byte[] ciphertext) throws SshException {
                if (ciphertext.length != CIPHERTEXT_BYTES) {
                    throw PqKem.failure("ML-KEM-768 ciphertext must be " + CIPHERTEXT_BYTES
                            + " bytes, got " + ciphertext.length);
                }
                byte[] secret;
                try {
                    secret = new MLKEMExtractor(priv).extractSecret(ciphertext);
                } catch (RuntimeException e) {
                    throw PqKem.failure("ML-KEM-768 decapsulation failed", e);
                }
                if (secret.length != SECRET_BYTES) {
                    throw PqKem.failure("ML-KEM-768 decapsulation produced a " + secret.length + "-byte secret");
                }
                return secret;
            }
        };
    }

    /**
     * Encapsulates to the client's key. Bouncy Castle draws the 32-byte message m from
     * {@code random} (ML-KEM.Encaps, Algorithm 20).
     */
    @Override
    public Encapsulation encapsulate(byte[] publicKey, SecureRandom random) throws SshException {
        if (publicKey.length != PUBLIC_KEY_BYTES) {
            throw PqKem.failure("ML-KEM-768 public key must be " + PUBLIC_KEY_BYTES + " bytes, got " + publicKey.length);
        }
        MLKEMPublicKeyParameters pub;
        try {
            pub = new MLKEMPublicKeyParameters(PARAMETERS, publicKey);
        } catch (IllegalArgumentException e) {
            throw PqKem.failure("ML-KEM-768 public key fails the FIPS 203 encapsulation key check", e);
        }
        SecretWithEncapsulation s;
        try {
            s = new MLKEMGenerator(random).generateEncapsulated(pub);
        } catch (RuntimeException e) {
            throw PqKem.failure("ML-KEM-768 encapsulation failed", e);
        }
        try {
            Encapsulation out = new Encapsulation(s.getEncapsulation(), s.getSecret());
            if (out.ciphertext().length != CIPHERTEXT_BYTES || out.secret().length != SECRET_BYTES) {
                out.wipe();
                throw PqKem.failure("ML-KEM-768 encapsulation produced values of unexpected length");
            }
            return out;
        } finally {
            PqKem.destroy(s);
        }
    }
}
