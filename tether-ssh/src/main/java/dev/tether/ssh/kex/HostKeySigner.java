package dev.tether.ssh.kex;

import dev.tether.ssh.common.SshException;

/**
 * The server's host key as a key exchange method sees it: the public key blob K_S and a
 * signer that produces the SSH signature blob over the exchange hash with the negotiated
 * host key algorithm.
 */
public interface HostKeySigner {
    /** K_S: the public host key (or host certificate) in SSH wire encoding. */
    byte[] publicKeyBlob();

    /** The SSH signature blob ({@code string algorithm || string signature}) over {@code data}. */
    byte[] sign(byte[] data) throws SshException;
}
