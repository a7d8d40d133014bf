package dev.tether.ssh.client;

import dev.tether.ssh.ExecResult;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.Forward;
import dev.tether.testkit.EchoServer;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Poll;
import dev.tether.testkit.PrivateSshd;
import dev.tether.testkit.TempDirs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SshClient}'s one-liners and {@link SshClientPool} against a private OpenSSH sshd: exec
 * with a deadline, a shell on a pty, a local forward, ProxyCommand through OpenSSH's own
 * {@code ssh -W}, and a pool that shares one authenticated connection among concurrent callers
 * and closes it once idle.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SshClientTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private PrivateSshd sshd;
    private Path home;
    private String user;

    @BeforeAll
    void setUp() throws IOException {
        Peers.requireSsh();
        Peers.requireSshd();
        sshd = PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519), List.of());
        home = TempDirs.create("tether-client-");
        Path ssh = Files.createDirectories(home.resolve(".ssh"));
        user = System.getProperty("user.name");
        Files.writeString(ssh.resolve("known_hosts"), sshd.knownHostsLine() + "\n");
        String common = "  HostName 127.0.0.1\n  Port " + sshd.port() + "\n  User " + user + "\n  IdentityFile "
                + sshd.userKey() + "\n  StrictHostKeyChecking yes\n  UserKnownHostsFile ~/.ssh/known_hosts\n";
        Files.writeString(ssh.resolve("config"), "Host box\n" + common
                + "Host proxied\n" + common
                + "  ProxyCommand " + Peers.SSH + " -F none -i " + sshd.userKey() + " -o BatchMode=yes -o UserKnownHostsFile="
                + ssh.resolve("known_hosts") + " -o StrictHostKeyChecking=yes -p " + sshd.port() + " -W %h:%p -l %r 127.0.0.1\n");
    }

    @AfterAll
    void tearDown() {
        if (sshd != null) {
            sshd.close();
        }
        if (home != null) {
            TempDirs.deleteTree(home);
        }
    }

    private SshClient.Builder client(String destination) {
        return SshClient.builder(destination).configFile(home.resolve(".ssh/config")).home(home).localUser(user)
                .environment(Map.of()).timeout(WAIT);
    }

    @Test
    void execHasADeadlineAndTheConnectionOutlivesIt() throws Exception {
        try (SshClient c = client("box").commandTimeout(WAIT).connect()) {
            ExecResult r = c.exec("echo out; echo err >&2; exit 4");
            assertEquals("out\n", r.stdoutText());
            // (this sshd logs at DEBUG3, and its session child copies a few debug lines to the channel's stderr)
            assertTrue(r.stderrText().endsWith("err\n"), r.stderrText());
            assertEquals(4, r.exitStatus());
            long start = System.nanoTime();
            assertThrows(IOException.class, () -> c.exec("sleep 30", Duration.ofMillis(500)));
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(20).toNanos(), "the deadline held");
            assertEquals("again\n", c.exec("echo again", WAIT).stdoutText());
        }
    }

    @Test
    void shellRunsOnAPseudoTerminal() throws Exception {
        try (SshClient c = client("box").connect(); Channel sh = c.shell()) {
            sh.getOutputStream().write("echo \"term=$TERM tty=$(tty)\"; exit 7\n".getBytes(StandardCharsets.UTF_8));
            sh.getOutputStream().flush();
            String out = readAll(sh.getInputStream());
            assertTrue(out.contains("term=xterm tty=/dev/pts/"), out);
            assertEquals(7, sh.awaitExitStatus(WAIT));
        }
    }

    @Test
    void forwardLocalCarriesBytesBothWays() throws Exception {
        try (EchoServer echo = EchoServer.tcp(); SshClient c = client("box").connect();
             Forward f = c.forwardLocal(0, "127.0.0.1", echo.port());
             Socket s = new Socket(InetAddress.getLoopbackAddress(), f.boundPort())) {
            byte[] data = new byte[200_000];
            new java.util.Random(3).nextBytes(data);
            assertArrayEquals(data, EchoServer.roundTrip(s, data));
        }
    }

    @Test
    void proxyCommandRunsOpenSshAsTheProxy() throws Exception {
        long mark = sshd.logMark();
        try (SshClient c = client("proxied").connect()) {
            assertEquals("via proxy\n", c.exec("echo via proxy", WAIT).stdoutText());
        }
        assertTrue(sshd.logSince(mark).contains("direct-tcpip"), "ssh -W opened the channel our connection ran over");
    }

    @Test
    void thePoolSharesOneConnectionAmongConcurrentCallersAndClosesItWhenIdle() throws Exception {
        long mark = sshd.logMark();
        try (SshClientPool pool = SshClientPool.create(d -> client(d), Duration.ofMillis(300))) {
            ExecutorService threads = Executors.newFixedThreadPool(8);
            Set<SshClient> seen = ConcurrentHashMap.newKeySet();
            List<Future<String>> results = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    int n = i;
                    Callable<String> job = () -> {
                        try (SshClientPool.Lease lease = pool.acquire("box")) {
                            seen.add(lease.client());
                            return lease.client().exec("echo job " + n, WAIT).stdoutText();
                        }
                    };
                    results.add(threads.submit(job));
                }
                for (int i = 0; i < 8; i++) {
                    assertEquals("job " + i + "\n", results.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS));
                }
            } finally {
                threads.shutdownNow();
            }
            assertEquals(1, seen.size(), "one connection for all eight callers");
            assertEquals(1, count(sshd.logSince(mark), "Accepted publickey"), "one login");
            SshClient shared = seen.iterator().next();
            assertTrue(Poll.until(() -> pool.size() == 0 && !shared.isOpen(), WAIT), "closed once idle");

            try (SshClientPool.Lease a = pool.acquire("box"); SshClientPool.Lease b = pool.acquire("box")) {
                assertNotSame(shared, a.client(), "a new connection after the idle one closed");
                assertSame(a.client(), b.client());
                a.client().close(); // the connection dies under its leases
            }
            try (SshClientPool.Lease c = pool.acquire("box")) {
                assertTrue(c.client().isOpen(), "a dead connection is replaced");
                assertEquals("ok\n", c.client().exec("echo ok", WAIT).stdoutText());
            }
        }
        assertThrows(IOException.class, () -> {
            try (SshClientPool pool = SshClientPool.create(d -> client(d).option("Port=1"), Duration.ofSeconds(5))) {
                pool.acquire("box");
            }
        });
    }

    @Test
    void aServerThatStopsAnsweringIsGivenUpAfterServerAliveCountMax() throws Exception {
        try (FreezingRelay relay = new FreezingRelay(sshd.port());
             SshClient c = client("box").option("Port=" + relay.port()).option("HostKeyAlias=[127.0.0.1]:" + sshd.port())
                     .option("ServerAliveInterval=1").option("ServerAliveCountMax=2").connect()) {
            assertEquals("alive\n", c.exec("echo alive", WAIT).stdoutText());
            relay.freeze(); // the server's bytes no longer arrive, as when a network path dies
            long start = System.nanoTime();
            assertTrue(Poll.until(() -> !c.isOpen(), WAIT), "the client should give up on a silent server");
            long took = System.nanoTime() - start;
            assertTrue(took >= Duration.ofMillis(1500).toNanos(), "not before two keepalives went unanswered: " + took);
            assertTrue(String.valueOf(c.transport().closeCause()).contains("Timeout, server not responding"),
                    String.valueOf(c.transport().closeCause()));
        }
    }

    /** A TCP relay to 127.0.0.1:{@code target} that can stop passing the server's bytes on (one connection). */
    private static final class FreezingRelay implements AutoCloseable {
        private final java.net.ServerSocket listener = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        private final List<java.io.Closeable> open = new java.util.concurrent.CopyOnWriteArrayList<>();
        private volatile boolean frozen;

        FreezingRelay(int target) throws IOException {
            open.add(listener);
            Thread t = new Thread(() -> {
                try {
                    Socket in = listener.accept();
                    Socket out = new Socket(InetAddress.getLoopbackAddress(), target);
                    open.add(in);
                    open.add(out);
                    pump(in, out, false);
                    pump(out, in, true);
                } catch (IOException e) {
                    // closed
                }
            }, "freezing-relay");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        void freeze() {
            frozen = true;
        }

        private void pump(Socket from, Socket to, boolean fromServer) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[8192];
                try {
                    InputStream in = from.getInputStream();
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        if (!(fromServer && frozen)) {
                            to.getOutputStream().write(buf, 0, n);
                        }
                    }
                } catch (IOException e) {
                    // closed
                }
            }, "freezing-relay-pump");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() {
            for (java.io.Closeable c : open) {
                try {
                    c.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
        }
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void destinationsParseAsSshReadsThem() {
        assertEquals(new Destination("u", "h", null), Destination.parse("u@h"));
        assertEquals(new Destination(null, "::1", null), Destination.parse("[::1]"));
        assertEquals(new Destination("a@b", "h", null), Destination.parse("a@b@h"));
        assertEquals(new Destination("u", "h", "2222"), Destination.parse("ssh://u@h:2222/"));
        assertEquals(new Destination(null, "fe80::1", "22"), Destination.parse("ssh://[fe80::1]:22"));
        assertEquals(new Destination("u", "h", "2200"), Destination.parseHop("u@h:2200"));
        assertThrows(IllegalArgumentException.class, () -> Destination.parse("user@"));
        assertFalse(Destination.parse("h:22").port() != null, "ssh's destination has no :port (only the URI form)");
    }
}
