package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import java.util.List;

/**
 * Public key signature algorithms by SSH name (RFC 4253 §6.6, RFC 5656 §3, RFC 8332, RFC 8709)
 * and the wire encoding of public keys and signatures.
 *
 * <p>Keys are plain JCA keys: Ed25519 ({@code EdECPublicKey}), EC on nistp256/384/521
 * ({@code ECPublicKey}) and RSA ({@code RSAPublicKey}).
 *
 * <p>Encodings:
 * <ul>
 *   <li>{@code ssh-ed25519}: key {@code string "ssh-ed25519" || string A} with A the 32-byte
 *       RFC 8032 encoding; signature {@code string "ssh-ed25519" || string sig} with a 64-byte
 *       sig (RFC 8709 §4, §6).</li>
 *   <li>{@code ecdsa-sha2-nistpNNN}: key {@code string name || string "nistpNNN" || string Q}
 *       with Q an uncompressed point; signature {@code string name || string (mpint r || mpint s)}
 *       (RFC 5656 §3.1). Decoded points are checked to lie on the curve.</li>
 *   <li>{@code rsa-sha2-256}, {@code rsa-sha2-512}, {@code ssh-rsa}: key
 *       {@code string "ssh-rsa" || mpint e || mpint n} for all three; signature
 *       {@code string name || string s} with s left-padded to the modulus length when signing
 *       and accepted shorter when verifying, as OpenSSH does (RFC 4253 §6.6, RFC 8332 §3).</li>
 * </ul>
 *
 * <p>RSA keys under {@value #RSA_MIN_BITS} bits are accepted by {@link #decodePublicKey} but
 * refused by {@link #sign} and {@link #verify}, matching OpenSSH's minimum; blobs with a modulus
 * over {@value #RSA_MAX_BITS} bits are rejected when decoded.
 */
public final class SignatureAlgorithms {
    private SignatureAlgorithms() {
    }

    /** Host key algorithms in default preference order; {@code ssh-rsa} (SHA-1) is not among them. */
    public static final List<String> DEFAULT = List.of(
            "ssh-ed25519",
            "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521",
            "rsa-sha2-512",
            "rsa-sha2-256");

    /** Every algorithm we implement, including {@code ssh-rsa}, which is only used when configured. */
    public static final List<String> SUPPORTED = List.of(
            "ssh-ed25519",
            "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521",
            "rsa-sha2-512",
            "rsa-sha2-256",
            "ssh-rsa");

    /**
     * Certificate host key algorithms (OpenSSH PROTOCOL.certkeys) in default preference order.
     * Their signatures are made and verified with the {@link #underlyingAlgorithm} of the name;
     * {@code ssh-rsa-cert-v01@openssh.com} (SHA-1) is not among them.
     */
    public static final List<String> CERTIFICATE_ALGORITHMS = List.of(
            "ssh-ed25519-cert-v01@openssh.com",
            "ecdsa-sha2-nistp256-cert-v01@openssh.com",
            "ecdsa-sha2-nistp384-cert-v01@openssh.com",
            "ecdsa-sha2-nistp521-cert-v01@openssh.com",
            "rsa-sha2-512-cert-v01@openssh.com",
            "rsa-sha2-256-cert-v01@openssh.com");

    /** The smallest RSA modulus, in bits, that {@link #sign} and {@link #verify} accept (as OpenSSH). */
    public static final int RSA_MIN_BITS = 1024;
    /** The largest RSA modulus, in bits, that {@link #decodePublicKey} accepts (as OpenSSH). */
    public static final int RSA_MAX_BITS = 16384;

    static final String ED25519 = "ssh-ed25519";
    static final String RSA = "ssh-rsa";
    private static final int RSA_DEFAULT_GENERATE_BITS = 3072;
    private static final int RSA_MIN_GENERATE_BITS = 2048;
    private static final int RSA_MAX_GENERATE_BITS = 8192;

