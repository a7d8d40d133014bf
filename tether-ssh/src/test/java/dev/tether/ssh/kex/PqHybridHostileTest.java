package dev.tether.ssh.kex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshWriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.security.SecureRandom;
import java.util.Arrays;

/** Malformed and malicious peer values: each must end the exchange with an SshException. */
@Timeout(60)
class PqHybridHostileTest {
    private static final String MLKEM = PqHybridKex.MLKEM768_X25519_SHA256;
    private static final String SNTRUP = PqHybridKex.SNTRUP761_X25519_SHA512_OPENSSH;

    private final SecureRandom random = new SecureRandom();

    private static PqKem kemOf(String name) {
        return name.equals(MLKEM) ? PqMlKem768.INSTANCE : PqSntrup761.INSTANCE;
    }

    private static void assertFails(DisconnectReason reason, String messagePart, Executable e) {
        SshException x = assertThrows(SshException.class, e);
        assertEquals(reason, x.reason(), x.getMessage());
        assertTrue(x.getMessage().contains(messagePart), x.getMessage());
    }

    /** A valid client value for the method, from a real client side. */
    private byte[] validClientInit(String name) throws SshException {
        return PqHybridRoundTripTest.agreementOf(name).start(random).publicValue();
    }

    // ---------------------------------------------------------------- lengths

