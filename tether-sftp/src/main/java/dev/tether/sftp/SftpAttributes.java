package dev.tether.sftp;

import dev.tether.sftp.protocol.FileAttributes;
import dev.tether.sftp.protocol.SftpConstants;
import java.time.Instant;

/**
 * A remote file's attributes as an SFTP version 3 server reports them: each may be absent.
 *
 * @param size in bytes, or -1 if not reported
 * @param uid numeric owner, or -1 if not reported
 * @param gid numeric group, or -1 if not reported
 * @param permissions the POSIX {@code st_mode} (type bits and permission bits), or -1 if not reported
 * @param accessTime null if not reported
 * @param modifiedTime null if not reported
 */
public record SftpAttributes(long size, long uid, long gid, int permissions, Instant accessTime, Instant modifiedTime) {
    private static final int S_IFMT = 0170000;

    /**
     * Whether the path is a directory.
     *
     * @return true if the permissions were reported and say directory
     */
    public boolean isDirectory() {
        return permissions >= 0 && (permissions & S_IFMT) == 0040000;
    }

    /**
     * Whether the path is a regular file.
     *
     * @return true if the permissions were reported and say regular file
     */
    public boolean isRegularFile() {
        return permissions >= 0 && (permissions & S_IFMT) == 0100000;
    }

    /**
     * Whether the path is a symbolic link (only {@code lstat} reports links).
     *
     * @return true if the permissions were reported and say symbolic link
     */
    public boolean isSymbolicLink() {
        return permissions >= 0 && (permissions & S_IFMT) == 0120000;
    }

    /**
     * Whether the path is something else: a device, a FIFO, a socket.
     *
     * @return true if the permissions were reported and say none of the three kinds above
     */
    public boolean isOther() {
        return permissions >= 0 && !isDirectory() && !isRegularFile() && !isSymbolicLink();
    }

    static SftpAttributes of(FileAttributes a) {
        return new SftpAttributes(
                a.has(SftpConstants.SSH_FILEXFER_ATTR_SIZE) ? a.size() : -1,
                a.has(SftpConstants.SSH_FILEXFER_ATTR_UIDGID) ? Integer.toUnsignedLong(a.uid()) : -1,
                a.has(SftpConstants.SSH_FILEXFER_ATTR_UIDGID) ? Integer.toUnsignedLong(a.gid()) : -1,
                a.has(SftpConstants.SSH_FILEXFER_ATTR_PERMISSIONS) ? a.permissions() : -1,
                a.has(SftpConstants.SSH_FILEXFER_ATTR_ACMODTIME) ? Instant.ofEpochSecond(a.atime()) : null,
                a.has(SftpConstants.SSH_FILEXFER_ATTR_ACMODTIME) ? Instant.ofEpochSecond(a.mtime()) : null);
    }
}
