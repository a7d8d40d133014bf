package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Processes;
import dev.tether.testkit.SshKeygen;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Interoperability with OpenSSH's ssh-keygen: key files, fingerprints and signatures (SSHSIG). */
class OpenSshInteropTest {
    private static final byte[] MESSAGE = "a file to sign\nwith two lines\n".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    @BeforeAll
    static void requireSshKeygen() {
        Peers.requireSshKeygen();
    }

    /** The blob of a public key line {@code TYPE BASE64 [COMMENT]}, checking TYPE against the blob. */
    private static byte[] blobOfLine(String line) throws SshException {
        String[] f = line.strip().split(" ", 3);
        byte[] blob = Base64.getDecoder().decode(f[1]);
        assertEquals(f[0], new SshReader(blob).ascii(), "key type field matches the blob");
        return blob;
    }

    /** The fingerprint field of an {@code ssh-keygen -l} line: {@code BITS FINGERPRINT COMMENT (TYPE)}. */
    private String keygenFingerprint(Path key, String hash) throws Exception {
        Processes.Result r = SshKeygen.run(dir, null, "-E", hash, "-l", "-f", key.toString()).expectSuccess();
        return r.stdout().strip().split(" ")[1];
    }

    @ParameterizedTest(name = "ssh-keygen -t {0} -b {1}")
    @CsvSource({"ed25519, 0", "ecdsa, 256", "ecdsa, 384", "ecdsa, 521", "rsa, 2048", "rsa, 0"})
    void readsKeysWrittenBySshKeygen(String type, int bits) throws Exception {
        Path key = SshKeygen.generate(dir, "id_" + type, type, bits, "test@tether");
        String pubLine = Files.readString(key.resolveSibling(key.getFileName() + ".pub"), StandardCharsets.US_ASCII);

        KeyPair kp = OpenSshKeyFile.read(key);
        byte[] blob = SignatureAlgorithms.encodePublicKey(kp.getPublic());
        assertArrayEquals(blobOfLine(pubLine), blob, "our blob equals the .pub blob");
        assertEquals(pubLine.strip(), OpenSshKeyFile.publicKeyLine(kp.getPublic(), "test@tether"));

        Path pub = key.resolveSibling(key.getFileName() + ".pub");
        assertEquals(keygenFingerprint(pub, "sha256"), SignatureAlgorithms.fingerprint(blob));
        assertEquals(keygenFingerprint(pub, "md5"), SignatureAlgorithms.md5Fingerprint(blob));
        if (bits == 0 && type.equals("rsa")) {
            assertTrue(pubLine.startsWith("ssh-rsa "));
        }

        // the private key works with the public key from the .pub file
        PublicKey fromPub = SignatureAlgorithms.decodePublicKey(blobOfLine(pubLine));
        for (String alg : SignatureAlgorithms.algorithmsFor(fromPub)) {
            assertTrue(SignatureAlgorithms.verify(alg, fromPub, MESSAGE, SignatureAlgorithms.sign(alg, kp.getPrivate(), MESSAGE)), alg);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"ssh-ed25519, 0", "ecdsa-sha2-nistp256, 0", "ecdsa-sha2-nistp384, 0", "ecdsa-sha2-nistp521, 0",
            "ssh-rsa, 2048", "ssh-rsa, 3072"})
    void sshKeygenReadsKeysWeWrite(String type, int bits) throws Exception {
        KeyPair kp = bits == 2048 ? TestKeys.of(type) : SignatureAlgorithms.generate(type, bits);
        Path key = dir.resolve("ours");
        OpenSshKeyFile.write(key, kp, "ours@tether");
        String ourLine = OpenSshKeyFile.publicKeyLine(kp.getPublic(), "ours@tether");

        Processes.Result y = SshKeygen.run(dir, null, "-y", "-f", key.toString()).expectSuccess();
        assertEquals(ourLine, y.stdout().strip(), "ssh-keygen -y derives the same public key line");

        byte[] blob = SignatureAlgorithms.encodePublicKey(kp.getPublic());
        assertEquals(keygenFingerprint(key, "sha256"), SignatureAlgorithms.fingerprint(blob));
        assertEquals(keygenFingerprint(key, "md5"), SignatureAlgorithms.md5Fingerprint(blob));

        // and ssh-keygen can use the private half: re-encrypting it is a full parse and re-serialisation
        Files.writeString(dir.resolve("ours.pub"), ourLine + "\n");
        SshKeygen.run(dir, null, "-p", "-P", "", "-N", "", "-f", key.toString()).expectSuccess();
        assertArrayEquals(blob, SignatureAlgorithms.encodePublicKey(OpenSshKeyFile.read(key).getPublic()));
    }

