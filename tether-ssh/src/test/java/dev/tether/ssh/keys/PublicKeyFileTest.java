package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import dev.tether.testkit.Peers;
import dev.tether.testkit.SshKeygen;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PublicKeyFileTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "ssh-keygen -t {0} -b {1}")
    @CsvSource({"ed25519, 0", "ecdsa, 256", "ecdsa, 384", "ecdsa, 521", "rsa, 2048"})
    void openSshAndRfc4716FilesFromSshKeygen(String type, int bits) throws Exception {
        Peers.requireSshKeygen();
        Path key = SshKeygen.generate(dir, "id_" + type, type, bits, "test@tether");
        Path pub = key.resolveSibling(key.getFileName() + ".pub");
        PublicKeyFile.Entry e = PublicKeyFile.read(pub);
        assertEquals("test@tether", e.comment());
        assertFalse(e.isCertificate());
        KeyPair kp = OpenSshKeyFile.read(key);
        assertArrayEquals(SignatureAlgorithms.encodePublicKey(kp.getPublic()), e.blob());
        assertEquals(SignatureAlgorithms.keyType(SignatureAlgorithms.algorithmsFor(kp.getPublic()).get(0)), e.type());
        assertEquals(kp.getPublic(), e.publicKey());
        String fp = SshKeygen.run(dir, null, "-l", "-f", pub.toString()).expectSuccess().stdout().split(" ")[1];
        assertEquals(fp, e.fingerprint());
        assertEquals(Files.readString(pub).strip(), e.toOpenSshLine());

        // ssh-keygen -e writes RFC 4716, with a long quoted Comment header continued over lines
        String rfc = SshKeygen.run(dir, null, "-e", "-f", pub.toString()).expectSuccess().stdout();
        assertTrue(rfc.startsWith("---- BEGIN SSH2 PUBLIC KEY ----\n"), rfc);
        Path rfcFile = dir.resolve("rfc.pub");
        Files.writeString(rfcFile, rfc);
        PublicKeyFile.Entry fromRfc = PublicKeyFile.read(rfcFile);
        assertArrayEquals(e.blob(), fromRfc.blob());
        assertEquals(e.type(), fromRfc.type());
        String expectedComment = rfc.lines().filter(l -> l.startsWith("Comment: ")).findFirst().isPresent()
                ? rfc.substring(rfc.indexOf("Comment: \"") + 10, rfc.indexOf("\"\n", rfc.indexOf("Comment: \"") + 10)).replace("\\\n", "")
                : "";
        assertEquals(expectedComment, fromRfc.comment());

        // and what we write, ssh-keygen -i reads back
        Path ours = dir.resolve("ours.pub");
        Files.writeString(ours, PublicKeyFile.toRfc4716(e.blob(), "a comment that is long enough to need a continuation line, really it is"));
        String imported = SshKeygen.run(dir, null, "-i", "-f", ours.toString()).expectSuccess().stdout().strip();
        assertEquals(e.type() + " " + Base64.getEncoder().encodeToString(e.blob()), imported);
        assertEquals("a comment that is long enough to need a continuation line, really it is", PublicKeyFile.read(ours).comment());
    }

    @Test
    void certificatesAreKeptAsBlobs() throws Exception {
        Peers.requireSshKeygen();
        Path ca = SshKeygen.generate(dir, "ca", "ed25519", 0, "test@tether");
        Path user = SshKeygen.generate(dir, "user", "ecdsa", 256, "test@tether");
        SshKeygen.run(dir, null, "-q", "-s", ca.toString(), "-I", "someone", "-n", "someone", user + ".pub").expectSuccess();
        Path cert = dir.resolve("user-cert.pub");
        PublicKeyFile.Entry e = PublicKeyFile.read(cert);
        assertEquals("ecdsa-sha2-nistp256-cert-v01@openssh.com", e.type());
        assertTrue(e.isCertificate());
        assertArrayEquals(Base64.getDecoder().decode(Files.readString(cert).split(" ")[1]), e.blob());
        assertThrows(SshException.class, e::publicKey);
    }

    @Test
    void handWrittenRfc4716WithHeadersAndContinuations() throws Exception {
        KeyPair kp = TestKeys.of("ssh-ed25519");
        String b64 = Base64.getEncoder().encodeToString(SignatureAlgorithms.encodePublicKey(kp.getPublic()));
        String text = "\r\n---- BEGIN SSH2 PUBLIC KEY ----\r\n"
                + "Subject: me\r\n"
                + "x-command: /home/me/bin/lock-in-guest.sh \\\r\n"
                + "  --flag\r\n"
                + "Comment: \"a comment \\\r\n"
                + "that continues\"\r\n"
                + b64.substring(0, 30) + "\r\n" + b64.substring(30) + "\r\n"
                + "---- END SSH2 PUBLIC KEY ----\r\n";
        PublicKeyFile.Entry e = PublicKeyFile.parse(text, "f");
        assertEquals("a comment that continues", e.comment());
        assertEquals(kp.getPublic(), e.publicKey());
    }

    @Test
    void severalLines() throws Exception {
        String a = OpenSshKeyFile.publicKeyLine(TestKeys.of("ssh-ed25519").getPublic(), "first key");
        String b = OpenSshKeyFile.publicKeyLine(TestKeys.of("ecdsa-sha2-nistp384").getPublic(), null);
        List<PublicKeyFile.Entry> entries = PublicKeyFile.parseLines("# keys\n\n" + a + "\n\t" + b + "  \n", "f");
        assertEquals(2, entries.size());
        assertEquals("first key", entries.get(0).comment());
        assertEquals("", entries.get(1).comment());
        SshException e = assertThrows(SshException.class, () -> PublicKeyFile.parse(a + "\n" + b + "\n", "f"));
        assertTrue(e.getMessage().contains("holds 2 public keys"), e.getMessage());
    }

    private static void assertRejected(String text, String fragment) {
        SshException e = assertThrows(SshException.class, () -> PublicKeyFile.parse(text, "src"));
        assertTrue(e.getMessage().startsWith("src"), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void malformedInput() throws Exception {
        String line = OpenSshKeyFile.publicKeyLine(TestKeys.of("ssh-ed25519").getPublic(), "c");
        assertRejected("", "no key in it");
        assertRejected("\n# only a comment\n", "no key in it");
        assertRejected("\nssh-ed25519\n", "src:2: not a public key line");
        assertRejected(line.replace("ssh-ed25519 ", "ssh-rsa "), "src:1: invalid public key: the line says \"ssh-rsa\" but the key is \"ssh-ed25519\"");
        assertRejected("ssh-ed25519 AAAA!AAA c\n", "src:1: invalid public key: the base64 field is malformed");
        assertRejected("-----BEGIN OPENSSH PRIVATE KEY-----\n", "private key, not a public key");
        assertRejected("---- BEGIN SSH2 PUBLIC KEY ----\nAAAA\n", "no \"---- END SSH2 PUBLIC KEY ----\" line");
        assertRejected("---- BEGIN SSH2 PUBLIC KEY ----\nAA*A\n---- END SSH2 PUBLIC KEY ----\n", "src:2: invalid RFC 4716 public key: a character that is not base64");
        assertRejected("---- BEGIN SSH2 PUBLIC KEY ----\nComment: x \\", "the header continues past the end");
    }
}
