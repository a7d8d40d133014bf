package dev.tether.ssh.kex;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshWriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.Future;

import static dev.tether.ssh.common.DisconnectReason.KEY_EXCHANGE_FAILED;
import static dev.tether.ssh.common.DisconnectReason.PROTOCOL_ERROR;
import static dev.tether.ssh.kex.KexTestPipe.assertFailure;
import static dev.tether.ssh.kex.KexTestPipe.awaitFailure;
import static dev.tether.ssh.kex.KexTestPipe.concat;
import static dev.tether.ssh.kex.KexTestPipe.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A peer that sends bad values or malformed messages: every case must end the exchange with an
 * {@link SshException} of reason KEY_EXCHANGE_FAILED or PROTOCOL_ERROR and a message saying what
 * was wrong. The test plays the hostile side by hand over {@link KexTestPipe}.
 */
class HostilePeerTest {
    private static final BigInteger P14 = ModpGroups.GROUP14.p();
    private static final byte[] SOME_HOST_KEY = new SshWriter().string("ssh-ed25519").string(new byte[32]).toByteArray();
    private static final byte[] SOME_SIGNATURE = new SshWriter().string("ssh-ed25519").string(new byte[64]).toByteArray();

    /** Starts {@code method}'s client, reads its first message, answers with {@code reply}, and returns the failure. */
    private static SshException clientAnswered(KexAlgorithm method, byte[] reply) throws Exception {
        try (KexTestPipe pipe = new KexTestPipe()) {
            Future<KexResult> c = pipe.start(() -> method.client(pipe.client, KexTestPipe.context()));
            pipe.server.read();
            pipe.server.write(reply);
            return awaitFailure(c);
        }
    }

    /** Starts {@code method}'s server, sends it {@code first}, and returns the failure. */
    private static SshException serverSent(KexAlgorithm method, byte[] first) throws Exception {
        try (KexTestPipe pipe = new KexTestPipe()) {
            Future<KexResult> s = pipe.start(() -> method.server(pipe.server, KexTestPipe.context(), TestHostKey.generate()));
            pipe.client.write(first);
            return awaitFailure(s);
        }
    }

    private static byte[] dhReply(int number, BigInteger f) {
        return new SshWriter().byteValue(number).string(SOME_HOST_KEY).mpint(f).string(SOME_SIGNATURE).toByteArray();
    }

    private static byte[] ecdhReply(byte[] q) {
        return new SshWriter().byteValue(31).string(SOME_HOST_KEY).string(q).string(SOME_SIGNATURE).toByteArray();
    }

    private static KexAlgorithm group14() {
        return KexAlgorithms.get("diffie-hellman-group14-sha256");
    }

    private static KexAlgorithm gex() {
        return KexAlgorithms.get("diffie-hellman-group-exchange-sha256");
    }

    // ---- points and keys

    @Test
    void ecdhClientRejectsServerPointOffTheCurve() throws Exception {
        byte[] q = concat(new byte[] {4}, hex(NistEcdhTest.P256_GRX), hex(NistEcdhTest.P256_GRY));
        q[64] ^= 1;
        assertFailure(clientAnswered(KexAlgorithms.get("ecdh-sha2-nistp256"), ecdhReply(q)),
                KEY_EXCHANGE_FAILED, "ecdh-sha2-nistp256: server's public point is not on the curve");
    }

    @Test
    void ecdhServerRejectsClientPointOffTheCurve() throws Exception {
        byte[] q = concat(new byte[] {4}, hex(NistEcdhTest.P384_GIX), hex(NistEcdhTest.P384_GIY));
        q[1] ^= 0x40;
        assertFailure(serverSent(KexAlgorithms.get("ecdh-sha2-nistp384"), new SshWriter().byteValue(30).string(q).toByteArray()),
                KEY_EXCHANGE_FAILED, "ecdh-sha2-nistp384: client's public point is not on the curve");
    }

    @Test
    void curve25519RejectsWrongLengthKeys() throws Exception {
        assertFailure(serverSent(KexAlgorithms.get("curve25519-sha256"), new SshWriter().byteValue(30).string(new byte[31]).toByteArray()),
                KEY_EXCHANGE_FAILED, "X25519 public key must be 32 bytes, got 31");
        byte[] tooLong = new byte[33];
        tooLong[0] = 9;
        assertFailure(clientAnswered(KexAlgorithms.get("curve25519-sha256@libssh.org"), ecdhReply(tooLong)),
                KEY_EXCHANGE_FAILED, "X25519 public key must be 32 bytes, got 33");
    }

