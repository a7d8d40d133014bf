package dev.tether.ssh.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.transport.CipherTestSupport.Combo;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Behaviour of every cipher/MAC combination against the {@link PacketCipher} contract. */
class PacketCipherRoundTripTest {
    private static final int[] PAYLOAD_SIZES = {0, 1, 7, 8, 15, 16, 17, 31, 100, 255, 1000, 4096, 32768, 35000};
    private static final Set<String> SAFE_MESSAGES = Set.of("message authentication failed", "bad packet length");

    static Stream<Combo> combos() {
        return CipherTestSupport.combos().stream();
    }

    static Stream<Combo> gcmCombos() {
        return combos().filter(c -> c.cipher().contains("gcm"));
    }

    /** Seals {@code packet} at {@code off} in a buffer with {@code slack} random bytes after the tag. */
    private static byte[] sealInto(PacketCipher sender, int seq, byte[] packet, int off, int slack, Random rnd) {
        byte[] buf = new byte[off + packet.length + sender.tagLength() + slack];
        rnd.nextBytes(buf);
        System.arraycopy(packet, 0, buf, off, packet.length);
        sender.seal(seq, buf, off, packet.length - 4);
        return buf;
    }

    /**
     * Receives a wire packet the way the transport does: first only the length prefix, then the
     * rest, into a buffer at {@code off}. Returns the buffer after open.
     */
    private static byte[] receive(PacketCipher receiver, int seq, byte[] wire, int wireOff, int off) throws SshException {
        int prefix = receiver.lengthPrefixSize();
        byte[] buf = new byte[off + wire.length - wireOff];
        System.arraycopy(wire, wireOff, buf, off, prefix);
        int len = receiver.decryptLength(seq, buf, off);
        System.arraycopy(wire, wireOff + prefix, buf, off + prefix, 4 + len + receiver.tagLength() - prefix);
        receiver.open(seq, buf, off, len);
        return buf;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("combos")
    void sealThenOpenAcrossTheSequenceWrapAndManySizes(Combo combo) throws Exception {
        PacketCipher sender = CipherTestSupport.create(combo, true);
        PacketCipher receiver = CipherTestSupport.create(combo, false);
        Random rnd = new Random(combo.hashCode());
        int seq = 0xffffffff - 20;
        int packets = 0;
        for (int round = 0; round < 3; round++) {
            for (int size : PAYLOAD_SIZES) {
                byte[] payload = new byte[size];
                rnd.nextBytes(payload);
                int extraBlocks = rnd.nextInt(4);
                byte[] packet = CipherTestSupport.packet(payload, sender.blockSize(), sender.lengthExcludedFromPadding(),
                        extraBlocks, rnd);
                int off = rnd.nextInt(9);
                byte[] wire = sealInto(sender, seq, packet, off, 0, rnd);
                byte[] body = Arrays.copyOfRange(wire, off + 4, off + packet.length);
                assertFalse(Arrays.equals(Arrays.copyOfRange(packet, 4, packet.length), body), "body is encrypted");

                int rOff = rnd.nextInt(9);
                byte[] got = receive(receiver, seq, wire, off, rOff);
                assertArrayEquals(packet, Arrays.copyOfRange(got, rOff, rOff + packet.length),
                        combo + " packet " + packets + " (payload " + size + ", seq " + Integer.toUnsignedString(seq) + ")");
                seq++;
                packets++;
            }
        }
        assertTrue(Integer.compareUnsigned(seq, 20) > 0 && seq > 0, "the sequence number wrapped through 0");
    }

    /**
     * Flipping any single bit of a sealed packet (length, body or tag) must never open: it fails with
     * MAC_ERROR, or the revealed length is one the transport rejects before reading further.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("combos")
    void everySingleBitFlipIsRejected(Combo combo) {
        PacketCipher sender = CipherTestSupport.create(combo, true);
        Random rnd = new Random(1);
        byte[] payload = new byte[20];
        rnd.nextBytes(payload);
        byte[] packet = CipherTestSupport.packet(payload, sender);
        int seq = 0x01020304;
        // Room for any length up to 2^15 past the real one, so that only flips of the top 16
        // length bits can produce a length the buffer (like the transport) cannot take.
        int slack = 40000;
        byte[] wire = sealInto(sender, seq, packet, 0, slack, rnd);
        int wireLength = packet.length + sender.tagLength();
        int macErrors = 0;
        int badLengths = 0;
        for (int bit = 0; bit < wireLength * 8; bit++) {
            byte[] buf = wire.clone();
            buf[bit / 8] ^= (byte) (1 << (bit % 8));
            PacketCipher receiver = CipherTestSupport.create(combo, false);
            int len;
            try {
                len = receiver.decryptLength(seq, buf, 0);
            } catch (SshException e) {
                fail("decryptLength does not authenticate: " + e);
                return;
            }
            if (len < 0 || 4L + len + receiver.tagLength() > buf.length) {
                // The transport's length check rejects this before reading the rest.
                assertTrue(bit < 8 * receiver.lengthPrefixSize(), combo + ": bit " + bit + " changed the length to " + len);
                badLengths++;
                continue;
            }
            try {
                receiver.open(seq, buf, 0, len);
                fail(combo + ": packet with bit " + bit + " flipped was accepted");
            } catch (SshException e) {
                assertEquals(DisconnectReason.MAC_ERROR, e.reason(), combo + ": bit " + bit);
                assertTrue(SAFE_MESSAGES.contains(e.getMessage()), "message: " + e.getMessage());
                macErrors++;
            }
        }
        assertEquals(wireLength * 8, macErrors + badLengths);
        // Only the top 16 bits of the length field can push it past the buffer.
        assertTrue(badLengths <= 16, combo + ": " + badLengths + " bad lengths");
        assertTrue(macErrors >= (wireLength - 4) * 8, combo + ": " + macErrors + " MAC errors");
    }

    /** Seal, decryptLength and open write only the documented regions of the buffer. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("combos")
    void onlyTheDocumentedRegionIsTouched(Combo combo) throws Exception {
        PacketCipher sender = CipherTestSupport.create(combo, true);
        PacketCipher receiver = CipherTestSupport.create(combo, false);
        Random rnd = new Random(7);
        byte[] payload = new byte[50];
        rnd.nextBytes(payload);
        byte[] packet = CipherTestSupport.packet(payload, sender);
        int packetLength = packet.length - 4;
        int off = 11;
        int end = off + packet.length + sender.tagLength();
        byte[] buf = new byte[end + 13];
        rnd.nextBytes(buf);
        System.arraycopy(packet, 0, buf, off, packet.length);
        byte[] before = buf.clone();

        sender.seal(5, buf, off, packetLength);
        assertArrayEquals(Arrays.copyOf(before, off), Arrays.copyOf(buf, off), "seal left the bytes before the packet");
        assertArrayEquals(Arrays.copyOfRange(before, end, buf.length), Arrays.copyOfRange(buf, end, buf.length),
                "seal left the bytes after the tag");
        if (sender.lengthExcludedFromPadding() && !(sender instanceof ChaCha20Poly1305Cipher)) {
            assertArrayEquals(Arrays.copyOfRange(before, off, off + 4), Arrays.copyOfRange(buf, off, off + 4),
                    "the length is sent in clear");
        } else {
            assertFalse(Arrays.equals(Arrays.copyOfRange(before, off, off + 4), Arrays.copyOfRange(buf, off, off + 4)),
                    "the length is encrypted");
        }

        byte[] sealed = buf.clone();
        int len = receiver.decryptLength(5, buf, off);
        assertEquals(packetLength, len);
        int prefix = receiver.lengthPrefixSize();
        if (combo.encryptAndMac()) {
            assertEquals(16, prefix);
            assertArrayEquals(Arrays.copyOf(packet, 16), Arrays.copyOfRange(buf, off, off + 16),
                    "encrypt-and-MAC decrypts the first block in place");
            assertArrayEquals(Arrays.copyOfRange(sealed, off + 16, buf.length), Arrays.copyOfRange(buf, off + 16, buf.length));
            assertArrayEquals(Arrays.copyOf(sealed, off), Arrays.copyOf(buf, off));
        } else {
            assertEquals(4, prefix);
            assertArrayEquals(sealed, buf, "decryptLength leaves the buffer as received");
        }

        receiver.open(5, buf, off, len);
        assertArrayEquals(packet, Arrays.copyOfRange(buf, off, off + packet.length), "plaintext, length field included");
        assertArrayEquals(Arrays.copyOf(before, off), Arrays.copyOf(buf, off), "open left the bytes before the packet");
        assertArrayEquals(Arrays.copyOfRange(sealed, off + packet.length, buf.length),
                Arrays.copyOfRange(buf, off + packet.length, buf.length), "open left the tag and what follows");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("combos")
    void reportsItsFraming(Combo combo) {
        PacketCipher c = CipherTestSupport.create(combo, true);
        boolean aead = combo.mac() == null;
        boolean chacha = combo.cipher().startsWith("chacha20");
        assertEquals(chacha ? 8 : 16, c.blockSize());
        int expectedTag = aead ? 16 : combo.mac().contains("sha2-512") ? 64 : combo.mac().contains("sha2-256") ? 32 : 20;
        assertEquals(expectedTag, c.tagLength());
        assertEquals(!combo.encryptAndMac(), c.lengthExcludedFromPadding());
        assertEquals(combo.encryptAndMac() ? 16 : 4, c.lengthPrefixSize());
        assertTrue(c.toString().contains(combo.cipher()), c.toString());
    }

    /**
     * Receives {@code wire} and reports whether it was rejected: MAC_ERROR from open, or a revealed
     * length that the transport's length check would refuse.
     */
    private static boolean rejected(PacketCipher receiver, int seq, byte[] wire) {
        byte[] buf = wire.clone();
        try {
            int len = receiver.decryptLength(seq, buf, 0);
            if (len < 0 || 4L + len + receiver.tagLength() > buf.length) {
                return true;
            }
            receiver.open(seq, buf, 0, len);
            return false;
        } catch (SshException e) {
            assertEquals(DisconnectReason.MAC_ERROR, e.reason());
            return true;
        }
    }

    /** The sequence number is authenticated by the CTR MACs and by chacha20-poly1305. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("combos")
    void theWrongSequenceNumberIsRejected(Combo combo) {
        PacketCipher sender = CipherTestSupport.create(combo, true);
        byte[] p1 = CipherTestSupport.packet(new byte[30], sender);
        byte[] w1 = sealInto(sender, 100, p1, 0, 0, new Random(3));
        assertFalse(rejected(CipherTestSupport.create(combo, false), 100, w1), "the right sequence number opens");
        if (combo.cipher().contains("gcm")) {
            // RFC 5647 §7.1: the GCM nonce comes from the invocation counter, not the sequence number.
            assertFalse(rejected(CipherTestSupport.create(combo, false), 101, w1));
        } else {
            assertTrue(rejected(CipherTestSupport.create(combo, false), 101, w1));
            assertTrue(rejected(CipherTestSupport.create(combo, false), 100 + (1 << 24), w1));
        }
    }

    /** AES-GCM binds each packet to its invocation counter: a skipped or replayed packet fails. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("gcmCombos")
    void gcmPacketsOpenOnlyInOrder(Combo combo) {
        PacketCipher sender = CipherTestSupport.create(combo, true);
        Random rnd = new Random(4);
        byte[] w1 = sealInto(sender, 0, CipherTestSupport.packet(new byte[30], sender), 0, 0, rnd);
        byte[] w2 = sealInto(sender, 1, CipherTestSupport.packet(new byte[30], sender), 0, 0, rnd);
        assertTrue(rejected(CipherTestSupport.create(combo, false), 1, w2), "skipping the first packet");
        PacketCipher receiver = CipherTestSupport.create(combo, false);
        assertFalse(rejected(receiver, 0, w1));
        assertTrue(rejected(receiver, 1, w1), "replaying the first packet");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("combos")
    void eachInstanceServesOneDirection(Combo combo) {
        PacketCipher sender = CipherTestSupport.create(combo, true);
        PacketCipher receiver = CipherTestSupport.create(combo, false);
        byte[] packet = CipherTestSupport.packet(new byte[10], sender);
        byte[] buf = Arrays.copyOf(packet, packet.length + sender.tagLength());
        assertThrows(IllegalStateException.class, () -> receiver.seal(0, buf, 0, packet.length - 4));
        assertThrows(IllegalStateException.class, () -> sender.decryptLength(0, buf, 0));
        assertThrows(IllegalStateException.class, () -> sender.open(0, buf, 0, packet.length - 4));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("combos")
    void sealRejectsMisalignedOrOversizedPackets(Combo combo) {
        PacketCipher sender = CipherTestSupport.create(combo, true);
        byte[] buf = new byte[200];
        assertThrows(IllegalArgumentException.class, () -> sender.seal(0, buf, 0, 37), "misaligned");
        int aligned = sender.lengthExcludedFromPadding() ? 64 : 60;
        assertThrows(IllegalArgumentException.class, () -> sender.seal(0, buf, 200 - aligned - 4, aligned), "no room for the tag");
    }

    /** A length that is in range but not a whole number of blocks is reported as MAC_ERROR. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("combos")
    void openReportsAMisalignedLengthAsMacError(Combo combo) {
        PacketCipher sender = CipherTestSupport.create(combo, true);
        byte[] packet = CipherTestSupport.packet(new byte[40], sender);
        byte[] wire = sealInto(sender, 9, packet, 0, 32, new Random(5));
        PacketCipher receiver = CipherTestSupport.create(combo, false);
        byte[] buf = wire.clone();
        try {
            receiver.decryptLength(9, buf, 0);
        } catch (SshException e) {
            fail(e);
        }
        SshException e = assertThrows(SshException.class, () -> receiver.open(9, buf, 0, packet.length - 4 + 1));
        assertEquals(DisconnectReason.MAC_ERROR, e.reason());
        assertEquals("bad packet length", e.getMessage());
    }
}
