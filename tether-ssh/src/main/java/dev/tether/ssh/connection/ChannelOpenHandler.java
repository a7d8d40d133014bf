package dev.tether.ssh.connection;

import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.policy.ChannelOpenResult;

import java.io.IOException;

/**
 * Decides a CHANNEL_OPEN of one channel type from the peer (RFC 4254 §5.1), registered with
 * {@link ConnectionHandlers} under its type name: {@code session}, {@code direct-tcpip}, and as
 * they come {@code forwarded-tcpip}, {@code direct-streamlocal@openssh.com}, {@code x11},
 * {@code auth-agent@openssh.com}. A feature adds its channel type by registering a handler; the
 * multiplexer ({@link ConnectionService}) does the rest: the channel table, the confirmation or
 * failure message, windows, and handing the accepted channel to the application.
 *
 * <p>Called on the connection's reader thread: it must answer quickly and never block.
 */
@FunctionalInterface
public interface ChannelOpenHandler {
    /**
     * {@link ChannelOpenResult#SUCCEEDED} to open the channel, else the RFC 4254 §5.1 reason the
     * peer is told; or null after {@link IncomingOpen#defer()}, to answer later from another
     * thread. Malformed type-specific data may throw, which ends the connection.
     */
    ChannelOpenResult open(IncomingOpen open) throws IOException;

    /**
     * A channel open as the handler sees it. Used on the reader thread only, during the call.
     */
    final class IncomingOpen {
        private final String type;
        private final int channelId;
        private final SshReader typeSpecific;
        private final ConnectionService connection;
        private String refusal;
        private java.util.function.Consumer<ChannelImpl> onOpened;
        private ConnectionService.PendingOpen deferred;

        /** The peer's channel id, initial window and maximum packet, for a deferred answer. */
        final int sender;
        final long window;
        final int maxPacket;

        IncomingOpen(String type, int channelId, SshReader typeSpecific, ConnectionService connection,
                     int sender, long window, int maxPacket) {
            this.sender = sender;
            this.window = window;
            this.maxPacket = maxPacket;
            this.type = type;
            this.channelId = channelId;
            this.typeSpecific = typeSpecific;
            this.connection = connection;
        }

        /** The channel type. */
        public String type() {
            return type;
        }

        /** The id the channel gets on our side if it is opened. */
        public int channelId() {
            return channelId;
        }

        /** The type-specific data, positioned at its start. */
        public SshReader typeSpecific() {
            return typeSpecific;
        }

        /** The connection service, for counts of open channels and the transport. */
        public ConnectionService connection() {
            return connection;
        }

        /** The description the peer gets with a refusal instead of "channel type TYPE refused". */
        public void refusalDescription(String description) {
            this.refusal = description;
        }

        /**
         * Takes the channel once it is open, instead of handing it to the application's
         * {@code accept}: the engine's own channels (forwarded agent and X11 connections). Called
         * on the reader thread right after the confirmation is queued; it must not block.
         */
        public void onOpened(java.util.function.Consumer<ChannelImpl> action) {
            this.onOpened = action;
        }

        java.util.function.Consumer<ChannelImpl> onOpened() {
            return onOpened;
        }

        /**
         * Answers later: the open stays pending (its id reserved, counted against the channel
         * limit) until {@link ConnectionService.PendingOpen#confirm} or
         * {@link ConnectionService.PendingOpen#refuse} is called from any thread. The handler
         * then returns null. A channel confirmed this way is not handed to the application's
         * {@code accept}: the one who deferred it owns it.
         */
        public ConnectionService.PendingOpen defer() {
            if (deferred == null) {
                deferred = connection.pending(this);
            }
            return deferred;
        }

        ConnectionService.PendingOpen deferred() {
            return deferred;
        }

        String refusalDescription() {
            return refusal != null ? refusal : "channel type " + dev.tether.ssh.wire.Disconnect.sanitize(type) + " refused";
        }
    }
}
