package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

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
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.RSAPrivateCrtKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.crypto.BadPaddingException;
import javax.crypto.Cipher;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Reads private keys in the PEM formats of OpenSSL, which {@code ssh-keygen -m PEM} and
 * {@code -m PKCS8} also write:
 * <ul>
 *   <li>{@code -----BEGIN RSA PRIVATE KEY-----}: PKCS#1 RSAPrivateKey (RFC 8017 A.1.2);</li>
 *   <li>{@code -----BEGIN EC PRIVATE KEY-----}: SEC1 ECPrivateKey (RFC 5915) on the named curves
 *       P-256, P-384 and P-521; a preceding {@code EC PARAMETERS} block is skipped;</li>
 *   <li>{@code -----BEGIN PRIVATE KEY-----}: PKCS#8 PrivateKeyInfo (RFC 5208, RFC 5958) holding
 *       an RSA, EC or Ed25519 (RFC 8410) key;</li>
 *   <li>{@code -----BEGIN ENCRYPTED PRIVATE KEY-----}: PKCS#8 EncryptedPrivateKeyInfo with PBES2
 *       (RFC 8018): PBKDF2 with HMAC-SHA-1/224/256/384/512 and AES-128/192/256-CBC or
 *       DES-EDE3-CBC, as {@code openssl pkcs8 -topk8 -v2 aes-256-cbc} and
 *       {@code ssh-keygen -m PKCS8 -N ...} write;</li>
 *   <li>PKCS#1 and SEC1 blocks with OpenSSL's legacy encryption headers
 *       ({@code Proc-Type: 4,ENCRYPTED} and {@code DEK-Info: AES-128-CBC,IV}, also AES-192/256 and
 *       DES-EDE3), the key derived with OpenSSL's EVP_BytesToKey (MD5, one iteration, the first
 *       8 IV bytes as salt), as {@code ssh-keygen -m PEM -N ...} writes.</li>
 * </ul>
 * The public key is derived from the private key (RSA from n and e; EC as d·G; Ed25519 from the
 * seed) and checked against any public key the file carries, and the pair must sign what it
 * verifies. Passphrases are used as UTF-8 and never modified; derived copies are wiped.
 *
 * <p>Errors are {@link SshException}s naming the source (and the line, for problems in the
 * text) and never contain key material or passphrases. A wrong passphrase is reported as
 * "wrong passphrase or corrupt key".
 */
public final class PemKeyFile {
    static final String RSA_LABEL = "RSA PRIVATE KEY";
    static final String EC_LABEL = "EC PRIVATE KEY";
    static final String PKCS8_LABEL = "PRIVATE KEY";
    static final String ENCRYPTED_PKCS8_LABEL = "ENCRYPTED PRIVATE KEY";

    private static final String OID_RSA = "1.2.840.113549.1.1.1";
    private static final String OID_EC = "1.2.840.10045.2.1";
    private static final String OID_ED25519 = "1.3.101.112";
    private static final String OID_PBES2 = "1.2.840.113549.1.5.13";
    private static final String OID_PBKDF2 = "1.2.840.113549.1.5.12";
    private static final Map<String, EcCurves> CURVES_BY_OID = Map.of(
            "1.2.840.10045.3.1.7", EcCurves.NISTP256,
            "1.3.132.0.34", EcCurves.NISTP384,
            "1.3.132.0.35", EcCurves.NISTP521);
    private static final Map<String, String> PRFS = Map.of(
            "1.2.840.113549.2.7", "PBKDF2WithHmacSHA1",
            "1.2.840.113549.2.8", "PBKDF2WithHmacSHA224",
            "1.2.840.113549.2.9", "PBKDF2WithHmacSHA256",
            "1.2.840.113549.2.10", "PBKDF2WithHmacSHA384",
            "1.2.840.113549.2.11", "PBKDF2WithHmacSHA512");
    /** Block ciphers by PKCS#5 OID and by OpenSSL DEK-Info name: {JCA algorithm, key length}. */
    private static final Map<String, BlockCipher> CIPHERS_BY_OID = Map.of(
            "2.16.840.1.101.3.4.1.2", new BlockCipher("AES-128-CBC", "AES", 16),
            "2.16.840.1.101.3.4.1.22", new BlockCipher("AES-192-CBC", "AES", 24),
            "2.16.840.1.101.3.4.1.42", new BlockCipher("AES-256-CBC", "AES", 32),
            "1.2.840.113549.3.7", new BlockCipher("DES-EDE3-CBC", "DESede", 24));
    /**
     * A bound on PBKDF2 iterations so a hostile file cannot keep us busy for long: OpenSSL's
     * default is 2048 and OWASP's advice for PBKDF2-HMAC-SHA256 600,000; a million HMAC-SHA512
     * iterations take about 1.5 s here.
     */
    static final int MAX_ITERATIONS = 1_000_000;

