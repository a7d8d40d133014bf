package dev.tether.cli;

import dev.tether.testkit.Peers;
import dev.tether.testkit.Poll;
import dev.tether.testkit.PrivateSshd;
import dev.tether.testkit.Processes;
import dev.tether.testkit.SshAgent;
import dev.tether.testkit.SshKeygen;
import dev.tether.testkit.TetherCli;
import dev.tether.testkit.TetherServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Agent forwarding with real peers: OpenSSH's {@code ssh -A} through {@code tether server}
 * (allowed, refused by {@code --no-agent-forwarding} and by authorized_keys), and
 * {@code tether ssh -A} against a private sshd. Inside the session, {@code ssh-add -l} must list
 * the key of the client's ssh-agent (a key that is not the login key).
 */
class AgentForwardingTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Prints the session's agent socket, then what the agent holds. */
    private static final String LIST = "echo sock=$SSH_AUTH_SOCK; " + Peers.SSH_ADD + " -l -E sha256";

    @TempDir
    Path tmp;

    /** An ssh-agent holding a fresh key (not the login key); returns its fingerprint in {@code fingerprint[0]}. */
    private SshAgent agentWithKey(String[] fingerprint) throws IOException {
        SshAgent agent = SshAgent.start(Files.createDirectories(tmp.resolve("agent")));
        Path key = SshKeygen.generate(tmp, "agent_key", "ed25519", 0);
        agent.add(key);
        List<String> listed = agent.listedFingerprints();
        assertEquals(1, listed.size(), listed.toString());
        fingerprint[0] = listed.get(0);
        return agent;
    }

    /** OpenSSH's {@code ssh -A} with {@code agent} running {@link #LIST} in a session of {@code server}. */
    private static Processes.Result sshA(TetherServerProcess server, SshAgent agent) throws IOException {
        return server.sshInvocation().args("-A").env("SSH_AUTH_SOCK", agent.socket().toString()).command(LIST).run().process();
    }

    /** A refused forwarding: no agent key and no forwarded socket in the session, and the event line. */
    private static void assertNoAgent(TetherServerProcess server, SshAgent agent, String fingerprint, String event) throws IOException {
        Processes.Result r = sshA(server, agent);
        assertFalse(r.stdout().contains(fingerprint), r.describe());
        assertFalse(r.stdout().contains("/tether-"), "no forwarded agent socket: " + r.describe());
        server.awaitStderr(event, WAIT);
    }

    @Test
    void openSshAThroughTetherServerListsTheAgentsKeyInsideTheSession() throws Exception {
        String[] fp = new String[1];
        try (SshAgent agent = agentWithKey(fp); TetherServerProcess server = TetherServerProcess.start()) {
            Processes.Result r = sshA(server, agent);
            assertEquals(0, r.exitCode(), r.describe());
            assertTrue(r.stdout().contains(fp[0]), r.describe());
            // a socket in a private directory of the session, gone when the session ends
            Path sock = Path.of(r.after("sock="));
            assertTrue(sock.getFileName().toString().startsWith("agent."), r.describe());
            assertTrue(sock.getParent().getFileName().toString().startsWith("tether-"), r.describe());
            assertTrue(Poll.until(() -> !Files.exists(sock.getParent()), WAIT), "left behind: " + sock.getParent());
        }
    }

    @Test
    void noAgentForwardingLeavesNoAgentInTheSession() throws Exception {
        String[] fp = new String[1];
        try (SshAgent agent = agentWithKey(fp); TetherServerProcess server = TetherServerProcess.start("--no-agent-forwarding")) {
            assertNoAgent(server, agent, fp[0], "session 0 refused agent forwarding: not allowed for this user");
        }
    }

    @Test
    void authorizedKeysNoAgentForwardingRefusesIt() throws Exception {
        String[] fp = new String[1];
        try (SshAgent agent = agentWithKey(fp);
             TetherServerProcess server = TetherServerProcess.start(true, d -> {
                 try {
                     Path a = d.resolve("authorized_keys");
                     Files.writeString(a, "no-agent-forwarding " + Files.readString(a));
                 } catch (IOException e) {
                     throw new java.io.UncheckedIOException(e);
                 }
                 return List.of();
             })) {
            assertNoAgent(server, agent, fp[0], "session 0 refused agent forwarding: .*authorized_keys.* forbids it");
        }
    }

    @Test
    void allowAgentForwardingNoInTheConfigRefusesIt() throws Exception {
        String[] fp = new String[1];
        try (SshAgent agent = agentWithKey(fp);
             TetherServerProcess server = TetherServerProcess.start(true,
                     d -> List.of("--config", X11ForwardingTest.config(d, "AllowAgentForwarding no")))) {
            assertNoAgent(server, agent, fp[0], "session 0 refused agent forwarding: not allowed for this user");
        }
    }

    @Test
    void tetherSshAForwardsTheAgentToSshd() throws Exception {
        String[] fp = new String[1];
        try (SshAgent agent = agentWithKey(fp);
             PrivateSshd sshd = PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519),
                     List.of("PrintMotd no", "LogLevel INFO", "AllowAgentForwarding yes"))) {
            Path home = Files.createDirectories(tmp.resolve("home"));
            Path known = home.resolve("known_hosts");
            Files.writeString(known, sshd.knownHostsLine() + "\n");
            List<String> args = new ArrayList<>(List.of("ssh", "-F", "none", "-p", Integer.toString(sshd.port()),
                    "-i", sshd.userKey().toString(), "-o", "UserKnownHostsFile=" + known, "-o", "BatchMode=yes", "-A",
                    "127.0.0.1", LIST));
            Map<String, String> env = TetherCli.env(home);
            env.put("SSH_AUTH_SOCK", agent.socket().toString());
            Processes.Result r = Processes.run(TetherCli.command(args.toArray(new String[0])), env, null, null, TetherCli.TIMEOUT);
            assertEquals(0, r.exitCode(), r.describe());
            assertTrue(r.stdout().contains(fp[0]), r.describe());

            // without -A, the same command finds no agent
            args.remove("-A");
            Processes.Result none = Processes.run(TetherCli.command(args.toArray(new String[0])), env, null, null, TetherCli.TIMEOUT);
            assertFalse(none.stdout().contains(fp[0]), none.describe());
        }
    }
}
