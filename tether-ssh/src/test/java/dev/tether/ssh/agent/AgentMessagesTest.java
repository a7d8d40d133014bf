package dev.tether.ssh.agent;

import dev.tether.ssh.agent.AgentMessages.AddIdentity;
import dev.tether.ssh.agent.AgentMessages.Constraints;
import dev.tether.ssh.agent.AgentMessages.Extension;
import dev.tether.ssh.agent.AgentMessages.ExtensionFailure;
import dev.tether.ssh.agent.AgentMessages.ExtensionResponse;
import dev.tether.ssh.agent.AgentMessages.Failure;
import dev.tether.ssh.agent.AgentMessages.FrameDecoder;
import dev.tether.ssh.agent.AgentMessages.IdentitiesAnswer;
import dev.tether.ssh.agent.AgentMessages.KeyEntry;
import dev.tether.ssh.agent.AgentMessages.Lock;
import dev.tether.ssh.agent.AgentMessages.RemoveAllIdentities;
import dev.tether.ssh.agent.AgentMessages.RemoveIdentity;
import dev.tether.ssh.agent.AgentMessages.Request;
import dev.tether.ssh.agent.AgentMessages.RequestIdentities;
import dev.tether.ssh.agent.AgentMessages.Response;
import dev.tether.ssh.agent.AgentMessages.SignRequest;
import dev.tether.ssh.agent.AgentMessages.SignResponse;
import dev.tether.ssh.agent.AgentMessages.Success;
import dev.tether.ssh.agent.AgentMessages.Unlock;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.keys.SignatureAlgorithms;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPrivateKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The agent message codec and framing, without any socket. */
class AgentMessagesTest {
    private static final Map<String, KeyPair> KEYS = new HashMap<>();
    private static final List<String> TYPES = List.of("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521", "ssh-rsa");

    @BeforeAll
    static void keys() throws Exception {
        for (String t : TYPES) {
            KEYS.put(t, SignatureAlgorithms.generate(t, 2048));
        }
    }

    private static byte[] blob(String type) {
        return SignatureAlgorithms.encodePublicKey(KEYS.get(type).getPublic());
    }

    private static void assertRequestRoundTrip(Request r) throws SshException {
        Request back = AgentMessages.decodeRequest(r.encode());
        assertEquals(r.getClass(), back.getClass());
        assertEquals(r.type(), back.type());
        assertArrayEquals(r.encode(), back.encode());
    }

    private static void assertResponseRoundTrip(Response r) throws SshException {
        Response back = AgentMessages.decodeResponse(r.encode());
        assertEquals(r.getClass(), back.getClass());
        assertArrayEquals(r.encode(), back.encode());
    }

    @Test
    void requestsRoundTrip() throws Exception {
        assertRequestRoundTrip(new RequestIdentities());
        assertRequestRoundTrip(new SignRequest(blob("ssh-rsa"), "data".getBytes(StandardCharsets.UTF_8), 4));
        assertRequestRoundTrip(new SignRequest(blob("ssh-ed25519"), new byte[0], 0));
        assertRequestRoundTrip(new RemoveIdentity(blob("ecdsa-sha2-nistp384")));
        assertRequestRoundTrip(new RemoveAllIdentities());
        assertRequestRoundTrip(new Lock("secret".getBytes(StandardCharsets.UTF_8)));
        assertRequestRoundTrip(new Unlock(new byte[0]));
        assertRequestRoundTrip(new Extension("query", null));
        assertRequestRoundTrip(new Extension("x@example.com", new byte[] {1, 2, 3}));
    }

