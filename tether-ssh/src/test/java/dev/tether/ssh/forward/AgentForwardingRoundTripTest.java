package dev.tether.ssh.forward;

import dev.tether.ssh.ExecResult;
import dev.tether.ssh.Portal;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.ssh.testutil.ChannelTableAvatar;
import dev.tether.ssh.testutil.Pair;
import dev.tether.testkit.Peers;
import dev.tether.testkit.Poll;
import dev.tether.testkit.SshAgent;
import dev.tether.testkit.SshKeygen;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Agent forwarding between our client and our server over loopback: the session's
 * {@code SSH_AUTH_SOCK} reaches a real ssh-agent through {@code auth-agent@openssh.com} channels;
 * without the avatar's channel type the request is refused; and a client that never asked refuses
 * the server's agent and X11 channels.
 */
class AgentForwardingRoundTripTest {
    private static final Duration T = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private Pair connect(Set<String> channelTypes) throws Exception {
        KeyPair key = SignatureAlgorithms.generate("ssh-ed25519", 0);
        Path authorized = dir.resolve("authorized_keys");
        Files.writeString(authorized, OpenSshKeyFile.publicKeyLine(key.getPublic(), "k") + "\n");
        Portal portal = Portal.builder().publicKeys(AuthorizedKeysChecker.forUser("u", authorized)).processSessions(dir)
                .realm((user, login) -> new ChannelTableAvatar(user, channelTypes)).build();
        TransportConfig server = Pair.serverConfig().serverInterface(portal.serverInterface()).build();
        Pair p = Pair.overTcp(TransportConfig.builder().build(), server);
        p.client.authPublickey("u", key);
        return p;
    }

    private static String run(Channel ch, String command) throws Exception {
        assertTrue(ch.exec(command));
        ch.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ch.getInputStream().transferTo(out);
        ch.awaitExitStatus(T);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theSessionsAgentSocketReachesTheClientsAgent() throws Exception {
        try (SshAgent agent = SshAgent.start(Files.createDirectories(dir.resolve("agent")))) {
            agent.add(SshKeygen.generate(dir, "agent_key", "ed25519", 0));
            String fingerprint = agent.listedFingerprints().get(0);
            try (Pair p = connect(Set.of("session", "auth-agent@openssh.com"))) {
                Channel ch = p.client.openSession();
                assertTrue(p.client.requestAgentForwarding(ch, agent.socket()));
                String out = run(ch, "echo sock=$SSH_AUTH_SOCK; " + Peers.SSH_ADD + " -l -E sha256; " + Peers.SSH_ADD + " -l -E sha256");
                assertEquals(2, out.split(java.util.regex.Pattern.quote(fingerprint), -1).length - 1, "two agent connections, one channel each: " + out);
                Path sock = Path.of(out.lines().filter(l -> l.startsWith("sock=")).findFirst().orElseThrow().substring(5));
                assertTrue(sock.getParent().getFileName().toString().startsWith("tether-"), out);
                assertTrue(Poll.until(() -> !Files.exists(sock.getParent()), T), "left behind: " + sock.getParent());
                assertTrue(Poll.until(() -> p.client.openChannelCount() == 0, T), "channels left: " + p.client.openChannelCount());
                // the listener's thread, the open threads, the relays and the client's agent threads all end
                // (platform threads on JDK 17; virtual ones on 21+ are not listed, so this checks 17)
                assertTrue(Poll.until(() -> forwardingThreads().isEmpty(), T), "threads left: " + forwardingThreads());
            }
        }
    }

    private static java.util.List<String> forwardingThreads() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(n -> n.startsWith("tether-agent") || n.startsWith("tether-auth-agent")).toList();
    }

    @Test
    void withoutTheAvatarsChannelTypeTheRequestIsRefusedAndNoSocketMade() throws Exception {
        try (Pair p = connect(Set.of("session"))) {
            Channel ch = p.client.openSession();
            assertFalse(p.client.requestAgentForwarding(ch, dir.resolve("no-agent")));
            String out = run(ch, "echo sock=$SSH_AUTH_SOCK");
            assertFalse(out.contains("/tether-"), out);
        }
    }

    @Test
    void aClientThatDidNotAskRefusesAgentAndX11Channels() throws Exception {
        try (Pair p = connect(Set.of("session"))) {
            SshException agent = assertThrows(SshException.class, () -> p.server.openChannel("auth-agent@openssh.com", new byte[0]));
            assertTrue(agent.getMessage().contains("(1)"), agent.getMessage());
            byte[] originator = new SshWriter().string("127.0.0.1").uint32(40000).toByteArray();
            SshException x11 = assertThrows(SshException.class, () -> p.server.openChannel("x11", originator));
            assertTrue(x11.getMessage().contains("(1)"), x11.getMessage());
            ExecResult r = p.client.exec("true", T);
            assertEquals(0, r.exitStatus(), "the connection goes on");
        }
    }
}
