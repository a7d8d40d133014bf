package dev.tether.sftp.protocol;

import static dev.tether.sftp.protocol.SftpConstants.*;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The server's packets of SFTP version 3 (draft-ietf-secsh-filexfer-02 §4, §7): VERSION and the
 * replies, as records with an explicit codec. The server encodes them (DATA also has a zero-copy
 * path, {@link #dataHeader}); the client decodes them.
 */
public sealed interface SftpResponse {
    /** The id of the request answered (0 for VERSION). */
    int id();

    void encode(SshWriter w);

    record Version(int version, Map<String, String> extensions) implements SftpResponse {
        public int id() {
            return 0;
        }

        public void encode(SshWriter w) {
            w.byteValue(SSH_FXP_VERSION).uint32(version);
            extensions.forEach((k, v) -> w.string(k).string(v));
        }
    }

    record Status(int id, int code, String message, String language) implements SftpResponse {
        public Status(int id, int code, String message) {
            this(id, code, message, "");
        }

        public static Status of(int id, int code) {
            return new Status(id, code, SftpConstants.message(code), "");
        }

        public void encode(SshWriter w) {
            w.byteValue(SSH_FXP_STATUS).uint32(id).uint32(code).string(message).string(language);
        }
    }

    record Handle(int id, byte[] handle) implements SftpResponse {
        public void encode(SshWriter w) {
            w.byteValue(SSH_FXP_HANDLE).uint32(id).string(handle);
        }
    }

    record Data(int id, byte[] data, int offset, int length) implements SftpResponse {
        public void encode(SshWriter w) {
            w.byteValue(SSH_FXP_DATA).uint32(id).string(data, offset, length);
        }
    }

    /** One entry of a NAME reply; {@code longname} is {@code ls -l}'s line (empty for REALPATH). */
    record Name(String filename, String longname, FileAttributes attrs) {
    }

    record Names(int id, List<Name> names) implements SftpResponse {
        public void encode(SshWriter w) {
            w.byteValue(SSH_FXP_NAME).uint32(id).uint32(names.size());
            for (Name n : names) {
                w.string(n.filename()).string(n.longname());
                n.attrs().encode(w);
            }
        }
    }

    record Attrs(int id, FileAttributes attrs) implements SftpResponse {
        public void encode(SshWriter w) {
            w.byteValue(SSH_FXP_ATTRS).uint32(id);
            attrs.encode(w);
        }
    }

    /** EXTENDED_REPLY: the payload is the extension's own. */
    record ExtendedReply(int id, byte[] payload) implements SftpResponse {
        public void encode(SshWriter w) {
            w.byteValue(SSH_FXP_EXTENDED_REPLY).uint32(id).raw(payload);
        }
    }

    /**
     * The 13 bytes in front of a DATA reply's data: length, type, id and the data's length, so the
     * server can read a file straight into the array it then sends.
     */
    static void dataHeader(byte[] buf, int id, int dataLength) {
        putInt(buf, 0, 9 + dataLength);
        buf[4] = (byte) SSH_FXP_DATA;
        putInt(buf, 5, id);
        putInt(buf, 9, dataLength);
    }

    private static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    /** Decodes one packet (type byte first, no length). */
    static SftpResponse decode(byte[] buf, int off, int len) throws SshException {
        SshReader r = new SshReader(buf, off, len);
        int type = r.byteValue();
        if (type == SSH_FXP_VERSION) {
            int version = r.uint32();
            Map<String, String> ext = new LinkedHashMap<>();
            while (r.hasRemaining() && ext.size() < 256) {
                ext.put(SftpRequest.text(r), SftpRequest.text(r));
            }
            return new Version(version, ext);
        }
        int id = r.uint32();
        switch (type) {
            case SSH_FXP_STATUS: {
                int code = r.uint32();
                // OpenSSH before 3.x and some servers omit the message and language
                String msg = r.optionalUtf8Lenient();
                String lang = r.optionalUtf8Lenient();
                return new Status(id, code, msg, lang);
            }
            case SSH_FXP_HANDLE:
                return new Handle(id, r.string());
            case SSH_FXP_DATA: {
                int start = r.stringInPlace();
                return new Data(id, buf, start, r.position() - start);
            }
            case SSH_FXP_NAME: {
                int n = r.uint32();
                if (n < 0 || n > r.remaining() / 12) {
                    throw new SshException("NAME claims " + Integer.toUnsignedString(n) + " entries in " + r.remaining() + " bytes");
                }
                List<Name> names = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    names.add(new Name(SftpRequest.text(r), SftpRequest.text(r), FileAttributes.decode(r)));
                }
                return new Names(id, names);
            }
            case SSH_FXP_ATTRS:
                return new Attrs(id, FileAttributes.decode(r));
            case SSH_FXP_EXTENDED_REPLY:
                return new ExtendedReply(id, r.rest());
            default:
                throw new SshException("unknown SFTP reply type " + type);
        }
    }
}
