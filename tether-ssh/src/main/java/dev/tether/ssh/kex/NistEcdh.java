package dev.tether.ssh.kex;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import javax.crypto.KeyAgreement;

/**
 * Elliptic curve Diffie-Hellman on the NIST prime curves, {@code ecdh-sha2-nistp256},
 * {@code ecdh-sha2-nistp384} and {@code ecdh-sha2-nistp521} (RFC 5656 §4, §6.3, §7.1), as the
 * {@link EcdhStyleKex.Agreement} behind the common two-message flow.
 *
 * <p>Q_C and Q_S are uncompressed SEC 1 points, {@code 0x04 || X || Y} with each coordinate
 * padded to the field size (RFC 5656 §4, SEC 1 §2.3.3). The shared secret K is the
 * x-coordinate of the product, which {@link EcdhStyleKex} encodes as an unsigned mpint
 * (RFC 5656 §4). The hash follows the curve size (RFC 5656 §6.2.1): SHA-256, SHA-384, SHA-512.
 *
 * <p>A peer's point is validated before use (RFC 5656 §4: "all elliptic curve public keys MUST be validated",
 * following SEC 1 §3.2.2.1): the encoding must be uncompressed and of the right length, both
 * coordinates must lie in {@code [0, p)}, and the point must satisfy
 * {@code y^2 = x^3 + ax + b (mod p)}. The curves have cofactor 1, so a point on the curve (the
 * encoding cannot express the point at infinity) lies in the prime-order group. The JDK's
 * {@code KeyFactory} accepts off-curve points and only its {@code KeyAgreement} rejects them,
 * so the explicit check keeps the guarantee independent of the provider.
 */
final class NistEcdh implements EcdhStyleKex.Agreement {

    /** The three curves: SSH name, JCA standard name, hash. */
    enum Curve {
        NISTP256("ecdh-sha2-nistp256", "secp256r1", "SHA-256"),
        NISTP384("ecdh-sha2-nistp384", "secp384r1", "SHA-384"),
        NISTP521("ecdh-sha2-nistp521", "secp521r1", "SHA-512");

        final String kexName;
        final String stdName;
        final String hash;

        Curve(String kexName, String stdName, String hash) {
            this.kexName = kexName;
            this.stdName = stdName;
            this.hash = hash;
        }

