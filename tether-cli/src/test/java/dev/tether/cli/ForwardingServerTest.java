package dev.tether.cli;

import com.sun.net.httpserver.HttpServer;
import dev.tether.testkit.Paramiko;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Poll;
import dev.tether.testkit.PrivateSshd;
import dev.tether.testkit.Processes;
import dev.tether.testkit.TempDirs;
import dev.tether.testkit.TetherCli;
import dev.tether.testkit.TetherServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server side of port forwarding, with OpenSSH's {@code ssh} (and curl, and paramiko) against
 * {@code tether server} as a real process: {@code -L} (a 256 MiB transfer checked by SHA-256, and
 * to a Unix socket), {@code -R} (fixed port, port 0, to a Unix socket), {@code -D} with curl,
 * {@code -W}, {@code -J} to a private sshd, OpenSSH's remote dynamic forwarding ({@code -R 0}
 * without a target) with curl; refusals ({@code --no-forwarding},
 * {@code ExitOnForwardFailure}, {@code permitopen}, a failed connect); and 1,000 short
 * connections through one {@code -L} leaving nothing behind on the server.
 *
 * <p>Threading: each peer the test starts (echo and sink servers) accepts on a daemon thread
 * and serves each connection on one more; every wait is bounded.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ForwardingServerTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ScheduledExecutorService DEADLINES = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "forwarding-test-deadlines");
        t.setDaemon(true);
        return t;
    });

    private TetherServerProcess server;
    private Peer echo;
    private Path tmp;

    @BeforeAll
    void start() throws IOException {
        Peers.requireSsh();
        server = TetherServerProcess.start();
        echo = Peer.tcp(ForwardingServerTest::echo);
        tmp = TempDirs.create("tether-forwarding-");
    }

    @AfterAll
    void stop() {
        if (echo != null) {
            echo.close();
        }
        if (server != null) {
            server.close();
        }
        if (tmp != null) {
            TempDirs.deleteTree(tmp);
        }
    }

    // ------------------------------------------------------------------ ssh -L, -W, -D, -J

    @Test
    void localForwardCarries256MiBToASinkIntact() throws Exception {
        try (Peer sink = Peer.tcp(ForwardingServerTest::sha256Sink)) {
            int local = freePort();
            try (Processes.Running ssh = forwarding(server, "-L", local + ":127.0.0.1:" + sink.port())) {
                awaitListening(local, ssh);
                MessageDigest sent = MessageDigest.getInstance("SHA-256");
                byte[] reply;
                try (SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", local))) {
                    ScheduledFuture<?> deadline = deadline(c, Duration.ofMinutes(3));
                    Random random = new Random(7);
                    byte[] block = new byte[1 << 20];
                    for (int i = 0; i < 256; i++) {
                        random.nextBytes(block);
                        sent.update(block);
                        ByteBuffer b = ByteBuffer.wrap(block);
                        while (b.hasRemaining()) {
                            c.write(b);
                        }
                    }
                    c.shutdownOutput(); // the sink answers after our EOF: a half-close carried both ways
                    reply = readAll(c);
                    deadline.cancel(false);
                }
                String expected = HexFormat.of().formatHex(sent.digest()) + " " + (256L << 20) + "\n";
                assertEquals(expected, new String(reply, StandardCharsets.US_ASCII));
                server.awaitStderr("forward \\d+ end direct-tcpip 127\\.0\\.0\\.1:" + sink.port()
                        + " \\(sent " + (256L << 20) + ", received " + expected.length() + " bytes\\)", WAIT);
            }
        }
    }

    @Test
    void stdioForwardW() throws Exception {
        Path in = Files.writeString(tmp.resolve("w-stdin"), "through -W\n");
        Processes.Result r = Processes.run(server.sshCommand(List.of("-W", "127.0.0.1:" + echo.port())), Map.of(), in, null, WAIT);
        assertEquals(0, r.exitCode(), r.describe());
        assertEquals("through -W\n", r.stdout());
    }

    @Test
    void dynamicForwardServesCurlThroughSocks5() throws Exception {
        HttpServer http = helloServer("hello through socks\n");
        try {
            int socks = freePort();
            try (Processes.Running ssh = forwarding(server, "-D", "127.0.0.1:" + socks)) {
                awaitListening(socks, ssh);
                Processes.Result curl = curl(socks, http);
                assertEquals(0, curl.exitCode(), curl.describe());
                assertEquals("hello through socks\n", curl.stdout());
            }
        } finally {
            http.stop(0);
        }
    }

    @Test
    void remoteDynamicForwardServesCurlThroughTheServersPort() throws Exception {
        HttpServer http = helloServer("hello through remote socks\n");
        try (Processes.Running ssh = forwarding(server, "-R", "0")) {
            // OpenSSH's remote dynamic forwarding: the server listens as for any -R, the client speaks SOCKS
            int port = allocatedPort(ssh);
            Processes.Result curl = curl(port, http);
            assertEquals(0, curl.exitCode(), curl.describe());
            assertEquals("hello through remote socks\n", curl.stdout());
        } finally {
            http.stop(0);
        }
    }

    @Test
    void jumpThroughTetherServerToAPrivateSshd() throws Exception {
        Peers.requireSshd();
        try (PrivateSshd sshd = PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519), List.of("PrintMotd no", "LogLevel INFO"))) {
            String user = TetherCli.localUser();
            Path config = tmp.resolve("jump_config");
            Path known = tmp.resolve("jump_known_hosts");
            Files.writeString(known, server.knownHostsLine() + "\n" + sshd.knownHostsLine() + "\n");
            Files.writeString(config, String.join("\n",
                    "Host tether-jump",
                    "  HostName 127.0.0.1",
                    "  Port " + server.port(),
                    "  User " + user,
                    "  IdentityFile " + server.userKey(),
                    "Host behind",
                    "  HostName 127.0.0.1",
                    "  Port " + sshd.port(),
                    "  User " + user,
                    "  IdentityFile " + sshd.userKey(),
                    "  ProxyJump tether-jump",
                    "Host *",
                    "  IdentitiesOnly yes",
                    "  BatchMode yes",
                    "  UserKnownHostsFile " + known,
                    "  GlobalKnownHostsFile /dev/null",
                    "  StrictHostKeyChecking yes",
                    ""));
            Processes.Result r = Processes.run(List.of(Peers.SSH.toString(), "-F", config.toString(), "behind", "echo", "jumped"),
                    Processes.withoutAgent(Map.of()), null, null, WAIT);
            assertEquals(0, r.exitCode(), r.describe());
            assertEquals("jumped\n", r.stdout());
            server.awaitStderr("forward \\d+ open direct-tcpip 127\\.0\\.0\\.1:" + sshd.port(), WAIT);
        }
    }

    // ------------------------------------------------------------------ ssh -R

    @Test
    void remoteForwardOnAFixedPortAndOnPortZero() throws Exception {
        int fixed = freePort();
        try (Processes.Running ssh = forwarding(server, "-v", "-R", "127.0.0.1:" + fixed + ":127.0.0.1:" + echo.port())) {
            awaitForwardConfirmed(ssh, "127.0.0.1:" + fixed);
            awaitListening(fixed, ssh);
            assertArrayEquals(bytes("fixed port"), exchange(new InetSocketAddress("127.0.0.1", fixed), bytes("fixed port")));
            server.awaitStderr("listen tcpip-forward 127\\.0\\.0\\.1:" + fixed, WAIT);
        }
        // the listener closes with the connection
        assertTrue(Poll.until(() -> !canConnect(fixed), WAIT), "port " + fixed + " still listens after ssh ended");

        try (Processes.Running ssh = forwarding(server, "-R", "0:127.0.0.1:" + echo.port())) {
            int port = allocatedPort(ssh);
            assertArrayEquals(bytes("port zero"), exchange(new InetSocketAddress("127.0.0.1", port), bytes("port zero")));
        }
    }

    @Test
    void unixSocketLocalAndRemoteForwards() throws Exception {
        Path target = tmp.resolve("target.sock");
        try (Peer unixEcho = Peer.unix(target, ForwardingServerTest::echo)) {
            int local = freePort();
            try (Processes.Running ssh = forwarding(server, "-L", local + ":" + target)) {
                awaitListening(local, ssh);
                assertArrayEquals(bytes("to a unix socket"), exchange(new InetSocketAddress("127.0.0.1", local), bytes("to a unix socket")));
                server.awaitStderr("forward \\d+ open direct-streamlocal@openssh.com " + Pattern.quote(target.toString()), WAIT);
            }
        }
        Path remote = tmp.resolve("remote.sock");
        try (Processes.Running ssh = forwarding(server, "-v", "-R", remote + ":127.0.0.1:" + echo.port())) {
            server.awaitStderr("listen streamlocal-forward@openssh.com " + Pattern.quote(remote.toString()), WAIT);
            awaitForwardConfirmed(ssh, remote.toString());
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(remote)));
            byte[] back = exchange(UnixDomainSocketAddress.of(remote), bytes("from a unix socket"));
            assertArrayEquals(bytes("from a unix socket"), back, () -> ssh.describe() + "\n--- server ---\n" + server.stderr());
        }
        // the socket file goes with the listener
        assertTrue(Poll.until(() -> !Files.exists(remote), WAIT), remote + " was left behind");
        server.awaitStderr("listen end streamlocal-forward@openssh.com " + Pattern.quote(remote.toString()), WAIT);
    }

    // ------------------------------------------------------------------ refusals

    @Test
    void noForwardingRefusesWithAdministrativelyProhibited() throws Exception {
        try (TetherServerProcess refusing = TetherServerProcess.start("--no-forwarding")) {
            Processes.Result w = Processes.run(refusing.sshCommand(List.of("-W", "127.0.0.1:" + echo.port())), Map.of(), null, null, WAIT);
            assertNotEquals(0, w.exitCode(), w.describe());
            assertTrue(w.stderr().contains("open failed: administratively prohibited"), w.describe());
            refusing.awaitStderr("forward refused direct-tcpip 127\\.0\\.0\\.1:" + echo.port() + ": administratively prohibited", WAIT);

            int port = freePort();
            Processes.Result r = Processes.run(refusing.sshCommand(List.of("-N", "-o", "ExitOnForwardFailure=yes",
                    "-R", port + ":127.0.0.1:" + echo.port())), Map.of(), null, null, WAIT);
            assertEquals(255, r.exitCode(), r.describe());
            assertTrue(r.stderr().contains("remote port forwarding failed for listen port " + port), r.describe());
            refusing.awaitStderr("listen refused tcpip-forward .*" + port + ": not permitted", WAIT);
            assertFalse(canConnect(port));
        }
    }

    @Test
    void permitOpenAllowsItsTargetAndRefusesAnother() throws Exception {
        try (Peer other = Peer.tcp(ForwardingServerTest::echo);
             TetherServerProcess limited = TetherServerProcess.start(false, dir -> {
                 Path keys = dir.resolve("authorized_keys_permitopen");
                 try {
                     Files.writeString(keys, "permitopen=\"127.0.0.1:" + echo.port() + "\" "
                             + Files.readString(dir.resolve("user_key.pub")));
                 } catch (IOException e) {
                     throw new java.io.UncheckedIOException(e);
                 }
                 return List.of("--listen", "127.0.0.1", "--port", "0", "--host-key", dir.resolve("host_key").toString(),
                         "--authorized-keys", keys.toString(), "--root", dir.toString());
             })) {
            Path in = Files.writeString(tmp.resolve("permitopen-stdin"), "allowed\n");
            Processes.Result ok = Processes.run(limited.sshCommand(List.of("-W", "127.0.0.1:" + echo.port())), Map.of(), in, null, WAIT);
            assertEquals(0, ok.exitCode(), ok.describe());
            assertEquals("allowed\n", ok.stdout());

            Processes.Result refused = Processes.run(limited.sshCommand(List.of("-W", "127.0.0.1:" + other.port())), Map.of(), in, null, WAIT);
            assertNotEquals(0, refused.exitCode(), refused.describe());
            assertTrue(refused.stderr().contains("open failed: administratively prohibited"), refused.describe());
            limited.awaitStderr("permitopen in .* does not list 127\\.0\\.0\\.1:" + other.port(), WAIT);
        }
    }

    @Test
    void aFailedConnectIsConnectFailedWithTheReason() throws Exception {
        int closed = freePort();
        Processes.Result r = Processes.run(server.sshCommand(List.of("-W", "127.0.0.1:" + closed)), Map.of(), null, null, WAIT);
        assertNotEquals(0, r.exitCode(), r.describe());
        assertTrue(r.stderr().contains("open failed: connect failed: connect to 127.0.0.1:" + closed + " failed"), r.describe());
        server.awaitStderr("forward refused direct-tcpip 127\\.0\\.0\\.1:" + closed + ": connect failed", WAIT);
    }

    // ------------------------------------------------------------------ paramiko

    @Test
    void paramikoOpensDirectTcpipAndRequestsAPortForward() throws Exception {
        try (Paramiko py = new Paramiko("/dev/tether/cli/");
             Paramiko.Running run = py.start("paramiko_forward.py", List.of(Integer.toString(server.port()), TetherCli.localUser(),
                     server.userKey().toString(), hostKeyBase64(server), Integer.toString(echo.port())))) {
            assertEquals("direct " + HexFormat.of().formatHex(bytes("paramiko-direct")), run.nextLine(WAIT), run.describe());
            String listening = run.nextLine(WAIT);
            assertNotNull(listening, run.describe());
            assertTrue(listening.startsWith("listening "), run.describe());
            int port = Integer.parseInt(listening.substring("listening ".length()));
            byte[] back = exchange(new InetSocketAddress("127.0.0.1", port), bytes("via paramiko"));
            assertEquals("forwarded " + HexFormat.of().formatHex(bytes("via paramiko")), run.nextLine(WAIT), run.describe());
            assertTrue(run.nextLine(WAIT).startsWith("origin 127.0.0.1 "), run.describe());
            assertArrayEquals(bytes("VIA PARAMIKO"), back);
            assertEquals("cancelled", run.nextLine(WAIT), run.describe());
            assertFalse(canConnect(port), "the cancelled listener still accepts");
            assertEquals("done", run.nextLine(WAIT), run.describe());
        }
    }

    // ------------------------------------------------------------------ no leaks

    @Test
    void aThousandShortConnectionsLeaveNothingBehind() throws Exception {
        try (Peer sink = Peer.tcp(ForwardingServerTest::sha256Sink);
             TetherServerProcess own = TetherServerProcess.start()) {
            long pid = own.process().pid();
            int local = freePort();
            try (Processes.Running ssh = forwarding(own, "-L", local + ":127.0.0.1:" + sink.port())) {
                awaitListening(local, ssh);
                for (int i = 0; i < 50; i++) {
                    shortConnection(local);
                }
                assertTrue(Poll.until(() -> ends(own) == opens(own), WAIT), own.stderr());
                long before = opens(own);
                long fds = count(Path.of("/proc/" + pid + "/fd"));
                long threads = count(Path.of("/proc/" + pid + "/task"));
                for (int i = 0; i < 1000; i++) {
                    shortConnection(local);
                }
                // every forwarded connection has ended and its channel is gone (the event log's end line
                // is written after the channel's close), and the process holds no more fds or threads
                assertTrue(Poll.until(() -> opens(own) == before + 1000 && ends(own) == opens(own), WAIT),
                        "opens " + opens(own) + " ends " + ends(own));
                assertReleased("server", Path.of("/proc/" + pid), fds, threads);
            }
        }
    }

    private static long opens(TetherServerProcess s) {
        return s.stderr().lines().filter(l -> l.contains(" open direct-tcpip ")).count();
    }

    private static long ends(TetherServerProcess s) {
        return s.stderr().lines().filter(l -> l.contains(" end direct-tcpip ")).count();
    }

    private static long count(Path dir) {
        try (var s = Files.list(dir)) {
            return s.count();
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * The same with Tether on both sides: {@code tether ssh -N -L} to {@code tether server}. After
     * 1,000 short connections neither process holds more fds or threads than before, and every
     * channel the server opened for them has ended.
     */
    @Test
    void aThousandShortConnectionsThroughTetherSshLeaveNothingBehindOnEitherSide() throws Exception {
        try (Peer sink = Peer.tcp(ForwardingServerTest::sha256Sink);
             TetherServerProcess own = TetherServerProcess.start()) {
            Path home = Files.createDirectories(own.dir().resolve("client-home"));
            Path known = home.resolve("known_hosts");
            Files.writeString(known, own.knownHostsLine() + "\n");
            int local = freePort();
            List<String> args = List.of("ssh", "-F", "none", "-p", Integer.toString(own.port()), "-i", own.userKey().toString(),
                    "-o", "UserKnownHostsFile=" + known, "-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes", "-N",
                    "-L", local + ":127.0.0.1:" + sink.port(), "127.0.0.1");
            try (Processes.Running client = Processes.start(TetherCli.command(args.toArray(new String[0])), TetherCli.env(home),
                    null, home)) {
                awaitListening(local, client);
                for (int i = 0; i < 50; i++) {
                    shortConnection(local);
                }
                assertTrue(Poll.until(() -> ends(own) == opens(own), WAIT), own.stderr());
                long before = opens(own);
                Path server = Path.of("/proc/" + own.process().pid());
                Path ours = Path.of("/proc/" + client.process().pid());
                long serverFds = count(server.resolve("fd"));
                long serverThreads = count(server.resolve("task"));
                long clientFds = count(ours.resolve("fd"));
                long clientThreads = count(ours.resolve("task"));
                for (int i = 0; i < 1000; i++) {
                    shortConnection(local);
                }
                assertTrue(Poll.until(() -> opens(own) == before + 1000 && ends(own) == opens(own), WAIT),
                        "opens " + opens(own) + " ends " + ends(own));
                assertReleased("server", server, serverFds, serverThreads);
                assertReleased("client", ours, clientFds, clientThreads);
                assertTrue(client.isAlive(), client.describe());
            }
        }
    }

    /** The process {@code proc} (a /proc/PID directory) gets back down to {@code fds} and {@code threads}, give or take two (bounded wait). */
    private static void assertReleased(String who, Path proc, long fds, long threads) {
        assertTrue(Poll.until(() -> count(proc.resolve("fd")) <= fds + 2, WAIT),
                who + " fds before " + fds + ", after " + count(proc.resolve("fd")));
        assertTrue(Poll.until(() -> count(proc.resolve("task")) <= threads + 2, WAIT),
                who + " threads before " + threads + ", after " + count(proc.resolve("task")));
    }

    private static void shortConnection(int port) throws IOException {
        byte[] reply = exchange(new InetSocketAddress("127.0.0.1", port), bytes("x"));
        assertEquals(64 + 3, reply.length, new String(reply, StandardCharsets.US_ASCII));
    }

    // ------------------------------------------------------------------ helpers

    /** {@code ssh -N} with {@code ExitOnForwardFailure} and these forwarding flags, in the background. */
    private static Processes.Running forwarding(TetherServerProcess s, String... flags) throws IOException {
        List<String> options = new ArrayList<>(List.of("-o", "ExitOnForwardFailure=yes"));
        options.addAll(List.of(flags));
        return s.sshInvocation().args(options).noCommand().timeout(Duration.ofMinutes(5)).start();
    }

    /**
     * Waits until ssh has had the server's success reply for a remote forward listening on
     * {@code listen} (its debug line), so that the connections the test makes find the forward
     * known on the client's side.
     */
    private static void awaitForwardConfirmed(Processes.Running ssh, String listen) {
        assertTrue(Poll.until(() -> ssh.stderr().contains("remote forward success for: listen " + listen) || !ssh.isAlive(), WAIT)
                && ssh.isAlive(), ssh.describe());
    }

    /** The port ssh prints for a remote forward asked for on port 0 ("Allocated port N ..."), once it has the reply. */
    private static int allocatedPort(Processes.Running ssh) {
        Pattern allocated = Pattern.compile("Allocated port (\\d+) for remote forward");
        int[] port = {0};
        assertTrue(Poll.until(() -> {
            Matcher m = allocated.matcher(ssh.stderr());
            if (m.find()) {
                port[0] = Integer.parseInt(m.group(1));
                return true;
            }
            return !ssh.isAlive();
        }, WAIT) && port[0] > 0, ssh.describe());
        return port[0];
    }

    /** A local HTTP server answering {@code GET /hello} with {@code body}. */
    private static HttpServer helloServer(String body) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/hello", ex -> {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        http.start();
        return http;
    }

    /** curl for {@code http}'s /hello through the SOCKS5 proxy on {@code socksPort}, names resolved by the proxy. */
    private static Processes.Result curl(int socksPort, HttpServer http) throws IOException {
        return Processes.run(List.of(Peers.requireOnPath("curl", "curl").toString(), "-sS", "--max-time", "30",
                "--socks5-hostname", "127.0.0.1:" + socksPort, "http://127.0.0.1:" + http.getAddress().getPort() + "/hello"),
                Map.of(), null, null, WAIT);
    }

    private static void awaitListening(int port, Processes.Running ssh) {
        assertTrue(Poll.until(() -> canConnect(port) || !ssh.isAlive(), WAIT) && ssh.isAlive(), ssh.describe());
    }

    private static boolean canConnect(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        return dev.tether.testkit.FreePorts.freePort();
    }

    private static String hostKeyBase64(TetherServerProcess s) throws IOException {
        return Files.readString(Path.of(s.hostKey() + ".pub")).trim().split("\\s+")[1];
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Connects, sends {@code data} and EOF, and reads to the end, within a deadline. */
    private static byte[] exchange(SocketAddress to, byte[] data) throws IOException {
        try (SocketChannel c = SocketChannel.open(to)) {
            ScheduledFuture<?> deadline = deadline(c, WAIT);
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                c.write(b);
            }
            c.shutdownOutput();
            byte[] reply = readAll(c);
            deadline.cancel(false);
            return reply;
        }
    }

    private static ScheduledFuture<?> deadline(SocketChannel c, Duration d) {
        return DEADLINES.schedule(() -> {
            try {
                c.close();
            } catch (IOException e) {
                // closing anyway
            }
        }, d.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static byte[] readAll(SocketChannel c) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(65536);
        while (c.read(b.clear()) >= 0) {
            out.write(b.array(), 0, b.position());
        }
        return out.toByteArray();
    }

    /** Echoes what it reads as it comes, then closes after the client's EOF. */
    private static void echo(SocketChannel c) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(65536);
        while (c.read(b.clear()) >= 0) {
            b.flip();
            while (b.hasRemaining()) {
                c.write(b);
            }
        }
    }

    /** Reads to EOF and answers {@code SHA256HEX BYTES\n}. */
    private static void sha256Sink(SocketChannel c) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        ByteBuffer b = ByteBuffer.allocate(1 << 16);
        long total = 0;
        int n;
        while ((n = c.read(b.clear())) >= 0) {
            md.update(b.array(), 0, n);
            total += n;
        }
        ByteBuffer answer = ByteBuffer.wrap((HexFormat.of().formatHex(md.digest()) + " " + total + "\n").getBytes(StandardCharsets.US_ASCII));
        while (answer.hasRemaining()) {
            c.write(answer);
        }
    }

    /** What a peer does with one accepted connection. */
    private interface Handler {
        void serve(SocketChannel c) throws IOException;
    }

    /**
     * A TCP or Unix-domain server on its own daemon threads: one accepting, one per connection
     * running the handler; closing stops accepting and removes a Unix socket's file.
     */
    private static final class Peer implements AutoCloseable {
        private final ServerSocketChannel server;
        private final Path file;

        private Peer(ServerSocketChannel server, Path file, Handler handler) {
            this.server = server;
            this.file = file;
            daemon("peer-accept", () -> {
                while (true) {
                    SocketChannel c;
                    try {
                        c = server.accept();
                    } catch (IOException e) {
                        return;
                    }
                    daemon("peer-conn", () -> {
                        try (c) {
                            handler.serve(c);
                        } catch (IOException e) {
                            // the client went away
                        }
                    });
                }
            });
        }

        static Peer tcp(Handler handler) throws IOException {
            ServerSocketChannel s = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
            return new Peer(s, null, handler);
        }

        static Peer unix(Path path, Handler handler) throws IOException {
            ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(path));
            return new Peer(s, path, handler);
        }

        int port() {
            try {
                return ((InetSocketAddress) server.getLocalAddress()).getPort();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private static void daemon(String name, Runnable r) {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() {
            try {
                server.close();
                if (file != null) {
                    Files.deleteIfExists(file);
                }
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
