package dev.tether.ssh.kex;

import static dev.tether.ssh.kex.PqTestPipe.concat;
import static dev.tether.ssh.kex.PqTestPipe.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.kex.PqTestPipe.FixedRandom;
import dev.tether.ssh.kex.PqTestPipe.NistKatDrbg;
import dev.tether.ssh.kex.PqTestPipe.SupercopSntrupRandom;

import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.SecretWithEncapsulation;
import org.bouncycastle.pqc.crypto.mlkem.MLKEMKeyGenerationParameters;
import org.bouncycastle.pqc.crypto.mlkem.MLKEMKeyPairGenerator;
import org.bouncycastle.pqc.crypto.mlkem.MLKEMParameters;
import org.bouncycastle.pqc.crypto.mlkem.MLKEMPrivateKeyParameters;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimeKEMExtractor;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimeKEMGenerator;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimeKeyGenerationParameters;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimeKeyPairGenerator;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimeParameters;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimePrivateKeyParameters;
import org.bouncycastle.pqc.crypto.ntruprime.SNTRUPrimePublicKeyParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Known-answer tests for the KEMs behind the hybrids and for the hybrid combination itself.
 *
 * <ul>
 *   <li>ML-KEM-768: NIST ACVP FIPS 203 sample vectors (keyGen vsId 2622883 tcId 1, encapDecap
 *       vsId 2622886 tcId 3), as published in bcgit/bc-test-data
 *       {@code pqc/crypto/mlkem/ML-KEM-keyGen.txt} and {@code ML-KEM-encapDecap.txt}.</li>
 *   <li>sntrup761: the NIST-DRBG known-answer test (count = 0) of the SUPERCOP-derived
 *       implementation that liboqs ships (PQClean, the code OpenSSH also takes from SUPERCOP); liboqs
 *       publishes the SHA-256 of that KAT text in {@code tests/KATs/kem/kats.json}
 *       ({@code "sntrup761": {"single": ...}}), and its generator is {@code tests/kat_kem.c}.</li>
 *   <li>X25519: RFC 7748 §6.1.</li>
 * </ul>
 *
 * <p>Neither draft-ietf-sshm-mlkem-hybrid-kex nor RFC 9941 publishes a test vector for a whole
 * exchange, so the hybrid K is checked against HASH(K_PQ || K_CL) built from the component
 * vectors above, and H against its definition.
 */
@Timeout(60)
class PqHybridKatTest {

    // ---- ML-KEM-768, ACVP keyGen (vsId 2622883, tgId 1, tcId 1)
    private static final byte[] KEYGEN_D = hex("4a39718bc71da57200a3458849b66a584b1654517fc01cd71f73936ec637afdb");
    private static final byte[] KEYGEN_Z = hex("1c1ca2a5b29d73a2cdd1955dc19785d8c3f313bc8c65e1edde23293bc0724496");
    /** SHA-256 of the vector's 2400-byte dk. */
    private static final String KEYGEN_DK_SHA256 = "53c03df44288fc1bb73c1cdea97873f764895092ff7939677439da0c805b021e";

    // ---- ML-KEM-768, ACVP encapsulation (vsId 2622886, tgId 1, tcId 3)
    private static final byte[] ENCAPS_M = hex("613efb85cc4c72551e7bafe693643cca7f87acfc3fa57eb6a365b8f5982c448f");
    /** SHA-256 of the vector's 1088-byte ciphertext c. */
    private static final String ENCAPS_C_SHA256 = "30d6e026a189d2ea5c41ae33eb2cc111fe16ba482f20d881c7b3438fe88ea34d";
    private static final byte[] ENCAPS_K = hex("cd847ec1ce39eb201acee0f07f701c33cdff2304096ccde447e53c337234a965");

    // ---- X25519, RFC 7748 §6.1
    private static final byte[] ALICE_PRIVATE = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    private static final byte[] ALICE_PUBLIC = hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    private static final byte[] BOB_PRIVATE = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    private static final byte[] BOB_PUBLIC = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    private static final byte[] X25519_SHARED = hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");

