package dev.tether.ssh.common;

/**
 * The connection ended with SSH_MSG_DISCONNECT, either received from the peer ({@link #fromPeer()})
 * or sent by us. Carries the RFC 4253 §11.1 reason code and the description.
 */
public class DisconnectException extends SshException {
    private static final long serialVersionUID = 1L;

    private final int code;
    private final boolean fromPeer;
    private final String description;

    public DisconnectException(int code, String description, boolean fromPeer) {
        super(DisconnectReason.of(code),
                (fromPeer ? "peer disconnected: " : "disconnected: ") + description + " (code " + code + ")");
        this.code = code;
        this.fromPeer = fromPeer;
        this.description = description;
    }

    /** The reason code as it was on the wire, including values outside RFC 4253's list. */
    public int code() {
        return code;
    }

    public String description() {
        return description;
    }

    public boolean fromPeer() {
        return fromPeer;
    }
}
