package dev.tether.ssh.forward;

import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.connection.ConnectionHandlers;
import dev.tether.ssh.policy.ServerInterface;

/**
 * The {@code direct-tcpip} channel type (RFC 4254 §7.2; {@code ssh -L}, {@code -W}, {@code -J}
 * through us): the open names the host and port to connect to and the originator, and the
 * server's policy decides ({@link ServerInterface#checkChannelDirectTcpipRequest}). An accepted
 * channel goes to the application like any other; no connection is made for it here yet.
 *
 * <p>Stateless; called on the connection's reader thread.
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
            return policy.checkChannelDirectTcpipRequest(open.channelId(), origin, originPort, host, port);
        });
    }
}
