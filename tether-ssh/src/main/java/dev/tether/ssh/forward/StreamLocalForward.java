package dev.tether.ssh.forward;

import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.connection.ConnectionHandlers;
import dev.tether.ssh.connection.ConnectionService;
import dev.tether.ssh.policy.ServerInterface;
import dev.tether.ssh.transport.EventLog;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * Remote forwarding of Unix-domain sockets (OpenSSH PROTOCOL §2.4; {@code ssh -R /path:...}):
 * {@code streamlocal-forward@openssh.com} asks the server's policy
 * ({@link ServerInterface#checkStreamlocalForwardRequestAsync}), then listens on the socket path
 * (which must not exist; mode 0600, removed when the listener closes) and opens a
 * {@code forwarded-streamlocal@openssh.com} channel (the path, then a reserved string) for each
 * connection; {@code cancel-streamlocal-forward@openssh.com} closes it and tells the policy.
 * Listeners end with the connection.
 *
 * <p><b>Threads.</b> As {@link TcpipForward}: the handlers return a stage at once, binding runs on
 * a thread of its own, one {@link Listeners} table per connection.
 */
public final class StreamLocalForward {
    static final String REQUEST = "streamlocal-forward@openssh.com";
    static final String CHANNEL_TYPE = "forwarded-streamlocal@openssh.com";

    private StreamLocalForward() {
    }

    /** Server: registers both requests. */
    public static void installServer(ConnectionHandlers.Builder handlers, ServerInterface policy) {
        Listeners listeners = new Listeners();
        handlers.globalRequestAsync(REQUEST, (cs, name, r) -> {
            String path = r.utf8();
            return policy.checkStreamlocalForwardRequestAsync(path).thenComposeAsync(accepted -> {
                if (!Boolean.TRUE.equals(accepted)) {
                    EventLog.listenRefused(cs.transport(), REQUEST, path, "not permitted");
                    return CompletableFuture.<byte[]>completedFuture(null);
                }
                return CompletableFuture.<byte[]>completedFuture(listen(cs, listeners, path));
            }, Sockets.SPAWN);
        }).globalRequestAsync("cancel-streamlocal-forward@openssh.com", (cs, name, r) -> {
            String path = r.utf8();
            if (!listeners.remove(path, cs.transport())) {
                return CompletableFuture.<byte[]>completedFuture(null);
            }
            policy.cancelStreamlocalForwardRequest(path);
            return CompletableFuture.<byte[]>completedFuture(new byte[0]);
        }).onClose(cs -> listeners.closeAll(cs.transport()));
    }

    private static byte[] listen(ConnectionService cs, Listeners listeners, String path) {
        Path file;
        ServerSocketChannel server;
        try {
            file = Path.of(path).toAbsolutePath();
            server = Sockets.listenUnix(file);
        } catch (IOException | RuntimeException e) {
            EventLog.listenRefused(cs.transport(), REQUEST, path, "cannot listen: " + Sockets.why(e));
            return null;
        }
        Listeners.Listener l = new Listeners.Listener(REQUEST, path, server, file);
        byte[] data = new SshWriter(path.length() + 16).string(path).string("").toByteArray();
        return listeners.add(path, l, cs, CHANNEL_TYPE, s -> data) ? new byte[0] : null;
    }
}
