package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Reads public key files in the two text formats SSH tools use:
 * <ul>
 *   <li>OpenSSH's one-line format of {@code .pub} files: {@code TYPE BASE64 [COMMENT]}, where
 *       TYPE must equal the key type inside the base64 blob. Certificates
 *       ({@code ssh-ed25519-cert-v01@openssh.com} and the like) and key types this library does
 *       not implement are read too: the blob is kept as it is.</li>
 *   <li>The SSH public key file format of RFC 4716 ({@code ---- BEGIN SSH2 PUBLIC KEY ----}),
 *       as {@code ssh-keygen -e} writes it: header lines {@code Tag: value} (a line ending in a
 *       backslash continues on the next; a {@code Comment} value may be quoted), then the base64
 *       blob.</li>
 * </ul>
 * Either way the result is an {@link Entry}: key type, blob and comment. Errors are
 * {@link SshException}s naming the source and line.
 */
public final class PublicKeyFile {
    static final String RFC4716_BEGIN = "---- BEGIN SSH2 PUBLIC KEY ----";
    static final String RFC4716_END = "---- END SSH2 PUBLIC KEY ----";
    private static final int RFC4716_LINE_WIDTH = 70;

    private PublicKeyFile() {
    }

    /**
     * A public key as a file holds it.
     *
     * @param type    the key type name, as in the blob ({@code ssh-rsa} for every RSA key)
     * @param blob    the SSH public key (or certificate) blob
     * @param comment the comment, or an empty string
     */
    public record Entry(String type, byte[] blob, String comment) {
        /**
         * Copies the blob in.
         *
         * @param type    the key type name
         * @param blob    the key or certificate blob
         * @param comment the comment; null means empty
         */
        public Entry {
            blob = blob.clone();
            comment = comment == null ? "" : comment;
        }

        /**
         * The key or certificate blob (a copy).
         *
         * @return a copy of the blob
         */
        @Override
        public byte[] blob() {
            return blob.clone();
        }

        /**
         * True for an OpenSSH certificate ({@code ...-cert-v01@openssh.com}).
         *
         * @return whether the type is a certificate type
         */
        public boolean isCertificate() {
            return type.endsWith("-cert-v01@openssh.com");
        }

        /**
         * The key as a JCA key.
         *
         * @return the public key
         * @throws SshException if the entry is a certificate, or the key's type is not supported
         */
        public PublicKey publicKey() throws SshException {
            if (isCertificate()) {
                throw new SshException("a " + type + " certificate is not a plain public key");
            }
            return SignatureAlgorithms.decodePublicKey(blob);
        }

        /**
         * SHA256 fingerprint, as {@code ssh-keygen -l} prints it.
         *
         * @return the fingerprint, {@code SHA256:} and unpadded base64
         */
        public String fingerprint() {
            return SignatureAlgorithms.fingerprint(blob);
        }

        /**
         * The OpenSSH one-line form {@code TYPE BASE64 [COMMENT]}, without a line terminator.
         *
         * @return the line
         */
        public String toOpenSshLine() {
            String line = type + " " + Base64.getEncoder().encodeToString(blob);
            return comment.isEmpty() ? line : line + " " + comment;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && type.equals(e.type) && Arrays.equals(blob, e.blob) && comment.equals(e.comment);
        }

        @Override
        public int hashCode() {
            return type.hashCode() * 31 + Arrays.hashCode(blob);
        }

        @Override
        public String toString() {
            return "PublicKeyFile.Entry[" + type + " " + fingerprint() + (comment.isEmpty() ? "" : " " + comment) + "]";
        }
    }

    /**
     * Reads a public key file holding one key, in either format.
     *
     * @param file the file, e.g. {@code id_ed25519.pub}: an OpenSSH line or an RFC 4716 block
     * @return the key
     * @throws IOException if the file cannot be read, or (as {@link SshException}) it does not hold exactly one valid
     *     key
     */
    public static Entry read(Path file) throws IOException {
        byte[] bytes = OpenSshKeyFile.readLimited(file, "not a public key file");
        return parse(new String(bytes, StandardCharsets.UTF_8), file.toString());
    }

    /**
     * Parses the text of a public key file holding one key, in either format; blank lines and
     * lines starting with {@code #} around an OpenSSH line are ignored.
     *
     * @param text       the file's text
     * @param sourceName the name for errors; null for {@code <public key>}
     * @return the key
     * @throws SshException if the text does not hold exactly one valid key
     */
    public static Entry parse(String text, String sourceName) throws SshException {
        String source = sourceName == null ? "<public key>" : sourceName;
        String[] lines = text.split("\r\n|\r|\n", -1);
        int i = 0;
        while (i < lines.length && (lines[i].isBlank() || lines[i].strip().startsWith("#"))) {
            i++;
        }
        if (i == lines.length) {
            throw new SshException(source + ": not a public key file: no key in it");
        }
        if (lines[i].strip().equals(RFC4716_BEGIN)) {
            return parseRfc4716(lines, i, source);
        }
        List<Entry> entries = parseLines(text, source);
        if (entries.size() != 1) {
            throw new SshException(source + ": the file holds " + entries.size() + " public keys; exactly one was expected");
        }
        return entries.get(0);
    }

    /**
     * Parses lines in OpenSSH's format, one key per line, skipping blank lines and {@code #}
     * comments.
     *
     * @param text       the text, e.g. of an {@code authorized_keys}-style list without options
     * @param sourceName the name for errors; null for {@code <public key>}
     * @return the keys, in order
     * @throws SshException naming the line, if a line is not a valid key
     */
    public static List<Entry> parseLines(String text, String sourceName) throws SshException {
        String source = sourceName == null ? "<public key>" : sourceName;
        List<Entry> out = new ArrayList<>();
        String[] lines = text.split("\r\n|\r|\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            out.add(parseLine(line, source + ":" + (i + 1)));
        }
        return out;
    }

