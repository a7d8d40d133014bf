package dev.tether.ssh.kex;

import dev.tether.ssh.common.SshException;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;

import static dev.tether.ssh.kex.KexTestPipe.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Whole-exchange known answers: with V_C, V_S, I_C, I_S, K_S and both sides' ephemeral private
 * values fixed, K and H must equal what {@code src/test/resources/vectors/kex_exchange_hash.py}
 * computes independently (Python's {@code cryptography} for X25519 and P-256, plain integers and
 * RFC 3526 primes rebuilt from the pi formula for DH). Both the client and the server side are
 * checked, each with its own fixed key, through the package-private seams.
 */
class KexKnownAnswerTest {

    private static void assertKnownAnswer(KexAlgorithm clientSide, KexAlgorithm serverSide,
                                          String expectedK, String expectedH) throws Exception {
        TestHostKey hostKey = TestHostKey.rfc8032Test1();
        try (KexTestPipe pipe = new KexTestPipe()) {
            // randomness must not matter: every ephemeral value is fixed
            KexTestPipe.Results r = pipe.run(clientSide, serverSide, KexTestPipe.context(new SecureRandom()), hostKey);
            KexTestPipe.assertAgreement(r, hostKey, clientSide.hashAlgorithm());
            assertEquals(expectedK, kForComparison(r.client().sharedSecret(), expectedK), "K, client");
            assertEquals(expectedK, kForComparison(r.server().sharedSecret(), expectedK), "K, server");
            assertEquals(expectedH, hex(r.client().exchangeHash()), "H, client");
            assertEquals(expectedH, hex(r.server().exchangeHash()), "H, server");
        }
    }

    /** Long DH secrets are compared by their SHA-256 (64 hex digits); short ones in full. */
    private static String kForComparison(byte[] k, String expected) throws Exception {
        if (expected.startsWith("sha256:")) {
            return "sha256:" + hex(MessageDigest.getInstance("SHA-256").digest(k));
        }
        return hex(k);
    }

    // ---- curve25519-sha256, RFC 7748 §6.1 Alice (client) and Bob (server)

    private static final String ALICE = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    private static final String BOB = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";

    /**
     * The same agreement as {@link EcdhStyleKex#curve25519}, with fixed scalars: that factory has
     * no seam of its own, so this drives {@link EcdhStyleKex}'s flow and {@link X25519} directly.
     */
    private static EcdhStyleKex fixedCurve25519(String clientScalar, String serverScalar) {
        return new EcdhStyleKex("curve25519-sha256", "SHA-256", false, new EcdhStyleKex.Agreement() {
            @Override
            public EcdhStyleKex.ClientSide start(SecureRandom random) throws SshException {
                X25519 x = X25519.fromPrivate(hex(clientScalar));
                return new EcdhStyleKex.ClientSide() {
                    @Override
                    public byte[] publicValue() {
                        return x.publicKey();
                    }

                    @Override
                    public byte[] finish(byte[] serverPublic) throws SshException {
                        return x.agree(serverPublic);
                    }
                };
            }

            @Override
            public EcdhStyleKex.ServerSide respond(byte[] clientPublic, SecureRandom random) throws SshException {
                X25519 x = X25519.fromPrivate(hex(serverScalar));
                return new EcdhStyleKex.ServerSide(x.publicKey(), x.agree(clientPublic));
            }
        });
    }

    @Test
    void curve25519Sha256() throws Exception {
        EcdhStyleKex kex = fixedCurve25519(ALICE, BOB);
        assertKnownAnswer(kex, kex,
                "000000204a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
                "17fdceb88843bf6314520fb88f4f4f4cdd8ae3b0c077a193b6ae9e73aea95d8b");
    }

    // ---- ecdh-sha2-nistp256, RFC 5903 §8.1 i (client) and r (server)

    /** A key source returning one fixed key pair: private d and public (x, y). */
    static NistEcdh.KeySource fixedEcKey(String d, String x, String y) {
        return (ECParameterSpec params, SecureRandom random) -> fixedEcKeyPair(params, d, x, y);
    }

    static KeyPair fixedEcKeyPair(ECParameterSpec params, String d, String x, String y) throws GeneralSecurityException {
        KeyFactory kf = KeyFactory.getInstance("EC");
        return new KeyPair(
                kf.generatePublic(new ECPublicKeySpec(new ECPoint(new BigInteger(1, hex(x)), new BigInteger(1, hex(y))), params)),
                kf.generatePrivate(new ECPrivateKeySpec(new BigInteger(1, hex(d)), params)));
    }

    @Test
    void ecdhSha2Nistp256() throws Exception {
        EcdhStyleKex client = NistEcdh.kex(NistEcdh.Curve.NISTP256, fixedEcKey(
                NistEcdhTest.P256_I, NistEcdhTest.P256_GIX, NistEcdhTest.P256_GIY));
        EcdhStyleKex server = NistEcdh.kex(NistEcdh.Curve.NISTP256, fixedEcKey(
                NistEcdhTest.P256_R, NistEcdhTest.P256_GRX, NistEcdhTest.P256_GRY));
        assertKnownAnswer(client, server,
                "0000002100d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de",
                "250468164c589cd1a84aee1ee3fbc4a65e9b0d065797ebef664184ac9ff46a1c");
    }

    // ---- finite-field DH, fixed 512-bit exponents (SHA-512 of labels in the script)

    private static final BigInteger X = new BigInteger("b3ede5d005105594d54cbb2da231d0ffc164de0eabb75a303710132a4f38a8fc"
            + "4a8acee347643d3524e3f8d634ae7ceea5ef9819b5a136038b218c205e55b044", 16);
    private static final BigInteger Y = new BigInteger("7a6f713b190b2cc402a32f4379137fb1816a4aa753af5bb42a426c5fb5852e60"
            + "515abc48f29aef1e0f5ce5f49a7b6c83f239f3da31ae247ec62218ee3da3945f", 16);

    @Test
    void diffieHellmanGroup14Sha256() throws Exception {
        String name = "diffie-hellman-group14-sha256";
        assertKnownAnswer(
                new DhKex(name, "SHA-256", ModpGroups.GROUP14, (g, r) -> X),
                new DhKex(name, "SHA-256", ModpGroups.GROUP14, (g, r) -> Y),
                "sha256:5d1e08adfe78d7323440f4d44de549a1d5d7bd1b848da3e6f9d4e24bfca5b28c",
                "5f7d4b5f70bf8192a61b1fa3fff0610a638aef4f3925cd949473c18278e89c7c");
    }

    @Test
    void diffieHellmanGroupExchangeSha256() throws Exception {
        // the client asks 2048/4096/8192; the built-in source's only 4096-bit group is group 16
        String name = "diffie-hellman-group-exchange-sha256";
        assertKnownAnswer(
                new DhGroupExchange(name, "SHA-256", DhGroupSource.builtIn(), (g, r) -> X, 2048, 4096, 8192),
                new DhGroupExchange(name, "SHA-256", DhGroupSource.builtIn(), (g, r) -> Y, 2048, 4096, 8192),
                "sha256:95866c5997c159a1ee6ebbd0c737ca5ab3ede43274070a526bf8ec96afc61d67",
                "b1ddee23a8c4d722af67539ea0e2733ad969bb9d0719c3f0450fc344ef1fec59");
    }
}
