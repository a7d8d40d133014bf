package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.testkit.SshKeygen;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Certificates made by OpenSSH's {@code ssh-keygen -s} for the known_hosts and authorized_keys
 * certificate tests. Those tests need {@link OpenSshCertificate}'s implementation: they are
 * skipped (not failed) while it is still the API stub.
 */
final class KnownHostsCertFixtures {
    private KnownHostsCertFixtures() {
    }

    /** Whether OpenSshCertificate is implemented (the stub throws UnsupportedOperationException). */
    static boolean certificatesImplemented() {
        try {
            OpenSshCertificate.isCertificateAlgorithm("ssh-ed25519-cert-v01@openssh.com");
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    static final String SKIP_REASON = "OpenSshCertificate is not implemented yet on this branch";

    /** The blob of a {@code .pub} or {@code -cert.pub} file, checking the type field against the blob. */
    static byte[] blobOf(Path pub) throws Exception {
        String[] f = Files.readString(pub, StandardCharsets.US_ASCII).strip().split(" ", 3);
        byte[] blob = Base64.getDecoder().decode(f[1]);
        if (!f[0].equals(new SshReader(blob).ascii())) {
            throw new AssertionError("type field " + f[0] + " does not match the blob in " + pub);
        }
        return blob;
    }

    /** {@code type base64} of a {@code .pub} file, without its comment. */
    static String keyField(Path pub) throws Exception {
        String[] f = Files.readString(pub, StandardCharsets.US_ASCII).strip().split(" ", 3);
        return f[0] + " " + f[1];
    }

    /** Generates a key pair {@code dir/name} (+ {@code .pub}); returns the {@code .pub} path. */
    static Path key(Path dir, String name, String type) throws Exception {
        Path k = SshKeygen.generate(dir, name, type, type.equals("ecdsa") ? 256 : 0, "test@tether");
        return k.resolveSibling(name + ".pub");
    }

    /**
     * Signs {@code pub} with the CA private key {@code ca}: {@code ssh-keygen -s ca -I id [-h]
     * [-n principals] -V validity -z serial [-O option]... pub}; returns the certificate's blob.
     *
     * @param principals comma-separated, or null for a certificate valid for any principal
     */
    static byte[] sign(Path dir, Path ca, Path pub, String id, boolean host, String principals, String validity,
                       long serial, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("-q", "-s", ca.toString(), "-I", id, "-V", validity,
                "-z", Long.toString(serial)));
        if (host) {
            args.add("-h");
        }
        if (principals != null) {
            args.add("-n");
            args.add(principals);
        }
        for (String o : options) {
            args.add("-O");
            args.add(o);
        }
        args.add(pub.toString());
        SshKeygen.run(dir, null, args.toArray(new String[0])).expectSuccess();
        String name = pub.getFileName().toString();
        Path cert = pub.resolveSibling(name.substring(0, name.length() - ".pub".length()) + "-cert.pub");
        byte[] blob = blobOf(cert);
        Files.delete(cert);
        return blob;
    }

    static String typeOf(byte[] blob) throws SshException {
        return new SshReader(blob).ascii();
    }
}
