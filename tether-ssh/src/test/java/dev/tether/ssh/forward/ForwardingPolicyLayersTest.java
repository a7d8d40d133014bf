package dev.tether.ssh.forward;

import dev.tether.ssh.Portal;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.Forward;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.policy.ChannelOpenResult;
import dev.tether.ssh.policy.ServerInterface;
import dev.tether.ssh.testutil.ChannelTableAvatar;
import dev.tether.ssh.testutil.NoneAuthPolicy;
import dev.tether.ssh.testutil.Pair;
import dev.tether.testkit.EchoServer;
import dev.tether.testkit.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server's forwarding policy seams, Tether's client against Tether's server over loopback TCP
 * in one JVM, to a real echo socket: the paramiko-style {@link ServerInterface} may answer
 * {@code direct-tcpip} and {@code tcpip-forward} later, from another thread, and nothing connects
 * or listens before it does; its refusal reaches the client with the RFC 4254 reason code and a
 * readable message, and nothing connects to the target; an allowed port-0 {@code tcpip-forward}
 * tells the client the allocated port, relays its connections back to the client's target, and
 * the client's close reaches {@code cancelPortForwardRequest} with that address and port and stops
 * the listener. Behind a {@link Portal}, the Conch-style avatar's channel table is a layer of its
 * own: without {@code direct-tcpip} (or {@code forwarded-tcpip}) the user cannot forward even
 * though every other check allows it, and is not even asked about the destination; with it, the
 * same setup relays.
 *
 * <p>Threading: the policy's answers complete on threads of their own; the echo target accepts
 * on its daemon threads; every wait is bounded.
 */
class ForwardingPolicyLayersTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final byte[] DATA = data(200_003);

    /** One call the policy received ("host:port") and the answer the test gives it, when it likes. */
    private record Asked<T>(String what, CompletableFuture<T> answer) {
        /** Answers from a thread of its own, as a directory lookup would. */
        void answerLater(T value) {
            new Thread(() -> answer.complete(value), "policy-answer").start();
        }
    }

    /** Lets anyone in with {@code none} and hands every forwarding question to the test. */
    private static final class AskingPolicy extends NoneAuthPolicy {
        final LinkedBlockingQueue<Asked<ChannelOpenResult>> opens = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<Asked<Integer>> listens = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<String> cancels = new LinkedBlockingQueue<>();

        @Override
        public CompletionStage<ChannelOpenResult> checkChannelDirectTcpipRequestAsync(int chanid, String originHost, int originPort,
                                                                                     String host, int port) {
            return ask(opens, host + ":" + port);
        }

        @Override
        public CompletionStage<Integer> checkPortForwardRequestAsync(String address, int port) {
            return ask(listens, address + ":" + port);
        }

        @Override
        public void cancelPortForwardRequest(String address, int port) {
            cancels.add(address + ":" + port);
        }

        private static <T> CompletableFuture<T> ask(LinkedBlockingQueue<Asked<T>> queue, String what) {
            CompletableFuture<T> answer = new CompletableFuture<>();
            queue.add(new Asked<>(what, answer));
            return answer;
        }
    }

    private final AskingPolicy policy = new AskingPolicy();
    /** The destinations the avatar's PermitOpen was asked about. */
    private final LinkedBlockingQueue<String> permitOpenAsked = new LinkedBlockingQueue<>();
    private EchoServer echo;
    private Pair p;

    @BeforeEach
    void target() throws IOException {
        echo = EchoServer.tcp();
    }

    @AfterEach
    void close() throws Exception {
        if (p != null) {
            p.close();
        }
        echo.close();
    }

    private void connectToAskingPolicy() throws Exception {
        p = Pair.overTcp(TransportConfig.builder().build(), Pair.serverConfig().serverInterface(t -> policy).build());
        assertEquals(List.of(), p.client.authNone("u"));
    }

    /** A {@link Portal} whose realm gives every user an avatar with {@code channelTypes}; PermitOpen and PermitListen allow all. */
    private void connectToPortal(Set<String> channelTypes) throws Exception {
        Portal portal = Portal.builder()
                .passwords((user, password) -> CompletableFuture.completedFuture(password.equals("pw")))
                .realm((user, login) -> new ChannelTableAvatar(user, channelTypes) {
                    @Override
                    public boolean permitOpen(String host, int port) {
                        permitOpenAsked.add(host + ":" + port);
                        return true;
                    }
                }).build();
        p = Pair.overTcp(TransportConfig.builder().build(), Pair.serverConfig().serverInterface(portal.serverInterface()).build());
        assertEquals(List.of(), p.client.authPassword("u", "pw"));
    }

    // ------------------------------------------------------------------ direct-tcpip, asked of the ServerInterface

    @Test
    void directTcpipAnsweredLaterFromAnotherThreadRelaysToTheTarget() throws Exception {
        connectToAskingPolicy();
        Channel ch = openDirectTcpipAnsweredLater(ChannelOpenResult.SUCCEEDED).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertArrayEquals(DATA, roundTrip(ch, DATA));
        assertEquals(1, echo.accepted());
    }

    @Test
    void directTcpipRefusalCarriesTheReasonCodeAndNothingConnects() throws Exception {
        connectToAskingPolicy();
        assertProhibited(failure(openDirectTcpipAnsweredLater(ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED)));

        // the policy's reason is the one the client gets: connect failed (2)
        String failed = failure(openDirectTcpipAnsweredLater(ChannelOpenResult.CONNECT_FAILED)).getMessage();
        assertTrue(failed.contains("(" + ChannelOpenResult.CONNECT_FAILED.code() + "): "), failed);

        // the connection goes on; the target's first connection is this one (accepts are counted in order)
        Channel ch = openDirectTcpipAnsweredLater(ChannelOpenResult.SUCCEEDED).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertArrayEquals(DATA, roundTrip(ch, DATA));
        assertEquals(1, echo.accepted(), "a refused open connected to the target");
    }

    // ------------------------------------------------------------------ tcpip-forward, asked of the ServerInterface

    @Test
    void remoteForwardRefusedLaterFailsOnTheClient() throws Exception {
        connectToAskingPolicy();
        failure(forwardRemoteAnsweredLater(-1));
        assertNull(policy.cancels.poll(), "a refused forward was cancelled: " + policy.cancels);
        assertEquals(0, echo.accepted());
    }

    @Test
    void remoteForwardAllowedOnPortZeroRelaysAndItsCancelReachesThePolicy() throws Exception {
        connectToAskingPolicy();
        Forward f = forwardRemoteAnsweredLater(0).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        int port = f.boundPort();
        assertTrue(port > 0, "the allocated port: " + f.boundAddress());
        try (Socket s = loopback(port)) {
            assertArrayEquals(DATA, EchoServer.roundTrip(s, DATA), "through the server's listener, back to the client's target");
        }
        assertEquals(1, echo.accepted());
        assertEquals(1, f.connections());

        f.close();
        assertEquals("127.0.0.1:" + port, policy.cancels.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS), "cancelPortForwardRequest");
        if (!Poll.until(() -> !listening(port), WAIT)) {
            // another process on a busy machine may have taken the freed port; the forward at least is gone
            try (Socket s = loopback(port)) {
                s.setSoTimeout((int) WAIT.toMillis());
                s.getOutputStream().write(DATA);
                s.shutdownOutput();
                s.getInputStream().readAllBytes();
            } catch (IOException e) {
                // not ours either way
            }
            assertEquals(1, echo.accepted(), "the server still forwards " + port + " after the cancel");
            assertEquals(1, f.connections(), "the server still forwards " + port + " after the cancel");
        }
    }

    // ------------------------------------------------------------------ the avatar's channel table, behind a Portal

    @Test
    void anAvatarWithoutDirectTcpipCannotForwardThoughEverythingElseAllows() throws Exception {
        connectToPortal(Set.of("session"));
        assertProhibited(assertThrows(SshException.class, () -> p.client.openDirectTcpip("127.0.0.1", echo.port())));
        assertEquals(0, echo.accepted(), "connected to the target of a refused open");
        assertTrue(permitOpenAsked.isEmpty(), "PermitOpen was asked for a user without the channel type: " + permitOpenAsked);
        // likewise for tcpip-forward without forwarded-tcpip
        assertThrows(SshException.class, () -> p.client.forwardRemote("127.0.0.1", 0, echoTarget()));
        assertEquals(0, p.server.openChannelCount());
    }

    @Test
    void theSameAvatarWithDirectTcpipForwards() throws Exception {
        connectToPortal(Set.of("session", "direct-tcpip"));
        Channel ch = p.client.openDirectTcpip("127.0.0.1", echo.port());
        assertArrayEquals(DATA, roundTrip(ch, DATA));
        assertEquals(1, echo.accepted());
        assertEquals(List.of("127.0.0.1:" + echo.port()), List.copyOf(permitOpenAsked));
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Opens {@code direct-tcpip} to the echo target; once the policy has been asked (and the open
     * is still unanswered, and nothing more has connected to the target), {@code answer} is given
     * from another thread. The open's outcome.
     */
    private CompletableFuture<Channel> openDirectTcpipAnsweredLater(ChannelOpenResult answer) throws Exception {
        int connected = echo.accepted();
        CompletableFuture<Channel> opened = async(() -> p.client.openDirectTcpip("127.0.0.1", echo.port()));
        Asked<ChannelOpenResult> asked = next(policy.opens);
        assertEquals("127.0.0.1:" + echo.port(), asked.what());
        assertFalse(opened.isDone(), "the open was answered before the policy was");
        assertEquals(connected, echo.accepted(), "the server connected before the policy answered");
        asked.answerLater(answer);
        return opened;
    }

    /**
     * Asks for a remote forward on 127.0.0.1 port 0 to the echo target; once the policy has been
     * asked (and the request is still unanswered), {@code answer} is given from another thread.
     * The request's outcome.
     */
    private CompletableFuture<Forward> forwardRemoteAnsweredLater(int answer) throws Exception {
        CompletableFuture<Forward> requested = async(() -> p.client.forwardRemote("127.0.0.1", 0, echoTarget()));
        Asked<Integer> asked = next(policy.listens);
        assertEquals("127.0.0.1:0", asked.what());
        assertFalse(requested.isDone(), "the request was answered before the policy was");
        asked.answerLater(answer);
        return requested;
    }

    private InetSocketAddress echoTarget() throws IOException {
        return InetSocketAddress.createUnresolved("127.0.0.1", echo.port());
    }

    private static <T> T next(LinkedBlockingQueue<T> queue) throws InterruptedException {
        T t = queue.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(t, "the policy was not asked");
        return t;
    }

    /** Runs a blocking client call on a thread of its own, so the test can answer the policy meanwhile. */
    private static <T> CompletableFuture<T> async(Callable<T> call) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return call.call();
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
    }

    /** An OPEN_FAILURE for the echo target with reason 1 (administratively prohibited) and a readable message. */
    private void assertProhibited(SshException refused) throws IOException {
        String expected = "(" + ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED.code() + "): direct-tcpip to 127.0.0.1:" + echo.port()
                + " is not permitted";
        assertTrue(refused.getMessage().contains(expected), refused.getMessage());
    }

    /** The SshException a client call failed with (within the wait). */
    private static SshException failure(CompletableFuture<?> call) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        return assertInstanceOf(SshException.class, e.getCause());
    }

    /** Writes {@code data} on the channel, half-closes, and returns everything that comes back, read meanwhile. */
    private static byte[] roundTrip(Channel ch, byte[] data) throws Exception {
        CompletableFuture<byte[]> back = async(() -> ch.getInputStream().readAllBytes());
        ch.getOutputStream().write(data);
        ch.sendEof();
        return back.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static Socket loopback(int port) throws IOException {
        return new Socket(InetAddress.getByName("127.0.0.1"), port);
    }

    private static boolean listening(int port) {
        try (Socket s = loopback(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static byte[] data(int n) {
        byte[] b = new byte[n];
        new java.util.Random(n).nextBytes(b);
        return b;
    }
}
