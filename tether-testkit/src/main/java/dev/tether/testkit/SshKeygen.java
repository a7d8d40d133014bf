package dev.tether.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * OpenSSH's {@code ssh-keygen} for the tests: key pairs, certificates, any other invocation, and
 * reading public key files. Every run has a deadline and never sees the machine's agent.
 *
 * <p>Thread-safe (stateless). Cleans up nothing but its runs' processes (see {@link Processes}):
 * the keys it writes are the caller's, in the caller's directory.
 */
public final class SshKeygen {
    private SshKeygen() {
    }

    /** An unencrypted key pair in OpenSSH's format, its comment the file name: {@link #generate(Path, String, String, int, String)}. */
    public static Path generate(Path dir, String name, String type, int bits) throws IOException {
        return generate(dir, name, type, bits, false, name, "");
    }

    /**
     * {@code ssh-keygen -q -N "" -t TYPE [-b BITS] -C COMMENT -f DIR/NAME}: an unencrypted key pair;
     * returns the private key path (the public key is PATH.pub). {@code bits} 0 is the type's default.
     */
    public static Path generate(Path dir, String name, String type, int bits, String comment) throws IOException {
        return generate(dir, name, type, bits, false, comment, "");
    }

    /** An unencrypted key pair, the private key in PEM if {@code pem} ({@code -m PEM}), its comment the file name. */
    public static Path generate(Path dir, String name, String type, int bits, boolean pem) throws IOException {
        return generate(dir, name, type, bits, pem, name, "");
    }

    /** A key pair whose private key is encrypted with {@code passphrase}, its comment the file name. */
    public static Path generateEncrypted(Path dir, String name, String type, int bits, String passphrase) throws IOException {
        return generate(dir, name, type, bits, false, name, passphrase);
    }

    private static Path generate(Path dir, String name, String type, int bits, boolean pem, String comment, String passphrase)
            throws IOException {
        Path key = dir.resolve(name);
        List<String> args = new ArrayList<>(List.of("-q", "-N", passphrase, "-t", type));
        if (bits > 0) {
            args.addAll(List.of("-b", Integer.toString(bits)));
        }
        if (pem) {
            args.addAll(List.of("-m", "PEM"));
        }
        args.addAll(List.of("-C", comment, "-f", key.toString()));
        Processes.Result r = run(dir, null, args.toArray(String[]::new));
        if (r.exitCode() != 0) {
            throw new IOException("ssh-keygen failed: " + r.describe());
        }
        return key;
    }

    /**
     * Runs {@code ssh-keygen ARGS} in {@code dir}, stdin from {@code stdin} (null: /dev/null), as a
     * {@link Processes#tool tool}: one that does not finish in time fails the test.
     */
    public static Processes.Result run(Path dir, Path stdin, String... args) throws IOException {
        return run(dir, stdin, Map.of(), args);
    }

    /** {@link #run(Path, Path, String...)} with the environment changed by {@code env} (a null value removes a variable). */
    public static Processes.Result run(Path dir, Path stdin, Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Peers.SSH_KEYGEN.toString());
        cmd.addAll(List.of(args));
        return Processes.tool(dir, stdin, env, cmd);
    }

    /**
     * Signs {@code key.pub} with {@code ca}: {@code ssh-keygen -s CA -I ID -n PRINCIPALS -V VALIDITY [-h] KEY.pub};
     * returns KEY-cert.pub.
     */
    public static Path signCertificate(Path ca, Path key, String id, String principals, String validity, boolean host)
            throws IOException {
        List<String> args = new ArrayList<>(List.of("-q", "-s", ca.toString(), "-I", id, "-n", principals, "-V", validity));
        if (host) {
            args.add("-h");
        }
        args.add(key + ".pub");
        Processes.Result r = run(key.getParent(), null, args.toArray(String[]::new));
        if (r.exitCode() != 0) {
            throw new IOException("ssh-keygen failed: " + r.describe());
        }
        Path cert = Path.of(key + "-cert.pub");
        if (!Files.exists(cert)) {
            throw new IOException("ssh-keygen wrote no " + cert);
        }
        return cert;
    }

    /** The first line of a key's .pub file, without its trailing newline. */
    public static String pubLine(Path key) throws IOException {
        return Files.readString(Path.of(key + ".pub"), StandardCharsets.US_ASCII).strip();
    }

    /** The base64-decoded key field of a public key (or certificate) line: the SSH wire blob. */
    public static byte[] blobOf(String line) {
        return Base64.getDecoder().decode(line.strip().split("\\s+")[1]);
    }

    /** The SSH wire blob of a public key file ({@code TYPE BASE64 COMMENT}): the decoded base64 field. */
    public static byte[] publicKeyBlob(Path pubFile) throws IOException {
        String[] f = Files.readString(pubFile, StandardCharsets.US_ASCII).trim().split("\\s+");
        if (f.length < 2) {
            throw new IOException("not a public key file: " + pubFile);
        }
        return Base64.getDecoder().decode(f[1]);
    }

    /** The key type field of a public key file, e.g. {@code ecdsa-sha2-nistp384}. */
    public static String publicKeyType(Path pubFile) throws IOException {
        return Files.readString(pubFile, StandardCharsets.US_ASCII).trim().split("\\s+")[0];
    }
}