    // ---- sntrup761, NIST DRBG KAT count = 0 (liboqs tests/KATs/kem/kats.json, "single")
    private static final String NIST_KAT_SEED0 =
            "061550234d158c5ec95595fe04ef7a25767f2e24cc2bc479d09d86dc9abcfde7056a8c266f9ef97ed08541dbd2e1ffa1";
    private static final String SNTRUP761_KAT_SHA256 = "afc42c3a5b10f4ef69654250097ebda9b9564570f4086744b24a6daf2bd1f89a";

    private static final String KEYGEN_EK =
            "4bc58d18dc9cf6973257a12a7aeb62cd91944dd173f85c571d64277b7263fa37b0f8b5aaffaa7419998442e55fd0bc1a" +
            "f7b0287ada9ab174ae4fa78f2266158bc83e0ee33aaa7086cf3c010a4a4d56b42ed5172169827729293745844ae757af" +
            "6e95c2a6744797710f2fe9c78bfa15c13aaee8e9b69b021f142144d398600a579cc9cc2c7520b7259c2528a9966e8cc5" +
            "efba8668d885145b052bdc0ad4f0be38bc9144b20509f25d942a88c9789650c76d6806791109c647bb842e314946f251" +
            "dcb5b71cfab81ad81908472cb7307e87e4a29cc48ae0b3cb7e82a57dc92fb95126988b11d506c35e40228687099af3ae" +
            "f53baf6b3686ce3695b4270692567afb367cdb7129b2b83551d47420a1c938016f4671a354259787f69534798839eb14" +
            "64d749dc883ad8d4072561056501c76bf2a4c8385897302acc76cf5609ccdad74b9bea745b78321c975d0f72789feb32" +
            "da404ced223f7b838d10fa6bf7057384cb1e5ec863f2d906e274c4eee6b9388b5ac9e4575d48747d371cecd58dadf256" +
            "ba9b278fd8a1535708d8b78862b27f080c7b8a057fc08c231a41bf428941be82a307644297d825a386182ff32f8f3c30" +
            "493638e16b8a8edc9346183262e50a4474416402628be4a7ccb3431ab70d324910a39198a25468eb95ccdad0948d4502" +
            "13b06bb83430283538c9234cb1181fd6689cc07c8d125cb45fb2b78de6071d8895b614cd47e7a253aaa1ce31bd955974" +
            "117809f9391cd8a9113178273c5a8a65e7b66ca77b0710ab112144e77058e5da498ce0199967c39b8a447aab7f8b714d" +
            "dcd694c2f28b2295762a3ba880acba260384ff8a7c64a8211e7c4f81165723e3bb261198a2a1c8086662f7940abc4ba1" +
            "ef10460526621a79470db22427bb10f0115c17b79763c5488bdb3d305a4e411797cb620b29c3a7c076bd3c405db2b81f" +
            "ec85adfe7ac9ba7702fbc3bebdc0b308149f327c18c7037ee5234c37f581dfd94837554673a39379e03ac6aaa38ca87e" +
            "a2b940478811edd41c07968b15c112cf64b667b3bd6dd5bcdd5a5cb065787aba70d6926b30259c77e3b4ef2cc8b25153" +
            "fbb38c1cdc8ef81358893861a888851b54256e37a0e8360ce22c9ccc3822b718becd7bc83422cc61ea9f918b986f15b6" +
            "d8e1b32d472d394ca40ed7a5c5611548e294c5bc09b64367fcc86f5fd417786c3c7b864c4f7b24ecab8a32c40a993769" +
            "093b36fb2b465b2924816314fc1063d9606d7277a8fff5b5dba5769c5c8986e4adae1965b652064e0570d6a36dc28a45" +
            "df2c4c5f6aa201ea7d8d672a7222648b32672dcba0a68459dcb484b14c18603831003d15da1b4a87d0579d196bb06947" +
            "7ff3bef0059ad38c78d7da94413a69f8274e93726dca420f75043e55236abc4921f6489c14043d2cbab64d68a0083bb0" +
            "d2257a4750459780c623a12d8eb522b8b62214c75bcaa41899b8cbe36b1a071200652bae06e25808296151964c89a3bb" +
            "7d5b88e8b23260964b3cd23f6bb7655b0834b9ecc9bcac1185603d0af11216a9aae4ca80ee0c714618bf0afc73293c9d" +
            "592872ca72c887d4447e65b751368ea081294a43777cb599c416516cb09ebc436f352ba11a3962fd5745214133b72b67" +
            "ea855f380e4661920c003ce639a7f02609835f00f09ab1a80f0e1cd0d5b5fd8a";

