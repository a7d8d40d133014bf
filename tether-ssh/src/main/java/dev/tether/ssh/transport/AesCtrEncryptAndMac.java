package dev.tether.ssh.transport;

import dev.tether.ssh.common.SshException;

import javax.crypto.Cipher;

/**
 * AES-CTR (RFC 4344 §4) with a classic encrypt-and-MAC HMAC (RFC 4253 §6.4):
 *
 * <pre>
 *   wire = ENC(uint32 packet_length || byte padding_length || payload || padding)
 *          || MAC(key, uint32 seq || uint32 packet_length || ... || padding)
 * </pre>
 *
 * <p>The whole packet, length included, is encrypted and padded to a multiple of 16. The MAC is
 * over the <em>plaintext</em>, so the receiver must decrypt before it can verify:
 * {@link #decryptLength} decrypts the first block in place to learn the length, {@link #open}
 * decrypts the rest and then checks the MAC. A length that is not a whole number of blocks is
 * reported with reason MAC_ERROR, like a bad MAC.
 */
final class AesCtrEncryptAndMac implements PacketCipher {
    private final String name;
    private final boolean encrypt;
    private final Cipher cipher;
    private final Tags.PacketMac mac;
    private final byte[] scratch = AesCtr.newScratch();

    AesCtrEncryptAndMac(String cipherName, Hmac hmac, boolean encrypt, byte[] key, byte[] iv, byte[] macKey) {
        if (hmac.encryptThenMac()) {
            throw new IllegalArgumentException(hmac.name() + " is an encrypt-then-MAC algorithm");
        }
        this.name = cipherName + " " + hmac.name();
        this.encrypt = encrypt;
        this.cipher = AesCtr.stream(key, iv);
        this.mac = new Tags.PacketMac(hmac.newMac(macKey), hmac.length());
    }

    @Override
    public int blockSize() {
        return AesCtr.BLOCK_SIZE;
    }

    @Override
    public int tagLength() {
        return mac.length();
    }

    @Override
    public boolean lengthExcludedFromPadding() {
        return false;
    }

    /** The whole first cipher block, which holds the encrypted length. */
    @Override
    public int lengthPrefixSize() {
        return AesCtr.BLOCK_SIZE;
    }

    /** Decrypts the first block in place and returns the length field it starts with. */
    @Override
    public int decryptLength(int seq, byte[] buf, int off) {
        requireDirection(false);
        AesCtr.apply(cipher, scratch, buf, off, AesCtr.BLOCK_SIZE);
        return Tags.getInt(buf, off);
    }

    @Override
    public void open(int seq, byte[] buf, int off, int packetLength) throws SshException {
        requireDirection(false);
        Tags.checkBounds(buf, off, packetLength, mac.length());
        int total = 4 + packetLength;
        if (total < AesCtr.BLOCK_SIZE || total % AesCtr.BLOCK_SIZE != 0) {
            throw Tags.badLength();
        }
        AesCtr.apply(cipher, scratch, buf, off + AesCtr.BLOCK_SIZE, total - AesCtr.BLOCK_SIZE);
        mac.verify(seq, buf, off, total);
    }

    @Override
    public void seal(int seq, byte[] buf, int off, int packetLength) {
        requireDirection(true);
        Tags.checkBounds(buf, off, packetLength, mac.length());
        int total = 4 + packetLength;
        if (total < AesCtr.BLOCK_SIZE || total % AesCtr.BLOCK_SIZE != 0) {
            throw new IllegalArgumentException("packet of " + total + " bytes is not a whole number of "
                    + AesCtr.BLOCK_SIZE + "-byte blocks");
        }
        mac.sign(seq, buf, off, total);
        AesCtr.apply(cipher, scratch, buf, off, total);
    }

    private void requireDirection(boolean sending) {
        if (sending != encrypt) {
            throw new IllegalStateException(name + " was created for " + (encrypt ? "sending" : "receiving"));
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
