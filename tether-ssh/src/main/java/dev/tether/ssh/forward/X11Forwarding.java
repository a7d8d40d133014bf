package dev.tether.ssh.forward;

import dev.tether.ssh.connection.ConnectionHandlers;
import dev.tether.ssh.policy.ServerInterface;

/**
 * X11 forwarding (RFC 4254 §6.3): the session's {@code x11-req}, decoded and handed to the
 * server's policy ({@link ServerInterface#checkChannelX11Request}). No display is allocated and
 * no {@code x11} channel is opened here yet.
 *
 * <p>Stateless; called on the connection's reader thread.
 */
public final class X11Forwarding {
    private X11Forwarding() {
    }

    /** Server: registers {@code x11-req}. */
    public static void installServer(ConnectionHandlers.Builder handlers, ServerInterface policy) {
        handlers.channelRequest("x11-req", (ch, name, r) ->
                policy.checkChannelX11Request(ch, r.bool(), r.utf8(), r.utf8(), r.uint32()));
    }
}
