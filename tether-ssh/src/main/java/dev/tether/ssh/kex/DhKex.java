package dev.tether.ssh.kex;


import dev.tether.ssh.wire.KexMessages;
import dev.tether.ssh.wire.MessageNumbers;
import java.io.IOException;
import java.math.BigInteger;

/**
 * Diffie-Hellman over a fixed group (RFC 4253 §8), as used by {@code diffie-hellman-group14-sha256},
 * {@code diffie-hellman-group16-sha512} and {@code diffie-hellman-group18-sha512} (RFC 8268 §3)
 * and the legacy {@code diffie-hellman-group14-sha1} (RFC 4253 §8.2):
 *
 * <pre>
 *   C → S  30 SSH_MSG_KEXDH_INIT   mpint e = g^x mod p
 *   S → C  31 SSH_MSG_KEXDH_REPLY  string K_S, mpint f = g^y mod p, string signature of H
 *   K = f^x = e^y mod p
 *   H = HASH(string V_C || string V_S || string I_C || string I_S || string K_S
 *            || mpint e || mpint f || mpint K)
 * </pre>
 *
 * <p>Both sides reject a peer value outside {@code 1 < e, f < p-1} (RFC 4253 §8). The group
 * arithmetic and the choice of exponent length are {@link DhGroup}'s.
 */
final class DhKex implements KexAlgorithm {

    private final String name;
    private final String hash;
    private final DhGroup group;
    private final DhGroup.ExponentSource exponents;

    DhKex(String name, String hash, DhGroup group) {
        this(name, hash, group, DhGroup.RANDOM);
    }

    /** With a chosen source of private exponents: the seam for known-answer tests. */
    DhKex(String name, String hash, DhGroup group, DhGroup.ExponentSource exponents) {
        this.name = name;
        this.hash = hash;
        this.group = group;
        this.exponents = exponents;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String hashAlgorithm() {
        return hash;
    }

    @Override
    public KexResult client(KexIo io, KexContext ctx) throws IOException {
        BigInteger x = exponents.exponent(group, ctx.random());
        BigInteger e = group.publicValue(x);
        io.write(new KexMessages.DhInit(MessageNumbers.KEXDH_INIT, e).encode());

        KexMessages.DhReply reply = KexMessages.DhReply.decode(MessageNumbers.KEXDH_REPLY,
                KexIo.expect(name, MessageNumbers.KEXDH_REPLY, io.read()), name + " KEXDH_REPLY");
        byte[] hostKey = reply.hostKey();
        BigInteger f = reply.f();
        byte[] sig = reply.signature();
        group.checkPeerValue(name, "f", f);

        byte[] k = ExchangeHash.encodeMpint(group.sharedSecret(f, x));
        byte[] h = hash(ctx, hostKey, e, f, k);
        return new KexResult(k, h, hostKey, sig, hash);
    }

    @Override
    public KexResult server(KexIo io, KexContext ctx, HostKeySigner hostKey) throws IOException {
        BigInteger e = KexMessages.DhInit.decode(MessageNumbers.KEXDH_INIT,
                KexIo.expect(name, MessageNumbers.KEXDH_INIT, io.read()), name + " KEXDH_INIT").e();
        group.checkPeerValue(name, "e", e);

        BigInteger y = exponents.exponent(group, ctx.random());
        BigInteger f = group.publicValue(y);
        byte[] k = ExchangeHash.encodeMpint(group.sharedSecret(e, y));
        byte[] ks = hostKey.publicKeyBlob();
        byte[] h = hash(ctx, ks, e, f, k);
        byte[] sig = hostKey.sign(h);
        io.write(new KexMessages.DhReply(MessageNumbers.KEXDH_REPLY, ks, f, sig).encode());
        return new KexResult(k, h, ks, sig, hash);
    }

    private byte[] hash(KexContext ctx, byte[] hostKey, BigInteger e, BigInteger f, byte[] k) throws IOException {
        ExchangeHash h = new ExchangeHash(hash, ctx, hostKey);
        h.fields().mpint(e).mpint(f);
        return h.finish(k);
    }
}
