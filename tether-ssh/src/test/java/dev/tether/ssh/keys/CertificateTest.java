package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OpenSSH certificates without ssh-keygen: round trips, strict parsing, validation rules, algorithm names. */
class CertificateTest {
    private static final long NOW = 1_800_000_000L;
    private static final Instant NOW_INSTANT = Instant.ofEpochSecond(NOW);
    private static final byte[] DATA = "data".getBytes(StandardCharsets.US_ASCII);
    private static final List<String> TYPES = List.of(
            "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa");

    private static KeyPair ca() {
        return TestKeys.of("ecdsa-sha2-nistp256");
    }

    private static List<byte[]> trusted() {
        return List.of(SignatureAlgorithms.encodePublicKey(ca().getPublic()));
    }

    private static OpenSshCertificate userCert(List<String> principals, long after, long before,
                                               Map<String, String> critical) throws SshException {
        KeyPair key = TestKeys.of("ssh-ed25519");
        return OpenSshCertificate.sign(key.getPublic(), OpenSshCertificate.Type.USER, 1, "id", principals, after, before,
                critical, Map.of("permit-pty", ""), ca().getPublic(), ca().getPrivate(), "ecdsa-sha2-nistp256");
    }

    static Stream<Arguments> keyAndCaTypes() {
        List<Arguments> out = new ArrayList<>();
        for (String key : TYPES) {
            for (String ca : TYPES) {
                out.add(Arguments.of(key, ca, ca.equals("ssh-rsa") ? "rsa-sha2-512" : ca));
            }
        }
        out.add(Arguments.of("ssh-rsa", "ssh-rsa", "rsa-sha2-256"));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} key, {1} CA with {2}")
    @MethodSource("keyAndCaTypes")
    void signParseRoundTrip(String keyType, String caType, String caAlg) throws Exception {
        KeyPair key = TestKeys.of(keyType);
        KeyPair ca = TestKeys.of(caType);
        Map<String, String> critical = Map.of("source-address", "192.0.2.0/24", "force-command", "ls -l");
        Map<String, String> ext = Map.of("permit-pty", "", "permit-agent-forwarding", "", "x@example.com", "v");
        OpenSshCertificate c = OpenSshCertificate.sign(key.getPublic(), OpenSshCertificate.Type.USER, -2L, "key id \u00e9",
                List.of("alice", "b\u00f6b"), NOW - 10, NOW + 10, critical, ext, ca.getPublic(), ca.getPrivate(), caAlg);
        OpenSshCertificate p = OpenSshCertificate.parse(c.encoded());
        assertEquals(c, p);
        assertEquals(c.hashCode(), p.hashCode());
        assertEquals(keyType + "-cert-v01@openssh.com", p.keyType());
        assertEquals(key.getPublic(), p.publicKey());
        assertArrayEquals(SignatureAlgorithms.encodePublicKey(key.getPublic()), p.publicKeyBlob());
        assertEquals(-2L, p.serial(), "serial is a full uint64");
        assertEquals("18446744073709551614", Long.toUnsignedString(p.serial()));
        assertEquals(OpenSshCertificate.Type.USER, p.type());
        assertEquals("key id \u00e9", p.keyId());
        assertEquals(List.of("alice", "b\u00f6b"), p.principals());
        assertEquals(NOW - 10, p.validAfter());
        assertEquals(NOW + 10, p.validBefore());
        assertEquals(new TreeMap<>(critical), p.criticalOptions());
        assertEquals(List.of("force-command", "source-address"), List.copyOf(p.criticalOptions().keySet()));
        assertEquals(List.of("permit-agent-forwarding", "permit-pty", "x@example.com"), List.copyOf(p.extensions().keySet()));
        assertEquals("v", p.extensions().get("x@example.com"));
        assertArrayEquals(SignatureAlgorithms.encodePublicKey(ca.getPublic()), p.signatureKey());
        assertEquals(ca.getPublic(), p.caPublicKey());
        assertEquals(caAlg, p.signatureAlgorithm());
        assertTrue(p.verifySignature(false));
        p.validate(OpenSshCertificate.Type.USER, "b\u00f6b", NOW_INSTANT,
                List.of(SignatureAlgorithms.encodePublicKey(ca.getPublic())));
        assertEquals(p, OpenSshCertificate.parseLine(p.toLine("comment with spaces")));
        assertEquals(key.getPublic(), SignatureAlgorithms.decodePublicKey(p.encoded()));

        // the signature covers the body exactly
        assertTrue(SignatureAlgorithms.verify(caAlg, ca.getPublic(), p.signedBody(),
                new SshReader(p.encoded(), p.signedBody().length, p.encoded().length - p.signedBody().length).string()));
    }

