package dev.tether.ssh.agent;

import dev.tether.ssh.agent.AgentMessages.ExtensionFailure;
import dev.tether.ssh.agent.AgentMessages.ExtensionResponse;
import dev.tether.ssh.agent.AgentMessages.Failure;
import dev.tether.ssh.agent.AgentMessages.IdentitiesAnswer;
import dev.tether.ssh.agent.AgentMessages.KeyEntry;
import dev.tether.ssh.agent.AgentMessages.SignRequest;
import dev.tether.ssh.agent.AgentMessages.SignResponse;
import dev.tether.ssh.agent.AgentMessages.Success;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.keys.SignatureAlgorithms;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client against a scripted agent that misbehaves, over a real Unix domain socket. */
class AgentClientHostileTest {
    private static final Duration LONG = Duration.ofSeconds(20);
    private static final Duration SHORT = Duration.ofMillis(300);
    private static final byte[] DATA = "to be signed".getBytes(StandardCharsets.UTF_8);

    private static KeyPair rsa;
    private static byte[] rsaBlob;
    private static KeyPair ed;
    private static byte[] edBlob;

    @TempDir
    Path dir;
    private ScriptedAgent agent;
    private AgentClient client;

    @BeforeAll
    static void keys() throws Exception {
        rsa = SignatureAlgorithms.generate("ssh-rsa", 2048);
        rsaBlob = SignatureAlgorithms.encodePublicKey(rsa.getPublic());
        ed = SignatureAlgorithms.generate("ssh-ed25519", 0);
        edBlob = SignatureAlgorithms.encodePublicKey(ed.getPublic());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (client != null) {
            client.close();
        }
        if (agent != null) {
            agent.close();
        }
    }

    private AgentClient start(ScriptedAgent.Script script, Duration timeout) throws Exception {
        agent = new ScriptedAgent(dir.resolve("fake.sock"), script);
        client = AgentClient.connect(agent.socket, timeout);
        return client;
    }

    private static byte[] header(long length) {
        return new SshWriter().uint32(length).toByteArray();
    }

