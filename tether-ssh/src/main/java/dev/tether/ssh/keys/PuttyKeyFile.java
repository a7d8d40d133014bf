package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.RSAPrivateCrtKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Reads PuTTY private key files ({@code .ppk}), format versions 2 and 3, unencrypted or encrypted
 * with {@code aes256-cbc}, for Ed25519, ECDSA (nistp256/384/521) and RSA keys.
 *
 * <p>The text format (PuTTY manual, appendix C), with CR LF, CR or LF line ends:
 * <pre>
 * PuTTY-User-Key-File-3: ALGORITHM
 * Encryption: none | aes256-cbc
 * Comment: COMMENT
 * Public-Lines: N           followed by N lines of base64: the SSH public key blob
 * Key-Derivation: Argon2id  (version 3, encrypted only; also Argon2i, Argon2d)
 * Argon2-Memory: KIB
 * Argon2-Passes: N
 * Argon2-Parallelism: N
 * Argon2-Salt: HEX
 * Private-Lines: N          followed by N lines of base64: the (encrypted) private blob
 * Private-MAC: HEX
 * </pre>
 * Private blobs: RSA {@code mpint d, mpint p, mpint q, mpint iqmp}; ECDSA {@code mpint d};
 * Ed25519 {@code string seed} (32 bytes); possibly followed by padding.
 *
 * <p>Key material: in version 3 Argon2 (version 1.3, no secret or associated data) turns the
 * passphrase and salt into 80 bytes: the AES-256 key, the CBC IV and the HMAC-SHA-256 key; an
 * unencrypted file has an empty MAC key. In version 2 the AES key is the first 32 bytes of
 * {@code SHA-1(uint32 0 || passphrase) || SHA-1(uint32 1 || passphrase)} with a zero IV, and the
 * HMAC-SHA-1 key is {@code SHA-1("putty-private-key-file-mac-key" || passphrase)} (an empty
 * passphrase when unencrypted). The MAC covers
 * {@code string algorithm, string encryption, string comment, string public blob,
 * string decrypted private blob}, and is checked (in constant time) before the private key is
 * used: a mismatch on an encrypted file means a wrong passphrase.
 *
 * <p>Errors are {@link SshException}s naming the source and line, without key material.
 */
public final class PuttyKeyFile {
    static final String MAGIC_PREFIX = "PuTTY-User-Key-File-";
    private static final String V2_MAC_KEY_PREFIX = "putty-private-key-file-mac-key";
    /** Bounds on the Argon2 cost a file may ask for (PuTTY's defaults: 8192 KiB, parallelism 1). */
    static final int MAX_ARGON2_MEMORY_KIB = 1 << 18; // 256 MiB
    static final int MAX_ARGON2_PASSES = 1 << 10;
    static final int MAX_ARGON2_PARALLELISM = 64;
    /**
     * A bound on Argon2's work, Argon2-Memory (KiB) times Argon2-Passes: each bound alone still
     * allows 256 MiB times 1024 passes, many minutes. PuTTY's default is 8192 KiB with the passes
     * that take 0.1 s in PuTTY (some tens); 2^21 allows 256 passes over 8 MiB, or 8 over 256 MiB,
     * about 5 s here.
     */
    static final long MAX_ARGON2_COST = 1L << 21;
    private static final int MAX_BASE64_LINES = 1024;

    private PuttyKeyFile() {
    }

