package dev.tether.ssh.validators;

import dev.tether.ssh.Portal;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.common.ConnectionInfo;
import dev.tether.ssh.common.DisconnectException;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.policy.ConnectionValidator;
import dev.tether.ssh.policy.Login;
import dev.tether.ssh.policy.ServerLimits;
import dev.tether.ssh.testutil.Pair;
import dev.tether.ssh.testutil.TestKeys;
import dev.tether.testkit.FreePorts;
import dev.tether.testkit.OpenSshClient;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Poll;
import dev.tether.testkit.Processes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PROXY protocol on a real {@link SshServer}: the address a v1 or v2 header names is the one
 * validators, {@link Transport#remoteHost()} and the session see; a connection without a valid
 * header is closed before a byte of SSH is sent; the header is read off the accept thread, within
 * its deadline. With haproxy installed, OpenSSH's {@code ssh} logs in through haproxy
 * ({@code send-proxy} and {@code send-proxy-v2}) and the server sees the real client's address.
 */
class ProxyProtocolInteropTest {
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final String CLIENT = "203.0.113.7";
    private static final String DENIED = "198.51.100.9";

    @TempDir
    Path dir;

    private KeyPair user;
    /** Every peer the validator saw, and every login's transport address. */
    private final List<InetSocketAddress> peers = new CopyOnWriteArrayList<>();
    private final List<String> logins = new CopyOnWriteArrayList<>();

    @BeforeEach
    void userKey() throws Exception {
        user = SignatureAlgorithms.generate("ssh-ed25519", 0);
        OpenSshKeyFile.write(dir.resolve("id"), user, "u");
    }

    /** A server whose command prints the client address its Transport reports. */
    private SshServer server(ServerLimits limits, String... denied) throws Exception {
        Path ak = dir.resolve("authorized_keys");
        Files.writeString(ak, OpenSshKeyFile.publicKeyLine(user.getPublic(), "u") + "\n");
        Portal portal = Portal.builder().publicKeys(AuthorizedKeysChecker.forUser("u", ak))
                .commands(cmd -> ctx -> {
                    ConnectionInfo t = ctx.login().connection();
                    ctx.stdout().write(("from " + t.remoteHost() + " " + t.remotePort() + "\n").getBytes(StandardCharsets.US_ASCII));
                    return 0;
                }).build();
        SshServer s = SshServer.start("127.0.0.1", 0, TransportConfig.builder().hostKeys(List.of(TestKeys.ed25519()))
                .serverInterface(portal.serverInterface()).build(), limits);
        Set<String> deny = Set.of(denied);
        s.setValidators(List.of(new ConnectionValidator() {
            @Override
            public Verdict acceptHost(Peer peer) {
                peers.add(peer.remote());
                String a = peer.remote().getAddress().getHostAddress();
                return deny.contains(a) ? Verdict.deny(Reason.HOST_BLOCKED, "connections from " + a + " are not allowed")
                        : Verdict.accept();
            }

            @Override
            public Verdict acceptIdentification(Login login) {
                logins.add(login.connection().remoteHost() + " " + login.connection().remotePort());
                return Verdict.accept();
            }
        }));
        return s;
    }

    private static ServerLimits proxied(Duration headerTimeout) {
        return ServerLimits.builder().proxyProtocol(true).proxyHeaderTimeout(headerTimeout).build();
    }

    private static byte[] v1(String src, int srcPort, int dstPort) {
        return ("PROXY TCP4 " + src + " 127.0.0.1 " + srcPort + " " + dstPort + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] v2(String src, int srcPort, int dstPort) throws IOException {
        byte[] s = InetAddress.getByName(src).getAddress();
        byte[] d = (s.length == 4 ? InetAddress.getByName("127.0.0.1") : InetAddress.getByName("::1")).getAddress();
        ByteBuffer b = ByteBuffer.allocate(16 + 2 * s.length + 4 + 7);
        b.put(V2_SIGNATURE).put((byte) 0x21).put((byte) (s.length == 4 ? 0x11 : 0x21)).putShort((short) (2 * s.length + 4 + 7));
        b.put(s).put(d).putShort((short) srcPort).putShort((short) dstPort);
        b.put((byte) 0x01).putShort((short) 4).put("ssh2".getBytes(StandardCharsets.US_ASCII)); // an ALPN TLV, skipped
        return b.array();
    }

    /** Connects, writes {@code header} by hand, then runs our client over the same socket and logs in. */
    private Transport loginThrough(SshServer s, byte[] header) throws IOException {
        return loginThrough(s, header, new Socket("127.0.0.1", s.port()));
    }

    private Transport loginThrough(SshServer s, byte[] header, Socket sock) throws IOException {
        try {
            sock.getOutputStream().write(header);
            Transport t = Transport.startClient(sock, "127.0.0.1", s.port(), TransportConfig.builder().build(),
                    Pair.trustAllTestKeys());
            t.authPublickey("u", user);
            return t;
        } catch (IOException | RuntimeException e) {
            sock.close();
            throw e;
        }
    }

    /** What the server sends on a connection that began with {@code prefix}, until it closes (bounded). */
    private static byte[] serverReplyTo(SshServer s, byte[] prefix) throws IOException {
        try (Socket sock = new Socket("127.0.0.1", s.port())) {
            sock.setSoTimeout(10_000);
            sock.getOutputStream().write(prefix);
            return readToEnd(sock.getInputStream());
        }
    }

    private static byte[] readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server kept the connection open", e);
        } catch (IOException e) {
            // a reset also ends it
        }
        return out.toByteArray();
    }

    // ------------------------------------------------------------------ headers written by hand

    /**
     * Logs in behind {@code header} and checks that the validator, the login's Transport, the
     * session and the server's connection list all see {@code client}, printed as {@code host}.
     */
    private void assertHeaderNamesTheClient(byte[] header, InetSocketAddress client, String host) throws Exception {
        peers.clear();
        logins.clear();
        try (SshServer s = server(proxied(Duration.ofSeconds(5)), DENIED);
             Transport t = loginThrough(s, header)) {
            assertEquals(List.of(client), peers);
            assertEquals("from " + host + " " + client.getPort() + "\n", t.exec("x", Duration.ofSeconds(10)).stdoutText());
            assertEquals(List.of(host + " " + client.getPort()), logins);
            assertTrue(s.connections().stream().anyMatch(c -> c.remoteHost().equals(host)), s.connections().toString());
        }
    }

    @Test
    void v1HeaderNamesTheClient() throws Exception {
        assertHeaderNamesTheClient(v1(CLIENT, 56324, 22), new InetSocketAddress(CLIENT, 56324), CLIENT);
    }

    @Test
    void v2HeaderNamesTheClient() throws Exception {
        assertHeaderNamesTheClient(v2(CLIENT, 40001, 22), new InetSocketAddress(CLIENT, 40001), CLIENT);
        assertHeaderNamesTheClient(v2("2001:db8::7", 40002, 22),
                new InetSocketAddress(InetAddress.getByName("2001:db8::7"), 40002), "2001:db8:0:0:0:0:0:7");
    }

    @Test
    void aDenyListAppliesToTheAddressInTheHeader() throws Exception {
        try (SshServer s = server(proxied(Duration.ofSeconds(5)), DENIED)) {
            for (byte[] header : List.of(v1(DENIED, 1234, 22), v2(DENIED, 1234, 22))) {
                IOException e = assertThrows(IOException.class, () -> loginThrough(s, header).close());
                DisconnectException de = assertInstanceOf(DisconnectException.class, e, e.toString());
                assertEquals(1, de.code());
                assertEquals("connections from " + DENIED + " are not allowed", de.description());
            }
            assertEquals(List.of(new InetSocketAddress(DENIED, 1234), new InetSocketAddress(DENIED, 1234)), peers);
            // the same socket address, another header: allowed
            try (Transport t = loginThrough(s, v1(CLIENT, 1234, 22))) {
                assertEquals("from " + CLIENT + " 1234\n", t.exec("x", Duration.ofSeconds(10)).stdoutText());
            }
        }
    }

    @Test
    void localAndUnknownHeadersUseTheSocketAddress() throws Exception {
        try (SshServer s = server(proxied(Duration.ofSeconds(5)))) {
            byte[] local = ByteBuffer.allocate(16).put(V2_SIGNATURE).put((byte) 0x20).put((byte) 0).putShort((short) 0).array();
            for (byte[] header : List.of("PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII), local)) {
                Socket sock = new Socket("127.0.0.1", s.port());
                try (Transport t = loginThrough(s, header, sock)) {
                    String out = t.exec("x", Duration.ofSeconds(10)).stdoutText();
                    assertEquals("from 127.0.0.1 " + sock.getLocalPort() + "\n", out);
                }
            }
        }
    }

    @Test
    void missingForgedAndTruncatedHeadersAreClosedWithoutAByte() throws Exception {
        try (SshServer s = server(proxied(Duration.ofSeconds(5)))) {
            List<byte[]> bad = new ArrayList<>(List.of(
                    "SSH-2.0-OpenSSH_9.2\r\n".getBytes(StandardCharsets.US_ASCII),             // missing
                    "PROXY TCP4 203.0.113.777 127.0.0.1 1 22\r\n".getBytes(StandardCharsets.US_ASCII), // forged address
                    "PROXY TCP4 203.0.113.7 127.0.0.1 1 22\n".getBytes(StandardCharsets.US_ASCII),     // LF only
                    ("PROXY UNKNOWN " + "x".repeat(200)).getBytes(StandardCharsets.US_ASCII),         // no CRLF
                    ByteBuffer.allocate(16).put(V2_SIGNATURE).put((byte) 0x21).put((byte) 0x11)
                            .putShort((short) 0xFFFF).array(),                                         // v2 too long
                    ByteBuffer.allocate(28).put(V2_SIGNATURE).put((byte) 0x21).put((byte) 0x21)
                            .putShort((short) 12).array()));                                           // v2 INET6 in 12 bytes
            byte[] wrongSig = v2(CLIENT, 1, 22);
            wrongSig[11] = 'X';
            bad.add(wrongSig);
            for (byte[] prefix : bad) {
                byte[] reply = serverReplyTo(s, prefix);
                assertEquals(0, reply.length, "sent " + new String(reply, StandardCharsets.ISO_8859_1));
            }
            // truncated: the peer half-closes in the middle of a header
            try (Socket sock = new Socket("127.0.0.1", s.port())) {
                sock.setSoTimeout(10_000);
                sock.getOutputStream().write("PROXY TCP4 203.0".getBytes(StandardCharsets.US_ASCII));
                sock.shutdownOutput();
                assertEquals(0, readToEnd(sock.getInputStream()).length);
            }
            // our own client straight at the server fails, and no validator ever ran
            assertThrows(IOException.class, () -> Transport.connect("127.0.0.1", s.port(), TransportConfig.builder()
                    .handshakeTimeout(Duration.ofSeconds(10)).build(), Pair.trustAllTestKeys()).close());
            assertEquals(List.of(), peers);
            assertTrue(Poll.until(() -> s.connections().isEmpty(), Duration.ofSeconds(5)), s.connections().toString());
        }
    }

    /** Bad headers in a bounded burst leave no file descriptor or header thread behind, and the server lives on. */
    @Test
    void badHeadersLeakNothing() throws Exception {
        try (SshServer s = server(proxied(Duration.ofSeconds(5)))) {
            serverReplyTo(s, "SSH-2.0-x\r\n".getBytes(StandardCharsets.US_ASCII)); // warm up lazily opened files
            int fdsBefore = openFds();
            List<byte[]> kinds = List.of("SSH-2.0-x\r\n".getBytes(StandardCharsets.US_ASCII),
                    "PROXY TCP4 1.2.3.4 5.6.7.8 99999 22\r\n".getBytes(StandardCharsets.US_ASCII),
                    ByteBuffer.allocate(16).put(V2_SIGNATURE).put((byte) 0x31).put((byte) 0x11).putShort((short) 12).array(),
                    "PROXY TCP4 1.2".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 60; i++) {
                try (Socket sock = new Socket("127.0.0.1", s.port())) {
                    sock.getOutputStream().write(kinds.get(i % kinds.size()));
                    // the truncated kind is closed by us, the others by the server
                }
            }
            assertTrue(Poll.until(() -> openFds() <= fdsBefore + 4 && headerThreads() == 0, Duration.ofSeconds(15)),
                    "fds " + fdsBefore + " -> " + openFds() + ", header threads " + headerThreads());
            try (Transport t = loginThrough(s, v1(CLIENT, 11, 22))) {
                assertEquals("from " + CLIENT + " 11\n", t.exec("x", Duration.ofSeconds(10)).stdoutText());
            }
        }
    }

    private static int openFds() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    /** Live header threads; 0 on JDK 21+, where they are virtual and not listed. */
    private static long headerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("tether-proxy-header")).count();
    }

    @Test
    void aSilentConnectionTimesOutAndDoesNotHoldUpOthers() throws Exception {
        try (SshServer s = server(proxied(Duration.ofMillis(1500)));
             Socket silent = new Socket("127.0.0.1", s.port())) {
            silent.setSoTimeout(10_000);
            long t0 = System.nanoTime();
            // while the silent one waits for its header, another connection logs in
            try (Transport t = loginThrough(s, v1(CLIENT, 7, 22))) {
                assertEquals("from " + CLIENT + " 7\n", t.exec("x", Duration.ofSeconds(10)).stdoutText());
            }
            assertEquals(0, readToEnd(silent.getInputStream()).length);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(ms >= 1000 && ms < 8000, "closed after " + ms + " ms");
            assertEquals(List.of(new InetSocketAddress(CLIENT, 7)), peers);
        }
    }

    @Test
    void closingTheServerClosesConnectionsAwaitingTheirHeader() throws Exception {
        SshServer s = server(proxied(Duration.ofSeconds(60)));
        try (Socket silent = new Socket("127.0.0.1", s.port())) {
            silent.setSoTimeout(10_000);
            silent.getOutputStream().write("PROXY ".getBytes(StandardCharsets.US_ASCII));
            long t0 = System.nanoTime();
            s.close();
            assertEquals(0, readToEnd(silent.getInputStream()).length);
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 8000);
        } finally {
            s.close();
        }
    }

    @Test
    void connectionsAwaitingTheirHeaderAreBoundedByMaxStartups() throws Exception {
        ServerLimits limits = ServerLimits.builder().maxStartups(2).proxyProtocol(true)
                .proxyHeaderTimeout(Duration.ofSeconds(60)).build();
        try (SshServer s = server(limits);
             Socket a = new Socket("127.0.0.1", s.port());
             Socket b = new Socket("127.0.0.1", s.port())) {
            // the third is closed at once, long before the 60 s header timeout
            byte[] reply = serverReplyTo(s, new byte[0]);
            assertEquals(0, reply.length);
            a.close();
            b.close();
            // once they are gone, a proxied login gets in again
            assertTrue(Poll.until(() -> {
                try (Transport t = loginThrough(s, v1(CLIENT, 9, 22))) {
                    return true;
                } catch (IOException e) {
                    return false;
                }
            }, Duration.ofSeconds(10)));
        }
    }

    // ------------------------------------------------------------------ haproxy in front, OpenSSH behind it

    @Test
    void opensshThroughHaproxySendProxyV1AndV2() throws Exception {
        // without haproxy (apt-get install haproxy) the hand-written header tests remain the proof; in CI it must be there
        Peers.requireHaproxy();
        Peers.requireSsh();
        try (SshServer s = server(proxied(Duration.ofSeconds(5)), "127.0.0.4")) {
            int v1Port = FreePorts.freePort();
            int other = FreePorts.freePort();
            while (other == v1Port) {
                other = FreePorts.freePort();
            }
            int v2Port = other;
            Path cfg = dir.resolve("haproxy.cfg");
            // haproxy connects to us from 127.0.0.2; ssh connects to haproxy from 127.0.0.3 (or .4)
            Files.writeString(cfg, String.join("\n",
                    "global",
                    "    maxconn 64",
                    "defaults",
                    "    mode tcp",
                    "    timeout connect 5s",
                    "    timeout client 30s",
                    "    timeout server 30s",
                    "frontend f1",
                    "    bind 127.0.0.1:" + v1Port,
                    "    default_backend b1",
                    "backend b1",
                    "    server s1 127.0.0.1:" + s.port() + " send-proxy source 127.0.0.2",
                    "frontend f2",
                    "    bind 127.0.0.1:" + v2Port,
                    "    default_backend b2",
                    "backend b2",
                    "    server s2 127.0.0.1:" + s.port() + " send-proxy-v2 source 127.0.0.2",
                    ""));
            Process haproxy = Processes.builder(List.of(Peers.HAPROXY.toString(), "-db", "-f", cfg.toString()), Map.of(), null,
                    dir.resolve("haproxy.out"), dir.resolve("haproxy.err")).start();
            try {
                assertTrue(Poll.until(() -> listening(v1Port) && listening(v2Port), Duration.ofSeconds(10),
                        Poll.INTERVAL, haproxy), "haproxy did not start: " + Files.readString(dir.resolve("haproxy.err")));
                for (int port : List.of(v1Port, v2Port)) {
                    OpenSshClient.Result r = ssh(port, "127.0.0.3");
                    assertEquals(0, r.exitCode(), r.describe());
                    String line = r.stdout().trim();
                    assertTrue(line.startsWith("from 127.0.0.3 "), r.describe());
                    int clientPort = Integer.parseInt(line.substring("from 127.0.0.3 ".length()));
                    assertTrue(peers.contains(new InetSocketAddress("127.0.0.3", clientPort)), peers.toString());
                    assertTrue(logins.contains("127.0.0.3 " + clientPort), logins.toString());

                    OpenSshClient.Result denied = ssh(port, "127.0.0.4");
                    assertEquals(255, denied.exitCode(), denied.describe());
                    assertTrue(denied.hasLine("Received disconnect from 127.0.0.1 port " + port
                            + ":1: connections from 127.0.0.4 are not allowed"), denied.describe());
                }
                // haproxy's own address never reached a validator: every header was honoured
                assertTrue(peers.stream().noneMatch(p -> p.getAddress().getHostAddress().equals("127.0.0.2")), peers.toString());
            } finally {
                Processes.kill(haproxy);
            }
        }
    }

    private static boolean listening(int port) {
        try (Socket probe = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private OpenSshClient.Result ssh(int port, String bindAddress) throws IOException {
        return new OpenSshClient(dir).to(port, "u").identity(dir.resolve("id")).knownHosts(dir.resolve("known_hosts"))
                .verbose(1).args("-b", bindAddress).command("anything").run();
    }
}
