package dev.tether.ssh.hostile;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A scripted SSH server for testing the client side: accepts one connection on loopback, runs the
 * script over a {@link ScriptedPeer} wrapping it, then waits (bounded) for the client to close
 * and closes its end.
 */
final class ScriptedServer implements AutoCloseable {
    interface Script {
        void run(ScriptedPeer peer) throws Exception;
    }

    private final ServerSocket listener;
    private final Thread thread;
    /** Completes when the script and the wait for the client's close are over; exceptional if the script failed. */
    final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile Socket accepted;

    ScriptedServer(Script script) throws IOException {
        listener = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
        thread = new Thread(() -> {
            try (Socket s = listener.accept()) {
                accepted = s;
                ScriptedPeer p = ScriptedPeer.over(s, HostileSupport.STEP);
                script.run(p);
                // Let the client end it; do not hold its side open forever.
                try {
                    p.drainRawUntilClosed();
                } catch (IOException | AssertionError ignored) {
                    // closed, reset or timed out: closing our end below either way
                }
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            } finally {
                try {
                    listener.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }, "scripted-server");
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    void awaitDone(Duration timeout) throws Exception {
        done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing
        }
        Socket s = accepted;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
