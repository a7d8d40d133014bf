package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Objects;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One key line of a known_hosts file (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): an optional marker,
 * the host patterns (or one hashed host name), the key and an optional comment. Immutable.
 */
public final class KnownHostsEntry {
    /** The line's marker. */
    public enum Marker {
        /** A plain host key. */
        NONE(""),
        /** {@code @cert-authority}: a CA trusted to sign host certificates for the hosts. */
        CERT_AUTHORITY("@cert-authority"),
        /** {@code @revoked}: a key never to be accepted, neither as host key nor as CA. */
        REVOKED("@revoked");

        private final String text;

        Marker(String text) {
            this.text = text;
        }

        /**
         * The marker as written in the file, or "" for none.
         *
         * @return the marker text, e.g. {@code @revoked}
         */
        public String text() {
            return text;
        }
    }

    /** The magic of a hashed host name: {@code |1|base64(salt)|base64(HMAC-SHA1(salt, name))}. */
    static final String HASH_MAGIC = "|1|";
    /** Salt and HMAC-SHA1 length. */
    static final int HASH_LENGTH = 20;

    /** Key type names OpenSSH knows; a line whose type is one of these is read as a key. */
    static final Set<String> OPENSSH_KEY_TYPES = Set.of(
            "ssh-ed25519", "ssh-rsa", "ssh-dss",
            "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
            "sk-ecdsa-sha2-nistp256@openssh.com", "sk-ssh-ed25519@openssh.com", "ssh-xmss@openssh.com",
            "ssh-ed25519-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com", "ssh-dss-cert-v01@openssh.com",
            "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com",
            "ecdsa-sha2-nistp521-cert-v01@openssh.com", "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
            "sk-ssh-ed25519-cert-v01@openssh.com", "ssh-xmss-cert-v01@openssh.com");

    static final String CERT_SUFFIX = "-cert-v01@openssh.com";

    private final Path file;
    private final String source;
    private final int line;
    private final Marker marker;
    private final String hosts;
    private final byte[] salt;
    private final byte[] hostHash;
    private final String keyType;
    private final byte[] blob;
    private final String comment;

    KnownHostsEntry(Path file, String source, int line, Marker marker, String hosts, String keyType, byte[] blob,
                    String comment) throws SshException {
        this.file = file;
        this.source = Objects.requireNonNull(source);
        this.line = line;
        this.marker = Objects.requireNonNull(marker);
        this.hosts = Objects.requireNonNull(hosts);
        this.keyType = Objects.requireNonNull(keyType);
        this.blob = blob.clone();
        this.comment = comment == null ? "" : comment;
        if (hosts.startsWith("|")) {
            byte[][] parsed = parseHashed(hosts);
            this.salt = parsed[0];
            this.hostHash = parsed[1];
        } else {
            this.salt = null;
            this.hostHash = null;
        }
    }

    /**
     * The file the line came from, or null when parsed from a string.
     *
     * @return the file, or null
     */
    public Path file() {
        return file;
    }

    /**
     * 1-based line number.
     *
     * @return the line number
     */
    public int line() {
        return line;
    }

    /**
     * {@code file:line}, as OpenSSH names a line in its messages.
     *
     * @return the location, e.g. {@code /home/u/.ssh/known_hosts:7}
     */
    public String location() {
        return source + ":" + line;
    }

    /**
     * The line's marker: none, {@code @cert-authority} or {@code @revoked}.
     *
     * @return the marker
     */
    public Marker marker() {
        return marker;
    }

    /**
     * The host field as written: a pattern list, or one hashed name.
     *
     * @return the host field
     */
    public String hosts() {
        return hosts;
    }

    /**
     * Whether the host field is one hashed name ({@code |1|salt|hash}, {@code HashKnownHosts}).
     *
     * @return true for a hashed line
     */
    public boolean isHashed() {
        return hostHash != null;
    }

    /**
     * The key type named on the line (equal to the type inside the blob).
     *
     * @return the key type
     */
    public String keyType() {
        return keyType;
    }

    /**
     * The public key blob (a copy).
     *
     * @return a copy of the blob
     */
    public byte[] blob() {
        return blob.clone();
    }

    /**
     * The comment after the key.
     *
     * @return the comment, empty if none
     */
    public String comment() {
        return comment;
    }

    /**
     * SHA256 fingerprint of the key.
     *
     * @return the fingerprint, {@code SHA256:} and unpadded base64
     */
    public String fingerprint() {
        return SignatureAlgorithms.fingerprint(blob);
    }

    /**
     * Whether the key equals {@code other}, in constant time.
     *
     * @param other a public key blob, or null
     * @return true if the blobs are equal; false for null
     */
    public boolean keyEquals(byte[] other) {
        return other != null && MessageDigest.isEqual(blob, other);
    }

    /**
     * Whether this line applies to {@code name}: the host name ({@code [host]:port} for a port
     * other than 22), already lower-cased as OpenSSH lower-cases it. A hashed line matches if
     * HMAC-SHA1 of the name under the line's salt equals its hash; a pattern list matches as
     * {@link HostPatterns#matchesHost}.
     *
     * @param name the lower-cased host key name, e.g. {@code example.com} or {@code [example.com]:2222}
     * @return whether the line applies
     */
    public boolean matches(String name) {
        if (hostHash != null) {
            return MessageDigest.isEqual(hmacSha1(salt, name), hostHash);
        }
        return HostPatterns.matchesHost(name, hosts);
    }

