package dev.tether.ssh.hostile;

import dev.tether.ssh.Engines;
import dev.tether.ssh.Portal;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.common.DisconnectException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.testutil.Pair;
import dev.tether.ssh.testutil.TestKeys;
import dev.tether.ssh.transport.MessageHandler;
import dev.tether.ssh.wire.ChannelMessages;
import dev.tether.ssh.wire.GlobalRequests;
import dev.tether.ssh.wire.MessageNumbers;
import dev.tether.testkit.TempDirs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Hostile input after authentication (issue 15), from an authenticated peer whose connection
 * layer is replaced by a script: data for channels never opened and past the window, floods of
 * channel opens, global requests and IGNOREs, huge exec, env and pty requests, window-change
 * without a pty, data over the maximum packet size, USERAUTH_SUCCESS and USERAUTH_REQUEST from the
 * client after authentication, window adjusts past 2^32 - 1.
 *
 * <p>Against one real {@link SshServer} (a portal with process sessions). For each: the
 * attacker's connection ends with a DISCONNECT naming the problem, or the request is refused and
 * the connection keeps working; another user logs in and runs a command afterwards; and the
 * server's connections, threads, file descriptors and heap return to their baseline (read from
 * this JVM, which the server shares, and from /proc).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileSessionPeerTest {
    private static final String USER = "mallory";
    private static final Duration STEP = Duration.ofSeconds(20);

    private static Path dir;
    private static KeyPair userKey;
    private static SshServer server;
    private static int baselineThreads;
    private static int baselineFds;
    private static long baselineHeap;

    private final List<Attacker> attackers = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        dir = TempDirs.create("hostile-session-");
        Path work = Files.createDirectory(dir.resolve("work"));
        userKey = SignatureAlgorithms.generate("ssh-ed25519", 0);
        Path auth = dir.resolve("authorized_keys");
        Files.writeString(auth, OpenSshKeyFile.publicKeyLine(userKey.getPublic(), USER) + "\n");
        Portal portal = Portal.builder()
                .publicKeys(AuthorizedKeysChecker.forUser(USER, auth))
                .processSessions(work)
                .build();
        server = SshServer.start("127.0.0.1", 0, TransportConfig.builder().hostKeys(List.of(TestKeys.ed25519()))
                .serverInterface(portal.serverInterface()).build());
        // warm up what a first login starts lazily, then take the baseline with nobody connected
        for (int i = 0; i < 3; i++) {
            anotherUserStillLogsIn();
        }
        awaitNoConnections();
        baselineThreads = Thread.activeCount();
        baselineFds = HostileSupport.openFds();
        baselineHeap = HostileSupport.usedHeapAfterGc();
    }

    @AfterAll
    static void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        if (dir != null) {
            TempDirs.deleteTree(dir);
        }
    }

    @AfterEach
    void othersStillLogInAndNothingIsLeftBehind() throws Exception {
        for (Attacker a : attackers) {
            a.close();
        }
        anotherUserStillLogsIn();
        awaitNoConnections();
        HostileSupport.awaitCondition(STEP, () -> Thread.activeCount() <= baselineThreads + 2,
                () -> "threads: " + Thread.activeCount() + " against " + baselineThreads + " before the attack");
        HostileSupport.awaitCondition(STEP, () -> HostileSupport.openFds() <= baselineFds + 4,
                () -> "file descriptors: " + HostileSupport.openFds() + " against " + baselineFds + " before the attack");
        long heap = HostileSupport.usedHeapAfterGc();
        assertTrue(heap <= baselineHeap + 48L * 1024 * 1024,
                "heap after GC: " + heap / 1024 + " KiB against " + baselineHeap / 1024 + " KiB before the attack");
    }

    // ------------------------------------------------------------------ channels

    @Test
    void dataForAChannelNeverOpenedEndsTheConnection() throws Exception {
        Attacker a = attacker();
        a.send(new ChannelMessages.Data(77, "hello".getBytes(StandardCharsets.US_ASCII)).encode());
        a.expectDisconnect(2, "unknown channel 77");
    }

    @Test
    void channelRequestForAChannelNeverOpenedEndsTheConnection() throws Exception {
        Attacker a = attacker();
        a.send(new ChannelMessages.Request(5, "exec", true, string("id")).encode());
        a.expectDisconnect(2, "unknown channel 5");
    }

    @Test
    void dataPastTheWindowEndsTheConnection() throws Exception {
        Attacker a = attacker();
        Opened s = a.openSession(0);
        // no command runs, so nothing consumes the data and the window never reopens
        byte[] chunk = new byte[s.maxPacket];
        long sent = 0;
        while (sent <= s.window && a.connection.isActive()) {
            a.sendQuietly(ChannelMessages.Data.encode(s.serverId, chunk, 0, chunk.length));
            sent += chunk.length;
        }
        a.expectDisconnect(2, "left in the window");
    }

    @Test
    void dataLargerThanTheMaximumPacketEndsTheConnection() throws Exception {
        Attacker a = attacker();
        Opened s = a.openSession(0);
        // well inside the window, but over the maximum packet size the server gave
        byte[] big = new byte[s.maxPacket + 1];
        a.sendQuietly(ChannelMessages.Data.encode(s.serverId, big, 0, big.length));
        a.expectDisconnect(2, "over the maximum packet size of " + s.maxPacket);
    }

    @Test
    void windowAdjustPastTwoToTheThirtyTwoEndsTheConnection() throws Exception {
        Attacker a = attacker();
        Opened s = a.openSession(0);
        a.send(new ChannelMessages.WindowAdjust(s.serverId, 0xffff_ffffL).encode());
        a.send(new ChannelMessages.WindowAdjust(s.serverId, 0xffff_ffffL).encode());
        a.expectDisconnect(2, "window adjust beyond 2^32-1");
    }

    @Test
    void aFloodOfChannelOpensIsAnsweredAndBounded() throws Exception {
        Attacker a = attacker();
        int n = 3000;
        for (int i = 0; i < n; i++) {
            a.sendQuietly(new ChannelMessages.Open("session", 1000 + i, 65536, 32768, new byte[0]).encode());
        }
        int confirmed = 0;
        int refused = 0;
        while (confirmed + refused < n && a.connection.isActive()) {
            Message m = a.next();
            if (m.number == MessageNumbers.CHANNEL_OPEN_CONFIRMATION) {
                confirmed++;
            } else if (m.number == MessageNumbers.CHANNEL_OPEN_FAILURE) {
                refused++;
            }
        }
        if (confirmed + refused == n) {
            // every open answered, in the bounds of MaxSessions (10 by default)
            assertTrue(confirmed <= 10, confirmed + " sessions confirmed on one connection");
            assertEquals(n, confirmed + refused);
            a.stillAnswers();
        } else {
            // or the connection ended with a reason
            a.expectDisconnect(-1, "");
        }
    }

    @Test
    void aFloodOfGlobalRequestsIsAnsweredInOrder() throws Exception {
        Attacker a = attacker();
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            a.sendQuietly(new GlobalRequests.GlobalRequest("nope-" + i + "@example.com", true, new byte[0]).encode());
        }
        int failures = 0;
        while (failures < n) {
            Message m = a.next();
            if (m.number == MessageNumbers.REQUEST_SUCCESS) {
                fail("a global request nobody handles succeeded");
            }
            if (m.number == MessageNumbers.REQUEST_FAILURE) {
                failures++;
            }
        }
        a.stillAnswers();
    }

    @Test
    void aFloodOfIgnoreMessagesDoesNoHarm() throws Exception {
        Attacker a = attacker();
        byte[] ignore = new SshWriter(200).byteValue(MessageNumbers.IGNORE).string(new byte[150]).toByteArray();
        for (int i = 0; i < 100_000; i++) {
            a.sendQuietly(ignore);
        }
        a.stillAnswers();
    }

    // ------------------------------------------------------------------ session requests

    @Test
    void aHugeExecRequestIsAnsweredAndCannotRunTheCommand() throws Exception {
        Attacker a = attacker();
        Opened s = a.openSession(0);
        // as sshd does, the server takes any command a packet can hold; a command line longer than
        // the kernel takes for one argument (128 KiB on Linux) then fails to start, with status 127
        String command = "echo hostile # " + "x".repeat(200_000);
        a.sendQuietly(new ChannelMessages.Request(s.serverId, "exec", true, string(command)).encode());
        Message m = a.next();
        assertTrue(m.number == MessageNumbers.CHANNEL_SUCCESS || m.number == MessageNumbers.CHANNEL_FAILURE,
                "answer to a huge exec: " + MessageNumbers.name(m.number));
        if (m.number == MessageNumbers.CHANNEL_SUCCESS) {
            while (true) {
                Message r = a.next();
                assertFalse(r.number == MessageNumbers.DISCONNECT, "the connection ended: " + a.connection.closeCause());
                if (r.number == MessageNumbers.CHANNEL_REQUEST) {
                    SshReader p = new SshReader(r.payload);
                    p.uint32();
                    assertEquals("exit-status", p.utf8());
                    p.bool();
                    assertEquals(127, p.uint32(), "exit status of a command line the kernel refuses");
                    break;
                }
                assertFalse(r.number == MessageNumbers.CHANNEL_DATA
                        && new String(r.payload, StandardCharsets.ISO_8859_1).contains("hostile"), "the huge command ran");
            }
        }
        a.stillAnswers();
    }

    @Test
    void aThousandEnvRequestsAndAHugeOneAreAnswered() throws Exception {
        Attacker a = attacker();
        Opened s = a.openSession(0);
        for (int i = 0; i < 1000; i++) {
            a.sendQuietly(new ChannelMessages.Request(s.serverId, "env", true, strings("LC_X" + i, "v".repeat(100))).encode());
        }
        a.sendQuietly(new ChannelMessages.Request(s.serverId, "env", true, strings("LC_BIG", "v".repeat(200_000))).encode());
        int answers = 0;
        while (answers < 1001) {
            Message m = a.next();
            if (m.number == MessageNumbers.CHANNEL_SUCCESS || m.number == MessageNumbers.CHANNEL_FAILURE) {
                answers++;
            }
        }
        a.stillAnswers();
    }

    @Test
    void anAbsurdPtyRequestIsRefused() throws Exception {
        Attacker a = attacker();
        Opened s = a.openSession(0);
        byte[] modes = new byte[100_000];
        Arrays.fill(modes, (byte) 1);
        byte[] req = new SshWriter(modes.length + 64).string("xterm").uint32(0x7fffffff).uint32(0x7fffffff)
                .uint32(0xffffffffL).uint32(0xffffffffL).string(modes).toByteArray();
        a.sendQuietly(new ChannelMessages.Request(s.serverId, "pty-req", true, req).encode());
        Message m = a.next();
        assertTrue(m.number == MessageNumbers.CHANNEL_FAILURE || m.number == MessageNumbers.DISCONNECT,
                "answer to an absurd pty-req: " + MessageNumbers.name(m.number));
        if (m.number == MessageNumbers.CHANNEL_FAILURE) {
            a.stillAnswers();
        }
    }

    @Test
    void windowChangeWithoutAPtyIsHarmless() throws Exception {
        Attacker a = attacker();
        Opened s = a.openSession(0);
        byte[] size = new SshWriter(16).uint32(80).uint32(24).uint32(0).uint32(0).toByteArray();
        a.send(new ChannelMessages.Request(s.serverId, "window-change", false, size).encode());
        a.send(new ChannelMessages.Request(s.serverId, "window-change", true, size).encode());
        Message m = a.next();
        assertTrue(m.number == MessageNumbers.CHANNEL_FAILURE || m.number == MessageNumbers.CHANNEL_SUCCESS,
                "answer to window-change without a pty: " + MessageNumbers.name(m.number));
        a.stillAnswers();
    }

    // ------------------------------------------------------------------ messages out of place

    @Test
    void userauthSuccessFromTheClientIsIgnoredOrRefused() throws Exception {
        Attacker a = attacker();
        a.send(new byte[]{(byte) MessageNumbers.USERAUTH_SUCCESS});
        a.stillAnswers();
    }

    @Test
    void userauthRequestAfterAuthenticationIsIgnored() throws Exception {
        Attacker a = attacker();
        // RFC 4252 §5.1: requests after USERAUTH_SUCCESS SHOULD be ignored (sshd: dispatch_protocol_ignore)
        byte[] req = new SshWriter(64).byteValue(MessageNumbers.USERAUTH_REQUEST).string("root").string("ssh-connection")
                .string("none").toByteArray();
        a.send(req);
        a.stillAnswers();
    }

    // ------------------------------------------------------------------ rig

    private static byte[] string(String s) {
        return new SshWriter(s.length() + 8).string(s).toByteArray();
    }

    private static byte[] strings(String a, String b) {
        return new SshWriter(a.length() + b.length() + 16).string(a).string(b).toByteArray();
    }

    private static void anotherUserStillLogsIn() throws IOException {
        Transport t = Transport.connect("127.0.0.1", server.port(), TransportConfig.builder().build(), Pair.trustAllTestKeys());
        try {
            assertEquals(List.of(), t.authPublickey(USER, userKey));
            assertEquals("ok\n", t.exec("echo ok", STEP).stdoutText());
        } finally {
            t.close();
        }
    }

    private static void awaitNoConnections() {
        HostileSupport.awaitCondition(STEP, () -> server.connections().isEmpty(),
                () -> server.connections().size() + " connections still open: " + server.connections());
    }

    private Attacker attacker() throws IOException {
        Attacker a = new Attacker();
        attackers.add(a);
        return a;
    }

    private record Message(int number, byte[] payload) {
    }

    private record Opened(int serverId, long window, int maxPacket) {
    }

    /**
     * An authenticated connection whose connection layer is a script: whatever arrives is queued
     * for the test, and what the test sends goes out as it is.
     */
    private static final class Attacker implements MessageHandler, AutoCloseable {
        final Transport connection;
        private final LinkedBlockingQueue<Message> received = new LinkedBlockingQueue<>();

        Attacker() throws IOException {
            connection = Transport.connect("127.0.0.1", server.port(), TransportConfig.builder().build(), Pair.trustAllTestKeys());
            assertEquals(List.of(), connection.authPublickey(USER, userKey));
            Engines.of(connection).setMessageHandler(this);
        }

        @Override
        public boolean handle(int messageNumber, SshReader payload) {
            byte[] rest = new byte[payload.remaining()];
            System.arraycopy(payload.array(), payload.position(), rest, 0, rest.length);
            received.add(new Message(messageNumber, rest));
            return true;
        }

        @Override
        public void closed(Throwable cause) {
            received.add(new Message(MessageNumbers.DISCONNECT, new byte[0]));
        }

        void send(byte[] payload) throws IOException {
            Engines.of(connection).send(payload, STEP);
        }

        /** Sends unless the server has already ended the connection (a flood may outrun its DISCONNECT). */
        void sendQuietly(byte[] payload) {
            try {
                send(payload);
            } catch (IOException e) {
                // the connection is over; the test looks at why
            }
        }

        /** The next message from the server; DISCONNECT when the connection ended. */
        Message next() throws InterruptedException {
            Message m = received.poll(STEP.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(m, "no message from the server within " + STEP);
            return m;
        }

        Opened openSession(int sender) throws Exception {
            send(new ChannelMessages.Open("session", sender, 2 * 1024 * 1024, 32768, new byte[0]).encode());
            Message m = next();
            assertEquals(MessageNumbers.CHANNEL_OPEN_CONFIRMATION, m.number, "answer to a session open");
            SshReader r = new SshReader(m.payload);
            r.uint32(); // our id
            return new Opened(r.uint32(), r.uint32() & 0xffffffffL, r.uint32());
        }

        /**
         * The connection ended with the server's DISCONNECT {@code code} (any code when negative),
         * whose description contains {@code words}.
         */
        void expectDisconnect(int code, String words) throws Exception {
            HostileSupport.awaitClosed(connection, STEP);
            Throwable cause = connection.closeCause();
            DisconnectException d = assertInstanceOf(DisconnectException.class, cause,
                    "the server ended the connection without a DISCONNECT: " + cause);
            if (code >= 0) {
                assertEquals(code, d.code(), "reason code; description: " + d.getMessage());
            }
            assertTrue(d.getMessage().contains(words), "the DISCONNECT \"" + d.getMessage() + "\" does not say \"" + words + "\"");
        }

        /**
         * The connection works: a global request gets its answer after everything sent before it,
         * and nothing from the authentication protocol came back in between.
         */
        void stillAnswers() throws Exception {
            assertTrue(connection.isActive(), "the connection ended: " + connection.closeCause());
            send(new GlobalRequests.GlobalRequest("still-there@example.com", true, new byte[0]).encode());
            while (true) {
                Message m = next();
                assertFalse(m.number == MessageNumbers.DISCONNECT, "the connection ended: " + connection.closeCause());
                assertFalse(m.number >= MessageNumbers.USERAUTH_REQUEST && m.number < MessageNumbers.GLOBAL_REQUEST
                        && m.number != MessageNumbers.USERAUTH_BANNER, "an authentication answer after authentication: "
                        + MessageNumbers.name(m.number));
                if (m.number == MessageNumbers.REQUEST_FAILURE) {
                    return;
                }
            }
        }

        @Override
        public void close() {
            connection.close();
        }
    }
}