    /**
     * The key type name as it appears in a public key blob: {@code ssh-rsa} for every RSA algorithm.
     * For a certificate algorithm the certificate key type: {@code ssh-rsa-cert-v01@openssh.com}
     * for {@code rsa-sha2-256-cert-v01@openssh.com}, {@code rsa-sha2-512-cert-v01@openssh.com}
     * and itself; any other certificate key type maps to itself.
     *
     * @param algorithm a signature algorithm name, plain or certificate
     * @return the key type name
     * @throws IllegalArgumentException if {@code algorithm} is neither in {@link #SUPPORTED} nor
     *                                  a certificate form of one of those
     */
    public static String keyType(String algorithm) {
        if (OpenSshCertificate.isCertificateAlgorithm(algorithm)) {
            return keyType(underlyingAlgorithm(algorithm)) + OpenSshCertificate.SUFFIX;
        }
        return switch (algorithm) {
            case ED25519, "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521" -> algorithm;
            case "rsa-sha2-256", "rsa-sha2-512", RSA -> RSA;
            default -> throw new IllegalArgumentException("unsupported public key algorithm " + quote(algorithm));
        };
    }

    /**
     * The plain signature algorithm of a certificate algorithm, with which its signatures are made
     * and checked: {@code ssh-ed25519} for {@code ssh-ed25519-cert-v01@openssh.com},
     * {@code rsa-sha2-512} for {@code rsa-sha2-512-cert-v01@openssh.com}, {@code ssh-rsa} for
     * {@code ssh-rsa-cert-v01@openssh.com}. Any other name, plain or not, maps to itself.
     *
     * @param algorithm an algorithm name
     * @return the plain signature algorithm
     */
    public static String underlyingAlgorithm(String algorithm) {
        if (OpenSshCertificate.isCertificateAlgorithm(algorithm)) {
            return algorithm.substring(0, algorithm.length() - OpenSshCertificate.SUFFIX.length());
        }
        return algorithm;
    }

    /**
     * The signature algorithms this key can make, in default preference order. {@code ssh-rsa}
     * is never included: it is only used when a caller asks for it explicitly. Empty for a key
     * we do not support (for instance EC on another curve, or Ed448).
     *
     * @param key the public key
     * @return the algorithm names, strongest first; empty for an unsupported key
     */
    public static List<String> algorithmsFor(PublicKey key) {
        if (key instanceof EdECPublicKey k && isEd25519(k)) {
            return List.of(ED25519);
        }
        if (key instanceof ECPublicKey k) {
            EcCurves curve = EcCurves.of(k);
            return curve == null ? List.of() : List.of(curve.sshName);
        }
        if (key instanceof RSAPublicKey) {
            return List.of("rsa-sha2-512", "rsa-sha2-256");
        }
        return List.of();
    }

    /**
     * The SSH public key blob (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4).
     *
     * @param key an Ed25519, ECDSA (nistp256/384/521) or RSA public key
     * @return the blob
     * @throws IllegalArgumentException for a key type or curve we do not support
     */
    public static byte[] encodePublicKey(PublicKey key) {
        SshWriter w = new SshWriter(64);
        if (key instanceof EdECPublicKey k && isEd25519(k)) {
            w.string(ED25519).string(Ed25519Codec.encode(k.getPoint()));
        } else if (key instanceof ECPublicKey k) {
            EcCurves curve = EcCurves.of(k);
            if (curve == null) {
                throw new IllegalArgumentException("EC key is not on nistp256, nistp384 or nistp521");
            }
            w.string(curve.sshName).string(curve.identifier).string(curve.encodePoint(k.getW()));
        } else if (key instanceof RSAPublicKey k) {
            w.string(RSA).mpint(k.getPublicExponent()).mpint(k.getModulus());
        } else {
            throw new IllegalArgumentException("unsupported public key type " + describe(key));
        }
        return w.toByteArray();
    }

