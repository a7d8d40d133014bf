package dev.tether.ssh.transport;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The buffering of {@link PacketReader} (its own read-ahead in place of a BufferedInputStream) and
 * the idle footprint of both packet buffers: packets of every size survive any split of the byte
 * stream under every cipher, several packets come from one read, the identification line shares
 * the buffer, and a buffer grown for a large packet is given up once small packets drain it.
 */
class PacketBufferTest {
    private static final int[] SIZES = {1, 9, 600, 40_000, 3, 100_000, 2, 32_768, 32_768, 5, 250_000, 1};

    static Stream<String> ciphers() {
        return Stream.concat(Stream.of("none"),
                CipherTestSupport.combos().stream().map(c -> c.cipher() + (c.mac() == null ? "" : "|" + c.mac())));
    }

    private static PacketCipher cipher(String name, boolean encrypt) {
        if (name.equals("none")) {
            return PacketCipher.NONE;
        }
        String[] p = name.split("\\|");
        return CipherTestSupport.create(new CipherTestSupport.Combo(p[0], p.length > 1 ? p[1] : null), encrypt);
    }

    private static byte[] payload(int n, int seed) {
        byte[] b = CipherTestSupport.pattern(n, seed, 31);
        b[0] = (byte) (50 + seed % 100); // a message number
        return b;
    }

    /** Delivers the bytes in chunks of at most {@code step} (1 = a byte per read), counting reads. */
    private static final class ChoppedStream extends InputStream {
        private final byte[] data;
        private final int step;
        private int pos;
        int reads;

