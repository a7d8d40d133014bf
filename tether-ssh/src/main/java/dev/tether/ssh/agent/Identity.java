package dev.tether.ssh.agent;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.keys.SignatureAlgorithms;

import java.security.PublicKey;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A key held by an agent: its public key blob and comment, bound to the {@link AgentClient}
 * that listed it, so that user authentication can sign with it without holding the private key.
 *
 * <p>The blob may be of a type Tether cannot parse (a certificate, a security key, DSA):
 * {@link #keyType()}, {@link #fingerprint()} and {@link #sign} work for every key, while
 * {@link #publicKey()} works only for the types of {@link SignatureAlgorithms#SUPPORTED}.
 *
 * <p>Equality is by blob, comment and agent (by reference); the arrays are copied in and out.
 *
 * @param blob    the key's public blob in the SSH wire encoding; {@link #blob()} returns a copy
 * @param comment the agent's comment for the key, possibly empty
 * @param agent   the client of the agent that holds the private key
 */
public record Identity(byte[] blob, String comment, AgentClient agent) {
    /**
     * Binds a key the agent listed to that agent.
     *
     * @param blob    the public key blob as the agent listed it; copied
     * @param comment the agent's comment for the key, possibly empty
     * @param agent   the client of the agent that holds the private key
     * @throws NullPointerException if any argument is null
     */
    public Identity {
        blob = blob.clone();
        Objects.requireNonNull(comment, "comment");
        Objects.requireNonNull(agent, "agent");
    }

    /**
     * The public key blob (a copy).
     *
     * @return a copy of the key's public blob, in the SSH wire encoding
     */
    @Override
    public byte[] blob() {
        return blob.clone();
    }

    /**
     * The key type named at the start of the blob, e.g. {@code ssh-ed25519} or {@code ssh-rsa}.
     *
     * @return the key type name
     * @throws IllegalStateException never for an identity decoded from an agent's answer, whose key type was checked
     */
    public String keyType() {
        try {
            return new SshReader(blob).ascii();
        } catch (SshException e) {
            // AgentMessages.decodeResponse has already checked that the type is readable
            throw new IllegalStateException("identity blob without a key type", e);
        }
    }

    /**
     * The SHA256 fingerprint, as {@code ssh-add -l} prints it.
     *
     * @return the fingerprint, {@code SHA256:} followed by the unpadded base64 of the blob's SHA-256
     */
    public String fingerprint() {
        return SignatureAlgorithms.fingerprint(blob);
    }

    /**
     * The signature algorithms this key can make, strongest first; RSA keys offer
     * {@code rsa-sha2-512} and {@code rsa-sha2-256}, not SHA-1 {@code ssh-rsa}.
     *
     * @return the algorithm names, as {@link AgentClient#sign} accepts them
     */
    public List<String> signatureAlgorithms() {
        return AgentMessages.algorithmsFor(keyType());
    }

    /**
     * The public key.
     *
     * @return the key, decoded from the blob
     * @throws SshException if the blob is not a plain key of a type Tether supports
     */
    public PublicKey publicKey() throws SshException {
        return SignatureAlgorithms.decodePublicKey(blob);
    }

    /**
     * Has the agent sign {@code data} with this key; see {@link AgentClient#sign}.
     *
     * @param data      the data to sign
     * @param algorithm a signature algorithm fitting the key, one of {@link #signatureAlgorithms()} (or
     *     {@code ssh-rsa} for an RSA key)
     * @return the signature blob {@code string algorithm || string signature}
     * @throws IllegalArgumentException if the algorithm does not fit the key type
     * @throws SshException if the agent refuses or answers wrongly, or the connection fails or times out
     */
    public byte[] sign(byte[] data, String algorithm) throws SshException {
        return agent.sign(blob, data, algorithm);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Identity other && Arrays.equals(blob, other.blob) && comment.equals(other.comment)
                && agent == other.agent;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(blob) * 31 + comment.hashCode();
    }

    @Override
    public String toString() {
        return keyType() + " " + fingerprint() + (comment.isEmpty() ? "" : " " + comment);
    }
}
