package dev.tether.ssh.transport;

import dev.tether.ssh.common.NegotiatedAlgorithms;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.kex.HostKeySigner;
import dev.tether.ssh.kex.KexAlgorithm;
import dev.tether.ssh.kex.KexAlgorithms;
import dev.tether.ssh.kex.KexContext;
import dev.tether.ssh.kex.KexIo;
import dev.tether.ssh.kex.KexResult;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.wire.KexInit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPublicKeySpec;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.KeyAgreement;

/**
 * One end of an SSH connection whose initial key exchange is scripted by hand, so that it can
 * send what Tether never sends: a KEXINIT with {@code first_kex_packet_follows} set, and the
 * guessed packet right behind it, before it has seen the other side's KEXINIT (RFC 4253 §7).
 *
 * <p>It decides for itself, by §7's rule written out here (the two sides' first key exchange
 * methods and first host key algorithms are equal), whether its guess was right. A right guess
 * (a client guessing {@code curve25519-sha256}) is carried on by hand with the key sent in the
 * guess; after a wrong one it runs the negotiated method again from the start with Tether's
 * own {@link KexAlgorithm} (the method's arithmetic is not what is under test). As a server it
 * can only guess wrong: every method we have starts with the client, so its guess is a
 * KEX_ECDH_REPLY full of garbage, which the client must skip. After NEWKEYS both directions are
 * encrypted ({@link #read}, {@link #write}) with the sequence numbers strict KEX asks for.
 *
 * <h2>Threading</h2>
 * {@link #handshake} on one thread; afterwards {@link #read} from one thread and {@link #write}
 * from one (other) thread.
 */
final class GuessingPeer implements AutoCloseable {
    static final String VERSION = "SSH-2.0-GuessingPeer_1.0";
    private static final List<String> CIPHERS = List.of("aes128-gcm@openssh.com", "aes128-ctr");
    private static final List<String> MACS = List.of("hmac-sha2-256");

    /**
     * What this end offers. {@code guess}: send a guessed first packet for the first entry of
     * {@code kex}.
     */
    record Offer(List<String> kex, List<String> hostKey, boolean strict, boolean guess) {
    }

    private final Socket socket;
    private final boolean client;
    private final List<KeyPair> hostKeys;
    private final InputStream in;
    private final OutputStream out;
    private final SecureRandom random = new SecureRandom();
    private PacketReader reader;
    private PacketWriter writer;

    // Results of the handshake, for the test to check that it scripted what it meant to.
    NegotiatedAlgorithms negotiated;
    boolean guessWasRight;
    boolean strict;

    private GuessingPeer(Socket socket, boolean client, List<KeyPair> hostKeys) throws IOException {
        this.socket = socket;
        this.client = client;
        this.hostKeys = hostKeys;
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        this.in = new BufferedInputStream(socket.getInputStream(), 8192);
        this.out = socket.getOutputStream();
    }

    static GuessingPeer client(Socket s) throws IOException {
        return new GuessingPeer(s, true, List.of());
    }

    static GuessingPeer server(Socket s, List<KeyPair> hostKeys) throws IOException {
        return new GuessingPeer(s, false, hostKeys);
    }

    // ------------------------------------------------------------------ the scripted exchange

