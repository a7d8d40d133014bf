package dev.tether.ssh.keys;

import dev.tether.ssh.common.SshException;
import dev.tether.ssh.keys.KnownHosts.Status;
import dev.tether.ssh.keys.KnownHostsEntry.Marker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** known_hosts parsing, host key checks (patterns, ports, hashes, markers) and appending. */
class KnownHostsTest {
    static final byte[] ED = blob("ssh-ed25519");
    static final byte[] ED2 = freshBlob("ssh-ed25519");
    static final byte[] EC256 = blob("ecdsa-sha2-nistp256");
    static final byte[] EC384 = blob("ecdsa-sha2-nistp384");
    static final byte[] RSA = blob("ssh-rsa");

    @TempDir
    Path dir;

    static byte[] blob(String type) {
        return SignatureAlgorithms.encodePublicKey(TestKeys.of(type).getPublic());
    }

    static byte[] freshBlob(String type) {
        try {
            return SignatureAlgorithms.encodePublicKey(SignatureAlgorithms.generate(type, 2048).getPublic());
        } catch (SshException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code type base64} of a blob. */
    static String key(byte[] blob) {
        try {
            return KnownHostsEntry.blobType(blob) + " " + Base64.getEncoder().encodeToString(blob);
        } catch (SshException e) {
            throw new IllegalStateException(e);
        }
    }

    static KnownHosts parse(String... lines) throws SshException {
        return KnownHosts.parse("kh", String.join("\n", lines) + "\n", true);
    }

    // ------------------------------------------------------------------ parsing

    @Test
    void parsesLinesCommentsAndMarkers() throws Exception {
        KnownHosts kh = KnownHosts.parse("kh", String.join("\r\n",
                "# a comment",
                "",
                "   ",
                "host1,192.0.2.1 " + key(ED) + " my comment with  spaces  ",
                "\t[host2]:2222 " + key(EC256),
                "  # indented comment",
                "@cert-authority *.example.com " + key(ED2) + " the CA",
                "@revoked * " + key(RSA)) + "\r\n", true);
        List<KnownHostsEntry> e = kh.entries();
        assertEquals(4, e.size());
        assertEquals(4, e.get(0).line());
        assertEquals("host1,192.0.2.1", e.get(0).hosts());
        assertEquals("ssh-ed25519", e.get(0).keyType());
        assertArrayEquals(ED, e.get(0).blob());
        assertEquals("my comment with  spaces", e.get(0).comment());
        assertEquals(Marker.NONE, e.get(0).marker());
        assertEquals("kh:4", e.get(0).location());
        assertEquals(5, e.get(1).line());
        assertEquals("", e.get(1).comment());
        assertEquals(Marker.CERT_AUTHORITY, e.get(2).marker());
        assertEquals("*.example.com", e.get(2).hosts());
        assertEquals("the CA", e.get(2).comment());
        assertEquals(Marker.REVOKED, e.get(3).marker());
        assertEquals(8, e.get(3).line());
        assertTrue(kh.errors().isEmpty());
        assertEquals("host1,192.0.2.1 " + key(ED) + " my comment with  spaces", e.get(0).toLine());
        assertEquals("@revoked * " + key(RSA), e.get(3).toLine());
        assertEquals(SignatureAlgorithms.fingerprint(ED), e.get(0).fingerprint());
    }

    @Test
    void keepsKeysOfTypesWeDoNotImplementAsOpaqueBlobs() throws Exception {
        byte[] dss = new dev.tether.ssh.common.SshWriter(64).string("ssh-dss").string(new byte[] {1, 2, 3}).toByteArray();
        KnownHosts kh = parse("old " + key(dss));
        assertEquals("ssh-dss", kh.entries().get(0).keyType());
        assertEquals(Status.MATCH, kh.check("old", 22, "ssh-dss", dss).status());
    }

    @Test
    void strictParsingNamesEveryBadLine() {
        String bad = String.join("\n",
                "good " + key(ED),
                "@foo host " + key(ED),
                "hostonly",
                "host ssh-ed25519",
                "host ssh-foo AAAA",
                "host ssh-ed25519 !!!notbase64",
                "host ssh-rsa " + Base64.getEncoder().encodeToString(ED),
                "|1|abc|def " + key(ED),
                "|1|" + Base64.getEncoder().encodeToString(new byte[19]) + "|" + Base64.getEncoder().encodeToString(new byte[20]) + " " + key(ED),
                "@cert-authority",
                "host ssh-ed25519 " + Base64.getEncoder().encodeToString(new byte[] {0, 0, 0, 11, 's', 's', 'h'}),
                "also-good " + key(ED2));
        SshException e = assertThrows(SshException.class, () -> KnownHosts.parse("/x/known_hosts", bad, true));
        for (int line = 2; line <= 11; line++) {
            assertTrue(e.getMessage().contains("/x/known_hosts:" + line + ": "), "names line " + line + ": " + e.getMessage());
        }
        assertFalse(e.getMessage().contains("known_hosts:1:"));
        assertFalse(e.getMessage().contains("known_hosts:12:"));
        assertTrue(e.getMessage().startsWith("10 invalid lines in known_hosts"), e.getMessage());
        assertEquals(9, e.getSuppressed().length);
        assertTrue(e.getMessage().contains("invalid marker"));
        assertTrue(e.getMessage().contains("unknown key type \"ssh-foo\""));
        assertTrue(e.getMessage().contains("does not match the blob's type"));
    }

    @Test
    void lenientParsingSkipsBadLinesAndKeepsTheRest() throws Exception {
        KnownHosts kh = KnownHosts.parse("kh", "good " + key(ED) + "\nbad ssh-ed25519 ???\nalso " + key(EC256), false);
        assertEquals(2, kh.entries().size());
        assertEquals(1, kh.errors().size());
        assertTrue(kh.errors().get(0).getMessage().startsWith("kh:2: "), kh.errors().get(0).getMessage());
        assertEquals(3, kh.entries().get(1).line());
    }

    @Test
    void loadsSeveralFilesSkippingMissingOnes() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Files.writeString(a, "host " + key(ED) + "\nbroken line\n");
        Files.writeString(b, "# nothing\nhost " + key(EC256) + "\n");
        KnownHosts kh = KnownHosts.load(a, dir.resolve("missing"), b);
        assertEquals(2, kh.entries().size());
        assertEquals(a + ":1", kh.entries().get(0).location());
        assertEquals(b + ":2", kh.entries().get(1).location());
        assertEquals(a, kh.entries().get(0).file());
        assertEquals(1, kh.errors().size());
        assertTrue(kh.errors().get(0).getMessage().startsWith(a + ":2: "));
        SshException e = assertThrows(SshException.class, () -> KnownHosts.loadStrict(a, b));
        assertTrue(e.getMessage().contains(a + ":2: "), e.getMessage());
        assertTrue(KnownHosts.load(dir.resolve("none")).entries().isEmpty());
    }