    @Test
    void noncesDiffer() throws Exception {
        OpenSshCertificate a = userCert(List.of("a"), 0, OpenSshCertificate.FOREVER, Map.of());
        OpenSshCertificate b = userCert(List.of("a"), 0, OpenSshCertificate.FOREVER, Map.of());
        assertNotEquals(a, b, "a fresh random nonce each time");
    }

    @Test
    void accessorsDoNotExposeInternals() throws Exception {
        OpenSshCertificate c = userCert(List.of("a"), 0, OpenSshCertificate.FOREVER, Map.of());
        c.encoded()[0] ^= 1;
        c.signatureKey()[0] ^= 1;
        c.publicKeyBlob()[0] ^= 1;
        assertTrue(c.verifySignature(false));
        assertThrows(UnsupportedOperationException.class, () -> c.principals().add("b"));
        assertThrows(UnsupportedOperationException.class, () -> c.extensions().put("b", ""));
        assertThrows(UnsupportedOperationException.class, () -> c.criticalOptions().clear());
    }

    // ---------------------------------------------------------------- validation

    @Test
    void validityWindowIsHalfOpenAndUnsigned() throws Exception {
        OpenSshCertificate c = userCert(List.of("alice"), NOW, NOW + 100, Map.of());
        c.validate(OpenSshCertificate.Type.USER, "alice", NOW_INSTANT, trusted());
        c.validate(OpenSshCertificate.Type.USER, "alice", Instant.ofEpochSecond(NOW + 99), trusted());
        SshException e = assertThrows(SshException.class,
                () -> c.validate(OpenSshCertificate.Type.USER, "alice", Instant.ofEpochSecond(NOW + 100), trusted()));
        assertEquals("certificate expired at 2027-01-15T08:01:40Z, now is 2027-01-15T08:01:40Z", e.getMessage());
        e = assertThrows(SshException.class,
                () -> c.validate(OpenSshCertificate.Type.USER, "alice", Instant.ofEpochSecond(NOW - 1), trusted()));
        assertEquals("certificate is not yet valid: valid from 2027-01-15T08:00:00Z, now is 2027-01-15T07:59:59Z",
                e.getMessage());

        // valid before beyond 2^63 is in the far future, not negative
        OpenSshCertificate far = userCert(List.of("alice"), 0, 0x8000_0000_0000_0000L, Map.of());
        far.validate(OpenSshCertificate.Type.USER, "alice", NOW_INSTANT, trusted());
        OpenSshCertificate forever = userCert(List.of("alice"), 0, OpenSshCertificate.FOREVER, Map.of());
        forever.validate(OpenSshCertificate.Type.USER, "alice", Instant.MAX, trusted());
        forever.validate(OpenSshCertificate.Type.USER, "alice", Instant.ofEpochSecond(-5), trusted());
        // and valid after beyond 2^63 is not yet
        OpenSshCertificate late = userCert(List.of("alice"), 0x8000_0000_0000_0000L, OpenSshCertificate.FOREVER, Map.of());
        e = assertThrows(SshException.class,
                () -> late.validate(OpenSshCertificate.Type.USER, "alice", Instant.MAX, trusted()));
        assertEquals("certificate is not yet valid: valid from 9223372036854775808 (seconds since the epoch), now is "
                + Instant.MAX.truncatedTo(java.time.temporal.ChronoUnit.SECONDS), e.getMessage());

        assertThrows(SshException.class, () -> userCert(List.of("alice"), NOW, NOW, Map.of()), "empty window refused");
        assertThrows(SshException.class, () -> userCert(List.of("alice"), -1L, 5, Map.of()), "unsigned comparison");
    }

