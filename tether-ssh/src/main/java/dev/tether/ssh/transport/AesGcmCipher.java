package dev.tether.ssh.transport;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;

import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@code aes128-gcm@openssh.com} and {@code aes256-gcm@openssh.com}: AES-GCM as in RFC 5647, with
 * the changes of OpenSSH PROTOCOL §1.6.
 *
 * <pre>
 *   wire = uint32 packet_length                                   (clear, the AAD)
 *          || GCM-ENC(byte padding_length || payload || padding)
 *          || 16-byte tag
 * </pre>
 *
 * <ul>
 *   <li>The 12-byte nonce is a 4-byte fixed field followed by an 8-byte big-endian invocation
 *       counter, both taken from the derived IV; the counter is incremented (mod 2^64, the fixed
 *       field untouched) after every packet (RFC 5647 §7.1). It is independent of the sequence
 *       number.</li>
 *   <li>The length field is sent in clear as the additional authenticated data and is excluded
 *       from the padding; the encrypted part is a multiple of 16 (RFC 5647 §7.2, §7.3).</li>
 *   <li>The negotiated MAC is ignored (PROTOCOL §1.6; RFC 5647 §5.1 instead ties MAC and cipher
 *       names together).</li>
 * </ul>
 *
 * <p>One JCA {@code AES/GCM/NoPadding} instance per direction is re-initialised for each packet
 * with the next nonce. The SunJCE provider refuses to re-initialise an encrypting GCM cipher with
 * the key and nonce it used last; that cannot happen here because the counter moves on every
 * packet (a wrap of the 64-bit counter would need 2^64 packets, far beyond any rekey limit).
 * {@link GCMParameterSpec} copies the nonce it is given, so the single nonce array is reused
 * safely. The tag is checked by the provider (in constant time in SunJCE) as part of
 * {@code doFinal}, which releases no plaintext when it fails; an {@link AEADBadTagException} is
 * reported as MAC_ERROR.
 */
final class AesGcmCipher implements PacketCipher {
    static final int NONCE_LENGTH = 12;
    static final int TAG_LENGTH = 16;
    private static final int BLOCK_SIZE = 16;

    private final String name;
    private final boolean encrypt;
    private final Cipher cipher;
    private final SecretKeySpec key;
    private final byte[] nonce;

    AesGcmCipher(String name, boolean encrypt, byte[] key, byte[] iv) {
        if (key == null || (key.length != 16 && key.length != 32)) {
            throw new IllegalArgumentException(name + " needs a 16 or 32-byte key");
        }
        if (iv == null || iv.length != NONCE_LENGTH) {
            throw new IllegalArgumentException(name + " needs a " + NONCE_LENGTH + "-byte IV, got "
                    + (iv == null ? "none" : iv.length + " bytes"));
        }
        this.name = name;
        this.encrypt = encrypt;
        this.key = new SecretKeySpec(key, "AES");
        this.nonce = iv.clone();
        try {
            this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM/NoPadding unavailable in this JRE", e);
        }
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

    /** The length is in clear; nothing is decrypted. */
    @Override
    public int decryptLength(int seq, byte[] buf, int off) {
        requireDirection(false);
        return Tags.getInt(buf, off);
    }

    @Override
    public void open(int seq, byte[] buf, int off, int packetLength) throws SshException {
        requireDirection(false);
        Tags.checkOpen(buf, off, packetLength, TAG_LENGTH, BLOCK_SIZE);
        try {
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_LENGTH * 8, nonce));
            cipher.updateAAD(buf, off, 4);
            int n = cipher.doFinal(buf, off + 4, packetLength + TAG_LENGTH, buf, off + 4);
            if (n != packetLength) {
                throw new IllegalStateException("GCM produced " + n + " of " + packetLength + " bytes");
            }
        } catch (AEADBadTagException e) {
            throw new SshException(DisconnectReason.MAC_ERROR, "message authentication failed");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed", e);
        } finally {
            incrementCounter();
        }
    }

    @Override
    public void seal(int seq, byte[] buf, int off, int packetLength) {
        requireDirection(true);
        Tags.checkSeal(buf, off, packetLength, TAG_LENGTH, BLOCK_SIZE);
        try {
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_LENGTH * 8, nonce));
            cipher.updateAAD(buf, off, 4);
            int n = cipher.doFinal(buf, off + 4, packetLength, buf, off + 4);
            if (n != packetLength + TAG_LENGTH) {
                throw new IllegalStateException("GCM produced " + n + " of " + (packetLength + TAG_LENGTH) + " bytes");
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
        incrementCounter();
    }

    /** Adds one to the 64-bit big-endian invocation counter in nonce[4..12), RFC 5647 §7.1. */
    private void incrementCounter() {
        for (int i = NONCE_LENGTH - 1; i >= 4; i--) {
            if (++nonce[i] != 0) {
                return;
            }
        }
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