    private static final String ENCAPS_EK =
            "d4da6104acccb3db81230ba0d97aadff0602b5681e9be50ebc3875c9950b3e6c945c8caf0ce8c197764c9e4828a07833" +
            "111415194972c499bfb6f807ff8b2e1d95420f0a4450ca3f93fa1aeec42454a81b1c74ccdfb83826babc26ca76a5242e" +
            "0a541acd703af292881ac0394d7c9ebb7135d9388f2423733ecb7039d7bb9bf15e8cfcce0631c8a485640c2692946359" +
            "6f738b251a822eb8082b0003bec81d9c40421cd2453b39606d844a48db523cd54693188332d43ce4e18d9db277d2425f" +
            "0cd0be3d8092179670a7765e1cb2c11992942774451e5024735794a75a8fca277b8e832f106c6e8bb33b7d04879b3438" +
            "df422bde693eda694c7ca9266b5790d04c01fca04dbb38b04187c37d12263f45b6c544af7c43771a28cd3696a4f39017" +
            "0f11c670866b95c908a4c84d4471692d7c89d1647c3c660094d721c503a5de7c430db49c7a4abdc2c6b126e23141184e" +
            "c99386bc53a0ab13b620100a3350cbcde3664dda416fd9b14179158ca687b52531f2b749730700f2d14910f17ba6f5c1" +
            "0cfcbe0af7c9ec35310a67164d788c9150b27f17ce6c084b66d98e49918837d661a8b979c44436405588719b80f0e43c" +
            "d07b91587262b0e8030dbbb0b45888c68a335fc2984c2704976a5d6504d09a8723979c6f31078583a0bd0b228347b82f" +
            "d9b903b2350cb5087f8185515fd84dbe541989542f6441209b6c0446d518ae0a27d1c25b84943d8f71bd6ecc506455b3" +
            "df3551a7e116f0e70c67b70cbb4c44a084584ec22ce1b3900916aa3b924d420895fd7542ee19a784b099610ba2805777" +
            "731ac03ce36e8e319f2f2b300598a9908b64e888705a32878d1c5f8cd4a31931a483f98b63f890d9577721a832e65a98" +
            "3521a8ee65c16382c42e9706f66285f42b85bbeb7e93c2cd651958bc6205cdbb3c75c06cb27c3950b093972821a7cbc8" +
            "e06810db2c6a8b1c04c95ca49314b8da84cd72e422f9488cdff84b5d7921b2295ceb5a4fcdc49b386a7e191c65dac70b" +
            "9738301c4527d0368fac9031ac47bef5b7c3e310af56ea427297b3fcb3bc3d1aca4af6ce5fe77ff70cc84dd7c0153676" +
            "ef18391dfc7765a39b39193ef6151395c6aab4f8c51ae47d20601ddd4b4f73466a4054122dc78b2a70377e011e04a497" +
            "c084c4a8985967e4559549abcb756761853074769ffc966f8213796dac631727ac61f534a0a936e2b9459e43a977fc2d" +
            "99a1849984cc859913d8c43259578036c6a39d1735290452b32a94bc761debfa6242e88455d34527f46145f995307c5e" +
            "63c941d4d80f6e8a37d8340ba7870d4a7010863140a3849c68c47da302cc522c9ef63972f55bad8b00679ae8230ae19d" +
            "ff021b125339229358b3eb8ead0519aa5944fb566dbcb682ae582b9447c711140ab6785b4cf5c6fde1c95e1981788b4e" +
            "eb452e28f3ae9d01a25d34cbf2e24455abbec36183eca07620eac16eb9ca440853851754e0074e90e9805df3a8249882" +
            "8a775388d43939e46950d30e80a70c2e7119bf714fe21c1d046952acf5c63535c7bf325572761596544e1e70add404b4" +
            "9fa1c9ff1ccc8b812ce4769a566b2d344021e3878e29b13aab47ba107b6fbd079ca6ecb4cef115e753130af1c57b08ad" +
            "9adfd04e62cabc4a1e511a8918a0f4243393ba37b544bf61a1ed392f399997c2";