    @Test
    void principals() throws Exception {
        OpenSshCertificate c = userCert(List.of("alice"), 0, OpenSshCertificate.FOREVER, Map.of());
        SshException e = assertThrows(SshException.class,
                () -> c.validate(OpenSshCertificate.Type.USER, "bob", NOW_INSTANT, trusted()));
        assertEquals("principal 'bob' not in certificate principals [alice]", e.getMessage());
        assertThrows(SshException.class, () -> c.validate(OpenSshCertificate.Type.USER, "Alice", NOW_INSTANT, trusted()));
        assertThrows(SshException.class, () -> c.validate(OpenSshCertificate.Type.USER, "", NOW_INSTANT, trusted()));
        c.validate(OpenSshCertificate.Type.USER, null, NOW_INSTANT, trusted());

        OpenSshCertificate any = userCert(List.of(), 0, OpenSshCertificate.FOREVER, Map.of());
        any.validate(OpenSshCertificate.Type.USER, "whoever", NOW_INSTANT, trusted());

        OpenSshCertificate hostile = userCert(List.of("a\nb"), 0, OpenSshCertificate.FOREVER, Map.of());
        e = assertThrows(SshException.class,
                () -> hostile.validate(OpenSshCertificate.Type.USER, "x\ty", NOW_INSTANT, trusted()));
        assertEquals("principal 'x?y' not in certificate principals [a?b]", e.getMessage(), "control characters masked");
    }

    @Test
    void criticalOptions() throws Exception {
        for (String known : List.of("force-command", "source-address", "verify-required")) {
            userCert(List.of(), 0, OpenSshCertificate.FOREVER, Map.of(known, known.equals("verify-required") ? "" : "x"))
                    .validate(OpenSshCertificate.Type.USER, "u", NOW_INSTANT, trusted());
        }
        OpenSshCertificate c = userCert(List.of(), 0, OpenSshCertificate.FOREVER,
                Map.of("force-command", "true", "no-such-option@example.com", ""));
        assertTrue(c.verifySignature(false));
        SshException e = assertThrows(SshException.class,
                () -> c.validate(OpenSshCertificate.Type.USER, "u", NOW_INSTANT, trusted()));
        assertEquals("certificate has an unsupported critical option 'no-such-option@example.com' and must be refused",
                e.getMessage());
        // an unknown extension is fine
        OpenSshCertificate.sign(TestKeys.of("ssh-ed25519").getPublic(), OpenSshCertificate.Type.USER, 0, "", List.of(), 0,
                        OpenSshCertificate.FOREVER, Map.of(), Map.of("whatever@example.com", "x"), ca().getPublic(),
                        ca().getPrivate(), null)
                .validate(OpenSshCertificate.Type.USER, "u", NOW_INSTANT, trusted());
    }

