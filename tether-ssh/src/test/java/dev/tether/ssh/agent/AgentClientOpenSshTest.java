package dev.tether.ssh.agent;

import dev.tether.ssh.agent.AgentMessages.Constraints;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.testkit.Peers;
import dev.tether.testkit.SshAgent;
import dev.tether.testkit.SshKeygen;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client against a real OpenSSH ssh-agent, with keys added by ssh-add and by us. */
class AgentClientOpenSshTest {
    private static final byte[] DATA = "session id || userauth request, or anything else".getBytes(StandardCharsets.UTF_8);
    private static final Duration BOUND = Duration.ofSeconds(20);

    /** ssh-keygen types and bits, by a short name used as the key file name. */
    private static final Map<String, String[]> KEYGEN = Map.of(
            "ed25519", new String[] {"ed25519", "0"},
            "ecdsa256", new String[] {"ecdsa", "256"},
            "ecdsa384", new String[] {"ecdsa", "384"},
            "ecdsa521", new String[] {"ecdsa", "521"},
            "rsa", new String[] {"rsa", "2048"});

    @TempDir
    static Path keyDir;
    @TempDir
    Path dir;

    private SshAgent agent;
    private AgentClient client;

    @BeforeAll
    static void generateKeys() throws Exception {
        Peers.requireSshAgent();
        Peers.requireSshKeygen();
        for (Map.Entry<String, String[]> e : KEYGEN.entrySet()) {
            SshKeygen.generate(keyDir, e.getKey(), e.getValue()[0], Integer.parseInt(e.getValue()[1]), e.getKey() + "@tether-test");
        }
    }

    @BeforeEach
    void startAgent() throws Exception {
        agent = SshAgent.start(dir);
        client = AgentClient.connect(agent.socket(), BOUND);
    }

    @AfterEach
    void stopAgent() throws Exception {
        if (client != null) {
            client.close();
        }
        if (agent != null) {
            agent.close();
        }
    }

    private static Path key(String name) {
        return keyDir.resolve(name);
    }

    /** The blob of the .pub file next to a key. */
    private static byte[] pubBlob(String name) throws Exception {
        String line = Files.readString(keyDir.resolve(name + ".pub"), StandardCharsets.US_ASCII).strip();
        return Base64.getDecoder().decode(line.split(" ")[1]);
    }

    private Identity identityWith(byte[] blob) throws SshException {
        for (Identity id : client.identities()) {
            if (java.util.Arrays.equals(id.blob(), blob)) {
                return id;
            }
        }
        throw new AssertionError("the agent does not list " + SignatureAlgorithms.fingerprint(blob));
    }

