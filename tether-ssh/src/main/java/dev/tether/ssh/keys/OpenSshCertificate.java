package dev.tether.ssh.keys;

import dev.tether.ssh.SshException;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * An OpenSSH certificate (OpenSSH's PROTOCOL.certkeys, draft-miller-ssh-cert): a public key
 * signed by a certificate authority together with its principals, validity window, critical
 * options and extensions. Immutable.
 *
 * <p>Certificate key types: {@code ssh-ed25519-cert-v01@openssh.com},
 * {@code ecdsa-sha2-nistp256/384/521-cert-v01@openssh.com}, {@code ssh-rsa-cert-v01@openssh.com};
 * as signature/host key algorithms RSA certificates also appear as
 * {@code rsa-sha2-256-cert-v01@openssh.com} and {@code rsa-sha2-512-cert-v01@openssh.com}.
 */
public final class OpenSshCertificate {
    /** The certificate's role: user (1) or host (2). */
    public enum Type {
        USER(1), HOST(2);

        private final int code;

        Type(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    private OpenSshCertificate() {
        throw new UnsupportedOperationException("to be implemented");
    }

    /** True if {@code name} is a certificate key type or certificate signature algorithm name. */
    public static boolean isCertificateAlgorithm(String name) {
        throw new UnsupportedOperationException("to be implemented");
    }

    /** Parses a certificate blob (as sent on the wire or base64-decoded from a -cert.pub file). */
    public static OpenSshCertificate parse(byte[] blob) throws SshException {
        throw new UnsupportedOperationException("to be implemented");
    }

    /** The whole certificate blob. */
    public byte[] encoded() {
        throw new UnsupportedOperationException("to be implemented");
    }

    /** e.g. {@code ssh-ed25519-cert-v01@openssh.com}. */
    public String keyType() {
        throw new UnsupportedOperationException("to be implemented");
    }

    /** The certified public key. */
    public PublicKey publicKey() {
        throw new UnsupportedOperationException("to be implemented");
    }

    /** The certified key's plain public key blob. */
    public byte[] publicKeyBlob() {
        throw new UnsupportedOperationException("to be implemented");
    }

    public long serial() {
        throw new UnsupportedOperationException("to be implemented");
    }

    public Type type() {
        throw new UnsupportedOperationException("to be implemented");
    }

    public String keyId() {
        throw new UnsupportedOperationException("to be implemented");
    }

    /** Valid principals; empty means any principal (OpenSSH treats it so). */
    public List<String> principals() {
        throw new UnsupportedOperationException("to be implemented");
    }

    /** Seconds since the epoch, unsigned; {@code validBefore} of 0xffffffffffffffff means forever. */
    public long validAfter() {
        throw new UnsupportedOperationException("to be implemented");
    }

    public long validBefore() {
        throw new UnsupportedOperationException("to be implemented");
    }

    /** Critical options by name ({@code force-command}, {@code source-address}), values decoded. */
    public Map<String, String> criticalOptions() {
        throw new UnsupportedOperationException("to be implemented");
    }

    /** Extensions by name ({@code permit-pty}, {@code permit-port-forwarding}, ...), values decoded. */
    public Map<String, String> extensions() {
        throw new UnsupportedOperationException("to be implemented");
    }

    /** The CA's public key blob. */
    public byte[] signatureKey() {
        throw new UnsupportedOperationException("to be implemented");
    }

    /**
     * Checks the CA signature over the certificate body. SHA-1 {@code ssh-rsa} CA signatures are
     * refused unless {@code allowSha1} is set.
     */
    public boolean verifySignature(boolean allowSha1) throws SshException {
        throw new UnsupportedOperationException("to be implemented");
    }

    /**
     * Full validation: type matches, the CA signature verifies, the CA key is one of
     * {@code trustedCaBlobs}, {@code now} is inside the validity window, {@code principal} (if
     * non-null) is listed (or the list is empty), and no unknown critical option is present.
     * Throws an {@link SshException} whose message says which check failed.
     */
    public void validate(Type expected, String principal, Instant now, Collection<byte[]> trustedCaBlobs) throws SshException {
        throw new UnsupportedOperationException("to be implemented");
    }

    /** Signs a new certificate with the CA key, as {@code ssh-keygen -s} does. */
    public static OpenSshCertificate sign(PublicKey key, Type type, long serial, String keyId, List<String> principals,
                                          long validAfter, long validBefore, Map<String, String> criticalOptions,
                                          Map<String, String> extensions, PublicKey caPublic, PrivateKey caPrivate,
                                          String caSignatureAlgorithm) throws SshException {
        throw new UnsupportedOperationException("to be implemented");
    }
}