    @Test
    void caTrustAndSignature() throws Exception {
        OpenSshCertificate c = userCert(List.of(), 0, OpenSshCertificate.FOREVER, Map.of());
        List<byte[]> others = new ArrayList<>();
        others.add(SignatureAlgorithms.encodePublicKey(TestKeys.of("ecdsa-sha2-nistp384").getPublic()));
        others.add(null);
        SshException e = assertThrows(SshException.class,
                () -> c.validate(OpenSshCertificate.Type.USER, "u", NOW_INSTANT, others));
        assertTrue(e.getMessage().startsWith("certificate is signed by an untrusted CA ecdsa-sha2-nistp256 SHA256:"),
                e.getMessage());
        // the certified key is not its own CA
        List<byte[]> self = List.of(c.publicKeyBlob());
        assertThrows(SshException.class, () -> c.validate(OpenSshCertificate.Type.USER, "u", NOW_INSTANT, self));

        // the CA private key must belong to the CA public key
        KeyPair key = TestKeys.of("ssh-ed25519");
        e = assertThrows(SshException.class, () -> OpenSshCertificate.sign(key.getPublic(), OpenSshCertificate.Type.USER,
                0, "", List.of(), 0, OpenSshCertificate.FOREVER, Map.of(), Map.of(), ca().getPublic(),
                SignatureAlgorithms.generate("ecdsa-sha2-nistp256", 0).getPrivate(), null));
        assertEquals("the CA private key does not belong to the CA public key", e.getMessage());
        // and fit the signature algorithm
        assertThrows(SshException.class, () -> OpenSshCertificate.sign(key.getPublic(), OpenSshCertificate.Type.USER,
                0, "", List.of(), 0, OpenSshCertificate.FOREVER, Map.of(), Map.of(), ca().getPublic(),
                ca().getPrivate(), "ssh-ed25519"));
    }

    @Test
    void sha1CaSignature() throws Exception {
        KeyPair rsa = TestKeys.of("ssh-rsa");
        OpenSshCertificate c = OpenSshCertificate.sign(TestKeys.of("ssh-ed25519").getPublic(), OpenSshCertificate.Type.HOST,
                0, "h", List.of("h"), 0, OpenSshCertificate.FOREVER, Map.of(), Map.of(), rsa.getPublic(), rsa.getPrivate(),
                "ssh-rsa");
        assertEquals("ssh-rsa", c.signatureAlgorithm());
        assertThrows(SshException.class, () -> c.verifySignature(false));
        assertTrue(c.verifySignature(true));
        List<byte[]> t = List.of(SignatureAlgorithms.encodePublicKey(rsa.getPublic()));
        assertThrows(SshException.class, () -> c.validate(OpenSshCertificate.Type.HOST, "h", NOW_INSTANT, t));
        c.validate(OpenSshCertificate.Type.HOST, "h", NOW_INSTANT, t, true);
    }

    // ---------------------------------------------------------------- strict parsing

    /** A certificate assembled field by field, with a signature that need not verify. */
    private static final class Raw {
        String keyType = "ssh-ed25519-cert-v01@openssh.com";
        byte[] keyFields;
        long type = 1;
        byte[] keyId = "id".getBytes(StandardCharsets.UTF_8);
        byte[] principals = new SshWriter().string("alice").toByteArray();
        byte[] critical = new byte[0];
        byte[] extensions = new byte[0];
        byte[] caKey = SignatureAlgorithms.encodePublicKey(TestKeys.of("ssh-ed25519").getPublic());
        byte[] signature = new SshWriter().string("ssh-ed25519").string(new byte[64]).toByteArray();
        byte[] trailing = new byte[0];

        Raw() throws SshException {
            // a valid Ed25519 point: the CA's own key
            SshReader r = new SshReader(caKey);
            r.ascii();
            keyFields = r.rest();
        }

        byte[] bytes() {
            return new SshWriter().string(keyType).string(new byte[32]).raw(keyFields).uint64(5).uint32(type)
                    .string(keyId).string(principals).uint64(0).uint64(-1L).string(critical).string(extensions)
                    .string(new byte[0]).string(caKey).string(signature).raw(trailing).toByteArray();
        }
    }

    private static byte[] options(String... nameValue) {
        SshWriter w = new SshWriter();
        for (int i = 0; i < nameValue.length; i += 2) {
            w.string(nameValue[i]);
            w.string(nameValue[i + 1].isEmpty() ? new byte[0] : new SshWriter().string(nameValue[i + 1]).toByteArray());
        }
        return w.toByteArray();
    }