        ECParameterSpec params() throws SshException {
            try {
                AlgorithmParameters ap = AlgorithmParameters.getInstance("EC");
                ap.init(new ECGenParameterSpec(stdName));
                return ap.getParameterSpec(ECParameterSpec.class);
            } catch (GeneralSecurityException e) {
                throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED, stdName + " unavailable: " + e.getMessage(), e);
            }
        }
    }

    /** Where ephemeral key pairs come from; tests inject fixed ones here. */
    @FunctionalInterface
    interface KeySource {
        KeyPair generate(ECParameterSpec params, SecureRandom random) throws GeneralSecurityException;
    }

    /** The production source: a fresh key pair from the JCA. */
    static final KeySource RANDOM = (params, random) -> {
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
        kpg.initialize(params, random);
        return kpg.generateKeyPair();
    };

    private final Curve curve;
    private final KeySource keys;

    NistEcdh(Curve curve, KeySource keys) {
        this.curve = curve;
        this.keys = keys;
    }

    /** The key exchange method for {@code curve}, with fresh ephemeral keys. */
    static EcdhStyleKex kex(Curve curve) {
        return kex(curve, RANDOM);
    }

    /** The key exchange method for {@code curve} with a chosen key source: the seam for known-answer tests. */
    static EcdhStyleKex kex(Curve curve, KeySource keys) {
        return new EcdhStyleKex(curve.kexName, curve.hash, false, new NistEcdh(curve, keys));
    }

    @Override
    public EcdhStyleKex.ClientSide start(SecureRandom random) throws SshException {
        ECParameterSpec params = curve.params();
        KeyPair kp = generate(params, random);
        byte[] q = encode(((ECPublicKey) kp.getPublic()).getW(), params);
        return new EcdhStyleKex.ClientSide() {
            @Override
            public byte[] publicValue() {
                return q.clone();
            }

            @Override
            public byte[] finish(byte[] serverPublic) throws SshException {
                return agree(kp.getPrivate(), serverPublic, params, "server");
            }
        };
    }

    @Override
    public EcdhStyleKex.ServerSide respond(byte[] clientPublic, SecureRandom random) throws SshException {
        ECParameterSpec params = curve.params();
        // validate Q_C before spending a key pair on it
        PublicKey peer = decode(clientPublic, params, "client");
        KeyPair kp = generate(params, random);
        byte[] q = encode(((ECPublicKey) kp.getPublic()).getW(), params);
        return new EcdhStyleKex.ServerSide(q, agree(kp.getPrivate(), peer));
    }

    private KeyPair generate(ECParameterSpec params, SecureRandom random) throws SshException {
        try {
            return keys.generate(params, random);
        } catch (GeneralSecurityException e) {
            throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED,
                    curve.kexName + ": cannot generate an ephemeral key: " + e.getMessage(), e);
        }
    }

    private byte[] agree(PrivateKey ours, byte[] peerPublic, ECParameterSpec params, String peer) throws SshException {
        return agree(ours, decode(peerPublic, params, peer));
    }

    private byte[] agree(PrivateKey ours, PublicKey peer) throws SshException {
        try {
            KeyAgreement ka = KeyAgreement.getInstance("ECDH");
            ka.init(ours);
            ka.doPhase(peer, true);
            return ka.generateSecret();
        } catch (GeneralSecurityException e) {
            throw new SshException(DisconnectReason.KEY_EXCHANGE_FAILED,
                    curve.kexName + ": key agreement failed: " + e.getMessage(), e);
        }
    }

    /** The field size in bytes: 32, 48 or 66. */
    static int coordinateLength(ECParameterSpec params) {
        return (params.getCurve().getField().getFieldSize() + 7) / 8;
    }

    /** SEC 1 §2.3.3 uncompressed encoding: 0x04 || X || Y, fixed-width big-endian coordinates. */
    static byte[] encode(ECPoint w, ECParameterSpec params) {
        int n = coordinateLength(params);
        byte[] out = new byte[1 + 2 * n];
        out[0] = 0x04;
        putFixed(w.getAffineX(), out, 1, n);
        putFixed(w.getAffineY(), out, 1 + n, n);
        return out;
    }

    private static void putFixed(BigInteger v, byte[] out, int off, int n) {
        byte[] b = v.toByteArray();
        int skip = b.length > n ? b.length - n : 0; // a sign byte
        System.arraycopy(b, skip, out, off + n - (b.length - skip), b.length - skip);
    }

    /** Decodes and validates a peer's point (SEC 1 §2.3.4, §3.2.2.1). */
    PublicKey decode(byte[] q, ECParameterSpec params, String peer) throws SshException {
        int n = coordinateLength(params);
        if (q.length != 1 + 2 * n) {
            throw invalid(peer, "must be " + (1 + 2 * n) + " bytes (uncompressed), got " + q.length);
        }
        if (q[0] != 0x04) {
            throw invalid(peer, "is not an uncompressed point (first byte 0x"
                    + Integer.toHexString(q[0] & 0xff) + ", expected 0x04)");
        }
        BigInteger x = new BigInteger(1, Arrays.copyOfRange(q, 1, 1 + n));
        BigInteger y = new BigInteger(1, Arrays.copyOfRange(q, 1 + n, 1 + 2 * n));
        BigInteger p = ((ECFieldFp) params.getCurve().getField()).getP();
        if (x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
            throw invalid(peer, "has a coordinate outside the field");
        }
        BigInteger a = params.getCurve().getA();
        BigInteger b = params.getCurve().getB();
        BigInteger lhs = y.multiply(y).mod(p);
        BigInteger rhs = x.multiply(x).add(a).multiply(x).add(b).mod(p);
        if (!lhs.equals(rhs)) {
            throw invalid(peer, "is not on the curve");
        }
        try {
            return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(x, y), params));
        } catch (GeneralSecurityException e) {
            throw invalid(peer, "was rejected: " + e.getMessage());
        }
    }

    private SshException invalid(String peer, String problem) {
        return new SshException(DisconnectReason.KEY_EXCHANGE_FAILED,
                curve.kexName + ": " + peer + "'s public point " + problem);
    }
}
