package dev.tether.ssh.connection;

import dev.tether.ssh.common.SshReader;

import java.io.IOException;

/**
 * Handles one kind of channel request (RFC 4254 §5.4), registered with {@link ConnectionHandlers}
 * under the request name: {@code pty-req}, {@code exec}, {@code exit-status}, ... The multiplexer
 * sends the reply the peer asked for (CHANNEL_SUCCESS or CHANNEL_FAILURE), and only then runs what
 * the handler queued with {@link ChannelImpl#afterReply}.
 *
 * <p>Called on the connection's reader thread: it must answer quickly and never block.
 */
@FunctionalInterface
public interface ChannelRequestHandler {
    /**
     * @param channel the channel the request is for
     * @param name    the request name (the one registered)
     * @param data    the request-specific data, positioned at its start
     * @return true for success
     */
    boolean handle(ChannelImpl channel, String name, SshReader data) throws IOException;
}
