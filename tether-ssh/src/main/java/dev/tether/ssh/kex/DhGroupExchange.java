package dev.tether.ssh.kex;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshWriter;

import dev.tether.ssh.wire.KexMessages;
import dev.tether.ssh.wire.MessageNumbers;
import java.io.IOException;
import java.math.BigInteger;

/**
 * Diffie-Hellman group exchange (RFC 4419), {@code diffie-hellman-group-exchange-sha256} and the
 * legacy {@code diffie-hellman-group-exchange-sha1}:
 *
 * <pre>
 *   C → S  34 SSH_MSG_KEX_DH_GEX_REQUEST  uint32 min, uint32 n, uint32 max     (§3)
 *          (or 30 SSH_MSG_KEX_DH_GEX_REQUEST_OLD  uint32 n, from old clients; §5)
 *   S → C  31 SSH_MSG_KEX_DH_GEX_GROUP    mpint p, mpint g
 *   C → S  32 SSH_MSG_KEX_DH_GEX_INIT     mpint e = g^x mod p
 *   S → C  33 SSH_MSG_KEX_DH_GEX_REPLY    string K_S, mpint f = g^y mod p, string signature of H
 *   H = HASH(string V_C || string V_S || string I_C || string I_S || string K_S
 *            || uint32 min || uint32 n || uint32 max || mpint p || mpint g
 *            || mpint e || mpint f || mpint K)
 * </pre>
 *
 * <p>After an old-style request, min and max are left out of H, which then has only n. The
 * values in H are those sent on the wire.
 *
 * <p><b>Client.</b> Asks for min {@value #DEFAULT_MIN}, n {@value #DEFAULT_PREFERRED}, max
 * {@value #DEFAULT_MAX} bits. RFC 8270 raised the floor to 2048 bits; 4096 bits (RFC 3526's
 * estimate: about 150 to 240 bits of strength) is preferred so the group is not weaker than the
 * 128- to 256-bit ciphers that follow it — OpenSSH asks for a size derived from the cipher, up to
 * 8192, but the negotiated cipher is not known here, so a fixed strong preference is used. It
 * rejects a group outside {@code [min, max]} or below 2048 bits, an even p, and g outside
 * {@code 1 < g < p-1}. It does not test p for primality (that would cost seconds per exchange);
 * the server is authenticated by its signature over H, which covers p and g.
 *
 * <p><b>Server.</b> Chooses the group from a {@link DhGroupSource} (built-in RFC 3526 groups or
 * an OpenSSH moduli file).
 */
final class DhGroupExchange implements KexAlgorithm {

    static final int DEFAULT_MIN = 2048;
    static final int DEFAULT_PREFERRED = 4096;
    static final int DEFAULT_MAX = 8192;

    private final String name;
    private final String hash;
    private final DhGroupSource groups;
    private final DhGroup.ExponentSource exponents;
    private final int min;
    private final int preferred;
    private final int max;

    DhGroupExchange(String name, String hash, DhGroupSource groups) {
        this(name, hash, groups, DhGroup.RANDOM, DEFAULT_MIN, DEFAULT_PREFERRED, DEFAULT_MAX);
    }

    /**
     * With every parameter chosen: the client's request sizes, and the source of private
     * exponents (the seam for known-answer tests).
     */
    DhGroupExchange(String name, String hash, DhGroupSource groups, DhGroup.ExponentSource exponents,
                    int min, int preferred, int max) {
        if (min < DhGroupSource.MIN_BITS || min > preferred || preferred > max) {
            throw new IllegalArgumentException("group sizes must satisfy " + DhGroupSource.MIN_BITS
                    + " <= min <= preferred <= max, got " + min + ", " + preferred + ", " + max);
        }
        this.name = name;
        this.hash = hash;
        this.groups = groups;
        this.exponents = exponents;
        this.min = min;
        this.preferred = preferred;
        this.max = max;
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
        io.write(new KexMessages.GexRequest(false, min, preferred, max).encode());

        KexMessages.GexGroup offered = KexMessages.GexGroup.decode(
                KexIo.expect(name, MessageNumbers.KEX_DH_GEX_GROUP, io.read()), name + " KEX_DH_GEX_GROUP");
        DhGroup group = checkGroup(offered.p(), offered.g());

        BigInteger x = exponents.exponent(group, ctx.random());
        BigInteger e = group.publicValue(x);
        io.write(new KexMessages.DhInit(MessageNumbers.KEX_DH_GEX_INIT, e).encode());

        KexMessages.DhReply reply = KexMessages.DhReply.decode(MessageNumbers.KEX_DH_GEX_REPLY,
                KexIo.expect(name, MessageNumbers.KEX_DH_GEX_REPLY, io.read()), name + " KEX_DH_GEX_REPLY");
        byte[] hostKey = reply.hostKey();
        BigInteger f = reply.f();
        byte[] sig = reply.signature();
        group.checkPeerValue(name, "f", f);

        byte[] k = ExchangeHash.encodeMpint(group.sharedSecret(f, x));
        byte[] h = hash(ctx, hostKey, false, min, preferred, max, group, e, f, k);
        return new KexResult(k, h, hostKey, sig, hash);
    }

