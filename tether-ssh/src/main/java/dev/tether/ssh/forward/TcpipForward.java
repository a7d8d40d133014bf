package dev.tether.ssh.forward;

import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.connection.ConnectionHandlers;
import dev.tether.ssh.connection.ConnectionService;
import dev.tether.ssh.policy.GatewayPorts;
import dev.tether.ssh.policy.ServerInterface;
import dev.tether.ssh.transport.EventLog;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Remote port forwarding (RFC 4254 §7.1; {@code ssh -R}, and OpenSSH's remote dynamic
 * forwarding {@code ssh -R PORT}, whose SOCKS the client speaks): {@code tcpip-forward} asks the
 * server's policy ({@link ServerInterface#checkPortForwardRequestAsync}), then listens on the
 * address {@link ServerInterface#gatewayPorts} gives and the port asked for (0: one the system
 * picks, returned in the reply) and opens a {@code forwarded-tcpip} channel (§7.2: the address
 * as the client asked, the port listened on, the originator) for each connection;
 * {@code cancel-tcpip-forward} closes the listener and tells the policy. Listeners end with the
 * connection.
 *
 * <p><b>Threads.</b> The handlers run on the reader thread and return a stage at once; binding
 * (which may resolve a name) runs on a thread of its own, and the reply is sent when it is done,
 * in request order. One {@link Listeners} table per connection.
 */
public final class TcpipForward {
    private TcpipForward() {
    }

    /** Server: registers both requests. */
    public static void installServer(ConnectionHandlers.Builder handlers, ServerInterface policy) {
        Listeners listeners = new Listeners();
        handlers.globalRequestAsync("tcpip-forward", (cs, name, r) -> {
            String address = r.utf8();
            int port = r.uint32();
            String shown = Sockets.hostPort(address, port);
            if (port < 0 || port > 65535) {
                EventLog.listenRefused(cs.transport(), name, shown, "bad port");
                return CompletableFuture.<byte[]>completedFuture(null);
            }
            return policy.checkPortForwardRequestAsync(address, port).thenComposeAsync(accepted -> {
                if (accepted == null || accepted < 0) {
                    EventLog.listenRefused(cs.transport(), name, shown, "not permitted");
                    return CompletableFuture.<byte[]>completedFuture(null);
                }
                return CompletableFuture.<byte[]>completedFuture(listen(cs, listeners, policy.gatewayPorts(), address, port));
            }, Sockets.SPAWN);
        }).globalRequestAsync("cancel-tcpip-forward", (cs, name, r) -> {
            String address = r.utf8();
            int port = r.uint32();
            if (!listeners.remove(key(address, port), cs.transport())) {
                return CompletableFuture.<byte[]>completedFuture(null);
            }
            policy.cancelPortForwardRequest(address, port);
            return CompletableFuture.<byte[]>completedFuture(new byte[0]);
        }).onClose(cs -> listeners.closeAll(cs.transport()));
    }

    private static String key(String address, int port) {
        return address + "\0" + port;
    }

    /** Binds and registers the listener; the reply's data, or null when it cannot listen. */
    private static byte[] listen(ConnectionService cs, Listeners listeners, GatewayPorts gateway, String address, int port) {
        String host = gateway.listenHost(address);
        ServerSocketChannel server;
        int bound;
        try {
            server = Sockets.listenTcp(host, port);
            bound = ((InetSocketAddress) server.getLocalAddress()).getPort();
        } catch (IOException | RuntimeException e) {
            EventLog.listenRefused(cs.transport(), "tcpip-forward", Sockets.hostPort(host.isEmpty() ? "*" : host, port),
                    "cannot listen: " + Sockets.why(e));
            return null;
        }
        String shown = Sockets.hostPort(host.isEmpty() ? "*" : host, bound);
        Listeners.Listener l = new Listeners.Listener("tcpip-forward", shown, server, null);
        if (!listeners.add(key(address, bound), l, cs, "forwarded-tcpip", s -> openData(s, address, bound))) {
            return null;
        }
        // RFC 4254 §7.1: the port bound is returned only when port 0 was asked for
        return port == 0 ? new SshWriter(4).uint32(bound).toByteArray() : new byte[0];
    }

    /** RFC 4254 §7.2: address connected (as the client asked), port connected, originator address and port. */
    private static byte[] openData(SocketChannel s, String address, int port) {
        String origin = "";
        int originPort = 0;
        try {
            s.socket().setTcpNoDelay(true);
            if (s.getRemoteAddress() instanceof InetSocketAddress a) {
                origin = a.getAddress().getHostAddress();
                originPort = a.getPort();
            }
        } catch (IOException e) {
            // the originator stays unknown
        }
        return new SshWriter(64).string(address).uint32(port).string(origin).uint32(originPort).toByteArray();
    }
}
