package dev.tether.sftp.server;

import static dev.tether.sftp.protocol.SftpConstants.SSH_FILEXFER_ATTR_ACMODTIME;
import static dev.tether.sftp.protocol.SftpConstants.SSH_FILEXFER_ATTR_PERMISSIONS;
import static dev.tether.sftp.protocol.SftpConstants.SSH_FILEXFER_ATTR_SIZE;
import static dev.tether.sftp.protocol.SftpConstants.SSH_FILEXFER_ATTR_UIDGID;

import dev.tether.sftp.protocol.FileAttributes;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A file's attributes as SFTP sends them, read through the richest view the file system has:
 * {@code unix} (mode with type bits, uid, gid, link count, names), else {@code posix}
 * (permissions, owner names), else {@code basic} (size, times, type; permissions made up as
 * 0755 for directories and 0644 for files). Also the {@code ls -l} long name of READDIR, in
 * OpenSSH's format. Stateless; thread-safe.
 *
 * @param owner the owner's name for the long name, or the uid as text
 */
public record FileStat(FileAttributes attrs, String owner, String group, long links) {
    private static final DateTimeFormatter RECENT = DateTimeFormatter.ofPattern("MMM ppd HH:mm", Locale.ROOT);
    private static final DateTimeFormatter OLD = DateTimeFormatter.ofPattern("MMM ppd  yyyy", Locale.ROOT);

    /** Which attribute view a file system offers, looked up once per file system. */
    enum View { UNIX, POSIX, BASIC }

    static View view(FileSystem fs) {
        Set<String> views = fs.supportedFileAttributeViews();
        return views.contains("unix") ? View.UNIX : views.contains("posix") ? View.POSIX : View.BASIC;
    }

