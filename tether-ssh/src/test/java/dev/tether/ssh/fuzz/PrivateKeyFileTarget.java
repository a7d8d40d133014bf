package dev.tether.ssh.fuzz;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.keys.KeyFiles;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.PassphraseProvider;
import dev.tether.ssh.keys.SignatureAlgorithms;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * A private key file, in any format {@link KeyFiles} reads (OpenSSH {@code openssh-key-v1} plain
 * and bcrypt-encrypted; PEM PKCS#1, SEC1, PKCS#8 and encrypted PKCS#8, with OpenSSL's legacy PEM
 * encryption; PuTTY PPK v2 and v3), through {@link KeyFiles#parsePrivateKey} with the passphrase
 * "fuzz". The input is the file's bytes. The file's own KDF costs (bcrypt rounds, PBKDF2
 * iterations, Argon2 memory and passes) are bounded by the parsers, so no input may take long.
 *
 * <p>A key that is read must be a working pair (the parsers check that the private key signs
 * what the public key verifies; this target checks it again), and must survive being written as
 * an (unencrypted) OpenSSH key file and read back as the same pair.
 */
public final class PrivateKeyFileTarget {
    private static final char[] PASSPHRASE = "fuzz".toCharArray();
    private static final Path COPY = tempCopy();
    private static final byte[] DATA = "tether fuzz: private key check".getBytes(StandardCharsets.US_ASCII);

    private PrivateKeyFileTarget() {
    }

    public static void fuzzerTestOneInput(byte[] data) {
        String text = new String(data, StandardCharsets.ISO_8859_1);
        KeyPair pair;
        try {
            pair = KeyFiles.parsePrivateKey(text, "fuzz", PassphraseProvider.of(PASSPHRASE));
        } catch (SshException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("fuzz")) {
                throw new IllegalStateException("error does not name the source: " + e.getMessage(), e);
            }
            return;
        }
        try {
            List<String> algs = SignatureAlgorithms.algorithmsFor(pair.getPublic());
            if (algs.isEmpty()) {
                throw new IllegalStateException("read a key no signature algorithm supports: " + pair.getPublic());
            }
            String alg = algs.get(0);
            byte[] sig = SignatureAlgorithms.sign(alg, pair.getPrivate(), DATA);
            if (!SignatureAlgorithms.verify(alg, pair.getPublic(), DATA, sig)) {
                throw new IllegalStateException("the key pair read does not verify its own signature");
            }
            OpenSshKeyFile.write(COPY, pair, "fuzz");
            KeyPair again = KeyFiles.readPrivateKey(COPY, PassphraseProvider.none());
            if (!Arrays.equals(again.getPublic().getEncoded(), pair.getPublic().getEncoded())
                    || !privateValue(again.getPrivate()).equals(privateValue(pair.getPrivate()))) {
                throw new IllegalStateException("the key changed when written as an OpenSSH key and read back");
            }
        } catch (IOException e) {
            throw new IllegalStateException("a key that was read cannot be used: " + e.getMessage(), e);
        }
    }

    /** The secret that defines the private key, whatever else its encoding carries. */
    private static Object privateValue(PrivateKey k) {
        if (k instanceof RSAPrivateKey r) {
            return List.of(r.getModulus(), r.getPrivateExponent());
        }
        if (k instanceof ECPrivateKey e) {
            return e.getS();
        }
        if (k instanceof EdECPrivateKey e) {
            return HexFormat.of().formatHex(e.getBytes().orElseThrow());
        }
        throw new IllegalStateException("unexpected private key " + k.getClass());
    }

    private static Path tempCopy() {
        try {
            Path dir = Files.createTempDirectory("tether-fuzz-keys");
            dir.toFile().deleteOnExit();
            Path file = dir.resolve("id");
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
