package dev.tether.ssh.kex;

import dev.tether.ssh.common.SshException;

import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.AsymmetricCipherKeyPairGenerator;
import org.bouncycastle.crypto.EncapsulatedSecretExtractor;
import org.bouncycastle.crypto.EncapsulatedSecretGenerator;
import org.bouncycastle.crypto.KeyGenerationParameters;
import org.bouncycastle.crypto.SecretWithEncapsulation;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;

import java.security.SecureRandom;

/**
 * A {@link PqKem} over Bouncy Castle's lightweight KEM API: the flow every such KEM shares (key
 * generation, encapsulation and decapsulation, each with exact-length checks on what goes in and
 * comes out, and provider failures wrapped as KEY_EXCHANGE_FAILED). A subclass supplies the
 * algorithm's Bouncy Castle classes through the small factory methods below, and any check of the
 * peer's public key beyond its length in {@link #decodePublicKey}.
 */
abstract class BcKem implements PqKem {
    private final String name;
    private final int publicKeyLength;
    private final int ciphertextLength;
    private final int secretLength;

    BcKem(String name, int publicKeyLength, int ciphertextLength, int secretLength) {
        this.name = name;
        this.publicKeyLength = publicKeyLength;
        this.ciphertextLength = ciphertextLength;
        this.secretLength = secretLength;
    }

    /** A new, uninitialised key pair generator. */
    abstract AsymmetricCipherKeyPairGenerator keyPairGenerator();

    /** The parameters {@link #keyPairGenerator()} is initialised with, drawing from {@code random}. */
    abstract KeyGenerationParameters keyGenerationParameters(SecureRandom random);

    /** The encoding of a generated public key. */
    abstract byte[] encodePublicKey(AsymmetricKeyParameter publicKey);

    /** An extractor for a generated private key. */
    abstract EncapsulatedSecretExtractor extractor(AsymmetricKeyParameter privateKey);

    /**
     * The peer's public key, already checked to have the exact length. A key that fails a further
     * check of the algorithm's is refused with {@link PqKem#failure}; a runtime exception is
     * reported as an encapsulation failure.
     */
    abstract AsymmetricKeyParameter decodePublicKey(byte[] encoded) throws SshException;

    /** An encapsulation generator drawing from {@code random}. */
    abstract EncapsulatedSecretGenerator generator(SecureRandom random);

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final int publicKeyLength() {
        return publicKeyLength;
    }

    @Override
    public final int ciphertextLength() {
        return ciphertextLength;
    }

    @Override
    public final int secretLength() {
        return secretLength;
    }

    @Override
    public final Decapsulator generate(SecureRandom random) throws SshException {
        AsymmetricKeyParameter priv;
        byte[] pub;
        try {
            AsymmetricCipherKeyPairGenerator g = keyPairGenerator();
            g.init(keyGenerationParameters(random));
            AsymmetricCipherKeyPair kp = g.generateKeyPair();
            priv = kp.getPrivate();
            pub = encodePublicKey(kp.getPublic());
        } catch (RuntimeException e) {
            throw PqKem.failure(name + " key generation failed", e);
        }
        if (pub.length != publicKeyLength) {
            throw PqKem.failure(name + " key generation produced a " + pub.length + "-byte public key");
        }
        return new Decapsulator() {
            @Override
            public byte[] publicKey() {
                return pub.clone();
            }

            @Override
            public byte[] decapsulate(byte[] ciphertext) throws SshException {
                if (ciphertext.length != ciphertextLength) {
                    throw PqKem.failure(name + " ciphertext must be " + ciphertextLength
                            + " bytes, got " + ciphertext.length);
                }
                byte[] secret;
                try {
                    secret = extractor(priv).extractSecret(ciphertext);
                } catch (RuntimeException e) {
                    throw PqKem.failure(name + " decapsulation failed", e);
                }
                if (secret.length != secretLength) {
                    throw PqKem.failure(name + " decapsulation produced a " + secret.length + "-byte secret");
                }
                return secret;
            }
        };
    }

    @Override
    public final Encapsulation encapsulate(byte[] publicKey, SecureRandom random) throws SshException {
        if (publicKey.length != publicKeyLength) {
            throw PqKem.failure(name + " public key must be " + publicKeyLength + " bytes, got " + publicKey.length);
        }
        SecretWithEncapsulation s;
        try {
            AsymmetricKeyParameter pub = decodePublicKey(publicKey);
            s = generator(random).generateEncapsulated(pub);
        } catch (RuntimeException e) {
            throw PqKem.failure(name + " encapsulation failed", e);
        }
        try {
            Encapsulation out = new Encapsulation(s.getEncapsulation(), s.getSecret());
            if (out.ciphertext().length != ciphertextLength || out.secret().length != secretLength) {
                out.wipe();
                throw PqKem.failure(name + " encapsulation produced values of unexpected length");
            }
            return out;
        } finally {
            PqKem.destroy(s);
        }
    }
}