    @Test
    void listsKeysAddedBySshAdd() throws Exception {
        assertEquals(List.of(), client.identities());
        List<String> names = List.of("ed25519", "ecdsa256", "ecdsa384", "ecdsa521", "rsa");
        for (String n : names) {
            agent.sshAdd(key(n).toString()).expectSuccess();
        }
        List<Identity> ids = client.identities();
        List<String> ours = new ArrayList<>();
        for (Identity id : ids) {
            ours.add(id.fingerprint());
        }
        assertEquals(agent.listedFingerprints(), ours, "same keys in the same order as ssh-add -l");
        for (String n : names) {
            Identity id = identityWith(pubBlob(n));
            assertEquals(n + "@tether-test", id.comment());
            assertEquals(new SshReader(pubBlob(n)).ascii(), id.keyType());
            assertEquals(SignatureAlgorithms.fingerprint(pubBlob(n)), id.fingerprint());
            assertArrayEquals(pubBlob(n), SignatureAlgorithms.encodePublicKey(id.publicKey()));
            assertTrue(id.toString().contains(id.fingerprint()));
        }
        assertEquals(List.of("rsa-sha2-512", "rsa-sha2-256"), identityWith(pubBlob("rsa")).signatureAlgorithms());
        assertEquals(List.of("ssh-ed25519"), identityWith(pubBlob("ed25519")).signatureAlgorithms());
    }

    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource({
            "ed25519, ssh-ed25519",
            "ecdsa256, ecdsa-sha2-nistp256",
            "ecdsa384, ecdsa-sha2-nistp384",
            "ecdsa521, ecdsa-sha2-nistp521",
            "rsa, rsa-sha2-256",
            "rsa, rsa-sha2-512",
            "rsa, ssh-rsa"})
    void signsWithKeysAddedBySshAdd(String name, String algorithm) throws Exception {
        agent.sshAdd(key(name).toString()).expectSuccess();
        byte[] blob = pubBlob(name);
        PublicKey pub = SignatureAlgorithms.decodePublicKey(blob);

        byte[] sig = identityWith(blob).sign(DATA, algorithm);
        assertEquals(algorithm, new SshReader(sig).ascii());
        assertTrue(SignatureAlgorithms.verify(algorithm, pub, DATA, sig), "the agent's signature verifies");
        assertFalse(SignatureAlgorithms.verify(algorithm, pub, "other data".getBytes(StandardCharsets.UTF_8), sig));

        byte[] direct = client.sign(blob, DATA, algorithm);
        assertTrue(SignatureAlgorithms.verify(algorithm, pub, DATA, direct));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"})
    void keysWeAddAreListedBySshAddAndSign(String type) throws Exception {
        KeyPair kp = SignatureAlgorithms.generate(type, 2048);
        byte[] blob = SignatureAlgorithms.encodePublicKey(kp.getPublic());
        client.addIdentity(kp, "added by tether " + type);

        assertEquals(List.of(SignatureAlgorithms.fingerprint(blob)), agent.listedFingerprints());
        Identity id = identityWith(blob);
        assertEquals("added by tether " + type, id.comment());
        List<String> algorithms = type.equals("ssh-rsa") ? List.of("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa") : List.of(type);
        for (String alg : algorithms) {
            byte[] sig = id.sign(DATA, alg);
            assertTrue(SignatureAlgorithms.verify(alg, kp.getPublic(), DATA, sig), alg);
        }
        // ssh-add -L prints the same public key
        String line = agent.sshAdd("-L").expectSuccess().stdout().strip();
        assertArrayEquals(blob, Base64.getDecoder().decode(line.split(" ")[1]));
    }

    @Test
    void addsWithALifetimeConstraint() throws Exception {
        KeyPair kp = SignatureAlgorithms.generate("ssh-ed25519", 0);
        client.addIdentity(kp, "short-lived", new Constraints(Duration.ofHours(1), false));
        byte[] blob = SignatureAlgorithms.encodePublicKey(kp.getPublic());
        assertEquals(List.of(SignatureAlgorithms.fingerprint(blob)), agent.listedFingerprints());
        assertTrue(SignatureAlgorithms.verify("ssh-ed25519", kp.getPublic(), DATA, client.sign(blob, DATA, "ssh-ed25519")));
    }

    @Test
    void unknownKeyIsRefused() throws Exception {
        agent.sshAdd(key("ed25519").toString()).expectSuccess();
        byte[] stranger = SignatureAlgorithms.encodePublicKey(SignatureAlgorithms.generate("ssh-ed25519", 0).getPublic());
        SshException e = assertThrows(SshException.class, () -> client.sign(stranger, DATA, "ssh-ed25519"));
        assertEquals("agent refused to sign with ssh-ed25519 key " + SignatureAlgorithms.fingerprint(stranger), e.getMessage());
        assertTrue(client.isOpen(), "a refusal leaves the connection usable");
        assertEquals(1, client.identities().size());
    }

    @Test
    void algorithmMustFitTheKey() throws Exception {
        agent.sshAdd(key("ed25519").toString()).expectSuccess();
        byte[] blob = pubBlob("ed25519");
        assertThrows(IllegalArgumentException.class, () -> client.sign(blob, DATA, "rsa-sha2-256"));
        assertThrows(IllegalArgumentException.class, () -> client.sign(pubBlob("rsa"), DATA, "ssh-ed25519"));
        assertTrue(client.isOpen());
    }

    @Test
    void removeIdentityAndRemoveAllShowInSshAdd() throws Exception {
        for (String n : List.of("ed25519", "ecdsa384", "rsa")) {
            agent.sshAdd(key(n).toString()).expectSuccess();
        }
        assertEquals(3, agent.listedFingerprints().size());

        client.removeIdentity(pubBlob("ecdsa384"));
        List<String> left = agent.listedFingerprints();
        assertEquals(2, left.size());
        assertFalse(left.contains(SignatureAlgorithms.fingerprint(pubBlob("ecdsa384"))));
        assertEquals(2, client.identities().size());

        SshException e = assertThrows(SshException.class, () -> client.removeIdentity(pubBlob("ecdsa384")));
        assertTrue(e.getMessage().contains(SignatureAlgorithms.fingerprint(pubBlob("ecdsa384"))), e.getMessage());

        client.removeAll();
        assertEquals(List.of(), agent.listedFingerprints());
        assertEquals(List.of(), client.identities());
        assertThrows(SshException.class, () -> client.sign(pubBlob("rsa"), DATA, "rsa-sha2-256"));
    }

    @Test
    void lockAndUnlock() throws Exception {
        agent.sshAdd(key("ed25519").toString()).expectSuccess();
        byte[] blob = pubBlob("ed25519");

        client.lock("correct horse".toCharArray());
        assertEquals(List.of(), client.identities(), "a locked agent lists nothing");
        assertEquals(List.of(), agent.listedFingerprints());
        assertThrows(SshException.class, () -> client.sign(blob, DATA, "ssh-ed25519"));
        assertThrows(SshException.class, () -> client.lock("again".toCharArray()), "already locked");
        SshException wrong = assertThrows(SshException.class, () -> client.unlock("wrong horse".toCharArray()));
        assertTrue(wrong.getMessage().contains("refused to unlock"), wrong.getMessage());
        assertEquals(List.of(), client.identities());

        client.unlock("correct horse".toCharArray());
        assertEquals(List.of(SignatureAlgorithms.fingerprint(blob)), agent.listedFingerprints());
        assertTrue(SignatureAlgorithms.verify("ssh-ed25519", SignatureAlgorithms.decodePublicKey(blob), DATA,
                client.sign(blob, DATA, "ssh-ed25519")));
        assertThrows(SshException.class, () -> client.unlock("correct horse".toCharArray()), "not locked");
    }

    @Test
    void unicodePassphrase() throws Exception {
        client.lock("pässwörd 🔑".toCharArray());
        assertThrows(SshException.class, () -> client.unlock("passwort".toCharArray()));
        client.unlock("pässwörd 🔑".toCharArray());
    }

    @Test
    void queryExtensionIsOptional() throws Exception {
        Optional<List<String>> ext = client.queryExtensions();
        // OpenSSH's agent (9.x) does not implement "query" and answers SSH_AGENT_FAILURE
        ext.ifPresent(names -> assertFalse(names.isEmpty()));
        assertTrue(client.isOpen());
        assertEquals(List.of(), client.identities());
    }

    @Test
    void agentKilledBetweenRequests() throws Exception {
        agent.sshAdd(key("ed25519").toString()).expectSuccess();
        assertEquals(1, client.identities().size());
        agent.kill();
        assertTimeoutPreemptively(BOUND, () -> {
            SshException e = assertThrows(SshException.class, () -> client.identities());
            assertTrue(e.getMessage().contains("agent"), e.getMessage());
        });
        assertFalse(client.isOpen());
        SshException later = assertThrows(SshException.class, () -> client.sign(pubBlob("ed25519"), DATA, "ssh-ed25519"));
        assertTrue(later.getMessage().contains("closed"), later.getMessage());
    }

    @Test
    void agentKilledDuringARequest() throws Exception {
        agent.sshAdd(key("rsa").toString()).expectSuccess();
        byte[] blob = pubBlob("rsa");
        agent.signal("STOP"); // the agent can no longer answer; the request stays outstanding
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<byte[]> signing = pool.submit(() -> client.sign(blob, DATA, "rsa-sha2-512"));
            agent.kill(); // SIGKILL closes its end of the socket
            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> signing.get(BOUND.toSeconds(), TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof SshException, String.valueOf(e.getCause()));
            assertFalse(client.isOpen());
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(BOUND.toSeconds(), TimeUnit.SECONDS));
        }
    }

    @Test
    void connectingWhereNoAgentListensFails() throws Exception {
        SshException e = assertThrows(SshException.class, () -> AgentClient.connect(dir.resolve("nobody.sock"), BOUND));
        assertTrue(e.getMessage().contains("nobody.sock"), e.getMessage());
    }

    @Test
    void fromEnvironment() throws Exception {
        assertEquals(Optional.empty(), AgentClient.fromEnvironment(Map.of(), BOUND));
        assertEquals(Optional.empty(), AgentClient.fromEnvironment(Map.of("SSH_AUTH_SOCK", ""), BOUND));
        Map<String, String> env = new HashMap<>();
        env.put("SSH_AUTH_SOCK", agent.socket().toString());
        agent.sshAdd(key("ecdsa256").toString()).expectSuccess();
        try (AgentClient fromEnv = AgentClient.fromEnvironment(env, BOUND).orElseThrow()) {
            assertEquals(agent.socket(), fromEnv.socket());
            assertEquals(1, fromEnv.identities().size());
        }
        env.put("SSH_AUTH_SOCK", dir.resolve("missing.sock").toString());
        assertThrows(SshException.class, () -> AgentClient.fromEnvironment(env, BOUND));
    }

    @Test
    void concurrentCallersShareOneConnection() throws Exception {
        for (String n : List.of("ed25519", "ecdsa256", "rsa")) {
            agent.sshAdd(key(n).toString()).expectSuccess();
        }
        List<Identity> ids = client.identities();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 15; i++) {
                        Identity id = ids.get((thread + i) % ids.size());
                        String alg = id.signatureAlgorithms().get(i % id.signatureAlgorithms().size());
                        byte[] data = ("thread " + thread + " call " + i).getBytes(StandardCharsets.UTF_8);
                        if (!SignatureAlgorithms.verify(alg, id.publicKey(), data, id.sign(data, alg))) {
                            return false;
                        }
                        if (client.identities().size() != 3) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : results) {
                assertTrue(f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(BOUND.toSeconds(), TimeUnit.SECONDS));
        }
    }

    @Test
    void closedClientFailsAtOnce() throws Exception {
        client.close();
        client.close();
        assertFalse(client.isOpen());
        assertThrows(SshException.class, () -> client.identities());
    }
}
