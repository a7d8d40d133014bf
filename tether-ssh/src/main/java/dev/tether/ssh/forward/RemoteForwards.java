package dev.tether.ssh.forward;

import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.Forward;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.common.SshWriter;
import dev.tether.ssh.connection.ConnectionHandlers;
import dev.tether.ssh.connection.ConnectionService;
import dev.tether.ssh.policy.ChannelOpenResult;
import dev.tether.ssh.transport.Threads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client's remote forwards on one connection ({@code ssh -R}): the {@code tcpip-forward}
 * global request (RFC 4254 §7.1; port 0 gets the allocated port in the reply) and OpenSSH's
 * {@code streamlocal-forward@openssh.com} (PROTOCOL §2.4), their cancels, and the
 * {@code forwarded-tcpip} / {@code forwarded-streamlocal@openssh.com} channels the server opens
 * for them, each connected to its local target (a TCP address or a Unix socket) or, for OpenSSH's
 * remote dynamic forwarding ({@code ssh -R PORT}), answered with SOCKS ({@link Socks}) and
 * connected to what the SOCKS client asks for. A channel for no forward we asked for is refused.
 *
 * <p><b>Threading.</b> The table is a concurrent map. A forward's entry is made on the reader
 * thread as the server's success reply is handled ({@link ConnectionService#globalRequestAsync}),
 * so a channel that follows the reply at once finds it. The open handler runs on the reader
 * thread and only accepts or refuses; each accepted channel gets a thread (from {@link Threads})
 * that connects to the target, without ever blocking the reader, then a {@link StreamRelay}. A target
 * that cannot be reached closes that channel.
 */
public final class RemoteForwards {
    private static final Logger log = LoggerFactory.getLogger(RemoteForwards.class);
    private static final Duration CANCEL_WAIT = Duration.ofSeconds(10);

    private final Map<String, Entry> table = new ConcurrentHashMap<>();
    private final AtomicBoolean connectionEnded = new AtomicBoolean();

    /** Client: registers the channel types the server opens for our forwards. */
    public void installClient(ConnectionHandlers.Builder handlers) {
        handlers.channelType("forwarded-tcpip", open -> {
            SshReader r = open.typeSpecific();
            String address = r.utf8();
            int port = r.uint32();
            String originHost = r.utf8();
            int originPort = r.uint32();
            Entry e = table.get(key(address, port));
            if (e == null) {
                e = table.values().stream().filter(x -> x.path == null && x.boundPort == port).findFirst().orElse(null);
            }
            return accept(open, e, address + ":" + port + " from " + originHost + ":" + originPort);
        }).channelType("forwarded-streamlocal@openssh.com", open -> {
            String path = open.typeSpecific().utf8();
            return accept(open, table.get(path), path);
        });
    }

    private ChannelOpenResult accept(dev.tether.ssh.connection.ChannelOpenHandler.IncomingOpen open, Entry e, String what) {
        if (e == null || !e.isOpen()) {
            log.debug("refusing {} channel for {}: no such forward", open.type(), what);
            open.refusalDescription("no forwarding for " + what);
            return ChannelOpenResult.ADMINISTRATIVELY_PROHIBITED;
        }
        long n = e.connections.incrementAndGet();
        String name = "tether-fwd-R" + (e.path != null ? e.path : Integer.toString(e.boundPort)) + "-" + n;
        open.onOpened(ch -> Threads.newThread(name, () -> e.serve(ch, name)).start());
        return ChannelOpenResult.SUCCEEDED;
    }

    /**
     * Asks the server to listen on {@code bindAddress:port} ({@code ""} all addresses,
     * {@code localhost} loopback; port 0: the server picks) and to send its connections to
     * {@code target} (null: SOCKS, remote dynamic forwarding). Fails if the server refuses.
     */
    public Forward requestTcp(ConnectionService cs, String bindAddress, int port, SocketAddress target, Duration wait)
            throws IOException {
        Entry e = new Entry(cs, bindAddress, port, null, target);
        byte[] body = new SshWriter().string(bindAddress).uint32(port).toByteArray();
        byte[] reply = ConnectionService.awaitGlobalReply("tcpip-forward", cs.globalRequestAsync("tcpip-forward", body, r -> {
            if (r != null) {
                int bound = port;
                if (port == 0 && r.length >= 4) {
                    bound = (r[0] & 0xff) << 24 | (r[1] & 0xff) << 16 | (r[2] & 0xff) << 8 | (r[3] & 0xff);
                }
                e.boundPort = bound;
                table.put(key(bindAddress, bound), e);
            }
        }), wait);
        if (reply == null) {
            throw new SshException(DisconnectReason.BY_APPLICATION, "remote port forwarding failed for listen port " + port);
        }
        return e;
    }

