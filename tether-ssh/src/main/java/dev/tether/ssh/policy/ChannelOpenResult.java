package dev.tether.ssh.policy;

/**
 * The answer to a channel open (RFC 4254 §5.1): success, or one of the RFC's reason codes.
 */
public enum ChannelOpenResult {
    SUCCEEDED(0),
    ADMINISTRATIVELY_PROHIBITED(1),
    CONNECT_FAILED(2),
    UNKNOWN_CHANNEL_TYPE(3),
    RESOURCE_SHORTAGE(4);

    private final int code;

    ChannelOpenResult(int code) {
        this.code = code;
    }

    /** The reason code of SSH_MSG_CHANNEL_OPEN_FAILURE; 0 for success. */
    public int code() {
        return code;
    }
}
