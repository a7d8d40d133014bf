package dev.tether.ssh.wire;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;

import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Hand-built RFC 4251 §5 encodings for the message record tests, independent of {@link SshWriter}. */
final class Bytes {
    private Bytes() {
    }

    /** Concatenates parts: an Integer is one byte, a byte[] is raw bytes, a String is an SSH string. */
    static byte[] of(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof Integer i) {
                out.write(i);
            } else if (p instanceof byte[] b) {
                out.writeBytes(b);
            } else if (p instanceof String s) {
                out.writeBytes(str(s.getBytes(StandardCharsets.UTF_8)));
            } else {
                throw new IllegalArgumentException(String.valueOf(p));
            }
        }
        return out.toByteArray();
    }

    static byte[] u32(int v) {
        return new byte[]{(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    static byte[] str(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(u32(b.length));
        out.writeBytes(b);
        return out.toByteArray();
    }

    /** A reader over the body of an encoded message: everything after the message number. */
    static SshReader body(byte[] encoded) {
        return new SshReader(encoded, 1, encoded.length - 1);
    }

    interface Decoder {
        void decode(SshReader r) throws SshException;
    }

    /**
     * Every cut of the body shorter than {@code fixedLength} bytes fails as SshReader fails on
     * truncated input: SshException with PROTOCOL_ERROR.
     */
    static void assertTruncatedFails(byte[] encoded, int fixedLength, Decoder d) {
        for (int n = 0; n < fixedLength; n++) {
            SshReader r = new SshReader(encoded, 1, n);
            SshException e = assertThrows(SshException.class, () -> d.decode(r), "body cut to " + n + " bytes");
            assertEquals(DisconnectReason.PROTOCOL_ERROR, e.reason());
        }
    }

    /** {@link #assertTruncatedFails} for a body that must be read whole. */
    static void assertTruncatedFails(byte[] encoded, Decoder d) {
        assertTruncatedFails(encoded, encoded.length - 1, d);
    }
}
