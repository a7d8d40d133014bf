package dev.tether.ssh.hostile;

import dev.tether.ssh.SshServer;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.testkit.Poll;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The real {@link SshServer} plus what the tests need to see its side of each connection:
 * {@link #nextAccepted} picks out the connection that appeared since the last call, so a test can
 * keep that {@link Transport} and inspect its {@link Transport#closeCause()} after it ended.
 *
 * <p>Call {@link #nextAccepted} right after connecting and before sending anything hostile: the
 * server only lists open connections, and a hostile one may end within a millisecond.
 */
final class TestSshServer implements AutoCloseable {
    private final SshServer server;
    private final Set<Transport> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<Transport> all = new ArrayList<>();

    private TestSshServer(SshServer server) {
        this.server = server;
    }

    static TestSshServer start(String host, int port, TransportConfig config) throws IOException {
        // these tests open many hostile connections at once on purpose; MaxStartups (tested in
        // validators/) would evict or refuse some of them at random, so it is lifted here
        return new TestSshServer(SshServer.start(host, port, config,
                dev.tether.ssh.policy.ServerLimits.builder().maxStartups(100_000).build()));
    }

    int port() {
        return server.port();
    }

    SshServer server() {
        return server;
    }

    /** The server's open connections. */
    Set<Transport> connections() {
        return server.connections();
    }

    /** The connection that appeared since the last call; waits (bounded) for it to be listed. */
    synchronized Transport nextAccepted(Duration timeout) {
        Transport[] next = {null};
        boolean found = Poll.until(() -> {
            for (Transport t : server.connections()) {
                if (seen.add(t)) {
                    next[0] = t;
                    return true;
                }
            }
            return false;
        }, timeout, Duration.ofMillis(1), null);
        if (!found) {
            if (Thread.currentThread().isInterrupted()) {
                throw new AssertionError("interrupted");
            }
            throw new AssertionError("the server listed no new connection within " + timeout.toMillis() + " ms");
        }
        all.add(next[0]);
        return next[0];
    }

    /** Every connection returned by {@link #nextAccepted}, in order. */
    synchronized List<Transport> all() {
        return new ArrayList<>(all);
    }

    @Override
    public void close() {
        server.close();
    }
}
