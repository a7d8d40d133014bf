package dev.tether.ssh;

import dev.tether.ssh.agent.AgentClient;
import dev.tether.ssh.agent.Identity;
import dev.tether.ssh.auth.Signer;
import dev.tether.ssh.common.AuthenticationException;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;
import dev.tether.ssh.connection.ConnectionService;
import dev.tether.ssh.forward.RemoteForwards;
import dev.tether.ssh.transport.Threads;
import dev.tether.ssh.transport.TransportEngine;
import dev.tether.ssh.userauth.ClientAuthenticator;
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
 * The paramiko-style client conveniences behind {@link Transport}'s public methods: the lazily
 * created {@link ClientAuthenticator} and agent authentication, the connection service's
 * channels, keepalives ({@code set_keepalive}) and {@code exec}. Despite the name, the channel
 * methods serve both roles ({@code accept} is the server's).
 *
 * <h2>Threading</h2>
 * The methods run on the application's thread; keepalives are sent from the shared timer without
 * blocking. The authenticator's creation is guarded by this object's monitor.
 */
final class ClientSide {
    private static final Logger log = LoggerFactory.getLogger(Transport.class);

    private final Transport t;
    private final TransportEngine engine;
    private final boolean client;

    private ClientAuthenticator clientAuth;
    /** Agent and X11 forwarding, handed to the connection service when the login succeeds. */
    final ServiceStack.ClientForwarding forwarding;
    private volatile ScheduledFuture<?> keepalive;
    /** The remote forwards' table, whose handlers the client's connection service gets. */
    private final RemoteForwards remoteForwards = new RemoteForwards();

    ClientSide(Transport t, TransportEngine engine, boolean client) {
        this.t = t;
        this.engine = engine;
        this.client = client;
        this.forwarding = ServiceStack.ClientForwarding.of(engine);
        engine.closeFuture().whenComplete((v, e) -> {
            stopKeepalive();
            remoteForwards.connectionClosed();
        });
    }

    // ------------------------------------------------------------------ authentication

    ClientAuthenticator clientAuth() {
        if (!client) {
            throw new IllegalStateException("authentication methods are for the client side");
        }
        synchronized (this) {
            if (clientAuth == null) {
                clientAuth = ServiceStack.client(engine, forwarding, remoteForwards);
            }
            return clientAuth;
        }
    }

    /** The authenticator if one was created, else null; never creates one. */
    synchronized ClientAuthenticator existingAuth() {
        return clientAuth;
    }

    /**
     * {@link Transport#authAgent}. As OpenSSH's ssh does, the agent connection that signs is
     * first bound to this session ({@code session-bind@openssh.com}, not forwarding), so that
     * keys added with destination constraints can sign for it (with
     * {@code publickey-hostbound-v00@openssh.com}, which the server must offer). An agent accepts
     * one such binding per connection, so the binding goes to a connection of its own to the
     * same agent, never to {@code agent}, which may serve other sessions too.
     */
    List<String> authAgent(String username, AgentClient agent, Duration timeout) throws IOException {
        try (AgentClient bound = AgentClient.connect(agent.socket(), agent.timeout())) {
            bindForAuthentication(bound);
            AuthenticationException last = null;
            for (Identity id : bound.identities()) {
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
    }

    /** {@link Transport#bindAgent}. */
    boolean bindAgent(AgentClient agent) throws SshException {
        byte[] hostKey = engine.hostKeyBlob();
        byte[] sessionId = engine.sessionId();
        byte[] signature = engine.initialSignature();
        if (hostKey == null || sessionId == null || signature == null) {
            return false;
        }
        boolean accepted = agent.bindSession(hostKey, sessionId, signature, false);
        log.debug("{} session-bind@openssh.com: {}", engine, accepted ? "accepted" : "refused");
        return accepted;
    }

    private void bindForAuthentication(AgentClient agent) {
        try {
            bindAgent(agent);
        } catch (SshException e) {
            log.debug("{} session-bind@openssh.com failed: {}", engine, e.getMessage());
        }
    }

    // ------------------------------------------------------------------ connection protocol

    /** The connection service if it runs (the engine's handler once authenticated), else null. */
    private ConnectionService running() {
        return engine.messageHandler() instanceof ConnectionService cs ? cs : null;
    }

    /** The running connection service, or a failure naming why there is none. */
    ConnectionService connection() throws SshException {
        ConnectionService cs = running();
        if (cs != null) {
            return cs;
        }
        throw new SshException(DisconnectReason.BY_APPLICATION,
                engine.isAuthenticated() ? "the connection service is not running" : "not authenticated yet");
    }

    /** Channels currently open (0 before the connection protocol starts). */
    int openChannelCount() {
        ConnectionService cs = running();
        return cs == null ? 0 : cs.openChannelCount();
    }

    /** The client's remote forwards on this connection. */
    RemoteForwards remoteForwards() {
        return remoteForwards;
    }

    // ------------------------------------------------------------------ keepalive, exec

    /** {@link Transport#setKeepalive(Duration, int)}. */
    void setKeepalive(Duration interval, int countMax) {
        ScheduledFuture<?> old = keepalive;
        if (old != null) {
            old.cancel(false);
        }
        if (interval.isZero() || interval.isNegative()) {
            keepalive = null;
            return;
        }
        long ms = Math.max(1, interval.toMillis());
        // like sshd's ClientAliveCountMax (connection/IdleTimers): any packet from the server answers
        long[] seen = {engine.lastReceivedNanos()};
        int[] unanswered = {0};
        keepalive = Threads.timer().scheduleAtFixedRate(() -> {
            if (!engine.isActive()) {
                TransportEngine.cancel(keepalive);
                return;
            }
            long received = engine.lastReceivedNanos();
            if (received != seen[0]) {
                seen[0] = received;
                unanswered[0] = 0;
            } else if (countMax > 0 && unanswered[0] >= countMax) {
                log.info("{} Timeout, server not responding ({} keepalives unanswered)", t, unanswered[0]);
                TransportEngine.cancel(keepalive);
                t.disconnect(DisconnectReason.CONNECTION_LOST, "Timeout, server not responding");
                return;
            }
            try {
                ConnectionService cs = running();
                if (cs != null) {
                    unanswered[0]++;
                    cs.sendKeepaliveNoWait();
                }
            } catch (IOException e) {
                log.debug("{} keepalive: {}", t, e.getMessage());
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** For the teardown. */
    void stopKeepalive() {
        TransportEngine.cancel(keepalive);
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
