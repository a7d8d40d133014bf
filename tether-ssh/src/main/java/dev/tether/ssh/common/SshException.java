package dev.tether.ssh.common;

import java.io.IOException;

/**
 * Root of Tether's exception hierarchy. Every failure the library reports about the SSH protocol,
 * its peer or its configuration is an {@code SshException} or a subclass.
 *
 * <p>It extends {@link IOException} so that code written against streams and sockets handles it
 * without extra catch blocks.
 */
public class SshException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The RFC 4253 §11.1 reason this failure maps to. */
    private final DisconnectReason reason;

    /**
     * A protocol error ({@link DisconnectReason#PROTOCOL_ERROR}).
     *
     * @param message what went wrong
     */
    public SshException(String message) {
        this(DisconnectReason.PROTOCOL_ERROR, message, null);
    }

    /**
     * A protocol error ({@link DisconnectReason#PROTOCOL_ERROR}) with its cause.
     *
     * @param message what went wrong
     * @param cause   the underlying failure, or null
     */
    public SshException(String message, Throwable cause) {
        this(DisconnectReason.PROTOCOL_ERROR, message, cause);
    }

    /**
     * A failure with its own disconnect reason.
     *
     * @param reason  the reason code to send if this failure ends the connection
     * @param message what went wrong
     */
    public SshException(DisconnectReason reason, String message) {
        this(reason, message, null);
    }

    /**
     * A failure with its own disconnect reason and a cause.
     *
     * @param reason  the reason code to send if this failure ends the connection
     * @param message what went wrong
     * @param cause   the underlying failure, or null
     */
    public SshException(DisconnectReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /**
     * The RFC 4253 §11.1 reason code this failure maps to when it ends a connection.
     *
     * @return the reason code; {@link DisconnectReason#PROTOCOL_ERROR} unless a constructor was given another
     */
    public DisconnectReason reason() {
        return reason;
    }
}
