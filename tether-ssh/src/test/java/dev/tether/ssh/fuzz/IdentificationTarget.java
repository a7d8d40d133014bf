package dev.tether.ssh.fuzz;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.transport.Identification;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The peer's identification (RFC 4253 §4.2) as {@link Identification#readPeerLine} reads it:
 * lines before the version line, the 255-byte limit, NULs, CR LF or bare LF. Bad input ends in
 * {@link SshException}, or {@link EOFException} when the input ends first. A line that is
 * accepted starts with {@code SSH-2.0-} or {@code SSH-1.99-}, is printable US-ASCII within the
 * limit, and is exactly what the stream held before its line end, which was the last byte read
 * (nothing past it is consumed: the binary packet protocol follows).
 */
public final class IdentificationTarget {
    private IdentificationTarget() {
    }

    public static void fuzzerTestOneInput(byte[] data) {
        ByteArrayInputStream in = new ByteArrayInputStream(data);
        String line;
        try {
            line = Identification.readPeerLine(in);
        } catch (SshException | EOFException e) {
            return; // the connection ends with the reason
        } catch (IOException e) {
            throw new IllegalStateException("unexpected " + e, e);
        }
        int consumed = data.length - in.available();
        if (!line.startsWith("SSH-2.0-") && !line.startsWith("SSH-1.99-")) {
            throw new IllegalStateException("accepted a version line of another protocol: " + line);
        }
        if (line.length() + 1 > Identification.MAX_LINE) { // 255 bytes with the line end, which may be a bare LF
            throw new IllegalStateException("accepted a line of " + line.length() + " characters");
        }
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new IllegalStateException("accepted a non-printable character 0x" + Integer.toHexString(c));
            }
        }
        if (consumed == 0 || data[consumed - 1] != '\n') {
            throw new IllegalStateException("the version line did not end at the last byte read");
        }
        int end = consumed - 1;
        if (end > 0 && data[end - 1] == '\r') {
            end--;
        }
        byte[] raw = line.getBytes(StandardCharsets.US_ASCII);
        if (end < raw.length || !java.util.Arrays.equals(data, end - raw.length, end, raw, 0, raw.length)) {
            throw new IllegalStateException("the line returned is not the line read");
        }
    }
}
