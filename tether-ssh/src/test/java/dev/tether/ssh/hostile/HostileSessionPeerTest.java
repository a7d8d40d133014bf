package dev.tether.ssh.hostile;

import dev.tether.ssh.Portal;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.testutil.Pair;
import dev.tether.ssh.testutil.TestKeys;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    private static final Duration STEP = ScriptedConnection.STEP;

    private static Path dir;
    private static KeyPair userKey;
    private static SshServer server;
    private static int baselineThreads;
    private static int baselineFds;
    private static long baselineHeap;

    private final List<AutoCloseable> closers = new ArrayList<>();

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
        for (AutoCloseable c : closers) {
            c.close();
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
        ScriptedConnection a = attacker();
        a.send(new ChannelMessages.Data(77, "hello".getBytes(StandardCharsets.US_ASCII)).encode());
        a.expectDisconnect(2, "unknown channel 77");
    }

    @Test
    void channelRequestForAChannelNeverOpenedEndsTheConnection() throws Exception {
        ScriptedConnection a = attacker();
        a.send(new ChannelMessages.Request(5, "exec", true, string("id")).encode());
        a.expectDisconnect(2, "unknown channel 5");
    }

    @Test
    void dataPastTheWindowEndsTheConnection() throws Exception {
        ScriptedConnection a = attacker();
        ScriptedConnection.Opened s = a.openSession(0);
        // no command runs, so nothing consumes the data and the window never reopens
        byte[] chunk = new byte[s.maxPacket()];
        long sent = 0;
        while (sent <= s.window() && a.connection.isActive()) {
            a.sendQuietly(ChannelMessages.Data.encode(s.peerId(), chunk, 0, chunk.length));
            sent += chunk.length;
        }
        a.expectDisconnect(2, "left in the window");
    }

    @Test
    void dataLargerThanTheMaximumPacketEndsTheConnection() throws Exception {
        ScriptedConnection a = attacker();
        ScriptedConnection.Opened s = a.openSession(0);
        // well inside the window, but over the maximum packet size the server gave
        byte[] big = new byte[s.maxPacket() + 1];
        a.sendQuietly(ChannelMessages.Data.encode(s.peerId(), big, 0, big.length));
        a.expectDisconnect(2, "over the maximum packet size of " + s.maxPacket());
    }

    @Test
    void windowAdjustPastTwoToTheThirtyTwoEndsTheConnection() throws Exception {
        ScriptedConnection a = attacker();
        ScriptedConnection.Opened s = a.openSession(0);
        // the first adjust may already take the window past 2^32-1 and end the connection
        a.send(new ChannelMessages.WindowAdjust(s.peerId(), 0xffff_ffffL).encode());
        a.sendQuietly(new ChannelMessages.WindowAdjust(s.peerId(), 0xffff_ffffL).encode());
        a.expectDisconnect(2, "window adjust beyond 2^32-1");
    }

    @Test
    void aFloodOfChannelOpensIsAnsweredAndBounded() throws Exception {
        ScriptedConnection a = attacker();
        int n = 3000;
        for (int i = 0; i < n; i++) {
            a.sendQuietly(new ChannelMessages.Open("session", 1000 + i, 65536, 32768, new byte[0]).encode());
        }
        int confirmed = 0;
        int refused = 0;
        while (confirmed + refused < n && a.connection.isActive()) {
            ScriptedConnection.Message m = a.next();
            if (m.number() == MessageNumbers.CHANNEL_OPEN_CONFIRMATION) {
                confirmed++;
            } else if (m.number() == MessageNumbers.CHANNEL_OPEN_FAILURE) {
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
        ScriptedConnection a = attacker();
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            a.sendQuietly(new GlobalRequests.GlobalRequest("nope-" + i + "@example.com", true, new byte[0]).encode());
        }
        int failures = 0;
        while (failures < n) {
            ScriptedConnection.Message m = a.next();
            if (m.number() == MessageNumbers.REQUEST_SUCCESS) {
                fail("a global request nobody handles succeeded");
            }
            if (m.number() == MessageNumbers.REQUEST_FAILURE) {
                failures++;
            }
        }
        a.stillAnswers();
    }

    @Test
    void aFloodOfIgnoreMessagesDoesNoHarm() throws Exception {
        ScriptedConnection a = attacker();
        byte[] ignore = new SshWriter(200).byteValue(MessageNumbers.IGNORE).string(new byte[150]).toByteArray();
        for (int i = 0; i < 100_000; i++) {
            a.sendQuietly(ignore);
        }
        a.stillAnswers();
    }

    // ------------------------------------------------------------------ session requests

    @Test
    void aHugeExecRequestIsAnsweredAndCannotRunTheCommand() throws Exception {
        ScriptedConnection a = attacker();
        ScriptedConnection.Opened s = a.openSession(0);
        // as sshd does, the server takes any command a packet can hold; a command line longer than
        // the kernel takes for one argument (128 KiB on Linux) then fails to start, with status 127
        String command = "echo hostile # " + "x".repeat(200_000);
        a.sendQuietly(new ChannelMessages.Request(s.peerId(), "exec", true, string(command)).encode());
        ScriptedConnection.Message m = a.next();
        assertTrue(m.number() == MessageNumbers.CHANNEL_SUCCESS || m.number() == MessageNumbers.CHANNEL_FAILURE,
                "answer to a huge exec: " + MessageNumbers.name(m.number()));
        if (m.number() == MessageNumbers.CHANNEL_SUCCESS) {
            while (true) {
                ScriptedConnection.Message r = a.next();
                assertFalse(r.number() == MessageNumbers.DISCONNECT, "the connection ended: " + a.connection.closeCause());
                if (r.number() == MessageNumbers.CHANNEL_REQUEST) {
                    SshReader p = new SshReader(r.payload());
                    p.uint32();
                    assertEquals("exit-status", p.utf8());
                    p.bool();
                    assertEquals(127, p.uint32(), "exit status of a command line the kernel refuses");
                    break;
                }
                assertFalse(r.number() == MessageNumbers.CHANNEL_DATA
                        && new String(r.payload(), StandardCharsets.ISO_8859_1).contains("hostile"), "the huge command ran");
            }
        }
        a.stillAnswers();
    }

    @Test
    void aThousandEnvRequestsAndAHugeOneAreAnswered() throws Exception {
        ScriptedConnection a = attacker();
        ScriptedConnection.Opened s = a.openSession(0);
        for (int i = 0; i < 1000; i++) {
            a.sendQuietly(new ChannelMessages.Request(s.peerId(), "env", true, strings("LC_X" + i, "v".repeat(100))).encode());
        }
        a.sendQuietly(new ChannelMessages.Request(s.peerId(), "env", true, strings("LC_BIG", "v".repeat(200_000))).encode());
        int answers = 0;
        while (answers < 1001) {
            ScriptedConnection.Message m = a.next();
            if (m.number() == MessageNumbers.CHANNEL_SUCCESS || m.number() == MessageNumbers.CHANNEL_FAILURE) {
                answers++;
            }
        }
        a.stillAnswers();
    }

    @Test
    void anAbsurdPtyRequestIsRefused() throws Exception {
        ScriptedConnection a = attacker();
        ScriptedConnection.Opened s = a.openSession(0);
        byte[] modes = new byte[100_000];
        Arrays.fill(modes, (byte) 1);
        byte[] req = new SshWriter(modes.length + 64).string("xterm").uint32(0x7fffffff).uint32(0x7fffffff)
                .uint32(0xffffffffL).uint32(0xffffffffL).string(modes).toByteArray();
        a.sendQuietly(new ChannelMessages.Request(s.peerId(), "pty-req", true, req).encode());
        ScriptedConnection.Message m = a.next();
        assertTrue(m.number() == MessageNumbers.CHANNEL_FAILURE || m.number() == MessageNumbers.DISCONNECT,
                "answer to an absurd pty-req: " + MessageNumbers.name(m.number()));
        if (m.number() == MessageNumbers.CHANNEL_FAILURE) {
            a.stillAnswers();
        }
    }

    @Test
    void windowChangeWithoutAPtyIsHarmless() throws Exception {
        ScriptedConnection a = attacker();
        ScriptedConnection.Opened s = a.openSession(0);
        byte[] size = new SshWriter(16).uint32(80).uint32(24).uint32(0).uint32(0).toByteArray();
        a.send(new ChannelMessages.Request(s.peerId(), "window-change", false, size).encode());
        a.send(new ChannelMessages.Request(s.peerId(), "window-change", true, size).encode());
        ScriptedConnection.Message m = a.next();
        assertTrue(m.number() == MessageNumbers.CHANNEL_FAILURE || m.number() == MessageNumbers.CHANNEL_SUCCESS,
                "answer to window-change without a pty: " + MessageNumbers.name(m.number()));
        a.stillAnswers();
    }

    // ------------------------------------------------------------------ messages out of place

    @Test
    void userauthSuccessFromTheClientIsIgnoredOrRefused() throws Exception {
        ScriptedConnection a = attacker();
        a.send(new byte[]{(byte) MessageNumbers.USERAUTH_SUCCESS});
        a.stillAnswers();
    }

    @Test
    void userauthRequestAfterAuthenticationIsIgnored() throws Exception {
        ScriptedConnection a = attacker();
        // RFC 4252 §5.1: requests after USERAUTH_SUCCESS SHOULD be ignored (sshd: dispatch_protocol_ignore)
        byte[] req = new SshWriter(64).byteValue(MessageNumbers.USERAUTH_REQUEST).string("root").string("ssh-connection")
                .string("none").toByteArray();
        a.send(req);
        a.stillAnswers();
    }

    // ------------------------------------------------------------------ the same against our client

    @Test
    void ourClientEndsTheConnectionOnDataForAChannelNeverOpened() throws Exception {
        Victim v = victim();
        v.server.send(new ChannelMessages.Data(77, "hello".getBytes(StandardCharsets.US_ASCII)).encode());
        v.server.expectDisconnect(2, "unknown channel 77");
    }

    @Test
    void ourClientEndsTheConnectionOnDataPastItsWindow() throws Exception {
        Victim v = victim();
        ScriptedConnection.Opened s = v.openSession();
        byte[] chunk = new byte[Math.min(s.maxPacket(), 32768)];
        long sent = 0;
        // the application never reads, so the window never reopens
        while (sent <= s.window() && v.server.connection.isActive()) {
            v.server.sendQuietly(ChannelMessages.Data.encode(s.peerId(), chunk, 0, chunk.length));
            sent += chunk.length;
        }
        v.server.expectDisconnect(2, "left in the window");
    }

    @Test
    void ourClientEndsTheConnectionOnDataOverItsMaximumPacket() throws Exception {
        Victim v = victim();
        ScriptedConnection.Opened s = v.openSession();
        byte[] big = new byte[s.maxPacket() + 1];
        v.server.sendQuietly(ChannelMessages.Data.encode(s.peerId(), big, 0, big.length));
        v.server.expectDisconnect(2, "over the maximum packet size of " + s.maxPacket());
    }

    @Test
    void ourClientEndsTheConnectionOnAWindowAdjustPastTwoToTheThirtyTwo() throws Exception {
        Victim v = victim();
        ScriptedConnection.Opened s = v.openSession();
        // the first adjust may already take the window past 2^32-1 and end the connection
        v.server.send(new ChannelMessages.WindowAdjust(s.peerId(), 0xffff_ffffL).encode());
        v.server.sendQuietly(new ChannelMessages.WindowAdjust(s.peerId(), 0xffff_ffffL).encode());
        v.server.expectDisconnect(2, "window adjust beyond 2^32-1");
    }

    @Test
    void ourClientRefusesAFloodOfChannelOpens() throws Exception {
        Victim v = victim();
        int n = 3000;
        for (int i = 0; i < n; i++) {
            // well-formed opens the client never asked for: no X11 or remote forward was requested
            byte[] open = i % 3 == 0 ? new ChannelMessages.Open("session", 1000 + i, 65536, 32768, new byte[0]).encode()
                    : i % 3 == 1 ? new ChannelMessages.Open("x11", 1000 + i, 65536, 32768,
                    new SshWriter(32).string("127.0.0.1").uint32(6010).toByteArray()).encode()
                    : new ChannelMessages.Open("forwarded-tcpip", 1000 + i, 65536, 32768,
                    new SshWriter(64).string("127.0.0.1").uint32(8080).string("127.0.0.1").uint32(40000).toByteArray()).encode();
            v.server.sendQuietly(open);
        }
        for (int i = 0; i < n; i++) {
            v.server.expect(MessageNumbers.CHANNEL_OPEN_FAILURE);
        }
        v.server.stillAnswers();
    }

    @Test
    void ourClientAnswersAFloodOfGlobalRequestsAndIgnores() throws Exception {
        Victim v = victim();
        byte[] ignore = new SshWriter(200).byteValue(MessageNumbers.IGNORE).string(new byte[150]).toByteArray();
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            v.server.sendQuietly(new GlobalRequests.GlobalRequest("nope-" + i + "@example.com", true, new byte[0]).encode());
            v.server.sendQuietly(ignore);
        }
        for (int i = 0; i < n; i++) {
            v.server.expect(MessageNumbers.REQUEST_FAILURE);
        }
        v.server.stillAnswers();
    }

    @Test
    void ourClientIgnoresUserauthMessagesAfterLogin() throws Exception {
        Victim v = victim();
        v.server.send(new byte[]{(byte) MessageNumbers.USERAUTH_SUCCESS});
        v.server.send(new byte[]{(byte) MessageNumbers.USERAUTH_FAILURE, 0, 0, 0, 4, 'n', 'o', 'n', 'e', 0});
        // ignored (or UNIMPLEMENTED): the login stands, and nothing from the authentication protocol comes back
        v.server.stillAnswers();
        assertTrue(v.client().isAuthenticated(), "the client forgot its login");
    }

    // ------------------------------------------------------------------ rig

    /** Our client, logged in to the server, whose server side is then a script. */
    private record Victim(Transport client, ScriptedConnection server) {
        /** The client opens a session; the script confirms it with a 2 MiB window. */
        ScriptedConnection.Opened openSession() throws Exception {
            CompletableFuture<Channel> ch = CompletableFuture.supplyAsync(() -> {
                try {
                    return client.openSession();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            ScriptedConnection.Opened s = server.confirmNextOpen(9, 2 * 1024 * 1024, 32768);
            ch.get(STEP.toMillis(), TimeUnit.MILLISECONDS);
            return s;
        }
    }

    private Victim victim() throws Exception {
        Transport c = login();
        closers.add(c::close);
        HostileSupport.awaitCondition(STEP, () -> server.connections().size() == 1,
                () -> "the server should hold just this connection: " + server.connections());
        Transport serverSide = server.connections().iterator().next();
        HostileSupport.awaitCondition(STEP, serverSide::isAuthenticated, () -> "the server side never saw the login");
        return new Victim(c, attackerFor(serverSide));
    }

    private static byte[] string(String s) {
        return new SshWriter(s.length() + 8).string(s).toByteArray();
    }

    private static byte[] strings(String a, String b) {
        return new SshWriter(a.length() + b.length() + 16).string(a).string(b).toByteArray();
    }

    /** Our client, connected to the server and logged in as {@link #USER}. */
    private static Transport login() throws IOException {
        Transport t = Transport.connect("127.0.0.1", server.port(), TransportConfig.builder().build(), Pair.trustAllTestKeys());
        try {
            assertEquals(List.of(), t.authPublickey(USER, userKey));
        } catch (IOException | RuntimeException | Error e) {
            t.close();
            throw e;
        }
        return t;
    }

    private static void anotherUserStillLogsIn() throws IOException {
        Transport t = login();
        try {
            assertEquals("ok\n", t.exec("echo ok", STEP).stdoutText());
        } finally {
            t.close();
        }
    }

    private static void awaitNoConnections() {
        HostileSupport.awaitCondition(STEP, () -> server.connections().isEmpty(),
                () -> server.connections().size() + " connections still open: " + server.connections());
    }

    /** An authenticated connection to the server whose client side is a script. */
    private ScriptedConnection attacker() throws IOException {
        return attackerFor(login());
    }

    private ScriptedConnection attackerFor(Transport t) {
        ScriptedConnection a = new ScriptedConnection(t);
        closers.add(a);
        return a;
    }
}
