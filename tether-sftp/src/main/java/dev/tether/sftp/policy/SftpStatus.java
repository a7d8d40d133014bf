package dev.tether.sftp.policy;

import dev.tether.sftp.protocol.SftpConstants;

/**
 * An SFTP status code (draft-ietf-secsh-filexfer-02 §7) with the message the client sees: what
 * an {@link SftpPolicy} answers to allow ({@link #OK}) or refuse an operation.
 */
public record SftpStatus(int code, String message) {
    public static final int OK_CODE = SftpConstants.SSH_FX_OK;
    public static final int NO_SUCH_FILE = SftpConstants.SSH_FX_NO_SUCH_FILE;
    public static final int PERMISSION_DENIED = SftpConstants.SSH_FX_PERMISSION_DENIED;
    public static final int FAILURE = SftpConstants.SSH_FX_FAILURE;
    public static final int OP_UNSUPPORTED = SftpConstants.SSH_FX_OP_UNSUPPORTED;

    /** The operation may go ahead. */
    public static final SftpStatus OK = new SftpStatus(OK_CODE, "Success");

    public SftpStatus {
        if (code < 0) {
            throw new IllegalArgumentException("status code " + code);
        }
        message = message == null ? SftpConstants.message(code) : message;
    }

    /** Refused with SSH_FX_PERMISSION_DENIED and the given message. */
    public static SftpStatus denied(String message) {
        return new SftpStatus(PERMISSION_DENIED, message);
    }

    public boolean ok() {
        return code == OK_CODE;
    }
}
