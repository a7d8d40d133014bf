package dev.tether.sftp.nio;

import dev.tether.sftp.SftpAttributes;
import dev.tether.sftp.SftpClient;
import java.io.IOException;
import java.nio.file.ProviderMismatchException;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.time.Instant;
import java.util.Set;

/**
 * The {@code basic}, {@code owner} and {@code posix} views of a remote file (one class: each is a
 * narrower face of the POSIX one). Setting acts through SETSTAT, which follows links: with
 * {@code NOFOLLOW_LINKS} only reading sees the link itself. SFTP version 3 sets both times at
 * once in whole seconds, so a time given as null keeps its current value (one STAT first);
 * creation time cannot be set and is ignored. Owners and groups are set by number: a principal
 * from this file system's attributes or lookup service, whose name is numeric or was read from
 * the server.
 */
final class SftpFileAttributeView implements PosixFileAttributeView {
    private final SftpPath path;
    private final String name;
    private final boolean follow;

    SftpFileAttributeView(SftpPath path, String name, boolean follow) {
        this.path = path;
        this.name = name;
        this.follow = follow;
    }

    private SftpClient client() {
        return path.getFileSystem().client();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public SftpFileAttributes readAttributes() throws IOException {
        SftpAttributes a = follow ? client().stat(path.remote()) : client().lstat(path.remote());
        return new SftpFileAttributes(path.getFileSystem(), a);
    }

    @Override
    public void setTimes(FileTime lastModifiedTime, FileTime lastAccessTime, FileTime createTime) throws IOException {
        if (lastModifiedTime == null && lastAccessTime == null) {
            return;
        }
        Instant m;
        Instant a;
        if (lastModifiedTime == null || lastAccessTime == null) {
            SftpAttributes now = client().stat(path.remote());
            m = lastModifiedTime != null ? lastModifiedTime.toInstant() : orEpoch(now.modifiedTime());
            a = lastAccessTime != null ? lastAccessTime.toInstant() : orEpoch(now.accessTime());
        } else {
            m = lastModifiedTime.toInstant();
            a = lastAccessTime.toInstant();
        }
        client().setTimes(path.remote(), a, m);
    }

    private static Instant orEpoch(Instant i) {
        return i == null ? Instant.EPOCH : i;
    }

    @Override
    public void setPermissions(Set<PosixFilePermission> perms) throws IOException {
        client().chmod(path.remote(), SftpFileAttributes.mode(perms));
    }

    @Override
    public UserPrincipal getOwner() throws IOException {
        return readAttributes().owner();
    }

    @Override
    public void setOwner(UserPrincipal owner) throws IOException {
        SftpAttributes now = client().stat(path.remote());
        client().chown(path.remote(), (int) id(owner), (int) now.gid());
    }

    @Override
    public void setGroup(GroupPrincipal group) throws IOException {
        SftpAttributes now = client().stat(path.remote());
        client().chown(path.remote(), (int) now.uid(), (int) id(group));
    }

    private static long id(UserPrincipal p) {
        if (p instanceof SftpFileSystem.SftpPrincipal s) {
            return s.id();
        }
        throw new ProviderMismatchException("not a principal of an SFTP file system: " + p);
    }
}
