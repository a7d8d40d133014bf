package dev.tether.ssh.fuzz;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.keys.OpenSshCertificate;
import dev.tether.ssh.keys.PublicKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;

import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.List;

/**
 * A public key file (its bytes as UTF-8, as {@link PublicKeyFile#read} decodes them): OpenSSH
 * one-line keys and certificates ({@code TYPE BASE64 [COMMENT]}) and RFC 4716 files, through
 * {@link PublicKeyFile#parse} and {@link PublicKeyFile#parseLines}; errors are
 * {@link SshException}s naming the source.
 *
 * <p>Invariants for an entry that is read: its OpenSSH line and its RFC 4716 form (when the
 * comment fits one) read back as the same entry; a plain key that decodes encodes to a blob that
 * decodes to the same key; a certificate that parses encodes to the same blob.
 */
public final class PublicKeyFileTarget {
    private PublicKeyFileTarget() {
    }

    public static void fuzzerTestOneInput(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        try {
            check(PublicKeyFile.parse(text, "fuzz"));
        } catch (SshException e) {
            named(e);
        }
        try {
            List<PublicKeyFile.Entry> entries = PublicKeyFile.parseLines(text, "fuzz");
            for (PublicKeyFile.Entry e : entries) {
                check(e);
            }
        } catch (SshException e) {
            named(e);
        }
    }

    private static void named(SshException e) {
        if (e.getMessage() == null || !e.getMessage().startsWith("fuzz")) {
            throw new IllegalStateException("error does not name the source: " + e.getMessage(), e);
        }
    }

    private static void check(PublicKeyFile.Entry entry) {
        byte[] blob = entry.blob();
        PublicKeyFile.Entry line;
        try {
            line = PublicKeyFile.parse(entry.toOpenSshLine(), "line");
        } catch (SshException e) {
            throw new IllegalStateException("the OpenSSH line of " + entry + " does not read back: " + e.getMessage(), e);
        }
        if (!line.type().equals(entry.type()) || !Arrays.equals(line.blob(), blob)
                || !line.comment().equals(entry.comment().strip())) {
            throw new IllegalStateException("the OpenSSH line of " + entry + " reads back as " + line);
        }
        String rfc4716;
        try {
            rfc4716 = PublicKeyFile.toRfc4716(blob, entry.comment());
        } catch (IllegalArgumentException e) {
            rfc4716 = null; // a comment with a line break, quote or backslash has no RFC 4716 form
        }
        if (rfc4716 != null) {
            try {
                PublicKeyFile.Entry again = PublicKeyFile.parse(rfc4716, "rfc4716");
                if (!again.equals(entry) || !again.comment().equals(entry.comment())) {
                    throw new IllegalStateException("the RFC 4716 form of " + entry + " reads back as " + again);
                }
            } catch (SshException e) {
                throw new IllegalStateException("the RFC 4716 form of " + entry + " does not read back: " + e.getMessage(), e);
            }
        }
        entry.fingerprint();
        if (entry.isCertificate()) {
            try {
                OpenSshCertificate cert = OpenSshCertificate.parse(blob);
                if (!Arrays.equals(cert.encoded(), blob) || !cert.keyType().equals(entry.type())) {
                    throw new IllegalStateException("certificate " + cert + " does not encode to its blob");
                }
                cert.toString();
            } catch (SshException e) {
                // a malformed certificate
            }
            return;
        }
        PublicKey key;
        try {
            key = entry.publicKey();
        } catch (SshException e) {
            return; // a key type we do not implement, or a malformed key
        }
        // an mpint with leading zero bytes is accepted (as OpenSSH does), so compare the keys, not blobs
        try {
            if (!SignatureAlgorithms.decodePublicKey(SignatureAlgorithms.encodePublicKey(key)).equals(key)) {
                throw new IllegalStateException("key " + entry + " changes when encoded and decoded again");
            }
        } catch (SshException e) {
            throw new IllegalStateException("the encoding of key " + entry + " does not decode: " + e.getMessage(), e);
        }
    }
}
