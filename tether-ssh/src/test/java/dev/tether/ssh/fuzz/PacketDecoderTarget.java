package dev.tether.ssh.fuzz;

import dev.tether.ssh.transport.CipherAlgorithms;
import dev.tether.ssh.transport.PacketCipher;
import dev.tether.ssh.transport.PacketReader;
import dev.tether.ssh.transport.PacketWriter;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.Deflater;

/**
 * The binary packet decoder (RFC 4253 §6) behind each cipher: {@link PacketReader} reading a
 * stream made from the input, under none, none with zlib, AES-GCM, ChaCha20-Poly1305, AES-CTR with
 * an encrypt-then-MAC and with an encrypt-and-MAC HMAC, and ChaCha20-Poly1305 with zlib.
 *
 * <p>Random bytes under a cipher only ever fail the MAC, so most of the stream is built from
 * records that the target seals itself with the same keys: the peer then controls the plaintext
 * of authenticated packets (padding length field, packet length field, payload, compressed data
 * including inflation bombs), which is what a peer that holds the session keys can send. Input
 * layout: byte 0 picks the suite; then records, each starting with a kind byte:
 * <ul>
 *   <li>{@code k & 3 == 0}: raw bytes, unsealed (corrupt or truncated ciphertext);
 *   <li>{@code 1}: a sealed packet with a fuzzed payload; its padding-length field is the honest
 *       one unless {@code k & 4}, then a fuzzed byte;
 *   <li>{@code 2}: a sealed packet whose payload is up to 510 KiB of zeros (an inflation bomb under zlib);
 *   <li>{@code 3}: a sealed packet whose packet-length field is a fuzzed 32-bit value.
 * </ul>
 * Invariants: only {@link IOException}s (the decoder's {@code SshException}s, EOF) end the read;
 * while every record so far was an honest packet, each payload read back equals the one sealed;
 * no payload is empty or longer than the decoder's limits.
 */
public final class PacketDecoderTarget {
    private static final String[][] SUITES = {
            {"none", null, ""},
            {"none", null, "zlib"},
            {"aes128-gcm@openssh.com", null, ""},
            {"chacha20-poly1305@openssh.com", null, ""},
            {"aes128-ctr", "hmac-sha2-256-etm@openssh.com", ""},
            {"aes256-ctr", "hmac-sha2-512", ""},
            {"chacha20-poly1305@openssh.com", null, "zlib"},
            {"aes256-gcm@openssh.com", null, "zlib"},
    };

    private static final int MAX_STREAM = 1024 * 1024;

    private PacketDecoderTarget() {
    }

