package dev.tether.ssh.fuzz;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.keys.AuthorizedKeys;
import dev.tether.ssh.keys.KnownHosts;
import dev.tether.ssh.keys.OpenSshCertificate;
import dev.tether.ssh.keys.SignatureAlgorithms;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.PublicKey;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An OpenSSH certificate blob (PROTOCOL.certkeys), through {@link OpenSshCertificate#parse}, then
 * the checks a server and a client make with it: the CA signature ({@link
 * OpenSshCertificate#verifySignature}), {@link OpenSshCertificate#validate} as a user and a host
 * certificate at a fixed time for fixed principals, the authorized_keys decision for a
 * {@code cert-authority} line naming its CA ({@link AuthorizedKeys#find}: principals,
 * {@code source-address}, {@code force-command} against {@code command=}, extensions), and the
 * known_hosts decision for an {@code @cert-authority} line naming its CA. Errors are
 * {@link SshException}s.
 *
 * <p>Invariants: a parsed certificate encodes to its blob and its {@code -cert.pub} line reads
 * back as the same certificate; its certified key encodes to its plain key blob; what
 * {@code validate} accepts has a verifying signature and a validity window holding the time; what
 * authorized_keys accepts validates as a user certificate and its source-address allows the client;
 * what known_hosts accepts validates as a host certificate for the host.
 */
public final class CertificateTarget {
    private static final InetAddress CLIENT = address(192, 0, 2, 10);
    private static final InetAddress LOOPBACK = address(127, 0, 0, 1);
    private static final String HOST = "server.example.com";

    private CertificateTarget() {
    }

    public static void fuzzerTestOneInput(byte[] data) {
        OpenSshCertificate cert;
        try {
            cert = OpenSshCertificate.parse(data);
        } catch (SshException e) {
            return;
        }
        try {
            representations(cert, data);
            signature(cert);
            for (String principal : new String[] {"alice", "a", HOST, null}) {
                validate(cert, OpenSshCertificate.Type.USER, principal);
                validate(cert, OpenSshCertificate.Type.HOST, principal);
            }
            authorizedKeys(cert, data);
            knownHosts(cert, data);
        } catch (SshException e) {
            throw new IllegalStateException("a parsed certificate cannot be checked: " + e.getMessage(), e);
        }
    }

    private static void representations(OpenSshCertificate cert, byte[] data) throws SshException {
        if (!Arrays.equals(cert.encoded(), data)) {
            throw new IllegalStateException("a parsed certificate does not encode to its blob");
        }
        byte[] body = cert.signedBody();
        if (!Arrays.equals(body, 0, body.length, data, 0, body.length)) {
            throw new IllegalStateException("the signed body is not a prefix of the certificate");
        }
        if (!OpenSshCertificate.parseLine(cert.toLine("comment")).equals(cert)) {
            throw new IllegalStateException("the -cert.pub line does not read back as the certificate");
        }
        PublicKey key = cert.publicKey();
        // not byte for byte: an RSA mpint with leading zero bytes is accepted (as OpenSSH does) and
        // re-encoded minimally, so the check is that both blobs decode to the certified key
        if (!SignatureAlgorithms.decodePublicKey(SignatureAlgorithms.encodePublicKey(key)).equals(key)
                || !SignatureAlgorithms.decodePublicKey(cert.publicKeyBlob()).equals(key)) {
            throw new IllegalStateException("the certified key does not encode to a plain key blob of the same key");
        }
        if (!SignatureAlgorithms.decodePublicKey(data).equals(key)) {
            throw new IllegalStateException("decodePublicKey of the certificate is not its certified key");
        }
        cert.toString();
    }

    private static void signature(OpenSshCertificate cert) {
        try {
            cert.verifySignature(true);
        } catch (SshException e) {
            // a malformed signature or one that does not fit the CA key
        }
    }

    private static void validate(OpenSshCertificate cert, OpenSshCertificate.Type type, String principal) {
        try {
            cert.validate(type, principal, FuzzFixtures.NOW, List.of(cert.signatureKey()));
        } catch (SshException e) {
            return;
        }
        boolean verified;
        try {
            verified = cert.verifySignature(false);
        } catch (SshException e) {
            throw new IllegalStateException("validate accepted a certificate whose signature is refused: " + e.getMessage(), e);
        }
        long now = FuzzFixtures.NOW.getEpochSecond();
        if (!verified || cert.type() != type || Long.compareUnsigned(now, cert.validAfter()) < 0
                || Long.compareUnsigned(now, cert.validBefore()) >= 0
                || (principal != null && !cert.principals().isEmpty() && !cert.principals().contains(principal))
                || !OpenSshCertificate.KNOWN_CRITICAL_OPTIONS.containsAll(cert.criticalOptions().keySet())) {
            throw new IllegalStateException("validate accepted " + cert + " as a " + type + " certificate for " + principal);
        }
    }

    private static void authorizedKeys(OpenSshCertificate cert, byte[] data) throws SshException {
        String ca = caKeyText(cert);
        if (ca == null) {
            return;
        }
        String text = "cert-authority " + ca + "\n"
                + "cert-authority,principals=\"a,alice\",from=\"192.0.2.0/24,127.0.0.1\" " + ca + "\n"
                + "cert-authority,command=\"/usr/bin/backup\",restrict,pty " + ca + "\n";
        AuthorizedKeys keys = AuthorizedKeys.parse("authorized_keys", text, ZoneOffset.UTC, false);
        for (InetAddress client : new InetAddress[] {CLIENT, LOOPBACK}) {
            Optional<AuthorizedKeys.Match> match = keys.find(data, "alice", client, FuzzFixtures.NOW);
            if (match.isEmpty()) {
                continue;
            }
            AuthorizedKeys.Match m = match.get();
            try {
                cert.validate(OpenSshCertificate.Type.USER, null, FuzzFixtures.NOW, List.of(cert.signatureKey()));
            } catch (SshException e) {
                throw new IllegalStateException("authorized_keys accepted a certificate that does not validate: "
                        + e.getMessage(), e);
            }
            if (!m.fromAllows(null, client) || m.expired(FuzzFixtures.NOW)) {
                throw new IllegalStateException("authorized_keys accepted " + cert + " from " + client
                        + " that its source-address or validity refuses");
            }
            Map<String, String> critical = cert.criticalOptions();
            Optional<String> command = m.forcedCommand();
            if (critical.containsKey("force-command") && !command.equals(Optional.of(critical.get("force-command")))) {
                throw new IllegalStateException("the certificate's force-command is not the forced command");
            }
            if (m.permitsPty() && !cert.extensions().containsKey("permit-pty")) {
                throw new IllegalStateException("a pty is permitted without the certificate's permit-pty");
            }
            m.permitsPortForwarding();
            m.permitsAgentForwarding();
            m.permitsX11();
            m.permitsUserRc();
            m.noTouchRequired();
            m.verifyRequired();
            m.environment();
            m.permitOpen("localhost", 22);
            m.permitListen("localhost", 8080);
            m.description();
        }
    }

    private static void knownHosts(OpenSshCertificate cert, byte[] data) throws SshException {
        String ca = caKeyText(cert);
        if (ca == null) {
            return;
        }
        KnownHosts known = KnownHosts.parse("known_hosts", "@cert-authority *.example.com,[*.example.com]:2222 " + ca + "\n", false);
        for (int port : new int[] {22, 2222}) {
            KnownHosts.Result r = known.check(HOST, port, cert.keyType(), data, FuzzFixtures.NOW);
            if (r.status() == KnownHosts.Status.MATCH) {
                try {
                    cert.validate(OpenSshCertificate.Type.HOST, HOST, FuzzFixtures.NOW, List.of(cert.signatureKey()));
                } catch (SshException e) {
                    throw new IllegalStateException("known_hosts accepted a host certificate that does not validate: "
                            + e.getMessage(), e);
                }
                if (!cert.criticalOptions().isEmpty()) {
                    throw new IllegalStateException("known_hosts accepted a host certificate with critical options");
                }
            }
        }
    }

    /** {@code TYPE BASE64} of the CA key, or null if its type name is not printable. */
    private static String caKeyText(OpenSshCertificate cert) {
        byte[] ca = cert.signatureKey();
        try {
            return new SshReader(ca).ascii() + " " + Base64.getEncoder().encodeToString(ca);
        } catch (SshException e) {
            return null;
        }
    }

    private static InetAddress address(int a, int b, int c, int d) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
