package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Processes;
import dev.tether.testkit.SshKeygen;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PEM private keys (PKCS#1, SEC1, PKCS#8, encrypted PKCS#8, legacy OpenSSL encryption) made by ssh-keygen and openssl. */
class PemKeyFileTest {
    private static final String PASS = "pem passphrase";
    private static final byte[] DATA = "data".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private static Path openssl() {
        return Peers.requireOnPath("openssl", "openssl");
    }

    private static String blobB64(KeyPair kp) {
        return Base64.getEncoder().encodeToString(SignatureAlgorithms.encodePublicKey(kp.getPublic()));
    }

    private static void assertUsable(KeyPair kp) throws SshException {
        String alg = SignatureAlgorithms.algorithmsFor(kp.getPublic()).get(0);
        assertTrue(SignatureAlgorithms.verify(alg, kp.getPublic(), DATA, SignatureAlgorithms.sign(alg, kp.getPrivate(), DATA)));
    }

    private void assertWrongAndMissingPassphrase(Path key) {
        SshException wrong = assertThrows(SshException.class, () -> PemKeyFile.read(key, "not it".toCharArray()));
        assertEquals(key + ": wrong passphrase or corrupt key", wrong.getMessage());
        SshException missing = assertThrows(SshException.class, () -> PemKeyFile.read(key, null));
        assertTrue(missing.getMessage().startsWith(key + ": the private key is encrypted"), missing.getMessage());
        assertFalse(missing.getMessage().contains(PASS));
    }

    @ParameterizedTest(name = "ssh-keygen -t {0} -b {1} -m {2} passphrase={3}")
    @CsvSource({
        "rsa, 2048, PEM, false", "rsa, 2048, PEM, true", "rsa, 2048, PKCS8, false", "rsa, 2048, PKCS8, true",
        "ecdsa, 256, PEM, false", "ecdsa, 256, PEM, true", "ecdsa, 256, PKCS8, false", "ecdsa, 256, PKCS8, true",
        "ecdsa, 384, PEM, false", "ecdsa, 384, PEM, true", "ecdsa, 384, PKCS8, false", "ecdsa, 384, PKCS8, true",
        "ecdsa, 521, PEM, false", "ecdsa, 521, PEM, true", "ecdsa, 521, PKCS8, false", "ecdsa, 521, PKCS8, true",
    })
    void readsKeysFromSshKeygen(String type, int bits, String format, boolean encrypted) throws Exception {
        Peers.requireSshKeygen();
        Path key = dir.resolve("id_" + type);
        SshKeygen.run(dir, null, "-q", "-t", type, "-b", Integer.toString(bits), "-m", format, "-N", encrypted ? PASS : "",
                "-C", "c", "-f", key.toString()).expectSuccess();
        String text = Files.readString(key);
        String expectedLabel = format.equals("PKCS8") ? (encrypted ? "ENCRYPTED PRIVATE KEY" : "PRIVATE KEY")
                : type.equals("rsa") ? "RSA PRIVATE KEY" : "EC PRIVATE KEY";
        assertTrue(text.startsWith("-----BEGIN " + expectedLabel + "-----\n"), text.lines().findFirst().orElse(""));
        assertEquals(encrypted, PemKeyFile.isEncrypted(text, "x"));

        KeyPair kp = PemKeyFile.read(key, encrypted ? PASS.toCharArray() : null);
        assertUsable(kp);
        Path pubFile = key.resolveSibling(key.getFileName() + ".pub");
        assertEquals(Files.readString(pubFile).split(" ")[1], blobB64(kp));
        // the public key ssh-keygen derives from the private key file itself
        String derived = SshKeygen.run(dir, null, "-y", "-P", encrypted ? PASS : "", "-f", key.toString()).expectSuccess().stdout();
        assertEquals(derived.strip().split(" ")[1], blobB64(kp));
        String fp = SshKeygen.run(dir, null, "-l", "-f", pubFile.toString()).expectSuccess().stdout().split(" ")[1];
        assertEquals(fp, SignatureAlgorithms.fingerprint(SignatureAlgorithms.encodePublicKey(kp.getPublic())));
        if (encrypted) {
            assertWrongAndMissingPassphrase(key);
        }
    }

    /** openssl's Ed25519 public key: the last 32 bytes of the SubjectPublicKeyInfo. */
    private byte[] opensslEd25519Public(Path key, String... passArgs) throws Exception {
        Path der = dir.resolve("pub.der");
        List<String> cmd = new ArrayList<>(List.of(openssl().toString(), "pkey", "-in", key.toString(), "-pubout", "-outform", "DER", "-out", der.toString()));
        cmd.addAll(List.of(passArgs));
        Processes.tool(dir, cmd.toArray(new String[0])).expectSuccess();
        byte[] spki = Files.readAllBytes(der);
        return Arrays.copyOfRange(spki, spki.length - 32, spki.length);
    }

    @Test
    void ed25519Pkcs8FromOpenssl() throws Exception {
        String openssl = openssl().toString();
        Path key = dir.resolve("ed.pem");
        Processes.tool(dir, openssl, "genpkey", "-algorithm", "ed25519", "-out", key.toString()).expectSuccess();
        KeyPair kp = PemKeyFile.read(key, null);
        assertUsable(kp);
        byte[] a = opensslEd25519Public(key);
        assertArrayEquals(SignatureAlgorithms.encodePublicKey(SignatureAlgorithms.decodePublicKey(
                new dev.tether.ssh.common.SshWriter().string("ssh-ed25519").string(a).toByteArray())),
                SignatureAlgorithms.encodePublicKey(kp.getPublic()));

        Path enc = dir.resolve("ed-enc.pem");
        Processes.tool(dir, openssl, "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", key.toString(), "-out", enc.toString(),
                "-passout", "pass:" + PASS).expectSuccess();
        assertTrue(Files.readString(enc).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        assertEquals(blobB64(kp), blobB64(PemKeyFile.read(enc, PASS.toCharArray())));
        assertWrongAndMissingPassphrase(enc);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "rsa legacy DES-EDE3-CBC | genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 | rsa -traditional -des3 | RSA PRIVATE KEY",
        "rsa legacy AES-256-CBC | genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 | rsa -traditional -aes256 | RSA PRIVATE KEY",
        "ec P-384 legacy AES-192-CBC | genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 | ec -aes192 | EC PRIVATE KEY",
        "ec P-521 pkcs8 aes-128 sha512 | genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 | pkcs8 -topk8 -v2 aes-128-cbc -v2prf hmacWithSHA512 | ENCRYPTED PRIVATE KEY",
        "ec P-256 pkcs8 des3 sha1 | genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 | pkcs8 -topk8 -v2 des3 -v2prf hmacWithSHA1 | ENCRYPTED PRIVATE KEY",
        "rsa pkcs8 aes-256 sha256 | genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 | pkcs8 -topk8 -v2 aes-256-cbc | ENCRYPTED PRIVATE KEY",
    })
    void encryptedKeysFromOpenssl(String name, String generate, String convert, String label) throws Exception {
        String openssl = openssl().toString();
        Path plain = dir.resolve("plain.pem");
        List<String> gen = new ArrayList<>(List.of(openssl));
        gen.addAll(List.of(generate.strip().split(" ")));
        gen.addAll(List.of("-out", plain.toString()));
        Processes.tool(dir, gen.toArray(new String[0])).expectSuccess();
        Path enc = dir.resolve("enc.pem");
        List<String> conv = new ArrayList<>(List.of(openssl));
        conv.addAll(List.of(convert.strip().split(" ")));
        conv.addAll(List.of("-in", plain.toString(), "-out", enc.toString(), "-passout", "pass:" + PASS));
        Processes.tool(dir, conv.toArray(new String[0])).expectSuccess();
        assertTrue(Files.readString(enc).startsWith("-----BEGIN " + label.strip() + "-----"), Files.readString(enc).lines().findFirst().orElse(""));

        KeyPair fromPlain = PemKeyFile.read(plain, null);
        KeyPair fromEnc = PemKeyFile.read(enc, PASS.toCharArray());
        assertUsable(fromEnc);
        assertEquals(blobB64(fromPlain), blobB64(fromEnc));
        assertWrongAndMissingPassphrase(enc);
    }

    @Test
    void unsupportedAlgorithmInsideAnEncryptedKeyIsNotAWrongPassphrase() throws Exception {
        String openssl = openssl().toString();
        Path plain = dir.resolve("ed448.pem");
        Processes.tool(dir, openssl, "genpkey", "-algorithm", "ed448", "-out", plain.toString()).expectSuccess();
        Path enc = dir.resolve("ed448-enc.pem");
        Processes.tool(dir, openssl, "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", plain.toString(), "-out", enc.toString(),
                "-passout", "pass:" + PASS).expectSuccess();
        for (Path p : List.of(plain, enc)) {
            SshException e = assertThrows(SshException.class, () -> PemKeyFile.read(p, PASS.toCharArray()));
            assertTrue(e.getMessage().startsWith(p + ": invalid PEM private key (")
                    && e.getMessage().endsWith("unsupported key algorithm 1.3.101.113 (RSA, EC and Ed25519 are supported)"), e.getMessage());
        }
    }

    @Test
    void ecParametersBlockBeforeTheKeyIsSkipped() throws Exception {
        Path key = dir.resolve("ec.pem");
        Processes.tool(dir, openssl().toString(), "ecparam", "-name", "prime256v1", "-genkey", "-out", key.toString()).expectSuccess();
        assertTrue(Files.readString(key).startsWith("-----BEGIN EC PARAMETERS-----"));
        assertUsable(PemKeyFile.read(key, null));
    }

    // ------------------------------------------------------------ malformed input

    private SshException assertRejected(String text, String fragment) throws Exception {
        Path file = dir.resolve("bad.pem");
        Files.writeString(file, text, StandardCharsets.ISO_8859_1);
        SshException e = assertThrows(SshException.class, () -> PemKeyFile.read(file, PASS.toCharArray()));
        assertTrue(e.getMessage().startsWith(file + ":"), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        assertFalse(e.getMessage().contains(PASS));
        return e;
    }

    @Test
    void malformedFiles() throws Exception {
        assertRejected("", "empty");
        assertRejected("hello\n", ":1: not a PEM private key");
        assertRejected("-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n", ":1: unsupported PEM block");
        assertRejected("-----BEGIN PRIVATE KEY-----\nAAAA\n", "no \"-----END PRIVATE KEY-----\" line");
        assertRejected("-----BEGIN PRIVATE KEY-----\nAA!A\n-----END PRIVATE KEY-----\n", ":2: invalid PEM private key: a character that is not base64");
        assertRejected("-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n", "malformed DER");
        assertRejected("-----BEGIN RSA PRIVATE KEY-----\nMAMCAQE=\n-----END RSA PRIVATE KEY-----\n", "multi-prime");
    }

    @Test
    void pbkdf2IterationsAreBoundedBeforeAnyKeyDerivation() throws Exception {
        // EncryptedPrivateKeyInfo: PBES2 with PBKDF2 (8-byte salt, 1,000,001 iterations) and AES-256-CBC
        byte[] pbkdf2 = der(0x30, hex("06092a864886f70d01050c"), der(0x30, der(0x04, new byte[8]), hex("02030f4241")));
        byte[] aes = der(0x30, hex("060960864801650304012a"), der(0x04, new byte[16]));
        byte[] pbes2 = der(0x30, hex("06092a864886f70d01050d"), der(0x30, pbkdf2, aes));
        byte[] info = der(0x30, pbes2, der(0x04, new byte[32]));
        String text = "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(info)
                + "\n-----END ENCRYPTED PRIVATE KEY-----\n";
        SshException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertRejected(text, ": PBKDF2 iteration count 1000001 outside the supported 1 to 1000000"));
        assertFalse(e.getMessage().contains("wrong passphrase"));
    }

    @Test
    void emptyPbkdf2SaltIsRefused() throws Exception {
        // found by PrivateKeyFileTarget: the JCA's PBEKeySpec threw IllegalArgumentException for it
        byte[] pbkdf2 = der(0x30, hex("06092a864886f70d01050c"), der(0x30, der(0x04), hex("02020800")));
        byte[] aes = der(0x30, hex("060960864801650304012a"), der(0x04, new byte[16]));
        byte[] info = der(0x30, der(0x30, hex("06092a864886f70d01050d"), der(0x30, pbkdf2, aes)), der(0x04, new byte[32]));
        String text = "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(info)
                + "\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assertRejected(text, ": invalid PEM private key (ENCRYPTED PRIVATE KEY): the PBKDF2 salt is empty");
    }

    private static byte[] hex(String h) {
        return java.util.HexFormat.of().parseHex(h);
    }

    /** A DER TLV (short or one-byte long length) of the concatenated parts. */
    private static byte[] der(int tag, byte[]... parts) {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            body.writeBytes(p);
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(tag);
        if (body.size() >= 128) {
            out.write(0x81);
        }
        out.write(body.size());
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    @Test
    void truncatedDerFromARealKey() throws Exception {
        Peers.requireSshKeygen();
        Path key = dir.resolve("k");
        SshKeygen.run(dir, null, "-q", "-t", "ecdsa", "-m", "PEM", "-N", "", "-f", key.toString()).expectSuccess();
        List<String> lines = Files.readAllLines(key);
        byte[] der = Base64.getDecoder().decode(String.join("", lines.subList(1, lines.size() - 1)));
        String cut = "-----BEGIN EC PRIVATE KEY-----\n" + Base64.getEncoder().encodeToString(Arrays.copyOf(der, der.length - 9))
                + "\n-----END EC PRIVATE KEY-----\n";
        SshException e = assertRejected(cut, "invalid PEM private key (EC PRIVATE KEY): malformed DER");
        for (String line : lines.subList(1, lines.size() - 1)) {
            assertFalse(e.getMessage().contains(line.substring(0, 16)), "no key material");
        }
    }

    @Test
    void legacyKeyDerivationMatchesOpenssl() throws Exception {
        // openssl enc -P prints the key EVP_BytesToKey makes from a passphrase and salt
        String out = Processes.tool(dir, openssl().toString(), "enc", "-aes-256-cbc", "-md", "md5", "-P", "-S", "0102030405060708",
                "-pass", "pass:" + PASS).expectSuccess().stdout();
        String keyHex = out.lines().filter(l -> l.startsWith("key=")).findFirst().orElseThrow().substring(4).strip();
        byte[] ours = PemKeyFile.evpBytesToKey(PASS.toCharArray(), TestKeys.hex("0102030405060708"), 32);
        assertEquals(keyHex.toLowerCase(), java.util.HexFormat.of().formatHex(ours));
    }
}
