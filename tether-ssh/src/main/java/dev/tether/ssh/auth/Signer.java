package dev.tether.ssh.auth;

import dev.tether.ssh.agent.Identity;
import dev.tether.ssh.keys.OpenSshCertificate;
import dev.tether.ssh.keys.SignatureAlgorithms;

import java.io.IOException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;

/**
 * A key the client offers for {@code publickey} authentication (RFC 4252 §7): an in-memory key
 * pair, a key with an OpenSSH user certificate, an ssh-agent identity, or anything else that can
 * sign (a key decrypted only once the server accepts its public half, a hardware token, a remote
 * signing service). Passed to {@link dev.tether.ssh.Transport#authPublickey(String, Signer)}.
 *
 * <p>Implementations may be called from any thread, one call at a time per authentication.
 */
public interface Signer {
    /**
     * The blob sent in the request: the public key or the certificate.
     *
     * @return the public key blob or certificate blob, in the SSH wire encoding
     */
    byte[] blob();

    /**
     * The signature algorithms this key can use, best first (for RSA: rsa-sha2-512, rsa-sha2-256).
     *
     * @return the algorithm names this key can sign with; for a certificate, the certificate forms
     *     ({@code ...-cert-v01@openssh.com})
     */
    List<String> algorithms();

    /**
     * The SSH signature blob over {@code data} with the (plain) algorithm.
     *
     * @param algorithm one of {@link #algorithms()}; for a certificate its plain form, e.g. {@code rsa-sha2-512} for
     *     {@code rsa-sha2-512-cert-v01@openssh.com}
     * @param data      the data to sign: the RFC 4252 §7 signed content
     * @return the signature blob {@code string algorithm || string signature}
     * @throws IOException if the key cannot sign, e.g. an agent refuses or cannot be reached
     */
    byte[] sign(String algorithm, byte[] data) throws IOException;

    /**
     * For logs: the key type and fingerprint.
     *
     * @return a short description, safe to log (no secret)
     */
    String describe();

    /**
     * A signer for an in-memory key pair; ssh-rsa (SHA-1) is never used.
     *
     * @param kp the key pair: Ed25519, ECDSA or RSA
     * @return a signer offering {@code kp}'s public key
     */
    static Signer keyPair(KeyPair kp) {
        byte[] blob = SignatureAlgorithms.encodePublicKey(kp.getPublic());
        return new FixedSigner(blob, SignatureAlgorithms.algorithmsFor(kp.getPublic()),
                (alg, data) -> SignatureAlgorithms.sign(alg, kp.getPrivate(), data), SignatureAlgorithms.fingerprint(blob));
    }

    /**
     * A signer for a key held by an ssh-agent.
     *
     * @param id a key an agent listed
     * @return a signer that has that agent sign
     */
    static Signer agent(Identity id) {
        return new FixedSigner(id.blob(), id.signatureAlgorithms(), (alg, data) -> id.sign(data, alg),
                "agent key " + id.fingerprint());
    }

    /**
     * A signer for a key pair with an OpenSSH user certificate for its public key.
     *
     * @param kp   the key pair whose public key the certificate certifies
     * @param cert the OpenSSH user certificate
     * @return a signer offering the certificate and signing with the key pair's private key
     */
    static Signer certificate(KeyPair kp, OpenSshCertificate cert) {
        List<String> algs = new ArrayList<>();
        for (String a : SignatureAlgorithms.algorithmsFor(kp.getPublic())) {
            algs.add(a + "-cert-v01@openssh.com");
        }
        return new FixedSigner(cert.encoded(), algs, (alg, data) -> SignatureAlgorithms.sign(alg, kp.getPrivate(), data),
                "certificate " + cert.keyId() + " " + SignatureAlgorithms.fingerprint(cert.publicKeyBlob()));
    }
}

/** A {@link Signer} from its parts. */
record FixedSigner(byte[] blob, List<String> algorithms, FixedSigner.SignFunction signer, String description) implements Signer {
    /** Signs with a plain algorithm name. */
    @FunctionalInterface
    interface SignFunction {
        byte[] sign(String algorithm, byte[] data) throws IOException;
    }

    @Override
    public byte[] sign(String algorithm, byte[] data) throws IOException {
        return signer.sign(algorithm, data);
    }

    @Override
    public String describe() {
        return description;
    }
}