    private static String parseError(Raw raw) {
        return assertThrows(SshException.class, () -> OpenSshCertificate.parse(raw.bytes())).getMessage();
    }

    @Test
    void rawBuilderMakesAParsableCertificate() throws Exception {
        Raw raw = new Raw();
        raw.critical = options("force-command", "x", "source-address", "y");
        raw.extensions = options("a", "", "b", "");
        OpenSshCertificate c = OpenSshCertificate.parse(raw.bytes());
        assertEquals(5, c.serial());
        assertFalse(c.verifySignature(false), "zero signature");
    }

    @Test
    void refusesMalformedCertificates() throws Exception {
        Raw raw = new Raw();
        raw.trailing = new byte[] {0};
        assertEquals("invalid certificate: certificate has 1 unexpected trailing bytes", parseError(raw));

        raw = new Raw();
        raw.type = 3;
        assertEquals("invalid certificate: unknown certificate type 3 (1 is user, 2 is host)", parseError(raw));
        raw.type = 0;
        assertTrue(parseError(raw).contains("unknown certificate type 0"));

        raw = new Raw();
        raw.keyType = "ssh-dss-cert-v01@openssh.com";
        assertTrue(parseError(raw).contains("unknown certificate key type \"ssh-dss-cert-v01@openssh.com\""));
        raw.keyType = "ssh-ed25519";
        assertTrue(parseError(raw).contains("unknown certificate key type"));
        raw.keyType = "rsa-sha2-256-cert-v01@openssh.com"; // an algorithm name, not a key type
        assertTrue(parseError(raw).contains("unknown certificate key type"));

        raw = new Raw();
        raw.critical = options("source-address", "x", "force-command", "y");
        assertEquals("invalid certificate: critical options are not in lexical order: \"force-command\" follows "
                + "\"source-address\"", parseError(raw));
        raw.critical = options("force-command", "x", "force-command", "y");
        assertEquals("invalid certificate: critical option \"force-command\" appears twice", parseError(raw));
        raw = new Raw();
        raw.extensions = options("permit-pty", "", "permit-X11-forwarding", "");
        assertTrue(parseError(raw).contains("extensions are not in lexical order"));
        raw.extensions = options("b", "", "b", "");
        assertTrue(parseError(raw).contains("extension \"b\" appears twice"));
        raw.extensions = options("", "");
        assertTrue(parseError(raw).contains("empty extension name"));
        // byte order, not UTF-16 order: U+FF01 (EF BC 81) sorts before U+1F600 (F0 9F 98 80)
        raw.extensions = options("\uFF01", "", "\uD83D\uDE00", "");
        OpenSshCertificate.parse(raw.bytes());
        raw.extensions = options("\uD83D\uDE00", "", "\uFF01", "");
        assertTrue(parseError(raw).contains("not in lexical order"));

        // option data: empty, or exactly one string
        raw = new Raw();
        raw.critical = new SshWriter().string("force-command").string(new SshWriter().string("x").uint32(0).toByteArray())
                .toByteArray();
        assertTrue(parseError(raw).contains("critical option \"force-command\" data has 4 unexpected trailing bytes"));
        raw.critical = new SshWriter().string("force-command").string(new byte[] {0, 0, 0, 9, 'x'}).toByteArray();
        assertTrue(parseError(raw).contains("truncated"));
        raw.critical = new SshWriter().string("force-command").toByteArray();
        assertTrue(parseError(raw).contains("truncated"), "name without data");

        raw = new Raw();
        raw.keyId = "a\0b".getBytes(StandardCharsets.UTF_8);
        assertEquals("invalid certificate: key id contains a NUL byte", parseError(raw));
        raw.keyId = new byte[] {(byte) 0xc3};
        assertTrue(parseError(raw).contains("key id: string is not valid UTF-8"));

        raw = new Raw();
        SshWriter many = new SshWriter();
        for (int i = 0; i < 257; i++) {
            many.string("p" + i);
        }
        raw.principals = many.toByteArray();
        assertEquals("invalid certificate: more than 256 principals", parseError(raw));
        raw.principals = new byte[] {0, 0, 0, 5, 'a'};
        assertTrue(parseError(raw).contains("truncated"));

        // the CA key must be a plain key, not a certificate
        raw = new Raw();
        raw.caKey = userCert(List.of(), 0, OpenSshCertificate.FOREVER, Map.of()).encoded();
        assertTrue(parseError(raw).contains("CA key is itself a certificate"), parseError(raw));
        raw.caKey = new SshWriter().string("ssh-dss").toByteArray();
        assertTrue(parseError(raw).contains("CA key: invalid public key blob"));

        // an invalid certified key
        raw = new Raw();
        raw.keyFields = new SshWriter().string(new byte[31]).toByteArray();
        assertTrue(parseError(raw).startsWith("invalid certificate: certified key: invalid public key blob"));
        raw = new Raw();
        raw.keyType = "ecdsa-sha2-nistp256-cert-v01@openssh.com";
        raw.keyFields = new SshWriter().string("nistp384").string(new byte[65]).toByteArray();
        assertTrue(parseError(raw).contains("names curve \"nistp384\""));

        // the signature blob: well formed, named with a plain algorithm
        raw = new Raw();
        raw.signature = new SshWriter().string("ssh-ed25519").toByteArray();
        assertTrue(parseError(raw).contains("truncated"));
        raw.signature = new SshWriter().string("ssh-ed25519").string(new byte[64]).byteValue(0).toByteArray();
        assertTrue(parseError(raw).contains("certificate signature has 1 unexpected trailing bytes"));
        raw.signature = new SshWriter().string("ssh-ed25519-cert-v01@openssh.com").string(new byte[64]).toByteArray();
        assertTrue(parseError(raw).contains("certificate signature names a certificate algorithm"));

        // truncation anywhere
        byte[] good = new Raw().bytes();
        for (int cut = 0; cut < good.length; cut++) {
            byte[] shorter = java.util.Arrays.copyOf(good, cut);
            assertThrows(SshException.class, () -> OpenSshCertificate.parse(shorter), "cut at " + cut);
        }
        assertThrows(SshException.class, () -> OpenSshCertificate.parse(null));
    }