    private record BlockCipher(String name, String jcaAlgorithm, int keyLength) {
        int blockSize() {
            return "AES".equals(jcaAlgorithm) ? 16 : 8;
        }
    }

    private record Pem(String label, Map<String, String> headers, byte[] der, int beginLine) {
    }

    private PemKeyFile() {
    }

    /**
     * Reads a PEM private key file, decrypting it with {@code passphrase} if it is encrypted.
     *
     * @param file       the PEM file
     * @param passphrase the passphrase, or null for an unencrypted key
     * @return the key pair
     * @throws IOException if the file cannot be read, or (as {@link SshException}) it is no PEM private key we read,
     *     the passphrase is wrong or missing, or the key is corrupt
     */
    public static KeyPair read(Path file, char[] passphrase) throws IOException {
        byte[] bytes = OpenSshKeyFile.readLimited(file, "not a PEM private key");
        try {
            return parse(new String(bytes, StandardCharsets.ISO_8859_1), file.toString(), passphrase);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /**
     * Parses the text of a PEM private key file; {@code passphrase} is used only if the key is
     * encrypted and may be null otherwise. {@code sourceName} names the text in error messages.
     *
     * @param text       the file's text
     * @param sourceName the name for errors; null for {@code <private key>}
     * @param passphrase the passphrase, or null for an unencrypted key
     * @return the key pair
     * @throws SshException if the text is no PEM private key we read, the passphrase is wrong or missing, or the key
     *     is corrupt
     */
    public static KeyPair parse(String text, String sourceName, char[] passphrase) throws SshException {
        String source = sourceName == null ? "<private key>" : sourceName;
        Pem pem = unarmor(text, source);
        byte[] der = pem.der();
        String prefix = source + ": invalid PEM private key (" + pem.label() + "): ";
        byte[] plain = null;
        try {
            KeyPair pair;
            if (ENCRYPTED_PKCS8_LABEL.equals(pem.label())) {
                requirePassphrase(passphrase, source, "PKCS#8");
                plain = decryptPkcs8(der, passphrase, source, prefix);
                byte[] p = plain;
                pair = decodeOrWrongPassphrase(() -> decodePkcs8(new Der(p), prefix), source);
            } else if (pem.headers().containsKey("Proc-Type")) {
                plain = decryptLegacy(pem, passphrase, source, prefix);
                byte[] p = plain;
                pair = decodeOrWrongPassphrase(() -> decodeTraditional(pem.label(), p, prefix), source);
            } else if (PKCS8_LABEL.equals(pem.label())) {
                pair = decodePkcs8(new Der(der), prefix);
            } else {
                pair = decodeTraditional(pem.label(), der, prefix);
            }
            if (!OpenSshKeyFile.belongTogether(pair)) {
                throw new SshException(prefix + "the private key does not match its public key");
            }
            return pair;
        } catch (SshException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(source + ":")) {
                throw e;
            }
            throw new SshException(prefix + e.getMessage(), e);
        } finally {
            Arrays.fill(der, (byte) 0);
            if (plain != null) {
                Arrays.fill(plain, (byte) 0);
            }
        }
    }

    /** Whether the text is a PEM private key that needs a passphrase. */
    static boolean isEncrypted(String text, String sourceName) throws SshException {
        Pem pem = unarmor(text, sourceName == null ? "<private key>" : sourceName);
        Arrays.fill(pem.der(), (byte) 0);
        return ENCRYPTED_PKCS8_LABEL.equals(pem.label()) || pem.headers().containsKey("Proc-Type");
    }

    /** True if the first armour line of the text names one of the PEM private key types read here. */
    static boolean isPemPrivateKey(String firstArmourLine) {
        return firstArmourLine.equals(begin(RSA_LABEL)) || firstArmourLine.equals(begin(EC_LABEL))
                || firstArmourLine.equals(begin(PKCS8_LABEL)) || firstArmourLine.equals(begin(ENCRYPTED_PKCS8_LABEL))
                || firstArmourLine.equals(begin("EC PARAMETERS"));
    }

    private static String begin(String label) {
        return "-----BEGIN " + label + "-----";
    }

    private static void requirePassphrase(char[] passphrase, String source, String what) throws SshException {
        if (Passphrases.isEmpty(passphrase)) {
            throw new SshException(source + ": the private key is encrypted (" + what + "); a passphrase is needed to read it");
        }
    }

    private interface Decoder {
        KeyPair decode() throws SshException;
    }

    /**
     * Decodes decrypted data: with CBC a wrong passphrase usually fails the padding check, but
     * may (about once in 256 tries) leave valid padding around garbage, which then fails to parse
     * as DER. Errors about a well-formed structure (they name the source: an unsupported
     * algorithm, inconsistent parameters) mean the passphrase was right and pass through.
     */
    private static KeyPair decodeOrWrongPassphrase(Decoder decoder, String source) throws SshException {
        try {
            return decoder.decode();
        } catch (SshException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(source + ":")) {
                throw e;
            }
            throw new SshException(source + ": wrong passphrase or corrupt key", e);
        }
    }

