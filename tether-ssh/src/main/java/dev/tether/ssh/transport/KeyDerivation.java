package dev.tether.ssh.transport;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Key derivation, RFC 4253 §7.2:
 * <pre>
 *   K1 = HASH(K || H || X || session_id)      X is "A".."F"
 *   Kn = HASH(K || H || K1 || ... || Kn-1)     until enough bytes
 * </pre>
 * K is passed already encoded (mpint or string, as the method hashed it).
 */
public final class KeyDerivation {
    private KeyDerivation() {
    }

    public static byte[] derive(String hashAlgorithm, byte[] encodedK, byte[] h, char letter, byte[] sessionId, int length)
            throws SshException {
        if (length == 0) {
            return new byte[0];
        }
        try {
            MessageDigest md = MessageDigest.getInstance(hashAlgorithm);
            md.update(encodedK);
            md.update(h);
            md.update((byte) letter);
            md.update(sessionId);
            byte[] out = md.digest();
            while (out.length < length) {
                md.update(encodedK);
                md.update(h);
                md.update(out);
                byte[] more = md.digest();
                byte[] grown = Arrays.copyOf(out, out.length + more.length);
                System.arraycopy(more, 0, grown, out.length, more.length);
                Arrays.fill(out, (byte) 0);
                Arrays.fill(more, (byte) 0);
                out = grown;
            }
            if (out.length == length) {
                return out;
            }
            byte[] cut = Arrays.copyOf(out, length);
            Arrays.fill(out, (byte) 0);
            return cut;
        } catch (GeneralSecurityException e) {
            throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED, hashAlgorithm + " unavailable", e);
        }
    }
}