    private static byte[] sha256(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }

    private static byte[] digest(String alg, byte[]... parts) throws Exception {
        MessageDigest md = MessageDigest.getInstance(alg);
        for (byte[] p : parts) {
            md.update(p);
        }
        return md.digest();
    }

    // ================================================================ ML-KEM-768

    @Test
    void mlKem768KeyGenMatchesAcvp() throws Exception {
        FixedRandom random = new FixedRandom(KEYGEN_D, KEYGEN_Z);
        PqKem.Decapsulator d = PqMlKem768.INSTANCE.generate(random);
        assertTrue(random.exhausted(), "key generation draws exactly d || z");
        assertEquals(KEYGEN_EK, hex(d.publicKey()));

        // the decapsulation key itself, through Bouncy Castle as PqMlKem768 drives it
        MLKEMKeyPairGenerator g = new MLKEMKeyPairGenerator();
        g.init(new MLKEMKeyGenerationParameters(new FixedRandom(KEYGEN_D, KEYGEN_Z), MLKEMParameters.ml_kem_768));
        AsymmetricCipherKeyPair kp = g.generateKeyPair();
        byte[] dk = ((MLKEMPrivateKeyParameters) kp.getPrivate())
                .getParametersWithFormat(MLKEMPrivateKeyParameters.EXPANDED_KEY).getEncoded();
        assertEquals(2400, dk.length);
        assertEquals(KEYGEN_DK_SHA256, hex(sha256(dk)));
    }

    @Test
    void mlKem768EncapsulationMatchesAcvp() throws Exception {
        FixedRandom random = new FixedRandom(ENCAPS_M);
        PqKem.Encapsulation e = PqMlKem768.INSTANCE.encapsulate(hex(ENCAPS_EK), random);
        assertTrue(random.exhausted(), "encapsulation draws exactly m");
        assertEquals(PqMlKem768.CIPHERTEXT_BYTES, e.ciphertext().length);
        assertEquals(ENCAPS_C_SHA256, hex(sha256(e.ciphertext())));
        assertArrayEquals(ENCAPS_K, e.secret());
    }

    @Test
    void mlKem768DecapsulatesWhatItEncapsulated() throws Exception {
        PqKem.Decapsulator d = PqMlKem768.INSTANCE.generate(new FixedRandom(KEYGEN_D, KEYGEN_Z));
        PqKem.Encapsulation e = PqMlKem768.INSTANCE.encapsulate(d.publicKey(), new FixedRandom(ENCAPS_M));
        assertArrayEquals(e.secret(), d.decapsulate(e.ciphertext()));
        // implicit rejection: a different ciphertext of the right length decapsulates to another secret
        byte[] bad = e.ciphertext();
        bad[100] ^= 1;
        assertFalse(Arrays.equals(e.secret(), d.decapsulate(bad)));
    }

    // ================================================================ sntrup761

    /** The NIST-KAT count-0 values, produced by Bouncy Castle and checked against liboqs's digest. */
    record SntrupKat(byte[] seed, byte[] pk, byte[] sk, byte[] ct, byte[] ss) {
    }