    /** Asks the server to listen on the Unix socket {@code path} and send its connections to {@code target}. */
    public Forward requestStreamLocal(ConnectionService cs, String path, SocketAddress target, Duration wait) throws IOException {
        Entry e = new Entry(cs, null, -1, path, target);
        byte[] body = new SshWriter().string(path).toByteArray();
        byte[] reply = ConnectionService.awaitGlobalReply("streamlocal-forward@openssh.com",
                cs.globalRequestAsync("streamlocal-forward@openssh.com", body, r -> {
                    if (r != null) {
                        table.put(path, e);
                    }
                }), wait);
        if (reply == null) {
            throw new SshException(DisconnectReason.BY_APPLICATION, "remote port forwarding failed for listen path " + path);
        }
        return e;
    }

    /** The connection ended: every forward is closed. */
    public void connectionClosed() {
        connectionEnded.set(true);
        table.values().forEach(e -> e.closed.set(true));
        table.clear();
    }

    private static String key(String address, int port) {
        return address + "\u0000" + port;
    }

    /** One remote forward: its table entry and its handle. */
    private final class Entry implements Forward {
        final ConnectionService cs;
        final String bindAddress;
        final String path;
        final SocketAddress target;
        volatile int boundPort;
        final AtomicBoolean closed = new AtomicBoolean();
        final AtomicLong connections = new AtomicLong();

        Entry(ConnectionService cs, String bindAddress, int port, String path, SocketAddress target) {
            this.cs = cs;
            this.bindAddress = bindAddress;
            this.boundPort = port;
            this.path = path;
            this.target = target;
        }

        void serve(Channel ch, String name) {
            StreamRelay.Endpoint remote = StreamRelay.channel(ch);
            Socks.Request request = null;
            SocketAddress to = target;
            try {
                if (to == null) {
                    request = Socks.readRequest(remote);
                    to = new InetSocketAddress(request.host(), request.port());
                } else if (to instanceof InetSocketAddress a && a.isUnresolved()) {
                    to = new InetSocketAddress(a.getHostString(), a.getPort());
                }
            } catch (IOException | RuntimeException ex) {
                log.debug("{}: {}", name, ex.toString());
                ch.close();
                return;
            }
            SocketChannel sc;
            try {
                sc = SocketChannel.open(to);
            } catch (IOException | RuntimeException ex) {
                log.info("{}: connect to {} failed: {}", name, to, ex.getMessage());
                if (request != null) {
                    try {
                        Socks.reply(remote, request, Socks.CONNECTION_REFUSED);
                    } catch (IOException ignored) {
                        // the client is gone
                    }
                }
                ch.close();
                return;
            }
            if (request != null) {
                try {
                    Socks.reply(remote, request, Socks.SUCCEEDED);
                } catch (IOException ex) {
                    StreamRelay.closeQuietly(sc);
                    ch.close();
                    return;
                }
            }
            StreamRelay.start(name, StreamRelay.socket(sc), ch);
        }

        @Override
        public SocketAddress boundAddress() {
            return path != null ? UnixDomainSocketAddress.of(path) : InetSocketAddress.createUnresolved(bindAddress, boundPort);
        }

        @Override
        public boolean isOpen() {
            return !closed.get() && !connectionEnded.get();
        }

        @Override
        public long connections() {
            return connections.get();
        }

        @Override
        public void close() {
            if (!closed.compareAndSet(false, true) || connectionEnded.get()) {
                return;
            }
            try {
                if (path != null) {
                    table.remove(path, this);
                    cs.globalRequest("cancel-streamlocal-forward@openssh.com", new SshWriter().string(path).toByteArray(), CANCEL_WAIT);
                } else {
                    table.remove(key(bindAddress, boundPort), this);
                    cs.globalRequest("cancel-tcpip-forward", new SshWriter().string(bindAddress).uint32(boundPort).toByteArray(),
                            CANCEL_WAIT);
                }
            } catch (IOException e) {
                log.debug("cancelling {}: {}", this, e.getMessage());
            }
        }

        @Override
        public String toString() {
            return "RemoteForward[" + (path != null ? path : bindAddress + ":" + boundPort) + " -> "
                    + (target == null ? "socks" : target) + "]";
        }
    }
}
