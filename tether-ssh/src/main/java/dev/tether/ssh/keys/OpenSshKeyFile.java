package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.RSAPrivateCrtKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;

/**
 * Reads and writes private key files in OpenSSH's own format ({@code openssh-key-v1},
 * described in OpenSSH's PROTOCOL.key), as {@code ssh-keygen} writes them by default, for
 * Ed25519, ECDSA (nistp256/384/521) and RSA keys, unencrypted or protected by a passphrase; and
 * formats public key lines ({@code TYPE BASE64 COMMENT}) as in {@code .pub} and
 * {@code authorized_keys} files.
 *
 * <p>Layout of the binary inside the armour:
 * <pre>
 * byte[15] "openssh-key-v1\0"
 * string   ciphername           "none", or the cipher of an encrypted key
 * string   kdfname              "none", or "bcrypt"
 * string   kdfoptions           empty, or for bcrypt: string salt || uint32 rounds
 * uint32   number of keys       1
 * string   public key blob
 * string   private section (encrypted unless the cipher is "none"):
 *            uint32 checkint, uint32 checkint (equal)
 *            string keytype, then the type's private fields
 *            string comment
 *            byte   padding 1, 2, 3, ... up to a multiple of the cipher's block size (8 for none)
 * byte[]   authentication tag of an AEAD cipher (16 bytes; outside the string above)
 * </pre>
 * Encrypted keys derive the cipher key and IV together from the passphrase (its UTF-8 bytes)
 * with {@code bcrypt_pbkdf(passphrase, salt, rounds)} ({@link BcryptPbkdf}). Reading supports
 * the ciphers {@code ssh-keygen -Z} offers for keys: {@code aes128/192/256-ctr},
 * {@code aes128/192/256-cbc}, {@code aes128/256-gcm@openssh.com} and
 * {@code chacha20-poly1305@openssh.com}; writing uses {@code aes256-ctr} with a random 16-byte
 * salt and {@value #DEFAULT_ROUNDS} rounds, as {@code ssh-keygen} does. A wrong passphrase shows
 * as check integers that differ (or a failed tag), reported as "wrong passphrase or corrupt key".
 *
 * <p>Passphrases are taken as {@code char[]} and never modified; the byte copies made from them
 * are wiped after use.
 * Private fields: Ed25519 {@code string A || string (seed || A)}; ECDSA
 * {@code string curve || string Q || mpint d}; RSA {@code mpint n, e, d, iqmp, p, q}.
 *
 * <p>Reading checks the structure strictly, that the header's public key matches the private
 * section, and that the private key signs what its public key verifies. Errors are
 * {@link SshException}s that name the source (and the line, for problems in the text) and
 * never contain key material.
 */
public final class OpenSshKeyFile {
    static final String BEGIN = "-----BEGIN OPENSSH PRIVATE KEY-----";
    static final String END = "-----END OPENSSH PRIVATE KEY-----";
    private static final byte[] AUTH_MAGIC = "openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII);
    private static final int LINE_WIDTH = 70;
    /** Key files are a few kilobytes; refuse to read anything absurdly large. */
    private static final int MAX_FILE_SIZE = 1 << 20;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** bcrypt rounds when writing, as ssh-keygen's default. */
    static final int DEFAULT_ROUNDS = 16;
    private static final int SALT_LENGTH = 16;
    /**
     * The most bcrypt rounds a key file may ask for. Every round costs about 10 ms here, so the
     * file's own parameter must be bounded or a hostile file keeps us busy for up to 2^32 rounds;
     * ssh-keygen's default is 16 and people who raise it with {@code -a} go to some hundreds, 1000
     * at most, which this still reads (in about ten seconds).
     */
    static final int MAX_ROUNDS = 1024;
    private static final int MAX_SALT_LENGTH = 1024;
    private static final String WRITE_CIPHER = "aes256-ctr";

    private OpenSshKeyFile() {
    }

    /**
     * Reads an unencrypted OpenSSH private key file; an encrypted one fails, asking for a passphrase.
     *
     * @param file the key file
     * @return the key pair
     * @throws IOException if the file cannot be read, or (as {@link SshException}) it is malformed or encrypted
     */
    public static KeyPair read(Path file) throws IOException {
        return read(file, null);
    }

