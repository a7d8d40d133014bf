package dev.tether.ssh.fuzz;

import dev.tether.ssh.FuzzHooks;
import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.NegotiatedAlgorithms;
import dev.tether.ssh.transport.MessageHandler;
import dev.tether.ssh.transport.PacketConnection;
import dev.tether.ssh.transport.TransportSettings;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A transport for the fuzz targets that drive a real service ({@code ServerAuthService},
 * {@code ConnectionService}) directly: what the service sends is recorded, nothing goes on a wire.
 * Not a mock of any parser; the service under test decodes the input itself.
 */
final class FuzzTransport implements PacketConnection {
    private static final TransportSettings SETTINGS = FuzzHooks.defaultSettings();

    final List<byte[]> sent = new ArrayList<>();
    private final boolean client;
    private final byte[] hostKey;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile boolean active = true;
    private MessageHandler handler;
    private int authFailures;

    FuzzTransport(boolean client, byte[] hostKey) {
        this.client = client;
        this.hostKey = hostKey;
    }

    @Override public long id() { return 0; }
    @Override public String remoteHost() { return "127.0.0.1"; }
    @Override public int remotePort() { return 22; }
    @Override public String peerVersion() { return "SSH-2.0-fuzz"; }
    @Override public String localVersion() { return "SSH-2.0-tether"; }
    @Override public boolean isClientMode() { return client; }
    @Override public byte[] sessionId() { return new byte[32]; }
    @Override public NegotiatedAlgorithms negotiatedAlgorithms() { return null; }
    @Override public TransportSettings settings() { return SETTINGS; }

    @Override
    public synchronized void send(byte[] payload) {
        sent.add(payload);
    }

    @Override public void send(byte[] payload, Duration timeout) { send(payload); }
    @Override public void sendNoWait(byte[] payload) { send(payload); }
    @Override public void awaitRoom(Duration timeout) { }
    @Override public void requestService(String name, Duration timeout) { }
    @Override public void setMessageHandler(MessageHandler h) { handler = h; }
    @Override public MessageHandler messageHandler() { return handler; }
    @Override public void authenticationSucceeded(byte[] successMessage) { send(successMessage); }
    @Override public boolean isAuthenticated() { return false; }
    @Override public boolean isActive() { return active; }
    @Override public boolean hasCompletedKeyExchange() { return true; }
    @Override public byte[] hostKeyBlob() { return hostKey.clone(); }
    @Override public Map<String, String> peerExtensions() { return Map.of(); }
    @Override public long lastReceivedNanos() { return System.nanoTime(); }
    @Override public void noteAuthenticationFailure() { authFailures++; }
    @Override public int authenticationFailures() { return authFailures; }
    @Override public boolean loginGraceExceeded() { return false; }

    /** Why the service aborted the connection, if it did. */
    volatile Throwable aborted;

    @Override
    public void abort(Throwable cause) {
        aborted = cause;
        active = false;
        closed.complete(null);
    }

    @Override
    public void disconnect(DisconnectReason reason, String description) {
        active = false;
        closed.complete(null);
    }

    @Override public CompletableFuture<Void> closeFuture() { return closed; }
    @Override public Throwable closeCause() { return null; }

    /**
     * A service hands what goes wrong on a policy's thread to {@link #abort}: an
     * {@link java.io.IOException} is the connection ending for a reason, anything else a finding,
     * rethrown here.
     */
    void rethrowUnexpected() {
        Throwable t = aborted;
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
    }

    @Override
    public String toString() {
        return "fuzz-transport";
    }
}