    // ---- DH public values

    /** 0, 1, p-1, p, p+1 and -1: none satisfies 1 < y < p-1. */
    private static BigInteger badValue(int which) {
        switch (which) {
            case 0: return BigInteger.ZERO;
            case 1: return BigInteger.ONE;
            case 2: return P14.subtract(BigInteger.ONE);
            case 3: return P14;
            case 4: return P14.add(BigInteger.ONE);
            default: return BigInteger.ONE.negate();
        }
    }

    @ParameterizedTest(name = "e case {0}")
    @ValueSource(ints = {0, 1, 2, 3, 4, 5})
    void dhServerRejectsBadE(int which) throws Exception {
        assertFailure(serverSent(group14(), new SshWriter().byteValue(30).mpint(badValue(which)).toByteArray()),
                KEY_EXCHANGE_FAILED, "diffie-hellman-group14-sha256: peer's public value e is outside 1 < e < p-1");
    }

    @ParameterizedTest(name = "f case {0}")
    @ValueSource(ints = {0, 1, 2, 3, 4, 5})
    void dhClientRejectsBadF(int which) throws Exception {
        assertFailure(clientAnswered(group14(), dhReply(31, badValue(which))),
                KEY_EXCHANGE_FAILED, "diffie-hellman-group14-sha256: peer's public value f is outside 1 < f < p-1");
    }

    @Test
    void dhAcceptsTheSmallestAndLargestLegalValues() throws Exception {
        // 2 and p-2 are in range: the check is not off by one. (They are of large order here.)
        for (BigInteger f : new BigInteger[] {BigInteger.TWO, P14.subtract(BigInteger.TWO)}) {
            try (KexTestPipe pipe = new KexTestPipe()) {
                Future<KexResult> c = pipe.start(() -> group14().client(pipe.client, KexTestPipe.context()));
                pipe.server.read();
                pipe.server.write(dhReply(31, f));
                KexResult r = KexTestPipe.await(c);
                assertEquals(32, r.exchangeHash().length);
            }
        }
    }

    @ParameterizedTest(name = "e case {0}")
    @ValueSource(ints = {0, 1, 2, 3})
    void gexServerRejectsBadE(int which) throws Exception {
        try (KexTestPipe pipe = new KexTestPipe()) {
            Future<KexResult> s = pipe.start(() -> gex().server(pipe.server, KexTestPipe.context(), TestHostKey.generate()));
            pipe.client.write(new SshWriter().byteValue(34).uint32(2048).uint32(2048).uint32(2048).toByteArray());
            byte[] group = pipe.client.read();
            assertEquals(31, group[0]);
            pipe.client.write(new SshWriter().byteValue(32).mpint(badValue(which)).toByteArray());
            assertFailure(awaitFailure(s), KEY_EXCHANGE_FAILED,
                    "diffie-hellman-group-exchange-sha256: peer's public value e is outside 1 < e < p-1");
        }
    }

    @ParameterizedTest(name = "f case {0}")
    @ValueSource(ints = {0, 1, 2, 3})
    void gexClientRejectsBadF(int which) throws Exception {
        try (KexTestPipe pipe = new KexTestPipe()) {
            Future<KexResult> c = pipe.start(() -> gex().client(pipe.client, KexTestPipe.context()));
            pipe.server.read();
            pipe.server.write(new SshWriter().byteValue(31).mpint(P14).mpint(BigInteger.TWO).toByteArray());
            byte[] init = pipe.server.read();
            assertEquals(32, init[0]);
            pipe.server.write(dhReply(33, badValue(which)));
            assertFailure(awaitFailure(c), KEY_EXCHANGE_FAILED,
                    "diffie-hellman-group-exchange-sha256: peer's public value f is outside 1 < f < p-1");
        }
    }

    // ---- group exchange groups

    private static SshException gexClientGivenGroup(BigInteger p, BigInteger g) throws Exception {
        return clientAnswered(gex(), new SshWriter().byteValue(31).mpint(p).mpint(g).toByteArray());
    }

    @Test
    void gexClientRejectsAGroupTooSmall() throws Exception {
        // RFC 3526 group 5, 1536 bits: a real safe prime, but below 2048
        BigInteger p1536 = BigInteger.ONE.shiftLeft(1536).subtract(BigInteger.ONE.shiftLeft(1472)).subtract(BigInteger.ONE)
                .add(ModpGroupsTest.piTimesTwoToThe(1406).add(BigInteger.valueOf(741804)).shiftLeft(64));
        assertEquals(1536, p1536.bitLength());
        assertFailure(gexClientGivenGroup(p1536, BigInteger.TWO), KEY_EXCHANGE_FAILED,
                "diffie-hellman-group-exchange-sha256: server sent a 1536-bit group, outside the 2048 to 8192 bits requested");
    }