    void handshake(Offer offer) throws IOException, GeneralSecurityException {
        out.write((VERSION + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String peerVersion = readVersion();
        reader = new PacketReader(in);
        writer = new PacketWriter(out, random);

        List<String> kex = new ArrayList<>(offer.kex());
        if (offer.strict()) {
            kex.add(client ? Negotiation.STRICT_C : Negotiation.STRICT_S);
        }
        byte[] cookie = new byte[16];
        random.nextBytes(cookie);
        byte[] ours = new KexInit(cookie, kex, offer.hostKey(), CIPHERS, CIPHERS, MACS, MACS,
                List.of("none"), List.of("none"), List.of(), List.of(), offer.guess()).encode();
        writer.write(ours);
        KeyPair guessKey = null;
        if (offer.guess()) {
            if (client && offer.kex().get(0).equals("curve25519-sha256")) {
                guessKey = KeyPairGenerator.getInstance("X25519").generateKeyPair();
                writer.write(ecdhInit(x25519Public(guessKey)));
            } else if (client && offer.kex().get(0).equals("ecdh-sha2-nistp256")) {
                KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                g.initialize(new ECGenParameterSpec("secp256r1"));
                writer.write(ecdhInit(p256Point((ECPublicKey) g.generateKeyPair().getPublic())));
            } else if (!client) {
                writer.write(garbageEcdhReply());
            } else {
                throw new IllegalArgumentException("no guess scripted for " + offer.kex().get(0));
            }
        }
        writer.flush();

        if (reader.read() != 20) {
            throw new AssertionError("expected the other side's KEXINIT, got message " + (reader.payloadCopy()[0] & 0xff));
        }
        byte[] theirs = reader.payloadCopy();
        KexInit mine = KexInit.decode(ours);
        KexInit peer = KexInit.decode(theirs);
        KexInit c = client ? mine : peer;
        KexInit s = client ? peer : mine;
        negotiated = Negotiation.negotiate(c, s);
        strict = c.kex().contains(Negotiation.STRICT_C) && s.kex().contains(Negotiation.STRICT_S);
        // RFC 4253 §7: the guess is right when both sides prefer the same method and host key algorithm
        guessWasRight = c.kex().get(0).equals(s.kex().get(0)) && c.hostKey().get(0).equals(s.hostKey().get(0));

        byte[] vc = (client ? VERSION : peerVersion).getBytes(StandardCharsets.US_ASCII);
        byte[] vs = (client ? peerVersion : VERSION).getBytes(StandardCharsets.US_ASCII);
        KexContext ctx = new KexContext(vc, vs, client ? ours : theirs, client ? theirs : ours, random);
        KexResult r;
        if (guessKey != null && guessWasRight) {
            r = finishCurve25519(guessKey, ctx);
        } else {
            KexAlgorithm method = KexAlgorithms.get(negotiated.kex());
            KexIo io = new KexIo() {
                @Override
                public byte[] read() throws IOException {
                    int m = reader.read();
                    if (m < 30 || m > 49) {
                        throw new AssertionError("expected a key exchange packet, got message " + m);
                    }
                    return reader.payloadCopy();
                }

                @Override
                public void write(byte[] payload) throws IOException {
                    writer.write(payload);
                    writer.flush();
                }
            };
            r = client ? method.client(io, ctx) : method.server(io, ctx, signer(negotiated.hostKey()));
        }
        if (client) {
            PublicKey k = SignatureAlgorithms.decodePublicKey(r.hostKey());
            if (!SignatureAlgorithms.verify(negotiated.hostKey(), k, r.exchangeHash(), r.signature())) {
                throw new AssertionError("the server's signature over H does not verify with " + negotiated.hostKey());
            }
        }
        writer.write(new byte[]{21});
        writer.flush();
        int m = reader.read();
        if (m != 21) {
            throw new AssertionError("expected NEWKEYS, got message " + m);
        }
        installKeys(r);
        socket.setSoTimeout(0);
    }

    /** The rest of a curve25519-sha256 exchange (RFC 8731) whose first packet was the guess. */
    private KexResult finishCurve25519(KeyPair x, KexContext ctx) throws IOException, GeneralSecurityException {
        int m = reader.read();
        if (m != 31) {
            throw new AssertionError("expected KEX_ECDH_REPLY to the guessed KEX_ECDH_INIT, got message " + m);
        }
        SshReader r = reader.payloadAfterType();
        byte[] hostKey = r.string();
        byte[] qs = r.string();
        byte[] signature = r.string();
        byte[] qc = x25519Public(x);
        byte[] be = new byte[32];
        for (int i = 0; i < 32; i++) {
            be[i] = qs[31 - i];
        }
        be[0] &= 0x7f;
        KeyAgreement ka = KeyAgreement.getInstance("X25519");
        ka.init(x.getPrivate());
        ka.doPhase(KeyFactory.getInstance("X25519").generatePublic(
                new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(1, be))), true);
        byte[] k = new SshWriter(40).mpintUnsigned(ka.generateSecret()).toByteArray();
        byte[] h = MessageDigest.getInstance("SHA-256").digest(new SshWriter(2048)
                .string(ctx.clientVersion()).string(ctx.serverVersion())
                .string(ctx.clientKexInit()).string(ctx.serverKexInit())
                .string(hostKey).string(qc).string(qs).raw(k).toByteArray());
        return new KexResult(k, h, hostKey, signature, "SHA-256");
    }

    private HostKeySigner signer(String alg) {
        String type = SignatureAlgorithms.keyType(alg);
        for (KeyPair kp : hostKeys) {
            List<String> algs = SignatureAlgorithms.algorithmsFor(kp.getPublic());
            if (!algs.isEmpty() && SignatureAlgorithms.keyType(algs.get(0)).equals(type)) {
                return new HostKeySigner() {
                    @Override
                    public byte[] publicKeyBlob() {
                        return SignatureAlgorithms.encodePublicKey(kp.getPublic());
                    }

                    @Override
                    public byte[] sign(byte[] data) throws dev.tether.ssh.common.SshException {
                        return SignatureAlgorithms.sign(alg, kp.getPrivate(), data);
                    }
                };
            }
        }
        throw new AssertionError("no host key for " + alg);
    }

    private void installKeys(KexResult r) throws IOException {
        NegotiatedAlgorithms a = negotiated;
        String outCipher = client ? a.cipherClientToServer() : a.cipherServerToClient();
        String inCipher = client ? a.cipherServerToClient() : a.cipherClientToServer();
        String outMac = client ? a.macClientToServer() : a.macServerToClient();
        String inMac = client ? a.macServerToClient() : a.macClientToServer();
        writer.setCipher(cipher(r, outCipher, outMac, true, client ? 'A' : 'B', client ? 'C' : 'D', client ? 'E' : 'F'));
        reader.setCipher(cipher(r, inCipher, inMac, false, client ? 'B' : 'A', client ? 'D' : 'C', client ? 'F' : 'E'));
        if (strict) {
            writer.resetSequence();
            reader.resetSequence();
        }
    }

    private static PacketCipher cipher(KexResult r, String cipher, String mac, boolean encrypt, char iv, char key, char macKey)
            throws IOException {
        String hash = r.hashAlgorithm();
        byte[] k = r.sharedSecret();
        byte[] h = r.exchangeHash();
        return CipherAlgorithms.create(cipher, mac, encrypt,
                KeyDerivation.derive(hash, k, h, key, h, CipherAlgorithms.keyLength(cipher)),
                KeyDerivation.derive(hash, k, h, iv, h, CipherAlgorithms.ivLength(cipher)),
                mac == null ? null : KeyDerivation.derive(hash, k, h, macKey, h, CipherAlgorithms.macKeyLength(mac)));
    }

    // ------------------------------------------------------------------ after NEWKEYS

    /** The next packet's payload under the new keys. */
    byte[] read() throws IOException {
        reader.read();
        return reader.payloadCopy();
    }

    void write(byte[] payload) throws IOException {
        writer.write(payload);
        writer.flush();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    // ------------------------------------------------------------------ helpers

    private String readVersion() throws IOException {
        for (int lines = 0; lines < 16; lines++) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            try {
                while ((b = in.read()) != '\n') {
                    if (b < 0 || line.size() > 255) {
                        throw new AssertionError("no identification line from the other side");
                    }
                    line.write(b);
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the other side sent no identification line", e);
            }
            String s = line.toString(StandardCharsets.US_ASCII);
            s = s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            if (s.startsWith("SSH-")) {
                return s;
            }
        }
        throw new AssertionError("no identification line from the other side");
    }

    private static byte[] ecdhInit(byte[] q) {
        return new SshWriter(q.length + 8).byteValue(30).string(q).toByteArray();
    }

    /** What a server's guess could only be: a KEX_ECDH_REPLY that no client can use. */
    private static byte[] garbageEcdhReply() {
        return new SshWriter(64).byteValue(31).string("not a host key").string(new byte[32]).string("not a signature")
                .toByteArray();
    }

    private static byte[] x25519Public(KeyPair kp) {
        byte[] be = ((XECPublicKey) kp.getPublic()).getU().toByteArray();
        byte[] le = new byte[32];
        for (int i = 0; i < 32 && i < be.length; i++) {
            le[i] = be[be.length - 1 - i];
        }
        return le;
    }

    private static byte[] p256Point(ECPublicKey k) {
        byte[] q = new byte[65];
        q[0] = 4;
        copyUnsigned(k.getW().getAffineX(), q, 1);
        copyUnsigned(k.getW().getAffineY(), q, 33);
        return q;
    }

    private static void copyUnsigned(BigInteger v, byte[] dst, int off) {
        byte[] b = v.toByteArray();
        int n = Math.min(b.length, 32);
        System.arraycopy(b, b.length - n, dst, off + 32 - n, n);
    }
}
