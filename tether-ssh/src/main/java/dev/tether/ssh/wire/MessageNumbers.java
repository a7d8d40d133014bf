package dev.tether.ssh.wire;

/**
 * SSH message numbers (RFC 4250 §4.1, RFC 4253, 4252, 4254, 8308 and OpenSSH's PROTOCOL).
 *
 * <p>Numbers 30–49 are reused by different key exchange methods and 60–79 by different
 * authentication methods, so a number is decoded only in the context of the negotiated method.
 * Message numbers are unsigned bytes: read them as {@code byte & 0xff}.
 */
public final class MessageNumbers {
    private MessageNumbers() {
    }

    // Transport layer generic (RFC 4253 §12)
    public static final int DISCONNECT = 1;
    public static final int IGNORE = 2;
    public static final int UNIMPLEMENTED = 3;
    public static final int DEBUG = 4;
    public static final int SERVICE_REQUEST = 5;
    public static final int SERVICE_ACCEPT = 6;
    public static final int EXT_INFO = 7; // RFC 8308 §2.3
    public static final int NEWCOMPRESS = 8; // RFC 8308 §3.2 (unused)

    // Algorithm negotiation
    public static final int KEXINIT = 20;
    public static final int NEWKEYS = 21;

    // Key exchange method specific (30-49); the names depend on the method
    public static final int KEXDH_INIT = 30;
    public static final int KEXDH_REPLY = 31;
    public static final int KEX_ECDH_INIT = 30; // RFC 5656 §7.1, also curve25519 and hybrids
    public static final int KEX_ECDH_REPLY = 31;
    public static final int KEX_DH_GEX_REQUEST_OLD = 30; // RFC 4419 §5
    public static final int KEX_DH_GEX_GROUP = 31;
    public static final int KEX_DH_GEX_INIT = 32;
    public static final int KEX_DH_GEX_REPLY = 33;
    public static final int KEX_DH_GEX_REQUEST = 34;

    // User authentication generic (RFC 4252 §6)
    public static final int USERAUTH_REQUEST = 50;
    public static final int USERAUTH_FAILURE = 51;
    public static final int USERAUTH_SUCCESS = 52;
    public static final int USERAUTH_BANNER = 53;
    // Method specific (60-79)
    public static final int USERAUTH_PK_OK = 60;
    public static final int USERAUTH_PASSWD_CHANGEREQ = 60;
    public static final int USERAUTH_INFO_REQUEST = 60;
    public static final int USERAUTH_INFO_RESPONSE = 61;

    // Connection protocol (RFC 4254 §9)
    public static final int GLOBAL_REQUEST = 80;
    public static final int REQUEST_SUCCESS = 81;
    public static final int REQUEST_FAILURE = 82;
    public static final int CHANNEL_OPEN = 90;
    public static final int CHANNEL_OPEN_CONFIRMATION = 91;
    public static final int CHANNEL_OPEN_FAILURE = 92;
    public static final int CHANNEL_WINDOW_ADJUST = 93;
    public static final int CHANNEL_DATA = 94;
    public static final int CHANNEL_EXTENDED_DATA = 95;
    public static final int CHANNEL_EOF = 96;
    public static final int CHANNEL_CLOSE = 97;
    public static final int CHANNEL_REQUEST = 98;
    public static final int CHANNEL_SUCCESS = 99;
    public static final int CHANNEL_FAILURE = 100;

    // OpenSSH transport extensions (PROTOCOL §1.9)
    public static final int PING = 192;
    public static final int PONG = 193;

    // Ranges (RFC 4250 §4.1.2). Message numbers are unsigned bytes, 0..255.

    /**
     * Transport layer, 1–49 (generic, algorithm negotiation and key exchange method specific).
     * Number 0, which no RFC assigns, counts with them, so that it never reaches a service.
     */
    public static boolean isTransport(int m) {
        return m >= 0 && m <= 49;
    }

    /** Transport layer generic, 1–19 (DISCONNECT, IGNORE, SERVICE_REQUEST, EXT_INFO, ...). */
    public static boolean isTransportGeneric(int m) {
        return m >= 1 && m <= 19;
    }

