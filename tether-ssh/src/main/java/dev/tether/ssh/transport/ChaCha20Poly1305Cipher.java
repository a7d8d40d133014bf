package dev.tether.ssh.transport;

import dev.tether.ssh.common.SshException;

import java.util.Arrays;

/**
 * {@code chacha20-poly1305@openssh.com}, OpenSSH PROTOCOL.chacha20poly1305 (also
 * draft-ietf-sshm-chacha20-poly1305).
 *
 * <p>The 64 bytes of key material are K_2 (the first 32 bytes, for the payload) followed by K_1
 * (the last 32, for the length). The nonce of both ChaCha20 instances is the packet sequence
 * number as a 64-bit big-endian integer.
 *
 * <pre>
 *   wire = ChaCha20(K_1, seq, block 0) XOR uint32 packet_length
 *          || ChaCha20(K_2, seq, blocks 1..) XOR (padding_length || payload || padding)
 *          || Poly1305(key = first 32 bytes of ChaCha20(K_2, seq, block 0),
 *                      encrypted length || ciphertext)
 * </pre>
 *
 * <p>The length is excluded from the padding, which brings the encrypted part to a multiple of 8.
 * {@link #decryptLength} decrypts the length into a scratch array and leaves the buffer as
 * received, because the tag covers the encrypted length; {@link #open} verifies the tag first,
 * then decrypts the payload and writes the plaintext length into the length field.
 *
 * <p><b>Primitives.</b> ChaCha20 is a {@link ChaCha20Stream}: the JDK's {@code "ChaCha20"} cipher
 * (RFC 8439) on JDK 21 and later, our {@link ChaCha20} before (JDK 17's is slow). Both are the
 * IETF variant with a 32-bit block counter and a 96-bit nonce, while OpenSSH uses the original
 * layout with a 64-bit counter and 64-bit nonce. The two state layouts coincide when the IETF
 * nonce is {@code 00 00 00 00 || uint64 seq}: its first word sits where the high half of the
 * 64-bit counter would be, and that half is zero because an SSH packet (at most a few hundred
 * KiB) never needs 2^32 blocks. Poly1305 (the raw one-time MAC with a 32-byte key r || s, RFC 8439
 * §2.5) is a {@link Poly1305Mac}: the JDK's intrinsic engine where the runtime opens it to us
 * (JDK 21+, {@code --add-opens java.base/com.sun.crypto.provider}), else our own {@link Poly1305}
 * (2.5 to 3.3 times as fast as Bouncy Castle's). The JDK has no public Poly1305, and its AEAD
 * {@code ChaCha20-Poly1305} cipher computes a different construction (RFC 8439 §2.8: padded AAD
 * and ciphertext plus a lengths block), from which this MAC cannot be recovered. The received tag
 * is compared with {@link java.security.MessageDigest#isEqual}.
 *
 * <p>The K_2 instance is initialised once per packet at block 0; 64 bytes of zeros through it give
 * the Poly1305 key and leave the stream positioned at block 1 for the payload.
 */
final class ChaCha20Poly1305Cipher implements PacketCipher {
    static final int KEY_LENGTH = 64;
    static final int TAG_LENGTH = 16;
    private static final int BLOCK_SIZE = 8;
    private static final byte[] ZERO_BLOCK = new byte[64];

    private final boolean encrypt;
    private final ChaCha20Stream payloadCipher;
    private final ChaCha20Stream lengthCipher;
    private final Poly1305Mac poly = Poly1305Mac.create();
    private final byte[] polyKeyBlock = new byte[64];
    private final byte[] lengthBytes = new byte[4];
    private final byte[] computed = new byte[TAG_LENGTH];
    private final byte[] received = new byte[TAG_LENGTH];

    ChaCha20Poly1305Cipher(boolean encrypt, byte[] key) {
        if (key == null || key.length != KEY_LENGTH) {
            throw new IllegalArgumentException("chacha20-poly1305@openssh.com needs a " + KEY_LENGTH + "-byte key, got "
                    + (key == null ? "none" : key.length + " bytes"));
        }
        this.encrypt = encrypt;
        this.payloadCipher = ChaCha20Stream.create(key, 0, true);
        this.lengthCipher = ChaCha20Stream.create(key, 32, false);
    }

    @Override
    public int blockSize() {
        return BLOCK_SIZE;
    }

    @Override
    public int tagLength() {
        return TAG_LENGTH;
    }

    @Override
    public boolean lengthExcludedFromPadding() {
        return true;
    }

    @Override
    public int lengthPrefixSize() {
        return 4;
    }

    /** Decrypts the length with K_1 into scratch space; the buffer is left as received. */
    @Override
    public int decryptLength(int seq, byte[] buf, int off) {
        requireDirection(false);
        lengthCipher.start(seq);
        lengthCipher.xor(buf, off, 4, lengthBytes, 0);
        return Tags.getInt(lengthBytes, 0);
    }

    @Override
    public void open(int seq, byte[] buf, int off, int packetLength) throws SshException {
        requireDirection(false);
        Tags.checkOpen(buf, off, packetLength, TAG_LENGTH, BLOCK_SIZE);
        startPayload(seq);
        try {
            tag(polyKeyBlock, buf, off, 4 + packetLength, computed, 0);
        } finally {
            Arrays.fill(polyKeyBlock, (byte) 0);
        }
        Tags.verify(computed, received, buf, off + 4 + packetLength);
        payloadCipher.xor(buf, off + 4, packetLength, buf, off + 4);
        Tags.putInt(packetLength, buf, off);
    }

    @Override
    public void seal(int seq, byte[] buf, int off, int packetLength) {
        requireDirection(true);
        Tags.checkSeal(buf, off, packetLength, TAG_LENGTH, BLOCK_SIZE);
        lengthCipher.start(seq);
        lengthCipher.xor(buf, off, 4, buf, off);
        startPayload(seq);
        payloadCipher.xor(buf, off + 4, packetLength, buf, off + 4);
        try {
            tag(polyKeyBlock, buf, off, 4 + packetLength, buf, off + 4 + packetLength);
        } finally {
            Arrays.fill(polyKeyBlock, (byte) 0);
        }
    }

    /**
     * Poly1305 (RFC 8439 §2.5) keyed with {@code key[0, 32)} over {@code buf[off, off+len)}, the
     * 16-byte tag written to {@code out[outOff]}.
     */
    void tag(byte[] key, byte[] buf, int off, int len, byte[] out, int outOff) {
        poly.mac(key, buf, off, len, out, outOff);
    }

    /** K_2 at block 0: derive the Poly1305 key into {@link #polyKeyBlock}, leaving the stream at block 1. */
    private void startPayload(int seq) {
        payloadCipher.start(seq);
        payloadCipher.xor(ZERO_BLOCK, 0, ZERO_BLOCK.length, polyKeyBlock, 0);
    }

    private void requireDirection(boolean sending) {
        if (sending != encrypt) {
            throw new IllegalStateException("chacha20-poly1305@openssh.com was created for "
                    + (encrypt ? "sending" : "receiving"));
        }
    }

    @Override
    public String toString() {
        return "chacha20-poly1305@openssh.com";
    }
}
