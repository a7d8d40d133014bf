package dev.tether.ssh.forward;

import dev.tether.ssh.connection.ConnectionHandlers;
import dev.tether.ssh.policy.ServerInterface;

/**
 * Agent forwarding (OpenSSH PROTOCOL §1.8 and PROTOCOL.agent): the session's
 * {@code auth-agent-req@openssh.com}, handed to the server's policy
 * ({@link ServerInterface#checkChannelForwardAgentRequest}). No {@code SSH_AUTH_SOCK} is made and
 * no {@code auth-agent@openssh.com} channel is opened here yet.
 *
 * <p>Stateless; called on the connection's reader thread.
 */
public final class AgentForwarding {
    private AgentForwarding() {
    }

    /** Server: registers {@code auth-agent-req@openssh.com}. */
    public static void installServer(ConnectionHandlers.Builder handlers, ServerInterface policy) {
        handlers.channelRequest("auth-agent-req@openssh.com", (ch, name, r) -> policy.checkChannelForwardAgentRequest(ch));
    }
}