    /**
     * Parses an SSH public key blob into a JCA key. For an OpenSSH certificate blob, the certified
     * key: the certificate is parsed strictly (see {@link OpenSshCertificate#parse}) but neither its
     * signature nor its validity is checked here.
     *
     * @param blob the public key or certificate blob
     * @return the key (for a certificate, the certified key)
     * @throws SshException if the blob is truncated, has trailing bytes, names an unknown key type,
     *                      names a curve that does not match its key type, or holds an invalid key
     *                      (an EC or Ed25519 point not on its curve, a non-positive or oversized
     *                      RSA parameter)
     */
    public static PublicKey decodePublicKey(byte[] blob) throws SshException {
        try {
            SshReader r = new SshReader(blob);
            String type = r.ascii();
            if (OpenSshCertificate.isCertificateAlgorithm(type)) {
                return OpenSshCertificate.parse(blob).publicKey();
            }
            if (ED25519.equals(type)) {
                byte[] a = r.string();
                r.expectEnd("ssh-ed25519 public key blob");
                KeyFactory kf = KeyFactory.getInstance("Ed25519");
                return kf.generatePublic(new EdECPublicKeySpec(NamedParameterSpec.ED25519, Ed25519Codec.decode(a)));
            }
            EcCurves curve = EcCurves.bySshName(type);
            if (curve != null) {
                String id = r.ascii();
                if (!curve.identifier.equals(id)) {
                    throw new SshException("key type " + type + " names curve " + quote(id) + ", expected " + curve.identifier);
                }
                byte[] q = r.string();
                r.expectEnd(type + " public key blob");
                KeyFactory kf = KeyFactory.getInstance("EC");
                return kf.generatePublic(new ECPublicKeySpec(curve.decodePoint(q), curve.params()));
            }
            if (RSA.equals(type)) {
                BigInteger e = r.mpint();
                BigInteger n = r.mpint();
                r.expectEnd("ssh-rsa public key blob");
                if (n.signum() <= 0 || n.bitLength() > RSA_MAX_BITS) {
                    throw new SshException("RSA modulus must be positive and at most " + RSA_MAX_BITS + " bits");
                }
                if (e.signum() <= 0 || !e.testBit(0) || e.equals(BigInteger.ONE) || e.compareTo(n) >= 0) {
                    throw new SshException("RSA public exponent is not an odd number in (1, n)");
                }
                KeyFactory kf = KeyFactory.getInstance("RSA");
                return kf.generatePublic(new RSAPublicKeySpec(n, e));
            }
            throw new SshException("unknown public key type " + quote(type));
        } catch (SshException e) {
            throw new SshException("invalid public key blob: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new SshException("invalid public key blob: the JCA rejected the key: " + e.getMessage(), e);
        }
    }

    /**
     * Signs {@code data}, returning the SSH signature blob {@code string name || string sig}. A
     * certificate algorithm signs as its {@link #underlyingAlgorithm}, whose name the blob holds.
     *
     * @param certOrPlainAlgorithm the signature algorithm, plain or certificate
     * @param key                  the private key
     * @param data                 the data to sign
     * @return the signature blob
     * @throws SshException if the algorithm is unsupported, the key does not fit the algorithm
     *                      (wrong type or curve, RSA under {@value #RSA_MIN_BITS} bits), or the JCA fails
     */
    public static byte[] sign(String certOrPlainAlgorithm, PrivateKey key, byte[] data) throws SshException {
        String algorithm = underlyingAlgorithm(certOrPlainAlgorithm);
        String type = supportedKeyType(algorithm);
        try {
            byte[] sig;
            if (ED25519.equals(type)) {
                if (!(key instanceof EdECPrivateKey k && isEd25519(k))) {
                    throw mismatch(algorithm, key);
                }
                sig = ed25519Sign(k, data);
            } else if (RSA.equals(type)) {
                if (!(key instanceof RSAPrivateKey k)) {
                    throw mismatch(algorithm, key);
                }
                int bits = checkRsaSize(k);
                byte[] s = jcaSign(rsaJcaName(algorithm), key, data);
                sig = leftPad(s, (bits + 7) / 8);
            } else {
                EcCurves curve = EcCurves.bySshName(type);
                if (!(key instanceof ECPrivateKey k) || EcCurves.of(k) != curve) {
                    throw mismatch(algorithm, key);
                }
                EcdsaDer.RS rs = EcdsaDer.decode(jcaSign(curve.jcaSignature, key, data));
                sig = new SshWriter(2 * curve.fieldBytes() + 16).mpint(rs.r()).mpint(rs.s()).toByteArray();
            }
            return new SshWriter(sig.length + 32).string(algorithm).string(sig).toByteArray();
        } catch (GeneralSecurityException e) {
            throw new SshException("signing with " + algorithm + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Verifies an SSH signature blob. The blob's algorithm name must equal {@code algorithm};
     * returns false for a wrong signature, throws for a malformed blob. A certificate algorithm
     * verifies as its {@link #underlyingAlgorithm} (the blob holds that name), with {@code key}
     * the certified key.
     *
     * @param certOrPlainAlgorithm the signature algorithm, plain or certificate
     * @param key                  the public key (for a certificate algorithm, the certified key)
     * @param data                 the data that was signed
     * @param signatureBlob        the signature blob {@code string name || string sig}
     * @return true if the signature verifies, false if it does not
     * @throws SshException if the algorithm is unsupported or does not fit the key, the name in
     *                      the blob differs from {@code algorithm}, the blob is truncated or has
     *                      trailing bytes, an Ed25519 signature is not 64 bytes, an ECDSA r or s is
     *                      negative, an RSA s is longer than the modulus, or the RSA key is under
     *                      {@value #RSA_MIN_BITS} bits
     */
    public static boolean verify(String certOrPlainAlgorithm, PublicKey key, byte[] data, byte[] signatureBlob)
            throws SshException {
        String algorithm = underlyingAlgorithm(certOrPlainAlgorithm);
        String type = supportedKeyType(algorithm);
        byte[] sig;
        try {
            SshReader r = new SshReader(signatureBlob);
            String name = r.ascii();
            if (!name.equals(algorithm)) {
                throw new SshException("signature algorithm " + quote(name) + " does not match the expected " + algorithm);
            }
            sig = r.string();
            r.expectEnd("signature blob");
        } catch (SshException e) {
            throw new SshException("invalid " + algorithm + " signature blob: " + e.getMessage(), e);
        }
        try {
            if (ED25519.equals(type)) {
                if (!(key instanceof EdECPublicKey k && isEd25519(k))) {
                    throw mismatch(algorithm, key);
                }
                if (sig.length != Ed25519Codec.SIGNATURE_SIZE) {
                    throw new SshException("invalid ssh-ed25519 signature: must be " + Ed25519Codec.SIGNATURE_SIZE
                            + " bytes, got " + sig.length);
                }
                return org.bouncycastle.math.ec.rfc8032.Ed25519.verify(sig, 0, Ed25519Codec.encode(k.getPoint()), 0,
                        data, 0, data.length);
            }
            if (RSA.equals(type)) {
                if (!(key instanceof RSAPublicKey k)) {
                    throw mismatch(algorithm, key);
                }
                int len = (checkRsaSize(k) + 7) / 8;
                if (sig.length > len) {
                    throw new SshException("invalid " + algorithm + " signature: " + sig.length
                            + " bytes is longer than the " + len + "-byte modulus");
                }
                return jcaVerify(rsaJcaName(algorithm), key, data, leftPad(sig, len));
            }
            EcCurves curve = EcCurves.bySshName(type);
            if (!(key instanceof ECPublicKey k) || EcCurves.of(k) != curve) {
                throw mismatch(algorithm, key);
            }
            BigInteger rv;
            BigInteger sv;
            try {
                SshReader inner = new SshReader(sig);
                rv = inner.mpint();
                sv = inner.mpint();
                inner.expectEnd("ECDSA signature");
            } catch (SshException e) {
                throw new SshException("invalid " + algorithm + " signature: " + e.getMessage(), e);
            }
            if (rv.signum() < 0 || sv.signum() < 0) {
                throw new SshException("invalid " + algorithm + " signature: negative r or s");
            }
            BigInteger n = curve.order();
            if (rv.signum() == 0 || sv.signum() == 0 || rv.compareTo(n) >= 0 || sv.compareTo(n) >= 0) {
                return false;
            }
            return jcaVerify(curve.jcaSignature, key, data, EcdsaDer.encode(rv, sv));
        } catch (InvalidKeyException | NoSuchAlgorithmException e) {
            throw new SshException("verifying with " + algorithm + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Generates a key pair: {@code type} is ssh-ed25519, ecdsa-sha2-nistpNNN or ssh-rsa (bits used
     * for RSA: 2048 to 8192, or 3072 when {@code bits <= 0}; ignored for the other types). The
     * RSA signature algorithm names are accepted as aliases of ssh-rsa.
     *
     * @param type the key type
     * @param bits the RSA key size; 0 or less for 3072
     * @return the new key pair
     * @throws SshException if the type is unknown or the RSA size is outside 2048 to 8192
     */
    public static KeyPair generate(String type, int bits) throws SshException {
        try {
            if (ED25519.equals(type)) {
                return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            }
            EcCurves curve = EcCurves.bySshName(type);
            if (curve != null) {
                KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
                kpg.initialize(new ECGenParameterSpec(curve.jcaCurveName));
                return kpg.generateKeyPair();
            }
            if (SUPPORTED.contains(type) && RSA.equals(keyType(type))) {
                int size = bits <= 0 ? RSA_DEFAULT_GENERATE_BITS : bits;
                if (size < RSA_MIN_GENERATE_BITS || size > RSA_MAX_GENERATE_BITS) {
                    throw new SshException("RSA key size must be between " + RSA_MIN_GENERATE_BITS + " and "
                            + RSA_MAX_GENERATE_BITS + " bits, got " + size);
                }
                KeyPairGenerator kpg = KeyPairGenerator.getInstance("RSA");
                kpg.initialize(new RSAKeyGenParameterSpec(size, RSAKeyGenParameterSpec.F4));
                return kpg.generateKeyPair();
            }
        } catch (GeneralSecurityException e) {
            throw new SshException("generating a " + type + " key failed: " + e.getMessage(), e);
        }
        throw new SshException("cannot generate keys of type " + quote(type));
    }

    /**
     * SHA256 fingerprint as ssh-keygen -l prints it: {@code SHA256:} and unpadded base64.
     *
     * @param publicKeyBlob the public key blob
     * @return the fingerprint
     */
    public static String fingerprint(byte[] publicKeyBlob) {
        return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest("SHA-256", publicKeyBlob));
    }

    /**
     * MD5 fingerprint as {@code ssh-keygen -E md5 -l} prints it: {@code MD5:} and colon-separated hex.
     *
     * @param publicKeyBlob the public key blob
     * @return the fingerprint, e.g. {@code MD5:3b:1a:...}
     */
    public static String md5Fingerprint(byte[] publicKeyBlob) {
        byte[] h = digest("MD5", publicKeyBlob);
        StringBuilder sb = new StringBuilder("MD5:");
        for (int i = 0; i < h.length; i++) {
            if (i > 0) {
                sb.append(':');
            }
            sb.append(Character.forDigit((h[i] >> 4) & 0xf, 16)).append(Character.forDigit(h[i] & 0xf, 16));
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- helpers

    static boolean isEd25519(EdECKey key) {
        NamedParameterSpec p = key.getParams();
        return p != null && NamedParameterSpec.ED25519.getName().equalsIgnoreCase(p.getName());
    }

    private static String supportedKeyType(String algorithm) throws SshException {
        if (!SUPPORTED.contains(algorithm)) {
            throw new SshException("unsupported signature algorithm " + quote(algorithm));
        }
        return keyType(algorithm);
    }

    private static String rsaJcaName(String algorithm) {
        return switch (algorithm) {
            case "rsa-sha2-256" -> "SHA256withRSA";
            case "rsa-sha2-512" -> "SHA512withRSA";
            case RSA -> "SHA1withRSA";
            default -> throw new IllegalArgumentException(algorithm);
        };
    }

    private static int checkRsaSize(RSAKey key) throws SshException {
        int bits = key.getModulus().bitLength();
        if (bits < RSA_MIN_BITS) {
            throw new SshException("RSA key of " + bits + " bits is too small: at least " + RSA_MIN_BITS
                    + " bits are required (as OpenSSH requires)");
        }
        return bits;
    }

    /**
     * Ed25519 through Bouncy Castle's RFC 8032 code rather than the JCA: JDK 17's provider is
     * pure Java and about 20 times slower (685 µs against 32 µs per signature here, see
     * tether-bench's HandshakeCryptoBenchmark), which dominated the server's handshake CPU. The
     * key stays a JCA key; only its 32-byte seed is handed over, and wiped afterwards.
     */
    private static byte[] ed25519Sign(EdECPrivateKey key, byte[] data) throws SshException {
        byte[] seed = key.getBytes().orElseThrow(() -> new SshException("the Ed25519 private key does not expose its seed"));
        try {
            byte[] sig = new byte[Ed25519Codec.SIGNATURE_SIZE];
            org.bouncycastle.math.ec.rfc8032.Ed25519.sign(seed, 0, data, 0, data.length, sig, 0);
            return sig;
        } finally {
            java.util.Arrays.fill(seed, (byte) 0);
        }
    }

    private static byte[] jcaSign(String jcaName, PrivateKey key, byte[] data) throws GeneralSecurityException {
        Signature s = Signature.getInstance(jcaName);
        s.initSign(key);
        s.update(data);
        return s.sign();
    }

    private static boolean jcaVerify(String jcaName, PublicKey key, byte[] data, byte[] sig)
            throws InvalidKeyException, NoSuchAlgorithmException {
        Signature s = Signature.getInstance(jcaName);
        s.initVerify(key);
        try {
            s.update(data);
            return s.verify(sig);
        } catch (SignatureException e) {
            // a signature the provider cannot even parse is a wrong signature
            return false;
        }
    }

    /** {@code b} left-padded with zeros to {@code len} bytes, dropping surplus leading zeros. */
    static byte[] leftPad(byte[] b, int len) {
        int start = 0;
        while (b.length - start > len && b[start] == 0) {
            start++;
        }
        if (b.length - start > len) {
            throw new IllegalArgumentException("value longer than " + len + " bytes");
        }
        byte[] out = new byte[len];
        System.arraycopy(b, start, out, len - (b.length - start), b.length - start);
        return out;
    }

    private static byte[] digest(String alg, byte[] data) {
        try {
            return MessageDigest.getInstance(alg).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(alg + " is not available", e);
        }
    }

    private static SshException mismatch(String algorithm, java.security.Key key) {
        return new SshException("a " + describe(key) + " key cannot be used with " + algorithm);
    }

    /** Names a key's type and parameters without revealing anything of the key itself. */
    static String describe(java.security.Key key) {
        if (key == null) {
            return "null";
        }
        if (key instanceof EdECKey k) {
            return k.getParams() == null ? "EdDSA" : k.getParams().getName();
        }
        if (key instanceof java.security.interfaces.ECKey k) {
            EcCurves c = EcCurves.of(k);
            return c == null ? "EC (unsupported curve)" : "EC " + c.identifier;
        }
        if (key instanceof RSAKey k) {
            return "RSA " + k.getModulus().bitLength() + "-bit";
        }
        return key.getAlgorithm();
    }

    /** A peer-supplied name, quoted and cut short for an error message. */
    static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.append(s.length() > 64 ? "...\"" : "\"").toString();
    }
}
