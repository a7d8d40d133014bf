package dev.tether.ssh.keys;

import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.ChaCha20ParameterSpec;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The ciphers that can protect the private section of an {@code openssh-key-v1} file, as
 * OpenSSH's cipher table defines them for key files: key and IV lengths (both taken from the
 * bcrypt_pbkdf output, key first), the block size the plaintext is padded to, and the length of
 * the authentication tag that follows the encrypted section of an AEAD cipher.
 *
 * <p>{@code chacha20-poly1305@openssh.com} is used as on the wire with sequence number 0 and no
 * additional data: the first 32 bytes of the 64-byte key are the main ChaCha20 key (the second
 * half, the length key, is unused), the Poly1305 key is the keystream block at counter 0, the
 * data is encrypted from counter 1, and the tag is Poly1305 over the ciphertext. The JDK has
 * ChaCha20 but no stand-alone Poly1305, which comes from Bouncy Castle.
 */
enum KeyCipher {
    NONE("none", 0, 0, 8, 0, null),
    AES128_CTR("aes128-ctr", 16, 16, 16, 0, "AES/CTR/NoPadding"),
    AES192_CTR("aes192-ctr", 24, 16, 16, 0, "AES/CTR/NoPadding"),
    AES256_CTR("aes256-ctr", 32, 16, 16, 0, "AES/CTR/NoPadding"),
    AES128_CBC("aes128-cbc", 16, 16, 16, 0, "AES/CBC/NoPadding"),
    AES192_CBC("aes192-cbc", 24, 16, 16, 0, "AES/CBC/NoPadding"),
    AES256_CBC("aes256-cbc", 32, 16, 16, 0, "AES/CBC/NoPadding"),
    AES128_GCM("aes128-gcm@openssh.com", 16, 12, 16, 16, "AES/GCM/NoPadding"),
    AES256_GCM("aes256-gcm@openssh.com", 32, 12, 16, 16, "AES/GCM/NoPadding"),
    CHACHA20_POLY1305("chacha20-poly1305@openssh.com", 64, 0, 8, 16, "ChaCha20");

    final String sshName;
    final int keyLength;
    final int ivLength;
    final int blockSize;
    final int tagLength;
    private final String transformation;

    KeyCipher(String sshName, int keyLength, int ivLength, int blockSize, int tagLength, String transformation) {
        this.sshName = sshName;
        this.keyLength = keyLength;
        this.ivLength = ivLength;
        this.blockSize = blockSize;
        this.tagLength = tagLength;
        this.transformation = transformation;
    }

    static KeyCipher byName(String name) {
        for (KeyCipher c : values()) {
            if (c.sshName.equals(name)) {
                return c;
            }
        }
        return null;
    }

    /**
     * Decrypts {@code ciphertext} (a multiple of the block size) and checks {@code tag} for an
     * AEAD cipher; {@code keyAndIv} holds {@code keyLength + ivLength} bytes.
     *
     * @throws AEADBadTagException if the tag does not verify
     */
    byte[] decrypt(byte[] keyAndIv, byte[] ciphertext, byte[] tag) throws GeneralSecurityException {
        if (this == CHACHA20_POLY1305) {
            byte[] polyKey = chachaKeystream(keyAndIv, 0, new byte[32]);
            byte[] expected = new byte[16];
            try {
                Poly1305 mac = new Poly1305();
                mac.init(new KeyParameter(polyKey));
                mac.update(ciphertext, 0, ciphertext.length);
                mac.doFinal(expected, 0);
                if (!MessageDigest.isEqual(expected, tag)) {
                    throw new AEADBadTagException("poly1305 tag mismatch");
                }
            } finally {
                Arrays.fill(polyKey, (byte) 0);
            }
            return chachaKeystream(keyAndIv, 1, ciphertext);
        }
        Cipher c = init(Cipher.DECRYPT_MODE, keyAndIv);
        if (tagLength == 0) {
            return c.doFinal(ciphertext);
        }
        c.update(ciphertext);
        return c.doFinal(tag);
    }

    /** Encrypts {@code plaintext} (a multiple of the block size); AEAD ciphers append the tag. */
    byte[] encrypt(byte[] keyAndIv, byte[] plaintext) throws GeneralSecurityException {
        if (this == CHACHA20_POLY1305) {
            byte[] ct = chachaKeystream(keyAndIv, 1, plaintext);
            byte[] polyKey = chachaKeystream(keyAndIv, 0, new byte[32]);
            try {
                Poly1305 mac = new Poly1305();
                mac.init(new KeyParameter(polyKey));
                mac.update(ct, 0, ct.length);
                byte[] out = Arrays.copyOf(ct, ct.length + 16);
                mac.doFinal(out, ct.length);
                return out;
            } finally {
                Arrays.fill(polyKey, (byte) 0);
            }
        }
        return init(Cipher.ENCRYPT_MODE, keyAndIv).doFinal(plaintext);
    }

    private Cipher init(int mode, byte[] keyAndIv) throws GeneralSecurityException {
        if (this == NONE) {
            throw new IllegalStateException("cipher none does not encrypt");
        }
        Cipher c = Cipher.getInstance(transformation);
        SecretKeySpec key = new SecretKeySpec(keyAndIv, 0, keyLength, "AES");
        if (tagLength > 0) {
            c.init(mode, key, new GCMParameterSpec(8 * tagLength, keyAndIv, keyLength, ivLength));
        } else {
            c.init(mode, key, new IvParameterSpec(keyAndIv, keyLength, ivLength));
        }
        return c;
    }

    /** {@code data} XOR the ChaCha20 keystream from block {@code counter}, nonce zero, main key. */
    private static byte[] chachaKeystream(byte[] key, int counter, byte[] data) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("ChaCha20");
        // the original ChaCha20's 64-bit counter and 64-bit nonce (the sequence number, 0) match
        // RFC 8439's 32-bit counter and 96-bit zero nonce for any counter below 2^32
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, 0, 32, "ChaCha20"), new ChaCha20ParameterSpec(new byte[12], counter));
        return c.doFinal(data);
    }
}