    @Test
    void unsupportedSignatureAlgorithmIsAnError() throws Exception {
        Raw raw = new Raw();
        raw.signature = new SshWriter().string("ssh-dss").string(new byte[40]).toByteArray();
        OpenSshCertificate c = OpenSshCertificate.parse(raw.bytes());
        assertThrows(SshException.class, () -> c.verifySignature(true));
        raw.signature = new SshWriter().string("rsa-sha2-512").string(new byte[256]).toByteArray();
        OpenSshCertificate mismatch = OpenSshCertificate.parse(raw.bytes());
        assertThrows(SshException.class, () -> mismatch.verifySignature(true), "an RSA signature from an Ed25519 CA");
    }

    @Test
    void parseLine() throws Exception {
        OpenSshCertificate c = userCert(List.of(), 0, OpenSshCertificate.FOREVER, Map.of());
        String line = c.toLine("x");
        assertEquals(c, OpenSshCertificate.parseLine(line));
        assertEquals(c, OpenSshCertificate.parseLine(c.toLine(null) + "\n"));
        assertThrows(SshException.class, () -> OpenSshCertificate.parseLine("ssh-rsa-cert-v01@openssh.com"
                + line.substring(line.indexOf(' '))));
        assertThrows(SshException.class, () -> OpenSshCertificate.parseLine(c.keyType() + " !!!"));
        assertThrows(SshException.class, () -> OpenSshCertificate.parseLine(""));
        assertThrows(IllegalArgumentException.class, () -> c.toLine("two\nlines"));
    }

