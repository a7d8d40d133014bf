package dev.tether.ssh.forward;

import dev.tether.ssh.agent.AgentClient;
import dev.tether.ssh.agent.AgentMessages;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.connection.ChannelImpl;
import dev.tether.ssh.connection.ConnectionHandlers;
import dev.tether.ssh.policy.ChannelOpenResult;
import dev.tether.ssh.policy.ServerInterface;
import dev.tether.ssh.session.SessionEnvironment;
import dev.tether.ssh.transport.EventLog;
import dev.tether.ssh.transport.Threads;
import dev.tether.ssh.transport.TransportEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * Agent forwarding (OpenSSH PROTOCOL §1.8 and PROTOCOL.agent), both roles.
 *
 * <p><b>Server.</b> A session's {@code auth-agent-req@openssh.com}, once the policy allows it
 * ({@link ServerInterface#checkChannelForwardAgentRequest}), gets a Unix socket in the session's
 * private directory ({@link SessionEnvironment}, mode 0700) named by {@code SSH_AUTH_SOCK} in the
 * command's environment; each connection to it becomes an {@code auth-agent@openssh.com} channel
 * to the client, relayed both ways. The socket and its directory go when the session ends.
 *
 * <p><b>Client.</b> {@link Client#request} sends {@code auth-agent-req@openssh.com} on a session
 * and from then on accepts the server's {@code auth-agent@openssh.com} channels (before that they
 * are refused, as ssh does without {@code -A}); each is served by a connection of its own to the
 * local agent, which first gets {@code session-bind@openssh.com} with is-forwarding set, as
 * OpenSSH 8.9+ sends it, then the channel's requests one at a time ({@link AgentClient#transact},
 * bounded by {@link AgentMessages#MAX_MESSAGE_LENGTH}).
 *
 * <p><b>Threads.</b> The request handlers run on the connection's reader thread and only bind a
 * socket. Server: one thread per forwarded session blocks in {@code accept} until the session
 * ends (closing the socket ends it); each agent connection gets one short-lived thread to open its
 * channel and then the two relay threads of {@link StreamRelay}. Client: one thread per
 * agent channel, blocked on the channel or on the local agent (with the agent client's timeout).
 * All come from {@link Threads} and end with their channel.
 */
public final class AgentForwarding {
    private static final Logger log = LoggerFactory.getLogger(AgentForwarding.class);
    static final String REQUEST = "auth-agent-req@openssh.com";
    static final String CHANNEL_TYPE = "auth-agent@openssh.com";

    private AgentForwarding() {
    }

    // ------------------------------------------------------------------ server

    /** Server: registers {@code auth-agent-req@openssh.com}. */
    public static void installServer(ConnectionHandlers.Builder handlers, ServerInterface policy) {
        handlers.channelRequest(REQUEST, (ch, name, r) -> serverRequest(ch, policy));
    }

    private static boolean serverRequest(ChannelImpl ch, ServerInterface policy) {
        if (!ch.type().equals("session")) {
            return false;
        }
        SessionEnvironment env = SessionEnvironment.of(ch);
        if (env.has(AgentClient.SSH_AUTH_SOCK)) {
            EventLog.sessionRefused(ch.transport(), ch, "agent forwarding", "already forwarded on this session");
            return false;
        }
        if (!policy.checkChannelForwardAgentRequest(ch)) {
            return false; // the policy logs why
        }
        ServerSocketChannel listener = null;
        try {
            Path socket = env.privateDirectory().resolve("agent." + ch.localId());
            listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            listener.bind(UnixDomainSocketAddress.of(socket));
            env.closeAtEnd(listener);
            env.put(AgentClient.SSH_AUTH_SOCK, socket.toString());
            ServerSocketChannel l = listener;
            ch.afterReply(() -> Threads.newThread("tether-agent-listen-" + ch.localId(), () -> acceptLoop(ch, l)).start());
            log.debug("{} agent forwarding on {}: {}", ch.transport(), ch, socket);
            return true;
        } catch (IOException e) {
            if (listener != null) {
                try {
                    listener.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
            EventLog.sessionRefused(ch.transport(), ch, "agent forwarding", "cannot make the agent socket: " + e.getMessage());
            return false;
        }
    }

    /** Until the session ends: each connection to the session's agent socket becomes a channel. */
    private static void acceptLoop(ChannelImpl session, ServerSocketChannel listener) {
        while (listener.isOpen()) {
            SocketChannel s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                return; // closed with the session
            }
            StreamRelay.openAndStart(session, CHANNEL_TYPE, new byte[0], s);
        }
    }

    // ------------------------------------------------------------------ client

    /**
     * Client: one connection's agent forwarding. Refuses {@code auth-agent@openssh.com} channels
     * until {@link #request} has named the local agent. Thread-safe: the agent's path is volatile.
     */
    public static final class Client {
        private final TransportEngine engine;
        private volatile Path agentSocket;

        public Client(TransportEngine engine) {
            this.engine = engine;
        }

        /** Registers {@code auth-agent@openssh.com} with the client's connection service. */
        public void install(ConnectionHandlers.Builder handlers) {
            handlers.channelType(CHANNEL_TYPE, open -> {
                Path agent = agentSocket;
                if (agent == null) {
                    log.info("{} refused an agent channel: agent forwarding was not requested", engine);
                    return ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED;
                }
                open.onOpened(ch -> Threads.newThread("tether-agent-" + ch.localId(), () -> serve(ch, agent)).start());
                return ChannelOpenResult.SUCCEEDED;
            });
        }

        /**
         * Asks the server to forward the agent at {@code agentSocket} for {@code session}
         * ({@code ssh -A}); call before {@code exec} or {@code shell}.
         *
         * @return whether the server agreed
         */
        public boolean request(Channel session, Path agentSocket) throws IOException {
            this.agentSocket = agentSocket;
            return ((ChannelImpl) session).sendRequest(REQUEST, true, new byte[0]);
        }

        /** Serves one agent channel until either side ends it. */
        private void serve(ChannelImpl ch, Path agentPath) {
            AgentClient agent;
            try {
                agent = AgentClient.connect(agentPath);
            } catch (IOException e) {
                log.info("{} agent forwarding: cannot reach the agent at {}: {}", engine, agentPath, e.getMessage());
                ch.close();
                return;
            }
            ch.closeFuture().whenComplete((v, e) -> agent.close());
            try (agent) {
                bind(agent);
                DataInputStream in = new DataInputStream(ch.getInputStream());
                OutputStream out = ch.getOutputStream();
                while (true) {
                    int length;
                    try {
                        length = AgentMessages.checkLength(in.readInt() & 0xffffffffL);
                    } catch (EOFException e) {
                        break;
                    }
                    byte[] request = new byte[length];
                    in.readFully(request);
                    byte[] reply = agent.transact(request);
                    out.write(AgentMessages.frame(reply));
                }
            } catch (IOException e) {
                log.debug("{} agent channel {}: {}", engine, ch, e.getMessage());
            }
            ch.close();
        }

        /**
         * {@code session-bind@openssh.com} (PROTOCOL.agent): the server's host key, the session
         * identifier, the server's signature over it from the first key exchange, and
         * is-forwarding; an agent that does not know the extension refuses it, which is fine.
         */
        private void bind(AgentClient agent) {
            byte[] hostKey = engine.hostKeyBlob();
            byte[] sessionId = engine.sessionId();
            byte[] signature = engine.initialSignature();
            if (hostKey == null || sessionId == null || signature == null) {
                return;
            }
            try {
                log.debug("{} session-bind@openssh.com (forwarding): {}", engine,
                        agent.bindSession(hostKey, sessionId, signature, true) ? "accepted" : "refused");
            } catch (SshException e) {
                log.debug("{} session-bind@openssh.com refused: {}", engine, e.getMessage());
            }
        }
    }
}
