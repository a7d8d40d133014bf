package dev.tether.ssh.kex;

import org.bouncycastle.crypto.AsymmetricCipherKeyPairGenerator;
import org.bouncycastle.crypto.EncapsulatedSecretExtractor;
import org.bouncycastle.crypto.EncapsulatedSecretGenerator;
import org.bouncycastle.crypto.KeyGenerationParameters;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
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
final class PqSntrup761 extends BcKem {
    static final PqSntrup761 INSTANCE = new PqSntrup761();

    static final int PUBLIC_KEY_BYTES = 1158;
    static final int CIPHERTEXT_BYTES = 1039;
    static final int SECRET_BYTES = 32;

    private static final SNTRUPrimeParameters PARAMETERS = SNTRUPrimeParameters.sntrup761;

    private PqSntrup761() {
        super("sntrup761", PUBLIC_KEY_BYTES, CIPHERTEXT_BYTES, SECRET_BYTES);
    }

    @Override
    AsymmetricCipherKeyPairGenerator keyPairGenerator() {
        return new SNTRUPrimeKeyPairGenerator();
    }

    @Override
    KeyGenerationParameters keyGenerationParameters(SecureRandom random) {
        return new SNTRUPrimeKeyGenerationParameters(random, PARAMETERS);
    }

    @Override
    byte[] encodePublicKey(AsymmetricKeyParameter publicKey) {
        return ((SNTRUPrimePublicKeyParameters) publicKey).getEncoded();
    }

    @Override
    EncapsulatedSecretExtractor extractor(AsymmetricKeyParameter privateKey) {
        return new SNTRUPrimeKEMExtractor((SNTRUPrimePrivateKeyParameters) privateKey);
    }

    /** The client's public key; beyond its length (checked already) there is nothing to check. */
    @Override
    AsymmetricKeyParameter decodePublicKey(byte[] encoded) {
        return new SNTRUPrimePublicKeyParameters(PARAMETERS, encoded.clone());
    }

    @Override
    EncapsulatedSecretGenerator generator(SecureRandom random) {
        return new SNTRUPrimeKEMGenerator(random);
    }
}
