package dev.tether.sftp.server;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One file as {@link FileView} reached it for an operation. In a jail, its parent directory is
 * held open (reached from the jail's root by {@code openat} with {@code O_NOFOLLOW}, one component
 * at a time) and the operation acts on the name in that open directory: a directory of the path
 * swapped for a symbolic link after the path was resolved cannot lead it out of the jail.
 *
 * <p>What Java's {@link SecureDirectoryStream} can do relative to the open directory is done so:
 * open, list, attributes, delete, rename, and (for regular files and directories) mode, times and
 * owner. What it cannot do (create a directory, a symbolic link or a hard link; read a link; a
 * file system's statistics; modes with set-id or sticky bits; attributes of a file the server may
 * not open for reading) uses the path, but only after checking that the path still leads to the
 * entry held (the same file key) or, for a new name, to the directory held, and checking again
 * afterwards: what remains is the moment between that check and the system call.
 *
 * <p>Outside a jail, on a file system without secure directory streams, and for a jail's root
 * itself, the methods use the path, following a last link where the request asked to.
 *
 * <p>Valid only during the {@link FileView#at} callback that gave it; not thread-safe.
 */
public final class FileEntry {
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
    private final SecureDirectoryStream<Path> dir;
    private final Path name;
    private final Path path;
    private final LinkOption[] options;
    private final boolean jailed;

    /**
     * @param dir the parent held open, or null (use the path)
     * @param name the entry's name in {@code dir}
     * @param options for uses of the path: whether to follow a last link
     * @param jailed whether the entry is in a jail (its root, where {@code dir} is null, is not to be moved or removed)
     */
    FileEntry(SecureDirectoryStream<Path> dir, Path name, Path path, LinkOption[] options, boolean jailed) {
        this.dir = dir;
        this.name = name;
        this.path = path;
        this.options = options;
        this.jailed = jailed;
    }

    /** Where the entry is in the server's file system. */
    public Path path() {
        return path;
    }

    private boolean held() {
        return dir != null;
    }

    /** The entry's own attributes (a last link is not followed in a jail: resolution followed it where asked). */
    public BasicFileAttributes attributes() throws IOException {
        if (held()) {
            return dir.getFileAttributeView(name, BasicFileAttributeView.class, NOFOLLOW).readAttributes();
        }
        return Files.readAttributes(path, BasicFileAttributes.class, options);
    }

    /** The attributes SFTP sends; in a jail, read through the path and accepted only if they are the held entry's. */
    public FileStat stat() throws IOException {
        if (held()) {
            return FileStat.of(path, false, attributes().fileKey());
        }
        return FileStat.of(path, options.length == 0);
    }

    public SeekableByteChannel newByteChannel(Set<? extends OpenOption> openOptions, FileAttribute<?>... attrs) throws IOException {
        Set<OpenOption> o = new HashSet<>(openOptions);
        if (held() || options.length > 0) {
            o.add(LinkOption.NOFOLLOW_LINKS);
        }
        if (held()) {
            return dir.newByteChannel(name, o, attrs);
        }
        try {
            return Files.newByteChannel(path, o, attrs);
        } catch (IllegalArgumentException e) {
            // a provider that rejects NOFOLLOW_LINKS as an open option (zipfs: it has no links)
            if (!o.remove(LinkOption.NOFOLLOW_LINKS)) {
                throw e;
            }
            return Files.newByteChannel(path, o, attrs);
        }
    }

    public DirectoryStream<Path> newDirectoryStream() throws IOException {
        return held() ? dir.newDirectoryStream(name, NOFOLLOW) : Files.newDirectoryStream(path);
    }

    /** Removes a file or link (a directory fails in a jail; elsewhere the caller checks). */
    public void delete() throws IOException {
        refuseRoot();
        if (held()) {
            dir.deleteFile(name);
        } else {
            Files.delete(path);
        }
    }

    public void deleteDirectory() throws IOException {
        refuseRoot();
        if (held()) {
            dir.deleteDirectory(name);
        } else {
            Files.delete(path);
        }
    }

    /**
     * Renames the entry to {@code target}, replacing what is there. In a jail this is one
     * {@code renameat}, and fails between file systems (as OpenSSH's rename does); elsewhere an
     * atomic move is tried first, then a copy.
     */
    public void moveTo(FileEntry target) throws IOException {
        refuseRoot();
        target.refuseRoot();
        if (held() && target.held()) {
            dir.move(name, target.dir, target.name);
            return;
        }
        try {
            Files.move(path, target.path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(path, target.path, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Sets the permission bits (07777). */
    public void setMode(int mode) throws IOException {
        if (held() && (mode & ~0777) == 0 && plain()) {
            PosixFileAttributeView v = dir.getFileAttributeView(name, PosixFileAttributeView.class, NOFOLLOW);
            if (v != null) {
                try {
                    v.setPermissions(FileStat.toPermissions(mode));
                    return;
                } catch (AccessDeniedException e) {
                    // the JDK opens the file for reading to fchmod it; a file we may not read takes the checked path
                }
            }
        }
        // chmod(2) on the path, following a last link only where the path is not held (the JDK's
        // no-follow variant opens the file, which would block on a FIFO; a held entry was checked not to be a link)
        FileStat.chmod(held() ? checkedPath() : path, mode);
    }

    /** Sets the access and modification times (seconds); on a link, the link's own in a jail or where asked. */
    public void setTimes(long atime, long mtime) throws IOException {
        FileTime a = FileTime.from(atime, TimeUnit.SECONDS);
        FileTime m = FileTime.from(mtime, TimeUnit.SECONDS);
        if (held() && plain()) {
            try {
                dir.getFileAttributeView(name, BasicFileAttributeView.class, NOFOLLOW).setTimes(m, a, null);
                return;
            } catch (AccessDeniedException e) {
                // as setMode: the JDK opens the file for reading to set its times
            }
        }
        Path p = held() ? checkedPath() : path;
        Files.getFileAttributeView(p, BasicFileAttributeView.class, held() ? NOFOLLOW : options).setTimes(m, a, null);
        if (held()) {
            checkedPath();
        }
    }

    /** Sets owner and group by number (a file system with the {@code unix} view only); an id already set is left alone. */
    public void setOwner(int uid, int gid) throws IOException {
        if (held() && plain()) {
            PosixFileAttributeView v = dir.getFileAttributeView(name, PosixFileAttributeView.class, NOFOLLOW);
            if (v != null) {
                UserPrincipalLookupService names = path.getFileSystem().getUserPrincipalLookupService();
                // a number that names no user is taken as the id; principals are equal by id
                UserPrincipal owner = names.lookupPrincipalByName(Integer.toUnsignedString(uid));
                GroupPrincipal group = names.lookupPrincipalByGroupName(Integer.toUnsignedString(gid));
                PosixFileAttributes cur = v.readAttributes();
                try {
                    if (!owner.equals(cur.owner())) {
                        v.setOwner(owner);
                    }
                    if (!group.equals(cur.group())) {
                        v.setGroup(group);
                    }
                    return;
                } catch (AccessDeniedException e) {
                    // as setMode
                }
            }
        }
        Path p = held() ? checkedPath() : path;
        LinkOption[] lo = held() ? NOFOLLOW : options;
        Map<String, Object> cur = Files.readAttributes(p, "unix:uid,gid", lo);
        if (((Integer) cur.get("uid")) != uid) {
            Files.setAttribute(p, "unix:uid", uid, lo);
        }
        if (((Integer) cur.get("gid")) != gid) {
            Files.setAttribute(p, "unix:gid", gid, lo);
        }
    }

    /** A symbolic link's target as stored. */
    public String readSymbolicLink() throws IOException {
        Path p = held() ? checkedPath() : path;
        String target = Files.readSymbolicLink(p).toString();
        if (held()) {
            checkedPath();
        }
        return target;
    }

    /** The file store the entry is on (statvfs). */
    public FileStore fileStore() throws IOException {
        return Files.getFileStore(held() ? checkedPath() : path);
    }

    public void createDirectory(FileAttribute<?>... attrs) throws IOException {
        Files.createDirectory(held() ? checkedParent() : path, attrs);
        checkCreated();
    }

    public void createSymbolicLink(String target) throws IOException {
        Files.createSymbolicLink(held() ? checkedParent() : path, path.getFileSystem().getPath(target));
        checkCreated();
    }

    /** Makes this new name a hard link to {@code existing} (the link itself where it is a symbolic link, as Linux's link(2)). */
    public void createLink(FileEntry existing) throws IOException {
        if (!held() || !existing.held()) {
            refuseRoot();
            existing.refuseRoot();
            Files.createLink(path, existing.path);
            return;
        }
        Object key = existing.attributes().fileKey();
        Files.createLink(checkedParent(), existing.checkedPath());
        checkCreated();
        if (key != null && !key.equals(attributes().fileKey())) {
            dir.deleteFile(name);
            throw changed();
        }
    }

    /** A regular file or directory: what the secure views may open to change attributes (never a FIFO, which would block). */
    private boolean plain() throws IOException {
        BasicFileAttributes a = attributes();
        return a.isRegularFile() || a.isDirectory();
    }

    /** The path, if it still leads to the entry held (same file key); the entry's own last link is not followed. */
    private Path checkedPath() throws IOException {
        Object held = attributes().fileKey();
        Object now = Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW).fileKey();
        if (held != null && !held.equals(now)) {
            throw changed();
        }
        return path;
    }

    /** The path of a name to create, if its parent still leads to the directory held. */
    private Path checkedParent() throws IOException {
        Object held = dir.getFileAttributeView(BasicFileAttributeView.class).readAttributes().fileKey();
        Object now = Files.readAttributes(path.getParent(), BasicFileAttributes.class, NOFOLLOW).fileKey();
        if (held != null && !held.equals(now)) {
            throw changed();
        }
        return path;
    }

    /** After creating through the path: the new name must be in the directory held. */
    private void checkCreated() throws IOException {
        if (!held()) {
            return;
        }
        try {
            attributes();
        } catch (java.nio.file.NoSuchFileException e) {
            throw changed();
        }
    }

    private void refuseRoot() throws AccessDeniedException {
        if (jailed && name == null) {
            throw new AccessDeniedException(path.toString(), null, "the jail's root");
        }
    }

    private AccessDeniedException changed() {
        return new AccessDeniedException(path.toString(), null, "the path changed while it was used");
    }
}
