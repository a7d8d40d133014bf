package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An OpenSSH certificate (OpenSSH's PROTOCOL.certkeys, draft-miller-ssh-cert): a public key
 * signed by a certificate authority together with its principals, validity window, critical
 * options and extensions. Immutable.
 *
 * <p>Certificate key types: {@code ssh-ed25519-cert-v01@openssh.com},
 * {@code ecdsa-sha2-nistp256/384/521-cert-v01@openssh.com}, {@code ssh-rsa-cert-v01@openssh.com};
 * as signature/host key algorithms RSA certificates also appear as
 * {@code rsa-sha2-256-cert-v01@openssh.com} and {@code rsa-sha2-512-cert-v01@openssh.com}.
 *
 * <p>Encoding (all certificate types share it; only the key fields differ):
 * <pre>
 * string    key type, e.g. "ssh-ed25519-cert-v01@openssh.com"
 * string    nonce
 * ...       the key's fields: string pk (ed25519); string curve, string Q (ecdsa); mpint e, mpint n (rsa)
 * uint64    serial
 * uint32    type (1 user, 2 host)
 * string    key id
 * string    valid principals (a sequence of strings)
 * uint64    valid after
 * uint64    valid before
 * string    critical options (a sequence of string name, string data)
 * string    extensions (same format)
 * string    reserved
 * string    signature key (the CA's public key blob)
 * string    signature (over every byte above)
 * </pre>
 * An option's or extension's data is empty (a flag) or itself holds one string, the value.
 *
 * <p>Parsing is strict: an unknown key or certificate type, trailing bytes, options or
 * extensions out of order or repeated, a CA key that is itself a certificate or a malformed
 * value is refused. Parsing does not check the signature, the CA or the validity window: that is
 * what {@link #verifySignature} and {@link #validate} are for.
 */
public final class OpenSshCertificate {
    /** The certificate's role: user (1) or host (2). */
    public enum Type {
        /** A user certificate (1): it logs in users named by its principals. */
        USER(1),
        /** A host certificate (2): it vouches for a server's host key under its principals' names. */
        HOST(2);

        private final int code;

        Type(int code) {
            this.code = code;
        }

        /**
         * The type's number in the certificate.
         *
         * @return 1 for USER, 2 for HOST
         */
        public int code() {
            return code;
        }

        static Type of(long code) throws SshException {
            for (Type t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            throw new SshException("unknown certificate type " + code + " (1 is user, 2 is host)");
        }

        String lowerName() {
            return this == USER ? "user" : "host";
        }
    }

    /** The suffix of every certificate key type and certificate algorithm name. */
    static final String SUFFIX = "-cert-v01@openssh.com";

    /** {@code valid before} meaning "never expires". */
    public static final long FOREVER = 0xffffffffffffffffL;

    /** Critical options we understand; a certificate with any other must be refused (PROTOCOL.certkeys). */
    public static final Set<String> KNOWN_CRITICAL_OPTIONS = Set.of("force-command", "source-address", "verify-required");

    /** The most principals a certificate may list, as in OpenSSH. */
    static final int MAX_PRINCIPALS = 256;

    /** Plain key types that have a certificate form. */
    private static final List<String> CERTIFIABLE = List.of(
            "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa");
    /** Certificate algorithm names that are not key types: RSA with SHA-2 signatures. */
    private static final List<String> RSA_SHA2_CERT_ALGORITHMS = List.of(
            "rsa-sha2-256" + SUFFIX, "rsa-sha2-512" + SUFFIX);

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int NONCE_SIZE = 32;

    private final byte[] encoded;
    private final int bodyLength;
    private final String keyType;
    private final PublicKey publicKey;
    private final byte[] publicKeyBlob;
    private final long serial;
    private final Type type;
    private final String keyId;
    private final List<String> principals;
    private final long validAfter;
    private final long validBefore;
    private final Map<String, String> criticalOptions;
    private final Map<String, String> extensions;
    private final byte[] signatureKey;
    private final PublicKey caKey;
    private final String signatureAlgorithm;
    private final byte[] signature;

    private OpenSshCertificate(byte[] blob) throws SshException {
        SshReader r = new SshReader(blob);
        keyType = r.ascii();
        String plain = plainKeyType(keyType);
        if (plain == null) {
            throw new SshException("unknown certificate key type " + SignatureAlgorithms.quote(keyType));
        }
        r.string(); // nonce: any length, only there to randomise what the CA signs
        int keyStart = r.position();
        if (plain.equals(SignatureAlgorithms.RSA)) {
            r.mpint();
            r.mpint();
        } else if (plain.equals(SignatureAlgorithms.ED25519)) {
            r.string();
        } else {
            r.string();
            r.string();
        }
        int keyEnd = r.position();
        publicKeyBlob = new SshWriter(keyEnd - keyStart + plain.length() + 8)
                .string(plain).raw(blob, keyStart, keyEnd - keyStart).toByteArray();
        publicKey = decodePlainKey(publicKeyBlob, "certified key");
        serial = r.uint64();
        type = Type.of(r.uint32AsLong());
        keyId = cstring(r, "key id");
        principals = parsePrincipals(r.string());
        validAfter = r.uint64();
        validBefore = r.uint64();
        criticalOptions = parseOptions(r.string(), "critical option");
        extensions = parseOptions(r.string(), "extension");
        r.string(); // reserved: ignored, as the protocol says
        signatureKey = r.string();
        caKey = decodePlainKey(signatureKey, "CA key");
        bodyLength = r.position();
        signature = r.string();
        r.expectEnd("certificate");
        SshReader s = new SshReader(signature);
        signatureAlgorithm = s.ascii();
        s.string();
        s.expectEnd("certificate signature");
        if (isCertificateAlgorithm(signatureAlgorithm)) {
            throw new SshException("certificate signature names a certificate algorithm "
                    + SignatureAlgorithms.quote(signatureAlgorithm));
        }
        encoded = blob.clone();
    }

    /**
     * True if {@code name} is a certificate key type or certificate signature algorithm name.
     *
     * @param name a key type or algorithm name, or null
     * @return true for the {@code -cert-v01@openssh.com} names Tether supports
     */
    public static boolean isCertificateAlgorithm(String name) {
        return name != null && (plainKeyType(name) != null || RSA_SHA2_CERT_ALGORITHMS.contains(name));
    }

    /**
     * The plain key type a certificate key type certifies ({@code ssh-rsa} for
     * {@code ssh-rsa-cert-v01@openssh.com}), or null if {@code certType} is not a supported
     * certificate key type. The {@code rsa-sha2-*} certificate algorithm names are not key types.
     */
    static String plainKeyType(String certType) {
        if (certType == null || !certType.endsWith(SUFFIX)) {
            return null;
        }
        String plain = certType.substring(0, certType.length() - SUFFIX.length());
        return CERTIFIABLE.contains(plain) ? plain : null;
    }

    /**
     * Parses a certificate blob (as sent on the wire or base64-decoded from a -cert.pub file).
     *
     * @param blob the certificate blob
     * @return the parsed certificate; its signature is not checked (see {@link #verifySignature} and
     *     {@link #validate})
     * @throws SshException if the blob is null, malformed, of an unsupported type, or has trailing bytes
     */
    public static OpenSshCertificate parse(byte[] blob) throws SshException {
        if (blob == null) {
            throw new SshException("invalid certificate: null");
        }
        try {
            return new OpenSshCertificate(blob);
        } catch (SshException e) {
            throw new SshException("invalid certificate: " + e.getMessage(), e);
        }
    }

    /**
     * Parses a {@code -cert.pub} line: {@code TYPE BASE64 [COMMENT]}; the type must match the blob.
     *
     * @param line the line, e.g. the content of {@code id_ed25519-cert.pub}
     * @return the parsed certificate; its signature is not checked
     * @throws SshException if the line has no base64 blob, the blob is not a valid certificate, or its type differs
     *     from the line's
     */
    public static OpenSshCertificate parseLine(String line) throws SshException {
        String[] f = line == null ? new String[0] : line.strip().split("[ \t]+", 3);
        if (f.length < 2) {
            throw new SshException("invalid certificate line: expected TYPE BASE64 [COMMENT]");
        }
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(f[1]);
        } catch (IllegalArgumentException e) {
            throw new SshException("invalid certificate line: the key is not valid base64", e);
        }
        OpenSshCertificate c = parse(blob);
        if (!c.keyType.equals(f[0])) {
            throw new SshException("invalid certificate line: type " + SignatureAlgorithms.quote(f[0])
                    + " does not match the certificate's " + c.keyType);
        }
        return c;
    }

    /**
     * The whole certificate blob.
     *
     * @return a copy of the blob
     */
    public byte[] encoded() {
        return encoded.clone();
    }

    /**
     * The bytes the CA signed: everything before the signature string.
     *
     * @return a copy of the signed bytes
     */
    public byte[] signedBody() {
        return Arrays.copyOf(encoded, bodyLength);
    }

    /**
     * e.g. {@code ssh-ed25519-cert-v01@openssh.com}.
     *
     * @return the certificate key type
     */
    public String keyType() {
        return keyType;
    }

    /**
     * The certified public key.
     *
     * @return the public key
     */
    public PublicKey publicKey() {
        return publicKey;
    }

    /**
     * The certified key's plain public key blob.
     *
     * @return a copy of the plain key blob
     */
    public byte[] publicKeyBlob() {
        return publicKeyBlob.clone();
    }

    /**
     * The serial number the CA gave the certificate.
     *
     * @return the serial, an unsigned 64-bit value
     */
    public long serial() {
        return serial;
    }

    /**
     * Whether this is a user or a host certificate.
     *
     * @return the type
     */
    public Type type() {
        return type;
    }

    /**
     * The key ID the CA gave the certificate, which logs name.
     *
     * @return the key ID
     */
    public String keyId() {
        return keyId;
    }

    /**
     * Valid principals; empty means any principal (OpenSSH treats it so).
     *
     * @return the principals, unmodifiable
     */
    public List<String> principals() {
        return principals;
    }

    /**
     * Seconds since the epoch, unsigned; {@code validBefore} of 0xffffffffffffffff means forever.
     *
     * @return the start of validity, in seconds since the epoch, unsigned
     */
    public long validAfter() {
        return validAfter;
    }

    /**
     * The end of validity, in seconds since the epoch, unsigned; 0xffffffffffffffff (-1 as a long) means forever.
     *
     * @return the first second at which the certificate is no longer valid
     */
    public long validBefore() {
        return validBefore;
    }

    /**
     * Critical options by name ({@code force-command}, {@code source-address}), values decoded.
     *
     * @return the options, by name, unmodifiable
     */
    public Map<String, String> criticalOptions() {
        return criticalOptions;
    }

    /**
     * Extensions by name ({@code permit-pty}, {@code permit-port-forwarding}, ...), values decoded.
     *
     * @return the extensions, by name, unmodifiable
     */
    public Map<String, String> extensions() {
        return extensions;
    }

    /**
     * The CA's public key blob.
     *
     * @return a copy of the CA key blob
     */
    public byte[] signatureKey() {
        return signatureKey.clone();
    }

    /**
     * The CA's public key.
     *
     * @return the CA's key
     */
    public PublicKey caPublicKey() {
        return caKey;
    }

    /**
     * The algorithm the CA signed with, from the signature blob, e.g. {@code rsa-sha2-512}.
     *
     * @return the signature algorithm name
     */
    public String signatureAlgorithm() {
        return signatureAlgorithm;
    }

    /**
     * Checks the CA signature over the certificate body. SHA-1 {@code ssh-rsa} CA signatures are
     * refused unless {@code allowSha1} is set.
     *
     * @param allowSha1 whether an {@code ssh-rsa} (SHA-1) CA signature is accepted
     * @return false if the signature does not verify
     * @throws SshException if the signature uses {@code ssh-rsa} and {@code allowSha1} is false,
     *                      uses an unsupported algorithm, does not fit the CA key's type, or is
     *                      malformed
     */
    public boolean verifySignature(boolean allowSha1) throws SshException {
        if (SignatureAlgorithms.RSA.equals(signatureAlgorithm) && !allowSha1) {
            throw new SshException("certificate is signed with ssh-rsa (RSA with SHA-1), which is not allowed");
        }
        return SignatureAlgorithms.verify(signatureAlgorithm, caKey, Arrays.copyOf(encoded, bodyLength), signature);
    }

    /**
     * Full validation: type matches, the CA signature verifies, the CA key is one of
     * {@code trustedCaBlobs}, {@code now} is inside the validity window, {@code principal} (if
     * non-null) is listed (or the list is empty), and no unknown critical option is present.
     * Throws an {@link SshException} whose message says which check failed. SHA-1 CA signatures
     * are refused.
     *
     * <p>The caller must still enforce the known critical options it accepts here:
     * {@code force-command}, {@code source-address} and {@code verify-required}.
     *
     * @param expected       the type the certificate must have
     * @param principal      the name that must be among the principals, or null not to check
     * @param now            the time that must be inside the validity window
     * @param trustedCaBlobs the CA key blobs trusted to sign
     * @throws SshException if any check fails, naming it
     */
    public void validate(Type expected, String principal, Instant now, Collection<byte[]> trustedCaBlobs) throws SshException {
        validate(expected, principal, now, trustedCaBlobs, false);
    }

    /**
     * As {@link #validate(Type, String, Instant, Collection)}, allowing {@code ssh-rsa} CA signatures if asked.
     *
     * @param expected       the type the certificate must have
     * @param principal      the name that must be among the principals, or null not to check
     * @param now            the time that must be inside the validity window
     * @param trustedCaBlobs the CA key blobs trusted to sign
     * @param allowSha1      whether an {@code ssh-rsa} (SHA-1) CA signature is accepted
     * @throws SshException if any check fails, naming it
     */
    public void validate(Type expected, String principal, Instant now, Collection<byte[]> trustedCaBlobs,
                         boolean allowSha1) throws SshException {
        if (expected == null || now == null || trustedCaBlobs == null) {
            throw new NullPointerException("expected type, now and trusted CA keys are required");
        }
        if (type != expected) {
            throw new SshException("certificate is a " + type.lowerName() + " certificate, expected a "
                    + expected.lowerName() + " certificate");
        }
        boolean trusted = false;
        for (byte[] ca : trustedCaBlobs) {
            // no early exit and a constant-time comparison: do not reveal which key matched
            trusted |= ca != null && MessageDigest.isEqual(ca, signatureKey);
        }
        if (!trusted) {
            throw new SshException("certificate is signed by an untrusted CA " + caDescription());
        }
        boolean ok;
        try {
            ok = verifySignature(allowSha1);
        } catch (SshException e) {
            throw new SshException("certificate signature is not acceptable: " + e.getMessage(), e);
        }
        if (!ok) {
            throw new SshException("certificate signature does not verify with its CA key " + caDescription());
        }
        long t = Math.max(0, now.getEpochSecond());
        if (Long.compareUnsigned(t, validAfter) < 0) {
            throw new SshException("certificate is not yet valid: valid from " + formatTime(validAfter)
                    + ", now is " + formatTime(t));
        }
        if (Long.compareUnsigned(t, validBefore) >= 0) {
            throw new SshException("certificate expired at " + formatTime(validBefore) + ", now is " + formatTime(t));
        }
        if (principal != null && !principals.isEmpty() && !principals.contains(principal)) {
            throw new SshException("principal " + quotePrincipal(principal) + " not in certificate principals "
                    + principalsForMessage());
        }
        for (String option : criticalOptions.keySet()) {
            if (!KNOWN_CRITICAL_OPTIONS.contains(option)) {
                throw new SshException("certificate has an unsupported critical option " + quotePrincipal(option)
                        + " and must be refused");
            }
        }
    }

    /**
     * Signs a new certificate with the CA key, as {@code ssh-keygen -s} does.
     *
     * @param key                  the public key to certify
     * @param type                 user or host
     * @param serial               the serial number
     * @param keyId                the key ID
     * @param principals           the principals; empty means any
     * @param validAfter           the start of validity, seconds since the epoch, unsigned
     * @param validBefore          the end of validity, unsigned; -1 (0xffffffffffffffff) for forever
     * @param criticalOptions      the critical options by name, e.g. {@code force-command}
     * @param extensions           the extensions by name, e.g. {@code permit-pty} with an empty value
     * @param caPublic             the CA's public key
     * @param caPrivate            the CA's private key
     * @param caSignatureAlgorithm the CA's signature algorithm, or null for the strongest its key type offers
     * @return the signed certificate
     * @throws NullPointerException if the key, type, key ID, principals or a CA key is null
     * @throws SshException         if the validity window is empty or a key is of an unsupported type
     */
    public static OpenSshCertificate sign(PublicKey key, Type type, long serial, String keyId, List<String> principals,
                                          long validAfter, long validBefore, Map<String, String> criticalOptions,
                                          Map<String, String> extensions, PublicKey caPublic, PrivateKey caPrivate,
                                          String caSignatureAlgorithm) throws SshException {
        if (key == null || type == null || keyId == null || principals == null || caPublic == null || caPrivate == null) {
            throw new NullPointerException("key, type, keyId, principals and the CA keys are required");
        }
        if (Long.compareUnsigned(validAfter, validBefore) >= 0) {
            throw new SshException("certificate validity is empty: valid after " + formatTime(validAfter)
                    + " is not before valid before " + formatTime(validBefore));
        }
        String caAlg = caSignatureAlgorithm;
        if (caAlg == null) {
            List<String> algs = SignatureAlgorithms.algorithmsFor(caPublic);
            if (algs.isEmpty()) {
                throw new SshException("unsupported CA key " + SignatureAlgorithms.describe(caPublic));
            }
            caAlg = algs.get(0);
        }
        byte[] plainBlob;
        byte[] caBlob;
        try {
            plainBlob = SignatureAlgorithms.encodePublicKey(key);
            caBlob = SignatureAlgorithms.encodePublicKey(caPublic);
        } catch (IllegalArgumentException e) {
            throw new SshException("cannot certify: " + e.getMessage(), e);
        }
        SshReader pr = new SshReader(plainBlob);
        String plain = pr.ascii();
        byte[] keyFields = pr.rest();
        byte[] nonce = new byte[NONCE_SIZE];
        RANDOM.nextBytes(nonce);

        SshWriter w = new SshWriter(plainBlob.length + caBlob.length + 512);
        w.string(plain + SUFFIX).string(nonce).raw(keyFields).uint64(serial).uint32(type.code());
        w.string(checkCstring(keyId, "key id"));
        SshWriter p = new SshWriter();
        for (String principal : principals) {
            p.string(checkCstring(principal, "principal"));
        }
        w.string(p.toByteArray()).uint64(validAfter).uint64(validBefore);
        w.string(encodeOptions(criticalOptions, "critical option"));
        w.string(encodeOptions(extensions, "extension"));
        w.string(new byte[0]); // reserved
        w.string(caBlob);
        byte[] body = w.toByteArray();
        byte[] sig = SignatureAlgorithms.sign(caAlg, caPrivate, body);
        OpenSshCertificate cert = parse(new SshWriter(body.length + sig.length + 8).raw(body).string(sig).toByteArray());
        if (!cert.verifySignature(true)) {
            throw new SshException("the CA private key does not belong to the CA public key");
        }
        return cert;
    }

    /**
     * The {@code -cert.pub} line {@code TYPE BASE64 [COMMENT]}, without a line terminator.
     *
     * @param comment the comment to append, or null or empty for none
     * @return the line
     */
    public String toLine(String comment) {
        String s = keyType + " " + Base64.getEncoder().encodeToString(encoded);
        if (comment == null || comment.isEmpty()) {
            return s;
        }
        if (comment.indexOf('\n') >= 0 || comment.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a certificate comment cannot contain a line break");
        }
        return s + " " + comment;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OpenSshCertificate c && Arrays.equals(encoded, c.encoded);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encoded);
    }

    @Override
    public String toString() {
        return keyType + " " + type.lowerName() + " certificate id " + quotePrincipal(keyId) + " serial "
                + Long.toUnsignedString(serial) + " for " + principalsForMessage() + " valid "
                + validityForMessage() + " signed by " + caDescription();
    }

    // ---------------------------------------------------------------- helpers

    private static PublicKey decodePlainKey(byte[] blob, String what) throws SshException {
        String name;
        try {
            name = new SshReader(blob).ascii();
        } catch (SshException e) {
            throw new SshException(what + ": " + e.getMessage(), e);
        }
        if (name.endsWith(SUFFIX)) {
            throw new SshException(what + " is itself a certificate (" + SignatureAlgorithms.quote(name) + ")");
        }
        try {
            return SignatureAlgorithms.decodePublicKey(blob);
        } catch (SshException e) {
            throw new SshException(what + ": " + e.getMessage(), e);
        }
    }

    /** A UTF-8 string without NUL bytes, as OpenSSH reads C strings. */
    private static String cstring(SshReader r, String what) throws SshException {
        String s;
        try {
            s = r.utf8();
        } catch (SshException e) {
            throw new SshException(what + ": " + e.getMessage(), e);
        }
        if (s.indexOf('\0') >= 0) {
            throw new SshException(what + " contains a NUL byte");
        }
        return s;
    }

    private static String checkCstring(String s, String what) {
        if (s == null) {
            throw new NullPointerException(what);
        }
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " contains a NUL character");
        }
        return s;
    }

    private static List<String> parsePrincipals(byte[] buf) throws SshException {
        SshReader r = new SshReader(buf);
        List<String> out = new ArrayList<>();
        while (r.hasRemaining()) {
            if (out.size() == MAX_PRINCIPALS) {
                throw new SshException("more than " + MAX_PRINCIPALS + " principals");
            }
            out.add(cstring(r, "principal"));
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Parses a critical options or extensions buffer: pairs of string name and string data, names
     * in strictly increasing byte order; data empty or one string holding the value.
     */
    private static Map<String, String> parseOptions(byte[] buf, String what) throws SshException {
        SshReader r = new SshReader(buf);
        Map<String, String> out = new LinkedHashMap<>();
        byte[] previous = null;
        while (r.hasRemaining()) {
            String name = cstring(r, what + " name");
            if (name.isEmpty()) {
                throw new SshException("empty " + what + " name");
            }
            byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
            if (previous != null) {
                int c = Arrays.compareUnsigned(previous, nameBytes);
                if (c == 0) {
                    throw new SshException(what + " " + SignatureAlgorithms.quote(name) + " appears twice");
                }
                if (c > 0) {
                    throw new SshException(what + "s are not in lexical order: " + SignatureAlgorithms.quote(name)
                            + " follows " + SignatureAlgorithms.quote(new String(previous, StandardCharsets.UTF_8)));
                }
            }
            previous = nameBytes;
            byte[] data = r.string();
            String value = "";
            if (data.length > 0) {
                SshReader d = new SshReader(data);
                value = cstring(d, what + " " + SignatureAlgorithms.quote(name) + " value");
                d.expectEnd(what + " " + SignatureAlgorithms.quote(name) + " data");
            }
            out.put(name, value);
        }
        return Collections.unmodifiableMap(out);
    }

    private static byte[] encodeOptions(Map<String, String> options, String what) {
        if (options == null || options.isEmpty()) {
            return new byte[0];
        }
        List<Map.Entry<String, String>> entries = new ArrayList<>(options.entrySet());
        entries.sort((a, b) -> Arrays.compareUnsigned(a.getKey().getBytes(StandardCharsets.UTF_8),
                b.getKey().getBytes(StandardCharsets.UTF_8)));
        SshWriter w = new SshWriter();
        for (Map.Entry<String, String> e : entries) {
            String name = checkCstring(e.getKey(), what + " name");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("empty " + what + " name");
            }
            String value = checkCstring(e.getValue(), what + " " + name + " value");
            w.string(name);
            if (value.isEmpty()) {
                w.string(new byte[0]);
            } else {
                w.string(new SshWriter().string(value).toByteArray());
            }
        }
        return w.toByteArray();
    }

    /** An unsigned epoch second as an ISO instant, "forever" for the maximum. */
    static String formatTime(long unsignedSeconds) {
        if (unsignedSeconds == FOREVER) {
            return "forever";
        }
        if (unsignedSeconds < 0 || unsignedSeconds > Instant.MAX.getEpochSecond()) {
            return Long.toUnsignedString(unsignedSeconds) + " (seconds since the epoch)";
        }
        return Instant.ofEpochSecond(unsignedSeconds).toString();
    }

    private String validityForMessage() {
        if (validAfter == 0 && validBefore == FOREVER) {
            return "forever";
        }
        return "from " + formatTime(validAfter) + " to " + formatTime(validBefore);
    }

    private String principalsForMessage() {
        if (principals.isEmpty()) {
            return "[] (any principal)";
        }
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < principals.size() && i < 16; i++) {
            sb.append(i > 0 ? ", " : "").append(printable(principals.get(i)));
        }
        return sb.append(principals.size() > 16 ? ", ...]" : "]").toString();
    }

    private String caDescription() {
        String name;
        try {
            name = new SshReader(signatureKey).ascii();
        } catch (SshException e) {
            name = "?";
        }
        return name + " " + SignatureAlgorithms.fingerprint(signatureKey);
    }

    private static String quotePrincipal(String s) {
        return "'" + printable(s) + "'";
    }

    /** A value from the certificate, with control characters replaced and cut short, for messages. */
    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < 128; i++) {
            char c = s.charAt(i);
            sb.append(Character.isISOControl(c) ? '?' : c);
        }
        return s.length() > 128 ? sb.append("...").toString() : sb.toString();
    }
}
