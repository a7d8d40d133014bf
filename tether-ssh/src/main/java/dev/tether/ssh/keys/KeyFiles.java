package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Arrays;

/**
 * Reads a private key file in whichever supported format it is in, asking for a passphrase only
 * when the key is encrypted:
 * <ul>
 *   <li>OpenSSH's {@code openssh-key-v1} ({@link OpenSshKeyFile});</li>
 *   <li>PEM: PKCS#1 RSA, SEC1 EC, PKCS#8 and encrypted PKCS#8, with OpenSSL's legacy PEM
 *       encryption ({@link PemKeyFile});</li>
 *   <li>PuTTY's {@code .ppk}, versions 2 and 3 ({@link PuttyKeyFile}).</li>
 * </ul>
 * The format is recognised by the first non-blank line. Errors are {@link SshException}s whose
 * message starts with the file name (and the line, where one is to blame); a wrong passphrase
 * gives "FILE: wrong passphrase or corrupt key". The passphrase array the provider returns is
 * overwritten with zeros after use.
 */
public final class KeyFiles {
    /** The private key file formats {@link #detect} tells apart. */
    public enum Format {
        /** OpenSSH's own format, {@code -----BEGIN OPENSSH PRIVATE KEY-----} ({@link OpenSshKeyFile}). */
        OPENSSH,
        /** A PEM private key: PKCS#1, SEC 1 or PKCS#8, encrypted or not ({@link PemKeyFile}). */
        PEM,
        /** A PuTTY {@code .ppk} file ({@link PuttyKeyFile}). */
        PUTTY
    }

    private KeyFiles() {
    }

    /**
     * Reads the private key in {@code file}; {@code passphrases} is asked (once) only if the key
     * is encrypted, and may be null when no passphrase can be given.
     *
     * @param file        the private key file
     * @param passphrases asked for the passphrase of an encrypted key, or null
     * @return the key pair
     * @throws IOException if the file cannot be read, or (as {@link SshException}) it is no private key we read, the
     *     passphrase is wrong or not given, or the key is corrupt
     */
    public static KeyPair readPrivateKey(Path file, PassphraseProvider passphrases) throws IOException {
        byte[] bytes = OpenSshKeyFile.readLimited(file, "not a private key file");
        try {
            return parsePrivateKey(new String(bytes, StandardCharsets.ISO_8859_1), file.toString(), passphrases);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /**
     * Parses the text of a private key file (its bytes as ISO-8859-1 chars); {@code sourceName}
     * names it in errors and is what the passphrase provider is asked about.
     *
     * @param text        the file's text
     * @param sourceName  the name for errors and the passphrase prompt; null for {@code <private key>}
     * @param passphrases asked for the passphrase of an encrypted key, or null
     * @return the key pair
     * @throws SshException if the text is no private key we read, the passphrase is wrong or not given, or the key is
     *     corrupt
     */
    public static KeyPair parsePrivateKey(String text, String sourceName, PassphraseProvider passphrases) throws SshException {
        String source = sourceName == null ? "<private key>" : sourceName;
        Format format = detect(text, source);
        boolean encrypted = switch (format) {
            case OPENSSH -> OpenSshKeyFile.isEncrypted(text, source);
            case PEM -> PemKeyFile.isEncrypted(text, source);
            case PUTTY -> PuttyKeyFile.isEncrypted(text, source);
        };
        char[] passphrase = null;
        try {
            if (encrypted) {
                passphrase = passphrases == null ? null : passphrases.passphrase(source);
                if (passphrase == null) {
                    throw new SshException(source + ": the private key is encrypted and no passphrase was given");
                }
                if (passphrase.length == 0) {
                    throw new SshException(source + ": the private key is encrypted and the passphrase given is empty");
                }
            }
            return switch (format) {
                case OPENSSH -> OpenSshKeyFile.parse(text, source, passphrase);
                case PEM -> PemKeyFile.parse(text, source, passphrase);
                case PUTTY -> PuttyKeyFile.parse(text, source, passphrase);
            };
        } finally {
            Passphrases.wipe(passphrase);
        }
    }

    /**
     * The format of a private key file's text, from its first non-blank line.
     *
     * @param text       the file's text
     * @param sourceName the name for errors; null for {@code <private key>}
     * @return the format
     * @throws SshException naming the source and line if it is no private key we read: a public
     *                      key, another PEM type, or anything else
     */
    public static Format detect(String text, String sourceName) throws SshException {
        String source = sourceName == null ? "<private key>" : sourceName;
        String[] lines = text.split("\r\n|\r|\n", -1);
        int i = 0;
        while (i < lines.length && lines[i].isBlank()) {
            i++;
        }
        if (i == lines.length) {
            throw new SshException(source + ": not a private key file: the file is empty");
        }
        String first = lines[i].strip();
        String where = source + ":" + (i + 1) + ": ";
        if (first.equals(OpenSshKeyFile.BEGIN)) {
            return Format.OPENSSH;
        }
        if (PemKeyFile.isPemPrivateKey(first)) {
            return Format.PEM;
        }
        if (first.startsWith(PuttyKeyFile.MAGIC_PREFIX)) {
            return Format.PUTTY;
        }
        if (first.equals(PublicKeyFile.RFC4716_BEGIN) || first.startsWith("ssh-") || first.startsWith("ecdsa-")
                || first.startsWith("sk-")) {
            throw new SshException(where + "this is a public key, not a private key file");
        }
        if (first.startsWith("-----BEGIN ")) {
            throw new SshException(where + "unsupported private key format " + SignatureAlgorithms.quote(first.replace("-", "").strip())
                    + " (OpenSSH, PEM RSA/EC/PKCS#8 and PuTTY keys are supported)");
        }
        throw new SshException(where + "not a private key file (expected an OpenSSH, PEM or PuTTY private key)");
    }
}
