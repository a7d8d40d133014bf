package dev.tether.ssh.validators;

import dev.tether.ssh.Portal;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.DisconnectException;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.policy.AuthResult;
import dev.tether.ssh.policy.ChannelOpenResult;
import dev.tether.ssh.policy.ConnectionValidator;
import dev.tether.ssh.policy.Login;
import dev.tether.ssh.policy.ServerInterface;
import dev.tether.ssh.policy.UserKey;
import dev.tether.ssh.testutil.Pair;
import dev.tether.ssh.testutil.TestKeys;
import dev.tether.testkit.OpenSshClient;
import dev.tether.testkit.Peers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A validator's {@link ConnectionValidator#acceptIdentification} runs for every server policy,
 * not only for a {@link Portal}: once per login, at the point where authentication succeeds
 * (single method, partial-success chains, asynchronous answers), and its refusal is the
 * DISCONNECT it names.
 */
class LoginValidatorAnyPolicyTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private KeyPair user;
    /** Logins the validators saw, and logins the policies were told about. */
    private final List<Login> checked = new CopyOnWriteArrayList<>();
    private final AtomicInteger authenticatedCalls = new AtomicInteger();

    @BeforeEach
    void keys() throws Exception {
        user = SignatureAlgorithms.generate("ssh-ed25519", 0);
        OpenSshKeyFile.write(dir.resolve("id"), user, "u");
    }

    /** An EchoServer-style policy (README): publickey for "u", optionally then a password. */
    private final class Policy implements ServerInterface {
        private final boolean twoFactor;
        private final boolean async;
        private boolean keyPassed;

        Policy(boolean twoFactor, boolean async) {
            this.twoFactor = twoFactor;
            this.async = async;
        }

        @Override
        public List<String> getAllowedAuths(String username) {
            return twoFactor && keyPassed ? List.of("password") : List.of("publickey");
        }

        @Override
        public AuthResult checkAuthPublickey(String username, UserKey key) {
            boolean ok = username.equals("u") && MessageDigest.isEqual(key.publicKey().getEncoded(), user.getPublic().getEncoded());
            if (!ok) {
                return AuthResult.FAILED;
            }
            synchronized (this) {
                keyPassed = true;
            }
            return twoFactor ? AuthResult.PARTIALLY_SUCCESSFUL : AuthResult.SUCCESSFUL;
        }

        @Override
        public AuthResult checkAuthPassword(String username, String password) {
            synchronized (this) {
                return twoFactor && keyPassed && password.equals("pw") ? AuthResult.SUCCESSFUL : AuthResult.FAILED;
            }
        }

        @Override
        public CompletionStage<AuthResult> checkAuthPasswordAsync(String username, String password) {
            if (!async) {
                return ServerInterface.super.checkAuthPasswordAsync(username, password);
            }
            // answered later, by another thread
            return CompletableFuture.supplyAsync(() -> checkAuthPassword(username, password),
                    CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS));
        }

        @Override
        public void authenticated(String username) {
            authenticatedCalls.incrementAndGet();
        }

        @Override
        public ChannelOpenResult checkChannelRequest(String kind, int channelId) {
            return kind.equals("session") ? ChannelOpenResult.SUCCEEDED : ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED;
        }

        @Override
        public boolean checkChannelExecRequest(Channel channel, String command) {
            new Thread(() -> {
                try (channel) {
                    channel.getOutputStream().write(("you said: " + command + "\n").getBytes(StandardCharsets.UTF_8));
                    channel.sendExitStatus(0);
                    channel.sendEof();
                } catch (IOException e) {
                    // the client went away
                }
            }).start();
            return true;
        }
    }

    private SshServer server(boolean twoFactor, boolean async) throws IOException {
        return SshServer.start("127.0.0.1", 0, TransportConfig.builder().hostKeys(List.of(TestKeys.ed25519()))
                .serverInterface(t -> new Policy(twoFactor, async)).build());
    }

    private ConnectionValidator validator(boolean refuse) {
        return new ConnectionValidator() {
            @Override
            public Verdict acceptHost(Peer peer) {
                return Verdict.accept();
            }

            @Override
            public Verdict acceptIdentification(Login login) {
                checked.add(login);
                return refuse ? Verdict.deny(Reason.SECURITY, "user " + login.username() + " is suspended") : Verdict.accept();
            }
        };
    }

    private Transport client(SshServer s) throws IOException {
        return Transport.connect("127.0.0.1", s.port(), TransportConfig.builder().build(), Pair.trustAllTestKeys());
    }

    private static void assertRefusedWithTheValidatorsReason(Transport c, IOException e) throws Exception {
        // the auth method throws the peer's DISCONNECT, or an SshException caused by it
        DisconnectException d = assertInstanceOf(DisconnectException.class,
                e instanceof DisconnectException ? e : e.getCause(), String.valueOf(e));
        assertEquals(11, d.code(), d.toString());
        assertEquals("user u is suspended", d.description());
        assertTrue(d.fromPeer(), d.toString());
        c.closeFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        DisconnectException closed = assertInstanceOf(DisconnectException.class, c.closeCause());
        assertEquals(11, closed.code());
        assertEquals("user u is suspended", closed.description());
        assertFalse(c.isAuthenticated());
    }

    @Test
    void openSshIsRefusedByTheValidatorOfACustomPolicy() throws Exception {
        Peers.requireSsh();
        try (SshServer s = server(false, false)) {
            s.setValidators(List.of(validator(true)));
            OpenSshClient.Result r = new OpenSshClient(dir).to(s.port(), "u").identity(dir.resolve("id"))
                    .knownHosts(dir.resolve("known_hosts")).verbose(1).command("hello").timeout(WAIT).run();
            if (r.timedOut()) {
                throw new AssertionError("ssh did not finish");
            }
            String out = r.output();
            assertEquals(255, r.exitCode(), out);
            assertTrue(out.contains("Received disconnect from 127.0.0.1 port " + s.port() + ":11: user u is suspended"), out);
            assertFalse(out.contains("you said"), out);
            assertFalse(out.contains("Authenticated to"), out);
            assertEquals(1, checked.size(), checked.toString());
            assertEquals("u", checked.get(0).username());
            assertEquals(List.of("publickey"), checked.get(0).methods());
            assertEquals(0, authenticatedCalls.get());
        }
    }

    @Test
    void ourClientIsRefusedByTheValidatorOfACustomPolicy() throws Exception {
        try (SshServer s = server(false, false); Transport c = client(s)) {
            s.setValidators(List.of(validator(true)));
            IOException e = assertThrows(IOException.class, () -> c.authPublickey("u", user));
            assertRefusedWithTheValidatorsReason(c, e);
            assertEquals(1, checked.size(), checked.toString());
            assertEquals(0, authenticatedCalls.get());
        }
    }

    @Test
    void aPartialSuccessChainWithAnAsyncAnswerIsCheckedOnceAtItsEnd() throws Exception {
        try (SshServer s = server(true, true)) {
            s.setValidators(List.of(validator(true)));
            try (Transport c = client(s)) {
                assertEquals(List.of("password"), c.authPublickey("u", user));
                assertEquals(List.of(), checked, "a partial success is not yet a login");
                IOException e = assertThrows(IOException.class, () -> c.authPassword("u", "pw"));
                assertRefusedWithTheValidatorsReason(c, e);
            }
            assertEquals(1, checked.size(), checked.toString());
            assertEquals(List.of("publickey", "password"), checked.get(0).methods());
            assertEquals(0, authenticatedCalls.get());
            // accepted: the same chain logs in, checked once more, and the session works
            s.setValidators(List.of(validator(false)));
            try (Transport c = client(s)) {
                assertEquals(List.of("password"), c.authPublickey("u", user));
                assertEquals(List.of(), c.authPassword("u", "pw"));
                assertTrue(c.isAuthenticated());
                c.openSession().close();
            }
            assertEquals(2, checked.size(), checked.toString());
            assertEquals(1, authenticatedCalls.get());
        }
    }

    @Test
    void aPortalIsStillRefusedAndAnAcceptingValidatorRunsOncePerLogin() throws Exception {
        Path ak = dir.resolve("authorized_keys");
        Files.writeString(ak, OpenSshKeyFile.publicKeyLine(user.getPublic(), "u") + "\n");
        Portal portal = Portal.builder().publicKeys(AuthorizedKeysChecker.forUser("u", ak))
                .commands(cmd -> ctx -> {
                    ctx.stdout().write("ok\n".getBytes(StandardCharsets.UTF_8));
                    return 0;
                }).build();
        try (SshServer s = SshServer.start("127.0.0.1", 0, TransportConfig.builder().hostKeys(List.of(TestKeys.ed25519()))
                .serverInterface(portal.serverInterface()).build())) {
            s.setValidators(List.of(validator(true)));
            try (Transport c = client(s)) {
                IOException e = assertThrows(IOException.class, () -> c.authPublickey("u", user));
                assertRefusedWithTheValidatorsReason(c, e);
            }
            assertEquals(1, checked.size(), checked.toString());
            assertTrue(checked.get(0).keyMatch().isPresent(), "the Portal's login names the authorized_keys entry");
            checked.clear();
            s.setValidators(List.of(validator(false)));
            try (Transport c = client(s)) {
                assertEquals(List.of(), c.authPublickey("u", user));
                assertEquals("ok\n", c.exec("x", Duration.ofSeconds(10)).stdoutText());
            }
            assertEquals(1, checked.size(), "one check per login: " + checked);
            assertEquals(List.of("publickey"), checked.get(0).methods());
            assertTrue(checked.get(0).keyMatch().isPresent());
        }
    }
}