    /**
     * Reads an OpenSSH private key file, decrypting it with {@code passphrase} if it is encrypted
     * ({@code passphrase} is ignored for an unencrypted key, and may be null then).
     *
     * @param file       the key file
     * @param passphrase the passphrase, or null for an unencrypted key
     * @return the key pair
     * @throws IOException if the file cannot be read, or (as {@link SshException}) it is malformed, or encrypted and
     *     the passphrase is missing or wrong
     */
    public static KeyPair read(Path file, char[] passphrase) throws IOException {
        byte[] bytes = readLimited(file, "not an OpenSSH private key");
        try {
            return parse(new String(bytes, StandardCharsets.ISO_8859_1), file.toString(), passphrase);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /** Reads at most {@link #MAX_FILE_SIZE} bytes of a key file. */
    static byte[] readLimited(Path file, String what) throws IOException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_FILE_SIZE + 1);
        }
        if (bytes.length > MAX_FILE_SIZE) {
            Arrays.fill(bytes, (byte) 0);
            throw new SshException(file + ": " + what + ": larger than " + MAX_FILE_SIZE + " bytes");
        }
        return bytes;
    }

    /**
     * Parses the text of an unencrypted OpenSSH private key file; {@code sourceName} names it in
     * error messages.
     *
     * @param text       the file's text
     * @param sourceName the name for errors; null for {@code <private key>}
     * @return the key pair
     * @throws SshException if the text is malformed or the key is encrypted
     */
    public static KeyPair parse(String text, String sourceName) throws SshException {
        return parse(text, sourceName, null);
    }

    /**
     * Parses the text of an OpenSSH private key file, decrypting it with {@code passphrase} if it
     * is encrypted; {@code sourceName} names it in error messages.
     *
     * @param text       the file's text
     * @param sourceName the name for errors; null for {@code <private key>}
     * @param passphrase the passphrase, or null for an unencrypted key
     * @return the key pair
     * @throws SshException naming the source: if the key is encrypted and {@code passphrase} is
     *                      null or empty, if the passphrase is wrong ("wrong passphrase or corrupt
     *                      key"), or if the file is malformed
     */
    public static KeyPair parse(String text, String sourceName, char[] passphrase) throws SshException {
        String source = sourceName == null ? "<private key>" : sourceName;
        byte[] binary = unarmor(text, source);
        try {
            return decode(binary, source, passphrase);
        } finally {
            Arrays.fill(binary, (byte) 0);
        }
    }

    /**
     * The public key blob an OpenSSH private key file carries in the clear, before its private
     * section: readable without the passphrase, which is how a client offers an encrypted key
     * and asks for the passphrase only once the server accepts it.
     *
     * @param text       the file's text
     * @param sourceName the name for errors; null for {@code <private key>}
     * @return the public key blob of the file's first key
     * @throws SshException if the text is not a well-formed OpenSSH private key file
     */
    public static byte[] publicKeyBlob(String text, String sourceName) throws SshException {
        return header(text, sourceName).publicKey();
    }

    /** The clear part of a key file: its cipher's name and its (first) public key. */
    private record Header(String cipher, byte[] publicKey) {
    }

    private static Header header(String text, String sourceName) throws SshException {
        String source = sourceName == null ? "<private key>" : sourceName;
        byte[] binary = unarmor(text, source);
        try {
            SshReader r = new SshReader(binary);
            if (r.remaining() < AUTH_MAGIC.length || !Arrays.equals(r.raw(AUTH_MAGIC.length), AUTH_MAGIC)) {
                throw new SshException(source + ": invalid OpenSSH private key: bad magic (not an openssh-key-v1 key)");
            }
            String cipher = r.ascii();
            r.string(); // kdf
            r.string(); // kdf options
            if (r.uint32AsLong() < 1) {
                throw new SshException(source + ": invalid OpenSSH private key: it holds no key");
            }
            return new Header(cipher, r.string());
        } catch (SshException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(source + ":")) {
                throw e;
            }
            throw new SshException(source + ": invalid OpenSSH private key: " + e.getMessage(), e);
        } finally {
            Arrays.fill(binary, (byte) 0);
        }
    }

    /**
     * Whether the text is an OpenSSH private key whose private section is encrypted, so that
     * reading it needs a passphrase.
     *
     * @throws SshException if the text is not a well-formed OpenSSH private key file
     */
    static boolean isEncrypted(String text, String sourceName) throws SshException {
        return !"none".equals(header(text, sourceName).cipher());
    }

    /**
     * Writes {@code pair} as an unencrypted OpenSSH private key file, replacing any existing file.
     * Where the file system is POSIX the file is created with mode 600 before anything is written
     * to it; elsewhere it gets the file system's defaults.
     *
     * @param file    the file to write
     * @param pair    an Ed25519, ECDSA or RSA key pair
     * @param comment the comment stored in the file; null means empty
     * @throws IllegalArgumentException if the key type is not supported, the private key does not
     *                                  expose its parameters, or the two keys do not belong together
     * @throws IOException if the file cannot be written
     */
    public static void write(Path file, KeyPair pair, String comment) throws IOException {
        write(file, pair, comment, null);
    }

    /**
     * Writes {@code pair} as an OpenSSH private key file, encrypted with {@code passphrase}
     * ({@value #WRITE_CIPHER}, bcrypt with a random salt and {@value #DEFAULT_ROUNDS} rounds), or
     * unencrypted when {@code passphrase} is null or empty; otherwise as {@link #write(Path, KeyPair, String)}.
     *
     * @param file       the file to write
     * @param pair       an Ed25519, ECDSA or RSA key pair
     * @param comment    the comment stored in the file; null means empty
     * @param passphrase the passphrase, or null or empty for an unencrypted file
     * @throws IOException if the file cannot be written
     */
    public static void write(Path file, KeyPair pair, String comment, char[] passphrase) throws IOException {
        byte[] bytes = format(pair, comment, passphrase).getBytes(StandardCharsets.US_ASCII);
        writePrivate(file, bytes);
    }

    /**
     * Replaces {@code file} with {@code bytes} through a temporary file that is created with mode
     * 600 where the file system is POSIX, then wipes {@code bytes}.
     */
    static void writePrivate(Path file, byte[] bytes) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        boolean posix = Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class);
        Path tmp = posix
                ? Files.createTempFile(dir, ".tether-key-", ".tmp", PosixFilePermissions.asFileAttribute(
                        EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)))
                : Files.createTempFile(dir, ".tether-key-", ".tmp");
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Arrays.fill(bytes, (byte) 0);
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * The public key line {@code TYPE BASE64 COMMENT} (without a line terminator); the comment
     * and its separating space are left out when {@code comment} is null or empty.
     *
     * @param key     an Ed25519, ECDSA or RSA public key
     * @param comment the comment, or null or empty for none
     * @return the line
     * @throws IllegalArgumentException for an unsupported key, or a comment with a line break
     */
    public static String publicKeyLine(PublicKey key, String comment) {
        byte[] blob = SignatureAlgorithms.encodePublicKey(key);
        String line = keyTypeOf(key) + " " + Base64.getEncoder().encodeToString(blob);
        if (comment == null || comment.isEmpty()) {
            return line;
        }
        if (comment.indexOf('\n') >= 0 || comment.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a public key comment cannot contain a line break");
        }
        return line + " " + comment;
    }

    // ---------------------------------------------------------------- armour

    private static byte[] unarmor(String text, String source) throws SshException {
        String[] lines = text.split("\n", -1);
        int i = 0;
        while (i < lines.length && lines[i].trim().isEmpty()) {
            i++;
        }
        if (i == lines.length) {
            throw new SshException(source + ": not an OpenSSH private key: the file is empty");
        }
        String first = lines[i].trim();
        if (!first.equals(BEGIN)) {
            throw new SshException(source + ":" + (i + 1) + ": " + describeWrongFormat(first, source));
        }
        int beginLine = i + 1;
        StringBuilder b64 = new StringBuilder();
        for (i++; i < lines.length; i++) {
            String line = lines[i].trim();
            if (line.equals(END)) {
                if (b64.length() % 4 != 0) {
                    // the JDK decoder would accept missing padding; a whole file never lacks it
                    throw new SshException(source + ":" + (beginLine + 1) + "-" + i
                            + ": invalid OpenSSH private key: the base64 body is truncated (its length is not a multiple of 4)");
                }
                try {
                    return Base64.getDecoder().decode(b64.toString());
                } catch (IllegalArgumentException e) {
                    throw new SshException(source + ":" + (beginLine + 1) + "-" + i
                            + ": invalid OpenSSH private key: the base64 body is malformed or truncated");
                }
            }
            for (int c = 0; c < line.length(); c++) {
                if (!isBase64(line.charAt(c))) {
                    throw new SshException(source + ":" + (i + 1) + ": invalid OpenSSH private key: "
                            + (line.startsWith("-----") ? "unexpected armour line" : "a character that is not base64"));
                }
            }
            b64.append(line);
        }
        throw new SshException(source + ": invalid OpenSSH private key: no \"" + END + "\" line after line " + beginLine
                + " (the file is truncated)");
    }

    private static String describeWrongFormat(String first, String source) {
        if (first.startsWith("-----BEGIN ") && first.contains("PRIVATE KEY")) {
            return "not an OpenSSH-format private key (" + first.replace("-", "").trim()
                    + "); convert it with: ssh-keygen -p -f " + source;
        }
        if (first.startsWith("ssh-") || first.startsWith("ecdsa-") || first.startsWith("sk-")) {
            return "this is a public key, not a private key file";
        }
        return "not an OpenSSH private key: expected \"" + BEGIN + "\"";
    }

    private static boolean isBase64(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
    }

    // ---------------------------------------------------------------- decoding

    private static KeyPair decode(byte[] binary, String source, char[] passphrase) throws SshException {
        String prefix = source + ": invalid OpenSSH private key: ";
        byte[] priv = null;
        try {
            SshReader r = new SshReader(binary);
            if (r.remaining() < AUTH_MAGIC.length || !Arrays.equals(r.raw(AUTH_MAGIC.length), AUTH_MAGIC)) {
                throw new SshException(prefix + "bad magic (not an openssh-key-v1 key)");
            }
            String cipherName = r.ascii();
            String kdf = r.ascii();
            byte[] kdfOptions = r.string();
            KeyCipher cipher = KeyCipher.byName(cipherName);
            if (cipher == null) {
                throw new SshException(source + ": unsupported private key cipher " + SignatureAlgorithms.quote(cipherName));
            }
            if (cipher == KeyCipher.NONE) {
                if (!"none".equals(kdf)) {
                    throw new SshException(prefix + "cipher \"none\" with kdf " + SignatureAlgorithms.quote(kdf));
                }
                if (kdfOptions.length != 0) {
                    throw new SshException(prefix + "kdf \"none\" with non-empty kdf options");
                }
            } else if (!"bcrypt".equals(kdf)) {
                throw new SshException(source + ": unsupported private key kdf " + SignatureAlgorithms.quote(kdf)
                        + " (only \"bcrypt\" is known)");
            }
            long count = r.uint32AsLong();
            if (count != 1) {
                throw new SshException(prefix + "the file holds " + count + " keys; exactly one is supported");
            }
            byte[] headerBlob = r.string();
            long sectionLength = r.uint32AsLong();
            if (sectionLength > r.remaining()) {
                throw new SshException(prefix + "the private section is truncated");
            }
            if (r.remaining() - sectionLength != cipher.tagLength) {
                throw new SshException(prefix + "the key file has " + (r.remaining() - sectionLength - cipher.tagLength)
                        + " unexpected trailing bytes" + (cipher.tagLength > 0 ? " after a " + cipher.tagLength + "-byte tag" : ""));
            }
            byte[] section = r.raw((int) sectionLength);
            byte[] tag = r.raw(cipher.tagLength);
            SignatureAlgorithms.decodePublicKey(headerBlob); // validates the header key on its own
            if (section.length % cipher.blockSize != 0) {
                throw new SshException(prefix + "private section length " + section.length + " is not a multiple of "
                        + cipher.blockSize);
            }
            if (cipher == KeyCipher.NONE) {
                priv = section;
            } else {
                if (Passphrases.isEmpty(passphrase)) {
                    throw new SshException(source + ": the private key is encrypted (" + cipher.sshName
                            + "); a passphrase is needed to read it");
                }
                priv = decrypt(cipher, kdfOptions, passphrase, section, tag, source, prefix);
            }
            SshReader p = new SshReader(priv);
            int check1 = p.uint32();
            int check2 = p.uint32();
            if (check1 != check2) {
                throw new SshException(cipher == KeyCipher.NONE
                        ? prefix + "the check integers do not match (the file is corrupt)"
                        : source + ": wrong passphrase or corrupt key");
            }
            KeyPair pair = decodePrivate(p, prefix);
            p.string(); // the comment: arbitrary bytes in old files, and not returned
            for (int pad = 1; p.hasRemaining(); pad++) {
                if (p.byteValue() != (pad & 0xff)) {
                    throw new SshException(prefix + "bad padding after the private key");
                }
            }
            if (!Arrays.equals(SignatureAlgorithms.encodePublicKey(pair.getPublic()), headerBlob)) {
                throw new SshException(prefix + "the public key in the header does not match the private key section");
            }
            if (!belongTogether(pair)) {
                throw new SshException(prefix + "the private key does not match its public key");
            }
            return pair;
        } catch (SshException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(source + ":")) {
                throw e;
            }
            throw new SshException(prefix + e.getMessage(), e);
        } finally {
            if (priv != null) {
                Arrays.fill(priv, (byte) 0);
            }
        }
    }

    private static KeyPair decodePrivate(SshReader p, String prefix) throws SshException {
        String type = p.ascii();
        try {
            if (SignatureAlgorithms.ED25519.equals(type)) {
                byte[] a = p.string();
                byte[] sk = p.string();
                try {
                    if (a.length != Ed25519Codec.KEY_SIZE || sk.length != 2 * Ed25519Codec.KEY_SIZE) {
                        throw new SshException(prefix + "ssh-ed25519 private key fields have the wrong length");
                    }
                    if (!Arrays.equals(sk, Ed25519Codec.KEY_SIZE, sk.length, a, 0, a.length)) {
                        throw new SshException(prefix + "ssh-ed25519 private key does not end with its public key");
                    }
                    PublicKey pub = SignatureAlgorithms.decodePublicKey(
                            new SshWriter(48).string(SignatureAlgorithms.ED25519).string(a).toByteArray());
                    byte[] seed = Arrays.copyOf(sk, Ed25519Codec.KEY_SIZE);
                    try {
                        PrivateKey pk = KeyFactory.getInstance("Ed25519")
                                .generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
                        return new KeyPair(pub, pk);
                    } finally {
                        Arrays.fill(seed, (byte) 0);
                    }
                } finally {
                    Arrays.fill(sk, (byte) 0);
                }
            }
            EcCurves curve = EcCurves.bySshName(type);
            if (curve != null) {
                String id = p.ascii();
                byte[] q = p.string();
                BigInteger d = p.mpint();
                PublicKey pub = SignatureAlgorithms.decodePublicKey(
                        new SshWriter(q.length + 64).string(type).string(id).string(q).toByteArray());
                if (d.signum() <= 0 || d.compareTo(curve.order()) >= 0) {
                    throw new SshException(prefix + type + " private scalar is out of range");
                }
                PrivateKey pk = KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(d, curve.params()));
                return new KeyPair(pub, pk);
            }
            if (SignatureAlgorithms.RSA.equals(type)) {
                BigInteger n = p.mpint();
                BigInteger e = p.mpint();
                BigInteger d = p.mpint();
                BigInteger iqmp = p.mpint();
                BigInteger bp = p.mpint();
                BigInteger bq = p.mpint();
                PublicKey pub = SignatureAlgorithms.decodePublicKey(
                        new SshWriter(n.bitLength() / 8 + 32).string(type).mpint(e).mpint(n).toByteArray());
                if (d.signum() <= 0 || bp.compareTo(BigInteger.ONE) <= 0 || bq.compareTo(BigInteger.ONE) <= 0 || iqmp.signum() <= 0
                        || d.compareTo(n) >= 0 || !bp.multiply(bq).equals(n)) {
                    throw new SshException(prefix + "ssh-rsa private key parameters are inconsistent");
                }
                if (!bq.multiply(iqmp).mod(bp).equals(BigInteger.ONE)) {
                    throw new SshException(prefix + "ssh-rsa private key has a wrong CRT coefficient (iqmp)");
                }
                BigInteger dp = d.mod(bp.subtract(BigInteger.ONE));
                BigInteger dq = d.mod(bq.subtract(BigInteger.ONE));
                PrivateKey pk = KeyFactory.getInstance("RSA")
                        .generatePrivate(new RSAPrivateCrtKeySpec(n, e, d, bp, bq, dp, dq, iqmp));
                return new KeyPair(pub, pk);
            }
            throw new SshException(prefix + "unsupported key type " + SignatureAlgorithms.quote(type));
        } catch (GeneralSecurityException e) {
            throw new SshException(prefix + "the JCA rejected the " + type + " private key: " + e.getClass().getSimpleName(), e);
        }
    }

    /** Decrypts the private section; a failed AEAD tag is reported as a wrong passphrase. */
    private static byte[] decrypt(KeyCipher cipher, byte[] kdfOptions, char[] passphrase, byte[] section, byte[] tag,
                                  String source, String prefix) throws SshException {
        SshReader k = new SshReader(kdfOptions);
        byte[] salt;
        long rounds;
        try {
            salt = k.string();
            rounds = k.uint32AsLong();
            k.expectEnd("bcrypt kdf options");
        } catch (SshException e) {
            throw new SshException(prefix + "malformed bcrypt kdf options: " + e.getMessage(), e);
        }
        if (salt.length == 0 || salt.length > MAX_SALT_LENGTH) {
            throw new SshException(prefix + "bcrypt salt of " + salt.length + " bytes (1 to " + MAX_SALT_LENGTH + " expected)");
        }
        if (rounds < 1 || rounds > MAX_ROUNDS) {
            throw new SshException(source + ": bcrypt kdf rounds " + rounds + " outside the supported 1 to " + MAX_ROUNDS
                    + " (ssh-keygen writes 16 unless told otherwise with -a)");
        }
        byte[] keyAndIv = derive(passphrase, salt, (int) rounds, cipher.keyLength + cipher.ivLength);
        try {
            return cipher.decrypt(keyAndIv, section, tag);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new SshException(source + ": wrong passphrase or corrupt key");
        } catch (GeneralSecurityException e) {
            throw new SshException(source + ": cannot decrypt the private key with " + cipher.sshName + ": "
                    + e.getClass().getSimpleName(), e);
        } finally {
            Arrays.fill(keyAndIv, (byte) 0);
        }
    }

    /** bcrypt_pbkdf over the UTF-8 bytes of the passphrase; the byte copy is wiped. */
    private static byte[] derive(char[] passphrase, byte[] salt, int rounds, int length) {
        byte[] pass = Passphrases.utf8(passphrase);
        try {
            return BcryptPbkdf.derive(pass, salt, rounds, length);
        } finally {
            Arrays.fill(pass, (byte) 0);
        }
    }

    /** True if the private key signs what the public key verifies. */
    static boolean belongTogether(KeyPair pair) throws SshException {
        List<String> algs = SignatureAlgorithms.algorithmsFor(pair.getPublic());
        if (algs.isEmpty()) {
            return false;
        }
        byte[] probe = "tether: key pair consistency check".getBytes(StandardCharsets.US_ASCII);
        String alg = algs.get(0);
        return SignatureAlgorithms.verify(alg, pair.getPublic(), probe, SignatureAlgorithms.sign(alg, pair.getPrivate(), probe));
    }

    // ---------------------------------------------------------------- encoding

    /** The full text of the unencrypted key file, armour included. */
    static String format(KeyPair pair, String comment) {
        return format(pair, comment, null);
    }

    /** The full text of the key file, encrypted unless {@code passphrase} is null or empty. */
    static String format(KeyPair pair, String comment, char[] passphrase) {
        PublicKey pub = pair.getPublic();
        byte[] pubBlob = SignatureAlgorithms.encodePublicKey(pub);
        try {
            if (!belongTogether(pair)) {
                throw new IllegalArgumentException("the private key does not belong to the public key");
            }
        } catch (SshException e) {
            throw new IllegalArgumentException("the key pair cannot be used: " + e.getMessage(), e);
        }
        boolean encrypt = !Passphrases.isEmpty(passphrase);
        KeyCipher cipher = encrypt ? KeyCipher.byName(WRITE_CIPHER) : KeyCipher.NONE;
        SshWriter priv = new SshWriter(1024);
        SshWriter out = new SshWriter(2048);
        byte[] keyAndIv = null;
        byte[] encrypted = null;
        try {
            int check = RANDOM.nextInt();
            priv.uint32(check).uint32(check);
            encodePrivate(priv, pair);
            priv.string(comment == null ? "" : comment);
            for (int pad = 1; priv.length() % cipher.blockSize != 0; pad++) {
                priv.byteValue(pad);
            }
            out.raw(AUTH_MAGIC);
            if (encrypt) {
                byte[] salt = new byte[SALT_LENGTH];
                RANDOM.nextBytes(salt);
                keyAndIv = derive(passphrase, salt, DEFAULT_ROUNDS, cipher.keyLength + cipher.ivLength);
                byte[] plain = Arrays.copyOf(priv.array(), priv.length());
                try {
                    encrypted = cipher.encrypt(keyAndIv, plain);
                } finally {
                    Arrays.fill(plain, (byte) 0);
                }
                int sectionLength = encrypted.length - cipher.tagLength;
                out.string(cipher.sshName).string("bcrypt")
                        .string(new SshWriter(32).string(salt).uint32(DEFAULT_ROUNDS).toByteArray())
                        .uint32(1).string(pubBlob).string(encrypted, 0, sectionLength)
                        .raw(encrypted, sectionLength, cipher.tagLength);
            } else {
                out.string("none").string("none").string(new byte[0]).uint32(1)
                        .string(pubBlob).string(priv.array(), 0, priv.length());
            }
            String b64 = Base64.getEncoder().encodeToString(out.toByteArray());
            StringBuilder sb = new StringBuilder(b64.length() + b64.length() / LINE_WIDTH + 80);
            sb.append(BEGIN).append('\n');
            for (int i = 0; i < b64.length(); i += LINE_WIDTH) {
                sb.append(b64, i, Math.min(b64.length(), i + LINE_WIDTH)).append('\n');
            }
            return sb.append(END).append('\n').toString();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("encrypting the private key with " + cipher.sshName + " failed", e);
        } finally {
            priv.wipe();
            out.wipe();
            if (keyAndIv != null) {
                Arrays.fill(keyAndIv, (byte) 0);
            }
            if (encrypted != null) {
                Arrays.fill(encrypted, (byte) 0);
            }
        }
    }

    private static void encodePrivate(SshWriter w, KeyPair pair) {
        PublicKey pub = pair.getPublic();
        PrivateKey key = pair.getPrivate();
        if (pub instanceof EdECPublicKey ed && key instanceof EdECPrivateKey edPriv) {
            byte[] a = Ed25519Codec.encode(ed.getPoint());
            byte[] seed = edPriv.getBytes().orElseThrow(
                    () -> new IllegalArgumentException("the Ed25519 private key does not expose its seed"));
            byte[] sk = new byte[2 * Ed25519Codec.KEY_SIZE];
            try {
                if (seed.length != Ed25519Codec.KEY_SIZE) {
                    throw new IllegalArgumentException("the Ed25519 private key seed is not 32 bytes");
                }
                System.arraycopy(seed, 0, sk, 0, seed.length);
                System.arraycopy(a, 0, sk, seed.length, a.length);
                w.string(SignatureAlgorithms.ED25519).string(a).string(sk);
            } finally {
                Arrays.fill(seed, (byte) 0);
                Arrays.fill(sk, (byte) 0);
            }
        } else if (pub instanceof ECPublicKey ec && key instanceof ECPrivateKey ecPriv) {
            EcCurves curve = EcCurves.of(ec);
            w.string(curve.sshName).string(curve.identifier).string(curve.encodePoint(ec.getW())).mpint(ecPriv.getS());
        } else if (pub instanceof RSAPublicKey && key instanceof RSAPrivateCrtKey rsa) {
            w.string(SignatureAlgorithms.RSA).mpint(rsa.getModulus()).mpint(rsa.getPublicExponent())
                    .mpint(rsa.getPrivateExponent()).mpint(rsa.getCrtCoefficient())
                    .mpint(rsa.getPrimeP()).mpint(rsa.getPrimeQ());
        } else {
            throw new IllegalArgumentException("cannot write a " + SignatureAlgorithms.describe(pub) + " key pair with a "
                    + SignatureAlgorithms.describe(key) + " private key (RSA needs its CRT parameters)");
        }
    }

    /** The key type name of a supported key, as in its blob. */
    private static String keyTypeOf(PublicKey key) {
        List<String> algs = SignatureAlgorithms.algorithmsFor(key);
        if (algs.isEmpty()) {
            throw new IllegalArgumentException("unsupported public key type " + SignatureAlgorithms.describe(key));
        }
        return SignatureAlgorithms.keyType(algs.get(0));
    }
}
