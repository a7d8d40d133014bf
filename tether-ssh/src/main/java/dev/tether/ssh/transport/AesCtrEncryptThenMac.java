package dev.tether.ssh.transport;

import dev.tether.ssh.common.SshException;

import javax.crypto.Cipher;

/**
 * AES-CTR (RFC 4344 §4) with an encrypt-then-MAC HMAC, OpenSSH PROTOCOL §1.5
 * ({@code hmac-*-etm@openssh.com}):
 *
 * <pre>
 *   wire = uint32 packet_length
 *          || ENC(byte padding_length || payload || padding)
 *          || MAC(key, uint32 seq || uint32 packet_length || ciphertext)
 * </pre>
 *
 * <p>The length goes in clear and is excluded from the padding computation (the encrypted part
 * alone is a multiple of 16). The MAC covers the length and the ciphertext, so {@link #open}
 * verifies it before anything is decrypted. A length that is not a whole number of blocks is
 * reported with reason MAC_ERROR, as OpenSSH does.
 */
final class AesCtrEncryptThenMac implements PacketCipher {
    private final String name;
    private final boolean encrypt;
    private final Cipher cipher;
    private final Tags.PacketMac mac;
    private final byte[] scratch = AesCtr.newScratch();

    AesCtrEncryptThenMac(String cipherName, Hmac hmac, boolean encrypt, byte[] key, byte[] iv, byte[] macKey) {
        if (!hmac.encryptThenMac()) {
            throw new IllegalArgumentException(hmac.name() + " is not an encrypt-then-MAC algorithm");
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
        return true;
    }

    @Override
    public int lengthPrefixSize() {
        return 4;
    }

    /** The length is in clear; nothing is decrypted. */
    @Override
    public int decryptLength(int seq, byte[] buf, int off) {
        requireDirection(false);
        return Tags.getInt(buf, off);
    }

    @Override
    public void open(int seq, byte[] buf, int off, int packetLength) throws SshException {
        requireDirection(false);
        Tags.checkOpen(buf, off, packetLength, mac.length(), AesCtr.BLOCK_SIZE);
        mac.verify(seq, buf, off, 4 + packetLength);
        AesCtr.apply(cipher, scratch, buf, off + 4, packetLength);
    }

    @Override
    public void seal(int seq, byte[] buf, int off, int packetLength) {
        requireDirection(true);
        Tags.checkSeal(buf, off, packetLength, mac.length(), AesCtr.BLOCK_SIZE);
        AesCtr.apply(cipher, scratch, buf, off + 4, packetLength);
        mac.sign(seq, buf, off, 4 + packetLength);
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
