package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import dev.tether.testkit.Peers;
import dev.tether.testkit.SshKeygen;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyFilesTest {
    private static final String PASS = "key files pass";

    @TempDir
    Path dir;

    /** Records what it was asked and hands out arrays it can check afterwards. */
    private static final class RecordingProvider implements PassphraseProvider {
        final List<String> asked = new ArrayList<>();
        final List<char[]> given = new ArrayList<>();
        private final String answer;

        RecordingProvider(String answer) {
            this.answer = answer;
        }

        @Override
        public char[] passphrase(String sourceName) {
            asked.add(sourceName);
            if (answer == null) {
                return null;
            }
            char[] p = answer.toCharArray();
            given.add(p);
            return p;
        }

        void assertWiped() {
            for (char[] p : given) {
                assertArrayEquals(new char[p.length], p, "the passphrase array is wiped after use");
            }
        }
    }

    private static String fingerprint(KeyPair kp) {
        return SignatureAlgorithms.fingerprint(SignatureAlgorithms.encodePublicKey(kp.getPublic()));
    }

    @Test
    void unencryptedKeysDoNotAskForAPassphrase() throws Exception {
        Path file = dir.resolve("plain");
        OpenSshKeyFile.write(file, TestKeys.of("ssh-ed25519"), "c");
        RecordingProvider p = new RecordingProvider(PASS);
        KeyPair kp = KeyFiles.readPrivateKey(file, p);
        assertEquals(fingerprint(TestKeys.of("ssh-ed25519")), fingerprint(kp));
        assertTrue(p.asked.isEmpty());
        assertEquals(fingerprint(kp), fingerprint(KeyFiles.readPrivateKey(file, null)));
        assertEquals(KeyFiles.Format.OPENSSH, KeyFiles.detect(Files.readString(file), "x"));
    }

    @Test
    void encryptedOpenSshKeyAsksOnceAndWipes() throws Exception {
        Path file = dir.resolve("enc");
        OpenSshKeyFile.write(file, TestKeys.of("ecdsa-sha2-nistp256"), "c", PASS.toCharArray());
        RecordingProvider p = new RecordingProvider(PASS);
        assertEquals(fingerprint(TestKeys.of("ecdsa-sha2-nistp256")), fingerprint(KeyFiles.readPrivateKey(file, p)));
        assertEquals(List.of(file.toString()), p.asked);
        p.assertWiped();

        RecordingProvider wrong = new RecordingProvider("nope");
        SshException e = assertThrows(SshException.class, () -> KeyFiles.readPrivateKey(file, wrong));
        assertEquals(file + ": wrong passphrase or corrupt key", e.getMessage());
        wrong.assertWiped();

        SshException none = assertThrows(SshException.class, () -> KeyFiles.readPrivateKey(file, PassphraseProvider.none()));
        assertEquals(file + ": the private key is encrypted and no passphrase was given", none.getMessage());
        assertThrows(SshException.class, () -> KeyFiles.readPrivateKey(file, null));
        assertThrows(SshException.class, () -> KeyFiles.readPrivateKey(file, PassphraseProvider.of(new char[0])));
    }

    @Test
    void puttyFilesAreRecognised() throws Exception {
        for (String name : new String[] {"ed25519-v3-argon2id", "rsa2048-v2-aes", "ecdsa384-v3-plain"}) {
            Path file = dir.resolve(name + ".ppk");
            try (InputStream in = KeyFilesTest.class.getResourceAsStream("/keys/" + name + ".ppk")) {
                Files.write(file, in.readAllBytes());
            }
            RecordingProvider p = new RecordingProvider("putty pass");
            KeyPair kp = KeyFiles.readPrivateKey(file, p);
            assertEquals(name.contains("plain") ? 0 : 1, p.asked.size(), name);
            p.assertWiped();
            String pubLine;
            try (InputStream in = KeyFilesTest.class.getResourceAsStream("/keys/" + name + ".pub")) {
                pubLine = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            }
            assertEquals(PublicKeyFile.parse(pubLine, name).fingerprint(), fingerprint(kp));
            assertEquals(KeyFiles.Format.PUTTY, KeyFiles.detect(Files.readString(file, StandardCharsets.ISO_8859_1), name));
        }
    }

    /** Each key type in each format ssh-keygen writes, read through the one entry point. */
    @ParameterizedTest(name = "ssh-keygen -t {0} -b {1} -m {2}")
    @CsvSource({
        "ed25519, 0, RFC4716", "ecdsa, 256, RFC4716", "ecdsa, 384, RFC4716", "ecdsa, 521, RFC4716", "rsa, 2048, RFC4716",
        "ecdsa, 256, PEM", "ecdsa, 384, PEM", "ecdsa, 521, PEM", "rsa, 2048, PEM",
        "ecdsa, 256, PKCS8", "ecdsa, 384, PKCS8", "ecdsa, 521, PKCS8", "rsa, 2048, PKCS8",
    })
    void everyFormatSshKeygenWrites(String type, int bits, String format) throws Exception {
        Peers.requireSshKeygen();
        Path key = dir.resolve("id");
        // RFC4716 as -m means ssh-keygen's default (openssh-key-v1) for private keys
        List<String> args = new ArrayList<>(List.of("-q", "-t", type, "-m", format, "-N", PASS, "-a", "4", "-f", key.toString()));
        if (bits > 0) {
            args.addAll(List.of("-b", Integer.toString(bits)));
        }
        SshKeygen.run(dir, null, args.toArray(new String[0])).expectSuccess();
        RecordingProvider p = new RecordingProvider(PASS);
        KeyPair kp = KeyFiles.readPrivateKey(key, p);
        assertEquals(1, p.asked.size());
        p.assertWiped();
        String fp = SshKeygen.run(dir, null, "-l", "-f", key + ".pub").expectSuccess().stdout().split(" ")[1];
        assertEquals(fp, fingerprint(kp));
    }

    @Test
    void otherFilesAreNamedClearly() throws Exception {
        Path file = dir.resolve("f");
        String[][] cases = {
            {"", "f: not a private key file: the file is empty"},
            {"\nhello\n", "f:2: not a private key file"},
            {OpenSshKeyFile.publicKeyLine(TestKeys.of("ssh-ed25519").getPublic(), "c") + "\n", "f:1: this is a public key, not a private key file"},
            {"---- BEGIN SSH2 PUBLIC KEY ----\n", "f:1: this is a public key"},
            {"-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n", "f:1: unsupported private key format \"BEGIN DSA PRIVATE KEY\""},
        };
        for (String[] c : cases) {
            Files.writeString(file, c[0]);
            SshException e = assertThrows(SshException.class, () -> KeyFiles.readPrivateKey(file, PassphraseProvider.none()));
            String expected = c[1].replaceFirst("^f", file.toString());
            assertTrue(e.getMessage().startsWith(expected), e.getMessage() + " <> " + expected);
            assertFalse(e.getMessage().contains("AAAA"));
        }
    }
}