    /**
     * Reads a {@code .ppk} file, decrypting it with {@code passphrase} if it is encrypted.
     *
     * @param file       the {@code .ppk} file
     * @param passphrase the passphrase, or null for an unencrypted file
     * @return the key pair
     * @throws IOException if the file cannot be read, or (as {@link SshException}) it is not a valid {@code .ppk}
     *     file, the passphrase is wrong or missing, or the MAC does not verify
     */
    public static KeyPair read(Path file, char[] passphrase) throws IOException {
        byte[] bytes = OpenSshKeyFile.readLimited(file, "not a PuTTY private key");
        try {
            return parse(new String(bytes, StandardCharsets.ISO_8859_1), file.toString(), passphrase);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /**
     * Parses the text of a {@code .ppk} file (its bytes as ISO-8859-1 chars, so that a comment in
     * any encoding is MACed as written); {@code passphrase} is used only if the file is encrypted.
     *
     * @param text       the file's text
     * @param sourceName the name for errors; null for {@code <private key>}
     * @param passphrase the passphrase, or null for an unencrypted file
     * @return the key pair
     * @throws SshException if the text is not a valid {@code .ppk} file, the passphrase is wrong or missing, or the
     *     MAC does not verify
     */
    public static KeyPair parse(String text, String sourceName, char[] passphrase) throws SshException {
        String source = sourceName == null ? "<private key>" : sourceName;
        Parsed f = parseText(text, source);
        String prefix = source + ": invalid PuTTY private key: ";
        boolean encrypted = !"none".equals(f.encryption);
        if (encrypted && Passphrases.isEmpty(passphrase)) {
            throw new SshException(source + ": the private key is encrypted (" + f.encryption + ", PPK version " + f.version
                    + "); a passphrase is needed to read it");
        }
        byte[] pass = encrypted ? Passphrases.utf8(passphrase) : new byte[0];
        byte[] cipherKey = null;
        byte[] iv = null;
        byte[] macKey = null;
        byte[] priv = null;
        try {
            if (f.version == 3) {
                if (encrypted) {
                    byte[] material = argon2(f, pass, 32 + 16 + 32);
                    cipherKey = Arrays.copyOfRange(material, 0, 32);
                    iv = Arrays.copyOfRange(material, 32, 48);
                    macKey = Arrays.copyOfRange(material, 48, 80);
                    Arrays.fill(material, (byte) 0);
                } else {
                    macKey = new byte[0];
                }
            } else {
                MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
                if (encrypted) {
                    byte[] k = new byte[40];
                    for (int i = 0; i < 2; i++) {
                        sha1.update(new byte[] {0, 0, 0, (byte) i});
                        sha1.update(pass);
                        sha1.digest(k, 20 * i, 20);
                    }
                    cipherKey = Arrays.copyOf(k, 32);
                    Arrays.fill(k, (byte) 0);
                    iv = new byte[16];
                }
                sha1.update(V2_MAC_KEY_PREFIX.getBytes(StandardCharsets.US_ASCII));
                sha1.update(pass);
                macKey = sha1.digest();
            }
            if (encrypted) {
                if (f.privateBlob.length == 0 || f.privateBlob.length % 16 != 0) {
                    throw new SshException(prefix + "the encrypted private blob is not a whole number of AES blocks");
                }
                Cipher c = Cipher.getInstance("AES/CBC/NoPadding");
                c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(cipherKey, "AES"), new IvParameterSpec(iv));
                priv = c.doFinal(f.privateBlob);
            } else {
                priv = f.privateBlob.clone();
            }
            byte[] macData = new SshWriter(priv.length + f.publicBlob.length + 256)
                    .string(f.algorithm).string(f.encryption).string(f.comment.getBytes(StandardCharsets.ISO_8859_1))
                    .string(f.publicBlob).string(priv).toByteArray();
            byte[] mac;
            try {
                String macAlg = f.version == 3 ? "HmacSHA256" : "HmacSHA1";
                Mac hmac = Mac.getInstance(macAlg);
                // the JCA refuses an empty key; HMAC pads any key to the block size, so a zero byte is the same key
                hmac.init(new SecretKeySpec(macKey.length == 0 ? new byte[1] : macKey, macAlg));
                mac = hmac.doFinal(macData);
            } finally {
                Arrays.fill(macData, (byte) 0);
            }
            if (!MessageDigest.isEqual(mac, f.mac)) {
                throw new SshException(encrypted ? source + ": wrong passphrase or corrupt key"
                        : source + ":" + f.macLine + ": invalid PuTTY private key: the Private-MAC does not match (the file is corrupt or was edited)");
            }
            KeyPair pair = decodeKey(f.algorithm, f.publicBlob, priv, prefix);
            if (!OpenSshKeyFile.belongTogether(pair)) {
                throw new SshException(prefix + "the private key does not match its public key");
            }
            return pair;
        } catch (SshException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(source + ":")) {
                throw e;
            }
            throw new SshException(prefix + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new SshException(source + ": cannot decrypt the PuTTY private key: " + e.getClass().getSimpleName(), e);
        } finally {
            Arrays.fill(pass, (byte) 0);
            for (byte[] b : new byte[][] {cipherKey, iv, macKey, priv}) {
                if (b != null) {
                    Arrays.fill(b, (byte) 0);
                }
            }
        }
    }

    /** Whether the text is a {@code .ppk} file whose private key is encrypted. */
    static boolean isEncrypted(String text, String sourceName) throws SshException {
        return !"none".equals(parseText(text, sourceName == null ? "<private key>" : sourceName).encryption);
    }

    private static byte[] argon2(Parsed f, byte[] pass, int length) {
        Argon2Parameters params = new Argon2Parameters.Builder(f.argon2Type)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(f.argon2Memory)
                .withIterations(f.argon2Passes)
                .withParallelism(f.argon2Parallelism)
                .withSalt(f.argon2Salt)
                .build();
        Argon2BytesGenerator gen = new Argon2BytesGenerator();
        gen.init(params);
        byte[] out = new byte[length];
        gen.generateBytes(pass, out);
        return out;
    }

    // ---------------------------------------------------------------- the key

    private static KeyPair decodeKey(String algorithm, byte[] publicBlob, byte[] priv, String prefix) throws SshException {
        PublicKey pub = SignatureAlgorithms.decodePublicKey(publicBlob);
        SshReader r = new SshReader(priv);
        try {
            if (SignatureAlgorithms.ED25519.equals(algorithm)) {
                byte[] seed = r.string();
                try {
                    if (seed.length != Ed25519Codec.KEY_SIZE) {
                        throw new SshException(prefix + "the Ed25519 private key must be 32 bytes, got " + seed.length);
                    }
                    byte[] a = new Ed25519PrivateKeyParameters(seed, 0).generatePublicKey().getEncoded();
                    if (!Arrays.equals(new SshWriter(64).string(algorithm).string(a).toByteArray(), publicBlob)) {
                        throw new SshException(prefix + "the private key does not match its public key");
                    }
                    PrivateKey pk = KeyFactory.getInstance("Ed25519").generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
                    return new KeyPair(pub, pk);
                } finally {
                    Arrays.fill(seed, (byte) 0);
                }
            }
            EcCurves curve = EcCurves.bySshName(algorithm);
            if (curve != null) {
                BigInteger d = r.mpint();
                if (d.signum() <= 0 || d.compareTo(curve.order()) >= 0) {
                    throw new SshException(prefix + algorithm + " private scalar is out of range");
                }
                if (!((ECPublicKey) pub).getW().equals(PemKeyFile.multiplyGenerator(curve, d))) {
                    throw new SshException(prefix + "the private key does not match its public key");
                }
                return new KeyPair(pub, KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(d, curve.params())));
            }
            if (SignatureAlgorithms.RSA.equals(algorithm)) {
                RSAPublicKey rsa = (RSAPublicKey) pub;
                BigInteger n = rsa.getModulus();
                BigInteger e = rsa.getPublicExponent();
                BigInteger d = r.mpint();
                BigInteger p = r.mpint();
                BigInteger q = r.mpint();
                BigInteger iqmp = r.mpint();
                if (d.signum() <= 0 || d.compareTo(n) >= 0 || p.compareTo(BigInteger.ONE) <= 0 || q.compareTo(BigInteger.ONE) <= 0
                        || !p.multiply(q).equals(n)) {
                    throw new SshException(prefix + "ssh-rsa private key parameters are inconsistent");
                }
                if (!q.multiply(iqmp).mod(p).equals(BigInteger.ONE)) {
                    throw new SshException(prefix + "ssh-rsa private key has a wrong CRT coefficient (iqmp)");
                }
                BigInteger dp = d.mod(p.subtract(BigInteger.ONE));
                BigInteger dq = d.mod(q.subtract(BigInteger.ONE));
                return new KeyPair(pub, KeyFactory.getInstance("RSA").generatePrivate(new RSAPrivateCrtKeySpec(n, e, d, p, q, dp, dq, iqmp)));
            }
            throw new SshException(prefix + "unsupported key type " + SignatureAlgorithms.quote(algorithm));
        } catch (GeneralSecurityException e) {
            throw new SshException(prefix + "the JCA rejected the " + algorithm + " private key: " + e.getClass().getSimpleName(), e);
        }
    }

