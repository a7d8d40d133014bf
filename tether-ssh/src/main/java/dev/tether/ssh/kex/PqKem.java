package dev.tether.ssh.kex;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;

import org.bouncycastle.crypto.SecretWithEncapsulation;

import java.security.SecureRandom;
import java.util.Arrays;
import javax.security.auth.DestroyFailedException;

/**
 * The post-quantum half of a hybrid key exchange: a key encapsulation mechanism as the SSH
 * hybrids use it (draft-ietf-sshm-mlkem-hybrid-kex; RFC 9941, formerly
 * draft-ietf-sshm-ntruprime-ssh). The client generates a key pair and sends the public key; the
 * server encapsulates a fresh secret to it and replies with the ciphertext; the client
 * decapsulates.
 *
 * <p>Implementations check the exact lengths of the peer's values themselves and fail with
 * {@link SshException} (reason KEY_EXCHANGE_FAILED), never with a runtime exception.
 */
interface PqKem {

    /** A readable name for messages, e.g. {@code ML-KEM-768}. */
    String name();

    /** Length of an encoded public (encapsulation) key. */
    int publicKeyLength();

    /** Length of an encoded ciphertext. */
    int ciphertextLength();

    /** Length of the shared secret. */
    int secretLength();

    /** Client side: a fresh key pair. */
    Decapsulator generate(SecureRandom random) throws SshException;

    /** Server side: a fresh secret encapsulated to the client's public key. */
    Encapsulation encapsulate(byte[] publicKey, SecureRandom random) throws SshException;

    /** The client's key pair: the public key to send, and the private key kept to decapsulate. */
    interface Decapsulator {
        byte[] publicKey();

        /** The shared secret from the server's ciphertext. */
        byte[] decapsulate(byte[] ciphertext) throws SshException;
    }

    /** The server's ciphertext and the shared secret it carries. */
    record Encapsulation(byte[] ciphertext, byte[] secret) {
        /** Overwrites the secret. */
        void wipe() {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /** A KEY_EXCHANGE_FAILED exception with the given message. */
    static SshException failure(String message) {
        return new SshException(DisconnectReason.KEY_EXCHANGE_FAILED, message);
    }

    /** A KEY_EXCHANGE_FAILED exception wrapping a provider failure; the message names no secret. */
    static SshException failure(String message, Throwable cause) {
        return new SshException(DisconnectReason.KEY_EXCHANGE_FAILED, message, cause);
    }

    /** Destroys Bouncy Castle's copy of an encapsulated secret; best effort. */
    static void destroy(SecretWithEncapsulation s) {
        try {
            s.destroy();
        } catch (DestroyFailedException | RuntimeException ignored) {
            // our own copy is wiped by the caller
        }
    }
}
