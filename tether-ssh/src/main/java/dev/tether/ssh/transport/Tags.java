package dev.tether.ssh.transport;

import dev.tether.ssh.DisconnectReason;
import dev.tether.ssh.SshException;

import java.security.MessageDigest;

/**
 * Helpers shared by the packet ciphers: the constant-time tag check (RFC 4253 §6.4 requires the
 * receiver to verify the MAC; comparing in constant time keeps the comparison from leaking how
 * many leading bytes matched), the uint32 codec of the length field and sequence number
 * (RFC 4251 §5), and the argument checks of the {@link PacketCipher} contract.
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

    static int getInt(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }

    static void putInt(int v, byte[] b, int off) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }
}
