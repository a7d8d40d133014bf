package dev.tether.sftp.protocol;

import static dev.tether.sftp.protocol.SftpConstants.*;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The client's packets of SFTP version 3 (draft-ietf-secsh-filexfer-02 §4, §6) and OpenSSH's
 * extended requests (PROTOCOL §4), as records with an explicit codec. The server decodes them;
 * the client encodes them. Packet framing (the uint32 length) is {@link SftpFraming}'s.
 *
 * <p>File names are strings of bytes on the wire; they are read as UTF-8, with malformed bytes
 * replaced, so a name that is not UTF-8 simply names no file.
 */
public sealed interface SftpRequest {
    /** The request id (0 for INIT, which has none). */
    int id();

    /** The packet type byte. */
    int type();

    /** Writes type, id and fields (no length). */
    void encode(SshWriter w);

    /** A string read as UTF-8 text, malformed sequences replaced. */
    static String text(SshReader r) throws SshException {
        int off = r.stringInPlace();
        return new String(r.array(), off, r.position() - off, StandardCharsets.UTF_8);
    }

    private static SshWriter head(SshWriter w, int type, int id) {
        return w.byteValue(type).uint32(id);
    }

    record Init(int version, Map<String, String> extensions) implements SftpRequest {
        public int id() {
            return 0;
        }

        public int type() {
            return SSH_FXP_INIT;
        }

        public void encode(SshWriter w) {
            w.byteValue(SSH_FXP_INIT).uint32(version);
            extensions.forEach((k, v) -> w.string(k).string(v));
        }
    }

    record Open(int id, String path, int pflags, FileAttributes attrs) implements SftpRequest {
        public int type() {
            return SSH_FXP_OPEN;
        }

        public void encode(SshWriter w) {
            head(w, SSH_FXP_OPEN, id).string(path).uint32(pflags);
            attrs.encode(w);
        }
    }

    record Close(int id, byte[] handle) implements SftpRequest {
        public int type() {
            return SSH_FXP_CLOSE;
        }

        public void encode(SshWriter w) {
            head(w, SSH_FXP_CLOSE, id).string(handle);
        }
    }

    record Read(int id, byte[] handle, long offset, int length) implements SftpRequest {
        public int type() {
            return SSH_FXP_READ;
        }

        public void encode(SshWriter w) {
            head(w, SSH_FXP_READ, id).string(handle).uint64(offset).uint32(length);
        }
    }

    /** The data stays in the packet's buffer ({@code data[dataOffset, dataOffset + dataLength)}); no copy. */
    record Write(int id, byte[] handle, long offset, byte[] data, int dataOffset, int dataLength) implements SftpRequest {
        public int type() {
            return SSH_FXP_WRITE;
        }

        public void encode(SshWriter w) {
            head(w, SSH_FXP_WRITE, id).string(handle).uint64(offset).string(data, dataOffset, dataLength);
        }
    }

    /** LSTAT, STAT, OPENDIR, REMOVE, RMDIR, REALPATH, READLINK: a request on one path. */
    record PathRequest(int type, int id, String path) implements SftpRequest {
        public void encode(SshWriter w) {
            head(w, type, id).string(path);
        }
    }

    /** FSTAT, READDIR: a request on one handle. */
    record HandleRequest(int type, int id, byte[] handle) implements SftpRequest {
        public void encode(SshWriter w) {
            head(w, type, id).string(handle);
        }
    }

    /** SETSTAT and MKDIR: a path and attributes. */
    record PathAttrs(int type, int id, String path, FileAttributes attrs) implements SftpRequest {
        public void encode(SshWriter w) {
            head(w, type, id).string(path);
            attrs.encode(w);
        }
    }

    record Fsetstat(int id, byte[] handle, FileAttributes attrs) implements SftpRequest {
        public int type() {
            return SSH_FXP_FSETSTAT;
        }

        public void encode(SshWriter w) {
            head(w, SSH_FXP_FSETSTAT, id).string(handle);
            attrs.encode(w);
        }
    }

