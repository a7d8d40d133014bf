package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.interfaces.RSAPrivateCrtKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenSshKeyFileTest {
    private static final String BEGIN = "-----BEGIN OPENSSH PRIVATE KEY-----";
    private static final String END = "-----END OPENSSH PRIVATE KEY-----";
    private static final byte[] DATA = "data".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    // ------------------------------------------------------------ helpers on the file format

    private static List<String> body(String text) {
        List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n")));
        return lines.subList(lines.indexOf(BEGIN) + 1, lines.indexOf(END));
    }

    private static byte[] binary(String text) {
        return Base64.getDecoder().decode(String.join("", body(text)));
    }

    private static String armor(byte[] binary) {
        String b64 = Base64.getEncoder().encodeToString(binary);
        StringBuilder sb = new StringBuilder(BEGIN).append('\n');
        for (int i = 0; i < b64.length(); i += 70) {
            sb.append(b64, i, Math.min(b64.length(), i + 70)).append('\n');
        }
        return sb.append(END).append('\n').toString();
    }

    /** The parts of the outer structure. */
    private record Outer(String cipher, String kdf, byte[] kdfOptions, int count, byte[] publicBlob, byte[] privateSection) {
        byte[] encode() {
            return new SshWriter().raw("openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII)).string(cipher).string(kdf)
                    .string(kdfOptions).uint32(count).string(publicBlob).string(privateSection).toByteArray();
        }
    }

    private static Outer outer(byte[] binary) throws SshException {
        SshReader r = new SshReader(binary);
        r.skip(15);
        Outer o = new Outer(r.ascii(), r.ascii(), r.string(), r.uint32(), r.string(), r.string());
        r.expectEnd("test key");
        return o;
    }

    /** Builds an unencrypted private section around {@code keyFields}, padded as OpenSSH does. */
    private static byte[] privateSection(int check1, int check2, byte[] keyFields, String comment) {
        SshWriter w = new SshWriter().uint32(check1).uint32(check2).raw(keyFields).string(comment);
        for (int i = 1; w.length() % 8 != 0; i++) {
            w.byteValue(i);
        }
        return w.toByteArray();
    }

    private String validText(String type) throws Exception {
        return OpenSshKeyFile.format(TestKeys.of(type), "comment");
    }

    private String modified(String type, UnaryOperator<Outer> change) throws Exception {
        return armor(change.apply(outer(binary(validText(type)))).encode());
    }

    private SshException assertRejected(String text, String expectedFragment) throws Exception {
        Path file = dir.resolve("bad_key");
        Files.writeString(file, text, StandardCharsets.ISO_8859_1);
        SshException e = assertThrows(SshException.class, () -> OpenSshKeyFile.read(file));
        assertTrue(e.getMessage().startsWith(file.toString() + ":"), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(expectedFragment), e.getMessage());
        for (String line : text.split("\n")) {
            if (line.length() > 20 && !line.startsWith("-----")) {
                assertFalse(e.getMessage().contains(line.substring(0, 20)), "no key material in: " + e.getMessage());
            }
        }
        return e;
    }

    // ------------------------------------------------------------ round trips

    @ParameterizedTest
    @ValueSource(strings = {"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"})
    void writeThenReadRoundTrips(String type) throws Exception {
        KeyPair kp = TestKeys.of(type);
        Path file = dir.resolve("id_test");
        OpenSshKeyFile.write(file, kp, "me@example");
        String text = Files.readString(file);
        assertTrue(text.startsWith(BEGIN + "\n") && text.endsWith(END + "\n"));
        for (String line : body(text)) {
            assertTrue(line.length() <= 70, "lines are at most 70 columns");
        }
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        }

        KeyPair back = OpenSshKeyFile.read(file);
        assertArrayEquals(SignatureAlgorithms.encodePublicKey(kp.getPublic()), SignatureAlgorithms.encodePublicKey(back.getPublic()));
        for (String alg : SignatureAlgorithms.algorithmsFor(kp.getPublic())) {
            byte[] sig = SignatureAlgorithms.sign(alg, back.getPrivate(), DATA);
            assertTrue(SignatureAlgorithms.verify(alg, kp.getPublic(), DATA, sig), alg);
        }
        if (kp.getPrivate() instanceof RSAPrivateCrtKey orig) {
            RSAPrivateCrtKey read = (RSAPrivateCrtKey) back.getPrivate();
            assertEquals(orig.getPrimeExponentP(), read.getPrimeExponentP(), "dP is recomputed");
            assertEquals(orig.getPrimeExponentQ(), read.getPrimeExponentQ(), "dQ is recomputed");
            assertEquals(orig.getCrtCoefficient(), read.getCrtCoefficient());
        }

        // the comment and padding are as OpenSSH writes them
        Outer o = outer(binary(text));
        assertEquals("none", o.cipher());
        assertEquals(1, o.count());
        assertEquals(0, o.privateSection().length % 8);
    }

    @Test
    void writeReplacesAnExistingFileAndTightensItsMode() throws Exception {
        Path file = dir.resolve("host_key");
        Files.writeString(file, "old contents");
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        if (posix) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        }
        OpenSshKeyFile.write(file, TestKeys.of("ssh-ed25519"), "host");
        assertTrue(Files.readString(file).startsWith(BEGIN));
        if (posix) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        }
        try (var listing = Files.list(dir)) {
            assertEquals(List.of(file), listing.toList(), "no temporary files left behind");
        }
    }

    @Test
    void writeRefusesMismatchedKeyPairs() {
        KeyPair a = TestKeys.of("ssh-ed25519");
        KeyPair b = TestKeys.of("ecdsa-sha2-nistp256");
        assertThrows(IllegalArgumentException.class,
                () -> OpenSshKeyFile.write(dir.resolve("x"), new KeyPair(a.getPublic(), b.getPrivate()), ""));
        assertFalse(Files.exists(dir.resolve("x")));
    }

    @Test
    void publicKeyLines() throws Exception {
        KeyPair kp = TestKeys.of("ecdsa-sha2-nistp256");
        String b64 = Base64.getEncoder().encodeToString(SignatureAlgorithms.encodePublicKey(kp.getPublic()));
        assertEquals("ecdsa-sha2-nistp256 " + b64 + " me@host", OpenSshKeyFile.publicKeyLine(kp.getPublic(), "me@host"));
        assertEquals("ecdsa-sha2-nistp256 " + b64, OpenSshKeyFile.publicKeyLine(kp.getPublic(), null));
        assertEquals("ecdsa-sha2-nistp256 " + b64, OpenSshKeyFile.publicKeyLine(kp.getPublic(), ""));
        assertTrue(OpenSshKeyFile.publicKeyLine(TestKeys.of("ssh-rsa").getPublic(), "c").startsWith("ssh-rsa AAAAB3NzaC1yc2E"));
        assertTrue(OpenSshKeyFile.publicKeyLine(TestKeys.of("ssh-ed25519").getPublic(), "c").startsWith("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5"));
        assertThrows(IllegalArgumentException.class, () -> OpenSshKeyFile.publicKeyLine(kp.getPublic(), "two\nlines"));
    }

    @Test
    void parseToleratesCrLfAndSurroundingBlankLines() throws Exception {
        String text = "\n\n" + validText("ssh-ed25519").replace("\n", "\r\n") + "\r\n\r\n";
        KeyPair kp = OpenSshKeyFile.parse(text, "crlf");
        assertArrayEquals(SignatureAlgorithms.encodePublicKey(TestKeys.of("ssh-ed25519").getPublic()),
                SignatureAlgorithms.encodePublicKey(kp.getPublic()));
    }

    // ------------------------------------------------------------ corrupt files

    @Test
    void truncatedBase64() throws Exception {
        String text = validText("ssh-ed25519");
        List<String> lines = body(text);
        String cut = BEGIN + "\n" + String.join("\n", lines.subList(0, lines.size() / 2)) + "\n" + END + "\n";
        assertRejected(cut, "invalid OpenSSH private key");
        // a body cut in the middle of a base64 quantum
        String mid = BEGIN + "\n" + lines.get(0) + "\n" + lines.get(1).substring(0, 33) + "\n" + END + "\n";
        assertRejected(mid, "base64");
    }

    @Test
    void truncatedFileWithoutEndLine() throws Exception {
        String text = validText("ssh-ed25519");
        assertRejected(text.substring(0, text.indexOf(END)), "no \"" + END + "\" line");
    }

    @Test
    void badMagic() throws Exception {
        byte[] bin = binary(validText("ssh-ed25519"));
        bin[8] = 'X';
        assertRejected(armor(bin), "bad magic");
    }

    @Test
    void wrongCheckInts() throws Exception {
        String text = modified("ecdsa-sha2-nistp256", o -> {
            byte[] p = o.privateSection().clone();
            p[5] ^= 0x40;
            return new Outer(o.cipher(), o.kdf(), o.kdfOptions(), o.count(), o.publicBlob(), p);
        });
        assertRejected(text, "check integers do not match");
    }

    @Test
    void invalidCharacterNamesTheLine() throws Exception {
        String[] lines = validText("ssh-ed25519").split("\n");
        lines[2] = lines[2].substring(0, 10) + "!" + lines[2].substring(11);
        assertRejected(String.join("\n", lines) + "\n", ":3: invalid OpenSSH private key: a character that is not base64");
    }

    @Test
    void encryptedKeysNeedAPassphrase() throws Exception {
        String text = modified("ssh-ed25519", o -> new Outer("aes256-ctr", "bcrypt",
                new SshWriter().string(new byte[16]).uint32(16).toByteArray(), 1, o.publicBlob(), o.privateSection()));
        assertRejected(text, "the private key is encrypted (aes256-ctr); a passphrase is needed");
    }

    @Test
    void moreThanOneKey() throws Exception {
        String text = modified("ssh-ed25519", o -> new Outer(o.cipher(), o.kdf(), o.kdfOptions(), 2, o.publicBlob(), o.privateSection()));
        assertRejected(text, "holds 2 keys");
    }

    @Test
    void headerPublicKeyMustMatchThePrivateKey() throws Exception {
        byte[] otherBlob = SignatureAlgorithms.encodePublicKey(SignatureAlgorithms.generate("ssh-ed25519", 0).getPublic());
        String text = modified("ssh-ed25519", o -> new Outer(o.cipher(), o.kdf(), o.kdfOptions(), 1, otherBlob, o.privateSection()));
        assertRejected(text, "public key in the header does not match");
    }

    @Test
    void badPadding() throws Exception {
        String text = modified("ssh-ed25519", o -> {
            byte[] p = o.privateSection().clone();
            p[p.length - 1] ^= 0x20;
            return new Outer(o.cipher(), o.kdf(), o.kdfOptions(), o.count(), o.publicBlob(), p);
        });
        assertRejected(text, "bad padding");
    }

    @Test
    void trailingBytesAfterTheKey() throws Exception {
        byte[] bin = binary(validText("ssh-ed25519"));
        assertRejected(armor(Arrays.copyOf(bin, bin.length + 3)), "trailing bytes");
    }

    @Test
    void ed25519SecretMustEndWithThePublicKey() throws Exception {
        KeyPair kp = TestKeys.of("ssh-ed25519");
        byte[] blob = SignatureAlgorithms.encodePublicKey(kp.getPublic());
        SshReader r = new SshReader(blob);
        r.ascii();
        byte[] a = r.string();
        byte[] sk = new byte[64];
        System.arraycopy(a, 0, sk, 32, 32);
        sk[63] ^= 1;
        byte[] fields = new SshWriter().string("ssh-ed25519").string(a).string(sk).toByteArray();
        String text = armor(new Outer("none", "none", new byte[0], 1, blob, privateSection(7, 7, fields, "")).encode());
        assertRejected(text, "does not end with its public key");
    }

    @Test
    void privateKeyThatDoesNotMatchItsPublicKey() throws Exception {
        KeyPair kp = TestKeys.of("ssh-ed25519");
        byte[] blob = SignatureAlgorithms.encodePublicKey(kp.getPublic());
        SshReader r = new SshReader(blob);
        r.ascii();
        byte[] a = r.string();
        byte[] sk = new byte[64]; // an all-zero seed is some other key
        System.arraycopy(a, 0, sk, 32, 32);
        byte[] fields = new SshWriter().string("ssh-ed25519").string(a).string(sk).toByteArray();
        String text = armor(new Outer("none", "none", new byte[0], 1, blob, privateSection(7, 7, fields, "")).encode());
        assertRejected(text, "private key does not match its public key");
    }

    @Test
    void rsaWithAWrongCrtCoefficient() throws Exception {
        KeyPair kp = TestKeys.of("ssh-rsa");
        RSAPrivateCrtKey k = (RSAPrivateCrtKey) kp.getPrivate();
        byte[] fields = new SshWriter().string("ssh-rsa").mpint(k.getModulus()).mpint(k.getPublicExponent())
                .mpint(k.getPrivateExponent()).mpint(k.getCrtCoefficient().add(BigInteger.ONE))
                .mpint(k.getPrimeP()).mpint(k.getPrimeQ()).toByteArray();
        byte[] blob = SignatureAlgorithms.encodePublicKey(kp.getPublic());
        String text = armor(new Outer("none", "none", new byte[0], 1, blob, privateSection(1, 1, fields, "")).encode());
        assertRejected(text, "CRT coefficient");

        byte[] swapped = new SshWriter().string("ssh-rsa").mpint(k.getModulus()).mpint(k.getPublicExponent())
                .mpint(k.getPrivateExponent()).mpint(k.getCrtCoefficient())
                .mpint(k.getPrimeP()).mpint(k.getPrimeQ().add(BigInteger.TWO)).toByteArray();
        text = armor(new Outer("none", "none", new byte[0], 1, blob, privateSection(1, 1, swapped, "")).encode());
        assertRejected(text, "inconsistent");
    }

    @Test
    void commentMayHoldBytesThatAreNotUtf8() throws Exception {
        KeyPair kp = TestKeys.of("ecdsa-sha2-nistp384");
        String text = modified("ecdsa-sha2-nistp384", o -> {
            try {
                SshReader r = new SshReader(o.privateSection());
                r.skip(8);
                int start = r.position();
                r.ascii();
                r.ascii();
                r.string();
                r.mpint();
                byte[] fields = Arrays.copyOfRange(o.privateSection(), start, r.position());
                SshWriter w = new SshWriter().uint32(9).uint32(9).raw(fields).string(new byte[] {(byte) 0xff, (byte) 0xfe});
                for (int i = 1; w.length() % 8 != 0; i++) {
                    w.byteValue(i);
                }
                return new Outer(o.cipher(), o.kdf(), o.kdfOptions(), o.count(), o.publicBlob(), w.toByteArray());
            } catch (SshException e) {
                throw new IllegalStateException(e);
            }
        });
        KeyPair back = OpenSshKeyFile.parse(text, "latin1-comment");
        assertArrayEquals(SignatureAlgorithms.encodePublicKey(kp.getPublic()), SignatureAlgorithms.encodePublicKey(back.getPublic()));
    }

    @Test
    void otherFormatsGetAHelpfulMessage() throws Exception {
        assertRejected("-----BEGIN RSA PRIVATE KEY-----\nMIIEow==\n-----END RSA PRIVATE KEY-----\n", "ssh-keygen -p -f");
        assertRejected(OpenSshKeyFile.publicKeyLine(TestKeys.of("ssh-ed25519").getPublic(), "x") + "\n", "public key, not a private key");
        assertRejected("hello\n", "not an OpenSSH private key");
        assertRejected("", "empty");
    }

    @Test
    void parseNamesTheSource() {
        SshException e = assertThrows(SshException.class, () -> OpenSshKeyFile.parse("junk", "my-source"));
        assertTrue(e.getMessage().startsWith("my-source:1:"), e.getMessage());
    }
}
