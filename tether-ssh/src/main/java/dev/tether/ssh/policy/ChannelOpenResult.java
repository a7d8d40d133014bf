package dev.tether.ssh.policy;

/**
 * The answer to a channel open (RFC 4254 §5.1): success, or one of the RFC's reason codes.
 */
public enum ChannelOpenResult {
    SUCCEEDED(0, "succeeded"),
    ADMINISTRATIVELY_PROHIBITED(1, "administratively prohibited"),
    CONNECT_FAILED(2, "connect failed"),
    UNKNOWN_CHANNEL_TYPE(3, "unknown channel type"),
    RESOURCE_SHORTAGE(4, "resource shortage");

    private final int code;
    private final String text;

    ChannelOpenResult(int code, String text) {
        this.code = code;
        this.text = text;
    }

    /** The reason as OpenSSH words it, e.g. {@code administratively prohibited}. */
    public String text() {
        return text;
    }

    /** The reason code of SSH_MSG_CHANNEL_OPEN_FAILURE; 0 for success. */
    public int code() {
        return code;
    }
}