    public static void fuzzerTestOneInput(byte[] data) {
        if (data.length == 0) {
            return;
        }
        String[] suite = SUITES[(data[0] & 0xff) % SUITES.length];
        boolean zlib = suite[2].equals("zlib");
        PacketCipher seal = cipher(suite, true);
        PacketCipher open = cipher(suite, false);
        Deflater deflater = zlib ? new Deflater(6) : null;

        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        List<byte[]> expected = new ArrayList<>();
        boolean honest = true;
        int seq = 0;
        int i = 1;
        try {
            // a stream past 1 MiB holds several bombs, each of which already ends the read: no
            // more records, or one input costs tens of milliseconds for nothing new
            while (i < data.length && stream.size() < MAX_STREAM) {
                int k = data[i++] & 0xff;
                switch (k & 3) {
                    case 0: {
                        int n = Math.min(i < data.length ? (data[i++] & 0xff) + 1 : 0, data.length - i);
                        stream.write(data, i, n);
                        i += n;
                        honest = false;
                        break;
                    }
                    case 1: {
                        int padField = i < data.length ? data[i++] & 0xff : 0;
                        int n = i + 1 < data.length ? ((data[i] & 0xff) << 8 | (data[i + 1] & 0xff)) % 8192 : 0;
                        i += 2;
                        n = Math.max(0, Math.min(n, data.length - i));
                        byte[] payload = Arrays.copyOfRange(data, Math.min(i, data.length), Math.min(i + n, data.length));
                        i += n;
                        boolean lie = (k & 4) != 0;
                        stream.write(packet(seal, seq++, compress(deflater, payload), lie ? padField : -1, null));
                        if (honest && !lie && payload.length > 0) {
                            expected.add(payload);
                        } else {
                            honest = false;
                        }
                        break;
                    }
                    case 2: {
                        int n = i < data.length ? (data[i++] & 0xff) * 2048 : 0;
                        stream.write(packet(seal, seq++, compress(deflater, new byte[Math.max(n, 1)]), -1, null));
                        honest = false;
                        break;
                    }
                    default: {
                        int lie = 0;
                        for (int b = 0; b < 4; b++) {
                            lie = lie << 8 | (i < data.length ? data[i++] & 0xff : 0);
                        }
                        stream.write(packet(seal, seq++, compress(deflater, new byte[] {2, 0, 0, 0, 0}), -1, lie));
                        honest = false;
                        break;
                    }
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e); // a ByteArrayOutputStream does not fail
        } finally {
            if (deflater != null) {
                deflater.end();
            }
        }

        PacketReader reader = new PacketReader(new ByteArrayInputStream(stream.toByteArray()));
        reader.setCipher(open);
        if (zlib) {
            reader.enableCompression();
        }
        int read = 0;
        try {
            while (true) {
                int m = reader.read();
                byte[] payload = reader.payloadCopy();
                if (payload.length < 1 || payload.length > PacketReader.MAX_PACKET_LENGTH || (payload[0] & 0xff) != m) {
                    throw new IllegalStateException("packet " + read + ": payload of " + payload.length + " bytes, type " + m);
                }
                if (read < expected.size() && !Arrays.equals(payload, expected.get(read))) {
                    throw new IllegalStateException("packet " + read + " reads back other than it was sealed");
                }
                read++;
            }
        } catch (IOException e) {
            // SshException (a bad packet: the connection ends with its reason) or EOF
        } finally {
            reader.release();
        }
        if (read < expected.size() && honest) {
            throw new IllegalStateException("only " + read + " of " + expected.size() + " honest packets read back");
        }
    }

    private static byte[] compress(Deflater deflater, byte[] payload) {
        if (deflater == null) {
            return payload;
        }
        deflater.setInput(payload);
        byte[] out = new byte[payload.length + 64];
        int n = 0;
        while (true) {
            int got = deflater.deflate(out, n, out.length - n, Deflater.SYNC_FLUSH);
            n += got;
            if (n < out.length) {
                return Arrays.copyOf(out, n);
            }
            out = Arrays.copyOf(out, out.length * 2);
        }
    }

    /**
     * One packet sealed as {@code seq}: padding aligned as the writer would (at least 4 bytes),
     * the padding-length field replaced by {@code padField} when it is not negative, the
     * packet-length field by {@code lengthField} when given (after the aligned length was used to seal).
     */
    private static byte[] packet(PacketCipher c, int seq, byte[] payload, int padField, Integer lengthField) {
        int padding = PacketWriter.padding(c, payload.length);
        int packetLength = 1 + payload.length + padding;
        byte[] buf = new byte[4 + packetLength + c.tagLength()];
        int field = lengthField != null ? lengthField : packetLength;
        buf[0] = (byte) (field >>> 24);
        buf[1] = (byte) (field >>> 16);
        buf[2] = (byte) (field >>> 8);
        buf[3] = (byte) field;
        buf[4] = (byte) (padField >= 0 ? padField : padding);
        System.arraycopy(payload, 0, buf, 5, payload.length);
        c.seal(seq, buf, 0, packetLength);
        return buf;
    }

    private static PacketCipher cipher(String[] suite, boolean encrypt) {
        String name = suite[0];
        if (name.equals("none")) {
            return PacketCipher.NONE;
        }
        byte[] key = pattern(CipherAlgorithms.keyLength(name), 1);
        int ivLength = CipherAlgorithms.ivLength(name);
        byte[] iv = ivLength == 0 ? new byte[0] : pattern(ivLength, 2);
        byte[] macKey = suite[1] == null ? null : pattern(CipherAlgorithms.macKeyLength(suite[1]), 3);
        return CipherAlgorithms.create(name, suite[1], encrypt, key, iv, macKey);
    }

    private static byte[] pattern(int n, int salt) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + salt);
        }
        return b;
    }
}
