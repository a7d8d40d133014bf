package dev.tether.ssh.connection;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * How much the peer lets us send on one channel (RFC 4254 §5.2). Senders block in
 * {@link #reserve} until the peer's WINDOW_ADJUST makes room; the reader thread only ever calls
 * {@link #adjust}, which never blocks. Thread-safe.
 */
final class RemoteWindow {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition room = lock.newCondition();
    private final int maxPacket;
    private long window;
    private boolean closed;

    RemoteWindow(long initial, int maxPacket) {
        this.window = initial;
        this.maxPacket = maxPacket;
    }

    int maxPacket() {
        return maxPacket;
    }

    /**
     * Takes up to {@code wanted} bytes of window (at most one packet's worth), waiting up to
     * {@code timeoutNanos} for the peer to open it.
     *
     * @return the bytes granted, at least 1
     */
    int reserve(int wanted, long timeoutNanos) throws SshException {
        lock.lock();
        try {
            long remaining = timeoutNanos;
            while (window == 0 && !closed) {
                if (remaining <= 0) {
                    throw new SshException(DisconnectReason.BY_APPLICATION, "timed out waiting for the peer to open the channel window");
                }
                try {
                    remaining = room.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SshException(DisconnectReason.BY_APPLICATION, "interrupted while waiting for the channel window");
                }
            }
            if (closed) {
                throw new SshException(DisconnectReason.BY_APPLICATION, "channel is closed");
            }
            int n = (int) Math.min(Math.min(wanted, maxPacket), window);
            window -= n;
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** The peer's WINDOW_ADJUST; a total past 2^32-1 is a protocol error (RFC 4254 §5.2). */
    void adjust(long bytes) throws SshException {
        lock.lock();
        try {
            if (window + bytes > 0xffffffffL) {
                throw new SshException(DisconnectReason.PROTOCOL_ERROR, "window adjust beyond 2^32-1 bytes");
            }
            window += bytes;
            room.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes every waiting sender, which then fails. */
    void close() {
        lock.lock();
        try {
            closed = true;
            room.signalAll();
        } finally {
            lock.unlock();
        }
    }

    long available() {
        lock.lock();
        try {
            return window;
        } finally {
            lock.unlock();
        }
    }
}
