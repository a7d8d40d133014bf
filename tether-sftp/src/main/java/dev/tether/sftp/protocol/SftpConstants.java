package dev.tether.sftp.protocol;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The numbers of SFTP version 3 (draft-ietf-secsh-filexfer-02 §3, §5, §6, §7) and the extension
 * names OpenSSH's sftp-server advertises (OpenSSH's PROTOCOL, §4), with the version numbers it
 * gives them.
 */
public final class SftpConstants {
    private SftpConstants() {
    }

    public static final int VERSION = 3;

    /** OpenSSH's maximum packet: 256 KiB (sftp-common.h SFTP_MAX_MSG_LENGTH). */
    public static final int MAX_PACKET = 256 * 1024;
    /** The largest READ or WRITE payload OpenSSH allows in one request (limits@openssh.com). */
    public static final int MAX_READ_WRITE = MAX_PACKET - 1024;

    // packet types (§3)
    public static final int SSH_FXP_INIT = 1;
    public static final int SSH_FXP_VERSION = 2;
    public static final int SSH_FXP_OPEN = 3;
    public static final int SSH_FXP_CLOSE = 4;
    public static final int SSH_FXP_READ = 5;
    public static final int SSH_FXP_WRITE = 6;
    public static final int SSH_FXP_LSTAT = 7;
    public static final int SSH_FXP_FSTAT = 8;
    public static final int SSH_FXP_SETSTAT = 9;
    public static final int SSH_FXP_FSETSTAT = 10;
    public static final int SSH_FXP_OPENDIR = 11;
    public static final int SSH_FXP_READDIR = 12;
    public static final int SSH_FXP_REMOVE = 13;
    public static final int SSH_FXP_MKDIR = 14;
    public static final int SSH_FXP_RMDIR = 15;
    public static final int SSH_FXP_REALPATH = 16;
    public static final int SSH_FXP_STAT = 17;
    public static final int SSH_FXP_RENAME = 18;
    public static final int SSH_FXP_READLINK = 19;
    public static final int SSH_FXP_SYMLINK = 20;
    public static final int SSH_FXP_STATUS = 101;
    public static final int SSH_FXP_HANDLE = 102;
    public static final int SSH_FXP_DATA = 103;
    public static final int SSH_FXP_NAME = 104;
    public static final int SSH_FXP_ATTRS = 105;
    public static final int SSH_FXP_EXTENDED = 200;
    public static final int SSH_FXP_EXTENDED_REPLY = 201;

    // open flags (§6.3)
    public static final int SSH_FXF_READ = 0x01;
    public static final int SSH_FXF_WRITE = 0x02;
    public static final int SSH_FXF_APPEND = 0x04;
    public static final int SSH_FXF_CREAT = 0x08;
    public static final int SSH_FXF_TRUNC = 0x10;
    public static final int SSH_FXF_EXCL = 0x20;

    // attribute flags (§5)
    public static final int SSH_FILEXFER_ATTR_SIZE = 0x01;
    public static final int SSH_FILEXFER_ATTR_UIDGID = 0x02;
    public static final int SSH_FILEXFER_ATTR_PERMISSIONS = 0x04;
    public static final int SSH_FILEXFER_ATTR_ACMODTIME = 0x08;
    public static final int SSH_FILEXFER_ATTR_EXTENDED = 0x80000000;

    // status codes (§7)
    public static final int SSH_FX_OK = 0;
    public static final int SSH_FX_EOF = 1;
    public static final int SSH_FX_NO_SUCH_FILE = 2;
    public static final int SSH_FX_PERMISSION_DENIED = 3;
    public static final int SSH_FX_FAILURE = 4;
    public static final int SSH_FX_BAD_MESSAGE = 5;
    public static final int SSH_FX_NO_CONNECTION = 6;
    public static final int SSH_FX_CONNECTION_LOST = 7;
    public static final int SSH_FX_OP_UNSUPPORTED = 8;

