package dev.tether.ssh.fuzz;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.keys.OpenSshCertificate;
import dev.tether.ssh.keys.SignatureAlgorithms;

import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.List;

/**
 * SSH wire-format public key blobs (RFC 4253 §6.6, RFC 5656, RFC 8709; OpenSSH certificates) and
 * signature blobs. Input: {@code uint32 n}, a key blob of n bytes, then a signature blob (the
 * rest). The key is decoded with {@link SignatureAlgorithms#decodePublicKey}; if it decodes, its
 * encoding must decode to the same key and encode to itself (the input blob may differ: OpenSSH
 * accepts mpints with leading zero bytes, and so do we), and the
 * signature blob is verified over fixed data with the algorithm the blob names (or, for a name
 * that does not fit the key, with the key's first algorithm): verification returns true or false
 * or throws {@link SshException}, nothing else.
 */
public final class PublicKeyBlobTarget {
    /** The data the seeds' signatures sign (see make_key_seeds.py). */
    private static final byte[] SIGNED = "tether fuzz: the signed data".getBytes(StandardCharsets.US_ASCII);

    private PublicKeyBlobTarget() {
    }

    public static void fuzzerTestOneInput(byte[] data) {
        if (data.length < 4) {
            return;
        }
        long n = ((data[0] & 0xffL) << 24) | ((data[1] & 0xff) << 16) | ((data[2] & 0xff) << 8) | (data[3] & 0xff);
        if (n > data.length - 4) {
            return;
        }
        byte[] keyBlob = Arrays.copyOfRange(data, 4, 4 + (int) n);
        byte[] sigBlob = Arrays.copyOfRange(data, 4 + (int) n, data.length);
        PublicKey key;
        try {
            key = SignatureAlgorithms.decodePublicKey(keyBlob);
        } catch (SshException e) {
            return;
        }
        boolean certificate;
        try {
            certificate = OpenSshCertificate.isCertificateAlgorithm(new SshReader(keyBlob).ascii());
        } catch (SshException e) {
            throw new IllegalStateException("a blob that decodes has no readable type name", e);
        }
        // not necessarily the input: an mpint may carry leading zero bytes, which OpenSSH skips too
        byte[] encoded = SignatureAlgorithms.encodePublicKey(key);
        try {
            PublicKey again = SignatureAlgorithms.decodePublicKey(encoded);
            if (!again.equals(key) || !Arrays.equals(SignatureAlgorithms.encodePublicKey(again), encoded)) {
                throw new IllegalStateException("a decoded key does not survive being encoded and decoded again");
            }
        } catch (SshException e) {
            throw new IllegalStateException("the encoding of a decoded key does not decode: " + e.getMessage(), e);
        }
        List<String> algorithms = SignatureAlgorithms.algorithmsFor(key);
        if (algorithms.isEmpty()) {
            throw new IllegalStateException("a decoded key has no signature algorithm: " + key);
        }
        String named = null;
        try {
            named = new SshReader(sigBlob).ascii();
        } catch (SshException e) {
            // a malformed signature blob: verify must refuse it too
        }
        String algorithm = named != null && algorithms.contains(named) ? named : algorithms.get(0);
        try {
            boolean ok = SignatureAlgorithms.verify(algorithm, key, SIGNED, sigBlob);
            if (certificate) {
                // a certificate algorithm verifies as its plain algorithm, with the certified key
                String certAlgorithm = algorithm + "-cert-v01@openssh.com";
                if (SignatureAlgorithms.verify(certAlgorithm, key, SIGNED, sigBlob) != ok) {
                    throw new IllegalStateException(certAlgorithm + " and " + algorithm + " disagree on a signature");
                }
            }
        } catch (SshException e) {
            // malformed, or not for this key
        }
        if (named != null && !named.equals(algorithm)) {
            try {
                SignatureAlgorithms.verify(named, key, SIGNED, sigBlob);
            } catch (SshException e) {
                // a name that is not ours or does not fit the key: refused
            }
        }
    }
}
