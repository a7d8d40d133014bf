package dev.tether.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A forwarding target on loopback (TCP port 0) or a Unix socket: each connection gets back every
 * byte it sends, and the echo's EOF follows the client's (a half-close both ways), so a round trip
 * checks bytes and EOF in both directions.
 *
 * <p>Threading: one daemon thread accepts and one per connection echoes. Cleans up:
 * {@link #close()} closes the listener (the accept thread ends); a connection's thread ends with
 * its connection, which {@link #closeConnections()} closes.
 */
public final class EchoServer implements AutoCloseable {
    private final ServerSocketChannel server;
    private final AtomicInteger accepted = new AtomicInteger();
    private final java.util.Set<SocketChannel> open = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private EchoServer(ServerSocketChannel server) {
        this.server = server;
        Thread t = new Thread(this::acceptLoop, "echo-accept");
        t.setDaemon(true);
        t.start();
    }

    /** An echo server on 127.0.0.1 and a port the system picks. */
    public static EchoServer tcp() throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open();
        s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        return new EchoServer(s);
    }

    /** An echo server on a Unix socket at {@code path}. */
    public static EchoServer unix(java.nio.file.Path path) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(path));
        return new EchoServer(s);
    }

    public int port() throws IOException {
        return ((InetSocketAddress) server.getLocalAddress()).getPort();
    }

    public SocketAddress address() throws IOException {
        return server.getLocalAddress();
    }

    /** Connections accepted so far. */
    public int accepted() {
        return accepted.get();
    }

    private void acceptLoop() {
        while (true) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (IOException e) {
                return;
            }
            accepted.incrementAndGet();
            open.add(c);
            Thread t = new Thread(() -> {
                echo(c);
                open.remove(c);
            }, "echo");
            t.setDaemon(true);
            t.start();
        }
    }

    private static void echo(SocketChannel c) {
        try (c) {
            ByteBuffer b = ByteBuffer.allocate(64 * 1024);
            while (c.read(b) >= 0) {
                b.flip();
                while (b.hasRemaining()) {
                    c.write(b);
                }
                b.clear();
            }
            c.shutdownOutput();
        } catch (IOException e) {
            // the client went away
        }
    }

    /** Sends {@code data} on a socket, half-closes, and returns everything that comes back. */
    public static byte[] roundTrip(Socket s, byte[] data) throws IOException {
        s.setSoTimeout(60_000);
        Thread writer = new Thread(() -> {
            try {
                s.getOutputStream().write(data);
                s.shutdownOutput();
            } catch (IOException e) {
                // the reader sees it
            }
        }, "roundtrip-writer");
        writer.setDaemon(true);
        writer.start();
        return s.getInputStream().readAllBytes();
    }

    /** Closes every connection still open (a target that stopped reading while its writes block, say). */
    public void closeConnections() {
        for (SocketChannel c : open) {
            try {
                c.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
