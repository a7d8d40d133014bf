package dev.tether.ssh.transport;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;

import java.util.Arrays;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Payload compression, RFC 4253 §6.2, with OpenSSH's delayed variant {@code zlib@openssh.com}
 * (PROTOCOL §1.3), which starts only after USERAUTH_SUCCESS so that unauthenticated peers never
 * reach the decompressor.
 *
 * <p>Each direction is one continuous zlib stream; every packet ends with a sync flush so that
 * it can be decompressed on its own arrival. Inflation is bounded: a payload that would inflate
 * past {@link #MAX_INFLATED} bytes ends the connection, so a compression bomb costs nothing.
 */
public final class Compression {
    public static final String NONE = "none";
    public static final String ZLIB = "zlib";
    public static final String ZLIB_DELAYED = "zlib@openssh.com";
    public static final List<String> SUPPORTED = List.of(NONE, ZLIB_DELAYED, ZLIB);

    /** The largest payload a packet may inflate to; matches the packet size limit. */
    public static final int MAX_INFLATED = PacketReader.MAX_PACKET_LENGTH;

    private Compression() {
    }

    public static boolean isSupported(String name) {
        return SUPPORTED.contains(name);
    }

    /** Compressor for the sending direction. Not thread-safe. */
    static final class Compressor {
        private final Deflater deflater = new Deflater(6);
        private byte[] out = new byte[1024];

        /** Compresses into an internal buffer; returns the compressed length ({@link #buffer()}). */
        int compress(byte[] in, int off, int len) {
            deflater.setInput(in, off, len);
            int n = 0;
            while (true) {
                if (out.length - n < 64) {
                    out = Arrays.copyOf(out, out.length * 2);
                }
                int got = deflater.deflate(out, n, out.length - n, Deflater.SYNC_FLUSH);
                n += got;
                if (got == 0 && deflater.needsInput()) {
                    return n;
                }
            }
        }

        byte[] buffer() {
            return out;
        }

        void end() {
            deflater.end();
        }
    }

    /** Decompressor for the receiving direction. Not thread-safe. */
    static final class Decompressor {
        private final Inflater inflater = new Inflater();
        private byte[] out = new byte[1024];

        int decompress(byte[] in, int off, int len) throws SshException {
            inflater.setInput(in, off, len);
            int n = 0;
            try {
                while (true) {
                    if (out.length - n == 0) {
                        if (out.length >= MAX_INFLATED) {
                            throw new SshException(DisconnectReason.COMPRESSION_ERROR,
                                    "compressed payload inflates beyond " + MAX_INFLATED + " bytes");
                        }
                        out = Arrays.copyOf(out, Math.min(out.length * 2, MAX_INFLATED));
                    }
                    int got = inflater.inflate(out, n, out.length - n);
                    n += got;
                    if (got == 0) {
                        if (inflater.needsDictionary() || inflater.finished()) {
                            throw new SshException(DisconnectReason.COMPRESSION_ERROR, "unexpected end of zlib stream");
                        }
                        if (inflater.needsInput()) {
                            return n;
                        }
                    }
                }
            } catch (DataFormatException e) {
                throw new SshException(DisconnectReason.COMPRESSION_ERROR, "corrupt compressed payload: " + e.getMessage());
            }
        }

        byte[] buffer() {
            return out;
        }

        void end() {
            inflater.end();
        }
    }
}