    public static FileStat of(Path p, boolean follow) throws IOException {
        LinkOption[] opts = follow ? new LinkOption[0] : new LinkOption[] {LinkOption.NOFOLLOW_LINKS};
        switch (view(p.getFileSystem())) {
            case UNIX: {
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,lastAccessTime,lastModifiedTime,nlink,owner,group", opts);
                int mode = (Integer) a.get("mode");
                if ((mode & FileAttributes.S_IFMT) == 0) {
                    // a unix view without the file type in its mode (jimfs): take the type from the basic view
                    mode |= typeBits(Files.readAttributes(p, BasicFileAttributes.class, opts));
                }
                int uid = (Integer) a.get("uid");
                int gid = (Integer) a.get("gid");
                FileAttributes fa = new FileAttributes(SSH_FILEXFER_ATTR_SIZE | SSH_FILEXFER_ATTR_UIDGID | SSH_FILEXFER_ATTR_PERMISSIONS
                        | SSH_FILEXFER_ATTR_ACMODTIME, (Long) a.get("size"), uid, gid, mode,
                        seconds((FileTime) a.get("lastAccessTime")), seconds((FileTime) a.get("lastModifiedTime")), List.of());
                return new FileStat(fa, name((UserPrincipal) a.get("owner"), uid), name((UserPrincipal) a.get("group"), gid),
                        (Integer) a.get("nlink"));
            }
            case POSIX: {
                PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, opts);
                int mode = typeBits(a) | toMode(a.permissions());
                FileAttributes fa = new FileAttributes(SSH_FILEXFER_ATTR_SIZE | SSH_FILEXFER_ATTR_PERMISSIONS | SSH_FILEXFER_ATTR_ACMODTIME,
                        a.size(), 0, 0, mode, seconds(a.lastAccessTime()), seconds(a.lastModifiedTime()), List.of());
                return new FileStat(fa, name(a.owner(), 0), a.group() == null ? "0" : name(a.group(), 0), 1);
            }
            default: {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, opts);
                int mode = typeBits(a) | (a.isDirectory() ? 0755 : 0644);
                FileAttributes fa = new FileAttributes(SSH_FILEXFER_ATTR_SIZE | SSH_FILEXFER_ATTR_PERMISSIONS | SSH_FILEXFER_ATTR_ACMODTIME,
                        a.size(), 0, 0, mode, seconds(a.lastAccessTime()), seconds(a.lastModifiedTime()), List.of());
                return new FileStat(fa, "0", "0", 1);
            }
        }
    }

    private static String name(UserPrincipal u, int id) {
        return u == null ? Integer.toString(id) : u.getName();
    }

    private static long seconds(FileTime t) {
        return t == null ? 0 : Math.max(0, Math.min(0xffffffffL, t.toMillis() / 1000));
    }

    private static int typeBits(BasicFileAttributes a) {
        if (a.isDirectory()) {
            return FileAttributes.S_IFDIR;
        }
        if (a.isSymbolicLink()) {
            return FileAttributes.S_IFLNK;
        }
        if (a.isRegularFile()) {
            return FileAttributes.S_IFREG;
        }
        return 0;
    }

    /** POSIX permissions as the low 9 mode bits. */
    public static int toMode(Set<PosixFilePermission> perms) {
        int m = 0;
        for (PosixFilePermission p : perms) {
            m |= 0400 >> p.ordinal();
        }
        return m;
    }

    /** The low 9 mode bits as POSIX permissions. */
    public static Set<PosixFilePermission> toPermissions(int mode) {
        Set<PosixFilePermission> s = java.util.EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : PosixFilePermission.values()) {
            if ((mode & (0400 >> p.ordinal())) != 0) {
                s.add(p);
            }
        }
        return s;
    }

    /**
     * The attributes that create a file or directory with these permission bits, where the file
     * system has permissions at all (the process's umask still applies, as with open(2)).
     */
    public static FileAttribute<?>[] createAttributes(Path f, int mode) {
        if (view(f.getFileSystem()) == View.BASIC) {
            return new FileAttribute<?>[0];
        }
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(toPermissions(mode))};
    }

    /**
     * chmod(2): the mode bits (setuid, setgid and sticky too where the file system has a
     * {@code unix} view); with {@code NOFOLLOW_LINKS}, a symbolic link in the last component is
     * not followed (the change fails instead, as Linux has no lchmod).
     */
    public static void chmod(Path f, int mode, LinkOption... options) throws IOException {
        switch (view(f.getFileSystem())) {
            case UNIX:
                try {
                    Files.setAttribute(f, "unix:mode", mode & 07777, options);
                    break;
                } catch (IllegalArgumentException | UnsupportedOperationException e) {
                    // a unix view whose mode cannot be set (jimfs): set the permissions through the posix view
                }
                // fall through
            case POSIX:
                Files.getFileAttributeView(f, PosixFileAttributeView.class, options).setPermissions(toPermissions(mode));
                break;
            default:
                break; // no permissions to set: degrade silently, as the file system has none
        }
    }

    /** {@link #chmod}, ignoring failure: the file system keeps its own idea of modes. */
    public static void chmodQuietly(Path f, int mode) {
        try {
            chmod(f, mode);
        } catch (IOException | RuntimeException e) {
            // the file system keeps its own idea of modes
        }
    }

    /** {@code ls -l}'s line for this file, as OpenSSH's sftp-server writes it (ls_file). */
    public String longname(String filename) {
        FileAttributes a = attrs;
        String when = "";
        long mtime = a.mtime();
        ZonedDateTime t = Instant.ofEpochSecond(mtime).atZone(ZoneId.systemDefault());
        long now = System.currentTimeMillis() / 1000;
        long sixMonths = 365L * 24 * 3600 / 2;
        when = (mtime + sixMonths > now && mtime <= now + sixMonths ? RECENT : OLD).format(t);
        return String.format(Locale.ROOT, "%s %3d %-8s %-8s %8d %s %s", modeString(a.permissions()), links,
                owner, group, a.size(), when, filename);
    }

    /** strmode(3): type character and rwx triplets, with setuid, setgid and sticky bits. */
    static String modeString(int mode) {
        char[] c = new char[10];
        switch (mode & FileAttributes.S_IFMT) {
            case FileAttributes.S_IFDIR: c[0] = 'd'; break;
            case FileAttributes.S_IFLNK: c[0] = 'l'; break;
            case FileAttributes.S_IFCHR: c[0] = 'c'; break;
            case FileAttributes.S_IFBLK: c[0] = 'b'; break;
            case FileAttributes.S_IFIFO: c[0] = 'p'; break;
            case FileAttributes.S_IFSOCK: c[0] = 's'; break;
            case FileAttributes.S_IFREG: c[0] = '-'; break;
            default: c[0] = '?';
        }
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            c[1 + i] = (mode & (0400 >> i)) != 0 ? rwx.charAt(i) : '-';
        }
        if ((mode & 04000) != 0) {
            c[3] = c[3] == 'x' ? 's' : 'S';
        }
        if ((mode & 02000) != 0) {
            c[6] = c[6] == 'x' ? 's' : 'S';
        }
        if ((mode & 01000) != 0) {
            c[9] = c[9] == 'x' ? 't' : 'T';
        }
        return new String(c) + " ";
    }
}
