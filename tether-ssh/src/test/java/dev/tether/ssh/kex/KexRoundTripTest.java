package dev.tether.ssh.kex;

import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Client and server of every implemented method, run against each other over {@link KexTestPipe}. */
class KexRoundTripTest {

    static List<String> implementedNames() {
        return KexAlgorithms.supported();
    }

    @ParameterizedTest
    @MethodSource("implementedNames")
    void clientAndServerAgree(String name) throws Exception {
        KexAlgorithm method = KexAlgorithms.get(name);
        assertNotNull(method, name);
        TestHostKey hostKey = TestHostKey.generate();
        try (KexTestPipe pipe = new KexTestPipe()) {
            KexTestPipe.Results r = pipe.run(method, method, KexTestPipe.context(), hostKey);
            KexTestPipe.assertAgreement(r, hostKey, method.hashAlgorithm());
        }
    }

    @ParameterizedTest
    @MethodSource("implementedNames")
    void twoRunsGiveDifferentSecrets(String name) throws Exception {
        // fresh ephemeral keys each time: the production path must not reuse a key
        KexAlgorithm method = KexAlgorithms.get(name);
        TestHostKey hostKey = TestHostKey.generate();
        try (KexTestPipe pipe = new KexTestPipe()) {
            KexResult first = pipe.run(method, method, KexTestPipe.context(), hostKey).client();
            KexResult second = pipe.run(method, method, KexTestPipe.context(), hostKey).client();
            assertFalse(MessageDigest.isEqual(first.sharedSecret(), second.sharedSecret()), "K repeated");
            assertFalse(MessageDigest.isEqual(first.exchangeHash(), second.exchangeHash()), "H repeated");
        }
    }

    @Test
    void groupExchangeWithModuliFile(@TempDir Path dir) throws Exception {
        Path moduli = dir.resolve("moduli");
        // group 15 (3072 bits) as a moduli line; the client's request (2048..8192, prefer 4096)
        // then gets it as the largest group available
        Files.writeString(moduli, "# test moduli\n"
                + ModuliFileTest.line("20240101000000", 2, 6, 100, ModpGroups.GROUP15) + "\n");
        KexAlgorithm server = KexAlgorithms.groupExchange("diffie-hellman-group-exchange-sha256", moduli);
        KexAlgorithm client = KexAlgorithms.get("diffie-hellman-group-exchange-sha256");
        TestHostKey hostKey = TestHostKey.generate();
        try (KexTestPipe pipe = new KexTestPipe()) {
            KexTestPipe.Results r = pipe.run(client, server, KexTestPipe.context(), hostKey);
            KexTestPipe.assertAgreement(r, hostKey, "SHA-256");
            assertArrayEquals(new SshWriter().byteValue(34).uint32(2048).uint32(4096).uint32(8192).toByteArray(),
                    pipe.server.received.get(0), "the client's request: min 2048, n 4096, max 8192");
            byte[] groupMsg = pipe.client.received.get(0);
            assertEquals(31, groupMsg[0]);
            SshReader g = new SshReader(groupMsg, 1, groupMsg.length - 1);
            assertEquals(ModpGroups.GROUP15.p(), g.mpint(), "the moduli file's group, not a built-in one");
            assertEquals(BigInteger.TWO, g.mpint());
        }
    }

    @Test
    void groupExchangeServerAcceptsOldRequest() throws Exception {
        // RFC 4419 §5: REQUEST_OLD (30) carries only n, and H then has n without min and max.
        // The test plays the client by hand and computes H itself.
        KexAlgorithm method = KexAlgorithms.get("diffie-hellman-group-exchange-sha256");
        TestHostKey hostKey = TestHostKey.generate();
        KexContext ctx = KexTestPipe.context();
        try (KexTestPipe pipe = new KexTestPipe()) {
            Future<KexResult> s = pipe.start(() -> method.server(pipe.server, ctx, hostKey));
            pipe.client.write(new SshWriter().byteValue(30).uint32(3072).toByteArray());
            byte[] groupMsg = pipe.client.read();
            assertEquals(31, groupMsg[0]);
            SshReader r = new SshReader(groupMsg, 1, groupMsg.length - 1);
            BigInteger p = r.mpint();
            BigInteger g = r.mpint();
            assertEquals(ModpGroups.GROUP15.p(), p, "smallest built-in group of at least 3072 bits");
            BigInteger x = new BigInteger(512, new SecureRandom()).setBit(511);
            BigInteger e = g.modPow(x, p);
            pipe.client.write(new SshWriter().byteValue(32).mpint(e).toByteArray());
            byte[] reply = pipe.client.read();
            assertEquals(33, reply[0]);
            r = new SshReader(reply, 1, reply.length - 1);
            byte[] ks = r.string();
            BigInteger f = r.mpint();
            byte[] sig = r.string();
            r.expectEnd("reply");
            KexResult server = KexTestPipe.await(s);

            BigInteger k = f.modPow(x, p);
            byte[] kEnc = new SshWriter().mpint(k).toByteArray();
            SshWriter w = new SshWriter();
            w.string(ctx.clientVersion()).string(ctx.serverVersion()).string(ctx.clientKexInit()).string(ctx.serverKexInit())
                    .string(ks).uint32(3072).mpint(p).mpint(g).mpint(e).mpint(f).raw(kEnc);
            byte[] h = MessageDigest.getInstance("SHA-256").digest(w.toByteArray());
            assertArrayEquals(kEnc, server.sharedSecret(), "K");
            assertArrayEquals(h, server.exchangeHash(), "H without min and max");
            assertEquals(true, TestHostKey.verify(ks, sig, h), "signature over H");
        }
    }
}