    /** The count-0 DRBG: seeded from entropy 00 01 .. 2f, then reseeded from its first 48 bytes. */
    private static byte[] katSeed() {
        byte[] entropy = new byte[48];
        for (int i = 0; i < 48; i++) {
            entropy[i] = (byte) i;
        }
        byte[] seed = new byte[48];
        new NistKatDrbg(entropy).nextBytes(seed);
        return seed;
    }

    private static SecureRandom katRandom(byte[] seed) {
        return new SupercopSntrupRandom(new NistKatDrbg(seed));
    }

    static SntrupKat sntrupKat() throws Exception {
        byte[] seed = katSeed();
        SecureRandom random = katRandom(seed);
        SNTRUPrimeKeyPairGenerator g = new SNTRUPrimeKeyPairGenerator();
        g.init(new SNTRUPrimeKeyGenerationParameters(random, SNTRUPrimeParameters.sntrup761));
        AsymmetricCipherKeyPair kp = g.generateKeyPair();
        byte[] pk = ((SNTRUPrimePublicKeyParameters) kp.getPublic()).getEncoded();
        byte[] sk = ((SNTRUPrimePrivateKeyParameters) kp.getPrivate()).getEncoded();
        SecretWithEncapsulation e = new SNTRUPrimeKEMGenerator(random).generateEncapsulated(kp.getPublic());
        return new SntrupKat(seed, pk, sk, e.getEncapsulation(), e.getSecret());
    }

    /** liboqs tests/kat_kem.c output format: upper-case hex, one "name = value" line each. */
    private static String katText(SntrupKat k) {
        return "count = 0\n"
                + "seed = " + hex(k.seed()).toUpperCase() + "\n"
                + "pk = " + hex(k.pk()).toUpperCase() + "\n"
                + "sk = " + hex(k.sk()).toUpperCase() + "\n"
                + "ct = " + hex(k.ct()).toUpperCase() + "\n"
                + "ss = " + hex(k.ss()).toUpperCase() + "\n";
    }

    @Test
    void nistKatDrbgMatchesTheKnownFirstSeed() {
        assertEquals(NIST_KAT_SEED0, hex(katSeed()));
    }

    @Test
    void bouncyCastleSntrup761MatchesSupercopKnownAnswer() throws Exception {
        SntrupKat k = sntrupKat();
        assertEquals(PqSntrup761.PUBLIC_KEY_BYTES, k.pk().length);
        assertEquals(1763, k.sk().length);
        assertEquals(PqSntrup761.CIPHERTEXT_BYTES, k.ct().length);
        assertEquals(PqSntrup761.SECRET_BYTES, k.ss().length);
        // pk, sk, ct and ss all byte-identical to SUPERCOP's sntrup761 (as in liboqs and OpenSSH)
        assertEquals(SNTRUP761_KAT_SHA256, hex(sha256(katText(k).getBytes(StandardCharsets.US_ASCII))));
        // and decapsulation with that secret key recovers ss
        SNTRUPrimePrivateKeyParameters priv = kpFromKat();
        assertArrayEquals(k.ss(), new SNTRUPrimeKEMExtractor(priv).extractSecret(k.ct()));
    }

    private static SNTRUPrimePrivateKeyParameters kpFromKat() {
        SNTRUPrimeKeyPairGenerator g = new SNTRUPrimeKeyPairGenerator();
        g.init(new SNTRUPrimeKeyGenerationParameters(katRandom(katSeed()), SNTRUPrimeParameters.sntrup761));
        return (SNTRUPrimePrivateKeyParameters) g.generateKeyPair().getPrivate();
    }

    @Test
    void pqSntrup761ReproducesTheKnownAnswer() throws Exception {
        SntrupKat k = sntrupKat();
        SecureRandom random = katRandom(k.seed());
        PqKem.Decapsulator d = PqSntrup761.INSTANCE.generate(random);
        assertArrayEquals(k.pk(), d.publicKey());
        PqKem.Encapsulation e = PqSntrup761.INSTANCE.encapsulate(d.publicKey(), random);
        assertArrayEquals(k.ct(), e.ciphertext());
        assertArrayEquals(k.ss(), e.secret());
        assertArrayEquals(k.ss(), d.decapsulate(k.ct()));
    }

