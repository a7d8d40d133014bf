package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Processes;
import dev.tether.testkit.SshKeygen;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OpenSSH certificates against OpenSSH's ssh-keygen: certificates it signs are parsed, checked
 * field by field against {@code ssh-keygen -L}, verified and validated; certificates we sign are
 * accepted by {@code ssh-keygen -L} (which verifies the CA signature when it loads a certificate).
 */
class CertificateInteropTest {
    /** ssh-keygen key types: name, -t, -b, our key type name. */
    private static final String[][] KINDS = {
            {"ed25519", "ed25519", "0", "ssh-ed25519"},
            {"ecdsa256", "ecdsa", "256", "ecdsa-sha2-nistp256"},
            {"ecdsa384", "ecdsa", "384", "ecdsa-sha2-nistp384"},
            {"ecdsa521", "ecdsa", "521", "ecdsa-sha2-nistp521"},
            {"rsa", "rsa", "2048", "ssh-rsa"}};
    private static final DateTimeFormatter KEYGEN_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    /** Keys made by ssh-keygen, shared by all tests: "ca-KIND" and "user-KIND" to their private key files. */
    private static final Map<String, Path> KEYGEN_KEYS = new ConcurrentHashMap<>();
    /** CA key pairs of our own, distinct from {@link TestKeys}'s (which we certify). */
    private static final Map<String, KeyPair> OUR_CAS = new ConcurrentHashMap<>();

    @TempDir
    static Path keysDir;

    @TempDir
    Path dir;

    @BeforeAll
    static void requireSshKeygen() {
        Peers.requireSshKeygen();
    }

    // ---------------------------------------------------------------- helpers

