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
    private final int status;

    public SftpException(String file, int status, String serverMessage) {
        super(file, null, serverMessage);
        this.status = status;
    }

    /** The SFTP status code (draft-ietf-secsh-filexfer-02 §7). */
    public int status() {
        return status;
    }
}
