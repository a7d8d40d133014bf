package dev.tether.ssh.kex;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.wire.KexMessages;
import dev.tether.ssh.wire.MessageNumbers;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The two-message exchange that ECDH (RFC 5656 §4), curve25519 (RFC 8731 §3) and the
 * post-quantum hybrids (draft-ietf-sshm-mlkem-hybrid-kex, sntrup761x25519) share:
 *
 * <pre>
 *   C → S  30  string Q_C        client's ephemeral public value (or hybrid concatenation)
 *   S → C  31  string K_S, string Q_S, string signature over H
 *   H = HASH(string V_C || string V_S || string I_C || string I_S || string K_S
 *            || string Q_C || string Q_S || K)
 * </pre>
 *
 * <p>K enters the hash as an mpint for the classical methods and as a string for the hybrids.
 * What differs between methods is the {@link Agreement}; this class owns the message flow.
 */
final class EcdhStyleKex implements KexAlgorithm {

    /** The method-specific key agreement behind the common message flow. */
    interface Agreement {
        /** Client side: make an ephemeral key; returns the state holding Q_C. */
        ClientSide start(SecureRandom random) throws SshException;

        /** Server side: from Q_C, produce Q_S and the shared secret. */
        ServerSide respond(byte[] clientPublic, SecureRandom random) throws SshException;
    }

    interface ClientSide {
        byte[] publicValue();

        /** The shared secret K (raw bytes, before the mpint or string encoding) from Q_S. */
        byte[] finish(byte[] serverPublic) throws SshException;
    }

    /** The server's reply value Q_S and the raw shared secret. */
    record ServerSide(byte[] publicValue, byte[] secret) {
    }

    private final String name;
    private final String hash;
    private final boolean secretAsString;
    private final Agreement agreement;

    /**
     * @param secretAsString true when K is encoded as a string (hybrids), false for an mpint
     */
    EcdhStyleKex(String name, String hash, boolean secretAsString, Agreement agreement) {
        this.name = name;
        this.hash = hash;
        this.secretAsString = secretAsString;
        this.agreement = agreement;
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
        ClientSide side = agreement.start(ctx.random());
        byte[] qc = side.publicValue();
        io.write(new KexMessages.EcdhInit(qc).encode());
        KexMessages.EcdhReply reply = KexMessages.EcdhReply.decode(
                KexIo.expect(name, MessageNumbers.KEX_ECDH_REPLY, io.read()), name + " reply");
        byte[] hostKey = reply.hostKey();
        byte[] qs = reply.q();
        byte[] sig = reply.signature();
        byte[] secret = side.finish(qs);
        byte[] k = encodeSecret(secret);
        Arrays.fill(secret, (byte) 0);
        byte[] h = exchangeHash(ctx, hostKey, qc, qs, k);
        return new KexResult(k, h, hostKey, sig, hash);
    }

    @Override
    public KexResult server(KexIo io, KexContext ctx, HostKeySigner hostKey) throws IOException {
        byte[] qc = KexMessages.EcdhInit.decode(KexIo.expect(name, MessageNumbers.KEX_ECDH_INIT, io.read()), name + " init").q();
        ServerSide side = agreement.respond(qc, ctx.random());
        byte[] k = encodeSecret(side.secret());
        Arrays.fill(side.secret(), (byte) 0);
        byte[] ks = hostKey.publicKeyBlob();
        byte[] h = exchangeHash(ctx, ks, qc, side.publicValue(), k);
        byte[] sig = hostKey.sign(h);
        io.write(new KexMessages.EcdhReply(ks, side.publicValue(), sig).encode());
        return new KexResult(k, h, ks, sig, hash);
    }

    private byte[] encodeSecret(byte[] secret) {
        SshWriter w = new SshWriter(secret.length + 8);
        if (secretAsString) {
            w.string(secret);
        } else {
            w.mpintUnsigned(secret);
        }
        return w.toByteArray();
    }

    private byte[] exchangeHash(KexContext ctx, byte[] ks, byte[] qc, byte[] qs, byte[] k) throws SshException {
        SshWriter w = new SshWriter(1024);
        w.string(ctx.clientVersion()).string(ctx.serverVersion())
                .string(ctx.clientKexInit()).string(ctx.serverKexInit())
                .string(ks).string(qc).string(qs).raw(k);
        try {
            MessageDigest md = MessageDigest.getInstance(hash);
            md.update(w.array(), 0, w.length());
            return md.digest();
        } catch (GeneralSecurityException e) {
            throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED, hash + " unavailable", e);
        } finally {
            w.wipe();
        }
    }

    /** curve25519-sha256 and its libssh.org alias (RFC 8731). */
    static EcdhStyleKex curve25519(String name) {
        return new EcdhStyleKex(name, "SHA-256", false, new Agreement() {
            @Override
            public ClientSide start(SecureRandom random) throws SshException {
                X25519 x = X25519.generate(random);
                return new ClientSide() {
                    @Override
                    public byte[] publicValue() {
                        return x.publicKey();
                    }

                    @Override
                    public byte[] finish(byte[] serverPublic) throws SshException {
                        try {
                            return x.agree(serverPublic);
                        } finally {
                            x.destroy();
                        }
                    }
                };
            }

            @Override
            public ServerSide respond(byte[] clientPublic, SecureRandom random) throws SshException {
                X25519 x = X25519.generate(random);
                try {
                    return new ServerSide(x.publicKey(), x.agree(clientPublic));
                } finally {
                    x.destroy();
                }
            }
        });
    }
}
