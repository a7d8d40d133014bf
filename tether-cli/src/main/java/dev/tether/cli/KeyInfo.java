package dev.tether.cli;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.keys.SignatureAlgorithms;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * What {@code ssh-keygen -l} shows about a key blob (its size in bits, its type label, the
 * randomart), and what can be read from an OpenSSH private key file without its passphrase: the
 * public key in its clear header, and the comment of an unencrypted key. The library's readers
 * return a {@link java.security.KeyPair} only, which has neither the comment nor a way to skip
 * decryption, so this reads the openssh-key-v1 container itself (PROTOCOL.key).
 */
final class KeyInfo {
    static final String OPENSSH_BEGIN = "-----BEGIN OPENSSH PRIVATE KEY-----";
    static final String OPENSSH_END = "-----END OPENSSH PRIVATE KEY-----";
    private static final byte[] MAGIC = "openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII);
    private static final String CERT_SUFFIX = "-cert-v01@openssh.com";

    private KeyInfo() {
    }

    /** The key type name at the start of a blob. */
    static String keyType(byte[] blob) throws SshException {
        return new SshReader(blob).ascii();
    }

    /** ssh-keygen's type label: ED25519, ECDSA, RSA, DSA, ECDSA-SK, ED25519-SK, with -CERT for certificates. */
    static String typeLabel(String keyType) {
        boolean cert = keyType.endsWith(CERT_SUFFIX);
        String plain = cert ? keyType.substring(0, keyType.length() - CERT_SUFFIX.length()) : keyType;
        String label;
        if (plain.equals("ssh-ed25519")) {
            label = "ED25519";
        } else if (plain.startsWith("ecdsa-sha2-")) {
            label = "ECDSA";
        } else if (plain.equals("ssh-rsa")) {
            label = "RSA";
        } else if (plain.equals("ssh-dss")) {
            label = "DSA";
        } else if (plain.startsWith("sk-ecdsa-")) {
            label = "ECDSA-SK";
        } else if (plain.startsWith("sk-ssh-ed25519")) {
            label = "ED25519-SK";
        } else {
            label = "unknown";
        }
        return cert ? label + "-CERT" : label;
    }

    /** Whether ssh-keygen knows this key type name (so that a line starting with it is a key). */
    static boolean isKnownKeyType(String keyType) {
        return !typeLabel(keyType).startsWith("unknown");
    }

    /** The key size as ssh-keygen prints it: the RSA/DSA modulus bits, the curve size, 256 for Ed25519. */
    static int bits(byte[] blob) throws SshException {
        SshReader r = new SshReader(blob);
        String type = r.ascii();
        if (type.endsWith(CERT_SUFFIX)) {
            type = type.substring(0, type.length() - CERT_SUFFIX.length());
            r.string(); // nonce
        }
        switch (type) {
            case "ssh-rsa" -> {
                r.mpint(); // e
                return r.mpint().bitLength();
            }
            case "ssh-dss" -> {
                return r.mpint().bitLength();
            }
            case "ssh-ed25519", "sk-ssh-ed25519@openssh.com" -> {
                return 256;
            }
            default -> {
                if (type.startsWith("ecdsa-sha2-nistp") || type.startsWith("sk-ecdsa-sha2-nistp")) {
                    String curve = r.ascii();
                    return switch (curve) {
                        case "nistp256" -> 256;
                        case "nistp384" -> 384;
                        case "nistp521" -> 521;
                        default -> 0;
                    };
                }
                return 0;
            }
        }
    }

    /** A fingerprint in ssh-keygen's form for {@code -E sha256} (the default) or {@code -E md5}. */
    static String fingerprint(byte[] blob, String hash) {
        return hash.equals("md5") ? SignatureAlgorithms.md5Fingerprint(blob) : SignatureAlgorithms.fingerprint(blob);
    }

