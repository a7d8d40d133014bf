package dev.tether.ssh.transport;

import dev.tether.ssh.common.SshException;

/**
 * The protection of one direction of a connection: encryption plus integrity, RFC 4253 §6.
 *
 * <p>A packet on the wire is {@code uint32 packet_length || byte padding_length || payload ||
 * padding || tag}. Implementations differ in how the length field is protected:
 * <ul>
 *   <li>CTR with an encrypt-and-MAC MAC: the length is encrypted with the first block, and the
 *       MAC covers {@code seq || plaintext packet}.</li>
 *   <li>CTR with an EtM MAC (OpenSSH PROTOCOL §1.5), AES-GCM (RFC 5647 as amended by PROTOCOL
 *       §1.6): the length is sent in clear and authenticated.</li>
 *   <li>chacha20-poly1305@openssh.com: the length is encrypted with its own key.</li>
 * </ul>
 *
 * <p>All work is done in place in the caller's buffer so that the packet layer copies each
 * payload at most once. An instance is used by one direction only, under that direction's lock;
 * it is not thread-safe.
 */
public interface PacketCipher {

    /** The multiple that the padded packet must reach; at least 8 (RFC 4253 §6). */
    int blockSize();

    /** Bytes of MAC or AEAD tag that follow each packet on the wire. */
    int tagLength();

    /**
     * True if the padded length excludes the 4-byte length field: EtM, AES-GCM and
     * chacha20-poly1305, where the length field is not part of the encrypted body.
     */
    boolean lengthExcludedFromPadding();

    /** How many bytes must be read from the wire before {@link #decryptLength} can run. */
    int lengthPrefixSize();

    /**
     * Reveals {@code packet_length} from the first {@link #lengthPrefixSize()} bytes at
     * {@code buf[off]}. May decrypt those bytes in place (CTR encrypt-and-MAC decrypts the first
     * block). The caller validates the returned length before reading further.
     */
    int decryptLength(int seq, byte[] buf, int off) throws SshException;

    /**
     * Authenticates and decrypts a whole packet in place. On entry {@code buf[off..)} holds
     * {@code 4 + packetLength + tagLength()} bytes as received, except that the first
     * {@link #lengthPrefixSize()} bytes were already passed to {@link #decryptLength}. On return
     * {@code buf[off+4 .. off+4+packetLength)} holds {@code padding_length || payload || padding}.
     * The tag is compared in constant time.
     *
     * @throws SshException with reason MAC_ERROR when the tag does not verify
     */
    void open(int seq, byte[] buf, int off, int packetLength) throws SshException;

    /**
     * Encrypts a packet in place. On entry {@code buf[off .. off+4+packetLength)} holds the
     * plaintext packet including its length field; on return it holds the wire form, followed by
     * {@link #tagLength()} bytes of tag. The caller ensures the buffer has room for the tag.
     */
    void seal(int seq, byte[] buf, int off, int packetLength);

    /** The identity cipher used before the first NEWKEYS. */
    PacketCipher NONE = new PacketCipher() {
        @Override
        public int blockSize() {
            return 8;
        }

        @Override
        public int tagLength() {
            return 0;
        }

        @Override
        public boolean lengthExcludedFromPadding() {
            return false;
        }

        @Override
        public int lengthPrefixSize() {
            return 4;
        }

        @Override
        public int decryptLength(int seq, byte[] buf, int off) {
            return ((buf[off] & 0xff) << 24) | ((buf[off + 1] & 0xff) << 16) | ((buf[off + 2] & 0xff) << 8) | (buf[off + 3] & 0xff);
        }

        @Override
        public void open(int seq, byte[] buf, int off, int packetLength) {
        }

        @Override
        public void seal(int seq, byte[] buf, int off, int packetLength) {
        }

        @Override
        public String toString() {
            return "none";
        }
    };
}
