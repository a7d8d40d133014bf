package dev.tether.sftp.policy;

import dev.tether.sftp.protocol.SftpConstants;

/**
 * An SFTP status code (draft-ietf-secsh-filexfer-02 §7) with the message the client sees: what
 * an {@link SftpPolicy} answers to allow ({@link #OK}) or refuse an operation.
 *
 * @param code    the SFTP status code, 0 or more
 * @param message the message the client sees; never null (the code's standard message if none was given)
 */
public record SftpStatus(int code, String message) {
    /** SSH_FX_OK (0). */
    public static final int OK_CODE = SftpConstants.SSH_FX_OK;
    /** SSH_FX_NO_SUCH_FILE (2). */
    public static final int NO_SUCH_FILE = SftpConstants.SSH_FX_NO_SUCH_FILE;
    /** SSH_FX_PERMISSION_DENIED (3). */
    public static final int PERMISSION_DENIED = SftpConstants.SSH_FX_PERMISSION_DENIED;
    /** SSH_FX_FAILURE (4). */
    public static final int FAILURE = SftpConstants.SSH_FX_FAILURE;
    /** SSH_FX_OP_UNSUPPORTED (8). */
    public static final int OP_UNSUPPORTED = SftpConstants.SSH_FX_OP_UNSUPPORTED;

    /** The operation may go ahead. */
    public static final SftpStatus OK = new SftpStatus(OK_CODE, "Success");

    /**
     * Checks the code and fills in a missing message.
     *
     * @param code    the SFTP status code, 0 or more
     * @param message the message, or null for the code's standard one
     * @throws IllegalArgumentException if {@code code} is negative
     */
    public SftpStatus {
        if (code < 0) {
            throw new IllegalArgumentException("status code " + code);
        }
        message = message == null ? SftpConstants.message(code) : message;
    }

    /**
     * Refused with SSH_FX_PERMISSION_DENIED and the given message.
     *
     * @param message the message the client sees
     * @return the status
     */
    public static SftpStatus denied(String message) {
        return new SftpStatus(PERMISSION_DENIED, message);
    }

    /**
     * Whether the status lets the operation go ahead.
     *
     * @return true for {@link #OK_CODE}
     */
    public boolean ok() {
        return code == OK_CODE;
    }
}
