package dev.tether.ssh.forward;

import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.connection.ConnectionHandlers;
import dev.tether.ssh.policy.ServerInterface;

/**
 * The {@code direct-streamlocal@openssh.com} channel type (OpenSSH PROTOCOL §2.4; {@code ssh -L}
 * to a Unix-domain socket): the open names the socket path (then a reserved string and a
 * reserved uint32); the server's policy decides
 * ({@link ServerInterface#checkChannelDirectStreamlocalRequestAsync}), the server connects and
 * relays the channel to the socket ({@link StreamRelay}).
 *
 * <p>Stateless; the handler runs on the connection's reader thread and never blocks
 * ({@link DirectOpen} does the rest on threads of its own).
 */
public final class DirectStreamLocal {
    static final String TYPE = "direct-streamlocal@openssh.com";

    private DirectStreamLocal() {
    }

    /** Server: registers the channel type. */
    public static void installServer(ConnectionHandlers.Builder handlers, ServerInterface policy) {
        handlers.channelType(TYPE, open -> {
            SshReader r = open.typeSpecific();
            String path = r.utf8();
            // the reserved string and uint32 that follow are not read: older clients omit them
            return DirectOpen.serve(open, path, policy.checkChannelDirectStreamlocalRequestAsync(open.channelId(), path),
                    () -> Sockets.connectUnix(path));
        });
    }
}
