package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;

import java.security.MessageDigest;
import java.util.List;

/**
 * Decides whether the client trusts the server's host key. The client refuses to start without
 * one: there is no accept-all default. The transport has already checked that the server holds
 * the private key (its signature over the exchange hash verified); the verifier decides whether
 * the key is the right one for this host.
 */
@FunctionalInterface
public interface HostKeyVerifier {
    /**
     * Whether to trust the server's host key for this connection.
     *
     * @param host         the host name or address the client connected to ({@code "unknown"} over raw streams)
     * @param port         the port, or 0 over raw streams
     * @param algorithm    the negotiated host key algorithm
     * @param hostKeyBlob  the host key (or host certificate) in SSH wire encoding
     * @return true to trust the key; false ends the connection with HOST_KEY_NOT_VERIFIABLE
     * @throws SshException to refuse with a reason of the verifier's own; the connection ends
     */
    boolean verify(String host, int port, String algorithm, byte[] hostKeyBlob) throws SshException;

    /**
     * Trusts exactly these key blobs.
     *
     * @param blobs the trusted host key blobs; copied
     * @return a verifier accepting exactly those keys
     */
    static HostKeyVerifier acceptKeys(List<byte[]> blobs) {
        List<byte[]> copy = blobs.stream().map(byte[]::clone).toList();
        return (host, port, alg, blob) -> copy.stream().anyMatch(b -> MessageDigest.isEqual(b, blob));
    }

    /**
     * Trusts the key with this SHA256 fingerprint, as {@code ssh-keygen -l} prints it ({@code SHA256:...}).
     *
     * @param sha256Fingerprint the fingerprint, {@code SHA256:} and unpadded base64
     * @return a verifier accepting the key with that fingerprint
     */
    static HostKeyVerifier acceptFingerprint(String sha256Fingerprint) {
        return (host, port, alg, blob) -> MessageDigest.isEqual(
                SignatureAlgorithms.fingerprint(blob).getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                sha256Fingerprint.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    /**
     * Trusts any key. This makes the connection open to man-in-the-middle attacks; use it only
     * in tests or when the host key is verified by other means.
     *
     * @return a verifier accepting every key
     */
    static HostKeyVerifier insecureAcceptAny() {
        return (host, port, alg, blob) -> true;
    }
}
