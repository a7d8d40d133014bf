package dev.tether.cli;

import com.sun.net.httpserver.HttpServer;
import dev.tether.testkit.EchoServer;
import dev.tether.testkit.FreePorts;
import dev.tether.testkit.Poll;
import dev.tether.testkit.PrivateSshd;
import dev.tether.testkit.Processes;
import dev.tether.testkit.TempDirs;
import dev.tether.testkit.TetherCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tether ssh}'s forwarding in a child JVM against private OpenSSH servers that allow it:
 * {@code -L} and {@code -R} (port 0: "Allocated port N ...") carrying bytes to an echo server,
 * checked both ways; {@code -D} with curl's {@code --socks5-hostname} to a local HTTP server;
 * {@code -W} with stdin and stdout; {@code -J} over two hops (two sshds); ProxyCommand;
 * LocalForward from a config file; ExitOnForwardFailure; bad specs. Background runs are polled
 * with deadlines and killed at the end of each test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SshForwardingTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final List<String> SSHD_CONFIG = List.of("PrintMotd no", "LogLevel INFO", "SetEnv SHLVL=1",
            "AllowTcpForwarding yes", "AllowStreamLocalForwarding yes", "GatewayPorts clientspecified");

    private PrivateSshd sshd;
    private PrivateSshd sshd2;
    private Path home;
    private Path knownHosts;
    private EchoServer echo;

    @BeforeAll
    void start() throws IOException {
        sshd = PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519), SSHD_CONFIG);
        sshd2 = PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519), SSHD_CONFIG);
        // one user key for both servers
        sshd.userKey();
        Files.writeString(sshd2.authorizedKeys(), Files.readString(sshd.authorizedKeys()));
        home = TempDirs.create("tether-cli-fwd-home-");
        knownHosts = home.resolve("known_hosts_for_tests");
        Files.writeString(knownHosts, sshd.knownHostsLine() + "\n" + sshd2.knownHostsLine() + "\n");
        echo = EchoServer.tcp();
    }

    @AfterAll
    void stop() throws IOException {
        if (echo != null) {
            echo.close();
        }
        if (sshd != null) {
            sshd.close();
        }
        if (sshd2 != null) {
            sshd2.close();
        }
        TempDirs.deleteTree(home);
    }

    private List<String> base(PrivateSshd server, String... more) {
        List<String> a = new ArrayList<>(List.of("ssh", "-F", "none", "-p", Integer.toString(server.port()), "-i",
                sshd.userKey().toString(), "-o", "UserKnownHostsFile=" + knownHosts, "-o", "BatchMode=yes"));
        a.addAll(List.of(more));
        return a;
    }

    private Processes.Running background(List<String> args) throws IOException {
        return Processes.start(TetherCli.command(args.toArray(new String[0])), TetherCli.env(home), null, home);
    }

    private Processes.Result run(Path stdin, List<String> args) throws IOException {
        return Processes.run(TetherCli.command(args.toArray(new String[0])), TetherCli.env(home), stdin, home, TIMEOUT);
    }

    /** Polls until a round trip through {@code port} works, then returns what came back for {@code data}. */
    private static byte[] echoThrough(int port, byte[] data, Processes.Running p) throws IOException {
        AtomicReference<byte[]> got = new AtomicReference<>();
        boolean ok = Poll.until(() -> {
            try (Socket s = new Socket(InetAddress.getByName("127.0.0.1"), port)) {
                got.set(EchoServer.roundTrip(s, data));
                return true;
            } catch (IOException e) {
                return false;
            }
        }, TIMEOUT, Duration.ofMillis(50), p.process());
        assertTrue(ok, "no forward on port " + port + ":\n" + p.describe());
        return got.get();
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    @Test
    void localForwardCarriesBytesBothWays() throws IOException {
        int port = FreePorts.freePort();
        try (Processes.Running p = background(base(sshd, "-N", "-L", port + ":127.0.0.1:" + echo.port(), "127.0.0.1"))) {
            byte[] data = random(4 * 1024 * 1024 + 5);
            assertArrayEquals(data, echoThrough(port, data, p));
            byte[] more = "second connection".getBytes(StandardCharsets.US_ASCII);
            assertArrayEquals(more, echoThrough(port, more, p));
        }
    }

    @Test
    void remoteForwardOnPortZeroPrintsTheAllocatedPort() throws IOException {
        try (Processes.Running p = background(base(sshd, "-N", "-R", "0:127.0.0.1:" + echo.port(), "127.0.0.1"))) {
            Pattern allocated = Pattern.compile("Allocated port (\\d+) for remote forward to 127\\.0\\.0\\.1:" + echo.port());
            assertTrue(Poll.until(() -> allocated.matcher(p.stderr()).find(), TIMEOUT, Duration.ofMillis(50), p.process()),
                    p.describe());
            Matcher m = allocated.matcher(p.stderr());
            assertTrue(m.find());
            int port = Integer.parseInt(m.group(1));
            byte[] data = random(1024 * 1024 + 7);
            assertArrayEquals(data, echoThrough(port, data, p), "sshd's port leads back to our echo server");
        }
    }

    @Test
    void unixSocketForwardsBothWays() throws IOException {
        Path local = home.resolve("L.sock");
        Path remote = home.resolve("R.sock");
        try (Processes.Running p = background(base(sshd, "-N", "-L", local + ":127.0.0.1:" + echo.port(),
                "-R", remote + ":127.0.0.1:" + echo.port(), "127.0.0.1"))) {
            for (Path sock : List.of(local, remote)) {
                byte[] data = ("through " + sock.getFileName()).getBytes(StandardCharsets.US_ASCII);
                AtomicReference<byte[]> got = new AtomicReference<>();
                boolean ok = Poll.until(() -> {
                    try (java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open(
                            java.net.UnixDomainSocketAddress.of(sock))) {
                        c.write(java.nio.ByteBuffer.wrap(data));
                        c.shutdownOutput();
                        got.set(java.nio.channels.Channels.newInputStream(c).readAllBytes());
                        return true;
                    } catch (IOException e) {
                        return false;
                    }
                }, TIMEOUT, Duration.ofMillis(50), p.process());
                assertTrue(ok, sock + "\n" + p.describe());
                assertArrayEquals(data, got.get());
            }
        }
    }

    /** A local HTTP server answering /hello, for curl through a SOCKS proxy. */
    private static HttpServer http() throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        http.createContext("/hello", ex -> {
            byte[] body = "hello through socks\n".getBytes(StandardCharsets.US_ASCII);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        http.start();
        return http;
    }

    /** curl --socks5-hostname through the proxy on {@code socksPort} to /hello. */
    private Processes.Result curl(int socksPort, HttpServer http) throws IOException {
        return Processes.run(List.of("curl", "-sS", "--max-time", "60", "--socks5-hostname", "127.0.0.1:" + socksPort,
                "http://127.0.0.1:" + http.getAddress().getPort() + "/hello"), home, TIMEOUT);
    }

    @Test
    void dynamicForwardServesCurlThroughSocks5() throws Exception {
        HttpServer http = http();
        int port = FreePorts.freePort();
        try (Processes.Running p = background(base(sshd, "-N", "-D", "127.0.0.1:" + port, "127.0.0.1"))) {
            assertTrue(Poll.until(() -> canConnect(port), TIMEOUT, Duration.ofMillis(50), p.process()), p.describe());
            Processes.Result curl = curl(port, http);
            assertEquals(0, curl.exitCode(), curl.describe() + "\n" + p.describe());
            assertEquals("hello through socks\n", curl.stdout());
        } finally {
            http.stop(0);
        }
    }

    @Test
    void remoteDynamicForwardIsASocksProxyOnTheServer() throws Exception {
        HttpServer http = http();
        try (Processes.Running p = background(base(sshd, "-N", "-R", "127.0.0.1:0", "127.0.0.1"))) {
            Pattern allocated = Pattern.compile("Allocated port (\\d+) for remote forward to socks");
            assertTrue(Poll.until(() -> allocated.matcher(p.stderr()).find(), TIMEOUT, Duration.ofMillis(50), p.process()),
                    p.describe());
            Matcher m = allocated.matcher(p.stderr());
            assertTrue(m.find());
            Processes.Result curl = curl(Integer.parseInt(m.group(1)), http);
            assertEquals(0, curl.exitCode(), curl.describe() + "\n" + p.describe());
            assertEquals("hello through socks\n", curl.stdout(), "sshd's port speaks SOCKS, answered by tether ssh");
        } finally {
            http.stop(0);
        }
    }

    private static boolean canConnect(int port) {
        try (Socket s = new Socket(InetAddress.getByName("127.0.0.1"), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void stdioForwardCarriesStdinAndStdout() throws IOException {
        byte[] data = random(2 * 1024 * 1024 + 1);
        Path in = Files.write(home.resolve("w-stdin.bin"), data);
        Processes.Result r = run(in, base(sshd, "-W", "127.0.0.1:" + echo.port(), "127.0.0.1"));
        assertEquals(0, r.exitCode(), r.describe());
        assertArrayEquals(data, r.stdoutBytes());

        Processes.Result refused = run(null, base(sshd, "-W", "127.0.0.1:" + closedPort(), "127.0.0.1"));
        assertEquals(255, refused.exitCode(), refused.describe());
        assertTrue(refused.stderr().contains("stdio forwarding failed"), refused.describe());
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    /** A config file every hop reads: the key, the known hosts, batch mode (ssh passes no -i or -o to jump hosts). */
    private Path hopConfig() throws IOException {
        return Files.writeString(home.resolve("hops_config"), "Host *\n  IdentityFile " + sshd.userKey() + "\n"
                + "  UserKnownHostsFile " + knownHosts + "\n  BatchMode yes\n  StrictHostKeyChecking yes\n");
    }

    @Test
    void jumpOverTwoHops() throws IOException {
        Path cfg = hopConfig();
        long mark1 = sshd.logMark();
        long mark2 = sshd2.logMark();
        String hops = "127.0.0.1:" + sshd.port() + "," + TetherCli.localUser() + "@127.0.0.1:" + sshd2.port();
        Processes.Result r = run(null, List.of("ssh", "-F", cfg.toString(), "-J", hops, "-p", Integer.toString(sshd.port()),
                "127.0.0.1", "echo", "after two hops"));
        assertEquals(0, r.exitCode(), r.describe());
        assertEquals("after two hops\n", r.stdout());
        // sshd served the first hop and the destination, sshd2 the second hop
        assertTrue(sshd.awaitLog(mark1, "Accepted publickey", TIMEOUT).split("Accepted publickey", -1).length - 1 >= 2,
                sshd.logSince(mark1));
        assertTrue(sshd2.awaitLog(mark2, "Accepted publickey", TIMEOUT).contains("Accepted publickey"), sshd2.logSince(mark2));

        Processes.Result viaConfig = run(null, List.of("ssh", "-F", cfg.toString(), "-o", "ProxyJump=127.0.0.1:" + sshd2.port(),
                "-p", Integer.toString(sshd.port()), "127.0.0.1", "echo", "one hop"));
        assertEquals(0, viaConfig.exitCode(), viaConfig.describe());
        assertEquals("one hop\n", viaConfig.stdout());
    }

    @Test
    void sftpTakesJumpHostsToo() throws IOException {
        Path batch = Files.writeString(home.resolve("sftp_batch"), "pwd\n");
        Processes.Result r = run(null, List.of("sftp", "-F", hopConfig().toString(), "-J", "127.0.0.1:" + sshd2.port(),
                "-P", Integer.toString(sshd.port()), "-b", batch.toString(), "127.0.0.1"));
        assertEquals(0, r.exitCode(), r.describe());
        assertTrue(r.stdout().contains("Remote working directory: /"), r.describe());
    }

    @Test
    void proxyCommandRunsTetherSshW() throws IOException {
        StringBuilder proxy = new StringBuilder();
        for (String a : TetherCli.command("ssh", "-F", "none", "-p", Integer.toString(sshd2.port()), "-i",
                sshd.userKey().toString(), "-o", "UserKnownHostsFile=" + knownHosts, "-o", "BatchMode=yes", "-W", "%h:%p",
                "127.0.0.1")) {
            proxy.append('\'').append(a.replace("'", "'\\''")).append("' ");
        }
        Processes.Result r = run(null, base(sshd, "-o", "ProxyCommand=" + proxy, "127.0.0.1", "echo", "by proxy command"));
        assertEquals(0, r.exitCode(), r.describe());
        assertEquals("by proxy command\n", r.stdout());
    }

    @Test
    void localForwardFromTheConfigFile() throws IOException {
        int port = FreePorts.freePort();
        Path cfg = Files.writeString(home.resolve("fwd_config"), "Host fwd\n  HostName 127.0.0.1\n  Port " + sshd.port()
                + "\n  IdentityFile " + sshd.userKey() + "\n  UserKnownHostsFile " + knownHosts + "\n  BatchMode yes\n"
                + "  LocalForward 127.0.0.1:" + port + " 127.0.0.1:" + echo.port() + "\n");
        try (Processes.Running p = background(List.of("ssh", "-F", cfg.toString(), "-N", "fwd"))) {
            byte[] data = "LocalForward line".getBytes(StandardCharsets.US_ASCII);
            assertArrayEquals(data, echoThrough(port, data, p));
        }
    }

    @Test
    void exitOnForwardFailure() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            Processes.Result local = run(null, base(sshd, "-o", "ExitOnForwardFailure=yes", "-L",
                    port + ":127.0.0.1:" + echo.port(), "127.0.0.1", "echo", "not reached"));
            assertEquals(255, local.exitCode(), local.describe());
            assertTrue(local.stderr().contains("Could not request local forwarding."), local.describe());
            assertFalse(local.stdout().contains("not reached"));

            Processes.Result remote = run(null, base(sshd, "-o", "ExitOnForwardFailure=yes", "-R",
                    "127.0.0.1:" + port + ":127.0.0.1:" + echo.port(), "127.0.0.1", "echo", "not reached"));
            assertEquals(255, remote.exitCode(), remote.describe());
            assertTrue(remote.stderr().contains("Error: remote port forwarding failed for listen port " + port), remote.describe());

            Processes.Result warned = run(null, base(sshd, "-R", "127.0.0.1:" + port + ":127.0.0.1:" + echo.port(),
                    "127.0.0.1", "echo", "reached"));
            assertEquals(0, warned.exitCode(), warned.describe());
            assertEquals("reached\n", warned.stdout());
            assertTrue(warned.stderr().contains("Warning: remote port forwarding failed for listen port " + port), warned.describe());
        }
    }

    @Test
    void forkGoesToTheBackgroundOnceTheForwardListens() throws IOException {
        int port = FreePorts.freePort();
        String spec = port + ":127.0.0.1:" + echo.port();
        Processes.Result parent = run(null, base(sshd, "-f", "-N", "-L", spec, "127.0.0.1"));
        List<ProcessHandle> children = ProcessHandle.allProcesses()
                .filter(ph -> ph.info().arguments().map(a -> List.of(a).contains(spec)).orElse(false)).toList();
        try {
            assertEquals(0, parent.exitCode(), parent.describe());
            assertEquals(1, children.size(), "one tether ssh in the background: " + children);
            assertTrue(children.get(0).isAlive());
            byte[] data = "forwarded from the background".getBytes(StandardCharsets.US_ASCII);
            try (Socket s = new Socket(InetAddress.getByName("127.0.0.1"), port)) {
                assertArrayEquals(data, EchoServer.roundTrip(s, data), "listening by the time the parent exits");
            }
        } finally {
            children.forEach(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void badSpecsAreRefusedAsSshDoes() throws IOException {
        Processes.Result l = run(null, base(sshd, "-L", "nonsense", "127.0.0.1", "true"));
        assertEquals(255, l.exitCode(), l.describe());
        assertTrue(l.stderr().contains("Bad local forwarding specification 'nonsense'"), l.describe());
        Processes.Result d = run(null, base(sshd, "-D", "1:2:3", "127.0.0.1", "true"));
        assertEquals(255, d.exitCode(), d.describe());
        assertTrue(d.stderr().contains("Bad dynamic forwarding specification '1:2:3'"), d.describe());
    }
}
