package dev.tether.sftp.nio;

import dev.tether.sftp.SftpAttributes;
import dev.tether.sftp.server.FileStat;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.EnumSet;
import java.util.Set;

/**
 * A remote file's attributes as {@link PosixFileAttributes}, from one STAT or LSTAT reply. SFTP
 * version 3 has no creation time (the modification time stands in) and no file key (null); what
 * the server did not report is 0, the epoch or empty. Owner and group names come from
 * {@code users-groups-by-id@openssh.com} where the server offers it, else they are the numbers.
 */
public final class SftpFileAttributes implements PosixFileAttributes {
    private static final FileTime EPOCH = FileTime.fromMillis(0);

    private final SftpFileSystem fs;
    private final SftpAttributes a;

    SftpFileAttributes(SftpFileSystem fs, SftpAttributes a) {
        this.fs = fs;
        this.a = a;
    }

    /**
     * The attributes as the SFTP client reports them.
     *
     * @return the attributes
     */
    public SftpAttributes sftpAttributes() {
        return a;
    }

    @Override
    public FileTime lastModifiedTime() {
        return a.modifiedTime() == null ? EPOCH : FileTime.from(a.modifiedTime());
    }

    @Override
    public FileTime lastAccessTime() {
        return a.accessTime() == null ? EPOCH : FileTime.from(a.accessTime());
    }

    @Override
    public FileTime creationTime() {
        return lastModifiedTime();
    }

    @Override
    public boolean isRegularFile() {
        return a.isRegularFile();
    }

    @Override
    public boolean isDirectory() {
        return a.isDirectory();
    }

    @Override
    public boolean isSymbolicLink() {
        return a.isSymbolicLink();
    }

    @Override
    public boolean isOther() {
        return a.isOther();
    }

    @Override
    public long size() {
        return Math.max(0, a.size());
    }

    @Override
    public Object fileKey() {
        return null;
    }

    @Override
    public UserPrincipal owner() {
        return fs.owner(a.uid(), a.gid());
    }

    @Override
    public GroupPrincipal group() {
        return fs.group(a.uid(), a.gid());
    }

    @Override
    public Set<PosixFilePermission> permissions() {
        return permissions(a.permissions());
    }

    static Set<PosixFilePermission> permissions(int mode) {
        return mode < 0 ? EnumSet.noneOf(PosixFilePermission.class) : FileStat.toPermissions(mode);
    }

    static int mode(Set<PosixFilePermission> perms) {
        return FileStat.toMode(perms);
    }
}
