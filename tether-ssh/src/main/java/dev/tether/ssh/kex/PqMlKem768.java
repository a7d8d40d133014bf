package dev.tether.ssh.kex;

import dev.tether.ssh.common.SshException;

import org.bouncycastle.crypto.AsymmetricCipherKeyPairGenerator;
import org.bouncycastle.crypto.EncapsulatedSecretExtractor;
import org.bouncycastle.crypto.EncapsulatedSecretGenerator;
import org.bouncycastle.crypto.KeyGenerationParameters;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
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
final class PqMlKem768 extends BcKem {
    static final PqMlKem768 INSTANCE = new PqMlKem768();

    static final int PUBLIC_KEY_BYTES = 1184;
    static final int CIPHERTEXT_BYTES = 1088;
    static final int SECRET_BYTES = 32;

    private static final MLKEMParameters PARAMETERS = MLKEMParameters.ml_kem_768;

    private PqMlKem768() {
        super("ML-KEM-768", PUBLIC_KEY_BYTES, CIPHERTEXT_BYTES, SECRET_BYTES);
    }

    @Override
    AsymmetricCipherKeyPairGenerator keyPairGenerator() {
        return new MLKEMKeyPairGenerator();
    }

    /**
     * Key generation parameters. From {@code random} Bouncy Castle draws the FIPS 203 seeds d and
     * then z (32 bytes each) (ML-KEM.KeyGen, Algorithm 19).
     */
    @Override
    KeyGenerationParameters keyGenerationParameters(SecureRandom random) {
        return new MLKEMKeyGenerationParameters(random, PARAMETERS);
    }

    @Override
    byte[] encodePublicKey(AsymmetricKeyParameter publicKey) {
        return ((MLKEMPublicKeyParameters) publicKey).getEncoded();
    }

    @Override
    EncapsulatedSecretExtractor extractor(AsymmetricKeyParameter privateKey) {
        return new MLKEMExtractor((MLKEMPrivateKeyParameters) privateKey);
    }

    /** The client's encapsulation key, which must pass the FIPS 203 modulus check. */
    @Override
    AsymmetricKeyParameter decodePublicKey(byte[] encoded) throws SshException {
        try {
            return new MLKEMPublicKeyParameters(PARAMETERS, encoded);
        } catch (IllegalArgumentException e) {
            throw PqKem.failure("ML-KEM-768 public key fails the FIPS 203 encapsulation key check", e);
        }
    }

    /**
     * The encapsulation generator. From {@code random} Bouncy Castle draws the 32-byte message m
     * (ML-KEM.Encaps, Algorithm 20).
     */
    @Override
    EncapsulatedSecretGenerator generator(SecureRandom random) {
        return new MLKEMGenerator(random);
    }
}