    /** OpenSSH's messages for each status code (sftp-server.c status_to_message). */
    public static String message(int status) {
        switch (status) {
            case SSH_FX_OK: return "Success";
            case SSH_FX_EOF: return "End of file";
            case SSH_FX_NO_SUCH_FILE: return "No such file";
            case SSH_FX_PERMISSION_DENIED: return "Permission denied";
            case SSH_FX_FAILURE: return "Failure";
            case SSH_FX_BAD_MESSAGE: return "Bad message";
            case SSH_FX_NO_CONNECTION: return "No connection";
            case SSH_FX_CONNECTION_LOST: return "Connection lost";
            case SSH_FX_OP_UNSUPPORTED: return "Operation unsupported";
            default: return "Unknown error";
        }
    }

    // OpenSSH's extensions (PROTOCOL §4.3 - §4.11 and the draft-ietf-secsh-filexfer-extensions names)
    public static final String EXT_POSIX_RENAME = "posix-rename@openssh.com";
    public static final String EXT_STATVFS = "statvfs@openssh.com";
    public static final String EXT_FSTATVFS = "fstatvfs@openssh.com";
    public static final String EXT_HARDLINK = "hardlink@openssh.com";
    public static final String EXT_FSYNC = "fsync@openssh.com";
    public static final String EXT_LSETSTAT = "lsetstat@openssh.com";
    public static final String EXT_LIMITS = "limits@openssh.com";
    public static final String EXT_EXPAND_PATH = "expand-path@openssh.com";
    public static final String EXT_COPY_DATA = "copy-data";
    public static final String EXT_HOME_DIRECTORY = "home-directory";
    public static final String EXT_USERS_GROUPS_BY_ID = "users-groups-by-id@openssh.com";

    /** The extensions of SSH_FXP_VERSION, in OpenSSH's order, with OpenSSH's version numbers. */
    public static final Map<String, String> OPENSSH_EXTENSIONS;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(EXT_POSIX_RENAME, "1");
        m.put(EXT_STATVFS, "2");
        m.put(EXT_FSTATVFS, "2");
        m.put(EXT_HARDLINK, "1");
        m.put(EXT_FSYNC, "1");
        m.put(EXT_LSETSTAT, "1");
        m.put(EXT_LIMITS, "1");
        m.put(EXT_EXPAND_PATH, "1");
        m.put(EXT_COPY_DATA, "1");
        m.put(EXT_HOME_DIRECTORY, "1");
        m.put(EXT_USERS_GROUPS_BY_ID, "1");
        OPENSSH_EXTENSIONS = java.util.Collections.unmodifiableMap(m);
    }

    /** statvfs f_flag bits (PROTOCOL §4.4). */
    public static final long SSH_FXE_STATVFS_ST_RDONLY = 0x1;
    public static final long SSH_FXE_STATVFS_ST_NOSUID = 0x2;

    /** The name of a request type, as sftp-server's -P/-p/-Q use them. */
    public static String requestName(int type) {
        switch (type) {
            case SSH_FXP_OPEN: return "open";
            case SSH_FXP_CLOSE: return "close";
            case SSH_FXP_READ: return "read";
            case SSH_FXP_WRITE: return "write";
            case SSH_FXP_LSTAT: return "lstat";
            case SSH_FXP_FSTAT: return "fstat";
            case SSH_FXP_SETSTAT: return "setstat";
            case SSH_FXP_FSETSTAT: return "fsetstat";
            case SSH_FXP_OPENDIR: return "opendir";
            case SSH_FXP_READDIR: return "readdir";
            case SSH_FXP_REMOVE: return "remove";
            case SSH_FXP_MKDIR: return "mkdir";
            case SSH_FXP_RMDIR: return "rmdir";
            case SSH_FXP_REALPATH: return "realpath";
            case SSH_FXP_STAT: return "stat";
            case SSH_FXP_RENAME: return "rename";
            case SSH_FXP_READLINK: return "readlink";
            case SSH_FXP_SYMLINK: return "symlink";
            default: return null;
        }
    }
}
