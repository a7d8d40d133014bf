package dev.tether.ssh.forward;

import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.connection.ConnectionHandlers;
import dev.tether.ssh.policy.ChannelOpenResult;
import dev.tether.ssh.policy.ServerInterface;

import java.util.concurrent.CompletableFuture;

/**
 * The {@code direct-tcpip} channel type (RFC 4254 §7.2; {@code ssh -L}, {@code -W}, {@code -D},
 * {@code -J} through us): the open names the host and port to connect to and the originator; the
 * server's policy decides ({@link ServerInterface#checkChannelDirectTcpipRequestAsync}), the
 * server connects (bounded by {@link Sockets#CONNECT_TIMEOUT}; a failure is CONNECT_FAILED
 * "connect to HOST:PORT failed: ...") and relays the channel to the socket ({@link StreamRelay}).
 *
 * <p>Stateless; the handler runs on the connection's reader thread and never blocks
 * ({@link DirectOpen} does the rest on threads of its own).
 */
public final class DirectTcpip {
    private DirectTcpip() {
    }

    /** Server: registers the channel type. */
    public static void installServer(ConnectionHandlers.Builder handlers, ServerInterface policy) {
        handlers.channelType("direct-tcpip", open -> {
            SshReader r = open.typeSpecific();
            String host = r.utf8();
            int port = r.uint32();
            String origin = r.utf8();
            int originPort = r.uint32();
            String target = Sockets.hostPort(host, port);
            if (port < 0 || port > 65535) {
                return DirectOpen.serve(open, target, CompletableFuture.completedFuture(ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED),
                        () -> null);
            }
            return DirectOpen.serve(open, target,
                    policy.checkChannelDirectTcpipRequestAsync(open.channelId(), origin, originPort, host, port),
                    () -> Sockets.connectTcp(host, port));
        });
    }
}