    // ------------------------------------------------------------------ host matching

    @Test
    void hostKeyNameFollowsOpenSsh() {
        assertEquals("host.example.com", KnownHosts.hostKeyName("Host.Example.COM", 22));
        assertEquals("host", KnownHosts.hostKeyName("host", 0));
        assertEquals("[host]:2222", KnownHosts.hostKeyName("HOST", 2222));
        assertEquals("[::1]:2222", KnownHosts.hostKeyName("::1", 2222));
        assertEquals("192.0.2.1", KnownHosts.hostKeyName("192.0.2.1", 22));
    }

    @Test
    void matchesByNamePatternAndCase() throws Exception {
        KnownHosts kh = parse(
                "exact.example.com,192.0.2.10 " + key(ED),
                "*.wild.example.com,!bad.wild.example.com " + key(EC256),
                "host?.example.org " + key(RSA));
        assertEquals(Status.MATCH, kh.check("exact.example.com", 22, "ssh-ed25519", ED).status());
        assertEquals(Status.MATCH, kh.check("EXACT.Example.com", 22, "ssh-ed25519", ED).status());
        assertEquals(Status.MATCH, kh.check("192.0.2.10", 22, "ssh-ed25519", ED).status());
        assertEquals(Status.MATCH, kh.check("a.wild.example.com", 22, "ecdsa-sha2-nistp256", EC256).status());
        assertEquals(Status.UNKNOWN, kh.check("bad.wild.example.com", 22, "ecdsa-sha2-nistp256", EC256).status(),
                "negated pattern");
        assertEquals(Status.UNKNOWN, kh.check("wild.example.com", 22, "ecdsa-sha2-nistp256", EC256).status());
        assertEquals(Status.MATCH, kh.check("host7.example.org", 22, "rsa-sha2-512", RSA).status(),
                "an rsa-sha2-512 host key is an ssh-rsa key");
        assertEquals(Status.UNKNOWN, kh.check("host77.example.org", 22, "rsa-sha2-256", RSA).status());
        KnownHosts.Result r = kh.check("exact.example.com", 22, "ssh-ed25519", ED);
        assertEquals("exact.example.com", r.hostKeyName());
        assertEquals("ED25519", r.keyType());
        assertEquals(1, r.entry().line());
        assertNull(r.certificateNote());
        assertTrue(r.message().contains("is known and matches the ED25519 host key (at kh:1)"), r.message());
    }

