package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.interfaces.ECKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.EllipticCurve;
import java.util.Arrays;

/**
 * The three NIST prime curves of RFC 5656 §10.1 and the point encoding SSH uses for them:
 * the uncompressed SEC1 form {@code 0x04 || X || Y} (RFC 5656 §3.1, SEC1 §2.3.3).
 */
enum EcCurves {
    NISTP256("nistp256", "secp256r1", "SHA256withECDSA"),
    NISTP384("nistp384", "secp384r1", "SHA384withECDSA"),
    NISTP521("nistp521", "secp521r1", "SHA512withECDSA");

    /** The curve identifier inside SSH blobs, e.g. {@code nistp256}. */
    final String identifier;
    /** The SSH algorithm and key type name, e.g. {@code ecdsa-sha2-nistp256}. */
    final String sshName;
    /** The JCA signature algorithm (RFC 5656 §6.2.1 picks the hash by curve size). */
    final String jcaSignature;
    final String jcaCurveName;
    private ECParameterSpec params;

    EcCurves(String identifier, String jcaCurveName, String jcaSignature) {
        this.identifier = identifier;
        this.sshName = "ecdsa-sha2-" + identifier;
        this.jcaCurveName = jcaCurveName;
        this.jcaSignature = jcaSignature;
    }

    /** The JCA domain parameters, looked up once. */
    synchronized ECParameterSpec params() {
        if (params == null) {
            try {
                AlgorithmParameters ap = AlgorithmParameters.getInstance("EC");
                ap.init(new ECGenParameterSpec(jcaCurveName));
                params = ap.getParameterSpec(ECParameterSpec.class);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JCA does not support " + jcaCurveName, e);
            }
        }
        return params;
    }

    /** The field prime p. */
    BigInteger prime() {
        return ((ECFieldFp) params().getCurve().getField()).getP();
    }

    /** The group order n. */
    BigInteger order() {
        return params().getOrder();
    }

    /** Bytes per coordinate: ceil(log2(p) / 8). */
    int fieldBytes() {
        return (params().getCurve().getField().getFieldSize() + 7) / 8;
    }

    /** The curve for an SSH algorithm or key type name, or null. */
    static EcCurves bySshName(String name) {
        for (EcCurves c : values()) {
            if (c.sshName.equals(name)) {
                return c;
            }
        }
        return null;
    }

    /** The curve whose domain parameters a JCA key carries, or null for any other curve. */
    static EcCurves of(ECKey key) {
        ECParameterSpec p = key.getParams();
        if (p == null) {
            return null;
        }
        for (EcCurves c : values()) {
            ECParameterSpec q = c.params();
            if (sameCurve(p.getCurve(), q.getCurve())
                    && p.getGenerator().equals(q.getGenerator())
                    && p.getOrder().equals(q.getOrder())
                    && p.getCofactor() == q.getCofactor()) {
                return c;
            }
        }
        return null;
    }

    private static boolean sameCurve(EllipticCurve a, EllipticCurve b) {
        return a.getField().equals(b.getField()) && a.getA().equals(b.getA()) && a.getB().equals(b.getB());
    }

    /** {@code 0x04 || X || Y}, each coordinate left-padded to {@link #fieldBytes()}. */
    byte[] encodePoint(ECPoint w) {
        int n = fieldBytes();
        byte[] out = new byte[1 + 2 * n];
        out[0] = 0x04;
        putFixed(w.getAffineX(), out, 1, n);
        putFixed(w.getAffineY(), out, 1 + n, n);
        return out;
    }

    /**
     * Decodes an uncompressed point and checks that it is a valid public key: coordinates in
     * [0, p) and on the curve. The NIST curves have cofactor 1, so a point on the curve other
     * than infinity (which has no affine encoding) is in the prime-order group.
     */
    ECPoint decodePoint(byte[] enc) throws SshException {
        int n = fieldBytes();
        if (enc.length == 0 || enc[0] != 0x04) {
            throw new SshException("ECDSA " + identifier + " public key is not an uncompressed point");
        }
        if (enc.length != 1 + 2 * n) {
            throw new SshException("ECDSA " + identifier + " point must be " + (1 + 2 * n) + " bytes, got " + enc.length);
        }
        BigInteger x = new BigInteger(1, Arrays.copyOfRange(enc, 1, 1 + n));
        BigInteger y = new BigInteger(1, Arrays.copyOfRange(enc, 1 + n, 1 + 2 * n));
        BigInteger p = prime();
        if (x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
            throw new SshException("ECDSA " + identifier + " point has a coordinate outside the field");
        }
        EllipticCurve curve = params().getCurve();
        BigInteger lhs = y.multiply(y).mod(p);
        BigInteger rhs = x.multiply(x).add(curve.getA()).multiply(x).add(curve.getB()).mod(p);
        if (!lhs.equals(rhs)) {
            throw new SshException("ECDSA " + identifier + " point is not on the curve");
        }
        return new ECPoint(x, y);
    }

    /** Writes a non-negative integer big-endian into exactly {@code len} bytes. */
    static void putFixed(BigInteger v, byte[] out, int off, int len) {
        byte[] b = v.toByteArray();
        int start = 0;
        while (start < b.length - 1 && b[start] == 0) {
            start++;
        }
        int n = b.length - start;
        if (n > len) {
            throw new IllegalArgumentException("value does not fit in " + len + " bytes");
        }
        System.arraycopy(b, start, out, off + len - n, n);
    }
}