    @Test
    void gexClientRejectsAGroupTooLarge() throws Exception {
        BigInteger p = BigInteger.ONE.shiftLeft(8192).add(BigInteger.ONE); // 8193 bits
        assertFailure(gexClientGivenGroup(p, BigInteger.TWO), KEY_EXCHANGE_FAILED, "server sent a 8193-bit group");
    }

    @Test
    void gexClientRespectsItsOwnMinimum() throws Exception {
        KexAlgorithm strict = new DhGroupExchange("diffie-hellman-group-exchange-sha256", "SHA-256",
                DhGroupSource.builtIn(), DhGroup.RANDOM, 3072, 4096, 8192);
        assertFailure(clientAnswered(strict, new SshWriter().byteValue(31).mpint(P14).mpint(BigInteger.TWO).toByteArray()),
                KEY_EXCHANGE_FAILED, "server sent a 2048-bit group, outside the 3072 to 8192 bits requested");
    }

    @Test
    void gexClientRejectsBadGenerators() throws Exception {
        for (BigInteger g : new BigInteger[] {BigInteger.ZERO, BigInteger.ONE, P14.subtract(BigInteger.ONE), P14}) {
            assertFailure(gexClientGivenGroup(P14, g), KEY_EXCHANGE_FAILED,
                    "server's group generator is outside 1 < g < p-1");
        }
        assertFailure(gexClientGivenGroup(P14.add(BigInteger.ONE), BigInteger.TWO), KEY_EXCHANGE_FAILED,
                "server's group modulus is even");
        assertFailure(gexClientGivenGroup(P14.negate(), BigInteger.TWO), KEY_EXCHANGE_FAILED,
                "server sent a non-positive group");
    }

    @Test
    void gexServerRejectsImpossibleRequests() throws Exception {
        assertFailure(serverSent(gex(), new SshWriter().byteValue(34).uint32(4096).uint32(2048).uint32(8192).toByteArray()),
                KEY_EXCHANGE_FAILED, "client's group request does not satisfy min <= n <= max: 4096, 2048, 8192");
        assertFailure(serverSent(gex(), new SshWriter().byteValue(34).uint32(512).uint32(1024).uint32(1024).toByteArray()),
                KEY_EXCHANGE_FAILED, "no group between 2048 and 1024 bits is available");
        assertFailure(serverSent(gex(), new SshWriter().byteValue(34).uint32(8200).uint32(9000).uint32(16384).toByteArray()),
                KEY_EXCHANGE_FAILED, "no group between 8200 and 16384 bits is available");
    }

    // ---- malformed messages

    @Test
    void truncatedStringInReply() throws Exception {
        // K_S claims 1000 bytes, 10 follow
        byte[] reply = concat(new SshWriter().byteValue(31).uint32(1000).toByteArray(), new byte[10]);
        assertFailure(clientAnswered(group14(), reply), PROTOCOL_ERROR, "truncated message");
        assertFailure(clientAnswered(KexAlgorithms.get("ecdh-sha2-nistp521"), reply), PROTOCOL_ERROR, "truncated message");
        byte[] full = dhReply(33, BigInteger.TWO);
        try (KexTestPipe pipe = new KexTestPipe()) {
            Future<KexResult> c = pipe.start(() -> gex().client(pipe.client, KexTestPipe.context()));
            pipe.server.read();
            pipe.server.write(new SshWriter().byteValue(31).mpint(P14).mpint(BigInteger.TWO).toByteArray());
            pipe.server.read();
            pipe.server.write(Arrays.copyOf(full, full.length - 3)); // the signature cut short
            assertFailure(awaitFailure(c), PROTOCOL_ERROR, "truncated message");
        }
    }

    @Test
    void truncatedGroupAndRequest() throws Exception {
        byte[] group = new SshWriter().byteValue(31).mpint(P14).mpint(BigInteger.TWO).toByteArray();
        assertFailure(clientAnswered(gex(), Arrays.copyOf(group, group.length - 1)), PROTOCOL_ERROR, "truncated message");
        assertFailure(serverSent(gex(), new SshWriter().byteValue(34).uint32(2048).uint32(4096).toByteArray()),
                PROTOCOL_ERROR, "truncated message");
        byte[] init = new SshWriter().byteValue(30).mpint(BigInteger.TWO.pow(300)).toByteArray();
        assertFailure(serverSent(group14(), Arrays.copyOf(init, init.length - 1)), PROTOCOL_ERROR, "truncated message");
    }