    @Test
    void signRefusesBadInput() throws Exception {
        KeyPair key = TestKeys.of("ssh-ed25519");
        assertThrows(IllegalArgumentException.class, () -> OpenSshCertificate.sign(key.getPublic(),
                OpenSshCertificate.Type.USER, 0, "a\0b", List.of(), 0, -1L, Map.of(), Map.of(), ca().getPublic(),
                ca().getPrivate(), null));
        assertThrows(IllegalArgumentException.class, () -> OpenSshCertificate.sign(key.getPublic(),
                OpenSshCertificate.Type.USER, 0, "", List.of(), 0, -1L, Map.of("", "x"), Map.of(), ca().getPublic(),
                ca().getPrivate(), null));
        List<String> tooMany = new ArrayList<>();
        for (int i = 0; i < 257; i++) {
            tooMany.add("p" + i);
        }
        assertThrows(SshException.class, () -> OpenSshCertificate.sign(key.getPublic(), OpenSshCertificate.Type.USER, 0,
                "", tooMany, 0, -1L, Map.of(), Map.of(), ca().getPublic(), ca().getPrivate(), null));
        assertThrows(NullPointerException.class, () -> OpenSshCertificate.sign(null, OpenSshCertificate.Type.USER, 0,
                "", List.of(), 0, -1L, Map.of(), Map.of(), ca().getPublic(), ca().getPrivate(), null));
    }

    // ---------------------------------------------------------------- SignatureAlgorithms and certificate names

    @Test
    void algorithmNames() {
        assertEquals("ssh-ed25519", SignatureAlgorithms.underlyingAlgorithm("ssh-ed25519-cert-v01@openssh.com"));
        assertEquals("ecdsa-sha2-nistp256", SignatureAlgorithms.underlyingAlgorithm("ecdsa-sha2-nistp256-cert-v01@openssh.com"));
        assertEquals("ecdsa-sha2-nistp384", SignatureAlgorithms.underlyingAlgorithm("ecdsa-sha2-nistp384-cert-v01@openssh.com"));
        assertEquals("ecdsa-sha2-nistp521", SignatureAlgorithms.underlyingAlgorithm("ecdsa-sha2-nistp521-cert-v01@openssh.com"));
        assertEquals("rsa-sha2-512", SignatureAlgorithms.underlyingAlgorithm("rsa-sha2-512-cert-v01@openssh.com"));
        assertEquals("rsa-sha2-256", SignatureAlgorithms.underlyingAlgorithm("rsa-sha2-256-cert-v01@openssh.com"));
        assertEquals("ssh-rsa", SignatureAlgorithms.underlyingAlgorithm("ssh-rsa-cert-v01@openssh.com"));
        for (String plain : SignatureAlgorithms.SUPPORTED) {
            assertEquals(plain, SignatureAlgorithms.underlyingAlgorithm(plain));
        }
        assertEquals("sk-ssh-ed25519-cert-v01@openssh.com",
                SignatureAlgorithms.underlyingAlgorithm("sk-ssh-ed25519-cert-v01@openssh.com"), "unsupported: unchanged");
        assertEquals("ssh-dss", SignatureAlgorithms.underlyingAlgorithm("ssh-dss"));

        assertEquals("ssh-rsa-cert-v01@openssh.com", SignatureAlgorithms.keyType("rsa-sha2-256-cert-v01@openssh.com"));
        assertEquals("ssh-rsa-cert-v01@openssh.com", SignatureAlgorithms.keyType("rsa-sha2-512-cert-v01@openssh.com"));
        assertEquals("ssh-rsa-cert-v01@openssh.com", SignatureAlgorithms.keyType("ssh-rsa-cert-v01@openssh.com"));
        assertEquals("ssh-ed25519-cert-v01@openssh.com", SignatureAlgorithms.keyType("ssh-ed25519-cert-v01@openssh.com"));
        assertEquals("ecdsa-sha2-nistp521-cert-v01@openssh.com",
                SignatureAlgorithms.keyType("ecdsa-sha2-nistp521-cert-v01@openssh.com"));
        assertThrows(IllegalArgumentException.class, () -> SignatureAlgorithms.keyType("ssh-dss-cert-v01@openssh.com"));
        assertThrows(IllegalArgumentException.class, () -> SignatureAlgorithms.keyType("sk-ssh-ed25519-cert-v01@openssh.com"));

        assertEquals(List.of("ssh-ed25519-cert-v01@openssh.com", "ecdsa-sha2-nistp256-cert-v01@openssh.com",
                "ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp521-cert-v01@openssh.com",
                "rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com"),
                SignatureAlgorithms.CERTIFICATE_ALGORITHMS);
        for (String alg : SignatureAlgorithms.CERTIFICATE_ALGORITHMS) {
            assertTrue(OpenSshCertificate.isCertificateAlgorithm(alg), alg);
            assertTrue(SignatureAlgorithms.DEFAULT.contains(SignatureAlgorithms.underlyingAlgorithm(alg)), alg);
        }
        assertTrue(OpenSshCertificate.isCertificateAlgorithm("ssh-rsa-cert-v01@openssh.com"));
        assertFalse(OpenSshCertificate.isCertificateAlgorithm("ssh-ed25519"));
        assertFalse(OpenSshCertificate.isCertificateAlgorithm("ssh-dss-cert-v01@openssh.com"));
        assertFalse(OpenSshCertificate.isCertificateAlgorithm("sk-ssh-ed25519-cert-v01@openssh.com"));
        assertFalse(OpenSshCertificate.isCertificateAlgorithm(null));
    }

