package dev.tether.ssh.forward;

import dev.tether.ssh.common.ConnectionInfo;
import dev.tether.ssh.connection.ChannelImpl;
import dev.tether.ssh.connection.ConnectionService;
import dev.tether.ssh.transport.EventLog;
import dev.tether.ssh.transport.Threads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One connection's listeners for the client's remote forwardings ({@code tcpip-forward} and
 * {@code streamlocal-forward@openssh.com}), by the key the client cancels them with. Each
 * listener accepts on a thread of its own and opens a channel to the client for every
 * connection ({@code forwarded-tcpip}, {@code forwarded-streamlocal@openssh.com}), which it then
 * relays ({@link StreamRelay}). A listener ends when the client cancels it or the connection ends
 * ({@link #closeAll}); a Unix-domain listener's socket file is removed with it.
 *
 * <p><b>Threads.</b> The table is guarded by {@code this}; {@link #add} and {@link #remove} may be
 * called from any thread (binding happens on a thread of its own, before {@link #add}). Per
 * listener one accept thread; per accepted connection one thread that opens the channel (waiting,
 * bounded, for the client's answer) and then carries socket to channel, plus the relay's second
 * thread. None outlives the connection: closing a listener ends its accept loop, and each relay
 * ends with its channel, which the connection's end closes.
 */
final class Listeners {
    private static final Logger log = LoggerFactory.getLogger(Listeners.class);
    /** Listeners one connection may hold at once. */
    static final int MAX_LISTENERS = 256;

    private final Map<String, Listener> byKey = new LinkedHashMap<>();
    private boolean closed;

    /** One listening socket. */
    static final class Listener {
        final String kind;
        final String shown;
        final ServerSocketChannel server;
        final Path socketFile;

        /**
         * @param kind       the request kind, for the event log ({@code tcpip-forward}, ...)
         * @param shown      the listening address, for the event log
         * @param socketFile the Unix-domain socket's file to remove on close, or null
         */
        Listener(String kind, String shown, ServerSocketChannel server, Path socketFile) {
            this.kind = kind;
            this.shown = shown;
            this.server = server;
            this.socketFile = socketFile;
        }

        void close() {
            StreamRelay.closeQuietly(server);
            if (socketFile != null) {
                try {
                    Files.deleteIfExists(socketFile);
                } catch (IOException e) {
                    log.debug("cannot remove {}: {}", socketFile, e.toString());
                }
            }
        }
    }

    /**
     * Registers a bound listener under {@code key} and starts accepting.
     *
     * @param channelType the channel opened per connection
     * @param openData    the channel's type-specific data for an accepted socket
     * @return false (and the listener closed) when the key is taken, the table full, or the connection over
     */
    boolean add(String key, Listener l, ConnectionService connection, String channelType,
                Function<SocketChannel, byte[]> openData) {
        ConnectionInfo info = connection.transport();
        String refusal;
        synchronized (this) {
            refusal = closed ? "the connection has ended" : byKey.containsKey(key) ? "already forwarded"
                    : byKey.size() >= MAX_LISTENERS ? "too many listeners (" + MAX_LISTENERS + ")" : null;
            if (refusal == null) {
                byKey.put(key, l);
            }
        }
        if (refusal != null) {
            l.close();
            EventLog.listenRefused(info, l.kind, l.shown, refusal);
            return false;
        }
        EventLog.listen(info, l.kind, l.shown);
        Threads.newThread("tether-forward-listen-" + l.shown, () -> acceptLoop(l, connection, channelType, openData)).start();
        return true;
    }

    /** Closes and forgets the listener under {@code key}; false if there is none. */
    boolean remove(String key, ConnectionInfo info) {
        Listener l;
        synchronized (this) {
            l = byKey.remove(key);
        }
        if (l == null) {
            return false;
        }
        l.close();
        EventLog.listenEnd(info, l.kind, l.shown, "cancelled");
        return true;
    }

    /** The connection ended: closes every listener; later {@link #add}s are refused. */
    void closeAll(ConnectionInfo info) {
        List<Listener> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(byKey.values());
            byKey.clear();
        }
        for (Listener l : all) {
            l.close();
            EventLog.listenEnd(info, l.kind, l.shown, "connection ended");
        }
    }

    private static void acceptLoop(Listener l, ConnectionService connection, String channelType,
                                   Function<SocketChannel, byte[]> openData) {
        while (true) {
            SocketChannel s;
            try {
                s = l.server.accept();
            } catch (IOException e) {
                if (l.server.isOpen()) {
                    log.debug("{} listener {} failed: {}", connection.transport(), l.shown, e.toString());
                    l.close();
                }
                return;
            }
            if (!l.server.isOpen()) {
                // accepted while the listener closed (the socket listens until accept returns): not served
                StreamRelay.closeQuietly(s);
                return;
            }
            Threads.newThread("tether-forward-in-" + l.shown, () -> forward(s, l, connection, channelType, openData)).start();
        }
    }

    /** Opens the channel to the client for an accepted socket and relays it. */
    private static void forward(SocketChannel s, Listener l, ConnectionService connection, String channelType,
                                Function<SocketChannel, byte[]> openData) {
        ConnectionInfo info = connection.transport();
        ChannelImpl channel;
        try {
            channel = (ChannelImpl) connection.openChannel(channelType, openData.apply(s));
        } catch (IOException | RuntimeException e) {
            EventLog.forwardRefused(info, channelType, l.shown, "open failed", Sockets.why(e));
            StreamRelay.closeQuietly(s);
            return;
        }
        StreamRelay.startLogged(channel, s, info, channelType, l.shown);
    }
}
