package dev.tether.sftp.protocol;

import static dev.tether.sftp.protocol.SftpConstants.SSH_FILEXFER_ATTR_ACMODTIME;
import static dev.tether.sftp.protocol.SftpConstants.SSH_FILEXFER_ATTR_EXTENDED;
import static dev.tether.sftp.protocol.SftpConstants.SSH_FILEXFER_ATTR_PERMISSIONS;
import static dev.tether.sftp.protocol.SftpConstants.SSH_FILEXFER_ATTR_SIZE;
import static dev.tether.sftp.protocol.SftpConstants.SSH_FILEXFER_ATTR_UIDGID;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The ATTRS structure of draft-ietf-secsh-filexfer-02 §5: each field is present when its bit is in
 * {@code flags}. Times are seconds since the epoch as unsigned 32-bit values; permissions are the
 * POSIX {@code st_mode}, file type bits included.
 *
 * @param extended name/value pairs, in order (empty unless SSH_FILEXFER_ATTR_EXTENDED)
 */
public record FileAttributes(int flags, long size, int uid, int gid, int permissions, long atime, long mtime,
                             List<String[]> extended) {
    public static final FileAttributes EMPTY = new FileAttributes(0, 0, 0, 0, 0, 0, 0, List.of());

    /** File type bits of st_mode. */
    public static final int S_IFMT = 0170000;
    public static final int S_IFSOCK = 0140000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFIFO = 0010000;

    public FileAttributes {
        extended = List.copyOf(extended);
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    public boolean isDirectory() {
        return has(SSH_FILEXFER_ATTR_PERMISSIONS) && (permissions & S_IFMT) == S_IFDIR;
    }

    public boolean isRegularFile() {
        return has(SSH_FILEXFER_ATTR_PERMISSIONS) && (permissions & S_IFMT) == S_IFREG;
    }

    public boolean isSymbolicLink() {
        return has(SSH_FILEXFER_ATTR_PERMISSIONS) && (permissions & S_IFMT) == S_IFLNK;
    }

    public static FileAttributes decode(SshReader r) throws SshException {
        int flags = r.uint32();
        long size = 0;
        int uid = 0;
        int gid = 0;
        int perms = 0;
        long atime = 0;
        long mtime = 0;
        List<String[]> ext = List.of();
        if ((flags & SSH_FILEXFER_ATTR_SIZE) != 0) {
            size = r.uint64();
        }
        if ((flags & SSH_FILEXFER_ATTR_UIDGID) != 0) {
            uid = r.uint32();
            gid = r.uint32();
        }
        if ((flags & SSH_FILEXFER_ATTR_PERMISSIONS) != 0) {
            perms = r.uint32();
        }
        if ((flags & SSH_FILEXFER_ATTR_ACMODTIME) != 0) {
            atime = r.uint32AsLong();
            mtime = r.uint32AsLong();
        }
        if ((flags & SSH_FILEXFER_ATTR_EXTENDED) != 0) {
            int n = r.uint32();
            if (n < 0 || n > r.remaining() / 8) {
                throw new SshException("ATTRS claims " + Integer.toUnsignedString(n) + " extended pairs, " + r.remaining() + " bytes remain");
            }
            ext = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                ext.add(new String[] {SftpRequest.text(r), SftpRequest.text(r)});
            }
        }
        return new FileAttributes(flags, size, uid, gid, perms, atime, mtime, ext);
    }

    public void encode(SshWriter w) {
        int f = extended.isEmpty() ? flags & ~SSH_FILEXFER_ATTR_EXTENDED : flags | SSH_FILEXFER_ATTR_EXTENDED;
        w.uint32(f);
        if ((f & SSH_FILEXFER_ATTR_SIZE) != 0) {
            w.uint64(size);
        }
        if ((f & SSH_FILEXFER_ATTR_UIDGID) != 0) {
            w.uint32(uid);
            w.uint32(gid);
        }
        if ((f & SSH_FILEXFER_ATTR_PERMISSIONS) != 0) {
            w.uint32(permissions);
        }
        if ((f & SSH_FILEXFER_ATTR_ACMODTIME) != 0) {
            w.uint32(atime);
            w.uint32(mtime);
        }
        if ((f & SSH_FILEXFER_ATTR_EXTENDED) != 0) {
            w.uint32(extended.size());
            for (String[] kv : extended) {
                w.string(kv[0]);
                w.string(kv[1]);
            }
        }
    }

    /** A builder-style copy with one more field. */
    public FileAttributes withSize(long s) {
        return new FileAttributes(flags | SSH_FILEXFER_ATTR_SIZE, s, uid, gid, permissions, atime, mtime, extended);
    }

    public FileAttributes withPermissions(int p) {
        return new FileAttributes(flags | SSH_FILEXFER_ATTR_PERMISSIONS, size, uid, gid, p, atime, mtime, extended);
    }

    public FileAttributes withTimes(long a, long m) {
        return new FileAttributes(flags | SSH_FILEXFER_ATTR_ACMODTIME, size, uid, gid, permissions, a, m, extended);
    }

    public FileAttributes withOwner(int u, int g) {
        return new FileAttributes(flags | SSH_FILEXFER_ATTR_UIDGID, size, u, g, permissions, atime, mtime, extended);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("attrs[");
        if (has(SSH_FILEXFER_ATTR_SIZE)) {
            b.append(" size=").append(size);
        }
        if (has(SSH_FILEXFER_ATTR_UIDGID)) {
            b.append(" uid=").append(uid).append(" gid=").append(gid);
        }
        if (has(SSH_FILEXFER_ATTR_PERMISSIONS)) {
            b.append(" mode=").append(Integer.toOctalString(permissions));
        }
        if (has(SSH_FILEXFER_ATTR_ACMODTIME)) {
            b.append(" atime=").append(atime).append(" mtime=").append(mtime);
        }
        return b.append(" ]").toString();
    }
}