    /** Algorithm negotiation, 20–29 (KEXINIT, NEWKEYS). */
    public static boolean isAlgorithmNegotiation(int m) {
        return m >= 20 && m <= 29;
    }

    /** Key exchange method specific, 30–49: numbers reused by different key exchange methods. */
    public static boolean isKexMethodSpecific(int m) {
        return m >= 30 && m <= 49;
    }

    /** Key exchange, 20–49: algorithm negotiation and the method specific messages. */
    public static boolean isKex(int m) {
        return m >= 20 && m <= 49;
    }

    /** User authentication protocol, 50–79. */
    public static boolean isUserAuth(int m) {
        return m >= 50 && m <= 79;
    }

    /** User authentication generic, 50–59 (REQUEST, FAILURE, SUCCESS, BANNER). */
    public static boolean isUserAuthGeneric(int m) {
        return m >= 50 && m <= 59;
    }

    /** User authentication method specific, 60–79: numbers reused by different methods. */
    public static boolean isUserAuthMethodSpecific(int m) {
        return m >= 60 && m <= 79;
    }

    /** Connection protocol, 80–127 (generic 80–89, channel related 90–127). */
    public static boolean isConnection(int m) {
        return m >= 80 && m <= 127;
    }

    /** Channel related messages of the connection protocol, 90–127. */
    public static boolean isChannel(int m) {
        return m >= 90 && m <= 127;
    }

    /** Local extensions, 192–255 (OpenSSH's PING and PONG are here). */
    public static boolean isLocalExtension(int m) {
        return m >= 192 && m <= 255;
    }

    /** A readable name for packet logs; method-specific ranges are shown as ranges. */
    public static String name(int n) {
        switch (n) {
            case DISCONNECT: return "DISCONNECT";
            case IGNORE: return "IGNORE";
            case UNIMPLEMENTED: return "UNIMPLEMENTED";
            case DEBUG: return "DEBUG";
            case SERVICE_REQUEST: return "SERVICE_REQUEST";
            case SERVICE_ACCEPT: return "SERVICE_ACCEPT";
            case EXT_INFO: return "EXT_INFO";
            case NEWCOMPRESS: return "NEWCOMPRESS";
            case KEXINIT: return "KEXINIT";
            case NEWKEYS: return "NEWKEYS";
            case USERAUTH_REQUEST: return "USERAUTH_REQUEST";
            case USERAUTH_FAILURE: return "USERAUTH_FAILURE";
            case USERAUTH_SUCCESS: return "USERAUTH_SUCCESS";
            case USERAUTH_BANNER: return "USERAUTH_BANNER";
            case GLOBAL_REQUEST: return "GLOBAL_REQUEST";
            case REQUEST_SUCCESS: return "REQUEST_SUCCESS";
            case REQUEST_FAILURE: return "REQUEST_FAILURE";
            case CHANNEL_OPEN: return "CHANNEL_OPEN";
            case CHANNEL_OPEN_CONFIRMATION: return "CHANNEL_OPEN_CONFIRMATION";
            case CHANNEL_OPEN_FAILURE: return "CHANNEL_OPEN_FAILURE";
            case CHANNEL_WINDOW_ADJUST: return "CHANNEL_WINDOW_ADJUST";
            case CHANNEL_DATA: return "CHANNEL_DATA";
            case CHANNEL_EXTENDED_DATA: return "CHANNEL_EXTENDED_DATA";
            case CHANNEL_EOF: return "CHANNEL_EOF";
            case CHANNEL_CLOSE: return "CHANNEL_CLOSE";
            case CHANNEL_REQUEST: return "CHANNEL_REQUEST";
            case CHANNEL_SUCCESS: return "CHANNEL_SUCCESS";
            case CHANNEL_FAILURE: return "CHANNEL_FAILURE";
            case PING: return "PING";
            case PONG: return "PONG";
            default:
                if (isKexMethodSpecific(n)) {
                    return "KEX_METHOD_" + n;
                }
                if (isUserAuthMethodSpecific(n)) {
                    return "USERAUTH_METHOD_" + n;
                }
                return "MSG_" + n;
        }
    }
}