    /**
     * A ciphertext of the right length that does not re-encrypt is rejected implicitly: no
     * exception, a deterministic secret unrelated to the real one (the exchange then fails on the
     * host signature). The exact rejection value is not compared with SUPERCOP's
     * SHA-512(0 || SHA-512(3 || rho)[0..32) || c)[0..32): Bouncy Castle 1.82 hashes its own
     * re-encryption instead of the received c there. That value never leaves the client, so it
     * does not affect interoperability.
     */
    @Test
    void sntrup761RejectsATamperedCiphertextImplicitly() throws Exception {
        SntrupKat k = sntrupKat();
        PqKem.Decapsulator d = PqSntrup761.INSTANCE.generate(katRandom(k.seed()));
        byte[] bad = k.ct().clone();
        bad[5] ^= 0x40;
        byte[] rejected = d.decapsulate(bad);
        assertEquals(PqSntrup761.SECRET_BYTES, rejected.length);
        assertFalse(Arrays.equals(k.ss(), rejected));
        assertArrayEquals(rejected, d.decapsulate(bad), "deterministic");
        assertArrayEquals(k.ss(), d.decapsulate(k.ct()), "the real ciphertext still decapsulates");
    }

    // ================================================================ X25519 (RFC 7748)

    @Test
    void x25519HelperMatchesRfc7748() throws Exception {
        X25519 alice = X25519.fromPrivate(ALICE_PRIVATE);
        X25519 bob = X25519.fromPrivate(BOB_PRIVATE);
        assertArrayEquals(ALICE_PUBLIC, alice.publicKey());
        assertArrayEquals(BOB_PUBLIC, bob.publicKey());
        assertArrayEquals(X25519_SHARED, alice.agree(BOB_PUBLIC));
        assertArrayEquals(X25519_SHARED, bob.agree(ALICE_PUBLIC));
    }

    // ================================================================ the hybrids

    private static PqHybridKex.HybridAgreement mlkem(byte[] x25519Private) {
        return new PqHybridKex.HybridAgreement(PqHybridKex.MLKEM768_X25519_SHA256, PqMlKem768.INSTANCE, "SHA-256",
                r -> X25519.fromPrivate(x25519Private));
    }

    private static PqHybridKex.HybridAgreement sntrup(byte[] x25519Private) {
        return new PqHybridKex.HybridAgreement(PqHybridKex.SNTRUP761_X25519_SHA512, PqSntrup761.INSTANCE, "SHA-512",
                r -> X25519.fromPrivate(x25519Private));
    }

    /**
     * Server side of mlkem768x25519-sha256 from official component vectors: C_INIT is the ACVP
     * encapsulation key followed by Alice's X25519 key; with m and Bob's key fixed, S_REPLY must be
     * the ACVP ciphertext followed by Bob's public key, and K = SHA-256(K_PQ || K_CL).
     */
    @Test
    void mlkem768x25519ServerMatchesComponentVectors() throws Exception {
        byte[] clientInit = concat(hex(ENCAPS_EK), ALICE_PUBLIC);
        FixedRandom random = new FixedRandom(ENCAPS_M);
        EcdhStyleKex.ServerSide s = mlkem(BOB_PRIVATE).respond(clientInit, random);
        assertTrue(random.exhausted());
        byte[] reply = s.publicValue();
        assertEquals(1088 + 32, reply.length);
        assertEquals(ENCAPS_C_SHA256, hex(sha256(Arrays.copyOf(reply, 1088))));
        assertArrayEquals(BOB_PUBLIC, Arrays.copyOfRange(reply, 1088, 1120));
        assertArrayEquals(digest("SHA-256", ENCAPS_K, X25519_SHARED), s.secret());
    }