    // ---------------------------------------------------------------- armour

    private static Pem unarmor(String text, String source) throws SshException {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            lines[i] = lines[i].strip();
        }
        int i = 0;
        while (i < lines.length && lines[i].isEmpty()) {
            i++;
        }
        if (i == lines.length) {
            throw new SshException(source + ": not a PEM private key: the file is empty");
        }
        while (true) {
            if (i == lines.length) {
                throw new SshException(source + ": not a PEM private key: no private key block found");
            }
            String line = lines[i];
            if (!line.startsWith("-----BEGIN ") || !line.endsWith("-----") || line.length() < 16) {
                if (line.isEmpty()) {
                    i++;
                    continue;
                }
                throw new SshException(source + ":" + (i + 1) + ": not a PEM private key: expected a \"-----BEGIN ...-----\" line");
            }
            String label = line.substring(11, line.length() - 5);
            String end = "-----END " + label + "-----";
            if (label.equals("EC PARAMETERS")) {
                int j = i + 1;
                while (j < lines.length && !lines[j].equals(end)) {
                    j++;
                }
                if (j == lines.length) {
                    throw new SshException(source + ": invalid PEM file: no \"" + end + "\" line after line " + (i + 1));
                }
                i = j + 1;
                continue;
            }
            if (!label.equals(RSA_LABEL) && !label.equals(EC_LABEL) && !label.equals(PKCS8_LABEL)
                    && !label.equals(ENCRYPTED_PKCS8_LABEL)) {
                throw new SshException(source + ":" + (i + 1) + ": unsupported PEM block \"" + SignatureAlgorithms.quote(label)
                        .replace("\"", "") + "\" (RSA, EC, PKCS#8 and encrypted PKCS#8 private keys are supported)");
            }
            int beginLine = i + 1;
            Map<String, String> headers = new LinkedHashMap<>();
            i++;
            while (i < lines.length && lines[i].indexOf(':') > 0 && !lines[i].startsWith("-----")) {
                String h = lines[i];
                int colon = h.indexOf(':');
                headers.put(h.substring(0, colon).strip(), h.substring(colon + 1).strip());
                i++;
            }
            if (!headers.isEmpty() && i < lines.length && lines[i].isEmpty()) {
                i++;
            }
            StringBuilder b64 = new StringBuilder();
            for (; i < lines.length; i++) {
                String l = lines[i];
                if (l.equals(end)) {
                    if (b64.length() % 4 != 0) {
                        throw new SshException(source + ":" + (beginLine + 1) + "-" + i
                                + ": invalid PEM private key: the base64 body is truncated (its length is not a multiple of 4)");
                    }
                    try {
                        return new Pem(label, headers, Base64.getDecoder().decode(b64.toString()), beginLine);
                    } catch (IllegalArgumentException e) {
                        throw new SshException(source + ":" + (beginLine + 1) + "-" + i
                                + ": invalid PEM private key: the base64 body is malformed");
                    }
                }
                for (int c = 0; c < l.length(); c++) {
                    char ch = l.charAt(c);
                    if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')
                            || ch == '+' || ch == '/' || ch == '=')) {
                        throw new SshException(source + ":" + (i + 1) + ": invalid PEM private key: "
                                + (l.startsWith("-----") ? "unexpected armour line" : "a character that is not base64"));
                    }
                }
                b64.append(l);
            }
            throw new SshException(source + ": invalid PEM private key: no \"" + end + "\" line after line " + beginLine
                    + " (the file is truncated)");
        }
    }

    // ---------------------------------------------------------------- decryption

    private static byte[] decryptPkcs8(byte[] der, char[] passphrase, String source, String prefix) throws SshException {
        Der outer = new Der(der).sequence("EncryptedPrivateKeyInfo");
        Der alg = outer.sequence("encryptionAlgorithm");
        String scheme = alg.oid("encryption algorithm");
        if (!OID_PBES2.equals(scheme)) {
            throw new SshException(source + ": unsupported PKCS#8 encryption " + scheme
                    + " (only PBES2 is supported; convert with: openssl pkcs8 -topk8 -v2 aes-256-cbc)");
        }
        Der params = alg.sequence("PBES2 parameters");
        alg.expectEnd("PBES2 parameters");
        Der kdf = params.sequence("keyDerivationFunc");
        String kdfOid = kdf.oid("key derivation function");
        if (!OID_PBKDF2.equals(kdfOid)) {
            throw new SshException(source + ": unsupported PBES2 key derivation function " + kdfOid + " (only PBKDF2 is supported)");
        }
        Der kdfParams = kdf.sequence("PBKDF2 parameters");
        byte[] salt = kdfParams.octetString("PBKDF2 salt");
        int iterations = kdfParams.smallInteger("PBKDF2 iteration count", Integer.MAX_VALUE);
        int keyLength = -1;
        if (kdfParams.peekTag() == Der.INTEGER) {
            keyLength = kdfParams.smallInteger("PBKDF2 key length", 64);
        }
        String prf = "PBKDF2WithHmacSHA1";
        if (kdfParams.hasMore()) {
            Der prfAlg = kdfParams.sequence("PBKDF2 prf");
            String prfOid = prfAlg.oid("PBKDF2 prf");
            prf = PRFS.get(prfOid);
            if (prf == null) {
                throw new SshException(source + ": unsupported PBKDF2 pseudo-random function " + prfOid);
            }
            if (prfAlg.hasMore()) {
                prfAlg.nullValue("PBKDF2 prf parameters");
            }
        }
        kdfParams.expectEnd("PBKDF2 parameters");
        Der enc = params.sequence("encryptionScheme");
        String encOid = enc.oid("encryption scheme");
        BlockCipher cipher = CIPHERS_BY_OID.get(encOid);
        if (cipher == null) {
            throw new SshException(source + ": unsupported PBES2 encryption scheme " + encOid
                    + " (AES-128/192/256-CBC and DES-EDE3-CBC are supported)");
        }
        byte[] iv = enc.octetString("encryption scheme IV");
        enc.expectEnd("encryption scheme");
        params.expectEnd("PBES2 parameters");
        byte[] encrypted = outer.octetString("encryptedData");
        outer.expectEnd("EncryptedPrivateKeyInfo");
        if (iterations < 1 || iterations > MAX_ITERATIONS) {
            throw new SshException(source + ": PBKDF2 iteration count " + iterations + " outside the supported 1 to " + MAX_ITERATIONS);
        }
        if (salt.length == 0) {
            // PKCS#5 requires a salt, and the JCA's PBEKeySpec refuses an empty one with an IllegalArgumentException
            throw new SshException(prefix + "the PBKDF2 salt is empty");
        }
        if (keyLength != -1 && keyLength != cipher.keyLength()) {
            throw new SshException(prefix + "PBKDF2 key length " + keyLength + " does not fit " + cipher.name());
        }
        if (iv.length != cipher.blockSize()) {
            throw new SshException(prefix + cipher.name() + " IV of " + iv.length + " bytes");
        }
        byte[] key = null;
        PBEKeySpec spec = new PBEKeySpec(passphrase, salt, iterations, 8 * cipher.keyLength());
        try {
            key = SecretKeyFactory.getInstance(prf).generateSecret(spec).getEncoded();
            return cbcDecrypt(cipher, key, iv, encrypted, source, prefix);
        } catch (GeneralSecurityException e) {
            throw new SshException(source + ": cannot decrypt the PKCS#8 key: " + e.getClass().getSimpleName(), e);
        } finally {
            spec.clearPassword();
            if (key != null) {
                Arrays.fill(key, (byte) 0);
            }
        }
    }

    private static byte[] decryptLegacy(Pem pem, char[] passphrase, String source, String prefix) throws SshException {
        String procType = pem.headers().get("Proc-Type");
        if (!"4,ENCRYPTED".equals(procType.replace(" ", ""))) {
            throw new SshException(prefix + "unsupported Proc-Type header");
        }
        String dekInfo = pem.headers().get("DEK-Info");
        if (dekInfo == null) {
            throw new SshException(prefix + "an encrypted key without a DEK-Info header");
        }
        int comma = dekInfo.indexOf(',');
        String name = (comma < 0 ? dekInfo : dekInfo.substring(0, comma)).strip().toUpperCase(Locale.ROOT);
        BlockCipher cipher = null;
        for (BlockCipher c : CIPHERS_BY_OID.values()) {
            if (c.name().equals(name)) {
                cipher = c;
            }
        }
        if (cipher == null) {
            throw new SshException(source + ": unsupported PEM encryption " + SignatureAlgorithms.quote(name)
                    + " (AES-128/192/256-CBC and DES-EDE3-CBC are supported)");
        }
        byte[] iv;
        try {
            iv = HexFormat.of().parseHex(comma < 0 ? "" : dekInfo.substring(comma + 1).strip());
        } catch (IllegalArgumentException e) {
            throw new SshException(prefix + "the DEK-Info IV is not hexadecimal");
        }
        if (iv.length != cipher.blockSize()) {
            throw new SshException(prefix + "the DEK-Info IV must be " + cipher.blockSize() + " bytes, got " + iv.length);
        }
        requirePassphrase(passphrase, source, cipher.name());
        byte[] key = evpBytesToKey(passphrase, Arrays.copyOf(iv, 8), cipher.keyLength());
        try {
            return cbcDecrypt(cipher, key, iv, pem.der(), source, prefix);
        } catch (GeneralSecurityException e) {
            throw new SshException(source + ": cannot decrypt the PEM key: " + e.getClass().getSimpleName(), e);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    private static byte[] cbcDecrypt(BlockCipher cipher, byte[] key, byte[] iv, byte[] data, String source, String prefix)
            throws GeneralSecurityException, SshException {
        if (data.length == 0 || data.length % cipher.blockSize() != 0) {
            throw new SshException(prefix + "the encrypted data is not a whole number of " + cipher.name() + " blocks");
        }
        Cipher c = Cipher.getInstance(cipher.jcaAlgorithm() + "/CBC/PKCS5Padding");
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, cipher.jcaAlgorithm()), new IvParameterSpec(iv));
        try {
            return c.doFinal(data);
        } catch (BadPaddingException e) {
            throw new SshException(source + ": wrong passphrase or corrupt key");
        }
    }

    /** OpenSSL's EVP_BytesToKey with MD5 and one iteration: D_i = MD5(D_{i-1} || passphrase || salt). */
    static byte[] evpBytesToKey(char[] passphrase, byte[] salt, int length) {
        byte[] pass = Passphrases.utf8(passphrase);
        byte[] out = new byte[length];
        byte[] d = new byte[0];
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            for (int off = 0; off < length; off += d.length) {
                md5.update(d);
                md5.update(pass);
                md5.update(salt);
                Arrays.fill(d, (byte) 0);
                d = md5.digest();
                System.arraycopy(d, 0, out, off, Math.min(d.length, length - off));
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("MD5 is not available", e);
        } finally {
            Arrays.fill(pass, (byte) 0);
            Arrays.fill(d, (byte) 0);
        }
    }

    // ---------------------------------------------------------------- key structures

    private static KeyPair decodeTraditional(String label, byte[] der, String prefix) throws SshException {
        if (RSA_LABEL.equals(label)) {
            return decodePkcs1(new Der(der), prefix);
        }
        if (EC_LABEL.equals(label)) {
            return decodeSec1(new Der(der), null, prefix);
        }
        throw new SshException(prefix + "legacy encryption headers on a " + label + " block");
    }

    private static KeyPair decodePkcs8(Der der, String prefix) throws SshException {
        Der info = der.sequence("PrivateKeyInfo");
        der.expectEnd("PrivateKeyInfo");
        int version = info.smallInteger("PrivateKeyInfo version", 1);
        Der alg = info.sequence("privateKeyAlgorithm");
        String oid = alg.oid("private key algorithm");
        byte[] privateKey = info.octetString("privateKey");
        try {
            // attributes [0] and (version 2) publicKey [1] may follow; the public key is derived instead
            if (OID_RSA.equals(oid)) {
                if (alg.hasMore()) {
                    alg.nullValue("rsaEncryption parameters");
                }
                alg.expectEnd("algorithm identifier");
                return decodePkcs1(new Der(privateKey), prefix);
            }
            if (OID_EC.equals(oid)) {
                String curveOid = alg.oid("EC named curve");
                alg.expectEnd("algorithm identifier");
                EcCurves curve = CURVES_BY_OID.get(curveOid);
                if (curve == null) {
                    throw new SshException(prefix + "unsupported EC curve " + curveOid + " (P-256, P-384 and P-521 are supported)");
                }
                return decodeSec1(new Der(privateKey), curve, prefix);
            }
            if (OID_ED25519.equals(oid)) {
                alg.expectEnd("algorithm identifier");
                Der inner = new Der(privateKey);
                byte[] seed = inner.octetString("Ed25519 private key");
                try {
                    inner.expectEnd("Ed25519 private key");
                    if (seed.length != Ed25519Codec.KEY_SIZE) {
                        throw new SshException(prefix + "an Ed25519 private key must be 32 bytes, got " + seed.length);
                    }
                    return ed25519(seed, version, info, prefix);
                } finally {
                    Arrays.fill(seed, (byte) 0);
                }
            }
            throw new SshException(prefix + "unsupported key algorithm " + oid + " (RSA, EC and Ed25519 are supported)");
        } finally {
            Arrays.fill(privateKey, (byte) 0);
        }
    }

    private static KeyPair ed25519(byte[] seed, int version, Der info, String prefix) throws SshException {
        byte[] a = new Ed25519PrivateKeyParameters(seed, 0).generatePublicKey().getEncoded();
        if (version == 1) {
            // OneAsymmetricKey: [0] attributes, then [1] IMPLICIT BIT STRING publicKey
            while (info.hasMore()) {
                if (info.peekTag() == 0x81) {
                    byte[] given = info.implicitBitString(1, "publicKey");
                    if (!Arrays.equals(given, a)) {
                        throw new SshException(prefix + "the Ed25519 public key in the file does not match the private key");
                    }
                } else {
                    info.skip("PrivateKeyInfo attributes");
                }
            }
        }
        try {
            PublicKey pub = KeyFactory.getInstance("Ed25519").generatePublic(
                    new java.security.spec.EdECPublicKeySpec(NamedParameterSpec.ED25519, Ed25519Codec.decode(a)));
            PrivateKey priv = KeyFactory.getInstance("Ed25519").generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
            return new KeyPair(pub, priv);
        } catch (GeneralSecurityException e) {
            throw new SshException(prefix + "the JCA rejected the Ed25519 key: " + e.getClass().getSimpleName(), e);
        }
    }

    private static KeyPair decodePkcs1(Der der, String prefix) throws SshException {
        Der seq = der.sequence("RSAPrivateKey");
        der.expectEnd("RSAPrivateKey");
        int version = seq.smallInteger("RSAPrivateKey version", 1);
        if (version != 0) {
            throw new SshException(prefix + "multi-prime RSA keys are not supported");
        }
        BigInteger n = seq.integer("modulus");
        BigInteger e = seq.integer("publicExponent");
        BigInteger d = seq.integer("privateExponent");
        BigInteger p = seq.integer("prime1");
        BigInteger q = seq.integer("prime2");
        BigInteger dp = seq.integer("exponent1");
        BigInteger dq = seq.integer("exponent2");
        BigInteger qinv = seq.integer("coefficient");
        seq.expectEnd("RSAPrivateKey");
        if (n.signum() <= 0 || n.bitLength() > SignatureAlgorithms.RSA_MAX_BITS) {
            throw new SshException(prefix + "the RSA modulus must be positive and at most " + SignatureAlgorithms.RSA_MAX_BITS + " bits");
        }
        if (e.signum() <= 0 || !e.testBit(0) || e.equals(BigInteger.ONE) || e.compareTo(n) >= 0
                || d.signum() <= 0 || d.compareTo(n) >= 0 || p.compareTo(BigInteger.ONE) <= 0 || q.compareTo(BigInteger.ONE) <= 0
                || !p.multiply(q).equals(n)) {
            throw new SshException(prefix + "the RSA private key parameters are inconsistent");
        }
        if (!q.multiply(qinv).mod(p).equals(BigInteger.ONE)
                || !dp.equals(d.mod(p.subtract(BigInteger.ONE))) || !dq.equals(d.mod(q.subtract(BigInteger.ONE)))) {
            throw new SshException(prefix + "the RSA private key has wrong CRT parameters");
        }
        try {
            KeyFactory kf = KeyFactory.getInstance("RSA");
            return new KeyPair(kf.generatePublic(new RSAPublicKeySpec(n, e)),
                    kf.generatePrivate(new RSAPrivateCrtKeySpec(n, e, d, p, q, dp, dq, qinv)));
        } catch (GeneralSecurityException ex) {
            throw new SshException(prefix + "the JCA rejected the RSA key: " + ex.getClass().getSimpleName(), ex);
        }
    }

    /** SEC1 ECPrivateKey; {@code curve} comes from the PKCS#8 algorithm identifier, or null for a bare SEC1 key. */
    private static KeyPair decodeSec1(Der der, EcCurves curve, String prefix) throws SshException {
        Der seq = der.sequence("ECPrivateKey");
        der.expectEnd("ECPrivateKey");
        int version = seq.smallInteger("ECPrivateKey version", 1);
        if (version != 1) {
            throw new SshException(prefix + "ECPrivateKey version " + version + " (1 expected)");
        }
        byte[] dBytes = seq.octetString("EC private key");
        BigInteger d = new BigInteger(1, dBytes);
        Arrays.fill(dBytes, (byte) 0);
        byte[] givenPoint = null;
        if (seq.peekTag() == 0xa0) {
            Der params = seq.explicit(0, "EC parameters");
            if (params.peekTag() != Der.OID) {
                throw new SshException(prefix + "explicit EC curve parameters are not supported, only named curves");
            }
            String oid = params.oid("EC named curve");
            params.expectEnd("EC parameters");
            EcCurves named = CURVES_BY_OID.get(oid);
            if (named == null) {
                throw new SshException(prefix + "unsupported EC curve " + oid + " (P-256, P-384 and P-521 are supported)");
            }
            if (curve != null && curve != named) {
                throw new SshException(prefix + "the EC curve in the key differs from the one in its algorithm identifier");
            }
            curve = named;
        }
        if (seq.peekTag() == 0xa1) {
            Der pub = seq.explicit(1, "EC public key");
            givenPoint = pub.bitString("EC public key");
            pub.expectEnd("EC public key");
        }
        seq.expectEnd("ECPrivateKey");
        if (curve == null) {
            throw new SshException(prefix + "the EC key does not name its curve");
        }
        if (d.signum() <= 0 || d.compareTo(curve.order()) >= 0) {
            throw new SshException(prefix + "the EC private scalar is out of range");
        }
        ECPoint w = multiplyGenerator(curve, d);
        if (givenPoint != null && !Arrays.equals(givenPoint, curve.encodePoint(w))) {
            throw new SshException(prefix + "the EC public key in the file does not match the private key");
        }
        try {
            KeyFactory kf = KeyFactory.getInstance("EC");
            return new KeyPair(kf.generatePublic(new ECPublicKeySpec(w, curve.params())),
                    kf.generatePrivate(new ECPrivateKeySpec(d, curve.params())));
        } catch (GeneralSecurityException e) {
            throw new SshException(prefix + "the JCA rejected the EC key: " + e.getClass().getSimpleName(), e);
        }
    }

    /** Q = d·G (the JDK has no public API for it; Bouncy Castle's fixed-point comb does it). */
    static ECPoint multiplyGenerator(EcCurves curve, BigInteger d) {
        X9ECParameters x9 = CustomNamedCurves.getByName(curve.jcaCurveName);
        org.bouncycastle.math.ec.ECPoint q = new FixedPointCombMultiplier().multiply(x9.getG(), d).normalize();
        return new ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
    }
}