    record Rename(int id, String oldPath, String newPath) implements SftpRequest {
        public int type() {
            return SSH_FXP_RENAME;
        }

        public void encode(SshWriter w) {
            head(w, SSH_FXP_RENAME, id).string(oldPath).string(newPath);
        }
    }

    /**
     * SSH_FXP_SYMLINK with its two paths in the order they came on the wire. Which is the link and
     * which the target depends on the client (OpenSSH sends the target first, the draft says the
     * link first): the server decides with its compatibility table.
     */
    record Symlink(int id, String first, String second) implements SftpRequest {
        public int type() {
            return SSH_FXP_SYMLINK;
        }

        public void encode(SshWriter w) {
            head(w, SSH_FXP_SYMLINK, id).string(first).string(second);
        }
    }

    /**
     * SSH_FXP_EXTENDED: the request name and its payload, left in the packet's buffer for
     * {@link SftpExtended#decode} to read.
     */
    record Extended(int id, String name, byte[] buf, int payloadOffset, int payloadLength) implements SftpRequest {
        public int type() {
            return SSH_FXP_EXTENDED;
        }

        public SshReader payload() {
            return new SshReader(buf, payloadOffset, payloadLength);
        }

        public void encode(SshWriter w) {
            head(w, SSH_FXP_EXTENDED, id).string(name).raw(buf, payloadOffset, payloadLength);
        }
    }

    /** A request of a type this codec does not know: answered SSH_FX_OP_UNSUPPORTED. */
    record Unknown(int type, int id) implements SftpRequest {
        public void encode(SshWriter w) {
            head(w, type, id);
        }
    }

    /**
     * Decodes one packet (type byte first, no length). A truncated or malformed packet throws;
     * trailing bytes after a known request are ignored, as OpenSSH's sftp-server does.
     */
    static SftpRequest decode(byte[] buf, int off, int len) throws SshException {
        SshReader r = new SshReader(buf, off, len);
        int type = r.byteValue();
        if (type == SSH_FXP_INIT) {
            int version = r.uint32();
            Map<String, String> ext = new LinkedHashMap<>();
            while (r.hasRemaining() && ext.size() < 64) {
                ext.put(text(r), text(r));
            }
            return new Init(version, ext);
        }
        int id = r.uint32();
        switch (type) {
            case SSH_FXP_OPEN:
                return new Open(id, text(r), r.uint32(), FileAttributes.decode(r));
            case SSH_FXP_CLOSE:
                return new Close(id, r.string());
            case SSH_FXP_READ:
                return new Read(id, r.string(), r.uint64(), r.uint32());
            case SSH_FXP_WRITE: {
                byte[] h = r.string();
                long offset = r.uint64();
                int start = r.stringInPlace();
                return new Write(id, h, offset, buf, start, r.position() - start);
            }
            case SSH_FXP_LSTAT:
            case SSH_FXP_STAT:
            case SSH_FXP_OPENDIR:
            case SSH_FXP_REMOVE:
            case SSH_FXP_RMDIR:
            case SSH_FXP_REALPATH:
            case SSH_FXP_READLINK:
                return new PathRequest(type, id, text(r));
            case SSH_FXP_FSTAT:
            case SSH_FXP_READDIR:
                return new HandleRequest(type, id, r.string());
            case SSH_FXP_SETSTAT:
            case SSH_FXP_MKDIR:
                return new PathAttrs(type, id, text(r), FileAttributes.decode(r));
            case SSH_FXP_FSETSTAT:
                return new Fsetstat(id, r.string(), FileAttributes.decode(r));
            case SSH_FXP_RENAME:
                return new Rename(id, text(r), text(r));
            case SSH_FXP_SYMLINK:
                return new Symlink(id, text(r), text(r));
            case SSH_FXP_EXTENDED: {
                String name = text(r);
                return new Extended(id, name, buf, r.position(), r.remaining());
            }
            default:
                return new Unknown(type, id);
        }
    }
}