    /**
     * The line as it would be written back (marker, hosts, type, base64 key, comment).
     *
     * @return the line, without a line terminator
     */
    public String toLine() {
        StringBuilder sb = new StringBuilder();
        if (marker != Marker.NONE) {
            sb.append(marker.text()).append(' ');
        }
        sb.append(hosts).append(' ').append(keyType).append(' ').append(Base64.getEncoder().encodeToString(blob));
        if (!comment.isEmpty()) {
            sb.append(' ').append(comment);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return location() + " " + (marker == Marker.NONE ? "" : marker.text() + " ") + keyType + " " + fingerprint();
    }

    // ------------------------------------------------------------------ helpers shared with KnownHosts and AuthorizedKeys

    /** HMAC-SHA1(salt, name), the hash of a hashed known_hosts host name. */
    static byte[] hmacSha1(byte[] salt, String name) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(salt, "HmacSHA1"));
            return mac.doFinal(name.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 is not available", e);
        }
    }

    /** {@code |1|base64(salt)|base64(HMAC-SHA1(salt, name))}. */
    static String hashedName(byte[] salt, String name) {
        Base64.Encoder b64 = Base64.getEncoder();
        return HASH_MAGIC + b64.encodeToString(salt) + "|" + b64.encodeToString(hmacSha1(salt, name));
    }

    private static byte[][] parseHashed(String field) throws SshException {
        if (!field.startsWith(HASH_MAGIC)) {
            throw new SshException("unsupported hashed host name format (expected " + HASH_MAGIC + "salt|hash)");
        }
        String rest = field.substring(HASH_MAGIC.length());
        int bar = rest.indexOf('|');
        if (bar < 0 || rest.indexOf('|', bar + 1) >= 0) {
            throw new SshException("malformed hashed host name: expected " + HASH_MAGIC + "salt|hash");
        }
        byte[] s;
        byte[] h;
        try {
            s = Base64.getDecoder().decode(rest.substring(0, bar));
            h = Base64.getDecoder().decode(rest.substring(bar + 1));
        } catch (IllegalArgumentException e) {
            throw new SshException("malformed hashed host name: bad base64: " + e.getMessage());
        }
        if (s.length != HASH_LENGTH || h.length != HASH_LENGTH) {
            throw new SshException("malformed hashed host name: salt and hash must be " + HASH_LENGTH + " bytes, got "
                    + s.length + " and " + h.length);
        }
        return new byte[][] {s, h};
    }

    /** Whether a blob's or line's key type is an OpenSSH certificate type. */
    static boolean isCertificateType(String type) {
        return type.endsWith(CERT_SUFFIX);
    }

    /** The key type string at the start of a blob. */
    static String blobType(byte[] blob) throws SshException {
        return new SshReader(blob).ascii();
    }

    /**
     * Decodes the base64 key field of a line and checks it: the type inside the blob must equal
     * the type on the line, and keys of types we implement must decode (a valid point, sane RSA
     * parameters). Types OpenSSH knows but we do not implement (ssh-dss, FIDO keys, certificates)
     * are kept as opaque blobs: they can still be compared.
     */
    static byte[] decodeKey(String type, String base64) throws SshException {
        if (base64.isEmpty() || !base64.chars().allMatch(KnownHostsEntry::isBase64Char)) {
            throw new SshException("invalid base64 in the key field");
        }
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new SshException("invalid base64 in the key field: " + e.getMessage());
        }
        String inner;
        try {
            inner = blobType(blob);
        } catch (SshException e) {
            throw new SshException("the key blob is truncated: " + e.getMessage(), e);
        }
        if (!inner.equals(type)) {
            throw new SshException("the key type " + SignatureAlgorithms.quote(type) + " does not match the blob's type "
                    + SignatureAlgorithms.quote(inner));
        }
        if (SignatureAlgorithms.SUPPORTED.contains(type)) {
            SignatureAlgorithms.decodePublicKey(blob);
        }
        return blob;
    }

    private static boolean isBase64Char(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
    }

    /** The key type as OpenSSH's messages name it ({@code ED25519}, {@code RSA}, {@code ECDSA-CERT}, ...). */
    static String displayType(String type) {
        boolean cert = isCertificateType(type);
        String base = cert ? type.substring(0, type.length() - CERT_SUFFIX.length()) : type;
        String name;
        if (base.equals("ssh-ed25519")) {
            name = "ED25519";
        } else if (base.equals("ssh-rsa") || base.startsWith("rsa-sha2-")) {
            name = "RSA";
        } else if (base.equals("ssh-dss")) {
            name = "DSA";
        } else if (base.startsWith("ecdsa-sha2-")) {
            name = "ECDSA";
        } else if (base.startsWith("sk-ecdsa-sha2-")) {
            name = "ECDSA-SK";
        } else if (base.startsWith("sk-ssh-ed25519")) {
            name = "ED25519-SK";
        } else if (base.startsWith("ssh-xmss")) {
            name = "XMSS";
        } else {
            name = SignatureAlgorithms.quote(type);
        }
        return cert ? name + "-CERT" : name;
    }
}