    // ---------------------------------------------------------------- text

    /** The fields of a .ppk file, before any cryptography. */
    private static final class Parsed {
        int version;
        String algorithm;
        String encryption;
        String comment;
        byte[] publicBlob;
        int argon2Type;
        int argon2Memory;
        int argon2Passes;
        int argon2Parallelism;
        byte[] argon2Salt;
        byte[] privateBlob;
        byte[] mac;
        int macLine;
    }

    /** A cursor over the lines, for error messages with line numbers. */
    private static final class Lines {
        final String[] lines;
        final String source;
        int next;

        Lines(String text, String source) {
            String[] l = text.split("\r\n|\r|\n", -1);
            int n = l.length;
            while (n > 0 && l[n - 1].isEmpty()) {
                n--;
            }
            this.lines = Arrays.copyOf(l, n);
            this.source = source;
        }

        SshException error(int line, String message) {
            return new SshException(source + ":" + line + ": invalid PuTTY private key: " + message);
        }

        /** The value of the next line, which must be {@code key: value}. */
        String header(String key) throws SshException {
            if (next >= lines.length) {
                throw new SshException(source + ": invalid PuTTY private key: the file ends where \"" + key + ":\" was expected");
            }
            String line = lines[next++];
            if (!line.startsWith(key + ": ")) {
                throw error(next, "expected \"" + key + ":\"" + (line.indexOf(':') > 0 && line.indexOf(':') < 40
                        ? ", found \"" + SignatureAlgorithms.quote(line.substring(0, line.indexOf(':'))).replace("\"", "") + ":\"" : ""));
            }
            return line.substring(key.length() + 2);
        }

