package dev.tether.sftp.fuzz;

import dev.tether.sftp.SftpServer;
import dev.tether.sftp.policy.SftpRoot;
import dev.tether.sftp.protocol.SftpConstants;
import dev.tether.sftp.protocol.SftpFraming;
import dev.tether.sftp.protocol.SftpResponse;
import dev.tether.ssh.common.SshException;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The SFTP server (draft-ietf-secsh-filexfer-02 version 3 with OpenSSH's extensions) driven by a
 * client's request stream: {@link SftpServer#serve} on in-memory streams, as {@code tether
 * sftp-server} runs it, over a jimfs jail ({@link FuzzFiles#populate}), until the input ends.
 *
 * <p>Input: one byte of settings (bit 0 read-only, bit 1 start in {@code /dir}, bit 2 at most two
 * handles, bit 3 umask 022), then the client's stream of framed packets (uint32 length, type, id,
 * fields), INIT first, as OpenSSH's sftp sends it.
 *
 * <p>Only {@link IOException} (a malformed packet or framing ends the session) may escape. Then:
 * nothing outside the jail was created, changed or removed (the sentinels beside it, and links
 * inside pointing out of it); the replies decode; each request got exactly one reply, in order,
 * if the session ended with the input, or the replies answer a prefix of the requests if it
 * ended on a malformed packet.
 */
public final class SftpRequestTarget {
    private SftpRequestTarget() {
    }

    public static void fuzzerTestOneInput(byte[] data) {
        if (data.length == 0) {
            return;
        }
        int flags = data[0] & 0xff;
        byte[] stream = Arrays.copyOfRange(data, 1, data.length);
        try (FileSystem fs = FuzzFiles.newFileSystem()) {
            Path jail = fs.getPath("/srv/root");
            FuzzFiles.populate(jail);
            Map<String, String> before = FuzzFiles.outside(fs, jail);
            SftpServer.Builder b = SftpServer.builder().readOnly((flags & 1) != 0);
            if ((flags & 4) != 0) {
                b.maxHandles(2);
            }
            if ((flags & 8) != 0) {
                b.umask(022);
            }
            SftpRoot root = SftpRoot.jail(jail, (flags & 2) != 0 ? "/dir" : "/");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            boolean clean = true;
            try {
                b.build().serve(new ByteArrayInputStream(stream), out, "fuzz", root);
            } catch (IOException e) {
                clean = false;
            }
            FuzzFiles.checkUntouched(before, FuzzFiles.outside(fs, jail), "the SFTP server");
            checkReplies(requestIds(stream), replyIds(out.toByteArray()), clean);
        } catch (IOException e) {
            throw new UncheckedIOException("the fuzz file system failed", e);
        }
    }

    /** The id of every packet the server could frame, in order (INIT as 0). */
    private static List<Integer> requestIds(byte[] s) {
        List<Integer> ids = new ArrayList<>();
        int i = 0;
        while (s.length - i >= 4) {
            long len = u32(s, i);
            if (len < 5 || len > SftpConstants.MAX_PACKET || len > s.length - i - 4) {
                break;
            }
            ids.add((s[i + 4] & 0xff) == SftpConstants.SSH_FXP_INIT ? 0 : (int) u32(s, i + 5));
            i += 4 + (int) len;
        }
        return ids;
    }

    private static long u32(byte[] b, int i) {
        return ((b[i] & 0xffL) << 24) | ((b[i + 1] & 0xff) << 16) | ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
    }

    /** The id of every reply; every reply must decode. */
    private static List<Integer> replyIds(byte[] out) {
        List<Integer> ids = new ArrayList<>();
        SftpFraming f = new SftpFraming(new ByteArrayInputStream(out), SftpConstants.MAX_PACKET + 1024);
        try {
            for (int n; (n = f.next()) >= 0; ) {
                SftpResponse r = SftpResponse.decode(f.buffer(), 0, n);
                if (ids.isEmpty() != r instanceof SftpResponse.Version) {
                    throw new IllegalStateException("VERSION is not the first reply, and only the first: " + r);
                }
                ids.add(r.id());
            }
        } catch (SshException e) {
            throw new IllegalStateException("the server sent a reply that does not decode: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalStateException("the server's replies are not framed: " + e.getMessage(), e);
        }
        return ids;
    }

    private static void checkReplies(List<Integer> requests, List<Integer> replies, boolean clean) {
        if (clean ? !replies.equals(requests) : !requests.subList(0, Math.min(replies.size(), requests.size())).equals(replies)
                || replies.size() > requests.size()) {
            throw new IllegalStateException("the replies (ids " + abbreviate(replies) + ") do not answer the requests (ids "
                    + abbreviate(requests) + ")" + (clean ? "" : " as far as the session went"));
        }
    }

    private static String abbreviate(List<Integer> l) {
        return l.size() <= 20 ? l.toString() : l.subList(0, 20) + "... (" + l.size() + ")";
    }
}
