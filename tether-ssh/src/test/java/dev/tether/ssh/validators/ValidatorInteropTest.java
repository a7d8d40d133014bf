package dev.tether.ssh.validators;

import dev.tether.ssh.Portal;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.policy.ConnectionValidator;
import dev.tether.ssh.policy.DefaultConnectionValidator;
import dev.tether.ssh.testutil.Pair;
import dev.tether.ssh.testutil.TestKeys;
import dev.tether.testkit.OpenSshClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connection validators as OpenSSH's client sees them: a refused client gets our version line
 * and a DISCONNECT with the matching code, which {@code ssh -v} prints.
 */
class ValidatorInteropTest {
    @TempDir
    Path dir;

    private record Run(int exit, String output) {
    }

    private Run ssh(int port, String command) throws Exception {
        OpenSshClient.Result r = new OpenSshClient(dir).to(port, "u").identity(dir.resolve("id"))
                .knownHosts(dir.resolve("known_hosts")).verbose(1).command(command).run();
        if (r.timedOut()) {
            throw new AssertionError("ssh did not finish");
        }
        return new Run(r.exitCode(), r.output());
    }

    private SshServer server() throws Exception {
        KeyPair user = SignatureAlgorithms.generate("ssh-ed25519", 0);
        OpenSshKeyFile.write(dir.resolve("id"), user, "u");
        Path ak = dir.resolve("authorized_keys");
        Files.writeString(ak, OpenSshKeyFile.publicKeyLine(user.getPublic(), "u") + "\n");
        Portal portal = Portal.builder().publicKeys(AuthorizedKeysChecker.forUser("u", ak))
                .commands(cmd -> ctx -> {
                    ctx.stdout().write("ok\n".getBytes());
                    return 0;
                }).build();
        return SshServer.start("127.0.0.1", 0, TransportConfig.builder().hostKeys(List.of(TestKeys.ed25519()))
                .serverInterface(portal.serverInterface()).build());
    }

    @Test
    void deniedNetworkGetsCodeOne() throws Exception {
        try (SshServer s = server()) {
            s.setValidators(List.of(new DefaultConnectionValidator(0, List.of(), List.of("127.0.0.0/8"))));
            Run r = ssh(s.port(), "true");
            assertEquals(255, r.exit(), r.output());
            assertTrue(r.output().contains("Received disconnect from 127.0.0.1 port " + s.port()
                    + ":1: connections from 127.0.0.1 are not allowed"), r.output());
            // swapped at runtime: the same client now gets in
            s.setValidators(List.of(new DefaultConnectionValidator(0, List.of("127.0.0.1/32"), List.of())));
            Run ok = ssh(s.port(), "anything");
            assertEquals(0, ok.exit(), ok.output());
            assertTrue(ok.output().contains("ok"), ok.output());
        }
    }

    @Test
    void fullServerGetsCodeTwelveWhileConnectionsInsideKeepWorking() throws Exception {
        try (SshServer s = server()) {
            s.setValidators(List.of(new DefaultConnectionValidator(1, List.of(), List.of())));
            KeyPair user = OpenSshKeyFile.read(dir.resolve("id"));
            try (Transport inside = Transport.connect("127.0.0.1", s.port(), TransportConfig.builder().build(),
                    Pair.trustAllTestKeys())) {
                inside.authPublickey("u", user);
                Run r = ssh(s.port(), "true");
                assertEquals(255, r.exit(), r.output());
                assertTrue(r.output().contains(":12: too many connections (1)"), r.output());
                assertEquals("ok\n", inside.exec("x", Duration.ofSeconds(10)).stdoutText());
            }
        }
    }

    @Test
    void acceptIdentificationSeesTheLoginAndCanStillRefuse() throws Exception {
        try (SshServer s = server()) {
            java.util.concurrent.atomic.AtomicReference<dev.tether.ssh.policy.Login> seen = new java.util.concurrent.atomic.AtomicReference<>();
            s.setValidators(List.of(new ConnectionValidator() {
                @Override
                public Verdict acceptHost(Peer peer) {
                    return Verdict.accept();
                }

                @Override
                public Verdict acceptIdentification(dev.tether.ssh.policy.Login login) {
                    seen.set(login);
                    return Verdict.deny(Reason.SECURITY, "user " + login.username() + " is suspended");
                }
            }));
            Run r = ssh(s.port(), "true");
            assertEquals(255, r.exit(), r.output());
            assertTrue(r.output().contains(":11: user u is suspended"), r.output());
            assertEquals(List.of("publickey"), seen.get().methods());
            assertTrue(seen.get().keyMatch().isPresent());
        }
    }

    @Test
    void aValidatorThatThrowsRefusesWithSecurity() throws Exception {
        try (SshServer s = server()) {
            s.setValidators(List.of(peer -> {
                throw new IllegalStateException("broken validator");
            }));
            Run r = ssh(s.port(), "true");
            assertTrue(r.output().contains(":11: connection refused"), r.output());
            s.setValidators(List.of(peer -> ConnectionValidator.Verdict.deny(ConnectionValidator.Reason.SECURITY, "no thanks")));
            assertTrue(ssh(s.port(), "true").output().contains(":11: no thanks"));
        }
    }
}