    @ParameterizedTest(name = "ssh-keygen -t {0} -b {1}")
    @CsvSource({"ed25519, 0, ssh-ed25519", "ecdsa, 256, ecdsa-sha2-nistp256", "ecdsa, 384, ecdsa-sha2-nistp384",
            "ecdsa, 521, ecdsa-sha2-nistp521", "rsa, 2048, rsa-sha2-512"})
    void verifiesSignaturesMadeBySshKeygen(String type, int bits, String expectedAlgorithm) throws Exception {
        Path key = SshKeygen.generate(dir, "signer", type, bits, "test@tether");
        Path data = dir.resolve("data");
        Files.write(data, MESSAGE);
        SshKeygen.run(dir, null, "-Y", "sign", "-f", key.toString(), "-n", "file", data.toString()).expectSuccess();

        SshSig.Parsed sig = SshSig.parseArmored(Files.readString(dir.resolve("data.sig"), StandardCharsets.US_ASCII));
        byte[] pubBlob = blobOfLine(Files.readString(key.resolveSibling("signer.pub"), StandardCharsets.US_ASCII));
        assertArrayEquals(pubBlob, sig.publicKey());
        assertEquals("file", sig.namespace());
        assertEquals(0, sig.reserved().length);

        String alg = new SshReader(sig.signature()).ascii();
        assertEquals(expectedAlgorithm, alg);
        PublicKey pub = SignatureAlgorithms.decodePublicKey(sig.publicKey());
        byte[] signed = SshSig.signedData("file", sig.hashAlgorithm(), MESSAGE);
        assertTrue(SignatureAlgorithms.verify(alg, pub, signed, sig.signature()));

        byte[] otherMessage = MESSAGE.clone();
        otherMessage[0] ^= 1;
        assertFalse(SignatureAlgorithms.verify(alg, pub, SshSig.signedData("file", sig.hashAlgorithm(), otherMessage), sig.signature()));
        assertFalse(SignatureAlgorithms.verify(alg, pub, SshSig.signedData("email", sig.hashAlgorithm(), MESSAGE), sig.signature()));
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource({"ssh-ed25519, ssh-ed25519", "ecdsa-sha2-nistp256, ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384, ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521, ecdsa-sha2-nistp521",
            "ssh-rsa, rsa-sha2-512", "ssh-rsa, rsa-sha2-256"})
    void sshKeygenVerifiesSignaturesWeMake(String type, String alg) throws Exception {
        KeyPair kp = TestKeys.of(type);
        byte[] pubBlob = SignatureAlgorithms.encodePublicKey(kp.getPublic());
        String hash = "sha512";
        byte[] sigBlob = SignatureAlgorithms.sign(alg, kp.getPrivate(), SshSig.signedData("file", hash, MESSAGE));
        Path sig = dir.resolve("data.sig");
        Files.writeString(sig, SshSig.armor(pubBlob, "file", hash, sigBlob), StandardCharsets.US_ASCII);
        Path pub = dir.resolve("ours.pub");
        Files.writeString(pub, OpenSshKeyFile.publicKeyLine(kp.getPublic(), "ours@tether") + "\n");
        Path data = dir.resolve("data");
        Files.write(data, MESSAGE);

        Processes.Result r = SshKeygen.run(dir, data, "-Y", "check-novalidate", "-n", "file", "-f", pub.toString(),
                "-s", sig.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().contains("Good \"file\" signature"), r.stdout());
        assertTrue(r.stdout().contains(SignatureAlgorithms.fingerprint(pubBlob)), r.stdout());

        // verify against an allowed_signers file, which also pins the key
        Path allowed = dir.resolve("allowed_signers");
        Files.writeString(allowed, "ours@tether " + OpenSshKeyFile.publicKeyLine(kp.getPublic(), null) + "\n");
        Processes.Result v = SshKeygen.run(dir, data, "-Y", "verify", "-f", allowed.toString(), "-I", "ours@tether",
                "-n", "file", "-s", sig.toString());
        assertEquals(0, v.exitCode(), v.stderr());

        // and ssh-keygen rejects the signature for other data, so the checks above are not vacuous
        Path other = dir.resolve("other");
        Files.write(other, "something else".getBytes(StandardCharsets.UTF_8));
        Processes.Result bad = SshKeygen.run(dir, other, "-Y", "check-novalidate", "-n", "file", "-f", pub.toString(),
                "-s", sig.toString());
        assertNotEquals(0, bad.exitCode());
    }

    @Test
    void encryptedKeysFromSshKeygenAreDetected() throws Exception {
        Path key = dir.resolve("encrypted");
        SshKeygen.run(dir, null, "-q", "-N", "correct horse", "-t", "ed25519", "-f", key.toString()).expectSuccess();
        SshException e = assertThrows(SshException.class, () -> OpenSshKeyFile.read(key));
        assertTrue(e.getMessage().startsWith(key.toString() + ": the private key is encrypted"), e.getMessage());
    }
}
