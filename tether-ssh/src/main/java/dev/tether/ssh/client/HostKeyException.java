package dev.tether.ssh.client;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;

/**
 * The server's host key was not accepted ({@link KnownHostsPolicy}). The message is OpenSSH's:
 * for a changed key it names the known_hosts file and line of the old key and the
 * {@code ssh-keygen -R} command that removes it; for an unknown key under
 * {@code StrictHostKeyChecking yes} it says so. It ends with "Host key verification failed."
 */
public final class HostKeyException extends SshException {
    private static final long serialVersionUID = 1L;

    /** Why the key was refused. */
    public enum Kind {
        /** No key is known for the host, and the policy does not accept new keys (or the person said no). */
        UNKNOWN,
        /** The host is known with another key: possibly an attack, possibly a reinstalled server. */
        CHANGED,
        /** The key is marked {@code @revoked}. */
        REVOKED,
        /** The known_hosts files could not be read. */
        UNREADABLE
    }

    /** Why the key was refused. */
    private final Kind kind;
    /** The name the key was looked up under ({@code host} or {@code [host]:port}). */
    private final String host;

    /**
     * A refusal; its disconnect reason is {@link DisconnectReason#HOST_KEY_NOT_VERIFIABLE}.
     *
     * @param kind    why the key was refused
     * @param host    the name the key was looked up under ({@code host} or {@code [host]:port})
     * @param message what to tell the user, ending with "Host key verification failed."
     */
    public HostKeyException(Kind kind, String host, String message) {
        super(DisconnectReason.HOST_KEY_NOT_VERIFIABLE, message);
        this.kind = kind;
        this.host = host;
    }

    /**
     * Why the key was refused.
     *
     * @return the reason
     */
    public Kind kind() {
        return kind;
    }

    /**
     * The name the key was looked up under, as known_hosts writes it: the host, lower-cased, as
     * {@code [host]:port} when the port is not 22; the {@code HostKeyAlias} alone when one is set.
     *
     * @return the name
     */
    public String host() {
        return host;
    }
}
