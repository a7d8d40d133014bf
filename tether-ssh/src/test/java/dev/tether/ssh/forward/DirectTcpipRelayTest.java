package dev.tether.ssh.forward;

import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.policy.ChannelOpenResult;
import dev.tether.ssh.testutil.NoneAuthPolicy;
import dev.tether.ssh.testutil.Pair;
import dev.tether.testkit.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code direct-tcpip} on Tether's server with Tether's client over the in-memory pipe, to real
 * loopback sockets: the policy may answer later (and is asked before any connect), a refusal or a
 * failed connect is an OPEN_FAILURE with its reason and text, data and EOF go both ways, and a
 * target that never reads holds back its own channel only: another channel of the same
 * connection still gets through.
 *
 * <p>Threading: the targets accept on daemon threads of their own; every wait is bounded.
 */
class DirectTcpipRelayTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Asked opens ("host:port"), and the answers the test gives them. */
    private final LinkedBlockingQueue<String> asked = new LinkedBlockingQueue<>();
    private volatile CompletableFuture<ChannelOpenResult> nextAnswer = CompletableFuture.completedFuture(ChannelOpenResult.SUCCEEDED);
    private Pair p;
    private ServerSocket echo;
    private ServerSocket stalled;
    private final LinkedBlockingQueue<Socket> stalledAccepted = new LinkedBlockingQueue<>();

    @BeforeEach
    void connect() throws Exception {
        p = Pair.inMemory(TransportConfig.builder().build(), Pair.serverConfig().serverInterface(t -> new NoneAuthPolicy() {
            @Override
            public CompletionStage<ChannelOpenResult> checkChannelDirectTcpipRequestAsync(int chanid, String originHost, int originPort,
                                                                                         String host, int port) {
                asked.add(host + ":" + port);
                return nextAnswer;
            }
        }).build());
        assertEquals(List.of(), p.client.authNone("u"));
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon(() -> {
            while (true) {
                Socket s = echo.accept();
                daemon(() -> {
                    try (s) {
                        s.getInputStream().transferTo(s.getOutputStream());
                    }
                    return null;
                });
            }
        });
        stalled = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon(() -> {
            while (true) {
                stalledAccepted.add(stalled.accept()); // accepted and never read
            }
        });
    }

    @AfterEach
    void close() throws Exception {
        p.close();
        echo.close();
        stalled.close();
        for (Socket s : stalledAccepted) {
            s.close();
        }
    }

    private Channel open(int port) throws IOException {
        return p.client.openChannel("direct-tcpip",
                new SshWriter().string("127.0.0.1").uint32(port).string("127.0.0.1").uint32(5555).toByteArray());
    }

    @Test
    void dataAndEofGoBothWays() throws Exception {
        Channel c = open(echo.getLocalPort());
        assertEquals("127.0.0.1:" + echo.getLocalPort(), asked.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        byte[] data = new byte[3 * 1024 * 1024 + 17]; // more than the window: it must reopen
        new java.util.Random(1).nextBytes(data);
        CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> {
            try {
                return c.getInputStream().readAllBytes();
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        c.getOutputStream().write(data);
        c.sendEof(); // the echo target sees EOF, answers everything, and closes
        assertArrayEquals(data, back.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        assertTrue(Poll.until(() -> p.server.openChannelCount() == 0, WAIT), "the relay closed the channel");
    }

    @Test
    void thePolicyMayAnswerLaterAndNothingConnectsBeforeIt() throws Exception {
        CompletableFuture<ChannelOpenResult> later = new CompletableFuture<>();
        nextAnswer = later;
        CompletableFuture<Channel> opened = CompletableFuture.supplyAsync(() -> {
            try {
                return open(stalled.getLocalPort());
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        assertNotNull(asked.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        assertFalse(opened.isDone());
        assertTrue(stalledAccepted.isEmpty(), "connected before the policy answered");
        later.complete(ChannelOpenResult.SUCCEEDED);
        assertNotNull(opened.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        assertNotNull(stalledAccepted.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS), "connected once the policy said yes");
    }

    @Test
    void refusalsAndFailedConnectsCarryTheirReason() throws Exception {
        nextAnswer = CompletableFuture.completedFuture(ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED);
        SshException refused = assertThrows(SshException.class, () -> open(echo.getLocalPort()));
        assertTrue(refused.getMessage().contains("(1): direct-tcpip to 127.0.0.1:" + echo.getLocalPort() + " is not permitted"),
                refused.getMessage());

        nextAnswer = CompletableFuture.completedFuture(ChannelOpenResult.SUCCEEDED);
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        SshException failed = assertThrows(SshException.class, () -> open(closed));
        assertTrue(failed.getMessage().contains("(2): connect to 127.0.0.1:" + closed + " failed"), failed.getMessage());
        assertEquals(0, p.server.openChannelCount());
    }

    @Test
    void aTargetThatNeverReadsHoldsBackItsOwnChannelOnly() throws Exception {
        Channel slow = open(stalled.getLocalPort());
        Socket target = stalledAccepted.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(target);
        AtomicLong written = new AtomicLong();
        long total = 256L << 20;
        Thread writer = new Thread(() -> {
            byte[] block = new byte[64 * 1024];
            try {
                OutputStream out = slow.getOutputStream();
                while (written.get() < total) {
                    out.write(block);
                    written.addAndGet(block.length);
                }
            } catch (IOException e) {
                // the channel closed under it
            }
        }, "slow-writer");
        writer.setDaemon(true);
        writer.start();
        // the window fills (the relay reopens it only for what the socket takes) and the writer blocks
        assertTrue(Poll.until(() -> written.get() >= 2L << 20, WAIT), "written " + written.get());

        // meanwhile another channel of the same connection gets through
        Channel quick = open(echo.getLocalPort());
        quick.getOutputStream().write("still moving".getBytes(StandardCharsets.US_ASCII));
        quick.sendEof();
        assertArrayEquals("still moving".getBytes(StandardCharsets.US_ASCII), quick.getInputStream().readAllBytes());
        assertTrue(written.get() < total, "the stalled target took everything?");

        // closing the slow channel closes its socket: the target reads what was buffered, then EOF
        slow.close();
        InputStream in = target.getInputStream();
        target.setSoTimeout((int) WAIT.toMillis());
        byte[] buf = new byte[1 << 16];
        while (in.read(buf) >= 0) {
            // drain
        }
        writer.join(WAIT.toMillis());
        assertFalse(writer.isAlive(), "the writer is still blocked after the channel closed");
        assertTrue(Poll.until(() -> p.server.openChannelCount() == 0, WAIT));
    }

    private interface Body {
        Object run() throws Exception;
    }

    private static void daemon(Body body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Exception e) {
                // closed
            }
        }, "relay-test-peer");
        t.setDaemon(true);
        t.start();
    }
}
