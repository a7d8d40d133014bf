package dev.tether.ssh.client;

import dev.tether.ssh.auth.Signer;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.keys.OpenSshCertificate;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.PublicKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * An identity file, offered by its public key (from the .pub beside it or the private file's
 * clear header) and decrypted only when the server accepts the key, as ssh(1) does, so that
 * a passphrase is asked only for a key that will be used. Its certificate is the
 * {@code -cert.pub} file beside it or a {@code CertificateFile} whose key is this one.
 *
 * <p>Threading: used by the authenticating thread; {@link #keyPair} is synchronized.
 */
final class IdentityFile {
    /** Why a key was not offered after all (no passphrase could be had). */
    static final class SkippedKey extends IOException {
        private static final long serialVersionUID = 1L;

        SkippedKey(String message) {
            super(message);
        }
    }

    @FunctionalInterface
    interface PassphraseAsker {
        /** The passphrase for a key, or null to skip it; {@code attempt} counts from 0. */
        char[] ask(Path key, int attempt);
    }

    private final Path path;
    private final byte[] blob;
    private final byte[] certificate;
    private final PassphraseAsker asker;
    private java.security.KeyPair loaded;

    private IdentityFile(Path path, byte[] blob, byte[] certificate, PassphraseAsker asker) {
        this.path = path;
        this.blob = blob;
        this.certificate = certificate;
        this.asker = asker;
    }

    byte[] blob() {
        return blob.clone();
    }

    /**
     * Null if the file does not exist or holds no key we can use.
     *
     * @param explicit     given by the caller (ssh's {@code -i}): a missing or unreadable file is warned about
     * @param certificates the {@code CertificateFile}s, matched to the key by its public half
     * @param warnings     where warnings go (nowhere when quiet)
     */
    static IdentityFile load(Path path, boolean explicit, List<Path> certificates, PassphraseAsker asker,
                             java.util.function.Consumer<String> warnings) {
        if (!Files.isRegularFile(path)) {
            if (explicit) {
                warnings.accept("Warning: Identity file " + path + " not accessible: No such file or directory.");
            }
            return null;
        }
        byte[] blob = null;
        try {
            Path pub = Path.of(path + ".pub");
            if (Files.isRegularFile(pub)) {
                blob = PublicKeyFile.read(pub).blob();
            }
        } catch (IOException | RuntimeException e) {
            blob = null;
        }
        if (blob == null) {
            try {
                blob = OpenSshKeyFile.publicKeyBlob(Files.readString(path, java.nio.charset.StandardCharsets.ISO_8859_1),
                        path.toString());
            } catch (IOException | RuntimeException e) {
                blob = null;
            }
        }
        IdentityFile f;
        if (blob == null) {
            // another format without a .pub: decrypt now to learn the public key
            IdentityFile tmp = new IdentityFile(path, new byte[0], null, asker);
            try {
                java.security.KeyPair kp = tmp.keyPair();
                f = new IdentityFile(path, SignatureAlgorithms.encodePublicKey(kp.getPublic()), null, asker);
                f.loaded = kp;
            } catch (IOException | RuntimeException e) {
                if (explicit) {
                    warnings.accept("Load key \"" + path + "\": " + e.getMessage());
                }
                return null;
            }
        } else {
            List<Path> candidates = new ArrayList<>();
            candidates.add(Path.of(path + "-cert.pub"));
            candidates.addAll(certificates);
            f = new IdentityFile(path, blob, certificateFor(candidates, blob), asker);
        }
        try {
            SignatureAlgorithms.decodePublicKey(f.blob);
        } catch (SshException e) {
            return null; // a key type Tether does not support
        }
        return f;
    }

    /** The first certificate among the files whose key is {@code blob}, or null. */
    private static byte[] certificateFor(List<Path> files, byte[] blob) {
        for (Path cert : files) {
            if (!Files.isRegularFile(cert)) {
                continue;
            }
            try {
                PublicKeyFile.Entry e = PublicKeyFile.read(cert);
                if (e.isCertificate() && Arrays.equals(OpenSshCertificate.parse(e.blob()).publicKeyBlob(), blob)) {
                    return e.blob();
                }
            } catch (IOException | RuntimeException e) {
                // not a certificate we can use
            }
        }
        return null;
    }

    synchronized java.security.KeyPair keyPair() throws IOException {
        if (loaded != null) {
            return loaded;
        }
        int[] attempt = {0};
        SshException last = null;
        for (int i = 0; i < 3; i++) {
            boolean[] asked = {false};
            try {
                loaded = dev.tether.ssh.keys.KeyFiles.readPrivateKey(path, source -> {
                    asked[0] = true;
                    return asker.ask(path, attempt[0]++);
                });
                return loaded;
            } catch (SshException e) {
                last = e;
                String m = String.valueOf(e.getMessage());
                if (!asked[0] || m.contains("no passphrase") || m.contains("passphrase given is empty")) {
                    break;
                }
            }
        }
        throw new SkippedKey("skipping " + path + ": " + (last == null ? "unreadable" : last.getMessage()));
    }

    /** The certificate (if any) then the plain key; none if the agent already offers the key. */
    List<Signer> signers(Set<String> fromAgent) {
        List<Signer> out = new ArrayList<>();
        if (certificate != null && !fromAgent.contains(keyId(certificate))) {
            out.add(signer(certificate, true));
        }
        if (!fromAgent.contains(keyId(blob))) {
            out.add(signer(blob, false));
        }
        return out;
    }

    private Signer signer(byte[] offered, boolean cert) {
        List<String> algs;
        try {
            List<String> plain = SignatureAlgorithms.algorithmsFor(SignatureAlgorithms.decodePublicKey(blob));
            algs = cert ? plain.stream().map(a -> a + "-cert-v01@openssh.com").toList() : plain;
        } catch (SshException e) {
            algs = List.of();
        }
        List<String> algorithms = algs;
        String description = path + " " + (cert ? "certificate " : "") + SignatureAlgorithms.fingerprint(offered);
        return new Signer() {
            @Override
            public byte[] blob() {
                return offered.clone();
            }

            @Override
            public List<String> algorithms() {
                return algorithms;
            }

            @Override
            public byte[] sign(String algorithm, byte[] data) throws IOException {
                return SignatureAlgorithms.sign(algorithm, keyPair().getPrivate(), data);
            }

            @Override
            public String describe() {
                return description;
            }
        };
    }

    /** A map key for a key blob (equal blobs, equal keys). */
    static String keyId(byte[] blob) {
        return java.util.Base64.getEncoder().encodeToString(blob);
    }
}
