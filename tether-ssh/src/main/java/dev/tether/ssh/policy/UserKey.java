package dev.tether.ssh.policy;

import dev.tether.ssh.keys.OpenSshCertificate;
import dev.tether.ssh.keys.SignatureAlgorithms;

import java.security.PublicKey;

/**
 * A public key a client offers for {@code publickey} authentication, as the server's policy
 * sees it: the signature algorithm named in the request, the key blob, the decoded key, and the
 * certificate when the blob is an OpenSSH certificate.
 *
 * @param algorithm   the public key algorithm from the request, e.g. {@code rsa-sha2-512}
 * @param blob        the key or certificate blob as sent
 * @param publicKey   the key (for a certificate: the certified key)
 * @param certificate the certificate, or null for a plain key
 */
public record UserKey(String algorithm, byte[] blob, PublicKey publicKey, OpenSshCertificate certificate) {

    /**
     * SHA256 fingerprint of the blob, as {@code ssh-keygen -l} prints it.
     *
     * @return the fingerprint, {@code SHA256:} and unpadded base64
     */
    public String fingerprint() {
        return SignatureAlgorithms.fingerprint(blob);
    }

    @Override
    public String toString() {
        return "UserKey[" + algorithm + " " + fingerprint() + (certificate != null ? " certificate" : "") + "]";
    }
}
