package dev.tether.sftp.server;

import dev.tether.sftp.protocol.SftpFraming;
import dev.tether.sftp.protocol.SftpResponse;
import dev.tether.ssh.common.SshWriter;
import java.io.IOException;
import java.io.OutputStream;

/**
 * An {@link SftpSession}'s replies on the way out: small ones gather in one buffer until no
 * further request waits (then one channel write sends them all, {@link #flush}); a DATA reply goes
 * out from the array the file was read into ({@link #big}), after what is pending. Used only by the
 * session's thread.
 */
final class Replies {
    private final OutputStream out;
    private final SshWriter pending = new SshWriter(1024);

    Replies(OutputStream out) {
        this.out = out;
    }

    void small(SftpResponse r) throws IOException {
        int start = SftpFraming.begin(pending);
        r.encode(pending);
        SftpFraming.end(pending, start);
        if (pending.length() >= 32 * 1024) {
            flush();
        }
    }

    void big(byte[] framed, int len) throws IOException {
        flush();
        out.write(framed, 0, len);
    }

    void flush() throws IOException {
        if (pending.length() > 0) {
            out.write(pending.array(), 0, pending.length());
            pending.reset();
        }
        out.flush();
    }
}