    @Test
    void responsesRoundTrip() throws Exception {
        assertResponseRoundTrip(new Failure());
        assertResponseRoundTrip(new Success());
        assertResponseRoundTrip(new Success(new byte[] {9, 9}));
        assertResponseRoundTrip(new ExtensionFailure());
        assertResponseRoundTrip(new ExtensionResponse("query", new SshWriter().string("a").toByteArray()));
        assertResponseRoundTrip(new SignResponse(new SshWriter().string("ssh-ed25519").string(new byte[64]).toByteArray()));
        assertResponseRoundTrip(new IdentitiesAnswer(List.of()));
        assertResponseRoundTrip(new IdentitiesAnswer(List.of(new KeyEntry(blob("ssh-ed25519"), "one"),
                new KeyEntry(blob("ssh-rsa"), "two ✓"))));
    }

    @Test
    void wireLayoutOfTheCommonMessages() throws Exception {
        assertArrayEquals(new byte[] {11}, new RequestIdentities().encode());
        assertArrayEquals(new byte[] {19}, new RemoveAllIdentities().encode());
        byte[] b = blob("ssh-rsa");
        assertArrayEquals(new SshWriter().byteValue(13).string(b).string(new byte[] {7}).uint32(2).toByteArray(),
                new SignRequest(b, new byte[] {7}, 2).encode());
        assertArrayEquals(new SshWriter().byteValue(18).string(b).toByteArray(), new RemoveIdentity(b).encode());
        assertArrayEquals(new SshWriter().byteValue(27).string("ext").raw(new byte[] {1}).toByteArray(),
                new Extension("ext", new byte[] {1}).encode());
        assertArrayEquals(new byte[] {0, 0, 0, 1, 11}, AgentMessages.frame(new RequestIdentities().encode()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"})
    void addIdentityRoundTripsEveryKeyType(String type) throws Exception {
        KeyPair kp = KEYS.get(type);
        AddIdentity add = new AddIdentity(kp, "comment for " + type, null);
        byte[] enc = add.encode();
        assertEquals(AgentMessages.SSH2_AGENTC_ADD_IDENTITY, enc[0]);
        AddIdentity back = (AddIdentity) AgentMessages.decodeRequest(enc);
        assertEquals(kp.getPublic(), back.keyPair().getPublic());
        assertArrayEquals(kp.getPrivate().getEncoded(), back.keyPair().getPrivate().getEncoded());
        assertEquals("comment for " + type, back.comment());
        assertTrue(back.constraints().isEmpty());
        assertArrayEquals(enc, back.encode());
        assertFalse(add.toString().contains("Private"), add.toString());
    }

    @Test
    void addIdentityEd25519Layout() throws Exception {
        KeyPair kp = KEYS.get("ssh-ed25519");
        SshReader pub = new SshReader(blob("ssh-ed25519"));
        pub.ascii();
        byte[] a = pub.string();
        SshReader r = new SshReader(new AddIdentity(kp, "c", Constraints.NONE).encode());
        assertEquals(17, r.byteValue());
        assertEquals("ssh-ed25519", r.ascii());
        assertArrayEquals(a, r.string());
        byte[] sk = r.string();
        assertEquals(64, sk.length);
        assertArrayEquals(a, Arrays.copyOfRange(sk, 32, 64), "the private half ends with the public key");
        assertEquals("c", r.utf8());
        r.expectEnd("add identity");
    }

    @Test
    void addIdentityRsaLayout() throws Exception {
        RSAPrivateCrtKey k = (RSAPrivateCrtKey) KEYS.get("ssh-rsa").getPrivate();
        SshReader r = new SshReader(new AddIdentity(KEYS.get("ssh-rsa"), "", null).encode());
        assertEquals(17, r.byteValue());
        assertEquals("ssh-rsa", r.ascii());
        assertEquals(k.getModulus(), r.mpint());
        assertEquals(k.getPublicExponent(), r.mpint());
        assertEquals(k.getPrivateExponent(), r.mpint());
        assertEquals(k.getCrtCoefficient(), r.mpint());
        assertEquals(k.getPrimeP(), r.mpint());
        assertEquals(k.getPrimeQ(), r.mpint());
        assertEquals("", r.utf8());
        r.expectEnd("add identity");
    }

    @Test
    void constrainedAddIdentity() throws Exception {
        AddIdentity add = new AddIdentity(KEYS.get("ecdsa-sha2-nistp256"), "c", new Constraints(Duration.ofSeconds(3600), true));
        byte[] enc = add.encode();
        assertEquals(AgentMessages.SSH2_AGENTC_ADD_ID_CONSTRAINED, enc[0]);
        byte[] tail = Arrays.copyOfRange(enc, enc.length - 6, enc.length);
        assertArrayEquals(new byte[] {1, 0, 0, 0x0e, 0x10, 2}, tail);
        AddIdentity back = (AddIdentity) AgentMessages.decodeRequest(enc);
        assertEquals(Duration.ofHours(1), back.constraints().lifetime());
        assertTrue(back.constraints().confirm());

        byte[] unknown = Arrays.copyOf(enc, enc.length + 1);
        unknown[unknown.length - 1] = (byte) 255;
        assertThrows(SshException.class, () -> AgentMessages.decodeRequest(unknown));
        assertThrows(IllegalArgumentException.class, () -> new Constraints(Duration.ZERO, false));
        assertThrows(IllegalArgumentException.class, () -> new Constraints(Duration.ofSeconds(1L << 32), false));
    }

    @Test
    void addIdentityRefusesKeysItCannotEncode() throws Exception {
        RSAPrivateCrtKey crt = (RSAPrivateCrtKey) KEYS.get("ssh-rsa").getPrivate();
        var plain = KeyFactory.getInstance("RSA").generatePrivate(new RSAPrivateKeySpec(crt.getModulus(), crt.getPrivateExponent()));
        KeyPair noCrt = new KeyPair(KEYS.get("ssh-rsa").getPublic(), plain);
        assertThrows(IllegalArgumentException.class, () -> new AddIdentity(noCrt, "", null).encode());
        KeyPair mixed = new KeyPair(KEYS.get("ssh-ed25519").getPublic(), KEYS.get("ssh-rsa").getPrivate());
        assertThrows(IllegalArgumentException.class, () -> new AddIdentity(mixed, "", null).encode());
        KeyPair otherRsa = new KeyPair(SignatureAlgorithms.generate("ssh-rsa", 2048).getPublic(), KEYS.get("ssh-rsa").getPrivate());
        assertThrows(IllegalArgumentException.class, () -> new AddIdentity(otherRsa, "", null).encode());
    }

    @Test
    void decodeRefusesInconsistentPrivateKeys() throws Exception {
        // an Ed25519 key whose private half does not end with its public key
        byte[] ed = new AddIdentity(KEYS.get("ssh-ed25519"), "c", null).encode();
        byte[] badEd = ed.clone();
        int skEnd = ed.length - 4 - 1; // before "string c"
        badEd[skEnd - 1] ^= 1;
        assertThrows(SshException.class, () -> AgentMessages.decodeRequest(badEd));

        // an Ed25519 public key from another pair
        KeyPair swapped = new KeyPair(SignatureAlgorithms.generate("ssh-ed25519", 0).getPublic(), KEYS.get("ssh-ed25519").getPrivate());
        SshException e = assertThrows(SshException.class, () -> AgentMessages.decodeRequest(new AddIdentity(swapped, "", null).encode()));
        assertTrue(e.getMessage().contains("does not match"), e.getMessage());

        // an RSA key with p * q != n
        RSAPrivateCrtKey k = (RSAPrivateCrtKey) KEYS.get("ssh-rsa").getPrivate();
        byte[] rsa = new SshWriter().byteValue(17).string("ssh-rsa").mpint(k.getModulus()).mpint(k.getPublicExponent())
                .mpint(k.getPrivateExponent()).mpint(k.getCrtCoefficient()).mpint(k.getPrimeP())
                .mpint(k.getPrimeQ().add(BigInteger.TWO)).string("").toByteArray();
        assertThrows(SshException.class, () -> AgentMessages.decodeRequest(rsa));

        // an EC scalar of zero
        SshReader pub = new SshReader(blob("ecdsa-sha2-nistp256"));
        String type = pub.ascii();
        String curve = pub.ascii();
        byte[] q = pub.string();
        byte[] ec = new SshWriter().byteValue(17).string(type).string(curve).string(q).mpint(BigInteger.ZERO).string("").toByteArray();
        assertThrows(SshException.class, () -> AgentMessages.decodeRequest(ec));

        // a key type we do not know
        byte[] dss = new SshWriter().byteValue(17).string("ssh-dss").toByteArray();
        assertThrows(SshException.class, () -> AgentMessages.decodeRequest(dss));
    }

    @Test
    void decodeIsStrict() {
        List<byte[]> bad = new ArrayList<>();
        bad.add(new byte[0]);
        bad.add(new byte[] {11, 0});                                        // trailing byte
        bad.add(new byte[] {13, 0, 0, 0, 5, 1});                             // truncated blob
        bad.add(new SshWriter().byteValue(13).string(new byte[1]).string(new byte[1]).toByteArray()); // no flags
        bad.add(new byte[] {19, 19});
        bad.add(new byte[] {20});                                           // smartcard: unsupported
        bad.add(new byte[] {(byte) 200});
        bad.add(new SshWriter().byteValue(25).toByteArray());
        for (byte[] b : bad) {
            assertThrows(SshException.class, () -> AgentMessages.decodeRequest(b), Arrays.toString(b));
        }
        List<byte[]> badResponses = new ArrayList<>();
        badResponses.add(new byte[0]);
        badResponses.add(new byte[] {5, 0});
        badResponses.add(new byte[] {28, 0});
        badResponses.add(new byte[] {14});
        badResponses.add(new SshWriter().byteValue(14).string(new byte[2]).byteValue(0).toByteArray());
        badResponses.add(new SshWriter().byteValue(12).uint32(1).toByteArray());
        badResponses.add(new SshWriter().byteValue(12).uint32(1).string(new byte[0]).string("c").toByteArray()); // empty blob
        badResponses.add(new SshWriter().byteValue(12).uint32(1).string(new byte[] {0, 0, 0, 9}).string("c").toByteArray());
        badResponses.add(new SshWriter().byteValue(12).uint32(0).byteValue(1).toByteArray());
        badResponses.add(new SshWriter().byteValue(12).uint32(Integer.MAX_VALUE).toByteArray());
        badResponses.add(new byte[] {11});
        for (byte[] b : badResponses) {
            assertThrows(SshException.class, () -> AgentMessages.decodeResponse(b), Arrays.toString(b));
        }
    }

    @Test
    void secretsStayOutOfToString() {
        Lock lock = new Lock("hunter2".getBytes(StandardCharsets.UTF_8));
        assertFalse(lock.toString().contains("hunter2"));
        lock.wipe();
        assertArrayEquals(new byte[7], lock.passphrase());
        assertFalse(new Unlock("hunter2".getBytes(StandardCharsets.UTF_8)).toString().contains("hunter2"));
    }

    @Test
    void frameLimits() throws Exception {
        assertThrows(SshException.class, () -> AgentMessages.frame(new byte[0]));
        assertThrows(SshException.class, () -> AgentMessages.frame(new byte[AgentMessages.MAX_MESSAGE_LENGTH + 1]));
        assertEquals(AgentMessages.MAX_MESSAGE_LENGTH + 4, AgentMessages.frame(new byte[AgentMessages.MAX_MESSAGE_LENGTH]).length);
        assertEquals(262144, AgentMessages.checkLength(262144));
        assertThrows(SshException.class, () -> AgentMessages.checkLength(0xffffffffL));
    }

    @Test
    void frameDecoderSplitsAStreamCutAnywhere() throws Exception {
        List<byte[]> payloads = List.of(new RequestIdentities().encode(),
                new SignRequest(blob("ssh-rsa"), new byte[1000], 2).encode(),
                new Success(new byte[AgentMessages.MAX_MESSAGE_LENGTH - 1]).encode(),
                new Failure().encode());
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (byte[] p : payloads) {
            stream.write(AgentMessages.frame(p));
        }
        byte[] all = stream.toByteArray();
        Random random = new Random(42);
        for (int round = 0; round < 20; round++) {
            FrameDecoder d = new FrameDecoder();
            List<byte[]> got = new ArrayList<>();
            int off = 0;
            while (off < all.length) {
                int n = round == 0 ? 1 : Math.min(all.length - off, 1 + random.nextInt(round * 500));
                got.addAll(d.feed(all, off, n));
                off += n;
            }
            assertTrue(d.atBoundary());
            assertEquals(payloads.size(), got.size());
            for (int i = 0; i < payloads.size(); i++) {
                assertArrayEquals(payloads.get(i), got.get(i));
            }
        }
        FrameDecoder whole = new FrameDecoder();
        assertEquals(4, whole.feed(all, 0, all.length).size());
    }

    @Test
    void frameDecoderRefusesBadLengthsAtOnce() throws Exception {
        FrameDecoder d = new FrameDecoder();
        assertEquals(List.of(), d.feed(new byte[] {0, 4, 0}, 0, 3));
        assertFalse(d.atBoundary());
        SshException e = assertThrows(SshException.class, () -> d.feed(new byte[] {1}, 0, 1));
        assertTrue(e.getMessage().contains("262145 bytes exceeds"), e.getMessage());
        assertThrows(SshException.class, () -> new FrameDecoder().feed(new byte[4], 0, 4));
    }

    @Test
    void algorithmNames() {
        assertEquals(2, AgentMessages.signFlags("rsa-sha2-256"));
        assertEquals(4, AgentMessages.signFlags("rsa-sha2-512"));
        assertEquals(4, AgentMessages.signFlags("rsa-sha2-512-cert-v01@openssh.com"));
        assertEquals(0, AgentMessages.signFlags("ssh-rsa"));
        assertEquals(0, AgentMessages.signFlags("ssh-ed25519"));
        assertEquals(0, AgentMessages.signFlags("ecdsa-sha2-nistp256"));

        assertEquals("rsa-sha2-256", AgentMessages.signatureName("rsa-sha2-256-cert-v01@openssh.com"));
        assertEquals("ssh-ed25519", AgentMessages.signatureName("ssh-ed25519-cert-v01@openssh.com"));
        assertEquals("ssh-ed25519", AgentMessages.signatureName("ssh-ed25519"));

        assertEquals("ssh-rsa", AgentMessages.keyTypeFor("rsa-sha2-512"));
        assertEquals("ssh-rsa", AgentMessages.keyTypeFor("ssh-rsa"));
        assertEquals("ssh-rsa-cert-v01@openssh.com", AgentMessages.keyTypeFor("rsa-sha2-256-cert-v01@openssh.com"));
        assertEquals("ecdsa-sha2-nistp521", AgentMessages.keyTypeFor("ecdsa-sha2-nistp521"));

        assertEquals(List.of("rsa-sha2-512", "rsa-sha2-256"), AgentMessages.algorithmsFor("ssh-rsa"));
        assertEquals(List.of("rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com"),
                AgentMessages.algorithmsFor("ssh-rsa-cert-v01@openssh.com"));
        assertEquals(List.of("ssh-ed25519"), AgentMessages.algorithmsFor("ssh-ed25519"));
    }

    @Test
    void queryReplyParsing() throws Exception {
        assertEquals(List.of(), AgentClient.parseNames(new byte[0]));
        assertEquals(List.of(), AgentClient.parseNames(new byte[4]));
        assertEquals(List.of("a", "bc"), AgentClient.parseNames(new SshWriter().string("a").string("bc").toByteArray()));
        assertEquals(List.of("a", "bc"), AgentClient.parseNames(new SshWriter().uint32(2).string("a").string("bc").toByteArray()));
        assertThrows(SshException.class, () -> AgentClient.parseNames(new byte[] {0, 0, 0, 2, 'a'}));
    }
}
