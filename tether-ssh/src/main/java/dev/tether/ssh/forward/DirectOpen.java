package dev.tether.ssh.forward;

import dev.tether.ssh.common.ConnectionInfo;
import dev.tether.ssh.connection.ChannelImpl;
import dev.tether.ssh.connection.ChannelOpenHandler;
import dev.tether.ssh.connection.ConnectionService;
import dev.tether.ssh.policy.ChannelOpenResult;
import dev.tether.ssh.transport.EventLog;
import dev.tether.ssh.wire.Disconnect;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletionStage;

/**
 * What {@code direct-tcpip} and {@code direct-streamlocal@openssh.com} share once their open is
 * decoded: the policy's answer (possibly later), then the connect, then the relay. The open is
 * deferred ({@link ChannelOpenHandler.IncomingOpen#defer}), so the reader thread never waits for
 * a policy or a socket; the channel is confirmed only once the connect has succeeded, and a
 * refusal or failed connect is an OPEN_FAILURE with its RFC 4254 §5.1 reason and a readable
 * message, and an event-log line.
 *
 * <p><b>Threads.</b> {@link #serve} runs on the reader thread and returns at once. The policy's
 * stage completes on whatever thread it likes; the connect runs on a thread of its own
 * ({@link Sockets#SPAWN}), which then becomes the relay's socket-to-channel thread. Stateless.
 */
final class DirectOpen {
    /** Makes the outgoing connection; the exception's message says why it failed. */
    @FunctionalInterface
    interface Connector {
        SocketChannel connect() throws IOException;
    }

    private DirectOpen() {
    }

    /**
     * Answers {@code open} later: refused with the policy's reason, or connected and relayed.
     *
     * @param target  what is connected to, for messages and the event log
     * @param verdict the policy's answer
     * @return null, as a deferring {@link ChannelOpenHandler} returns
     */
    static ChannelOpenResult serve(ChannelOpenHandler.IncomingOpen open, String target,
                                   CompletionStage<ChannelOpenResult> verdict, Connector connector) {
        String kind = open.type();
        ConnectionInfo info = open.connection().transport();
        ConnectionService.PendingOpen pending = open.defer();
        verdict.whenComplete((result, error) -> {
            ChannelOpenResult r = error != null || result == null ? ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED : result;
            if (r != ChannelOpenResult.SUCCEEDED) {
                String why = error != null ? "the policy failed: " + Sockets.why(error) : kind + " to " + target + " is not permitted";
                refuse(info, pending, kind, target, r, why);
                return;
            }
            Sockets.SPAWN.execute(() -> connectAndRelay(info, pending, kind, target, connector));
        });
        return null;
    }

    private static void connectAndRelay(ConnectionInfo info, ConnectionService.PendingOpen pending, String kind, String target,
                                        Connector connector) {
        SocketChannel socket;
        try {
            socket = connector.connect();
        } catch (IOException | RuntimeException e) {
            refuse(info, pending, kind, target, ChannelOpenResult.CONNECT_FAILED, "connect to " + target + " failed: " + Sockets.why(e));
            return;
        }
        ChannelImpl channel;
        try {
            channel = pending.confirm();
        } catch (IOException e) {
            StreamRelay.closeQuietly(socket);
            return;
        }
        StreamRelay.startLogged(channel, socket, info, kind, target);
    }

    private static void refuse(ConnectionInfo info, ConnectionService.PendingOpen pending, String kind, String target,
                               ChannelOpenResult reason, String why) {
        EventLog.forwardRefused(info, kind, target, reason.text(), why);
        pending.refuse(reason, Disconnect.sanitize(why));
    }
}
