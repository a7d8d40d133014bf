package dev.tether.sftp.fuzz;

import dev.tether.sftp.protocol.FileAttributes;
import dev.tether.sftp.protocol.SftpConstants;
import dev.tether.sftp.protocol.SftpFraming;
import dev.tether.sftp.protocol.SftpRequest;
import dev.tether.sftp.protocol.SftpResponse;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * The client's decoding of a server's replies, as {@code SftpChannel} reads them: framed packets
 * (at most 256 KiB and a header), VERSION first, then STATUS (message and language optional),
 * HANDLE, DATA, NAME, ATTRS (with extended pairs) and EXTENDED_REPLY, whose payload
 * {@code SftpClient} reads as the extension it asked for: limits (three uint64), statvfs (eleven)
 * and users-groups-by-id (two strings of names).
 *
 * <p>Input: the server's byte stream, as it comes out of the channel. Only {@link IOException}
 * (framing) and {@link SshException} (a malformed reply) may escape the decoding. A reply that
 * decodes must encode to bytes that decode to the same reply.
 */
public final class SftpReplyTarget {
    private SftpReplyTarget() {
    }

    public static void fuzzerTestOneInput(byte[] data) {
        SftpFraming framing = new SftpFraming(new ByteArrayInputStream(data), SftpConstants.MAX_PACKET + 1024);
        try {
            boolean first = true;
            for (int n; (n = framing.next()) >= 0; first = false) {
                byte[] buf = framing.detach();
                SftpResponse r = SftpResponse.decode(buf, 0, n);
                if (first && !(r instanceof SftpResponse.Version)) {
                    return; // SftpChannel.open refuses the session
                }
                roundTrip(r);
                use(r);
            }
        } catch (IOException e) {
            // SshException (a malformed reply) or framing: the client's session fails with it
        }
    }

    /** What the client reads from a reply beyond its record. */
    private static void use(SftpResponse r) {
        if (r instanceof SftpResponse.Names names) {
            for (SftpResponse.Name n : names.names()) {
                attrs(n.attrs());
            }
        } else if (r instanceof SftpResponse.Attrs a) {
            attrs(a.attrs());
        } else if (r instanceof SftpResponse.Status s) {
            // SftpClient.error: the message, or the code's own when the server gave none
            String msg = s.message() == null || s.message().isEmpty() ? SftpConstants.message(s.code()) : s.message();
            if (msg == null) {
                throw new IllegalStateException("no message for status " + s.code());
            }
        } else if (r instanceof SftpResponse.ExtendedReply x) {
            try {
                SshReader rd = new SshReader(x.payload());
                rd.uint64();
                rd.uint64();
                rd.uint64();
            } catch (SshException e) {
                // limits: a server that mis-answers limits gets the defaults
            }
            try {
                SshReader rd = new SshReader(x.payload());
                for (int i = 0; i < 11; i++) {
                    rd.uint64();
                }
            } catch (SshException e) {
                // statvfs: the call fails with it
            }
            try {
                SshReader rd = new SshReader(x.payload());
                SshReader users = new SshReader(rd.string());
                SshReader groups = new SshReader(rd.string());
                while (users.hasRemaining()) {
                    SftpRequest.text(users);
                }
                while (groups.hasRemaining()) {
                    SftpRequest.text(groups);
                }
            } catch (SshException e) {
                // users-groups-by-id: the call fails with it
            }
        }
    }

    private static void attrs(FileAttributes a) {
        a.toString();
        a.isDirectory();
        a.isRegularFile();
        a.isSymbolicLink();
    }

    private static void roundTrip(SftpResponse r) throws SshException {
        SshWriter w = new SshWriter(64);
        r.encode(w);
        SftpResponse again = SftpResponse.decode(w.array(), 0, w.length());
        if (!same(r, again)) {
            throw new IllegalStateException("a reply changes when encoded and decoded again: " + r + " -> " + again);
        }
    }

    private static boolean same(SftpResponse a, SftpResponse b) {
        if (a.getClass() != b.getClass() || a.id() != b.id()) {
            return false;
        }
        if (a instanceof SftpResponse.Version v) {
            return v.version() == ((SftpResponse.Version) b).version() && v.extensions().equals(((SftpResponse.Version) b).extensions());
        }
        if (a instanceof SftpResponse.Status s) {
            SftpResponse.Status t = (SftpResponse.Status) b;
            return s.code() == t.code() && String.valueOf(s.message()).equals(String.valueOf(t.message()))
                    || s.message() == null && "".equals(t.message());
        }
        if (a instanceof SftpResponse.Handle h) {
            return Arrays.equals(h.handle(), ((SftpResponse.Handle) b).handle());
        }
        if (a instanceof SftpResponse.Data d) {
            SftpResponse.Data e = (SftpResponse.Data) b;
            return Arrays.equals(d.data(), d.offset(), d.offset() + d.length(), e.data(), e.offset(), e.offset() + e.length());
        }
        if (a instanceof SftpResponse.Names n) {
            SftpResponse.Names m = (SftpResponse.Names) b;
            if (n.names().size() != m.names().size()) {
                return false;
            }
            for (int i = 0; i < n.names().size(); i++) {
                SftpResponse.Name x = n.names().get(i);
                SftpResponse.Name y = m.names().get(i);
                if (!x.filename().equals(y.filename()) || !x.longname().equals(y.longname()) || !sameAttrs(x.attrs(), y.attrs())) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof SftpResponse.Attrs x) {
            return sameAttrs(x.attrs(), ((SftpResponse.Attrs) b).attrs());
        }
        return Arrays.equals(((SftpResponse.ExtendedReply) a).payload(), ((SftpResponse.ExtendedReply) b).payload());
    }

    /** Equal as far as the flags say (encoding drops the extended flag with no pairs, and fields a flag does not announce). */
    private static boolean sameAttrs(FileAttributes a, FileAttributes b) {
        int mask = ~SftpConstants.SSH_FILEXFER_ATTR_EXTENDED;
        if ((a.flags() & mask) != (b.flags() & mask) || a.extended().size() != b.extended().size()) {
            return false;
        }
        for (int i = 0; i < a.extended().size(); i++) {
            if (!Arrays.equals(a.extended().get(i), b.extended().get(i))) {
                return false;
            }
        }
        return (!a.has(SftpConstants.SSH_FILEXFER_ATTR_SIZE) || a.size() == b.size())
                && (!a.has(SftpConstants.SSH_FILEXFER_ATTR_UIDGID) || a.uid() == b.uid() && a.gid() == b.gid())
                && (!a.has(SftpConstants.SSH_FILEXFER_ATTR_PERMISSIONS) || a.permissions() == b.permissions())
                && (!a.has(SftpConstants.SSH_FILEXFER_ATTR_ACMODTIME) || a.atime() == b.atime() && a.mtime() == b.mtime());
    }
}
