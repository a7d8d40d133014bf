package dev.tether.ssh.common;

/** The reason codes of SSH_MSG_DISCONNECT, RFC 4253 §11.1 and RFC 4250 §4.2.2. */
public enum DisconnectReason {
    /** 1: the host may not connect. */
    HOST_NOT_ALLOWED_TO_CONNECT(1),
    /** 2: the peer broke the protocol. */
    PROTOCOL_ERROR(2),
    /** 3: key exchange failed, e.g. no common algorithm. */
    KEY_EXCHANGE_FAILED(3),
    /** 4: reserved by RFC 4253. */
    RESERVED(4),
    /** 5: a packet's MAC (or AEAD tag) did not verify. */
    MAC_ERROR(5),
    /** 6: compression failed. */
    COMPRESSION_ERROR(6),
    /** 7: the requested service is not available. */
    SERVICE_NOT_AVAILABLE(7),
    /** 8: the protocol version is not supported. */
    PROTOCOL_VERSION_NOT_SUPPORTED(8),
    /** 9: the host key could not be verified. */
    HOST_KEY_NOT_VERIFIABLE(9),
    /** 10: the connection was lost. */
    CONNECTION_LOST(10),
    /** 11: the application closed the connection. */
    BY_APPLICATION(11),
    /** 12: too many connections. */
    TOO_MANY_CONNECTIONS(12),
    /** 13: the user cancelled authentication. */
    AUTH_CANCELLED_BY_USER(13),
    /** 14: no authentication method is left to try. */
    NO_MORE_AUTH_METHODS_AVAILABLE(14),
    /** 15: the user name is not allowed. */
    ILLEGAL_USER_NAME(15),
    /** Not on the wire: a code outside the RFC's range, kept so that it can be reported. */
    UNKNOWN(0);

    private final int code;

    DisconnectReason(int code) {
        this.code = code;
    }

    /**
     * The reason code on the wire.
     *
     * @return the RFC 4253 §11.1 code, or 0 for {@link #UNKNOWN}
     */
    public int code() {
        return code;
    }

    /**
     * The reason for a code read from the wire.
     *
     * @param code a reason code
     * @return the matching reason, or {@link #UNKNOWN} for a code outside 1..15
     */
    public static DisconnectReason of(int code) {
        for (DisconnectReason r : values()) {
            if (r.code == code && r != UNKNOWN) {
                return r;
            }
        }
        return UNKNOWN;
    }
}
