package dev.tether.cli;

import dev.tether.testkit.Peers;
import dev.tether.testkit.Poll;
import dev.tether.testkit.Processes;
import dev.tether.testkit.TetherCli;
import dev.tether.testkit.TetherServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * X11 forwarding through {@code tether server}: OpenSSH's {@code ssh -X} (and {@code tether ssh
 * -X}) to a fake X server on a free local display. Inside the session, {@code x11client.py}
 * reads DISPLAY and the session's XAUTHORITY file and sends an X11 connection setup with the
 * cookie it finds there (the client's fake one); the fake X server must receive the real cookie.
 */
class X11ForwardingTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Pattern DISPLAY = Pattern.compile("(?m)^DISPLAY=localhost:(\\d+)\\.0$");

    @TempDir
    Path tmp;

    /** A fake X server on 127.0.0.1:6000+N: reads one connection setup, answers eight bytes. */
    private static final class FakeXServer implements AutoCloseable {
        final ServerSocket socket;
        final int display;
        final CompletableFuture<String> cookie = new CompletableFuture<>();

        FakeXServer() throws IOException {
            ServerSocket s = null;
            int n = 0;
            for (int d = 150; d < 900 && s == null; d++) {
                ServerSocket candidate = new ServerSocket();
                try {
                    candidate.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 6000 + d));
                    s = candidate;
                    n = d;
                } catch (IOException e) {
                    candidate.close();
                }
            }
            if (s == null) {
                throw new IOException("no free display port");
            }
            socket = s;
            display = n;
            Thread t = new Thread(this::serve, "fake-x-server");
            t.setDaemon(true);
            t.start();
        }

        private void serve() {
            try (Socket c = socket.accept()) {
                c.setSoTimeout((int) WAIT.toMillis());
                DataInputStream in = new DataInputStream(c.getInputStream());
                byte[] head = new byte[12];
                in.readFully(head);
                boolean big = head[0] == 'B';
                int nameLen = big ? (head[6] & 0xff) << 8 | head[7] & 0xff : (head[7] & 0xff) << 8 | head[6] & 0xff;
                int dataLen = big ? (head[8] & 0xff) << 8 | head[9] & 0xff : (head[9] & 0xff) << 8 | head[8] & 0xff;
                in.readFully(new byte[nameLen + (4 - nameLen % 4) % 4]);
                byte[] data = new byte[dataLen];
                in.readFully(data);
                cookie.complete(HexFormat.of().formatHex(data));
                c.getOutputStream().write("X11REPLY".getBytes(StandardCharsets.US_ASCII));
                c.getOutputStream().flush();
                c.shutdownOutput();
                in.read(); // until the client closes
            } catch (IOException e) {
                cookie.completeExceptionally(e);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private Path clientScript() throws IOException {
        Path p = tmp.resolve("x11client.py");
        try (InputStream in = X11ForwardingTest.class.getResourceAsStream("x11client.py")) {
            Files.copy(in, p);
        }
        return p;
    }

    private static String realCookie() {
        return "0123456789abcdeffedcba9876543210";
    }

    @Test
    void openSshXThroughTetherServerReachesTheLocalDisplayWithTheRealCookie() throws Exception {
        Peers.require("python3", Files.isExecutable(Peers.PYTHON));
        Path script = clientScript();
        // OpenSSH's ssh asks "xauth list DISPLAY" for the real cookie; this stands in for xauth
        Path xauth = tmp.resolve("fake-xauth");
        try (FakeXServer x = new FakeXServer();
             TetherServerProcess server = TetherServerProcess.start(true, d -> List.of("--config", config(d, "X11Forwarding yes")))) {
            Files.writeString(xauth, "#!/bin/sh\necho \"host/unix:" + x.display + "  MIT-MAGIC-COOKIE-1  " + realCookie() + "\"\n");
            Files.setPosixFilePermissions(xauth, PosixFilePermissions.fromString("rwx------"));
            Processes.Result r = server.sshInvocation()
                    .args("-X", "-o", "ForwardX11Trusted=yes", "-o", "XAuthLocation=" + xauth)
                    .env("DISPLAY", "127.0.0.1:" + x.display)
                    .command(Peers.PYTHON + " " + script)
                    .run().process();
            assertEquals(0, r.exitCode(), r.describe());
            Matcher m = DISPLAY.matcher(r.stdout());
            assertTrue(m.find(), r.describe());
            assertTrue(Integer.parseInt(m.group(1)) >= 10, "display from X11DisplayOffset 10: " + r.stdout());
            assertTrue(r.stdout().contains("REPLY=X11REPLY"), r.describe());
            // the session saw the fake cookie; the X server got the real one
            String seenInSession = r.after("COOKIE=").strip();
            assertNotEquals(realCookie(), seenInSession, r.describe());
            assertEquals(realCookie(), x.cookie.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            // the session's Xauthority file lived in its private directory, gone with the session
            Path file = Path.of(r.after("XAUTHORITY=").strip());
            assertTrue(file.getParent().getFileName().toString().startsWith("tether-"), r.describe());
            assertTrue(Poll.until(() -> !Files.exists(file.getParent()), WAIT), "private directory left: " + file.getParent());
        }
    }

    @Test
    void x11IsOffByDefault() throws Exception {
        try (FakeXServer x = new FakeXServer(); TetherServerProcess server = TetherServerProcess.start()) {
            Path xauth = tmp.resolve("fake-xauth");
            Files.writeString(xauth, "#!/bin/sh\necho \"host/unix:" + x.display + "  MIT-MAGIC-COOKIE-1  " + realCookie() + "\"\n");
            Files.setPosixFilePermissions(xauth, PosixFilePermissions.fromString("rwx------"));
            Processes.Result r = server.sshInvocation()
                    .args("-X", "-o", "ForwardX11Trusted=yes", "-o", "XAuthLocation=" + xauth)
                    .env("DISPLAY", "127.0.0.1:" + x.display)
                    .command("echo display=$DISPLAY")
                    .run().process();
            assertEquals(0, r.exitCode(), r.describe());
            assertTrue(r.stdout().contains("display=\n"), r.describe());
            server.awaitStderr("session 0 refused x11 forwarding: not allowed for this user", WAIT);
        }
    }

    @Test
    void tetherSshXSpoofsTheCookieToo() throws Exception {
        Peers.require("python3", Files.isExecutable(Peers.PYTHON));
        Path script = clientScript();
        try (FakeXServer x = new FakeXServer();
             TetherServerProcess server = TetherServerProcess.start(true, d -> List.of("--config", config(d, "X11Forwarding yes")))) {
            // the client's Xauthority: FamilyInternet 127.0.0.1, display N, the real cookie
            Path xauthority = tmp.resolve("client.Xauthority");
            Files.write(xauthority, xauthEntry(0, new byte[]{127, 0, 0, 1}, Integer.toString(x.display),
                    HexFormat.of().parseHex(realCookie())));
            Path home = Files.createDirectories(tmp.resolve("home"));
            Path known = home.resolve("known_hosts");
            Files.writeString(known, server.knownHostsLine() + "\n");
            List<String> args = new ArrayList<>(List.of("ssh", "-F", "none", "-p", Integer.toString(server.port()),
                    "-i", server.userKey().toString(), "-o", "UserKnownHostsFile=" + known, "-o", "BatchMode=yes", "-X",
                    "127.0.0.1", Peers.PYTHON + " " + script));
            Map<String, String> env = TetherCli.env(home);
            env.put("DISPLAY", "127.0.0.1:" + x.display);
            env.put("XAUTHORITY", xauthority.toString());
            Processes.Result r = Processes.run(TetherCli.command(args.toArray(new String[0])), env, null, null, TetherCli.TIMEOUT);
            assertEquals(0, r.exitCode(), r.describe());
            assertTrue(r.stdout().contains("REPLY=X11REPLY"), r.describe());
            assertNotEquals(realCookie(), r.after("COOKIE=").strip(), r.describe());
            assertEquals(realCookie(), x.cookie.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        }
    }

    /** One libXau entry: family, address, display number, MIT-MAGIC-COOKIE-1, cookie. */
    private static byte[] xauthEntry(int family, byte[] address, String number, byte[] cookie) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(family >>> 8);
        out.write(family);
        for (byte[] b : List.of(address, number.getBytes(StandardCharsets.US_ASCII),
                "MIT-MAGIC-COOKIE-1".getBytes(StandardCharsets.US_ASCII), cookie)) {
            out.write(b.length >>> 8);
            out.write(b.length);
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    static String config(Path dir, String... lines) {
        try {
            return Files.writeString(dir.resolve("sshd_config"), String.join("\n", lines) + "\n").toString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
