package dev.tether.ssh.transport;

import dev.tether.ssh.common.SshReader;

import java.io.IOException;

/**
 * The layer above the transport (user authentication, then the connection protocol) as the
 * transport sees it. Called on the connection's reader thread for every message the transport
 * does not consume itself (numbers 50 and up).
 *
 * <p>Implementations must not block: they hand work to other threads, or reject input, but never
 * wait for the application, so that one slow consumer cannot stall the connection.
 */
public interface MessageHandler {
    /**
     * Handles one message.
     *
     * @param messageNumber the message number
     * @param payload       the payload after the message number; valid only during this call
     * @return false if this layer does not know the message; the transport then replies
     * UNIMPLEMENTED after authentication, or ends the connection before it
     */
    boolean handle(int messageNumber, SshReader payload) throws IOException;

    /**
     * The transport has installed this handler: it now receives the messages. Called once,
     * before the first {@link #handle}. A handler may be built and never installed (the
     * authentication service builds the next service to check that it exists), so work that
     * must not run for such a handler, like starting timers, starts here.
     */
    default void installed() {
    }

    /** The connection has ended; {@code cause} is null for an orderly close by us. */
    default void closed(Throwable cause) {
    }
}
