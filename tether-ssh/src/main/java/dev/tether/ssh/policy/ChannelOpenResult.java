package dev.tether.ssh.policy;

/**
 * The answer to a channel open (RFC 4254 §5.1): success, or one of the RFC's reason codes.
 */
public enum ChannelOpenResult {
    /** The channel is open (not a failure code: SSH_MSG_CHANNEL_OPEN_CONFIRMATION is sent). */
    SUCCEEDED(0, "succeeded"),
    /** 1: refused by policy. */
    ADMINISTRATIVELY_PROHIBITED(1, "administratively prohibited"),
    /** 2: the server could not connect to the target. */
    CONNECT_FAILED(2, "connect failed"),
    /** 3: the server does not know the channel type. */
    UNKNOWN_CHANNEL_TYPE(3, "unknown channel type"),
    /** 4: the server lacks the resources, e.g. too many channels. */
    RESOURCE_SHORTAGE(4, "resource shortage");

    private final int code;
    private final String text;

    ChannelOpenResult(int code, String text) {
        this.code = code;
        this.text = text;
    }

    /**
     * The reason as OpenSSH words it, e.g. {@code administratively prohibited}.
     *
     * @return the reason text
     */
    public String text() {
        return text;
    }

    /**
     * The reason code of SSH_MSG_CHANNEL_OPEN_FAILURE; 0 for success.
     *
     * @return the code
     */
    public int code() {
        return code;
    }
}
