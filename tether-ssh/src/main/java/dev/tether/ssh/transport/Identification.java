package dev.tether.ssh.transport;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The protocol version exchange of RFC 4253 §4.2.
 *
 * <p>Each side sends {@code SSH-2.0-softwareversion SP comments CR LF}. Before its version line
 * a peer may send other lines; we accept a bounded number of them, each at most 255 bytes
 * including CR LF, so that a peer cannot hold us reading forever or make us buffer without
 * limit. Only protocol 2.0 (and 1.99, which means "2.0 and 1.x") is accepted.
 */
public final class Identification {
    /** RFC 4253 §4.2: the maximum length of the line including CR LF. */
    public static final int MAX_LINE = 255;
    /** How many lines other than the version line we accept before it. */
    public static final int MAX_PRE_LINES = 64;

    private Identification() {
    }

    /** Our version line without CR LF. */
    public static String ourLine(String softwareVersion, String comment) {
        String line = "SSH-2.0-" + softwareVersion + (comment == null || comment.isEmpty() ? "" : " " + comment);
        if (line.length() + 2 > MAX_LINE) {
            throw new IllegalArgumentException("identification line longer than 255 bytes");
        }
        for (char c : line.toCharArray()) {
            if (c < 0x20 || c > 0x7e) {
                throw new IllegalArgumentException("identification must be printable US-ASCII");
            }
        }
        return line;
    }

    /**
     * Reads the peer's version line, skipping other lines before it. Reads byte by byte so that
     * nothing beyond the line is consumed from {@code in}.
     *
     * @return the version line without CR LF, as it enters the exchange hash
     */
    public static String readPeerLine(InputStream in) throws IOException {
        byte[] line = new byte[MAX_LINE];
        for (int lines = 0; lines <= MAX_PRE_LINES; lines++) {
            int n = 0;
            while (true) {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException(n == 0 && lines == 0
                            ? "connection closed before the peer sent its identification"
                            : "connection closed while reading the peer's identification");
                }
                if (b == '\n') {
                    break;
                }
                if (n == MAX_LINE - 1) {
                    throw new SshException(DisconnectReason.PROTOCOL_ERROR,
                            "identification line longer than " + MAX_LINE + " bytes");
                }
                if (b == 0) {
                    throw new SshException(DisconnectReason.PROTOCOL_ERROR, "identification line contains a NUL byte");
                }
                line[n++] = (byte) b;
            }
            int end = n > 0 && line[n - 1] == '\r' ? n - 1 : n;
            String s = new String(line, 0, end, StandardCharsets.ISO_8859_1);
            if (s.startsWith("SSH-")) {
                return checkVersion(s);
            }
        }
        throw new SshException(DisconnectReason.PROTOCOL_ERROR,
                "peer sent more than " + MAX_PRE_LINES + " lines before its identification");
    }

    private static String checkVersion(String s) throws SshException {
        int dash = s.indexOf('-', 4);
        if (dash < 0) {
            throw new SshException(DisconnectReason.PROTOCOL_ERROR, "malformed identification: " + printable(s));
        }
        String proto = s.substring(4, dash);
        if (!proto.equals("2.0") && !proto.equals("1.99")) {
            throw new SshException(DisconnectReason.PROTOCOL_VERSION_NOT_SUPPORTED,
                    "peer speaks SSH protocol " + printable(proto) + ", only 2.0 is supported");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new SshException(DisconnectReason.PROTOCOL_ERROR, "identification contains a non-printable byte");
            }
        }
        return s;
    }

    private static String printable(String s) {
        return dev.tether.ssh.wire.Disconnect.sanitize(s.length() > 64 ? s.substring(0, 64) + "..." : s);
    }
}
