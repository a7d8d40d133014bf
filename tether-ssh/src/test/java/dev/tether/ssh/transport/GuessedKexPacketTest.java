package dev.tether.ssh.transport;

import dev.tether.ssh.ExecResult;
import dev.tether.ssh.Portal;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.testutil.Pair;
import dev.tether.ssh.testutil.TestKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * RFC 4253 §7, {@code first_kex_packet_follows}: a peer that guesses sends its first key exchange
 * packet right behind its KEXINIT; Tether must use it when the guess is right and skip exactly
 * that packet when it is wrong (the two sides' first key exchange methods, or first host key
 * algorithms, differ, even when negotiation then picks the guesser's method), with or without
 * strict KEX.
 *
 * <p>Each case runs a real command end to end: our client connects to a relay made of two
 * {@link GuessingPeer}s, one the server for our client, the other a client of our server, whose
 * key exchanges are scripted by hand; once both are keyed the relay copies the decrypted packets
 * across, so the login (a password: a public key signature would name the wrong session) and
 * the exec run between the real client and the real server. Against our server the relay's
 * client leg guesses; against our client its server leg does. A server can only guess wrong
 * (every method we have starts with the client), so our client is tested with wrong guesses.
 * An exchange that used a packet it should have skipped, or skipped one it should have used,
 * fails: keys that do not match, a protocol error, or a timeout.
 */
class GuessedKexPacketTest {
    private static final Duration T = Duration.ofSeconds(20);

    /** The server under test (or the relay's upstream): password "pw" for "u", echoes the command. */
    private static SshServer server(List<String> kex, List<String> hostKeyAlgs, boolean strict) throws IOException {
        Portal portal = Portal.builder()
                .passwords((u, p) -> CompletableFuture.completedFuture(u.equals("u") && p.equals("pw")))
                .commands(cmd -> ctx -> {
                    ctx.stdout().write(("ran " + cmd + "\n").getBytes(StandardCharsets.US_ASCII));
                    return 3;
                }).build();
        TransportConfig.Builder b = TransportConfig.builder().hostKeys(TestKeys.all()).strictKex(strict)
                .handshakeTimeout(T).serverInterface(portal.serverInterface());
        if (kex != null) {
            b.kexAlgorithms(kex);
        }
        if (hostKeyAlgs != null) {
            b.hostKeyAlgorithms(hostKeyAlgs);
        }
        return SshServer.start("127.0.0.1", 0, b.build());
    }

    /** Our client through {@code relay}: logs in and runs a command. */
    private static void loginAndExec(Relay relay, TransportConfig clientConfig) throws Exception {
        try (Transport t = Transport.connect("127.0.0.1", relay.port(), clientConfig, Pair.trustAllTestKeys())) {
            assertEquals(List.of(), t.authPassword("u", "pw"));
            ExecResult r = t.exec("hello", T);
            assertEquals("ran hello\n", r.stdoutText());
            assertEquals(3, r.exitStatus());
        } catch (IOException | AssertionError e) {
            try {
                relay.awaitHandshakes();
            } catch (Exception relayFailure) {
                e.addSuppressed(relayFailure); // what the scripted side saw: usually the real story
            }
            throw e;
        }
        relay.awaitHandshakes();
    }

    /** The scripted side's exchange went as the case means it to. */
    private static void assertScripted(GuessingPeer guesser, boolean right, String kex, String hostKey, boolean strict) {
        assertEquals(right, guesser.guessWasRight, "the scripted guess was " + (guesser.guessWasRight ? "right" : "wrong"));
        assertEquals(kex, guesser.negotiated.kex());
        assertEquals(hostKey, guesser.negotiated.hostKey());
        assertEquals(strict, guesser.strict, "strict KEX");
    }

    // ------------------------------------------------------------------ our server, a guessing client

    private static void guessAgainstOurServer(GuessingPeer.Offer guess, List<String> serverKex, List<String> serverHostKeys,
                                              boolean strict, boolean expectRight, String expectKex, String expectHostKey)
            throws Exception {
        try (SshServer s = server(serverKex, serverHostKeys, strict);
             Relay relay = new Relay(new GuessingPeer.Offer(List.of("curve25519-sha256"), List.of("ssh-ed25519"), strict, false),
                     guess, s.port())) {
            loginAndExec(relay, TransportConfig.builder().strictKex(strict).handshakeTimeout(T).build());
            assertScripted(relay.upstream, expectRight, expectKex, expectHostKey, strict);
        }
    }

    @ParameterizedTest(name = "strict KEX {0}")
    @ValueSource(booleans = {false, true})
    void ourServerUsesARightGuess(boolean strict) throws Exception {
        guessAgainstOurServer(new GuessingPeer.Offer(List.of("curve25519-sha256", "ecdh-sha2-nistp256"),
                        List.of("ssh-ed25519", "ecdsa-sha2-nistp256"), strict, true),
                List.of("curve25519-sha256", "ecdh-sha2-nistp256"), List.of("ssh-ed25519", "ecdsa-sha2-nistp256"),
                strict, true, "curve25519-sha256", "ssh-ed25519");
    }

    /** The guessed method is chosen all the same (the client's first), but the server prefers another: wrong. */
    @ParameterizedTest(name = "strict KEX {0}")
    @ValueSource(booleans = {false, true})
    void ourServerSkipsAWrongKexGuessEvenWhenItsMethodIsChosen(boolean strict) throws Exception {
        guessAgainstOurServer(new GuessingPeer.Offer(List.of("curve25519-sha256", "ecdh-sha2-nistp256"),
                        List.of("ssh-ed25519"), strict, true),
                List.of("ecdh-sha2-nistp256", "curve25519-sha256"), null,
                strict, false, "curve25519-sha256", "ssh-ed25519");
    }

    /**
     * The case of the issue: a client that prefers curve25519 and guesses it, against our server
     * as it comes (it prefers mlkem768x25519-sha256, and has curve25519 too).
     */
    @ParameterizedTest(name = "strict KEX {0}")
    @ValueSource(booleans = {false, true})
    void ourServerWithItsDefaultsSkipsACurve25519Guess(boolean strict) throws Exception {
        guessAgainstOurServer(new GuessingPeer.Offer(List.of("curve25519-sha256", "mlkem768x25519-sha256"),
                        List.of("ssh-ed25519", "rsa-sha2-512"), strict, true),
                null, null, strict, false, "curve25519-sha256", "ssh-ed25519");
    }

    /** The server does not have the guessed method at all. */
    @ParameterizedTest(name = "strict KEX {0}")
    @ValueSource(booleans = {false, true})
    void ourServerSkipsAWrongKexGuessForAMethodItLacks(boolean strict) throws Exception {
        guessAgainstOurServer(new GuessingPeer.Offer(List.of("ecdh-sha2-nistp256", "curve25519-sha256"),
                        List.of("ssh-ed25519"), strict, true),
                List.of("curve25519-sha256"), null,
                strict, false, "curve25519-sha256", "ssh-ed25519");
    }

    @ParameterizedTest(name = "strict KEX {0}")
    @ValueSource(booleans = {false, true})
    void ourServerSkipsAWrongHostKeyGuess(boolean strict) throws Exception {
        guessAgainstOurServer(new GuessingPeer.Offer(List.of("curve25519-sha256"),
                        List.of("ecdsa-sha2-nistp256", "ssh-ed25519"), strict, true),
                List.of("curve25519-sha256"), List.of("ssh-ed25519", "ecdsa-sha2-nistp256"),
                strict, false, "curve25519-sha256", "ecdsa-sha2-nistp256");
    }

    // ------------------------------------------------------------------ our client, a guessing server

    private static void guessAgainstOurClient(GuessingPeer.Offer guess, List<String> clientKex, List<String> clientHostKeys,
                                              boolean strict, String expectKex, String expectHostKey) throws Exception {
        try (SshServer s = server(null, null, true);
             Relay relay = new Relay(guess,
                     new GuessingPeer.Offer(List.of("curve25519-sha256"), List.of("ssh-ed25519"), true, false), s.port())) {
            loginAndExec(relay, TransportConfig.builder().strictKex(strict).kexAlgorithms(clientKex)
                    .hostKeyAlgorithms(clientHostKeys).handshakeTimeout(T).build());
            assertScripted(relay.downstream, false, expectKex, expectHostKey, strict);
        }
    }

    /** The server's guessed method is chosen (our client supports it), but our client prefers another. */
    @ParameterizedTest(name = "strict KEX {0}")
    @ValueSource(booleans = {false, true})
    void ourClientSkipsAWrongKexGuessEvenWhenItsMethodIsChosen(boolean strict) throws Exception {
        guessAgainstOurClient(new GuessingPeer.Offer(List.of("ecdh-sha2-nistp256"), List.of("ssh-ed25519"), strict, true),
                List.of("curve25519-sha256", "ecdh-sha2-nistp256"), List.of("ssh-ed25519"),
                strict, "ecdh-sha2-nistp256", "ssh-ed25519");
    }

    @ParameterizedTest(name = "strict KEX {0}")
    @ValueSource(booleans = {false, true})
    void ourClientSkipsAWrongKexGuess(boolean strict) throws Exception {
        guessAgainstOurClient(new GuessingPeer.Offer(List.of("ecdh-sha2-nistp256", "curve25519-sha256"),
                        List.of("ssh-ed25519"), strict, true),
                List.of("curve25519-sha256", "ecdh-sha2-nistp256"), List.of("ssh-ed25519"),
                strict, "curve25519-sha256", "ssh-ed25519");
    }

    @ParameterizedTest(name = "strict KEX {0}")
    @ValueSource(booleans = {false, true})
    void ourClientSkipsAWrongHostKeyGuess(boolean strict) throws Exception {
        guessAgainstOurClient(new GuessingPeer.Offer(List.of("curve25519-sha256"),
                        List.of("ecdsa-sha2-nistp256", "ssh-ed25519"), strict, true),
                List.of("curve25519-sha256"), List.of("ssh-ed25519", "ecdsa-sha2-nistp256"),
                strict, "curve25519-sha256", "ssh-ed25519");
    }

    /** The relay itself, no guesses: what every case above builds on. */
    @Test
    void theRelayWithoutGuesses() throws Exception {
        try (SshServer s = server(null, null, false);
             Relay relay = new Relay(new GuessingPeer.Offer(List.of("curve25519-sha256"), List.of("ssh-ed25519"), false, false),
                     new GuessingPeer.Offer(List.of("curve25519-sha256"), List.of("ssh-ed25519"), false, false), s.port())) {
            loginAndExec(relay, TransportConfig.builder().handshakeTimeout(T).build());
        }
    }

    // ------------------------------------------------------------------ the relay

    /**
     * Accepts one connection, keys it as {@code downstream} (the server for our client) and a new
     * connection to {@code upstreamPort} as {@code upstream} (a client of our server), then copies
     * packets both ways until either side closes. Any key exchange message after that fails it.
     */
    private static final class Relay implements AutoCloseable {
        private final ServerSocket listener;
        private final CompletableFuture<Void> keyed = new CompletableFuture<>();
        private final Thread acceptor;
        volatile GuessingPeer downstream;
        volatile GuessingPeer upstream;

        Relay(GuessingPeer.Offer down, GuessingPeer.Offer up, int upstreamPort) throws IOException {
            listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            acceptor = new Thread(() -> {
                try {
                    downstream = GuessingPeer.server(listener.accept(), TestKeys.all());
                    upstream = GuessingPeer.client(new Socket("127.0.0.1", upstreamPort));
                    downstream.handshake(down);
                    upstream.handshake(up);
                    keyed.complete(null);
                    Thread back = new Thread(() -> pump(upstream, downstream), "relay-up-to-down");
                    back.setDaemon(true);
                    back.start();
                    pump(downstream, upstream);
                } catch (Throwable e) {
                    keyed.completeExceptionally(e);
                    closePeers();
                }
            }, "relay");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        /** Rethrows what went wrong while the relay scripted its key exchanges. */
        void awaitHandshakes() throws Exception {
            keyed.get(T.toSeconds(), TimeUnit.SECONDS);
        }

        private void pump(GuessingPeer from, GuessingPeer to) {
            try {
                while (true) {
                    byte[] p = from.read();
                    int m = p[0] & 0xff;
                    if (m >= 20 && m <= 49) {
                        throw new AssertionError("the relay cannot pass on key exchange message " + m);
                    }
                    to.write(p);
                }
            } catch (IOException | AssertionError e) {
                // one side closed (or a rekey the relay cannot pass on): end both
            } finally {
                closePeers();
            }
        }

        private void closePeers() {
            GuessingPeer d = downstream;
            GuessingPeer u = upstream;
            if (d != null) {
                d.close();
            }
            if (u != null) {
                u.close();
            }
        }

        @Override
        public void close() throws Exception {
            listener.close();
            closePeers();
            acceptor.join(5000);
        }
    }
}