    private DhGroup checkGroup(BigInteger p, BigInteger g) throws SshException {
        int bits = p.bitLength();
        if (p.signum() <= 0 || bits < DhGroupSource.MIN_BITS || bits < min || bits > max) {
            throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED, name + ": server sent a "
                    + (p.signum() <= 0 ? "non-positive" : bits + "-bit") + " group, outside the "
                    + Math.max(min, DhGroupSource.MIN_BITS) + " to " + max + " bits requested");
        }
        if (!p.testBit(0)) {
            throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED, name + ": server's group modulus is even");
        }
        if (g.compareTo(BigInteger.ONE) <= 0 || g.compareTo(p.subtract(BigInteger.ONE)) >= 0) {
            throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED,
                    name + ": server's group generator is outside 1 < g < p-1");
        }
        return new DhGroup(p, g);
    }

    @Override
    public KexResult server(KexIo io, KexContext ctx, HostKeySigner hostKey) throws IOException {
        byte[] req = io.read();
        boolean old = req.length > 0 && (req[0] & 0xff) == MessageNumbers.KEX_DH_GEX_REQUEST_OLD;
        KexMessages.GexRequest request = KexMessages.GexRequest.decode(old,
                KexIo.expect(name, old ? MessageNumbers.KEX_DH_GEX_REQUEST_OLD : MessageNumbers.KEX_DH_GEX_REQUEST, req),
                name + (old ? " KEX_DH_GEX_REQUEST_OLD" : " KEX_DH_GEX_REQUEST"));
        long reqN = request.n();
        // RFC 4419 §5: the old request carries only n; accept what our own limits allow
        long reqMin = old ? DhGroupSource.MIN_BITS : request.min();
        long reqMax = old ? Math.max(reqN, DEFAULT_MAX) : request.max();
        if (!old && (reqMin > reqN || reqN > reqMax)) {
            throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED, name
                    + ": client's group request does not satisfy min <= n <= max: " + reqMin + ", " + reqN + ", " + reqMax);
        }
        DhGroup group = groups.choose(reqMin, reqN, reqMax, ctx.random());
        if (group == null) {
            throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED, name + ": no group between "
                    + Math.max(reqMin, DhGroupSource.MIN_BITS) + " and " + reqMax + " bits is available");
        }
        io.write(new KexMessages.GexGroup(group.p(), group.g()).encode());

        BigInteger e = KexMessages.DhInit.decode(MessageNumbers.KEX_DH_GEX_INIT,
                KexIo.expect(name, MessageNumbers.KEX_DH_GEX_INIT, io.read()), name + " KEX_DH_GEX_INIT").e();
        group.checkPeerValue(name, "e", e);

        BigInteger y = exponents.exponent(group, ctx.random());
        BigInteger f = group.publicValue(y);
        byte[] k = ExchangeHash.encodeMpint(group.sharedSecret(e, y));
        byte[] ks = hostKey.publicKeyBlob();
        byte[] h = hash(ctx, ks, old, reqMin, reqN, reqMax, group, e, f, k);
        byte[] sig = hostKey.sign(h);
        io.write(new KexMessages.DhReply(MessageNumbers.KEX_DH_GEX_REPLY, ks, f, sig).encode());
        return new KexResult(k, h, ks, sig, hash);
    }

    private byte[] hash(KexContext ctx, byte[] hostKey, boolean old, long reqMin, long reqN, long reqMax,
                        DhGroup group, BigInteger e, BigInteger f, byte[] k) throws SshException {
        ExchangeHash h = new ExchangeHash(hash, ctx, hostKey);
        SshWriter w = h.fields();
        if (old) {
            w.uint32(reqN);
        } else {
            w.uint32(reqMin).uint32(reqN).uint32(reqMax);
        }
        w.mpint(group.p()).mpint(group.g()).mpint(e).mpint(f);
        return h.finish(k);
    }
}
