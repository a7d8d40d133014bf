package dev.tether.ssh.authinterop;

import dev.tether.ssh.Engines;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.common.DisconnectException;
import dev.tether.ssh.keys.KeyFiles;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.wire.MessageNumbers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hand-built ssh-userauth messages that try to get past our server's portal without the
 * credentials: a signature over another session, an unsigned publickey request, connection
 * messages after a partial success, authentication before the service request, and more tries
 * than maxAuthTries. None may ever get USERAUTH_SUCCESS, and the realm must never be asked for an
 * avatar. Each also has its control: the honest request that does succeed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AuthBypassAttemptsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int MAX_TRIES = 3;
    private static PortalFixture fx;
    private static SshServer server;
    private static SshServer twoFactor;
    private static KeyPair ed25519;
    private static byte[] ed25519Blob;
    private static KeyPair rsa;

    @BeforeAll
    static void start() throws Exception {
        fx = new PortalFixture();
        server = fx.start(fx.portal().build(), MAX_TRIES);
        twoFactor = fx.start(fx.portal().require(List.of("publickey", "password")).build(), MAX_TRIES);
        ed25519 = KeyFiles.readPrivateKey(fx.keys.get("ed25519"), null);
        ed25519Blob = SignatureAlgorithms.encodePublicKey(ed25519.getPublic());
        rsa = KeyFiles.readPrivateKey(fx.keys.get("rsa"), null);
    }

    @AfterAll
    static void stop() {
        if (fx != null) {
            fx.close();
        }
    }

    @BeforeEach
    void forgetLogins() {
        fx.logins.clear();
    }

    private static RawAuthClient connect(SshServer s) throws Exception {
        return RawAuthClient.connect(s.port(), fx.hostKey);
    }

    private static RawAuthClient.Reply reply(RawAuthClient c) throws InterruptedException {
        RawAuthClient.Reply r = c.next(WAIT);
        assertNotNull(r, "no reply from the server; received " + c.received());
        return r;
    }

    private static void assertFailure(RawAuthClient.Reply r, boolean partial) {
        assertEquals(MessageNumbers.USERAUTH_FAILURE, r.type(), r.toString());
        assertEquals(partial, r.partial(), r.toString());
    }

    private static void assertNoLogin(RawAuthClient c) throws InterruptedException {
        assertFalse(c.received().stream().anyMatch(r -> r.type() == MessageNumbers.USERAUTH_SUCCESS), c.received().toString());
        assertNull(fx.nextLogin(Duration.ofMillis(100)), "the realm was asked for an avatar");
    }

    private static void assertSuccess(RawAuthClient c) throws InterruptedException {
        assertEquals(MessageNumbers.USERAUTH_SUCCESS, reply(c).type(), c.received().toString());
    }

    /** The server ends the connection with DISCONNECT {@code code}, and nobody logged in. */
    private static void assertDisconnected(RawAuthClient c, int code) throws Exception {
        DisconnectException d = c.awaitDisconnect(WAIT);
        assertEquals(code, d.code(), d.toString());
        assertNoLogin(c);
    }

    /** The first factor on the two-factor portal: the ed25519 key, a partial success. */
    private static RawAuthClient.Reply keyFirst(RawAuthClient c) throws Exception {
        c.send(c.signed(fx.user, "ssh-ed25519", ed25519));
        RawAuthClient.Reply r = reply(c);
        assertFailure(r, true);
        return r;
    }

    /** An ed25519 signature over this connection's session for {@code user}'s publickey request. */
    private static byte[] ed25519Signature(RawAuthClient c, String user) throws Exception {
        return SignatureAlgorithms.sign("ssh-ed25519", ed25519.getPrivate(),
                RawAuthClient.signedData(c.transport.sessionId(), user, "ssh-ed25519", ed25519Blob));
    }

    /** A publickey request for the ed25519 key with has-signature {@code hasSignature} and this signature blob. */
    private static byte[] ed25519Request(boolean hasSignature, byte[] signature) {
        return RawAuthClient.request(fx.user, "publickey").bool(hasSignature).string("ssh-ed25519").string(ed25519Blob)
                .string(signature).toByteArray();
    }

    // ------------------------------------------------------------------ signatures

    @Test
    void signatureOverAnotherSessionIdFails() throws Exception {
        byte[] otherSession = new byte[32];
        new SecureRandom().nextBytes(otherSession);
        try (RawAuthClient c = connect(server)) {
            c.send(RawAuthClient.signed(otherSession, fx.user, "ssh-ed25519", ed25519Blob, ed25519.getPrivate()));
            assertFailure(reply(c), false);
            assertNoLogin(c);
            // control: the same key signing over this connection's session id gets in
            c.send(c.signed(fx.user, "ssh-ed25519", ed25519));
            assertSuccess(c);
            assertNotNull(fx.nextLogin(WAIT));
        }
    }

    /** A signature captured on one real connection is replayed on another: it covers the wrong session. */
    @Test
    void signatureReplayedFromAnotherConnectionFails() throws Exception {
        try (RawAuthClient a = connect(server); RawAuthClient b = connect(server)) {
            assertFalse(java.util.Arrays.equals(a.transport.sessionId(), b.transport.sessionId()));
            byte[] fromA = a.signed(fx.user, "ssh-ed25519", ed25519);
            b.send(fromA);
            assertFailure(reply(b), false);
            assertNoLogin(b);
        }
    }

    /** The signature is made for one user name and sent for another. */
    @Test
    void signatureForAnotherUserNameFails() throws Exception {
        try (RawAuthClient c = connect(server)) {
            byte[] sig = ed25519Signature(c, "someone-else");
            c.send(ed25519Request(true, sig));
            assertFailure(reply(c), false);
            assertNoLogin(c);
        }
    }

    /** An rsa-sha2-256 signature sent as rsa-sha2-512: the algorithm named must be the one that verifies. */
    @Test
    void rsaSignatureUnderAnotherAlgorithmNameFails() throws Exception {
        try (RawAuthClient c = connect(server)) {
            c.send(mislabelledRsaSignature(c));
            RawAuthClient.Reply r = reply(c);
            // USERAUTH_FAILURE, or (as now) the end of the connection; never SUCCESS
            assertTrue(r.type() == MessageNumbers.USERAUTH_FAILURE || r.type() == -1, r.toString());
            assertNoLogin(c);
        }
    }

    /**
     * sshd answers a signature blob that names another algorithm than the request with an
     * ordinary USERAUTH_FAILURE (one attempt), and the client may go on, e.g. with a correct
     * signature or a password. Ending the connection instead makes one malformed attempt cost
     * the client every other method.
     */
    @Test
    void mislabelledSignatureIsAnOrdinaryFailure() throws Exception {
        try (RawAuthClient c = connect(server)) {
            c.send(mislabelledRsaSignature(c));
            RawAuthClient.Reply r = reply(c);
            assertEquals(MessageNumbers.USERAUTH_FAILURE, r.type(),
                    "expected USERAUTH_FAILURE as from sshd; the connection ended with " + c.transport.closeCause());
            c.send(c.signed(fx.user, "rsa-sha2-512", rsa));
            assertSuccess(c);
        }
    }

    /** A request for rsa-sha2-512 whose signature blob is an rsa-sha2-256 signature (over the right data). */
    private static byte[] mislabelledRsaSignature(RawAuthClient c) throws Exception {
        byte[] blob = SignatureAlgorithms.encodePublicKey(rsa.getPublic());
        byte[] data512 = RawAuthClient.signedData(c.transport.sessionId(), fx.user, "rsa-sha2-512", blob);
        byte[] sig256 = SignatureAlgorithms.sign("rsa-sha2-256", rsa.getPrivate(), data512);
        return RawAuthClient.request(fx.user, "publickey").bool(true).string("rsa-sha2-512").string(blob).string(sig256).toByteArray();
    }

    // ------------------------------------------------------------------ no signature

    /**
     * has-signature FALSE for an authorized key is only a question: the answer is PK_OK (never
     * SUCCESS), and asking again, or asking with a signature appended to the unsigned form, or
     * then trying method none, gets no further.
     */
    @Test
    void unsignedPublickeyNeverSucceeds() throws Exception {
        try (RawAuthClient c = connect(server)) {
            c.send(RawAuthClient.query(fx.user, "ssh-ed25519", ed25519Blob));
            RawAuthClient.Reply r = reply(c);
            assertEquals(MessageNumbers.USERAUTH_PK_OK, r.type(), r.toString());
            var pk = r.reader();
            assertEquals("ssh-ed25519", pk.ascii());
            assertArrayEquals(ed25519Blob, pk.string());

            c.send(RawAuthClient.query(fx.user, "ssh-ed25519", ed25519Blob));
            assertEquals(MessageNumbers.USERAUTH_PK_OK, reply(c).type());

            // FALSE, but with a valid signature appended: still a query
            byte[] sig = ed25519Signature(c, fx.user);
            c.send(ed25519Request(false, sig));
            RawAuthClient.Reply r3 = reply(c);
            assertTrue(r3.type() == MessageNumbers.USERAUTH_PK_OK || r3.type() == MessageNumbers.USERAUTH_FAILURE, r3.toString());

            c.send(RawAuthClient.none(fx.user));
            assertFailure(reply(c), false);
            assertNoLogin(c);
            assertFalse(c.transport.isActive() && c.received().stream().anyMatch(x -> x.type() == MessageNumbers.USERAUTH_SUCCESS));
        }
    }

    @Test
    void unsignedQueryForUnknownKeyGetsFailure() throws Exception {
        KeyPair unknown = KeyFiles.readPrivateKey(fx.unknownKey, null);
        try (RawAuthClient c = connect(server)) {
            c.send(RawAuthClient.query(fx.user, "ssh-ed25519", SignatureAlgorithms.encodePublicKey(unknown.getPublic())));
            assertFailure(reply(c), false);
            assertNoLogin(c);
        }
    }

    /** has-signature TRUE with an empty signature. */
    @Test
    void emptySignatureFails() throws Exception {
        try (RawAuthClient c = connect(server)) {
            c.send(ed25519Request(true, new byte[0]));
            RawAuthClient.Reply r = c.next(WAIT);
            // a FAILURE, or the connection ended for a malformed signature blob; never SUCCESS
            assertNotNull(r, c.received().toString());
            assertTrue(r.type() == MessageNumbers.USERAUTH_FAILURE || r.type() == -1, r.toString());
            assertNoLogin(c);
        }
    }

    // ------------------------------------------------------------------ partial success

    /**
     * After the key (a partial success on the two-factor portal), the client behaves as if it
     * were in: a CHANNEL_OPEN must end the connection with PROTOCOL_ERROR, not open a channel.
     */
    @Test
    void channelOpenAfterPartialSuccessEndsTheConnection() throws Exception {
        try (RawAuthClient c = connect(twoFactor)) {
            RawAuthClient.Reply r = keyFirst(c);
            assertEquals(List.of("keyboard-interactive", "password"), r.methods().stream().sorted().toList());
            c.send(RawAuthClient.channelOpenSession());
            assertDisconnected(c, 2); // PROTOCOL_ERROR
            assertFalse(c.received().stream().anyMatch(x -> x.type() == MessageNumbers.CHANNEL_OPEN_CONFIRMATION
                    || x.type() == MessageNumbers.CHANNEL_OPEN_FAILURE), c.received().toString());
        }
    }

    @Test
    void globalRequestAfterPartialSuccessEndsTheConnection() throws Exception {
        try (RawAuthClient c = connect(twoFactor)) {
            keyFirst(c);
            c.send(new dev.tether.ssh.common.SshWriter(64).byteValue(MessageNumbers.GLOBAL_REQUEST).string("tcpip-forward").bool(true)
                    .string("127.0.0.1").uint32(0).toByteArray());
            assertDisconnected(c, 2); // PROTOCOL_ERROR
        }
    }

    /** The first factor was proven for one user; the second is offered for another. */
    @Test
    void userChangeAfterPartialSuccessEndsTheConnection() throws Exception {
        try (RawAuthClient c = connect(twoFactor)) {
            keyFirst(c);
            c.send(RawAuthClient.password("other-" + fx.user, PortalFixture.PASSWORD));
            assertDisconnected(c, 2); // PROTOCOL_ERROR
        }
    }

    /** The control: key then password on the two-factor portal does get in. */
    @Test
    void twoFactorControl() throws Exception {
        try (RawAuthClient c = connect(twoFactor)) {
            keyFirst(c);
            c.send(RawAuthClient.password(fx.user, PortalFixture.PASSWORD));
            assertSuccess(c);
            assertEquals(List.of("publickey", "password"), fx.nextLogin(WAIT).methods());
        }
    }

    /** Repeating the first factor does not complete the set. */
    @Test
    void sameFactorTwiceIsNotTwoFactors() throws Exception {
        try (RawAuthClient c = connect(twoFactor)) {
            keyFirst(c);
            c.send(c.signed(fx.user, "ssh-ed25519", ed25519));
            RawAuthClient.Reply r = reply(c);
            assertFailure(r, false);
            assertNoLogin(c);
        }
    }

    // ------------------------------------------------------------------ order and limits

    /** A USERAUTH_REQUEST (with the right password) before SERVICE_REQUEST ends the connection. */
    @Test
    void userauthBeforeServiceRequestEndsTheConnection() throws Exception {
        try (RawAuthClient c = RawAuthClient.connectOnly(server.port(), fx.hostKey)) {
            c.send(RawAuthClient.password(fx.user, PortalFixture.PASSWORD));
            assertDisconnected(c, 2); // PROTOCOL_ERROR
        }
    }

    /**
     * paramiko sends SERVICE_REQUEST ssh-userauth before every method it tries (see
     * ParamikoLoginToTetherServerTest); sshd answers each with SERVICE_ACCEPT until authentication
     * succeeds (TetherClientLoginToSshdTest#sshdAcceptsASecondServiceRequestDuringAuthentication).
     */
    @Test
    void secondServiceRequestDuringAuthenticationIsAccepted() throws Exception {
        try (RawAuthClient c = connect(server)) {
            c.send(RawAuthClient.none(fx.user));
            assertFailure(reply(c), false);
            try {
                Engines.of(c.transport).requestService("ssh-userauth", WAIT);
            } catch (java.io.IOException e) {
                throw new AssertionError("the server refused a second SERVICE_REQUEST before authentication completed: "
                        + c.transport.closeCause(), e);
            }
            c.send(c.signed(fx.user, "ssh-ed25519", ed25519));
            assertSuccess(c);
        }
    }

    /** After success, SERVICE_REQUEST ssh-userauth must not start authentication again. */
    @Test
    void serviceRequestAfterSuccessIsNotAccepted() throws Exception {
        try (RawAuthClient c = connect(server)) {
            c.send(c.signed(fx.user, "ssh-ed25519", ed25519));
            assertSuccess(c);
            assertNotNull(fx.nextLogin(WAIT));
            // the transport treats SERVICE_ACCEPT itself: requestService returns only if one came
            assertThrows(java.io.IOException.class, () -> Engines.of(c.transport).requestService("ssh-userauth", Duration.ofSeconds(2)));
            if (c.transport.isActive()) { // (our server ends the connection with PROTOCOL_ERROR)
                c.send(RawAuthClient.password(fx.user, PortalFixture.PASSWORD));
                RawAuthClient.Reply r = c.next(Duration.ofSeconds(2));
                assertTrue(r == null || r.type() == -1, "a userauth request after success was answered: " + r);
            }
            assertNull(fx.nextLogin(Duration.ofMillis(100)), "a second login");
        }
    }

    /** maxAuthTries failures end the connection with NO_MORE_AUTH_METHODS_AVAILABLE (14). */
    @Test
    void tooManyPasswordsEndTheConnectionWithCode14() throws Exception {
        try (RawAuthClient c = connect(server)) {
            for (int i = 1; i < MAX_TRIES; i++) {
                c.send(RawAuthClient.password(fx.user, "wrong " + i));
                assertFailure(reply(c), false);
            }
            c.send(RawAuthClient.password(fx.user, "wrong " + MAX_TRIES));
            assertDisconnected(c, 14); // NO_MORE_AUTH_METHODS_AVAILABLE
        }
    }

    /** Failures of different methods add up. */
    @Test
    void mixedFailuresAddUpToMaxAuthTries() throws Exception {
        KeyPair unknown = KeyFiles.readPrivateKey(fx.unknownKey, null);
        try (RawAuthClient c = connect(server)) {
            c.send(RawAuthClient.password(fx.user, "wrong"));
            assertFailure(reply(c), false);
            c.send(c.signed(fx.user, "ssh-ed25519", unknown));
            assertFailure(reply(c), false);
            c.send(RawAuthClient.signed(new byte[32], fx.user, "ssh-ed25519", ed25519Blob, ed25519.getPrivate()));
            assertDisconnected(c, 14); // NO_MORE_AUTH_METHODS_AVAILABLE
        }
    }

    /**
     * Unsigned publickey queries for keys the server refuses are answered USERAUTH_FAILURE like
     * any failed attempt, so they must count toward maxAuthTries as sshd counts them: otherwise a
     * client can ask about any number of public keys on one connection, an unbounded oracle for
     * which keys may log in as the user.
     */
    @Test
    void refusedPublickeyQueriesCountTowardMaxAuthTries() throws Exception {
        try (RawAuthClient c = connect(server)) {
            for (int i = 0; i < MAX_TRIES * 3; i++) {
                KeyPair k = SignatureAlgorithms.generate("ssh-ed25519", 0);
                c.send(RawAuthClient.query(fx.user, "ssh-ed25519", SignatureAlgorithms.encodePublicKey(k.getPublic())));
                RawAuthClient.Reply r = reply(c);
                if (r.type() == -1) {
                    break;
                }
                assertFailure(r, false);
            }
            DisconnectException d = c.awaitDisconnect(Duration.ofSeconds(2));
            assertEquals(14, d.code(), d.toString());
            long failures = c.received().stream().filter(x -> x.type() == MessageNumbers.USERAUTH_FAILURE).count();
            assertTrue(failures < MAX_TRIES, "answered " + failures + " refused queries with maxAuthTries " + MAX_TRIES);
        }
    }
}