    @Test
    void trailingBytesAreRejected() throws Exception {
        byte[] reply = concat(dhReply(31, BigInteger.TWO), new byte[] {0});
        assertFailure(clientAnswered(group14(), reply), PROTOCOL_ERROR,
                "diffie-hellman-group14-sha256 KEXDH_REPLY has 1 unexpected trailing bytes");
        assertFailure(serverSent(gex(), new SshWriter().byteValue(30).uint32(2048).uint32(4096).toByteArray()),
                PROTOCOL_ERROR, "KEX_DH_GEX_REQUEST_OLD has 4 unexpected trailing bytes");
    }

    // ---- wrong message numbers

    @Test
    void wrongMessageNumbers() throws Exception {
        assertFailure(clientAnswered(group14(), dhReply(33, BigInteger.TWO)), PROTOCOL_ERROR,
                "diffie-hellman-group14-sha256: expected message 31, got 33");
        assertFailure(serverSent(group14(), new SshWriter().byteValue(34).uint32(2048).uint32(2048).uint32(2048).toByteArray()),
                PROTOCOL_ERROR, "diffie-hellman-group14-sha256: expected message 30, got 34");
        assertFailure(clientAnswered(gex(), dhReply(33, BigInteger.TWO)), PROTOCOL_ERROR,
                "diffie-hellman-group-exchange-sha256: expected message 31, got 33");
        assertFailure(serverSent(gex(), new SshWriter().byteValue(32).mpint(BigInteger.TWO).toByteArray()),
                PROTOCOL_ERROR, "diffie-hellman-group-exchange-sha256: expected message 34, got 32");
        assertFailure(clientAnswered(KexAlgorithms.get("ecdh-sha2-nistp256"), new SshWriter().byteValue(30).toByteArray()),
                PROTOCOL_ERROR, "ecdh-sha2-nistp256: expected message 31, got 30");
        assertFailure(serverSent(KexAlgorithms.get("curve25519-sha256"), new SshWriter().byteValue(31).toByteArray()),
                PROTOCOL_ERROR, "curve25519-sha256: expected message 30, got 31");
    }

    @Test
    void emptyMessagesAreRejected() throws Exception {
        assertFailure(clientAnswered(group14(), new byte[0]), PROTOCOL_ERROR, "expected message 31, got -1");
        assertFailure(serverSent(group14(), new byte[0]), PROTOCOL_ERROR, "expected message 30, got -1");
        assertFailure(clientAnswered(gex(), new byte[0]), PROTOCOL_ERROR, "expected message 31, got -1");
        assertFailure(serverSent(gex(), new byte[0]), PROTOCOL_ERROR, "expected message 34, got -1");
    }

    @Test
    void gexInitWithWrongNumberAfterGroup() throws Exception {
        try (KexTestPipe pipe = new KexTestPipe()) {
            Future<KexResult> s = pipe.start(() -> gex().server(pipe.server, KexTestPipe.context(), TestHostKey.generate()));
            pipe.client.write(new SshWriter().byteValue(34).uint32(2048).uint32(2048).uint32(8192).toByteArray());
            pipe.client.read();
            pipe.client.write(new SshWriter().byteValue(30).mpint(BigInteger.TWO).toByteArray());
            SshException e = assertFailure(awaitFailure(s), PROTOCOL_ERROR, "expected message 32, got 30");
            assertEquals(DisconnectReason.PROTOCOL_ERROR, e.reason());
        }
    }

    @Test
    void dhServerAcceptsAWellFormedE() throws Exception {
        // sanity for the helper: a well-formed e is accepted by the same path that rejects bad ones
        try (KexTestPipe pipe = new KexTestPipe()) {
            TestHostKey key = TestHostKey.generate();
            Future<KexResult> s = pipe.start(() -> group14().server(pipe.server, KexTestPipe.context(), key));
            BigInteger x = new BigInteger(512, new SecureRandom()).setBit(511);
            pipe.client.write(new SshWriter().byteValue(30).mpint(BigInteger.TWO.modPow(x, P14)).toByteArray());
            byte[] reply = pipe.client.read();
            assertEquals(31, reply[0]);
            assertEquals(32, KexTestPipe.await(s).exchangeHash().length);
        }
    }
}
