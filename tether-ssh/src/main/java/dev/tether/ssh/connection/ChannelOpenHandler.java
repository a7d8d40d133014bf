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
     * peer is told. Malformed type-specific data may throw, which ends the connection.
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
        private java.util.function.Consumer<dev.tether.ssh.common.Channel> onOpened;

        IncomingOpen(String type, int channelId, SshReader typeSpecific, ConnectionService connection) {
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
         * Hands the channel, once opened and confirmed, to {@code consumer} (called on the reader
         * thread: it must only start work elsewhere) instead of queuing it for
         * {@link ConnectionService#accept}; for handlers that serve their channels themselves,
         * such as the relays of forwarded connections.
         */
        public void onOpened(java.util.function.Consumer<dev.tether.ssh.common.Channel> consumer) {
            this.onOpened = consumer;
        }

        java.util.function.Consumer<dev.tether.ssh.common.Channel> onOpened() {
            return onOpened;
        }

        String refusalDescription() {
            return refusal != null ? refusal : "channel type " + dev.tether.ssh.wire.Disconnect.sanitize(type) + " refused";
        }
    }
}
