package dev.tether.sftp.protocol;

import static dev.tether.sftp.protocol.SftpConstants.*;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;

/**
 * The payloads of OpenSSH's extended requests (OpenSSH's PROTOCOL §4.3 - §4.11, and the
 * {@code copy-data} and {@code home-directory} requests of draft-ietf-secsh-filexfer-extensions),
 * as records. {@link #decode} reads one from an {@link SftpRequest.Extended}; {@link #encode}
 * writes the payload after the name.
 */
public sealed interface SftpExtended {
    /** The extension name the request is sent under. */
    String name();

    void encode(SshWriter w);

    record PosixRename(String oldPath, String newPath) implements SftpExtended {
        public String name() {
            return EXT_POSIX_RENAME;
        }

        public void encode(SshWriter w) {
            w.string(oldPath).string(newPath);
        }
    }

    record Statvfs(String path) implements SftpExtended {
        public String name() {
            return EXT_STATVFS;
        }

        public void encode(SshWriter w) {
            w.string(path);
        }
    }

    record Fstatvfs(byte[] handle) implements SftpExtended {
        public String name() {
            return EXT_FSTATVFS;
        }

        public void encode(SshWriter w) {
            w.string(handle);
        }
    }

    record Hardlink(String oldPath, String newPath) implements SftpExtended {
        public String name() {
            return EXT_HARDLINK;
        }

        public void encode(SshWriter w) {
            w.string(oldPath).string(newPath);
        }
    }

    record Fsync(byte[] handle) implements SftpExtended {
        public String name() {
            return EXT_FSYNC;
        }

        public void encode(SshWriter w) {
            w.string(handle);
        }
    }

    record Lsetstat(String path, FileAttributes attrs) implements SftpExtended {
        public String name() {
            return EXT_LSETSTAT;
        }

        public void encode(SshWriter w) {
            w.string(path);
            attrs.encode(w);
        }
    }

    record Limits() implements SftpExtended {
        public String name() {
            return EXT_LIMITS;
        }

        public void encode(SshWriter w) {
        }
    }

    record ExpandPath(String path) implements SftpExtended {
        public String name() {
            return EXT_EXPAND_PATH;
        }

        public void encode(SshWriter w) {
            w.string(path);
        }
    }

    /** {@code length} 0 copies to the end of the source. */
    record CopyData(byte[] readHandle, long readOffset, long length, byte[] writeHandle, long writeOffset) implements SftpExtended {
        public String name() {
            return EXT_COPY_DATA;
        }

        public void encode(SshWriter w) {
            w.string(readHandle).uint64(readOffset).uint64(length).string(writeHandle).uint64(writeOffset);
        }
    }

    record HomeDirectory(String username) implements SftpExtended {
        public String name() {
            return EXT_HOME_DIRECTORY;
        }

        public void encode(SshWriter w) {
            w.string(username);
        }
    }

    record UsersGroupsById(int[] uids, int[] gids) implements SftpExtended {
        public String name() {
            return EXT_USERS_GROUPS_BY_ID;
        }

        public void encode(SshWriter w) {
            w.string(pack(uids)).string(pack(gids));
        }

        private static byte[] pack(int[] ids) {
            SshWriter p = new SshWriter(ids.length * 4);
            for (int id : ids) {
                p.uint32(id);
            }
            return p.toByteArray();
        }
    }

    /** Decodes the payload of a known extension; null for a name this codec does not know. */
    static SftpExtended decode(SftpRequest.Extended e) throws SshException {
        SshReader r = e.payload();
        switch (e.name()) {
            case EXT_POSIX_RENAME:
                return new PosixRename(SftpRequest.text(r), SftpRequest.text(r));
            case EXT_STATVFS:
                return new Statvfs(SftpRequest.text(r));
            case EXT_FSTATVFS:
                return new Fstatvfs(r.string());
            case EXT_HARDLINK:
                return new Hardlink(SftpRequest.text(r), SftpRequest.text(r));
            case EXT_FSYNC:
                return new Fsync(r.string());
            case EXT_LSETSTAT:
                return new Lsetstat(SftpRequest.text(r), FileAttributes.decode(r));
            case EXT_LIMITS:
                return new Limits();
            case EXT_EXPAND_PATH:
                return new ExpandPath(SftpRequest.text(r));
            case EXT_COPY_DATA:
                return new CopyData(r.string(), r.uint64(), r.uint64(), r.string(), r.uint64());
            case EXT_HOME_DIRECTORY:
                return new HomeDirectory(SftpRequest.text(r));
            case EXT_USERS_GROUPS_BY_ID:
                return new UsersGroupsById(unpack(r.string()), unpack(r.string()));
            default:
                return null;
        }
    }

    private static int[] unpack(byte[] packed) throws SshException {
        if (packed.length % 4 != 0) {
            throw new SshException("users-groups-by-id: an id list of " + packed.length + " bytes is not a list of uint32");
        }
        SshReader r = new SshReader(packed);
        int[] ids = new int[packed.length / 4];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.uint32();
        }
        return ids;
    }
}