    /** Parses one OpenSSH public key line; {@code where} (source and line) prefixes errors. */
    static Entry parseLine(String line, String where) throws SshException {
        if (line.startsWith("---- BEGIN")) {
            throw new SshException(where + ": an RFC 4716 key where a one-line OpenSSH key was expected");
        }
        if (line.startsWith("-----BEGIN")) {
            throw new SshException(where + ": this is a private key, not a public key");
        }
        String[] f = line.strip().split("[ \t]+", 3);
        if (f.length < 2) {
            throw new SshException(where + ": not a public key line: expected \"TYPE BASE64 [COMMENT]\"");
        }
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(f[1]);
        } catch (IllegalArgumentException e) {
            throw new SshException(where + ": invalid public key: the base64 field is malformed");
        }
        String blobType = blobType(blob, where);
        if (!blobType.equals(f[0])) {
            throw new SshException(where + ": invalid public key: the line says " + SignatureAlgorithms.quote(f[0])
                    + " but the key is " + SignatureAlgorithms.quote(blobType));
        }
        return new Entry(blobType, blob, f.length == 3 ? f[2].strip() : "");
    }

    private static String blobType(byte[] blob, String where) throws SshException {
        try {
            String type = new SshReader(blob).ascii();
            if (type.isEmpty() || type.indexOf(' ') >= 0) {
                throw new SshException("bad key type name");
            }
            return type;
        } catch (SshException e) {
            throw new SshException(where + ": invalid public key: the blob does not start with a key type name", e);
        }
    }

    private static Entry parseRfc4716(String[] lines, int begin, String source) throws SshException {
        String comment = "";
        int i = begin + 1;
        // headers: "Tag: value", a trailing backslash continues the line
        while (i < lines.length && lines[i].indexOf(':') >= 0) {
            int start = i;
            StringBuilder header = new StringBuilder();
            String line = lines[i].strip();
            while (line.endsWith("\\")) {
                header.append(line, 0, line.length() - 1);
                i++;
                if (i == lines.length) {
                    throw new SshException(source + ":" + (start + 1) + ": invalid RFC 4716 public key: the header continues past the end of the file");
                }
                line = lines[i].stripTrailing(); // a continuation keeps its leading spaces
            }
            header.append(line);
            i++;
            int colon = header.indexOf(":");
            String tag = header.substring(0, colon).strip();
            String value = header.substring(colon + 1).strip();
            if (tag.isEmpty() || tag.length() > 64) {
                throw new SshException(source + ":" + (start + 1) + ": invalid RFC 4716 public key: a header tag must be 1 to 64 characters");
            }
            if (tag.equalsIgnoreCase("Comment")) {
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                comment = value;
            }
        }
        int bodyStart = i + 1;
        StringBuilder b64 = new StringBuilder();
        for (; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.equals(RFC4716_END)) {
                byte[] blob;
                try {
                    if (b64.length() % 4 != 0) {
                        throw new IllegalArgumentException();
                    }
                    blob = Base64.getDecoder().decode(b64.toString());
                } catch (IllegalArgumentException e) {
                    throw new SshException(source + ":" + bodyStart + "-" + i + ": invalid RFC 4716 public key: the base64 body is malformed or truncated");
                }
                if (blob.length == 0) {
                    throw new SshException(source + ":" + bodyStart + ": invalid RFC 4716 public key: no key data");
                }
                for (int j = i + 1; j < lines.length; j++) {
                    if (!lines[j].isBlank()) {
                        throw new SshException(source + ":" + (j + 1) + ": unexpected text after the RFC 4716 public key");
                    }
                }
                return new Entry(blobType(blob, source + ":" + bodyStart), blob, comment);
            }
            for (int c = 0; c < line.length(); c++) {
                char ch = line.charAt(c);
                if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' || ch == '=')) {
                    throw new SshException(source + ":" + (i + 1) + ": invalid RFC 4716 public key: a character that is not base64");
                }
            }
            b64.append(line);
        }
        throw new SshException(source + ": invalid RFC 4716 public key: no \"" + RFC4716_END + "\" line after line " + (begin + 1));
    }

    /**
     * Formats a key in the RFC 4716 format, with a quoted {@code Comment} header (continued over
     * lines as needed) when {@code comment} is not empty.
     *
     * @param blob    the key blob
     * @param comment the comment, or null or empty for none
     * @return the block, from {@code ---- BEGIN SSH2 PUBLIC KEY ----} to the end line, each line ended by a newline
     * @throws IllegalArgumentException if the comment holds a line break, a double quote or a backslash
     */
    public static String toRfc4716(byte[] blob, String comment) {
        StringBuilder sb = new StringBuilder(RFC4716_BEGIN).append('\n');
        if (comment != null && !comment.isEmpty()) {
            if (comment.matches(".*[\r\n\"\\\\].*")) {
                throw new IllegalArgumentException("an RFC 4716 comment cannot hold a line break, quote or backslash");
            }
            String header = "Comment: \"" + comment + "\"";
            while (header.length() > RFC4716_LINE_WIDTH) {
                sb.append(header, 0, RFC4716_LINE_WIDTH - 1).append("\\\n");
                header = header.substring(RFC4716_LINE_WIDTH - 1);
            }
            sb.append(header).append('\n');
        }
        String b64 = Base64.getEncoder().encodeToString(blob);
        for (int i = 0; i < b64.length(); i += RFC4716_LINE_WIDTH) {
            sb.append(b64, i, Math.min(b64.length(), i + RFC4716_LINE_WIDTH)).append('\n');
        }
        return sb.append(RFC4716_END).append('\n').toString();
    }
}
