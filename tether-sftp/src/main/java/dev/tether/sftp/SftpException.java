package dev.tether.sftp;

import java.nio.file.FileSystemException;

/**
 * An SFTP request the server answered with a status other than OK, where no more specific
 * {@code java.nio.file} exception fits ({@code NoSuchFileException}, {@code AccessDeniedException},
 * {@code FileAlreadyExistsException}, {@code DirectoryNotEmptyException} and
 * {@code NotDirectoryException} are thrown for those cases). Carries the server's status code and
 * message.
 */
public class SftpException extends FileSystemException {
    /** The SFTP status code the server answered with. */
    private final int status;

    /**
     * A status the server answered with.
     *
     * @param file          the path the request was about
     * @param status        the SFTP status code
     * @param serverMessage the server's error message
     */
    public SftpException(String file, int status, String serverMessage) {
        super(file, null, serverMessage);
        this.status = status;
    }

    /**
     * The SFTP status code (draft-ietf-secsh-filexfer-02 §7).
     *
     * @return the status code, e.g. {@link dev.tether.sftp.policy.SftpStatus#FAILURE}
     */
    public int status() {
        return status;
    }
}
