package dev.tether.ssh.testutil;

import dev.tether.ssh.Engines;
import dev.tether.ssh.Transport;
import dev.tether.ssh.common.SshReader;
import dev.tether.ssh.transport.MessageHandler;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * A test service: message 200 carries data, which is counted and hashed; message 201 ends the
 * stream and completes {@link #done}. {@link #sendStream} is the sending side.
 */
public final class DataSink implements MessageHandler {
    public static final int DATA = 200;
    public static final int END = 201;

    private final MessageDigest digest;
    private long bytes;
    public final CompletableFuture<byte[]> done = new CompletableFuture<>();

    public DataSink() {
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean handle(int messageNumber, SshReader payload) {
        if (messageNumber == DATA) {
            int n = payload.remaining();
            digest.update(payload.array(), payload.position(), n);
            bytes += n;
            return true;
        }
        if (messageNumber == END) {
            done.complete(digest.digest());
            return true;
        }
        return false;
    }

    @Override
    public void closed(Throwable cause) {
        done.completeExceptionally(cause != null ? cause : new IOException("closed before END"));
    }

    public long bytes() {
        return bytes;
    }

    /**
     * Sends {@code total} pseudo-random bytes from {@code seed} in chunks of {@code chunk}, then
     * END; returns the SHA-256 of what was sent.
     */
    public static byte[] sendStream(Transport t, long total, int chunk, long seed) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Random r = new Random(seed);
        byte[] data = new byte[chunk];
        long sent = 0;
        while (sent < total) {
            int n = (int) Math.min(chunk, total - sent);
            r.nextBytes(data);
            byte[] payload = new byte[n + 1];
            payload[0] = (byte) DATA;
            System.arraycopy(data, 0, payload, 1, n);
            md.update(data, 0, n);
            Engines.of(t).send(payload, Duration.ofSeconds(60));
            sent += n;
        }
        Engines.of(t).send(new byte[]{(byte) END});
        return md.digest();
    }
}
