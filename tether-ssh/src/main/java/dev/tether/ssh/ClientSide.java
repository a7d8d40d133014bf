package dev.tether.ssh;

import dev.tether.ssh.agent.AgentClient;
import dev.tether.ssh.agent.Identity;
import dev.tether.ssh.auth.Signer;
import dev.tether.ssh.common.AuthenticationException;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.connection.ConnectionService;
import dev.tether.ssh.transport.MessageHandler;
import dev.tether.ssh.transport.Threads;
import dev.tether.ssh.userauth.ClientAuthenticator;
import dev.tether.ssh.wire.Disconnect;
import dev.tether.ssh.wire.SshReader;
import dev.tether.ssh.wire.TransportMessages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The paramiko-style client conveniences behind {@link Transport}'s public methods: the service
 * request (RFC 4253 §10), the lazily created {@link ClientAuthenticator} and agent authentication,
 * keepalives ({@code set_keepalive}) and {@code exec}.
 *
 * <h2>Threading</h2>
 * The methods run on the application's thread; SERVICE_ACCEPT arrives on the reader thread
 * ({@link #serviceAccepted}), keepalives are sent from the shared timer without blocking. The
 * pending service request is guarded by the owning {@link Transport}'s monitor and the
 * authenticator's creation by the key exchange lock, as before this class was split out.
 */
final class ClientSide {
    private static final Logger log = LoggerFactory.getLogger(Transport.class);

    private final Transport t;
    private final boolean client;
    private final KeyExchanger kex;

    private ClientAuthenticator clientAuth;
    private volatile ScheduledFuture<?> keepalive;
    private volatile String pendingServiceName;
    private volatile CompletableFuture<Void> pendingService;

    ClientSide(Transport t, boolean client, KeyExchanger kex) {
        this.t = t;
        this.client = client;
        this.kex = kex;
    }

    // ------------------------------------------------------------------ service request

    /** {@link Transport#requestService}. */
    void requestService(String name, Duration timeout) throws IOException {
        if (!client) {
            throw new IllegalStateException("only a client requests services");
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        synchronized (t) {
            if (pendingService != null) {
                throw new IllegalStateException("a service request is already pending");
            }
            pendingServiceName = name;
            pendingService = f;
        }
        t.send(new TransportMessages.ServiceRequest(name).encode());
        Transport.await(f, timeout, "SERVICE_ACCEPT for " + name);
    }

    /** Reader thread: SERVICE_ACCEPT. */
    void serviceAccepted(SshReader r) throws IOException {
        String name = TransportMessages.ServiceAccept.decode(r).name();
        CompletableFuture<Void> f;
        synchronized (t) {
            f = pendingService;
            if (f == null || !client) {
                throw new SshException(DisconnectReason.PROTOCOL_ERROR, "SERVICE_ACCEPT without a request");
            }
            if (name != null && !name.equals(pendingServiceName)) {
                throw new SshException(DisconnectReason.PROTOCOL_ERROR,
                        "SERVICE_ACCEPT for " + Disconnect.sanitize(name) + ", requested " + pendingServiceName);
            }
            pendingService = null;
        }
        f.complete(null);
    }

    /** For the teardown: a pending service request fails with {@code c}. */
    void failPending(Throwable c) {
        CompletableFuture<Void> f = pendingService;
        if (f != null) {
            f.completeExceptionally(c);
        }
    }

    // ------------------------------------------------------------------ authentication

    ClientAuthenticator clientAuth() {
        if (!client) {
            throw new IllegalStateException("authentication methods are for the client side");
        }
        synchronized (kex.lock()) { // the lock of the key exchange state, as before the split
            if (clientAuth == null) {
                clientAuth = new ClientAuthenticator(t);
            }
            return clientAuth;
        }
    }

    /** The authenticator if one was created, else null; never creates one. */
    ClientAuthenticator existingAuth() {
        return clientAuth;
    }

    /** {@link Transport#authAgent}. */
    List<String> authAgent(String username, AgentClient agent, Duration timeout) throws IOException {
        AuthenticationException last = null;
        for (Identity id : agent.identities()) {
            try {
                return clientAuth().authPublickey(username, Signer.agent(id), timeout);
            } catch (AuthenticationException e) {
                last = e;
            }
        }
        if (last != null) {
            throw last;
        }
        throw new AuthenticationException("the agent holds no keys", List.of(), List.of());
    }

    // ------------------------------------------------------------------ keepalive, exec

    /** {@link Transport#setKeepalive}. */
    void setKeepalive(Duration interval) {
        ScheduledFuture<?> old = keepalive;
        if (old != null) {
            old.cancel(false);
        }
        if (interval.isZero() || interval.isNegative()) {
            keepalive = null;
            return;
        }
        long ms = Math.max(1, interval.toMillis());
        keepalive = Threads.timer().scheduleAtFixedRate(() -> {
            if (!t.isActive()) {
                Transport.cancel(keepalive);
                return;
            }
            try {
                MessageHandler h = t.handler();
                if (h instanceof ConnectionService cs) {
                    cs.sendKeepaliveNoWait();
                }
            } catch (IOException e) {
                log.debug("{} keepalive: {}", t, e.getMessage());
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** For the teardown. */
    void stopKeepalive() {
        Transport.cancel(keepalive);
    }

    /** {@link Transport#exec}. */
    ExecResult exec(String command, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Channel ch = t.openSession()) {
            if (!ch.exec(command)) {
                throw new SshException(DisconnectReason.BY_APPLICATION, "the server refused to run the command");
            }
            ch.getOutputStream().close();
            CompletableFuture<byte[]> err = new CompletableFuture<>();
            Thread th = Threads.newThread("tether-exec-stderr", () -> {
                try {
                    err.complete(ch.getErrorStream().readAllBytes());
                } catch (IOException e) {
                    err.completeExceptionally(e);
                }
            });
            th.start();
            ScheduledFuture<?> guard = Threads.timer().schedule(
                    () -> Threads.newThread("tether-exec-timeout", ch::close).start(),
                    Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            byte[] out;
            try {
                out = ch.getInputStream().readAllBytes();
            } finally {
                guard.cancel(false);
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new SshException(DisconnectReason.BY_APPLICATION,
                        "command did not finish within " + timeout.toMillis() + " ms");
            }
            byte[] errBytes;
            try {
                errBytes = err.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SshException(DisconnectReason.BY_APPLICATION, "interrupted");
            } catch (ExecutionException | TimeoutException e) {
                throw new SshException(DisconnectReason.BY_APPLICATION, "reading stderr failed: " + e);
            }
            int status = ch.awaitExitStatus(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            return new ExecResult(out, errBytes, status, ch.exitSignal());
        }
    }
}
