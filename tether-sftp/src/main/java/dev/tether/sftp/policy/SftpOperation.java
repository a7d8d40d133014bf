package dev.tether.sftp.policy;

import dev.tether.ssh.common.ConnectionInfo;
import java.nio.file.Path;

/**
 * One file operation of an SFTP or SCP session, as an {@link SftpPolicy} sees it before it runs
 * and after it ends.
 *
 * @param kind what is done
 * @param path the path as the client sees it (inside a jail, relative to the jail's {@code /})
 * @param file where it is in the server's file system (null if it could not be resolved)
 * @param target the second path of RENAME, SYMLINK (the link's target as the client sent it),
 *               HARDLINK and COPY_DATA (the destination); otherwise null
 * @param user the logged-in user (null for {@code tether sftp-server} on standard input)
 * @param connection the SSH connection (null on standard input)
 */
public record SftpOperation(Kind kind, String path, Path file, String target, String user, ConnectionInfo connection) {
    /** The kinds of operation an {@link SftpPolicy} may veto or observe. */
    public enum Kind {
        /** Open a file for reading (SFTP OPEN without WRITE, SCP source). */
        OPEN_READ,
        /** Open a file for writing, creating or truncating (SFTP OPEN with WRITE, SCP sink). */
        OPEN_WRITE,
        /** A handle closed; observed only (the open was checked). */
        CLOSE,
        /** Open a directory for listing (OPENDIR; SCP's recursive source). */
        OPENDIR,
        /** STAT, LSTAT, FSTAT. */
        STAT,
        /** SETSTAT, FSETSTAT, LSETSTAT, and the times and modes SCP's {@code -p} sets. */
        SETSTAT,
        /** Remove a file or link (REMOVE). */
        REMOVE,
        /** Rename (RENAME, {@code posix-rename@openssh.com}). */
        RENAME,
        /** Create a directory (MKDIR; SCP's recursive sink). */
        MKDIR,
        /** Remove a directory (RMDIR). */
        RMDIR,
        /** Read a symbolic link (READLINK). */
        READLINK,
        /** Create a symbolic link (SYMLINK). */
        SYMLINK,
        /** Create a hard link ({@code hardlink@openssh.com}). */
        HARDLINK,
        /** File system statistics ({@code statvfs@openssh.com}, {@code fstatvfs@openssh.com}). */
        STATVFS,
        /** Copy data between files on the server ({@code copy-data}). */
        COPY_DATA,
        /** Flush a file to stable storage ({@code fsync@openssh.com}). */
        FSYNC
    }

    /**
     * Whether the operation changes the file system (refused in read-only mode).
     *
     * @return true for the kinds that write: OPEN_WRITE, SETSTAT, REMOVE, RENAME, MKDIR, RMDIR, SYMLINK, HARDLINK and
     *     COPY_DATA and FSYNC
     */
    public boolean writes() {
        switch (kind) {
            case OPEN_WRITE: case SETSTAT: case REMOVE: case RENAME: case MKDIR: case RMDIR:
            case SYMLINK: case HARDLINK: case COPY_DATA: case FSYNC:
                return true;
            default:
                return false;
        }
    }
}