    @Test
    void oversizedReplyIsRefusedFromItsLengthAlone() throws Exception {
        // only the length field arrives: the client must fail on it, not wait for (or allocate) 2 GiB
        start(req -> ScriptedAgent.Answer.raw(header(0x7fffffffL)), LONG);
        SshException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThrows(SshException.class, client::identities));
        assertTrue(e.getMessage().contains("exceeds the 262144-byte limit"), e.getMessage());
        assertFalse(client.isOpen());
    }

    @Test
    void replyOneByteOverTheLimitIsRefused() throws Exception {
        start(req -> ScriptedAgent.Answer.raw(header(AgentMessages.MAX_MESSAGE_LENGTH + 1L)), LONG);
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThrows(SshException.class, client::identities));
    }

    @Test
    void replyOfExactlyTheLimitIsAccepted() throws Exception {
        byte[] big = new byte[AgentMessages.MAX_MESSAGE_LENGTH - 1];
        big[big.length - 1] = 42;
        start(req -> ScriptedAgent.Answer.of(new Success(big)), LONG);
        byte[] reply = client.transact(new AgentMessages.Extension("big@test", null).encode());
        assertEquals(AgentMessages.MAX_MESSAGE_LENGTH, reply.length);
        assertEquals(42, reply[reply.length - 1]);
        assertTrue(client.isOpen());
    }

    @Test
    void emptyReplyIsRefused() throws Exception {
        start(req -> ScriptedAgent.Answer.raw(header(0)), LONG);
        SshException e = assertThrows(SshException.class, client::identities);
        assertTrue(e.getMessage().contains("length 0"), e.getMessage());
    }

    @Test
    void silentAgentTimesOut() throws Exception {
        start(req -> ScriptedAgent.Answer.silence(), SHORT);
        long start = System.nanoTime();
        SshException e = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(SshException.class, client::identities));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(e.getMessage().contains("timed out after 300 ms"), e.getMessage());
        assertTrue(ms >= 250, "waited " + ms + " ms");
        assertFalse(client.isOpen(), "a timeout leaves the stream out of step, so the connection closes");
        SshException later = assertThrows(SshException.class, client::identities);
        assertTrue(later.getMessage().contains("closed"), later.getMessage());
    }

    @Test
    void agentClosingMidReplyFails() throws Exception {
        byte[] partial = new SshWriter().uint32(100).byteValue(12).uint32(1).toByteArray();
        start(req -> ScriptedAgent.Answer.raw(partial).thenClose(), LONG);
        SshException e = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(SshException.class, client::identities));
        assertTrue(e.getMessage().contains("closed the connection before answering"), e.getMessage());
        assertFalse(client.isOpen());
    }

    @Test
    void agentClosingWithoutReplyFails() throws Exception {
        start(req -> ScriptedAgent.Answer.silence().thenClose(), LONG);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(SshException.class, client::identities));
    }

    @Test
    void signRequestsCarryTheRsaFlags() throws Exception {
        start(req -> {
            SignRequest s = (SignRequest) AgentMessages.decodeRequest(req);
            String alg = switch (s.flags()) {
                case AgentMessages.SSH_AGENT_RSA_SHA2_256 -> "rsa-sha2-256";
                case AgentMessages.SSH_AGENT_RSA_SHA2_512 -> "rsa-sha2-512";
                default -> new dev.tether.ssh.common.SshReader(s.keyBlob()).ascii();
            };
            KeyPair kp = alg.equals("ssh-ed25519") ? ed : rsa;
            return ScriptedAgent.Answer.of(new SignResponse(SignatureAlgorithms.sign(alg, kp.getPrivate(), s.data())));
        }, LONG);
        for (String alg : List.of("rsa-sha2-256", "rsa-sha2-512", "ssh-rsa")) {
            byte[] sig = client.sign(rsaBlob, DATA, alg);
            SignRequest sent = (SignRequest) AgentMessages.decodeRequest(agent.nextRequest());
            assertArrayEquals(rsaBlob, sent.keyBlob());
            assertArrayEquals(DATA, sent.data());
            assertEquals(AgentMessages.signFlags(alg), sent.flags());
            assertTrue(SignatureAlgorithms.verify(alg, rsa.getPublic(), DATA, sig), alg);
        }
        client.sign(edBlob, DATA, "ssh-ed25519");
        assertEquals(0, ((SignRequest) AgentMessages.decodeRequest(agent.nextRequest())).flags());
    }

    @Test
    void agentIgnoringTheRsaFlagIsCaught() throws Exception {
        // an old agent signs with SHA-1 whatever the flags say
        start(req -> {
            SignRequest s = (SignRequest) AgentMessages.decodeRequest(req);
            return ScriptedAgent.Answer.of(new SignResponse(SignatureAlgorithms.sign("ssh-rsa", rsa.getPrivate(), s.data())));
        }, LONG);
        SshException e = assertThrows(SshException.class, () -> client.sign(rsaBlob, DATA, "rsa-sha2-256"));
        assertEquals("agent returned a \"ssh-rsa\" signature, not the rsa-sha2-256 signature asked for", e.getMessage());
        assertTrue(client.isOpen());
        assertTrue(SignatureAlgorithms.verify("ssh-rsa", rsa.getPublic(), DATA, client.sign(rsaBlob, DATA, "ssh-rsa")));
    }

    @Test
    void malformedSignatureBlobIsCaught() throws Exception {
        start(req -> {
            SignRequest s = (SignRequest) AgentMessages.decodeRequest(req);
            byte[] good = SignatureAlgorithms.sign("ssh-ed25519", ed.getPrivate(), s.data());
            byte[] trailing = new SshWriter().raw(good).byteValue(0).toByteArray();
            return ScriptedAgent.Answer.of(new SignResponse(trailing));
        }, LONG);
        SshException e = assertThrows(SshException.class, () -> client.sign(edBlob, DATA, "ssh-ed25519"));
        assertTrue(e.getMessage().contains("malformed signature"), e.getMessage());
    }

    @Test
    void failureNamesTheKey() throws Exception {
        start(req -> ScriptedAgent.Answer.of(new Failure()), LONG);
        SshException e = assertThrows(SshException.class, () -> client.sign(edBlob, DATA, "ssh-ed25519"));
        assertEquals("agent refused to sign with ssh-ed25519 key " + SignatureAlgorithms.fingerprint(edBlob), e.getMessage());
        assertThrows(SshException.class, client::identities);
        assertThrows(SshException.class, client::removeAll);
        assertThrows(SshException.class, () -> client.addIdentity(ed, "x"));
        assertTrue(client.isOpen());
    }

    @Test
    void unexpectedReplyTypeIsAnError() throws Exception {
        start(req -> ScriptedAgent.Answer.of(new SignResponse(new byte[] {1, 2, 3})), LONG);
        SshException e = assertThrows(SshException.class, client::identities);
        assertTrue(e.getMessage().contains("unexpected message of type 14"), e.getMessage());
        assertThrows(SshException.class, client::removeAll);
    }

    @Test
    void unknownReplyTypeIsAnError() throws Exception {
        start(req -> ScriptedAgent.Answer.raw(AgentMessages.frame(new byte[] {99})), LONG);
        SshException e = assertThrows(SshException.class, client::identities);
        assertTrue(e.getMessage().contains("unknown agent response type 99"), e.getMessage());
    }

    @Test
    void identitiesAnswerWithAHugeCountIsRefused() throws Exception {
        byte[] payload = new SshWriter().byteValue(12).uint32(0xffffffffL).toByteArray();
        start(req -> ScriptedAgent.Answer.raw(AgentMessages.frame(payload)), LONG);
        SshException e = assertThrows(SshException.class, client::identities);
        assertTrue(e.getMessage().contains("keys in 0 bytes"), e.getMessage());
    }

    @Test
    void identitiesAnswerWithForeignKeyTypesIsListed() throws Exception {
        byte[] sk = new SshWriter().string("sk-ssh-ed25519@openssh.com").string(new byte[32]).string("ssh:").toByteArray();
        byte[] comment = {'f', 'i', 'l', 'e', (byte) 0xff}; // not UTF-8
        byte[] payload = new SshWriter().byteValue(12).uint32(2).string(sk).string(comment).string(edBlob).string("ed")
                .toByteArray();
        start(req -> ScriptedAgent.Answer.raw(AgentMessages.frame(payload)), LONG);
        List<Identity> ids = client.identities();
        assertEquals(2, ids.size());
        assertEquals("sk-ssh-ed25519@openssh.com", ids.get(0).keyType());
        assertEquals(List.of("sk-ssh-ed25519@openssh.com"), ids.get(0).signatureAlgorithms());
        assertTrue(ids.get(0).comment().startsWith("file"));
        assertThrows(SshException.class, ids.get(0)::publicKey);
        assertEquals(ed.getPublic(), ids.get(1).publicKey());
        assertEquals(ids.get(1), new Identity(edBlob, "ed", client));
    }

    @Test
    void unsolicitedDataIsDetected() throws Exception {
        start(req -> {
            byte[] one = AgentMessages.frame(new IdentitiesAnswer(List.of()).encode());
            return ScriptedAgent.Answer.raw(new SshWriter().raw(one).raw(one).toByteArray());
        }, LONG);
        assertEquals(List.of(), client.identities());
        SshException e = assertThrows(SshException.class, client::identities);
        assertTrue(e.getMessage().contains("sent data nobody asked for"), e.getMessage());
        assertFalse(client.isOpen());
    }

    @Test
    void oversizedRequestIsRefusedBeforeSending() throws Exception {
        start(req -> ScriptedAgent.Answer.of(new Failure()), LONG);
        byte[] huge = new byte[AgentMessages.MAX_MESSAGE_LENGTH];
        SshException e = assertThrows(SshException.class, () -> client.sign(edBlob, huge, "ssh-ed25519"));
        assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
        assertTrue(client.isOpen());
        assertTrue(agent.requests.isEmpty());
    }

    @Test
    void closeFromAnotherThreadEndsAWaitingCall() throws Exception {
        start(req -> ScriptedAgent.Answer.silence(), LONG);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<List<Identity>> call = pool.submit(client::identities);
            agent.nextRequest(); // the call is now waiting for the reply
            client.close();
            ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(10, TimeUnit.SECONDS));
            assertInstanceOf(SshException.class, e.getCause());
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void interruptEndsAWaitingCall() throws Exception {
        start(req -> ScriptedAgent.Answer.silence(), LONG);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                client.identities();
            } catch (Throwable e) {
                thrown.set(e);
            }
            stillInterrupted.set(Thread.currentThread().isInterrupted());
        });
        t.start();
        agent.nextRequest();
        t.interrupt();
        t.join(10_000);
        assertFalse(t.isAlive());
        assertInstanceOf(SshException.class, thrown.get());
        assertTrue(thrown.get().getMessage().contains("interrupted"), thrown.get().getMessage());
        assertTrue(stillInterrupted.get(), "the interrupt status is kept");
        assertFalse(client.isOpen());
    }

    @Test
    void secondCallerWaitsBoundedlyForTheFirst() throws Exception {
        start(req -> ScriptedAgent.Answer.silence(), SHORT);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<List<Identity>> first = pool.submit(client::identities);
            agent.nextRequest();
            Future<List<Identity>> second = pool.submit(client::identities);
            for (Future<List<Identity>> f : List.of(first, second)) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
                assertInstanceOf(SshException.class, e.getCause());
            }
            assertEquals(0, agent.requests.size(), "the second request was never interleaved with the first");
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void queryExtensionRepliesInEveryShape() throws Exception {
        byte[] counted = new SshWriter().uint32(2).string("query").string("session-bind@openssh.com").toByteArray();
        byte[] plain = new SshWriter().string("query").string("foo@example.com").toByteArray();
        List<AgentMessages.Response> replies = List.of(new Success(counted), new Success(plain),
                new ExtensionResponse("query", plain), new Failure(), new ExtensionFailure());
        int[] i = {0};
        start(req -> ScriptedAgent.Answer.of(replies.get(i[0]++)), LONG);

        assertEquals(Optional.of(List.of("query", "session-bind@openssh.com")), client.queryExtensions());
        assertArrayEquals(new SshWriter().byteValue(27).string("query").toByteArray(), agent.nextRequest());
        assertEquals(Optional.of(List.of("query", "foo@example.com")), client.queryExtensions());
        assertEquals(Optional.of(List.of("query", "foo@example.com")), client.queryExtensions());
        assertEquals(Optional.empty(), client.queryExtensions());
        assertEquals(Optional.empty(), client.queryExtensions());
    }

    @Test
    void malformedQueryReplyIsAnError() throws Exception {
        start(req -> ScriptedAgent.Answer.of(new Success(new byte[] {0, 0, 0, 9, 'x'})), LONG);
        assertThrows(SshException.class, client::queryExtensions);
    }

    @Test
    void transactRelaysRawPayloads() throws Exception {
        IdentitiesAnswer answer = new IdentitiesAnswer(List.of(new KeyEntry(edBlob, "relayed")));
        start(req -> ScriptedAgent.Answer.of(answer), LONG);
        byte[] reply = client.transact(new AgentMessages.RequestIdentities().encode());
        assertArrayEquals(answer.encode(), reply);
        assertArrayEquals(new byte[] {11}, agent.nextRequest());
    }

    @Test
    void lockSendsThePassphraseAsUtf8() throws Exception {
        start(req -> ScriptedAgent.Answer.of(new Success()), LONG);
        client.lock("pä🔑".toCharArray());
        assertArrayEquals(new SshWriter().byteValue(22).string("pä🔑").toByteArray(), agent.nextRequest());
        client.unlock("x".toCharArray());
        assertArrayEquals(new SshWriter().byteValue(23).string("x").toByteArray(), agent.nextRequest());
    }

    @Test
    void successWithUnexpectedDataIsAnError() throws Exception {
        start(req -> ScriptedAgent.Answer.of(new Success(new byte[] {1})), LONG);
        assertThrows(SshException.class, client::removeAll);
    }

    @Test
    void connectTimesOutOrFailsBounded() throws Exception {
        CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
            assertThrows(SshException.class, () -> AgentClient.connect(dir.resolve("absent.sock"), SHORT));
        });
        done.get(10, TimeUnit.SECONDS);
        assertThrows(IllegalArgumentException.class, () -> AgentClient.connect(dir.resolve("x"), Duration.ZERO));
    }
}