    @Test
    void nonStandardPortsUseTheBracketForm() throws Exception {
        KnownHosts kh = parse(
                "[alt.example.com]:2222 " + key(ED),
                "plain.example.com " + key(ED),
                "[*.any.example.com]:2200 " + key(ED),
                "[v6]:22 " + key(ED));
        assertEquals(Status.MATCH, kh.check("alt.example.com", 2222, "ssh-ed25519", ED).status());
        assertEquals(Status.UNKNOWN, kh.check("alt.example.com", 22, "ssh-ed25519", ED).status());
        assertEquals(Status.UNKNOWN, kh.check("alt.example.com", 2223, "ssh-ed25519", ED).status());
        assertEquals(Status.UNKNOWN, kh.check("plain.example.com", 2222, "ssh-ed25519", ED).status(),
                "a port-22 entry does not cover other ports");
        assertEquals(Status.MATCH, kh.check("plain.example.com", 0, "ssh-ed25519", ED).status(), "port 0 is the default");
        assertEquals(Status.MATCH, kh.check("x.any.example.com", 2200, "ssh-ed25519", ED).status());
        assertEquals(Status.UNKNOWN, kh.check("v6", 22, "ssh-ed25519", ED).status(),
                "port 22 is looked up without brackets, as OpenSSH does");
        assertEquals("[alt.example.com]:2222", kh.check("alt.example.com", 2222, "ssh-ed25519", ED).hostKeyName());
    }

    @Test
    void hashedNamesMatchByHmac() throws Exception {
        byte[] salt = new byte[20];
        for (int i = 0; i < salt.length; i++) {
            salt[i] = (byte) i;
        }
        String hashed = KnownHostsEntry.hashedName(salt, "secret.example.com");
        String hashedPort = KnownHostsEntry.hashedName(salt, "[secret.example.com]:2022");
        KnownHosts kh = parse(hashed + " " + key(ED), hashedPort + " " + key(EC256));
        assertTrue(kh.entries().get(0).isHashed());
        assertFalse(hashed.contains("secret"));
        assertEquals(Status.MATCH, kh.check("secret.example.com", 22, "ssh-ed25519", ED).status());
        assertEquals(Status.MATCH, kh.check("Secret.Example.com", 22, "ssh-ed25519", ED).status(), "hashes the lower-cased name");
        assertEquals(Status.UNKNOWN, kh.check("other.example.com", 22, "ssh-ed25519", ED).status());
        assertEquals(Status.MATCH, kh.check("secret.example.com", 2022, "ecdsa-sha2-nistp256", EC256).status());
        assertEquals(Status.UNKNOWN, kh.check("secret.example.com", 2022, "ssh-ed25519", ED).status());
    }

    @Test
    void hashOfAKnownVector() {
        // HMAC-SHA1 with an all-zero 20-byte key over "localhost", computed independently
        // (python3 -c 'import hmac,hashlib;print(hmac.new(bytes(20),b"localhost",hashlib.sha1).hexdigest())')
        assertArrayEquals(TestKeys.hex("9ceea20ff367a85e81b80c6c4958dbb4acc92484"),
                KnownHostsEntry.hmacSha1(new byte[20], "localhost"));
    }

    // ------------------------------------------------------------------ outcomes

    @Test
    void aDifferentKeyOfTheSameTypeIsAMismatch() throws Exception {
        KnownHosts kh = parse(
                "# header",
                "server.example.com " + key(ED),
                "server.example.com " + key(EC256));
        KnownHosts.Result r = kh.check("server.example.com", 22, "ssh-ed25519", ED2);
        assertEquals(Status.MISMATCH, r.status());
        assertEquals(1, r.entries().size());
        assertEquals("kh:2", r.entry().location());
        String m = r.message();
        assertTrue(m.contains("WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!"), m);
        assertTrue(m.contains("The fingerprint for the ED25519 key sent by the remote host is\n"
                + SignatureAlgorithms.fingerprint(ED2) + "."), m);
        assertTrue(m.contains("Offending ED25519 key in kh:2"), m);
        assertTrue(m.contains(SignatureAlgorithms.fingerprint(ED)), "known key's fingerprint: " + m);
        assertTrue(m.contains("ssh-keygen -f 'kh' -R 'server.example.com'"), m);
        assertFalse(m.contains(SignatureAlgorithms.fingerprint(EC256)), "other types are not offending");
    }