        boolean peek(String key) {
            return next < lines.length && lines[next].startsWith(key + ": ");
        }

        int number(String key, int min, int max) throws SshException {
            String v = header(key);
            try {
                int n = Integer.parseInt(v.strip());
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw error(next, key + " must be a number from " + min + " to " + max);
        }

        byte[] hex(String key) throws SshException {
            String v = header(key).strip();
            try {
                return HexFormat.of().parseHex(v);
            } catch (IllegalArgumentException e) {
                throw error(next, key + " is not hexadecimal");
            }
        }

        /** {@code Key-Lines: N} and then N lines of base64. */
        byte[] base64Block(String key) throws SshException {
            int count = number(key, 0, MAX_BASE64_LINES);
            int first = next + 1;
            StringBuilder b64 = new StringBuilder();
            for (int i = 0; i < count; i++) {
                if (next >= lines.length) {
                    throw new SshException(source + ": invalid PuTTY private key: the file ends inside the " + count
                            + " base64 lines after line " + (first - 1));
                }
                String line = lines[next++].strip();
                for (int c = 0; c < line.length(); c++) {
                    char ch = line.charAt(c);
                    if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')
                            || ch == '+' || ch == '/' || ch == '=')) {
                        throw error(next, "a character that is not base64");
                    }
                }
                b64.append(line);
            }
            try {
                if (b64.length() % 4 != 0) {
                    throw new IllegalArgumentException();
                }
                return Base64.getDecoder().decode(b64.toString());
            } catch (IllegalArgumentException e) {
                throw new SshException(source + ":" + first + "-" + next + ": invalid PuTTY private key: the base64 data is malformed or truncated");
            }
        }
    }

    private static Parsed parseText(String text, String source) throws SshException {
        Lines in = new Lines(text, source);
        Parsed f = new Parsed();
        if (in.lines.length == 0) {
            throw new SshException(source + ": not a PuTTY private key: the file is empty");
        }
        String first = in.lines[0];
        int colon = first.indexOf(": ");
        if (!first.startsWith(MAGIC_PREFIX) || colon < 0) {
            throw new SshException(source + ":1: not a PuTTY private key: expected \"" + MAGIC_PREFIX + "3: ...\"");
        }
        String version = first.substring(MAGIC_PREFIX.length(), colon);
        if (!version.equals("2") && !version.equals("3")) {
            throw new SshException(source + ":1: unsupported PuTTY key file version " + SignatureAlgorithms.quote(version)
                    + " (versions 2 and 3 are supported)");
        }
        f.version = Integer.parseInt(version);
        in.next = 1;
        f.algorithm = first.substring(colon + 2);
        f.encryption = in.header("Encryption");
        if (!f.encryption.equals("none") && !f.encryption.equals("aes256-cbc")) {
            throw new SshException(source + ":2: unsupported PuTTY key encryption " + SignatureAlgorithms.quote(f.encryption));
        }
        f.comment = in.header("Comment");
        f.publicBlob = in.base64Block("Public-Lines");
        try {
            String blobType = new SshReader(f.publicBlob).ascii();
            if (!blobType.equals(f.algorithm)) {
                throw new SshException(source + ": invalid PuTTY private key: the public key is "
                        + SignatureAlgorithms.quote(blobType) + " but the file says " + SignatureAlgorithms.quote(f.algorithm));
            }
        } catch (SshException e) {
            if (e.getMessage().startsWith(source + ":")) {
                throw e;
            }
            throw new SshException(source + ": invalid PuTTY private key: malformed public key: " + e.getMessage(), e);
        }
        if (f.version == 3 && !f.encryption.equals("none")) {
            String kdf = in.header("Key-Derivation");
            f.argon2Type = switch (kdf) {
                case "Argon2id" -> Argon2Parameters.ARGON2_id;
                case "Argon2i" -> Argon2Parameters.ARGON2_i;
                case "Argon2d" -> Argon2Parameters.ARGON2_d;
                default -> throw in.error(in.next, "unsupported Key-Derivation " + SignatureAlgorithms.quote(kdf));
            };
            f.argon2Memory = in.number("Argon2-Memory", 8, MAX_ARGON2_MEMORY_KIB);
            f.argon2Passes = in.number("Argon2-Passes", 1, MAX_ARGON2_PASSES);
            f.argon2Parallelism = in.number("Argon2-Parallelism", 1, MAX_ARGON2_PARALLELISM);
            if (f.argon2Memory < 8 * f.argon2Parallelism) {
                throw in.error(in.next, "Argon2-Memory must be at least 8 KiB per lane (8 times Argon2-Parallelism)");
            }
            if ((long) f.argon2Memory * f.argon2Passes > MAX_ARGON2_COST) {
                throw in.error(in.next - 1, "Argon2-Memory " + f.argon2Memory + " KiB times Argon2-Passes " + f.argon2Passes
                        + " exceeds the supported " + MAX_ARGON2_COST + " (PuTTY's default memory is 8192 KiB)");
            }
            f.argon2Salt = in.hex("Argon2-Salt");
        }
        f.privateBlob = in.base64Block("Private-Lines");
        f.mac = in.hex("Private-MAC");
        f.macLine = in.next;
        if (f.mac.length != (f.version == 3 ? 32 : 20)) {
            throw in.error(in.next, "Private-MAC must be " + (f.version == 3 ? 32 : 20) + " bytes");
        }
        if (in.next != in.lines.length) {
            throw in.error(in.next + 1, "unexpected text after Private-MAC");
        }
        return f;
    }
}
