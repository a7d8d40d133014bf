package dev.tether.ssh.common;

/**
 * The connection ended with SSH_MSG_DISCONNECT, either received from the peer ({@link #fromPeer()})
 * or sent by us. Carries the RFC 4253 §11.1 reason code and the description.
 */
public class DisconnectException extends SshException {
    private static final long serialVersionUID = 1L;

    /** The reason code as it was on the wire. */
    private final int code;
    /** Whether the peer sent the DISCONNECT. */
    private final boolean fromPeer;
    /** The DISCONNECT's description text. */
    private final String description;

    /**
     * A DISCONNECT sent or received; the message says which, with the description and code.
     *
     * @param code        the reason code as on the wire; {@link #reason()} is {@link DisconnectReason#of(int)} of it
     * @param description the message's description text
     * @param fromPeer    true if the peer sent the DISCONNECT, false if we did
     */
    public DisconnectException(int code, String description, boolean fromPeer) {
        super(DisconnectReason.of(code),
                (fromPeer ? "peer disconnected: " : "disconnected: ") + description + " (code " + code + ")");
        this.code = code;
        this.fromPeer = fromPeer;
        this.description = description;
    }

    /**
     * The reason code as it was on the wire, including values outside RFC 4253's list.
     *
     * @return the raw reason code
     */
    public int code() {
        return code;
    }

    /**
     * The DISCONNECT's description, as sent (for one from the peer: with control characters as they came).
     *
     * @return the description text
     */
    public String description() {
        return description;
    }

    /**
     * Whether the peer sent the DISCONNECT.
     *
     * @return true if the peer disconnected, false if we did
     */
    public boolean fromPeer() {
        return fromPeer;
    }
}
