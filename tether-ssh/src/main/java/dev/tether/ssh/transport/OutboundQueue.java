package dev.tether.ssh.transport;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The connection's outgoing packets, in order, between the threads that send and the one writer
 * thread that encrypts and writes them.
 *
 * <p><b>Why a writer thread.</b> The reader thread must never block on a socket write: if both
 * peers' readers waited on writes while their send buffers were full, neither would drain the
 * other and the connection would deadlock. So every packet, including the reader's replies and
 * key exchange messages, goes through this queue, and only the writer thread touches the socket.
 *
 * <p><b>The key exchange gate</b> (RFC 4253 §7.1). From the moment our KEXINIT is queued until
 * our NEWKEYS is queued, only transport and key exchange messages may be sent. {@link #closeGate}
 * queues the KEXINIT and closes the gate; later non-KEX packets are held aside, and
 * {@link #openGate} queues NEWKEYS (whose action installs the new keys on the writer thread right
 * after it is written) and releases the held packets behind it, in order.
 *
 * <p><b>Bounds.</b> Application threads block, with a timeout, while more than {@code limit} bytes
 * wait. The reader thread never blocks: past {@code 4 * limit} bytes the peer is evidently not
 * reading and the connection fails.
 *
 * <p>Thread-safe; all state is guarded by one lock.
 */
public final class OutboundQueue {
    /**
     * A packet to write and an optional action the writer runs right after writing it. A null
     * payload is an action alone, run in its place in the order of packets.
     */
    public record Entry(byte[] payload, Runnable afterWrite) {
        int size() {
            return payload == null ? 0 : payload.length;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition readyOrClosed = lock.newCondition();
    private final Condition space = lock.newCondition();
    private final ArrayDeque<Entry> ready = new ArrayDeque<>();
    private final ArrayDeque<Entry> held = new ArrayDeque<>();
    private final long limit;
    private long queuedBytes;
    private boolean gateClosed;
    private boolean closed;
    private String closedReason = "connection closed";

    public OutboundQueue(long limit) {
        this.limit = limit;
    }

    /** Queues an application packet, waiting up to {@code timeoutNanos} for room. */
    public void put(byte[] payload, Runnable afterWrite, long timeoutNanos) throws SshException {
        lock.lock();
        try {
            awaitRoomLocked(timeoutNanos);
            enqueueLocked(new Entry(payload, afterWrite));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits up to {@code timeoutNanos} until no more than the limit is queued, as {@link #put}
     * does before queuing; for a caller that then queues with {@link #putFromReader} under a lock
     * of its own (a channel ordering its messages against its CLOSE).
     */
    public void awaitRoom(long timeoutNanos) throws SshException {
        lock.lock();
        try {
            awaitRoomLocked(timeoutNanos);
            if (closed) {
                throw new SshException(DisconnectReason.CONNECTION_LOST, closedReason);
            }
        } finally {
            lock.unlock();
        }
    }

    private void awaitRoomLocked(long timeoutNanos) throws SshException {
        long remaining = timeoutNanos;
        while (!closed && queuedBytes > limit) {
            if (remaining <= 0) {
                throw new SshException(DisconnectReason.BY_APPLICATION,
                        "send timed out: " + queuedBytes + " bytes still waiting to be written");
            }
            try {
                remaining = space.awaitNanos(remaining);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SshException(DisconnectReason.BY_APPLICATION, "interrupted while sending");
            }
        }
    }

    /** Queues a packet from the reader thread, which must never block. */
    public void putFromReader(byte[] payload, Runnable afterWrite) throws SshException {
        lock.lock();
        try {
            if (!closed && queuedBytes > 4 * limit) {
                throw new SshException(DisconnectReason.PROTOCOL_ERROR,
                        "peer is not reading: " + queuedBytes + " bytes of replies are waiting");
            }
            enqueueLocked(new Entry(payload, afterWrite));
        } finally {
            lock.unlock();
        }
    }

    private void enqueueLocked(Entry e) throws SshException {
        if (closed) {
            throw new SshException(DisconnectReason.CONNECTION_LOST, closedReason);
        }
        queuedBytes += e.size();
        if (gateClosed) {
            held.add(e);
        } else {
            ready.add(e);
            readyOrClosed.signal();
        }
    }

    /** Queues an action that runs on the writer thread between the packets queued before and after it. */
    public void putAction(Runnable action) throws SshException {
        lock.lock();
        try {
            enqueueLocked(new Entry(null, action));
        } finally {
            lock.unlock();
        }
    }

    /** Queues a key exchange message; it passes the gate. Never blocks. */
    public void putKex(byte[] payload, Runnable afterWrite) throws SshException {
        lock.lock();
        try {
            if (closed) {
                throw new SshException(DisconnectReason.CONNECTION_LOST, closedReason);
            }
            queuedBytes += payload.length;
            ready.add(new Entry(payload, afterWrite));
            readyOrClosed.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Queues our KEXINIT and closes the gate. Returns false if a key exchange is already under way. */
    public boolean closeGate(byte[] kexInit) throws SshException {
        return closeGate(kexInit, null);
    }

    /** As {@link #closeGate(byte[])}, with an action the writer runs right after writing the KEXINIT. */
    public boolean closeGate(byte[] kexInit, Runnable afterWrite) throws SshException {
        lock.lock();
        try {
            if (gateClosed) {
                return false;
            }
            if (closed) {
                throw new SshException(DisconnectReason.CONNECTION_LOST, closedReason);
            }
            queuedBytes += kexInit.length;
            ready.add(new Entry(kexInit, afterWrite));
            gateClosed = true;
            readyOrClosed.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Queues NEWKEYS with the action that switches the writer to the new keys, then any packets
     * that must come first under the new keys (EXT_INFO), then releases the held packets.
     */
    public void openGate(byte[] newKeys, Runnable installKeys, byte[]... first) throws SshException {
        lock.lock();
        try {
            if (closed) {
                throw new SshException(DisconnectReason.CONNECTION_LOST, closedReason);
            }
            ready.add(new Entry(newKeys, installKeys));
            queuedBytes += newKeys.length;
            for (byte[] p : first) {
                ready.add(new Entry(p, null));
                queuedBytes += p.length;
            }
            ready.addAll(held);
            held.clear();
            gateClosed = false;
            readyOrClosed.signal();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Opens the gate without new keys, releasing the held packets: the key exchange we started
     * was refused by the peer and is abandoned.
     */
    public void reopenGate() {
        lock.lock();
        try {
            ready.addAll(held);
            held.clear();
            gateClosed = false;
            readyOrClosed.signal();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The writer's side: the next packet to write, waiting up to {@code timeoutNanos}; null on
     * timeout or when the queue was closed and nothing remains.
     */
    public Entry poll(long timeoutNanos) throws InterruptedException {
        lock.lock();
        try {
            long remaining = timeoutNanos;
            while (ready.isEmpty()) {
                if (closed || remaining <= 0) {
                    return null;
                }
                remaining = readyOrClosed.awaitNanos(remaining);
            }
            return ready.poll();
        } finally {
            lock.unlock();
        }
    }

    /** True if nothing is ready to write now. */
    public boolean isIdle() {
        lock.lock();
        try {
            return ready.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** The writer reports a packet written, freeing its room. */
    public void written(Entry e) {
        lock.lock();
        try {
            queuedBytes -= e.size();
            if (queuedBytes <= limit) {
                space.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Refuses further packets and, atomically, queues {@code finalPacket} (our DISCONNECT; may be
     * null) behind the packets already ready, so that the writer writes it before it sees the queue
     * closed. Held packets are dropped. Wakes every waiting thread.
     */
    public void close(String reason, byte[] finalPacket) {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                closedReason = reason;
                held.clear();
                if (finalPacket != null) {
                    ready.add(new Entry(finalPacket, null));
                    queuedBytes += finalPacket.length;
                }
                readyOrClosed.signalAll();
                space.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }
}
