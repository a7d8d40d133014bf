package dev.tether.ssh.fuzz;

import dev.tether.ssh.transport.ProxyProtocol;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The PROXY protocol v1/v2 header reader ({@link ProxyProtocol#read(InputStream)}), fed the input
 * as a stream. Bad input must end in {@link ProxyProtocol.BadHeaderException}; a valid header
 * must have consumed exactly its stated length and not a byte more (what follows is the SSH
 * identification line), be version 1 or 2, and name source and destination both or neither.
 * The stream hands out at most {@code 1 + (byte0 % 7)} bytes per read, so short reads are
 * exercised too (byte 0 is also the stream's first byte).
 */
public final class ProxyHeaderTarget {
    private ProxyHeaderTarget() {
    }

    public static void fuzzerTestOneInput(byte[] data) {
        if (data.length == 0) {
            return;
        }
        int chunk = 1 + (data[0] & 0xff) % 7;
        ByteArrayInputStream bytes = new ByteArrayInputStream(data);
        InputStream in = new InputStream() {
            @Override
            public int read() {
                return bytes.read();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return bytes.read(b, off, Math.min(len, chunk));
            }
        };
        ProxyProtocol.Header h;
        try {
            h = ProxyProtocol.read(in);
        } catch (ProxyProtocol.BadHeaderException e) {
            return; // logged, connection closed
        } catch (IOException e) {
            throw new IllegalStateException("an in-memory stream failed with something but BadHeaderException", e);
        }
        int consumed = data.length - bytes.available();
        if (h.length() != consumed) {
            throw new IllegalStateException("header of " + h.length() + " bytes, but " + consumed + " were read");
        }
        if (h.version() != 1 && h.version() != 2) {
            throw new IllegalStateException("version " + h.version());
        }
        if ((h.source() == null) != (h.destination() == null)) {
            throw new IllegalStateException("a header with only one of source and destination");
        }
        if (h.version() == 1 && h.length() > ProxyProtocol.V1_MAX_LENGTH
                || h.version() == 2 && h.length() > ProxyProtocol.V2_MAX_LENGTH) {
            throw new IllegalStateException("a header longer than the limit: " + h.length());
        }
    }
}
