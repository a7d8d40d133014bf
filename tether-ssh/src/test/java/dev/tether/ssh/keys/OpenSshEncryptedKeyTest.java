package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Processes;
import dev.tether.testkit.SshKeygen;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Passphrase-protected openssh-key-v1 files: our own round trips and ssh-keygen's files both ways. */
class OpenSshEncryptedKeyTest {
    private static final String PASS = "correct horse battery staple";
    private static final byte[] DATA = "data".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private static byte[] binary(String text) {
        StringBuilder b64 = new StringBuilder();
        for (String line : text.split("\n")) {
            if (!line.startsWith("-----")) {
                b64.append(line.strip());
            }
        }
        return Base64.getDecoder().decode(b64.toString());
    }

    private static void assertSameKeys(KeyPair expected, KeyPair actual) throws SshException {
        assertArrayEquals(SignatureAlgorithms.encodePublicKey(expected.getPublic()), SignatureAlgorithms.encodePublicKey(actual.getPublic()));
        String alg = SignatureAlgorithms.algorithmsFor(expected.getPublic()).get(0);
        assertTrue(SignatureAlgorithms.verify(alg, expected.getPublic(), DATA, SignatureAlgorithms.sign(alg, actual.getPrivate(), DATA)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"})
    void writeThenReadRoundTrips(String type) throws Exception {
        KeyPair kp = TestKeys.of(type);
        Path file = dir.resolve("id_enc");
        char[] pass = PASS.toCharArray();
        OpenSshKeyFile.write(file, kp, "me@example", pass);
        assertArrayEquals(PASS.toCharArray(), pass, "the caller's passphrase is left alone");
        String text = Files.readString(file);

        SshReader r = new SshReader(binary(text));
        r.skip(15);
        assertEquals("aes256-ctr", r.ascii());
        assertEquals("bcrypt", r.ascii());
        SshReader kdf = new SshReader(r.string());
        assertEquals(16, kdf.string().length, "16-byte salt");
        assertEquals(16, kdf.uint32(), "16 rounds");
        assertEquals(1, r.uint32());
        assertArrayEquals(SignatureAlgorithms.encodePublicKey(kp.getPublic()), r.string());
        assertEquals(0, r.string().length % 16, "padded to the AES block size");
        assertFalse(r.hasRemaining());

        assertSameKeys(kp, OpenSshKeyFile.read(file, PASS.toCharArray()));
        assertSameKeys(kp, OpenSshKeyFile.parse(text, "x", PASS.toCharArray()));
    }

    @Test
    void wrongOrMissingPassphrase() throws Exception {
        Path file = dir.resolve("id_enc");
        OpenSshKeyFile.write(file, TestKeys.of("ssh-ed25519"), "c", PASS.toCharArray());
        SshException wrong = assertThrows(SshException.class, () -> OpenSshKeyFile.read(file, "Correct horse battery staple".toCharArray()));
        assertEquals(file + ": wrong passphrase or corrupt key", wrong.getMessage());
        SshException missing = assertThrows(SshException.class, () -> OpenSshKeyFile.read(file));
        assertTrue(missing.getMessage().startsWith(file + ": the private key is encrypted"), missing.getMessage());
        assertThrows(SshException.class, () -> OpenSshKeyFile.read(file, new char[0]));
        assertTrue(OpenSshKeyFile.isEncrypted(Files.readString(file), "x"));
    }

    @Test
    void emptyPassphraseWritesAnUnencryptedKey() throws Exception {
        Path file = dir.resolve("id_plain");
        OpenSshKeyFile.write(file, TestKeys.of("ssh-ed25519"), "c", new char[0]);
        assertFalse(OpenSshKeyFile.isEncrypted(Files.readString(file), "x"));
        assertSameKeys(TestKeys.of("ssh-ed25519"), OpenSshKeyFile.read(file, "ignored".toCharArray()));
    }

    @Test
    void nonAsciiPassphraseIsUtf8() throws Exception {
        Path file = dir.resolve("id_enc");
        OpenSshKeyFile.write(file, TestKeys.of("ecdsa-sha2-nistp256"), "c", "pässwörd€".toCharArray());
        assertSameKeys(TestKeys.of("ecdsa-sha2-nistp256"), OpenSshKeyFile.read(file, "pässwörd€".toCharArray()));
    }

    @Test
    void absurdRoundCountsAreRefused() throws Exception {
        String text = OpenSshKeyFile.format(TestKeys.of("ssh-ed25519"), "c", PASS.toCharArray());
        byte[] bin = binary(text);
        // the rounds field is the last 4 bytes of the kdf options: 15 magic + 4+10 cipher + 4+6 kdf + 4 + 4+16 salt
        int roundsAt = 15 + 14 + 10 + 4 + 20;
        assertEquals(16, new SshReader(bin, roundsAt, 4).uint32());
        bin[roundsAt] = 0x7f;
        String b64 = Base64.getMimeEncoder(70, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(bin);
        String bad = OpenSshKeyFile.BEGIN + "\n" + b64 + "\n" + OpenSshKeyFile.END + "\n";
        SshException e = assertThrows(SshException.class, () -> OpenSshKeyFile.parse(bad, "f", PASS.toCharArray()));
        assertTrue(e.getMessage().startsWith("f: bcrypt kdf rounds"), e.getMessage());
    }

    @Test
    void roundsAboveTheLimitAreRefusedBeforeAnyKeyDerivation() throws Exception {
        String text = OpenSshKeyFile.format(TestKeys.of("ssh-ed25519"), "c", PASS.toCharArray());
        byte[] bin = binary(text);
        int roundsAt = 15 + 14 + 10 + 4 + 20;
        // 1025 rounds: just over the limit, which ssh-keygen -a 1000 stays under
        bin[roundsAt] = 0;
        bin[roundsAt + 1] = 0;
        bin[roundsAt + 2] = 0x04;
        bin[roundsAt + 3] = 0x01;
        assertEquals(OpenSshKeyFile.MAX_ROUNDS + 1, new SshReader(bin, roundsAt, 4).uint32());
        String b64 = Base64.getMimeEncoder(70, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(bin);
        String bad = OpenSshKeyFile.BEGIN + "\n" + b64 + "\n" + OpenSshKeyFile.END + "\n";
        SshException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(SshException.class, () -> OpenSshKeyFile.parse(bad, "f", PASS.toCharArray())));
        assertEquals("f: bcrypt kdf rounds 1025 outside the supported 1 to 1024 (ssh-keygen writes 16 unless told otherwise with -a)",
                e.getMessage());
    }

    // ------------------------------------------------------------ ssh-keygen

    @ParameterizedTest(name = "ssh-keygen -t {0} -b {1} -Z {2}")
    @CsvSource({
        "ed25519, 0, ''", "ecdsa, 256, ''", "ecdsa, 384, ''", "ecdsa, 521, ''", "rsa, 2048, ''",
        "ed25519, 0, aes128-ctr", "ed25519, 0, aes192-ctr", "ed25519, 0, aes128-cbc", "ed25519, 0, aes256-cbc",
        "ed25519, 0, aes128-gcm@openssh.com", "ecdsa, 256, aes256-gcm@openssh.com",
        "ed25519, 0, chacha20-poly1305@openssh.com", "ecdsa, 384, chacha20-poly1305@openssh.com",
    })
    void readsEncryptedKeysFromSshKeygen(String type, int bits, String cipher) throws Exception {
        Peers.requireSshKeygen();
        Path key = dir.resolve("id_" + type);
        var args = new java.util.ArrayList<>(java.util.List.of("-q", "-N", PASS, "-t", type, "-C", "c", "-a", "3", "-f", key.toString()));
        if (bits > 0) {
            args.addAll(java.util.List.of("-b", Integer.toString(bits)));
        }
        if (!cipher.isEmpty()) {
            args.addAll(java.util.List.of("-Z", cipher));
        }
        SshKeygen.run(dir, null, args.toArray(new String[0])).expectSuccess();

        KeyPair kp = OpenSshKeyFile.read(key, PASS.toCharArray());
        String pubLine = Files.readString(key.resolveSibling(key.getFileName() + ".pub"));
        assertEquals(pubLine.strip().split(" ")[1], Base64.getEncoder().encodeToString(SignatureAlgorithms.encodePublicKey(kp.getPublic())));
        String fp = SshKeygen.run(dir, null, "-l", "-f", key.toString()).expectSuccess().stdout().split(" ")[1];
        assertEquals(fp, SignatureAlgorithms.fingerprint(SignatureAlgorithms.encodePublicKey(kp.getPublic())));

        SshException e = assertThrows(SshException.class, () -> OpenSshKeyFile.read(key, "nope".toCharArray()));
        assertEquals(key + ": wrong passphrase or corrupt key", e.getMessage());
    }

    @Test
    void aeadTagIsChecked() throws Exception {
        Peers.requireSshKeygen();
        for (String cipher : new String[] {"aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com"}) {
            Path key = dir.resolve("id_" + cipher.substring(0, 5));
            SshKeygen.run(dir, null, "-q", "-N", PASS, "-t", "ed25519", "-a", "2", "-Z", cipher, "-f", key.toString()).expectSuccess();
            byte[] bin = binary(Files.readString(key));
            bin[bin.length - 1] ^= 1; // last byte of the tag
            String b64 = Base64.getMimeEncoder(70, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(bin);
            String bad = OpenSshKeyFile.BEGIN + "\n" + b64 + "\n" + OpenSshKeyFile.END + "\n";
            SshException e = assertThrows(SshException.class, () -> OpenSshKeyFile.parse(bad, "f", PASS.toCharArray()), cipher);
            assertEquals("f: wrong passphrase or corrupt key", e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"})
    void sshKeygenReadsEncryptedKeysWeWrite(String type) throws Exception {
        Peers.requireSshKeygen();
        KeyPair kp = TestKeys.of(type);
        Path key = dir.resolve("ours");
        OpenSshKeyFile.write(key, kp, "me@example", PASS.toCharArray());
        String pub = SshKeygen.run(dir, null, "-y", "-P", PASS, "-f", key.toString()).expectSuccess().stdout().strip();
        assertEquals(OpenSshKeyFile.publicKeyLine(kp.getPublic(), "me@example"), pub);
        Processes.Result wrong = SshKeygen.run(dir, null, "-y", "-P", "wrong", "-f", key.toString());
        assertNotEquals(0, wrong.exitCode());
        // ssh-keygen can also change the passphrase, which decrypts and re-encrypts the whole file
        SshKeygen.run(dir, null, "-p", "-P", PASS, "-N", "new pass", "-f", key.toString()).expectSuccess();
        assertSameKeys(kp, OpenSshKeyFile.read(key, "new pass".toCharArray()));
        assertFalse(Arrays.equals(new byte[0], Files.readAllBytes(key)));
    }
}