    static Stream<Arguments> typesAndAlgorithms() {
        return TestKeys.TYPES_AND_ALGORITHMS.stream().map(a -> Arguments.of(a[0], a[1]));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("typesAndAlgorithms")
    void signAndVerifyUnderCertificateNames(String type, String alg) throws Exception {
        KeyPair kp = TestKeys.of(type);
        String certAlg = alg + "-cert-v01@openssh.com";
        byte[] sig = SignatureAlgorithms.sign(alg, kp.getPrivate(), DATA);
        assertTrue(SignatureAlgorithms.verify(certAlg, kp.getPublic(), DATA, sig));
        byte[] sig2 = SignatureAlgorithms.sign(certAlg, kp.getPrivate(), DATA);
        assertEquals(alg, new SshReader(sig2).ascii(), "the signature blob names the plain algorithm");
        assertTrue(SignatureAlgorithms.verify(alg, kp.getPublic(), DATA, sig2));
        // a blob that names the certificate algorithm is refused
        SshReader r = new SshReader(sig);
        r.ascii();
        byte[] relabelled = new SshWriter().string(certAlg).raw(r.rest()).toByteArray();
        assertThrows(SshException.class, () -> SignatureAlgorithms.verify(certAlg, kp.getPublic(), DATA, relabelled));
    }

    @Test
    void decodePublicKeyOfACertificate() throws Exception {
        OpenSshCertificate c = userCert(List.of(), 0, OpenSshCertificate.FOREVER, Map.of());
        assertEquals(TestKeys.of("ssh-ed25519").getPublic(), SignatureAlgorithms.decodePublicKey(c.encoded()));
        byte[] trailing = new SshWriter().raw(c.encoded()).byteValue(1).toByteArray();
        SshException e = assertThrows(SshException.class, () -> SignatureAlgorithms.decodePublicKey(trailing));
        assertTrue(e.getMessage().startsWith("invalid public key blob: invalid certificate: "), e.getMessage());
    }
}