    @ParameterizedTest
    @ValueSource(strings = {MLKEM, SNTRUP})
    void serverRejectsClientInitOfWrongLength(String name) throws Exception {
        EcdhStyleKex.Agreement a = PqHybridRoundTripTest.agreementOf(name);
        byte[] good = validClientInit(name);
        int pk = kemOf(name).publicKeyLength();
        for (byte[] bad : new byte[][] {
                Arrays.copyOf(good, good.length - 1),
                Arrays.copyOf(good, good.length + 1),
                Arrays.copyOf(good, pk),          // KEM key without the X25519 key
                Arrays.copyOfRange(good, pk, good.length), // X25519 key alone
                new byte[0]}) {
            assertFails(DisconnectReason.KEY_EXCHANGE_FAILED, "C_INIT must be " + (pk + 32) + " bytes",
                    () -> a.respond(bad, random));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {MLKEM, SNTRUP})
    void clientRejectsServerReplyOfWrongLength(String name) throws Exception {
        EcdhStyleKex.Agreement a = PqHybridRoundTripTest.agreementOf(name);
        EcdhStyleKex.ClientSide client = a.start(random);
        byte[] good = a.respond(client.publicValue(), random).publicValue();
        int ct = kemOf(name).ciphertextLength();
        for (byte[] bad : new byte[][] {
                Arrays.copyOf(good, good.length - 1),
                Arrays.copyOf(good, good.length + 1),
                Arrays.copyOf(good, ct),
                new byte[32],
                new byte[0]}) {
            assertFails(DisconnectReason.KEY_EXCHANGE_FAILED, "S_REPLY must be " + (ct + 32) + " bytes",
                    () -> client.finish(bad));
        }
        // the right reply still works afterwards
        assertEquals(a.respond(client.publicValue(), random).publicValue().length, good.length);
    }

    @ParameterizedTest
    @ValueSource(strings = {MLKEM, SNTRUP})
    void kemsCheckTheirOwnLengths(String name) {
        PqKem kem = kemOf(name);
        assertFails(DisconnectReason.KEY_EXCHANGE_FAILED, "public key must be",
                () -> kem.encapsulate(new byte[kem.publicKeyLength() - 1], random));
        assertFails(DisconnectReason.KEY_EXCHANGE_FAILED, "ciphertext must be",
                () -> kem.generate(random).decapsulate(new byte[kem.ciphertextLength() + 1]));
    }

    // ---------------------------------------------------------------- ML-KEM encapsulation key check

    @Test
    void serverRejectsAnMlKemKeyWithUnreducedCoefficients() throws Exception {
        byte[] init = validClientInit(MLKEM);
        // the first 12-bit coefficient becomes 0xfff = 4095 >= q = 3329 (FIPS 203 §7.2 modulus check)
        init[0] = (byte) 0xff;
        init[1] |= 0x0f;
        EcdhStyleKex.Agreement a = PqHybridRoundTripTest.agreementOf(MLKEM);
        assertFails(DisconnectReason.KEY_EXCHANGE_FAILED, "encapsulation key check", () -> a.respond(init, random));
        byte[] allOnes = validClientInit(MLKEM);
        Arrays.fill(allOnes, 0, 1152, (byte) 0xff);
        assertFails(DisconnectReason.KEY_EXCHANGE_FAILED, "encapsulation key check", () -> a.respond(allOnes, random));
    }

    // ---------------------------------------------------------------- X25519 small order / all-zero

    /** u = 0 and u = 1 are points of small order: the X25519 result is all zeros. */
    private static final byte[][] SMALL_ORDER = {new byte[32], one()};

    private static byte[] one() {
        byte[] u = new byte[32];
        u[0] = 1;
        return u;
    }

    @ParameterizedTest
    @ValueSource(strings = {MLKEM, SNTRUP})
    void serverRejectsAnAllZeroX25519Share(String name) throws Exception {
        EcdhStyleKex.Agreement a = PqHybridRoundTripTest.agreementOf(name);
        int pk = kemOf(name).publicKeyLength();
        for (byte[] u : SMALL_ORDER) {
            byte[] init = validClientInit(name);
            System.arraycopy(u, 0, init, pk, 32);
            SshException x = assertThrows(SshException.class, () -> a.respond(init, random));
            assertEquals(DisconnectReason.KEY_EXCHANGE_FAILED, x.reason());
            assertTrue(x.getMessage().startsWith("X25519"), x.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {MLKEM, SNTRUP})
    void clientRejectsAnAllZeroX25519Share(String name) throws Exception {
        EcdhStyleKex.Agreement a = PqHybridRoundTripTest.agreementOf(name);
        EcdhStyleKex.ClientSide client = a.start(random);
        int ct = kemOf(name).ciphertextLength();
        for (byte[] u : SMALL_ORDER) {
            byte[] reply = a.respond(client.publicValue(), random).publicValue();
            System.arraycopy(u, 0, reply, ct, 32);
            SshException x = assertThrows(SshException.class, () -> client.finish(reply));
            assertEquals(DisconnectReason.KEY_EXCHANGE_FAILED, x.reason());
            assertTrue(x.getMessage().startsWith("X25519"), x.getMessage());
        }
    }

    // ---------------------------------------------------------------- tampered ciphertext

    @ParameterizedTest
    @ValueSource(strings = {MLKEM, SNTRUP})
    void aTamperedCiphertextGivesADifferentSecretNotAnError(String name) throws Exception {
        EcdhStyleKex.Agreement a = PqHybridRoundTripTest.agreementOf(name);
        EcdhStyleKex.ClientSide client = a.start(random);
        EcdhStyleKex.ServerSide server = a.respond(client.publicValue(), random);
        byte[] reply = server.publicValue();
        reply[7] ^= 0x01;
        assertFalse(Arrays.equals(server.secret(), client.finish(reply)));
    }

    // ---------------------------------------------------------------- through the message flow

    private static byte[] message(int number, byte[]... strings) {
        SshWriter w = new SshWriter().byteValue(number);
        for (byte[] s : strings) {
            w.string(s);
        }
        return w.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {MLKEM, SNTRUP})
    void serverFailsWithoutReplyingOnAMalformedInit(String name) throws Exception {
        KexAlgorithm kex = PqHybridRoundTripTest.byName(name);
        PqTestPipe.Pair pipe = PqTestPipe.pair();
        byte[] init = validClientInit(name);
        pipe.server().inject(message(30, Arrays.copyOf(init, init.length - 3)));
        assertFails(DisconnectReason.KEY_EXCHANGE_FAILED, "C_INIT",
                () -> kex.server(pipe.server(), PqTestPipe.context(random), new PqTestPipe.Ed25519HostKey()));
        assertTrue(pipe.server().nothingSent(), "no reply to a malformed init");
    }

    @Test
    void serverRejectsTheWrongMessageNumber() throws Exception {
        KexAlgorithm kex = PqHybridKex.mlkem768x25519();
        PqTestPipe.Pair pipe = PqTestPipe.pair();
        pipe.server().inject(message(31, validClientInit(MLKEM)));
        assertFails(DisconnectReason.PROTOCOL_ERROR, "expected message 30, got 31",
                () -> kex.server(pipe.server(), PqTestPipe.context(random), new PqTestPipe.Ed25519HostKey()));
    }

    @Test
    void serverRejectsTrailingBytesAfterTheInit() throws Exception {
        KexAlgorithm kex = PqHybridKex.sntrup761x25519(SNTRUP);
        PqTestPipe.Pair pipe = PqTestPipe.pair();
        byte[] msg = message(30, validClientInit(SNTRUP));
        pipe.server().inject(Arrays.copyOf(msg, msg.length + 1));
        SshException x = assertThrows(SshException.class,
                () -> kex.server(pipe.server(), PqTestPipe.context(random), new PqTestPipe.Ed25519HostKey()));
        assertTrue(x.getMessage().contains("trailing"), x.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {30, 32, 20, 21})
    void clientRejectsTheWrongMessageNumber(int number) throws Exception {
        KexAlgorithm kex = PqHybridKex.mlkem768x25519();
        PqTestPipe.Pair pipe = PqTestPipe.pair();
        PqTestPipe.Ed25519HostKey hostKey = new PqTestPipe.Ed25519HostKey();
        pipe.client().inject(message(number, hostKey.publicKeyBlob(), new byte[1120], new byte[10]));
        assertFails(DisconnectReason.PROTOCOL_ERROR, "expected message 31, got " + number,
                () -> kex.client(pipe.client(), PqTestPipe.context(random)));
    }

    @ParameterizedTest
    @ValueSource(strings = {MLKEM, SNTRUP})
    void clientRejectsAReplyOfWrongLengthInTheMessageFlow(String name) throws Exception {
        KexAlgorithm kex = PqHybridRoundTripTest.byName(name);
        PqTestPipe.Pair pipe = PqTestPipe.pair();
        PqTestPipe.Ed25519HostKey hostKey = new PqTestPipe.Ed25519HostKey();
        int ct = kemOf(name).ciphertextLength();
        pipe.client().inject(message(31, hostKey.publicKeyBlob(), new byte[ct + 31], hostKey.sign(new byte[1])));
        assertFails(DisconnectReason.KEY_EXCHANGE_FAILED, "S_REPLY",
                () -> kex.client(pipe.client(), PqTestPipe.context(random)));
        // the client did send its init first
        byte[] sent = pipe.client().sent();
        assertEquals(30, sent[0]);
    }

    @Test
    void clientRejectsATruncatedReply() throws Exception {
        KexAlgorithm kex = PqHybridKex.sntrup761x25519(SNTRUP);
        PqTestPipe.Pair pipe = PqTestPipe.pair();
        byte[] msg = message(31, new PqTestPipe.Ed25519HostKey().publicKeyBlob(), new byte[1071]);
        pipe.client().inject(msg);
        SshException x = assertThrows(SshException.class, () -> kex.client(pipe.client(), PqTestPipe.context(random)));
        assertTrue(x.getMessage().contains("truncated"), x.getMessage());
    }

    // ---------------------------------------------------------------- no secrets in messages

    @Test
    void failureMessagesDoNotCarryPeerOrSecretBytes() throws Exception {
        EcdhStyleKex.Agreement a = PqHybridRoundTripTest.agreementOf(MLKEM);
        byte[] init = validClientInit(MLKEM);
        init[0] = (byte) 0xff;
        init[1] |= 0x0f;
        SshException x = assertThrows(SshException.class, () -> a.respond(init, random));
        String hexStart = PqTestPipe.hex(Arrays.copyOf(init, 8));
        assertFalse(x.getMessage().toLowerCase().contains(hexStart));
    }
}