    @Test
    void anEqualKeyOnAnyMatchingLineWins() throws Exception {
        KnownHosts kh = parse(
                "*.example.com " + key(ED2),
                "server.example.com " + key(ED));
        assertEquals(Status.MATCH, kh.check("server.example.com", 22, "ssh-ed25519", ED).status());
        assertEquals(2, kh.check("server.example.com", 22, "ssh-ed25519", ED).entry().line());
        assertEquals(Status.MISMATCH, kh.check("other.example.com", 22, "ssh-ed25519", ED).status());
    }

    @Test
    void keysOfOtherTypesLeaveTheHostUnknown() throws Exception {
        KnownHosts kh = parse("server " + key(EC256), "server " + key(RSA));
        KnownHosts.Result r = kh.check("server", 22, "ssh-ed25519", ED);
        assertEquals(Status.UNKNOWN, r.status());
        assertEquals(2, r.entries().size());
        assertTrue(r.message().contains("No ED25519 host key is known for server"), r.message());
        assertTrue(r.message().contains("different type are already known"), r.message());
        assertTrue(r.message().contains("kh:1") && r.message().contains("kh:2"), r.message());
        assertEquals(Status.UNKNOWN, kh.check("server", 22, "ecdsa-sha2-nistp384", EC384).status(),
                "ECDSA curves are distinct key types");
        assertArrayEquals(ED, r.plainKey());
        KnownHosts.Result none = parse("other " + key(ED)).check("server", 22, "ssh-ed25519", ED);
        assertEquals(Status.UNKNOWN, none.status());
        assertTrue(none.entries().isEmpty());
        assertFalse(none.message().contains("different type"));
    }

    @Test
    void revokedAlwaysWins() throws Exception {
        KnownHosts kh = parse(
                "server " + key(ED),
                "@revoked * " + key(ED),
                "@revoked other " + key(EC256),
                "server " + key(EC256));
        KnownHosts.Result r = kh.check("server", 22, "ssh-ed25519", ED);
        assertEquals(Status.REVOKED, r.status());
        assertEquals("kh:2", r.entry().location());
        assertTrue(r.message().contains("WARNING: REVOKED HOST KEY DETECTED!"), r.message());
        assertTrue(r.message().contains("kh:2"), r.message());
        assertEquals(Status.MATCH, kh.check("server", 22, "ecdsa-sha2-nistp256", EC256).status(),
                "a @revoked line for another host does not apply");
        assertEquals(Status.REVOKED, kh.check("anything", 22, "ssh-ed25519", ED).status());
    }

    @Test
    void markedLinesAreNotPlainHostKeys() throws Exception {
        KnownHosts kh = parse("@cert-authority server " + key(ED), "@revoked nobody " + key(ED2));
        assertEquals(Status.UNKNOWN, kh.check("server", 22, "ssh-ed25519", ED).status(),
                "a CA key is not accepted as the host key itself");
        assertEquals(Status.UNKNOWN, kh.check("server", 22, "ssh-ed25519", ED2).status(),
                "a CA or revoked line is never a mismatch either");
    }

    @Test
    void lookupFindsEveryApplicableLine() throws Exception {
        KnownHosts kh = parse("a " + key(ED), "b " + key(ED), "@revoked * " + key(ED2), "[a]:2 " + key(ED));
        assertEquals(List.of(1, 3), kh.lookup("A", 22).stream().map(KnownHostsEntry::line).toList());
        assertEquals(List.of(3, 4), kh.lookup("a", 2).stream().map(KnownHostsEntry::line).toList());
    }

    @Test
    void malformedOfferedBlobsAreRefused() throws Exception {
        KnownHosts kh = parse("a " + key(ED));
        assertThrows(SshException.class, () -> kh.check("a", 22, "ssh-ed25519", new byte[] {0, 0, 0, 9}));
    }

