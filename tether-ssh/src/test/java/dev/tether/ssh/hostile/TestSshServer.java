package dev.tether.ssh.hostile;

import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A minimal SSH server for the hostile-input tests: a loopback {@link ServerSocket} whose accept
 * loop hands every connection to {@link Transport#startServer(Socket, TransportConfig)}.
 *
 * <p>The tests were specified against an {@code SshServer.start(host, port, config)} with a
 * {@code connections()} view; the library does not have that class (yet), so this fixture
 * provides the same shape. It keeps every Transport it started so that tests can inspect the
 * server side of a connection ({@link Transport#closeCause()}) after it ended.
 */
final class TestSshServer implements AutoCloseable {
    private final ServerSocket serverSocket;
    private final TransportConfig config;
    private final Thread acceptor;
    private final Set<Transport> live = ConcurrentHashMap.newKeySet();
    private final List<Transport> all = new CopyOnWriteArrayList<>();
    private final BlockingQueue<Transport> accepted = new LinkedBlockingQueue<>();
    /** Failures of startServer itself (which should not happen). */
    final List<Throwable> startFailures = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private TestSshServer(ServerSocket ss, TransportConfig config) {
        this.serverSocket = ss;
        this.config = config;
        this.acceptor = new Thread(this::acceptLoop, "hostile-test-acceptor-" + ss.getLocalPort());
        this.acceptor.setDaemon(true);
    }

    static TestSshServer start(String host, int port, TransportConfig config) throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(InetAddress.getByName(host), port), 512);
        TestSshServer s = new TestSshServer(ss, config);
        s.acceptor.start();
        return s;
    }

    int port() {
        return serverSocket.getLocalPort();
    }

    TransportConfig config() {
        return config;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = serverSocket.accept();
            } catch (IOException e) {
                if (!closed) {
                    startFailures.add(e);
                }
                return;
            }
            try {
                Transport t = Transport.startServer(s, config);
                live.add(t);
                all.add(t);
                t.closeFuture().whenComplete((v, e) -> live.remove(t));
                accepted.add(t);
            } catch (Throwable e) {
                startFailures.add(e);
                try {
                    s.close();
                } catch (IOException ignored) {
                    // nothing to do
                }
            }
        }
    }

    /** Connections whose threads have not both ended yet. */
    List<Transport> connections() {
        return new ArrayList<>(live);
    }

    /** Every connection this server started, in order. */
    List<Transport> all() {
        return new ArrayList<>(all);
    }

    /** The next connection accepted since the last call (or {@link #clearAccepted()}). */
    Transport nextAccepted(Duration timeout) throws InterruptedException {
        Transport t = accepted.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (t == null) {
            throw new AssertionError("the server accepted no connection within " + timeout.toMillis() + " ms"
                    + (startFailures.isEmpty() ? "" : "; startServer failed with " + startFailures));
        }
        return t;
    }

    void clearAccepted() {
        accepted.clear();
    }

    @Override
    public void close() {
        closed = true;
        try {
            serverSocket.close();
        } catch (SocketException ignored) {
            // closing
        } catch (IOException ignored) {
            // closing
        }
        for (Transport t : all) {
            t.close();
        }
        try {
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
