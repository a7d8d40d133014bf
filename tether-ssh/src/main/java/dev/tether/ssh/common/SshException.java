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

    private final DisconnectReason reason;

    public SshException(String message) {
        this(DisconnectReason.PROTOCOL_ERROR, message, null);
    }

    public SshException(String message, Throwable cause) {
        this(DisconnectReason.PROTOCOL_ERROR, message, cause);
    }

    public SshException(DisconnectReason reason, String message) {
        this(reason, message, null);
    }

    public SshException(DisconnectReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** The RFC 4253 §11.1 reason code this failure maps to when it ends a connection. */
    public DisconnectReason reason() {
        return reason;
    }
}
