package dev.tether.ssh.kex;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.security.SecureRandom;
import java.util.Arrays;

/** Client against server over the in-memory pipe, for all three names. */
@Timeout(60)
class PqHybridRoundTripTest {

    static KexAlgorithm byName(String name) {
        return name.equals(PqHybridKex.MLKEM768_X25519_SHA256)
                ? PqHybridKex.mlkem768x25519()
                : PqHybridKex.sntrup761x25519(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlkem768x25519-sha256", "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com"})
    void clientAndServerAgree(String name) throws Exception {
        KexAlgorithm kex = byName(name);
        assertEquals(name, kex.name());
        String hash = name.startsWith("mlkem") ? "SHA-256" : "SHA-512";
        int hashLen = name.startsWith("mlkem") ? 32 : 64;
        assertEquals(hash, kex.hashAlgorithm());

        PqTestPipe.Ed25519HostKey hostKey = new PqTestPipe.Ed25519HostKey();
        KexContext ctx = PqTestPipe.context(new SecureRandom());
        PqTestPipe.Run run = PqTestPipe.run(kex, ctx, ctx, hostKey);
        KexResult c = run.client();
        KexResult s = run.server();

        assertArrayEquals(s.sharedSecret(), c.sharedSecret(), "K");
        assertArrayEquals(s.exchangeHash(), c.exchangeHash(), "H");
        assertArrayEquals(hostKey.publicKeyBlob(), c.hostKey());
        assertArrayEquals(s.signature(), c.signature());
        assertEquals(hash, c.hashAlgorithm());
        assertEquals(hash, s.hashAlgorithm());

        // K is string-encoded: uint32 length, then HASH(K_PQ || K_CL), leading zeros and all
        SshReader k = new SshReader(c.sharedSecret());
        byte[] rawK = k.string();
        k.expectEnd("K");
        assertEquals(hashLen, rawK.length);
        assertEquals(hashLen, c.exchangeHash().length);

        assertTrue(PqTestPipe.verifyEd25519(c.hostKey(), c.signature(), c.exchangeHash()), "signature over H");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlkem768x25519-sha256", "sntrup761x25519-sha512@openssh.com"})
    void hIsComputedAsDefined(String name) throws Exception {
        KexAlgorithm kex = byName(name);
        PqTestPipe.Ed25519HostKey hostKey = new PqTestPipe.Ed25519HostKey();
        KexContext ctx = PqTestPipe.context(new SecureRandom());
        PqTestPipe.Pair pipe = PqTestPipe.pair();
        // run the server alone, playing the client by hand with a real client agreement value
        EcdhStyleKex.ClientSide client = agreementOf(name).start(new SecureRandom());
        byte[] qc = client.publicValue();
        pipe.client().write(new SshWriter().byteValue(30).string(qc).toByteArray());
        KexResult s = kex.server(pipe.server(), ctx, hostKey);
        SshReader m = new SshReader(pipe.client().read());
        assertEquals(31, m.byteValue());
        byte[] ks = m.string();
        byte[] qs = m.string();
        m.string();
        m.expectEnd("reply");
        byte[] rawK = client.finish(qs);
        assertArrayEquals(new SshWriter().string(rawK).toByteArray(), s.sharedSecret());
        assertArrayEquals(PqTestPipe.exchangeHash(kex.hashAlgorithm(), ctx, ks, qc, qs, rawK), s.exchangeHash());
    }

    static EcdhStyleKex.Agreement agreementOf(String name) {
        return name.startsWith("mlkem")
                ? new PqHybridKex.HybridAgreement(name, PqMlKem768.INSTANCE, "SHA-256", X25519::generate)
                : new PqHybridKex.HybridAgreement(name, PqSntrup761.INSTANCE, "SHA-512", X25519::generate);
    }

    @Test
    void exchangesAreFresh() throws Exception {
        KexAlgorithm kex = PqHybridKex.mlkem768x25519();
        PqTestPipe.Ed25519HostKey hostKey = new PqTestPipe.Ed25519HostKey();
        KexContext ctx = PqTestPipe.context(new SecureRandom());
        PqTestPipe.Run a = PqTestPipe.run(kex, ctx, ctx, hostKey);
        PqTestPipe.Run b = PqTestPipe.run(kex, ctx, ctx, hostKey);
        assertFalse(Arrays.equals(a.client().sharedSecret(), b.client().sharedSecret()));
        assertFalse(Arrays.equals(a.client().exchangeHash(), b.client().exchangeHash()));
    }

    @Test
    void onlyTheTwoSntrupNamesAreAccepted() {
        assertEquals("sntrup761x25519-sha512", PqHybridKex.sntrup761x25519("sntrup761x25519-sha512").name());
        assertEquals("sntrup761x25519-sha512@openssh.com",
                PqHybridKex.sntrup761x25519("sntrup761x25519-sha512@openssh.com").name());
        assertThrows(IllegalArgumentException.class, () -> PqHybridKex.sntrup761x25519("sntrup761x25519-sha256"));
        assertEquals("mlkem768x25519-sha256", PqHybridKex.mlkem768x25519().name());
    }
}
