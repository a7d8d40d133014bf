package dev.tether.ssh.wire;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;

/**
 * SSH_MSG_DISCONNECT, RFC 4253 §11.1: {@code uint32 reason || string description (UTF-8) ||
 * string language tag}.
 */
public record Disconnect(int reasonCode, String description) {
    /** Descriptions longer than this are cut, so that a hostile peer cannot make us log megabytes. */
    static final int MAX_DESCRIPTION = 1024;

    public byte[] encode() {
        return new SshWriter(description.length() + 16).byteValue(MessageNumbers.DISCONNECT)
                .uint32(reasonCode).string(description).string("").toByteArray();
    }

    /** Decodes the body after the message number; tolerant of a missing language tag. */
    public static Disconnect decode(SshReader r) throws SshException {
        int code = r.uint32();
        String description = r.hasRemaining() ? new String(r.string(), java.nio.charset.StandardCharsets.UTF_8) : "";
        return new Disconnect(code, sanitize(description));
    }

    /** Makes peer-supplied text safe to log: control characters are escaped, length bounded. */
    public static String sanitize(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_DESCRIPTION));
        for (int i = 0; i < s.length() && b.length() < MAX_DESCRIPTION; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