    // ------------------------------------------------------------------ writing

    @Test
    void formatsLinesAsSsh() throws Exception {
        assertEquals("host.example.com " + key(ED), KnownHosts.formatLine("Host.Example.com", 22, ED, false));
        assertEquals("[host]:2222 " + key(ED), KnownHosts.formatLine("host", 2222, ED, false));
        String hashed = KnownHosts.formatLine("host", 2222, ED, true);
        assertTrue(hashed.matches("\\|1\\|[A-Za-z0-9+/]{27}=\\|[A-Za-z0-9+/]{27}= ssh-ed25519 .*"), hashed);
        assertFalse(hashed.equals(KnownHosts.formatLine("host", 2222, ED, true)), "a fresh salt each time");
        assertThrows(SshException.class, () -> KnownHosts.formatLine("two words", 22, ED, false));
        assertThrows(SshException.class, () -> KnownHosts.formatLine("a,b", 22, ED, false));
    }

    @Test
    void appendCreatesTheFileAndReadsBack() throws Exception {
        Path f = dir.resolve("sub/dir/known_hosts");
        String line = KnownHosts.append(f, "New.Example.com", 22, ED, false);
        assertEquals("new.example.com " + key(ED), line);
        assertEquals(line + "\n", Files.readString(f));
        if (f.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            String perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(f));
            assertFalse(perms.substring(3).contains("w"), "not group or world writable: " + perms);
            assertTrue(perms.startsWith("rw-"), perms);
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f.getParent())));
        }
        KnownHosts.append(f, "new.example.com", 2222, EC256, true);
        KnownHosts kh = KnownHosts.loadStrict(f);
        assertEquals(2, kh.entries().size());
        assertEquals(Status.MATCH, kh.check("new.example.com", 22, "ssh-ed25519", ED).status());
        assertEquals(Status.MATCH, kh.check("NEW.example.com", 2222, "ecdsa-sha2-nistp256", EC256).status());
        assertTrue(kh.entries().get(1).isHashed());
        assertFalse(Files.readString(f).contains("2222"), "the hashed line hides name and port");
    }

    @Test
    void appendAddsAMissingFinalNewline() throws Exception {
        Path f = dir.resolve("known_hosts");
        Files.writeString(f, "old " + key(EC256));
        KnownHosts.append(f, "new", 22, ED, false);
        assertEquals("old " + key(EC256) + "\nnew " + key(ED) + "\n", Files.readString(f));
        Files.writeString(f, "");
        KnownHosts.append(f, "new", 22, ED, false);
        assertEquals("new " + key(ED) + "\n", Files.readString(f), "no newline before the first line");
    }

    @Test
    void concurrentAppendsKeepWholeLines() throws Exception {
        Path f = dir.resolve("known_hosts");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int id = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        KnownHosts.append(f, "h" + id + "-" + i, 22, (i % 2 == 0) ? ED : RSA, i % 3 == 0);
                    }
                    return null;
                }));
            }
            for (Future<?> fu : futures) {
                fu.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        KnownHosts kh = KnownHosts.loadStrict(f);
        assertEquals(200, kh.entries().size());
        assertEquals(Status.MATCH, kh.check("h7-24", 22, "ssh-ed25519", ED).status());
        assertEquals(Status.MATCH, kh.check("h3-3", 22, "rsa-sha2-256", RSA).status());
    }

    @Test
    void appendingToAnUnwritablePlaceFails() throws Exception {
        Path ro = dir.resolve("ro");
        Files.createDirectory(ro);
        // not about a missing peer: these two skips are about the file system and the user (root ignores permissions)
        assumeTrue(ro.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-x------"));
        try {
            assumeTrue(!Files.isWritable(ro), "running as a user that ignores permissions");
            assertThrows(java.io.IOException.class, () -> KnownHosts.append(ro.resolve("known_hosts"), "h", 22, ED, false));
        } finally {
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void readsNonUtf8BytesWithoutFailing() throws Exception {
        Path f = dir.resolve("kh");
        byte[] junk = {'#', ' ', (byte) 0xff, (byte) 0xfe, '\n'};
        byte[] good = ("h " + key(ED) + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[junk.length + good.length];
        System.arraycopy(junk, 0, all, 0, junk.length);
        System.arraycopy(good, 0, all, junk.length, good.length);
        Files.write(f, all);
        assertEquals(1, KnownHosts.loadStrict(f).entries().size());
    }
}
