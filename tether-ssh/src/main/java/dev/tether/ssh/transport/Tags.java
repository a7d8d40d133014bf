package dev.tether.ssh.transport;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;

import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;

/**
 * Helpers shared by the packet ciphers: the constant-time tag check (RFC 4253 §6.4 requires the
 * receiver to verify the MAC; comparing in constant time keeps the comparison from leaking how
 * many leading bytes matched), the HMAC over sequence number and packet of the AES-CTR ciphers
 * ({@link PacketMac}), the uint32 codec of the length field and sequence number (RFC 4251 §5),
 * and the argument checks of the {@link PacketCipher} contract.
 */
final class Tags {
    private Tags() {
    }

    /**
     * Compares {@code computed} with the {@code computed.length} bytes at {@code buf[tagOff]} in
     * constant time, using {@code scratch} (same length as {@code computed}) to hold the received
     * bytes.
     *
     * @throws SshException with reason MAC_ERROR when they differ
     */
    static void verify(byte[] computed, byte[] scratch, byte[] buf, int tagOff) throws SshException {
        System.arraycopy(buf, tagOff, scratch, 0, scratch.length);
        if (!MessageDigest.isEqual(computed, scratch)) {
            throw new SshException(DisconnectReason.MAC_ERROR, "message authentication failed");
        }
    }

    /**
     * The failure for a packet length that is not a multiple of the block size. It carries reason
     * MAC_ERROR, not PROTOCOL_ERROR, as OpenSSH does, so that a corrupted length cannot be told
     * apart from a corrupted tag; the message does not carry the (possibly decrypted) value.
     */
    static SshException badLength() {
        return new SshException(DisconnectReason.MAC_ERROR, "bad packet length");
    }

    /** Checks that {@code buf[off ..)} can hold a packet of {@code packetLength} plus its tag. */
    static void checkBounds(byte[] buf, int off, int packetLength, int tagLength) {
        if (off < 0 || packetLength < 0 || (long) off + 4 + packetLength + tagLength > buf.length) {
            throw new IllegalArgumentException("buffer of " + buf.length + " bytes cannot hold a packet of "
                    + packetLength + " bytes plus a " + tagLength + "-byte tag at offset " + off);
        }
    }

    /**
     * The checks {@link PacketCipher#open} makes first in a cipher whose length field is sent apart
     * from the encrypted body (EtM, AES-GCM, chacha20-poly1305): {@link #checkBounds}, then that the
     * body of {@code packetLength} bytes is a positive whole number of blocks, else
     * {@link #badLength()}.
     */
    static void checkOpen(byte[] buf, int off, int packetLength, int tagLength, int blockSize) throws SshException {
        checkBounds(buf, off, packetLength, tagLength);
        if (packetLength < blockSize || packetLength % blockSize != 0) {
            throw badLength();
        }
    }

    /**
     * The same checks for {@link PacketCipher#seal}, where a misaligned body is the caller's error
     * and fails with {@link IllegalArgumentException}.
     */
    static void checkSeal(byte[] buf, int off, int packetLength, int tagLength, int blockSize) {
        checkBounds(buf, off, packetLength, tagLength);
        if (packetLength < blockSize || packetLength % blockSize != 0) {
            throw new IllegalArgumentException("packet body of " + packetLength + " bytes is not a whole number of "
                    + blockSize + "-byte blocks");
        }
    }

    static int getInt(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }

    static void putInt(int v, byte[] b, int off) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    /**
     * An HMAC over {@code uint32 seq || bytes}, as the SSH MACs are computed (RFC 4253 §6.4; for
     * EtM the bytes are the length field and the ciphertext, OpenSSH PROTOCOL §1.5), with the
     * tag following the bytes it covers. The arrays it works in are allocated once, so MACing or
     * verifying a packet allocates nothing.
     */
    static final class PacketMac {
        private final Mac mac;
        private final byte[] seqBytes = new byte[4];
        private final byte[] computed;
        private final byte[] received;

        /** {@code mac} keyed, with output of {@code length} bytes. */
        PacketMac(Mac mac, int length) {
            this.mac = mac;
            this.computed = new byte[length];
            this.received = new byte[length];
        }

        /** Bytes of tag. */
        int length() {
            return computed.length;
        }

        /** Writes the tag of {@code seq || buf[off, off+len)} to {@code buf[off+len]}. */
        void sign(int seq, byte[] buf, int off, int len) {
            compute(seq, buf, off, len, buf, off + len);
        }

        /**
         * Checks the tag at {@code buf[off+len]} against that of {@code seq || buf[off, off+len)},
         * in constant time ({@link Tags#verify}).
         *
         * @throws SshException with reason MAC_ERROR when they differ
         */
        void verify(int seq, byte[] buf, int off, int len) throws SshException {
            compute(seq, buf, off, len, computed, 0);
            Tags.verify(computed, received, buf, off + len);
        }

        private void compute(int seq, byte[] buf, int off, int len, byte[] out, int outOff) {
            putInt(seq, seqBytes, 0);
            mac.update(seqBytes, 0, 4);
            mac.update(buf, off, len);
            try {
                mac.doFinal(out, outOff);
            } catch (ShortBufferException e) {
                throw new IllegalArgumentException("no room for the MAC", e);
            }
        }
    }
}