    /** The randomart ("drunken bishop") picture ssh-keygen draws, without a trailing newline. */
    static String randomart(byte[] blob, String hash) throws SshException {
        final int fx = 17;
        final int fy = 9;
        String aug = " .o+=*BOX@%&#/^SE";
        int len = aug.length() - 1;
        byte[] digest;
        try {
            digest = MessageDigest.getInstance(hash.equals("md5") ? "MD5" : "SHA-256").digest(blob);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        int[][] field = new int[fx][fy];
        int x = fx / 2;
        int y = fy / 2;
        for (byte d : digest) {
            int input = d & 0xff;
            for (int b = 0; b < 4; b++) {
                x += (input & 1) != 0 ? 1 : -1;
                y += (input & 2) != 0 ? 1 : -1;
                x = Math.min(Math.max(x, 0), fx - 1);
                y = Math.min(Math.max(y, 0), fy - 1);
                if (field[x][y] < len - 2) {
                    field[x][y]++;
                }
                input >>= 2;
            }
        }
        field[fx / 2][fy / 2] = len - 1;
        field[x][y] = len;
        String label = typeLabel(keyType(blob));
        String title = "[" + label + " " + bits(blob) + "]";
        if (title.length() > fx) {
            title = "[" + label + "]";
        }
        if (title.length() > fx - 1) {
            title = title.substring(0, fx - 1); // snprintf into char[17]
        }
        String hashTitle = "[" + (hash.equals("md5") ? "MD5" : "SHA256") + "]";
        StringBuilder sb = new StringBuilder();
        border(sb, title, fx);
        sb.append('\n');
        for (int row = 0; row < fy; row++) {
            sb.append('|');
            for (int col = 0; col < fx; col++) {
                sb.append(aug.charAt(Math.min(field[col][row], len)));
            }
            sb.append("|\n");
        }
        border(sb, hashTitle, fx);
        return sb.toString();
    }

    private static void border(StringBuilder sb, String title, int width) {
        sb.append('+');
        int i;
        for (i = 0; i < (width - title.length()) / 2; i++) {
            sb.append('-');
        }
        sb.append(title);
        for (i += title.length(); i < width; i++) {
            sb.append('-');
        }
        sb.append('+');
    }

    // ---------------------------------------------------------------- openssh-key-v1 without decrypting

    /** The decoded openssh-key-v1 container, or null if {@code text} is not one. */
    private static byte[] unarmor(String text) {
        int b = text.indexOf(OPENSSH_BEGIN);
        int e = text.indexOf(OPENSSH_END);
        if (b < 0 || e < b) {
            return null;
        }
        try {
            byte[] bin = Base64.getMimeDecoder().decode(text.substring(b + OPENSSH_BEGIN.length(), e));
            return bin.length >= MAGIC.length && Arrays.equals(Arrays.copyOf(bin, MAGIC.length), MAGIC) ? bin : null;
        } catch (IllegalArgumentException ex) {
            return null;
        }
    }

    /** The first public key in an OpenSSH private key file's clear header, or null if it is not one. */
    static byte[] publicBlobFromPrivate(String text) {
        byte[] bin = unarmor(text);
        if (bin == null) {
            return null;
        }
        try {
            SshReader r = new SshReader(bin);
            r.skip(MAGIC.length);
            r.string(); // cipher
            r.string(); // kdf
            r.string(); // kdf options
            long n = r.uint32AsLong();
            return n < 1 ? null : r.string();
        } catch (SshException ex) {
            return null;
        }
    }

    /**
     * The comment of an unencrypted OpenSSH private key (of a type whose private fields we know),
     * or null: encrypted, another format, or unreadable.
     */
    static String commentFromPrivate(String text) {
        byte[] bin = unarmor(text);
        if (bin == null) {
            return null;
        }
        try {
            SshReader r = new SshReader(bin);
            r.skip(MAGIC.length);
            if (!r.ascii().equals("none")) {
                return null;
            }
            r.string();
            r.string();
            long n = r.uint32AsLong();
            for (long i = 0; i < n; i++) {
                r.string();
            }
            SshReader p = new SshReader(r.string());
            if (p.uint32() != p.uint32()) {
                return null;
            }
            String type = p.ascii();
            switch (type) {
                case "ssh-ed25519" -> {
                    p.string();
                    p.string();
                }
                case "ssh-rsa" -> {
                    for (int k = 0; k < 6; k++) {
                        p.mpint();
                    }
                }
                case "ssh-dss" -> {
                    for (int k = 0; k < 5; k++) {
                        p.mpint();
                    }
                }
                default -> {
                    if (!type.startsWith("ecdsa-sha2-")) {
                        return null;
                    }
                    p.string();
                    p.string();
                    p.mpint();
                }
            }
            return p.utf8();
        } catch (SshException ex) {
            return null;
        }
    }

    /** Whether the first non-blank line of a key file looks like a private key ("PRIVATE KEY" in it, or PuTTY's header). */
    static boolean looksPrivate(String text) {
        for (String line : text.split("\r\n|\r|\n")) {
            if (!line.isBlank()) {
                return line.contains("PRIVATE KEY") || line.startsWith("PuTTY-User-Key-File-");
            }
        }
        return false;
    }
}
