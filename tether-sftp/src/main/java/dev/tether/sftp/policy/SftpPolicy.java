package dev.tether.sftp.policy;

/**
 * What an application decides about each file operation of its SFTP and SCP sessions, in the
 * spirit of paramiko's {@code SFTPServerInterface} and MINA's {@code SftpFileSystemAccessor}: the
 * file system and root come from {@link SftpRoot}; this seam may refuse an operation with a
 * status the client sees, and observes every operation's outcome.
 *
 * <p>Called on the session's thread, between resolving the path and using it; a slow policy
 * slows that session only. Implementations shared by sessions must be thread-safe.
 */
public interface SftpPolicy {
    /** Allows everything (the server's own checks still apply: the root, read-only mode, the request lists). */
    SftpPolicy ALLOW_ALL = new SftpPolicy() {
    };

    /**
     * Before the operation runs: {@link SftpStatus#OK} lets it go ahead; anything else is sent to
     * the client as the request's status, and the operation does not happen.
     *
     * @param operation the operation about to run
     * @return {@link SftpStatus#OK}, or the status to refuse it with
     */
    default SftpStatus check(SftpOperation operation) {
        return SftpStatus.OK;
    }

    /**
     * After the operation ran (or failed): the status sent to the client. For {@code CLOSE} of a
     * file, {@code bytesRead} and {@code bytesWritten} count the handle's traffic; otherwise 0.
     *
     * @param operation    the operation that ran
     * @param outcome      the status sent to the client
     * @param bytesRead    the bytes read through the handle (CLOSE of a file), else 0
     * @param bytesWritten the bytes written through the handle (CLOSE of a file), else 0
     */
    default void completed(SftpOperation operation, SftpStatus outcome, long bytesRead, long bytesWritten) {
    }
}