    private static String[] kind(String name) {
        for (String[] k : KINDS) {
            if (k[0].equals(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException(name);
    }

    /** A key made by ssh-keygen, generated once per role and kind. */
    private static synchronized Path keygenKey(String role, String kind) throws Exception {
        String name = role + "-" + kind;
        Path p = KEYGEN_KEYS.get(name);
        if (p == null) {
            String[] k = kind(kind);
            p = SshKeygen.generate(keysDir, name, k[1], Integer.parseInt(k[2]), "test@tether");
            KEYGEN_KEYS.put(name, p);
        }
        return p;
    }

    private static Path pub(Path key) {
        return key.resolveSibling(key.getFileName() + ".pub");
    }

    /** The blob of a line {@code TYPE BASE64 [COMMENT]}, checking TYPE against the blob. */
    private static byte[] blobOfLine(String line) throws SshException {
        String[] f = line.strip().split(" ", 3);
        byte[] blob = Base64.getDecoder().decode(f[1]);
        assertEquals(f[0], new SshReader(blob).ascii(), "key type field matches the blob");
        return blob;
    }

    private static byte[] blobOfFile(Path p) throws Exception {
        return blobOfLine(Files.readString(p, StandardCharsets.US_ASCII));
    }

    /** Copies the user key's .pub into this test's directory, so ssh-keygen -s writes the certificate here. */
    private Path userPubCopy(String kind) throws Exception {
        Path copy = dir.resolve("user-" + kind + ".pub");
        Files.copy(pub(keygenKey("user", kind)), copy);
        return copy;
    }

    private static Path certOf(Path pubFile) {
        String n = pubFile.getFileName().toString();
        return pubFile.resolveSibling(n.substring(0, n.length() - ".pub".length()) + "-cert.pub");
    }

    /** ssh-keygen -s: signs {@code pubFile} with the CA, returning the parsed certificate. */
    private OpenSshCertificate keygenSign(Path ca, Path pubFile, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("-q", "-s", ca.toString()));
        args.addAll(List.of(options));
        args.add(pubFile.toString());
        SshKeygen.run(dir, null, args.toArray(new String[0])).expectSuccess();
        String line = Files.readString(certOf(pubFile), StandardCharsets.US_ASCII);
        OpenSshCertificate cert = OpenSshCertificate.parseLine(line);
        assertArrayEquals(blobOfLine(line), cert.encoded(), "encoded() is the blob as read");
        return cert;
    }

    /** Runs ssh-keygen with TZ=UTC (so -L prints times in UTC), with a bounded wait. */
    private Processes.Result keygenUtc(String... args) throws Exception {
        return SshKeygen.run(dir, null, Map.of("TZ", "UTC"), args);
    }

    /** {@code ssh-keygen -L -f certFile}, parsed into a section per heading ("Type", "Principals", ...). */
    private Map<String, List<String>> keygenList(Path certFile) throws Exception {
        Processes.Result r = keygenUtc("-L", "-f", certFile.toString()).expectSuccess();
        Map<String, List<String>> out = new LinkedHashMap<>();
        List<String> current = null;
        for (String raw : r.stdout().split("\n")) {
            if (raw.isBlank() || !raw.startsWith(" ")) {
                continue; // the "file:" heading
            }
            String line = raw.strip();
            // headings are indented by 8 spaces (one tab stop), list entries by 16
            if (!raw.startsWith("                ")) {
                int colon = line.indexOf(':');
                String value = line.substring(colon + 1).strip();
                current = new ArrayList<>();
                out.put(line.substring(0, colon), current);
                if (!value.isEmpty() && !value.equals("(none)")) {
                    current.add(value);
                }
            } else {
                current.add(line);
            }
        }
        return out;
    }

    private static String keygenTime(long t) {
        return KEYGEN_TIME.format(Instant.ofEpochSecond(t));
    }

    /** What ssh-keygen -L prints for a certificate's validity. */
    private static String keygenValidity(OpenSshCertificate c) {
        if (c.validAfter() == 0 && c.validBefore() == OpenSshCertificate.FOREVER) {
            return "forever";
        }
        if (c.validAfter() == 0) {
            return "before " + keygenTime(c.validBefore());
        }
        if (c.validBefore() == OpenSshCertificate.FOREVER) {
            return "after " + keygenTime(c.validAfter());
        }
        return "from " + keygenTime(c.validAfter()) + " to " + keygenTime(c.validBefore());
    }

    /** What ssh-keygen -L prints for an option or extension (see show_options() in ssh-keygen.c). */
    private static String keygenOption(String name, String value, boolean critical) {
        boolean flag = List.of("permit-X11-forwarding", "permit-agent-forwarding", "permit-port-forwarding",
                "permit-pty", "permit-user-rc", "no-touch-required").contains(name);
        boolean withValue = name.equals("force-command") || name.equals("source-address");
        if (!critical && flag || critical && name.equals("verify-required")) {
            return name;
        }
        if (critical && withValue) {
            return name + " " + value;
        }
        if (value.isEmpty()) {
            return name + " UNKNOWN FLAG OPTION";
        }
        byte[] data = new SshWriter().string(value).toByteArray();
        return name + " UNKNOWN OPTION: " + HexFormat.of().formatHex(data) + " (len " + data.length + ")";
    }

    private static List<String> keygenOptions(Map<String, String> options, boolean critical) {
        List<String> out = new ArrayList<>();
        options.forEach((k, v) -> out.add(keygenOption(k, v, critical)));
        return out;
    }

    /** The ssh-keygen -L "Public key"/"Signing CA" label of a key type, e.g. ECDSA or ED25519. */
    private static String keygenLabel(String keyType) {
        if (keyType.startsWith("ecdsa")) {
            return "ECDSA";
        }
        return keyType.equals("ssh-ed25519") ? "ED25519" : "RSA";
    }

    /** Every field of {@code cert} against {@code ssh-keygen -L}. */
    private void assertMatchesKeygenList(OpenSshCertificate cert, Path certFile) throws Exception {
        Map<String, List<String>> l = keygenList(certFile);
        assertEquals(List.of(cert.keyType() + " " + cert.type().name().toLowerCase() + " certificate"), l.get("Type"));
        String plainType = new SshReader(cert.publicKeyBlob()).ascii();
        assertEquals(List.of(keygenLabel(plainType) + "-CERT " + SignatureAlgorithms.fingerprint(cert.publicKeyBlob())),
                l.get("Public key"));
        String caType = new SshReader(cert.signatureKey()).ascii();
        assertEquals(List.of(keygenLabel(caType) + " " + SignatureAlgorithms.fingerprint(cert.signatureKey())
                + " (using " + cert.signatureAlgorithm() + ")"), l.get("Signing CA"));
        assertEquals(List.of("\"" + cert.keyId() + "\""), l.get("Key ID"));
        assertEquals(List.of(Long.toUnsignedString(cert.serial())), l.get("Serial"));
        assertEquals(List.of(keygenValidity(cert)), l.get("Valid"));
        assertEquals(cert.principals(), l.get("Principals"));
        assertEquals(keygenOptions(cert.criticalOptions(), true), l.get("Critical Options"));
        assertEquals(keygenOptions(cert.extensions(), false), l.get("Extensions"));
    }

    private static PublicKey keyOfPub(Path key) throws Exception {
        return SignatureAlgorithms.decodePublicKey(blobOfFile(pub(key)));
    }

    static Stream<Arguments> keyAndCaKinds() {
        List<Arguments> out = new ArrayList<>();
        for (String[] key : KINDS) {
            for (String[] ca : KINDS) {
                out.add(Arguments.of(key[0], ca[0]));
            }
        }
        return out.stream();
    }

    /** The signature algorithm we ask ssh-keygen for (-t) and expect: rsa-sha2-512 for an RSA CA. */
    private static String caAlgorithm(String caKind) {
        String t = kind(caKind)[3];
        return t.equals("ssh-rsa") ? "rsa-sha2-512" : t;
    }

    // ---------------------------------------------------------------- ssh-keygen signs, we read

    @ParameterizedTest(name = "{0} key, {1} CA")
    @MethodSource("keyAndCaKinds")
    void parsesUserCertificatesSignedBySshKeygen(String keyKind, String caKind) throws Exception {
        Path ca = keygenKey("ca", caKind);
        Path userPub = userPubCopy(keyKind);
        Instant before = Instant.now();
        OpenSshCertificate cert = keygenSign(ca, userPub, "-t", caAlgorithm(caKind), "-I", "id-" + keyKind,
                "-n", "alice,bob", "-V", "+1h", "-z", "4242",
                "-O", "force-command=/bin/true", "-O", "source-address=127.0.0.1/32", "-O", "no-pty");
        Instant after = Instant.now();

        assertEquals(kind(keyKind)[3] + "-cert-v01@openssh.com", cert.keyType());
        assertEquals(OpenSshCertificate.Type.USER, cert.type());
        assertEquals(4242, cert.serial());
        assertEquals("id-" + keyKind, cert.keyId());
        assertEquals(List.of("alice", "bob"), cert.principals());
        // -V +1h: from a minute or so before now to an hour after now
        assertTrue(cert.validAfter() <= before.getEpochSecond() && cert.validAfter() > before.getEpochSecond() - 300,
                "valid after " + cert.validAfter());
        // ssh-keygen's clock against ours, to the second, on a VM whose clock may be slewed: 5 s of slack
        assertTrue(cert.validBefore() >= before.getEpochSecond() + 3600 - 5 && cert.validBefore() <= after.getEpochSecond() + 3601,
                "valid before " + cert.validBefore() + ", asked at " + before.getEpochSecond() + " + 1h");
        assertEquals(Map.of("force-command", "/bin/true", "source-address", "127.0.0.1/32"), cert.criticalOptions());
        assertEquals(List.of("force-command", "source-address"), List.copyOf(cert.criticalOptions().keySet()));
        assertEquals(List.of("permit-X11-forwarding", "permit-agent-forwarding", "permit-port-forwarding", "permit-user-rc"),
                List.copyOf(cert.extensions().keySet()));
        cert.extensions().values().forEach(v -> assertEquals("", v));

        byte[] userBlob = blobOfFile(pub(keygenKey("user", keyKind)));
        assertArrayEquals(userBlob, cert.publicKeyBlob());
        assertEquals(keyOfPub(keygenKey("user", keyKind)), cert.publicKey());
        assertArrayEquals(blobOfFile(pub(ca)), cert.signatureKey());
        assertEquals(keyOfPub(ca), cert.caPublicKey());
        assertEquals(caAlgorithm(caKind), cert.signatureAlgorithm());
        assertEquals(cert.publicKey(), SignatureAlgorithms.decodePublicKey(cert.encoded()), "decodePublicKey of a certificate");

        assertMatchesKeygenList(cert, certOf(userPub));

        assertTrue(cert.verifySignature(false));
        List<byte[]> trusted = List.of(blobOfFile(pub(keygenKey("ca", caKind))));
        Instant now = Instant.now();
        cert.validate(OpenSshCertificate.Type.USER, "alice", now, trusted);
        cert.validate(OpenSshCertificate.Type.USER, "bob", now, trusted);
        cert.validate(OpenSshCertificate.Type.USER, null, now, trusted);

        // the signed body is everything before the signature string
        byte[] body = cert.signedBody();
        byte[] whole = cert.encoded();
        assertArrayEquals(whole, new SshWriter().raw(body).string(
                new SshReader(whole, body.length, whole.length - body.length).string()).toByteArray());
    }

    @ParameterizedTest(name = "{0} key, {1} CA")
    @MethodSource("keyAndCaKinds")
    void parsesHostCertificatesSignedBySshKeygen(String keyKind, String caKind) throws Exception {
        Path ca = keygenKey("ca", caKind);
        Path hostPub = userPubCopy(keyKind);
        OpenSshCertificate cert = keygenSign(ca, hostPub, "-t", caAlgorithm(caKind), "-h", "-I", "host",
                "-n", "localhost,127.0.0.1");

        assertEquals(OpenSshCertificate.Type.HOST, cert.type());
        assertEquals("host", cert.keyId());
        assertEquals(0, cert.serial());
        assertEquals(List.of("localhost", "127.0.0.1"), cert.principals());
        assertEquals(0, cert.validAfter());
        assertEquals(OpenSshCertificate.FOREVER, cert.validBefore());
        assertTrue(cert.criticalOptions().isEmpty());
        assertTrue(cert.extensions().isEmpty());
        assertMatchesKeygenList(cert, certOf(hostPub));

        List<byte[]> trusted = List.of(blobOfFile(pub(ca)));
        cert.validate(OpenSshCertificate.Type.HOST, "localhost", Instant.now(), trusted);
        cert.validate(OpenSshCertificate.Type.HOST, "127.0.0.1", Instant.now(), trusted);

        // the transport's view: a host key blob that is a certificate, with a cert algorithm name
        String plainAlg = kind(keyKind)[3].equals("ssh-rsa") ? "rsa-sha2-512" : kind(keyKind)[3];
        String certAlg = plainAlg + "-cert-v01@openssh.com";
        assertTrue(SignatureAlgorithms.CERTIFICATE_ALGORITHMS.contains(certAlg), certAlg);
        assertEquals(cert.keyType(), SignatureAlgorithms.keyType(certAlg));
        assertEquals(plainAlg, SignatureAlgorithms.underlyingAlgorithm(certAlg));
        KeyPair hostPair = OpenSshKeyFile.read(keygenKey("user", keyKind));
        byte[] exchangeHash = "exchange hash".getBytes(StandardCharsets.US_ASCII);
        byte[] sig = SignatureAlgorithms.sign(plainAlg, hostPair.getPrivate(), exchangeHash);
        assertTrue(SignatureAlgorithms.verify(certAlg, SignatureAlgorithms.decodePublicKey(cert.encoded()), exchangeHash, sig));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ed25519", "ecdsa256", "rsa"})
    void validationFailuresOnSshKeygenCertificates(String kindName) throws Exception {
        Path ca = keygenKey("ca", kindName);
        List<byte[]> trusted = List.of(blobOfFile(pub(ca)));
        Instant now = Instant.now();
        OpenSshCertificate.Type user = OpenSshCertificate.Type.USER;

        Path p1 = userPubCopy(kindName);
        OpenSshCertificate expired = keygenSign(ca, p1, "-I", "expired", "-n", "alice", "-V", "-2h:-1h");
        SshException e = assertThrows(SshException.class, () -> expired.validate(user, "alice", now, trusted));
        assertTrue(e.getMessage().startsWith("certificate expired at "
                + Instant.ofEpochSecond(expired.validBefore()) + ", now is "), e.getMessage());
        assertTrue(expired.verifySignature(false), "only the time is wrong");

        Files.delete(certOf(p1));
        OpenSshCertificate future = keygenSign(ca, p1, "-I", "future", "-n", "alice", "-V", "+1h:+2h");
        e = assertThrows(SshException.class, () -> future.validate(user, "alice", now, trusted));
        assertTrue(e.getMessage().startsWith("certificate is not yet valid: valid from "
                + Instant.ofEpochSecond(future.validAfter())), e.getMessage());
        future.validate(user, "alice", now.plusSeconds(3600 + 60), trusted);

        Files.delete(certOf(p1));
        OpenSshCertificate good = keygenSign(ca, p1, "-I", "good", "-n", "alice", "-V", "+1h");
        good.validate(user, "alice", now, trusted);
        e = assertThrows(SshException.class, () -> good.validate(user, "bob", now, trusted));
        assertEquals("principal 'bob' not in certificate principals [alice]", e.getMessage());

        // another CA, of the same type, is not trusted
        Path otherCa = SshKeygen.generate(dir, "other-ca", kind(kindName)[1], Integer.parseInt(kind(kindName)[2]), "test@tether");
        List<byte[]> otherTrusted = List.of(blobOfFile(pub(otherCa)));
        e = assertThrows(SshException.class, () -> good.validate(user, "alice", now, otherTrusted));
        assertEquals("certificate is signed by an untrusted CA " + new SshReader(good.signatureKey()).ascii() + " "
                + SignatureAlgorithms.fingerprint(good.signatureKey()), e.getMessage());
        e = assertThrows(SshException.class, () -> good.validate(user, "alice", now, List.of()));
        assertTrue(e.getMessage().startsWith("certificate is signed by an untrusted CA"), e.getMessage());
        // the trusted one among others is found
        good.validate(user, "alice", now, List.of(blobOfFile(pub(otherCa)), blobOfFile(pub(ca))));

        // a host certificate is not a user certificate, and the reverse
        Files.delete(certOf(p1));
        OpenSshCertificate host = keygenSign(ca, p1, "-h", "-I", "host", "-n", "alice");
        e = assertThrows(SshException.class, () -> host.validate(user, "alice", now, trusted));
        assertEquals("certificate is a host certificate, expected a user certificate", e.getMessage());
        e = assertThrows(SshException.class, () -> good.validate(OpenSshCertificate.Type.HOST, "alice", now, trusted));
        assertEquals("certificate is a user certificate, expected a host certificate", e.getMessage());

        // a tampered byte in the key id, in the serial or in the signature breaks the signature
        byte[] blob = good.encoded();
        int idAt = indexOf(blob, "good".getBytes(StandardCharsets.US_ASCII));
        byte[] tamperedId = blob.clone();
        tamperedId[idAt] = 'f';
        OpenSshCertificate t1 = OpenSshCertificate.parse(tamperedId);
        assertEquals("food", t1.keyId());
        assertFalse(t1.verifySignature(false));
        e = assertThrows(SshException.class, () -> t1.validate(user, "alice", now, trusted));
        assertEquals("certificate signature does not verify with its CA key " + new SshReader(good.signatureKey()).ascii()
                + " " + SignatureAlgorithms.fingerprint(good.signatureKey()), e.getMessage());
        byte[] tamperedSerial = blob.clone();
        tamperedSerial[idAt - 4 - 4 - 1] ^= 1; // the last byte of the serial: before uint32 type and the id's length
        OpenSshCertificate t2 = OpenSshCertificate.parse(tamperedSerial);
        assertEquals(1, t2.serial());
        assertFalse(t2.verifySignature(false));
        byte[] tamperedSig = blob.clone();
        tamperedSig[tamperedSig.length - 1] ^= 1;
        assertFalse(OpenSshCertificate.parse(tamperedSig).verifySignature(false));
        assertThrows(SshException.class,
                () -> OpenSshCertificate.parse(tamperedSig).validate(user, "alice", now, trusted));

        // an unknown critical option makes ssh-keygen's certificate unacceptable
        Files.delete(certOf(p1));
        OpenSshCertificate unknown = keygenSign(ca, p1, "-I", "unknown", "-n", "alice", "-O", "critical:blah@example.com=foo",
                "-O", "extension:custom@example.com=bar");
        assertEquals(Map.of("blah@example.com", "foo"), unknown.criticalOptions());
        assertEquals("bar", unknown.extensions().get("custom@example.com"));
        assertTrue(unknown.verifySignature(false));
        e = assertThrows(SshException.class, () -> unknown.validate(user, "alice", now, trusted));
        assertEquals("certificate has an unsupported critical option 'blah@example.com' and must be refused", e.getMessage());
        assertMatchesKeygenList(unknown, certOf(p1));
    }

    @Test
    void sha1RsaCaSignaturesNeedToBeAllowed() throws Exception {
        Path ca = keygenKey("ca", "rsa");
        Path p = userPubCopy("ed25519");
        OpenSshCertificate cert = keygenSign(ca, p, "-t", "ssh-rsa", "-I", "sha1", "-n", "alice");
        assertEquals("ssh-rsa", cert.signatureAlgorithm());
        assertMatchesKeygenList(cert, certOf(p));
        SshException e = assertThrows(SshException.class, () -> cert.verifySignature(false));
        assertEquals("certificate is signed with ssh-rsa (RSA with SHA-1), which is not allowed", e.getMessage());
        assertTrue(cert.verifySignature(true));
        List<byte[]> trusted = List.of(blobOfFile(pub(ca)));
        e = assertThrows(SshException.class,
                () -> cert.validate(OpenSshCertificate.Type.USER, "alice", Instant.now(), trusted));
        assertTrue(e.getMessage().startsWith("certificate signature is not acceptable: "), e.getMessage());
        cert.validate(OpenSshCertificate.Type.USER, "alice", Instant.now(), trusted, true);
    }

    @Test
    void sshKeygenCertificateWithVerifyRequiredAndAllExtensions() throws Exception {
        Path ca = keygenKey("ca", "ed25519");
        Path p = userPubCopy("ecdsa384");
        OpenSshCertificate cert = keygenSign(ca, p, "-I", "all", "-O", "verify-required", "-O", "no-touch-required",
                "-O", "permit-pty", "-V", "always:forever");
        assertEquals(List.of(), cert.principals(), "no -n: any principal");
        assertEquals(Map.of("verify-required", ""), cert.criticalOptions());
        assertTrue(cert.extensions().containsKey("no-touch-required"));
        assertTrue(cert.extensions().containsKey("permit-pty"));
        assertMatchesKeygenList(cert, certOf(p));
        cert.validate(OpenSshCertificate.Type.USER, "anyone", Instant.now(), List.of(blobOfFile(pub(ca))));
    }

    // ---------------------------------------------------------------- we sign, ssh-keygen reads

    private static synchronized KeyPair ourCa(String type) {
        return OUR_CAS.computeIfAbsent(type, t -> {
            try {
                return SignatureAlgorithms.generate(t, 2048);
            } catch (SshException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static Stream<Arguments> ourKeyAndCaTypes() {
        List<Arguments> out = new ArrayList<>();
        for (String[] key : KINDS) {
            for (String[] ca : KINDS) {
                String caType = ca[3];
                out.add(Arguments.of(key[3], caType, caType.equals("ssh-rsa") ? "rsa-sha2-512" : caType));
            }
        }
        out.add(Arguments.of("ssh-ed25519", "ssh-rsa", "rsa-sha2-256"));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} key, {1} CA with {2}")
    @MethodSource("ourKeyAndCaTypes")
    void sshKeygenAcceptsCertificatesWeSign(String keyType, String caType, String caAlg) throws Exception {
        KeyPair key = TestKeys.of(keyType);
        KeyPair ca = ourCa(caType);
        long now = Instant.now().getEpochSecond();
        Map<String, String> critical = new LinkedHashMap<>();
        critical.put("source-address", "10.0.0.0/8,::1/128");
        critical.put("force-command", "echo hello world");
        Map<String, String> extensions = new LinkedHashMap<>();
        extensions.put("permit-pty", "");
        extensions.put("permit-X11-forwarding", "");
        extensions.put("custom@example.com", "some value");
        extensions.put("flag@example.com", "");
        OpenSshCertificate cert = OpenSshCertificate.sign(key.getPublic(), OpenSshCertificate.Type.USER, 0x1234_5678_9abcL,
                "tether-test", List.of("alice", "bob", "carol"), now - 60, now + 3600, critical, extensions,
                ca.getPublic(), ca.getPrivate(), caAlg);
        assertEquals(caAlg, cert.signatureAlgorithm());
        assertEquals(List.of("force-command", "source-address"), List.copyOf(cert.criticalOptions().keySet()));
        assertEquals(List.of("custom@example.com", "flag@example.com", "permit-X11-forwarding", "permit-pty"),
                List.copyOf(cert.extensions().keySet()), "sorted by name, as bytes");

        Path certFile = dir.resolve("ours-cert.pub");
        Files.writeString(certFile, cert.toLine("ours@tether") + "\n", StandardCharsets.US_ASCII);
        assertMatchesKeygenList(cert, certFile);
        Map<String, List<String>> l = keygenList(certFile);
        assertEquals(List.of("\"tether-test\""), l.get("Key ID"));
        assertEquals(List.of("20015998343868"), l.get("Serial"));
        assertEquals(List.of("force-command echo hello world", "source-address 10.0.0.0/8,::1/128"), l.get("Critical Options"));

        // ssh-keygen checks the CA signature on load: a tampered certificate is refused
        byte[] tampered = cert.encoded();
        tampered[indexOf(tampered, "tether-test".getBytes(StandardCharsets.US_ASCII))] = 'T';
        Files.writeString(certFile, cert.keyType() + " " + Base64.getEncoder().encodeToString(tampered) + "\n");
        assertNotEquals(0, keygenUtc("-L", "-f", certFile.toString()).exitCode(), "tampered certificate refused");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ssh-ed25519", "ecdsa-sha2-nistp521", "ssh-rsa"})
    void sshKeygenAcceptsHostCertificatesWeSign(String type) throws Exception {
        KeyPair key = TestKeys.of(type);
        KeyPair ca = ourCa("ssh-ed25519");
        OpenSshCertificate cert = OpenSshCertificate.sign(key.getPublic(), OpenSshCertificate.Type.HOST, 7, "host-id",
                List.of("localhost", "127.0.0.1"), 0, OpenSshCertificate.FOREVER, Map.of(), Map.of(),
                ca.getPublic(), ca.getPrivate(), "ssh-ed25519");
        Path certFile = dir.resolve("host-cert.pub");
        Files.writeString(certFile, cert.toLine(null) + "\n", StandardCharsets.US_ASCII);
        assertMatchesKeygenList(cert, certFile);
        Map<String, List<String>> l = keygenList(certFile);
        assertEquals(List.of(cert.keyType() + " host certificate"), l.get("Type"));
        assertEquals(List.of("forever"), l.get("Valid"));
        assertEquals(List.of(), l.get("Critical Options"));
        assertEquals(List.of(), l.get("Extensions"));

        assertDoesNotThrow(() -> cert.validate(OpenSshCertificate.Type.HOST, "localhost", Instant.now(),
                List.of(SignatureAlgorithms.encodePublicKey(ca.getPublic()))));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
