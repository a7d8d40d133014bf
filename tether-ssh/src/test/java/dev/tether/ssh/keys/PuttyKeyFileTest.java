package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Processes;
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
import java.time.Duration;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PuTTY .ppk files: checked-in files made by puttygen 0.78, and (when installed) fresh ones from puttygen. */
class PuttyKeyFileTest {
    /** The passphrase of the checked-in encrypted files. */
    private static final String PASS = "putty pass";
    private static final byte[] DATA = "data".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private static String resource(String name) throws Exception {
        try (InputStream in = PuttyKeyFileTest.class.getResourceAsStream("/keys/" + name)) {
            assertTrue(in != null, "missing test resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static String fingerprint(KeyPair kp) {
        return SignatureAlgorithms.fingerprint(SignatureAlgorithms.encodePublicKey(kp.getPublic()));
    }

    private static void assertUsable(KeyPair kp) throws SshException {
        String alg = SignatureAlgorithms.algorithmsFor(kp.getPublic()).get(0);
        assertTrue(SignatureAlgorithms.verify(alg, kp.getPublic(), DATA, SignatureAlgorithms.sign(alg, kp.getPrivate(), DATA)));
    }

    /** Checked-in files with the public key line puttygen exported and the fingerprint ssh-keygen -l printed for it. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "ed25519-v3-argon2id, true, SHA256:bZqoayfC+KfbZ+jfMnldo44kFKOAK4VDppH9u8Gp37Y",
        "ecdsa384-v3-plain, false, SHA256:p3qx3V7FVgPxNqh/z8bLCuCcVH/IbmtbxxdCu8aEVEo",
        "rsa2048-v2-aes, true, SHA256:VoiraAsGZnOpo0jRmzDNz5PVj/BW5ph71QK+bx4nj1Q",
        "ecdsa256-v2-plain, false, SHA256:XLXLIPIL8Kem1to7+NVPf5EQQ0TAPuZrwREEAFYoJOo",
    })
    void checkedInFiles(String name, boolean encrypted, String expectedFingerprint) throws Exception {
        String text = resource(name + ".ppk");
        String pub = resource(name + ".pub");
        assertEquals(encrypted, PuttyKeyFile.isEncrypted(text, name));
        KeyPair kp = PuttyKeyFile.parse(text, name, encrypted ? PASS.toCharArray() : null);
        assertUsable(kp);
        assertEquals(pub.split(" ")[1], Base64.getEncoder().encodeToString(SignatureAlgorithms.encodePublicKey(kp.getPublic())));
        assertEquals(expectedFingerprint, fingerprint(kp));
        if (encrypted) {
            SshException wrong = assertThrows(SshException.class, () -> PuttyKeyFile.parse(text, name, "Putty pass".toCharArray()));
            assertEquals(name + ": wrong passphrase or corrupt key", wrong.getMessage());
            SshException missing = assertThrows(SshException.class, () -> PuttyKeyFile.parse(text, name, null));
            assertTrue(missing.getMessage().startsWith(name + ": the private key is encrypted"), missing.getMessage());
        }
        // CR LF line ends are accepted as PuTTY accepts them
        assertEquals(fingerprint(kp), fingerprint(PuttyKeyFile.parse(text.replace("\n", "\r\n"), name, PASS.toCharArray())));
    }

    @Test
    void editedFilesFailTheMac() throws Exception {
        String plain = resource("ecdsa384-v3-plain.ppk");
        SshException e = assertThrows(SshException.class,
                () -> PuttyKeyFile.parse(plain.replace("Comment: tether", "Comment: Tether"), "f", null));
        assertTrue(e.getMessage().startsWith("f:11: invalid PuTTY private key: the Private-MAC does not match"), e.getMessage());
        String v2 = resource("ecdsa256-v2-plain.ppk");
        assertThrows(SshException.class, () -> PuttyKeyFile.parse(v2.replace("Comment: tether", "Comment: Tether"), "f", null));
        // a public key swapped for another one of the same type is caught by the MAC of an encrypted file too
        String enc = resource("ed25519-v3-argon2id.ppk");
        String otherPub = resource("ed25519-v3-argon2id.ppk").lines().skip(4).findFirst().orElseThrow();
        String swapped = enc.replace(otherPub, otherPub.substring(0, 40) + (otherPub.charAt(40) == 'A' ? 'B' : 'A') + otherPub.substring(41));
        SshException e2 = assertThrows(SshException.class, () -> PuttyKeyFile.parse(swapped, "f", PASS.toCharArray()));
        assertTrue(e2.getMessage().startsWith("f:"), e2.getMessage());
    }

    private SshException assertRejected(String text, String fragment) {
        SshException e = assertThrows(SshException.class, () -> PuttyKeyFile.parse(text, "src", PASS.toCharArray()));
        assertTrue(e.getMessage().startsWith("src:"), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        assertFalse(e.getMessage().contains(PASS));
        return e;
    }

    @Test
    void malformedFiles() throws Exception {
        String good = resource("ed25519-v3-argon2id.ppk");
        assertRejected("", "empty");
        assertRejected("hello\n", "src:1: not a PuTTY private key");
        assertRejected(good.replace("PuTTY-User-Key-File-3", "PuTTY-User-Key-File-1"), "unsupported PuTTY key file version");
        assertRejected(good.replace("aes256-cbc", "aes128-cbc"), "src:2: unsupported PuTTY key encryption");
        assertRejected(good.replace("Argon2id", "Argon2x"), "src:7: invalid PuTTY private key: unsupported Key-Derivation");
        assertRejected(good.replace("Argon2-Memory: 256", "Argon2-Memory: 99999999"), "src:8: invalid PuTTY private key: Argon2-Memory must be");
        assertRejected(good.replace("Argon2-Parallelism: 1", "Argon2-Parallelism: 64"), "src:10: invalid PuTTY private key: Argon2-Memory must be at least 8 KiB per lane");
        assertRejected(good.replace("Public-Lines: 2", "Public-Lines: 3"), "src:7: invalid PuTTY private key: a character that is not base64");
        assertRejected(good.replace("Private-Lines: 1", "Private-Lines: 5"), "src:14: invalid PuTTY private key: a character that is not base64");
        assertRejected(good.substring(0, good.indexOf("Private-MAC")).replace("Private-Lines: 1", "Private-Lines: 2"), "the file ends inside");
        assertRejected(good.replace("Private-MAC: 1e", "Private-MAC: zz"), "Private-MAC is not hexadecimal");
        assertRejected(good + "extra\n", "unexpected text after Private-MAC");
        assertRejected(good.substring(0, good.indexOf("Private-MAC")), "the file ends where \"Private-MAC:\" was expected");
        assertRejected(good.replace("PuTTY-User-Key-File-3: ssh-ed25519", "PuTTY-User-Key-File-3: ssh-rsa"), "the public key is \"ssh-ed25519\"");
    }

    @Test
    void argon2WorkIsBoundedBeforeAnyKeyDerivation() throws Exception {
        String good = resource("ed25519-v3-argon2id.ppk");
        // each within its own bound (256 MiB, 1024 passes), together 2^18 * 9 KiB-passes: half a minute of Argon2
        String costly = good.replace("Argon2-Memory: 256", "Argon2-Memory: 262144").replace("Argon2-Passes: 2", "Argon2-Passes: 9");
        SshException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertRejected(costly,
                "src:9: invalid PuTTY private key: Argon2-Memory 262144 KiB times Argon2-Passes 9 exceeds the supported 2097152"));
        assertFalse(e.getMessage().contains("42ec98db"));
        // PuTTY's defaults (8192 KiB and the passes that take 0.1 s) are far below the bound
        assertTrue(8192L * 100 < PuttyKeyFile.MAX_ARGON2_COST);
    }

    // ------------------------------------------------------------ puttygen

    private static Path puttygen() {
        return Peers.requireOnPath("puttygen", "putty-tools");
    }

    @ParameterizedTest(name = "puttygen -t {0} -b {1} version={2} encrypted={3}")
    @CsvSource({
        "ed25519, 0, 3, false", "ed25519, 0, 3, true", "ed25519, 0, 2, false", "ed25519, 0, 2, true",
        "ecdsa, 256, 3, false", "ecdsa, 256, 3, true", "ecdsa, 256, 2, true",
        "ecdsa, 384, 3, true", "ecdsa, 384, 2, false",
        "ecdsa, 521, 3, true", "ecdsa, 521, 2, true",
        "rsa, 2048, 3, false", "rsa, 2048, 3, true", "rsa, 2048, 2, true",
    })
    void readsKeysFromPuttygen(String type, int bits, int version, boolean encrypted) throws Exception {
        String gen = puttygen().toString();
        Path passFile = dir.resolve("pass");
        Files.writeString(passFile, encrypted ? PASS : "");
        Path ppk = dir.resolve("key.ppk");
        List<String> cmd = new ArrayList<>(List.of(gen, "-t", type, "-C", "a comment", "-o", ppk.toString(),
                "--new-passphrase", passFile.toString(), "--ppk-param", "version=" + version + (version == 3 ? ",memory=512,passes=2" : "")));
        if (bits > 0) {
            cmd.addAll(List.of("-b", Integer.toString(bits)));
        }
        Processes.tool(dir, cmd.toArray(new String[0])).expectSuccess();
        assertTrue(Files.readString(ppk).startsWith("PuTTY-User-Key-File-" + version + ": "));

        KeyPair kp = PuttyKeyFile.read(ppk, encrypted ? PASS.toCharArray() : null);
        assertUsable(kp);

        Path pub = dir.resolve("key.pub");
        Processes.tool(dir, gen, ppk.toString(), "--old-passphrase", passFile.toString(), "-O", "public-openssh", "-o", pub.toString()).expectSuccess();
        assertEquals(Files.readString(pub).split(" ")[1], Base64.getEncoder().encodeToString(SignatureAlgorithms.encodePublicKey(kp.getPublic())));
        if (Files.isExecutable(Peers.SSH_KEYGEN)) { // an extra check where ssh-keygen is there
            String fp = SshKeygen.run(dir, null, "-l", "-f", pub.toString()).expectSuccess().stdout().split(" ")[1];
            assertEquals(fp, fingerprint(kp));
        }
        // the private key itself, as puttygen converts it to OpenSSH's format
        Path openssh = dir.resolve("key.openssh");
        Files.writeString(dir.resolve("empty"), "");
        Processes.tool(dir, gen, ppk.toString(), "--old-passphrase", passFile.toString(), "-O", "private-openssh-new", "-o", openssh.toString(),
                "--new-passphrase", dir.resolve("empty").toString()).expectSuccess();
        KeyPair viaOpenSsh = OpenSshKeyFile.read(openssh);
        if (kp.getPrivate() instanceof EdECPrivateKey ed) {
            assertArrayEquals(((EdECPrivateKey) viaOpenSsh.getPrivate()).getBytes().orElseThrow(), ed.getBytes().orElseThrow());
        } else if (kp.getPrivate() instanceof ECPrivateKey ec) {
            assertEquals(((ECPrivateKey) viaOpenSsh.getPrivate()).getS(), ec.getS());
        } else {
            RSAPrivateCrtKey rsa = (RSAPrivateCrtKey) kp.getPrivate();
            RSAPrivateCrtKey other = (RSAPrivateCrtKey) viaOpenSsh.getPrivate();
            assertEquals(other.getPrivateExponent(), rsa.getPrivateExponent());
            assertEquals(other.getPrimeP(), rsa.getPrimeP());
            assertEquals(other.getCrtCoefficient(), rsa.getCrtCoefficient());
        }
        if (encrypted) {
            SshException e = assertThrows(SshException.class, () -> PuttyKeyFile.read(ppk, "wrong".toCharArray()));
            assertEquals(ppk + ": wrong passphrase or corrupt key", e.getMessage());
        }
    }

    @ParameterizedTest
    @CsvSource({"argon2i", "argon2d", "argon2id"})
    void argon2Variants(String kdf) throws Exception {
        String gen = puttygen().toString();
        Path passFile = dir.resolve("pass");
        Files.writeString(passFile, PASS);
        Path ppk = dir.resolve("key.ppk");
        Processes.tool(dir, gen, "-t", "ed25519", "-o", ppk.toString(), "--new-passphrase", passFile.toString(),
                "--ppk-param", "kdf=" + kdf + ",memory=1024,passes=3,parallelism=2").expectSuccess();
        assertTrue(Files.readString(ppk).contains("Argon2-Parallelism: 2"));
        assertUsable(PuttyKeyFile.read(ppk, PASS.toCharArray()));
    }
}
