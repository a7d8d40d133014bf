package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * The SSHSIG format of OpenSSH's PROTOCOL.sshsig, as far as the interoperability tests need it:
 * <pre>
 * blob:        byte[6] "SSHSIG" || uint32 1 || string publickey || string namespace
 *              || string reserved || string hash_algorithm || string signature
 * signed data: byte[6] "SSHSIG" || string namespace || string reserved
 *              || string hash_algorithm || string H(message)
 * </pre>
 * armoured as base64 between {@code -----BEGIN SSH SIGNATURE-----} and {@code -----END SSH SIGNATURE-----}.
 */
final class SshSig {
    private static final byte[] MAGIC = "SSHSIG".getBytes(StandardCharsets.US_ASCII);
    private static final String BEGIN = "-----BEGIN SSH SIGNATURE-----";
    private static final String END = "-----END SSH SIGNATURE-----";

    record Parsed(byte[] publicKey, String namespace, byte[] reserved, String hashAlgorithm, byte[] signature) {
    }

    private SshSig() {
    }

    static byte[] signedData(String namespace, String hashAlgorithm, byte[] message) throws NoSuchAlgorithmException {
        String jca = switch (hashAlgorithm) {
            case "sha256" -> "SHA-256";
            case "sha512" -> "SHA-512";
            default -> throw new IllegalArgumentException(hashAlgorithm);
        };
        byte[] h = MessageDigest.getInstance(jca).digest(message);
        return new SshWriter().raw(MAGIC).string(namespace).string(new byte[0]).string(hashAlgorithm).string(h).toByteArray();
    }

    static Parsed parseArmored(String text) throws SshException {
        String body = text.strip();
        if (!body.startsWith(BEGIN) || !body.endsWith(END)) {
            throw new IllegalArgumentException("not an armoured SSH signature");
        }
        body = body.substring(BEGIN.length(), body.length() - END.length()).replaceAll("\\s", "");
        SshReader r = new SshReader(Base64.getDecoder().decode(body));
        if (!Arrays.equals(MAGIC, r.raw(MAGIC.length))) {
            throw new IllegalArgumentException("bad SSHSIG magic");
        }
        if (r.uint32() != 1) {
            throw new IllegalArgumentException("unexpected SSHSIG version");
        }
        Parsed p = new Parsed(r.string(), r.utf8(), r.string(), r.ascii(), r.string());
        r.expectEnd("SSHSIG blob");
        return p;
    }

    static String armor(byte[] publicKey, String namespace, String hashAlgorithm, byte[] signature) {
        byte[] blob = new SshWriter().raw(MAGIC).uint32(1).string(publicKey).string(namespace).string(new byte[0])
                .string(hashAlgorithm).string(signature).toByteArray();
        String b64 = Base64.getEncoder().encodeToString(blob);
        StringBuilder sb = new StringBuilder(BEGIN).append('\n');
        for (int i = 0; i < b64.length(); i += 70) {
            sb.append(b64, i, Math.min(b64.length(), i + 70)).append('\n');
        }
        return sb.append(END).append('\n').toString();
    }
}