        ChoppedStream(byte[] data, int step) {
            this.data = data;
            this.step = step;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            reads++;
            if (pos == data.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, step), data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    private static byte[] wire(String cipherName, int[] sizes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PacketWriter w = new PacketWriter(out, new SecureRandom());
        w.setCipher(cipher(cipherName, true));
        for (int i = 0; i < sizes.length; i++) {
            w.write(payload(sizes[i], i));
        }
        w.flush();
        return out.toByteArray();
    }

    @ParameterizedTest
    @MethodSource("ciphers")
    void everyPacketSurvivesEverySplitOfTheStream(String cipherName) throws IOException {
        byte[] wire = wire(cipherName, SIZES);
        for (int step : new int[] {1, 7, 500, 4096, 65_536, Integer.MAX_VALUE}) {
            if (step == 1 && !cipherName.equals("none") && !cipherName.startsWith("chacha")) {
                continue; // a byte per read is slow; once per cipher family is enough
            }
            PacketReader r = new PacketReader(new ChoppedStream(wire, step));
            r.setCipher(cipher(cipherName, false));
            for (int i = 0; i < SIZES.length; i++) {
                int m = r.read();
                assertEquals(50 + i % 100, m, "message number of packet " + i + ", step " + step);
                assertArrayEquals(payload(SIZES[i], i), r.payloadCopy(), "payload of packet " + i + ", step " + step);
            }
            EOFException eof = assertThrows(EOFException.class, r::read);
            assertEquals("connection closed by peer", eof.getMessage());
        }
    }

    @Test
    void severalSmallPacketsComeFromOneRead() throws IOException {
        int[] sizes = new int[100];
        Arrays.fill(sizes, 20);
        byte[] wire = wire("none", sizes); // 32 bytes a packet, 3,200 in all
        ChoppedStream in = new ChoppedStream(wire, Integer.MAX_VALUE);
        PacketReader r = new PacketReader(in);
        for (int i = 0; i < sizes.length; i++) {
            r.read();
            assertArrayEquals(payload(20, i), r.payloadCopy());
        }
        // 512-byte reads: 3,200 bytes take 7, where an unbuffered reader makes 200
        assertTrue(in.reads <= 8, "reads from the stream: " + in.reads);
    }

    @Test
    void eofInsideAPacketIsAnError() throws IOException {
        byte[] wire = wire("none", new int[] {1000});
        for (int cut : new int[] {2, 4, 10, wire.length - 1}) {
            PacketReader r = new PacketReader(new ByteArrayInputStream(Arrays.copyOf(wire, cut)));
            EOFException e = assertThrows(EOFException.class, r::read, "cut at " + cut);
            assertEquals("connection closed in the middle of a packet", e.getMessage());
        }
    }

    @Test
    void identificationAndFirstPacketShareOneRead() throws IOException {
        byte[] line = "banner line\r\nSSH-2.0-Peer_1.0\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] packets = wire("none", new int[] {1500, 4});
        byte[] all = Arrays.copyOf(line, line.length + packets.length);
        System.arraycopy(packets, 0, all, line.length, packets.length);
        ChoppedStream in = new ChoppedStream(all, Integer.MAX_VALUE);
        PacketReader r = new PacketReader(in);
        assertEquals("SSH-2.0-Peer_1.0", Identification.readPeerLine(r.input()));
        assertEquals(1, in.reads, "the line came from one read, not a read per byte");
        r.read();
        assertArrayEquals(payload(1500, 0), r.payloadCopy());
        r.read();
        assertArrayEquals(payload(4, 1), r.payloadCopy());
    }

    @Test
    void readerGivesUpALargeBufferOnceASmallPacketDrainsIt() throws IOException {
        // a KEXINIT-sized packet, then small ones: after the last, the buffer is back to the idle size
        PacketReader r = new PacketReader(new ChoppedStream(wire("none", new int[] {1500, 10, 10}), Integer.MAX_VALUE));
        r.read();
        assertTrue(r.bufferSize() >= 1500, "grown for the large packet: " + r.bufferSize());
        r.read();
        r.read();
        assertThrows(EOFException.class, r::read); // the next read starts after the last packet was consumed
        assertEquals(PacketReader.IDLE_BUFFER, r.bufferSize());
    }

    @Test
    void readerKeepsItsBufferBetweenLargePackets() throws IOException {
        // bulk: large packets one read each; the buffer is not reallocated for every packet
        byte[] wire = wire("none", new int[] {32_768, 32_768, 32_768, 10});
        PacketReader r = new PacketReader(new ChoppedStream(wire, 33_000));
        r.read();
        int grown = r.bufferSize();
        assertTrue(grown >= 32_768, "grown: " + grown);
        r.read();
        r.read();
        assertEquals(grown, r.bufferSize(), "still the same buffer between large packets");
        r.read();
        assertThrows(EOFException.class, r::read);
        assertEquals(PacketReader.IDLE_BUFFER, r.bufferSize());
    }

    @Test
    void writerHoldsNoBufferWhenIdleAfterSmallPackets() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PacketWriter w = new PacketWriter(out, new SecureRandom());
        assertEquals(0, w.bufferSize());
        w.write(payload(1200, 1));
        w.flush();
        assertTrue(w.bufferSize() >= 1200, "kept after a large packet (bulk): " + w.bufferSize());
        w.write(payload(40_000, 2));
        w.write(payload(20, 3));
        assertTrue(w.bufferSize() >= 40_000, "grown: " + w.bufferSize());
        w.flush();
        assertEquals(0, w.bufferSize(), "given up when idle after a small packet");
        assertEquals(0, w.padPoolSize(), "the padding pool too");
        // and what was written reads back
        PacketReader r = new PacketReader(new ByteArrayInputStream(out.toByteArray()));
        for (int[] p : List.of(new int[] {1200, 1}, new int[] {40_000, 2}, new int[] {20, 3})) {
            r.read();
            assertArrayEquals(payload(p[0], p[1]), r.payloadCopy());
        }
    }

    /** Large packets' padding comes from a pool; every packet's padding is still fresh random bytes. */
    @Test
    void paddingIsNeverReused() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PacketWriter w = new PacketWriter(out, new SecureRandom());
        int packets = 400; // several refills of the pool
        for (int i = 0; i < packets; i++) {
            w.write(payload(1000, 7)); // unencrypted: 4 + 1 + 1000 + padding, padded to 8
        }
        assertTrue(w.padPoolSize() > 0, "bulk packets use the pool");
        byte[] all = out.toByteArray();
        java.util.Set<String> paddings = new java.util.HashSet<>();
        for (int at = 0; at < all.length; ) {
            int length = java.nio.ByteBuffer.wrap(all, at, 4).getInt();
            int padding = all[at + 4] & 0xff;
            paddings.add(java.util.HexFormat.of().formatHex(all, at + 4 + length - padding, at + 4 + length));
            at += 4 + length;
        }
        assertEquals(packets, paddings.size(), "each packet's padding differs from every other's");
    }
}
