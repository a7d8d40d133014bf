package dev.tether.ssh.kex;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshWriter;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

/**
 * Builds an exchange hash H for the Diffie-Hellman methods. Every H begins with
 * {@code string V_C || string V_S || string I_C || string I_S || string K_S} (RFC 4253 §8,
 * RFC 4419 §3); each method appends its own fields and then K. The buffer holds K, so it is
 * wiped once digested.
 */
final class ExchangeHash {
    private final String hash;
    private final SshWriter w = new SshWriter(2048);

    /** Starts H with V_C, V_S, I_C, I_S and K_S. */
    ExchangeHash(String hash, KexContext ctx, byte[] hostKey) {
        this.hash = hash;
        w.string(ctx.clientVersion()).string(ctx.serverVersion())
                .string(ctx.clientKexInit()).string(ctx.serverKexInit())
                .string(hostKey);
    }

    /** The buffer to append the method's fields to. */
    SshWriter fields() {
        return w;
    }

    /** Appends K as encoded in {@link KexResult#sharedSecret()}, digests, and wipes the buffer. */
    byte[] finish(byte[] encodedSecret) throws SshException {
        try {
            w.raw(encodedSecret);
            MessageDigest md = MessageDigest.getInstance(hash);
            md.update(w.array(), 0, w.length());
            return md.digest();
        } catch (GeneralSecurityException e) {
            throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED, hash + " unavailable", e);
        } finally {
            w.wipe();
        }
    }

    /** K as an mpint (RFC 4253 §8), the encoding it has in H and in the key derivation. */
    static byte[] encodeMpint(BigInteger k) {
        return new SshWriter(k.bitLength() / 8 + 8).mpint(k).toByteArray();
    }
}
