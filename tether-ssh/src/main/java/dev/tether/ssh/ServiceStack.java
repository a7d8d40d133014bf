package dev.tether.ssh;

import dev.tether.ssh.connection.ConnectionHandlers;
import dev.tether.ssh.connection.ConnectionService;
import dev.tether.ssh.connection.GlobalRequestHandler;
import dev.tether.ssh.forward.AgentForwarding;
import dev.tether.ssh.forward.DirectStreamLocal;
import dev.tether.ssh.forward.DirectTcpip;
import dev.tether.ssh.forward.RemoteForwards;
import dev.tether.ssh.forward.StreamLocalForward;
import dev.tether.ssh.forward.TcpipForward;
import dev.tether.ssh.forward.X11Forwarding;
import dev.tether.ssh.policy.ServerInterface;
import dev.tether.ssh.session.SessionChannels;
import dev.tether.ssh.transport.MessageHandler;
import dev.tether.ssh.transport.PacketConnection;
import dev.tether.ssh.transport.TransportEngine;
import dev.tether.ssh.userauth.ClientAuthenticator;
import dev.tether.ssh.userauth.NoAuthService;
import dev.tether.ssh.userauth.ServerAuthService;
import dev.tether.ssh.wire.UserAuthRequest;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The one place where a connection's services are put together (RFC 4253 §10, RFC 4251 §1): on
 * a server, {@code ssh-userauth} driving the connection's {@link ServerInterface} and, once a
 * login succeeds, {@code ssh-connection} with the same policy; on a client, the authenticator that
 * installs the connection service after success. The engine ({@link TransportEngine}) knows
 * services only by name, and the layers above it know only the engine's {@link PacketConnection}.
 *
 * <p>Stateless; the functions it returns are called on the connection's reader thread.
 */
final class ServiceStack {
    /** The methods a server without a policy pretends to offer while refusing every attempt. */
    private static final List<String> PLACEHOLDER_METHODS = List.of("publickey", "password", "keyboard-interactive");
    private static final int PLACEHOLDER_TRIES = 6;

    private ServiceStack() {
    }

    /**
     * A server's services by name, for {@link TransportEngine#start}: {@code ssh-userauth} is the
     * policy's authentication service when the config names a policy; services the config adds
     * ({@link TransportConfig.Builder#service}, for tests) come next, and follow a successful
     * login too; without a policy, {@code placeholderAuth} (set by {@link SshServer}) gives a
     * service that refuses every login.
     */
    static Function<String, MessageHandler> server(Transport facade, TransportEngine engine, TransportConfig config,
                                                   boolean placeholderAuth) {
        Map<String, Function<PacketConnection, MessageHandler>> extra = config.extraServices();
        Function<Transport, ServerInterface> policyFactory = config.serverInterface();
        return name -> {
            if (name.equals("ssh-userauth") && policyFactory != null) {
                ServerInterface policy = policyFactory.apply(facade);
                return new ServerAuthService(engine, policy, config.maxAuthTries(), config.userAuthSignatureAlgorithms(),
                        (user, methods) -> facade.checkLogin(policy, user, methods),
                        next -> afterLogin(next, engine, policy, extra));
            }
            Function<PacketConnection, MessageHandler> f = extra.get(name);
            if (f != null) {
                return f.apply(engine);
            }
            if (name.equals("ssh-userauth") && placeholderAuth) {
                return new NoAuthService(engine, PLACEHOLDER_METHODS, PLACEHOLDER_TRIES);
            }
            return null;
        };
    }

    /** The service a login asked for: an added one, else {@code ssh-connection}, else none. */
    private static MessageHandler afterLogin(String name, TransportEngine engine, ServerInterface policy,
                                             Map<String, Function<PacketConnection, MessageHandler>> extra) {
        Function<PacketConnection, MessageHandler> f = extra.get(name);
        if (f != null) {
            return f.apply(engine);
        }
        return name.equals("ssh-connection") ? serverConnection(engine, policy) : null;
    }

    /**
     * A server's connection service: sessions, forwarding, X11 and agent forwarding as the
     * connection's handlers, each asking {@code policy}; channel types and global requests no
     * feature registers go to the policy's {@link ServerInterface#checkChannelRequest} and
     * {@link ServerInterface#checkGlobalRequest}. A new feature adds its {@code install} line here.
     */
    static ConnectionService serverConnection(PacketConnection engine, ServerInterface policy) {
        ConnectionHandlers.Builder h = ConnectionHandlers.builder();
        SessionChannels.installServer(h, policy);
        DirectTcpip.installServer(h, policy);
        TcpipForward.installServer(h, policy);
        DirectStreamLocal.installServer(h, policy);
        StreamLocalForward.installServer(h, policy);
        X11Forwarding.installServer(h, policy);
        AgentForwarding.installServer(h, policy);
        h.globalRequest("keepalive@openssh.com", GlobalRequestHandler.REFUSE); // a failure is all a keepalive needs
        h.otherChannelTypes(open -> policy.checkChannelRequest(open.type(), open.channelId()));
        h.otherGlobalRequests((name, data) -> policy.checkGlobalRequest(name) ? new byte[0] : null);
        return new ConnectionService(engine, h.build());
    }

    /**
     * A client's connection service: the server's exit reports, the agent and X11 channels once the
     * application has asked for them ({@code forwarding}), and the channels the server opens for
     * our remote forwards ({@code remoteForwards}); every other channel or request the server
     * starts is refused.
     */
    static ConnectionService clientConnection(PacketConnection engine, ClientForwarding forwarding, RemoteForwards remoteForwards) {
        ConnectionHandlers.Builder h = ConnectionHandlers.builder();
        SessionChannels.installClient(h);
        forwarding.agent().install(h);
        forwarding.x11().install(h);
        remoteForwards.installClient(h);
        return new ConnectionService(engine, h.build());
    }

    /** A client connection's agent and X11 forwarding state, made with its {@link ClientSide}. */
    record ClientForwarding(AgentForwarding.Client agent, X11Forwarding.Client x11) {
        static ClientForwarding of(TransportEngine engine) {
            return new ClientForwarding(new AgentForwarding.Client(engine), new X11Forwarding.Client());
        }
    }

    /**
     * The EXT_INFO extensions (RFC 8308) a server's services support: the policy's
     * authentication service accepts {@code publickey-hostbound@openssh.com} requests.
     */
    static Map<String, String> serverExtensions(TransportConfig config) {
        return config.serverInterface() != null ? Map.of(UserAuthRequest.HOSTBOUND_EXTENSION, "0") : Map.of();
    }

    /** A client's authenticator, which installs the connection service once a login succeeds. */
    static ClientAuthenticator client(TransportEngine engine, ClientForwarding forwarding, RemoteForwards remoteForwards) {
        return new ClientAuthenticator(engine, () -> clientConnection(engine, forwarding, remoteForwards));
    }
}
