package dev.tether.cli;

import dev.tether.testkit.OpenSshClient;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Poll;
import dev.tether.testkit.Processes;
import dev.tether.testkit.SshKeygen;
import dev.tether.testkit.TetherCli;
import dev.tether.testkit.TetherServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The limit flags of {@code tether server} that the library enforces per connection or at
 * admission ({@code --max-sessions}, {@code --max-startups}, {@code --proxy-protocol}, and
 * {@code ClientAliveInterval}/{@code ClientAliveCountMax} from {@code --config}), each observed
 * end to end: the server as a real process, OpenSSH's {@code ssh} (or a raw socket) as the client.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ServerLimitFlagsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    /** A started process whose stdin is a pipe the test holds, its output in files. */
    private record Held(Processes.Running running) {
        Process process() {
            return running.process();
        }

        /** Ends a {@code read x} command: one line on its stdin. */
        void answer() throws IOException {
            OutputStream in = running.stdin();
            in.write('\n');
            in.flush();
        }

        int await() throws Exception {
            assertTrue(running.process().waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS), "still running: " + describe());
            return running.process().exitValue();
        }

        String stdout() throws IOException {
            return running.stdout();
        }

        String describe() throws IOException {
            return running.describe();
        }
    }

    private final List<Process> started = new ArrayList<>();

    private Held hold(List<String> cmd) throws IOException {
        Processes.Running r = Processes.startPiped(cmd, Processes.withoutAgent(Map.of()), tmp);
        started.add(r.process());
        return new Held(r);
    }

    /** Also closed before the server in each test, so that its SIGTERM does not wait for these clients' connections. */
    @org.junit.jupiter.api.AfterEach
    void killStarted() {
        started.forEach(Processes::kill);
    }

    @Test
    void maxSessionsRefusesTheThirdSessionOverAControlMaster() throws Exception {
        try (TetherServerProcess server = TetherServerProcess.start("--max-sessions", "2");
             AutoCloseable heldFirst = this::killStarted) {
            String control = tmp.resolve("cm").toString();
            Held master = hold(server.sshInvocation().master(Path.of(control)).argv());
            OpenSshClient client = new OpenSshClient(tmp);
            assertTrue(client.awaitMaster(master.running(), Path.of(control), Cli.localUser(), WAIT), master.describe());

            List<String> mux = client.mux(Path.of(control), Cli.localUser()).verbose(0).shell().argv();
            Held first = hold(with(mux, "read x; echo first-done"));
            server.awaitStderr(" session 0 start exec", WAIT);
            Held second = hold(with(mux, "read x; echo second-done"));
            server.awaitStderr(" session 1 start exec", WAIT);

            Held third = hold(with(mux, "echo third"));
            assertEquals(255, third.await(), third.describe());
            assertEquals("", third.stdout(), "the third session never ran");
            assertTrue(third.describe().contains("Session open refused by peer"), third.describe());

            first.answer();
            assertEquals(0, first.await(), first.describe());
            assertEquals("first-done\n", first.stdout());
            server.awaitStderr(" session 0 end exec .* status 0", WAIT);
            // a slot is free again
            Held fourth = hold(with(mux, "echo fourth"));
            assertEquals(0, fourth.await(), fourth.describe());
            assertEquals("fourth\n", fourth.stdout());

            second.answer();
            assertEquals(0, second.await(), second.describe());
            assertEquals("second-done\n", second.stdout());
            assertTrue(master.process().isAlive(), "the master's connection stays up: " + master.describe());
            assertEquals(1, server.stderr().split(" connect\n", -1).length - 1, "all went over one connection:\n" + server.stderr());
        }
    }

    private static List<String> with(List<String> cmd, String command) {
        List<String> all = new ArrayList<>(cmd);
        all.add(command);
        return all;
    }

    @Test
    void maxStartupsEvictsTheStalestSilentConnectionForARealLogin() throws Exception {
        try (TetherServerProcess server = TetherServerProcess.start("--max-startups", "2");
             Socket oldest = new Socket();
             Socket newer = new Socket()) {
            for (Socket s : List.of(oldest, newer)) {
                s.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
                server.awaitStderr("#\\d+ 127\\.0\\.0\\.1:" + s.getLocalPort() + " connect", WAIT);
            }
            Processes.Result r = server.ssh(List.of(), "echo in");
            assertEquals(0, r.exitCode(), r.describe());
            assertEquals("in\n", r.stdout());

            Packet p = firstPacketAfterKexInit(oldest);
            assertEquals(1, p.type(), "the stalest connection got no DISCONNECT: " + p);
            assertEquals(12, p.disconnectCode(), p.toString());
            assertTrue(p.description().startsWith("too many unauthenticated connections"), p.description());
            server.awaitStderr("#\\d+ 127\\.0\\.0\\.1:" + oldest.getLocalPort() + " disconnect by server \\(12\\)", WAIT);
            // the newer silent connection was not in the way: still open, nothing but our version line and KEXINIT
            assertFalse(server.stderr().contains("127.0.0.1:" + newer.getLocalPort() + " disconnect"), server.stderr());
        }
    }

    /**
     * Every slot held by a connection that finished its key exchange but not its login (ssh
     * waits for an askpass program to give its key's passphrase), so there is nothing to evict:
     * the next client is refused with code 12.
     */
    @Test
    void maxStartupsRefusesWhenEverySlotIsPastItsKeyExchange() throws Exception {
        try (TetherServerProcess server = TetherServerProcess.start("--max-startups", "2");
             AutoCloseable heldFirst = this::killStarted) {
            Path key = SshKeygen.generateEncrypted(tmp, "locked_key", "ed25519", 0, "secret");
            Files.writeString(server.dir().resolve("authorized_keys"), Files.readString(Path.of(key + ".pub")));
            Path fifo = tmp.resolve("never");
            Processes.runOk(List.of("/usr/bin/mkfifo", fifo.toString()), Map.of(), null, TetherCli.TIMEOUT);
            Path askpass = Files.writeString(tmp.resolve("askpass"), "#!/bin/sh\nread x < " + fifo + "\necho secret\n");
            assertTrue(askpass.toFile().setExecutable(true));
            for (int i = 0; i < 2; i++) {
                Path log = tmp.resolve("stalled-" + i + ".log");
                List<String> cmd = new ArrayList<>(server.sshCommand(List.of("-v", "-E", log.toString()), "true"));
                cmd.set(cmd.indexOf(server.userKey().toString()), key.toString());
                cmd.set(cmd.indexOf("BatchMode=yes"), "BatchMode=no");
                Process p = Processes.start(cmd, Map.of("SSH_ASKPASS", askpass.toString(), "SSH_ASKPASS_REQUIRE", "force",
                        "DISPLAY", ":0"), null, tmp).process();
                started.add(p);
                // the server accepted the key (so the key exchange is done); ssh now asks for the passphrase
                assertTrue(Poll.until(() -> {
                    try {
                        return Files.exists(log) && Files.readString(log).contains("Server accepts key");
                    } catch (IOException e) {
                        return false;
                    }
                }, WAIT, Duration.ofMillis(25), p), "ssh did not get past the key exchange: " + (Files.exists(log) ? Files.readString(log) : ""));
            }
            Processes.Result r = server.ssh(List.of("-v"), "true");
            assertEquals(255, r.exitCode(), r.describe());
            assertTrue(r.stderr().matches("(?s).*Received disconnect from 127\\.0\\.0\\.1 port \\d+:12: .*"), r.describe());
        }
    }

    /** What a raw peer read after the server's version line: a packet's type and, for DISCONNECT, its code and text. */
    private record Packet(int type, int disconnectCode, String description) {
    }

    /**
     * Reads the server's version line and its unencrypted packets, skipping KEXINIT, IGNORE and
     * DEBUG; the first other packet, or type -1 if the connection ends first.
     */
    private static Packet firstPacketAfterKexInit(Socket s) throws IOException {
        s.setSoTimeout((int) WAIT.toMillis());
        DataInputStream in = new DataInputStream(s.getInputStream());
        StringBuilder line = new StringBuilder();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new EOFException("closed before the version line: " + line);
            }
            line.append((char) b);
        }
        assertTrue(line.toString().startsWith("SSH-2.0-"), line.toString());
        try {
            while (true) {
                int length = in.readInt();
                assertTrue(length >= 5 && length <= 64 * 1024, "packet length " + length);
                int pad = in.readUnsignedByte();
                byte[] payload = new byte[length - 1 - pad];
                in.readFully(payload);
                in.skipNBytes(pad);
                int type = payload[0] & 0xff;
                if (type == 1) {
                    ByteBuffer b = ByteBuffer.wrap(payload, 1, payload.length - 1);
                    int code = b.getInt();
                    byte[] text = new byte[b.getInt()];
                    b.get(text);
                    return new Packet(1, code, new String(text, StandardCharsets.UTF_8));
                }
                if (type != 2 && type != 4 && type != 20) {
                    return new Packet(type, 0, null);
                }
            }
        } catch (EOFException | SocketException e) {
            return new Packet(-1, 0, e.toString());
        }
    }

    @Test
    void proxyProtocolRefusesAConnectionWithoutAHeaderAndLogsTheClientAHeaderNames() throws Exception {
        try (TetherServerProcess server = TetherServerProcess.start("--proxy-protocol")) {
            try (Socket bare = new Socket()) {
                bare.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
                bare.getOutputStream().write("SSH-2.0-NoHeader\r\n".getBytes(StandardCharsets.US_ASCII));
                bare.setSoTimeout((int) WAIT.toMillis());
                InputStream in = bare.getInputStream();
                int first;
                try {
                    first = in.read();
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("the server neither answered nor closed a connection without a header", e);
                } catch (SocketException e) {
                    first = -1; // reset: closed all the same
                }
                assertEquals(-1, first, "the server sent something (its version line?) before a PROXY header");
                server.awaitStderr("refused 127\\.0\\.0\\.1:" + bare.getLocalPort() + ": PROXY protocol: no header", WAIT);
            }

            Path relay = Path.of(ServerLimitFlagsTest.class.getResource("proxy_relay.py").toURI());
            String header = "PROXY TCP4 203.0.113.7 127.0.0.1 40000 " + server.port();
            String proxyCommand = Peers.PYTHON + " " + relay + " 127.0.0.1 " + server.port() + " '" + header + "'";
            Processes.Result r = server.ssh(List.of("-o", "ProxyCommand=" + proxyCommand),
                    "echo through the proxy");
            assertEquals(0, r.exitCode(), r.describe());
            assertEquals("through the proxy\n", r.stdout());
            server.awaitStderr("#\\d+ 203\\.0\\.113\\.7:40000 connect", WAIT);
            server.awaitStderr("#\\d+ 203\\.0\\.113\\.7:40000 auth accepted ", WAIT);
            server.awaitStderr("#\\d+ 203\\.0\\.113\\.7:40000 session 0 start exec", WAIT);
        }
    }

    @Test
    void clientAliveFromTheConfigFileKeepsAResponsiveClientAndDropsAStoppedOne() throws Exception {
        try (TetherServerProcess server = TetherServerProcess.start(true, dir -> {
            try {
                return List.of("--config", Files.writeString(dir.resolve("sshd_config"),
                        "ClientAliveInterval 1\nClientAliveCountMax 1\n").toString());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        })) {
            // a client that answers the probes outlives several intervals
            Processes.Result r = server.ssh(List.of(), "sleep 3; echo still-here");
            assertEquals(0, r.exitCode(), r.describe());
            assertEquals("still-here\n", r.stdout());
            assertFalse(server.stderr().contains("not responding"), server.stderr());

            Held quiet = hold(server.sshCommand(List.of("-N")));
            // the second connection's tag (#N ADDR:PORT) from its auth line
            String[] tag = {null};
            assertTrue(Poll.until(() -> {
                List<String> lines = server.stderr().lines().filter(l -> l.contains(" auth accepted ")).toList();
                if (lines.size() < 2) {
                    return false;
                }
                String l = lines.get(1);
                String[] words = l.substring(l.indexOf('#')).split(" ");
                tag[0] = words[0] + " " + words[1];
                return true;
            }, WAIT, Duration.ofMillis(25), quiet.process()), "ssh -N did not log in: " + quiet.describe() + server.stderr());
            long pid = quiet.process().pid();
            Processes.runOk(List.of("/bin/kill", "-STOP", String.valueOf(pid)), Map.of(), null, TetherCli.TIMEOUT);
            long stopped = System.nanoTime();
            try {
                String line = server.awaitStderr(java.util.regex.Pattern.quote(tag[0])
                        + " disconnect by server \\(\\d+\\): Timeout, client not responding", WAIT);
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped);
                // one interval of silence, one unanswered probe, one more interval: about 2 s
                assertTrue(millis < 15_000, "dropped only after " + millis + " ms: " + line);
            } finally {
                Processes.run(List.of("/bin/kill", "-CONT", String.valueOf(pid)), Map.of(), null, null, WAIT);
            }
            assertEquals(255, quiet.await(), quiet.describe());
        }
    }
}