    /**
     * The same through the whole message flow: the server's reply message and K (as a string) and
     * H, with H recomputed here from its definition.
     */
    @Test
    void mlkem768x25519ServerMessageAndExchangeHash() throws Exception {
        KexAlgorithm kex = new EcdhStyleKex(PqHybridKex.MLKEM768_X25519_SHA256, "SHA-256", true, mlkem(BOB_PRIVATE));
        PqTestPipe.Pair pipe = PqTestPipe.pair();
        byte[] clientInit = concat(hex(ENCAPS_EK), ALICE_PUBLIC);
        pipe.client().write(new SshWriter().byteValue(30).string(clientInit).toByteArray());
        PqTestPipe.Ed25519HostKey hostKey = new PqTestPipe.Ed25519HostKey();
        KexContext ctx = PqTestPipe.context(new FixedRandom(ENCAPS_M));
        KexResult r = kex.server(pipe.server(), ctx, hostKey);

        byte[] rawK = digest("SHA-256", ENCAPS_K, X25519_SHARED);
        assertArrayEquals(new SshWriter().string(rawK).toByteArray(), r.sharedSecret(), "K is string-encoded");
        assertEquals("SHA-256", r.hashAlgorithm());

        byte[] msg = pipe.client().read();
        SshReader m = new SshReader(msg);
        assertEquals(31, m.byteValue());
        assertArrayEquals(hostKey.publicKeyBlob(), m.string());
        byte[] reply = m.string();
        assertArrayEquals(r.signature(), m.string());
        m.expectEnd("reply");
        assertEquals(ENCAPS_C_SHA256, hex(sha256(Arrays.copyOf(reply, 1088))));
        assertArrayEquals(BOB_PUBLIC, Arrays.copyOfRange(reply, 1088, 1120));

        byte[] h = PqTestPipe.exchangeHash("SHA-256", ctx, hostKey.publicKeyBlob(), clientInit, reply, rawK);
        assertArrayEquals(h, r.exchangeHash());
        assertTrue(PqTestPipe.verifyEd25519(r.hostKey(), r.signature(), h));
    }

    /** Client side: C_INIT is the ACVP keyGen encapsulation key followed by Alice's key. */
    @Test
    void mlkem768x25519ClientMatchesComponentVectors() throws Exception {
        FixedRandom random = new FixedRandom(KEYGEN_D, KEYGEN_Z);
        EcdhStyleKex.ClientSide c = mlkem(ALICE_PRIVATE).start(random);
        assertTrue(random.exhausted());
        assertEquals(KEYGEN_EK + hex(ALICE_PUBLIC), hex(c.publicValue()));

        EcdhStyleKex.ServerSide s = mlkem(BOB_PRIVATE).respond(c.publicValue(), new FixedRandom(ENCAPS_M));
        byte[] kpq = PqMlKem768.INSTANCE.encapsulate(hex(KEYGEN_EK), new FixedRandom(ENCAPS_M)).secret();
        byte[] expected = digest("SHA-256", kpq, X25519_SHARED);
        assertArrayEquals(expected, s.secret());
        assertArrayEquals(expected, c.finish(s.publicValue()));
    }

    /**
     * sntrup761x25519-sha512 with the sntrup761 known answer: C_INIT = KAT pk || Alice, S_REPLY =
     * KAT ct || Bob, K = SHA-512(KAT ss || RFC 7748 shared secret) on both sides.
     */
    @Test
    void sntrup761x25519MatchesComponentVectors() throws Exception {
        SntrupKat k = sntrupKat();
        SecureRandom random = katRandom(k.seed());
        EcdhStyleKex.ClientSide c = sntrup(ALICE_PRIVATE).start(random);
        assertArrayEquals(concat(k.pk(), ALICE_PUBLIC), c.publicValue());
        EcdhStyleKex.ServerSide s = sntrup(BOB_PRIVATE).respond(c.publicValue(), random);
        assertArrayEquals(concat(k.ct(), BOB_PUBLIC), s.publicValue());
        byte[] expected = digest("SHA-512", k.ss(), X25519_SHARED);
        assertEquals(64, expected.length);
        assertArrayEquals(expected, s.secret());
        assertArrayEquals(expected, c.finish(s.publicValue()));
    }
}
