package dev.tether.ssh.connection;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.common.SshException;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Data received on one stream of a channel (its data, or its extended data), as an
 * {@link InputStream}. The reader thread appends without ever blocking; the application reads.
 * What it holds is bounded by the channel's local window, which only reopens as the application
 * consumes: every consumed byte is reported to {@link Consumer} so that the channel sends
 * WINDOW_ADJUST for bytes actually read (RFC 4254 §5.2). The queue of chunks exists only while
 * something is buffered, so an idle channel holds no buffer. Thread-safe.
 */
final class InboundBuffer extends InputStream {
    /** Told how many bytes the application has just consumed. */
    interface Consumer {
        void consumed(int bytes);
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition readable = lock.newCondition();
    /** Null while nothing is buffered. */
    private ArrayDeque<byte[]> chunks;
    private final Consumer consumer;
    private final long readTimeoutNanos;
    private int headOffset;
    private long buffered;
    private boolean eof;
    private IOException failure;

    InboundBuffer(Consumer consumer, long readTimeoutNanos) {
        this.consumer = consumer;
        this.readTimeoutNanos = readTimeoutNanos;
    }

    /** Reader thread: appends a copy of the bytes. */
    void append(byte[] buf, int off, int len) {
        if (len == 0) {
            return;
        }
        byte[] copy = new byte[len];
        System.arraycopy(buf, off, copy, 0, len);
        lock.lock();
        try {
            if (eof) {
                return; // data after our close is dropped; the window accounting already rejected excess
            }
            if (chunks == null) {
                chunks = new ArrayDeque<>(4);
            }
            chunks.add(copy);
            buffered += len;
            readable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** No more data will come: readers get -1 once the buffer is drained. */
    void eof() {
        lock.lock();
        try {
            eof = true;
            readable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The connection failed: readers get this exception once the buffer is drained. */
    void fail(IOException e) {
        lock.lock();
        try {
            failure = e;
            eof = true;
            readable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    long buffered() {
        lock.lock();
        try {
            return buffered;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        int n;
        lock.lock();
        try {
            long remaining = readTimeoutNanos;
            while (chunks == null) {
                if (eof) {
                    if (failure != null) {
                        throw new IOException(failure.getMessage(), failure);
                    }
                    return -1;
                }
                if (remaining <= 0) {
                    throw new SshException(DisconnectReason.BY_APPLICATION, "timed out reading from the channel");
                }
                try {
                    remaining = readable.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while reading from the channel");
                }
            }
            n = 0;
            while (n < len && !chunks.isEmpty()) {
                byte[] head = chunks.peek();
                int take = Math.min(len - n, head.length - headOffset);
                System.arraycopy(head, headOffset, b, off + n, take);
                n += take;
                headOffset += take;
                if (headOffset == head.length) {
                    chunks.poll();
                    headOffset = 0;
                }
            }
            if (chunks.isEmpty()) {
                chunks = null;
            }
            buffered -= n;
        } finally {
            lock.unlock();
        }
        consumer.consumed(n);
        return n;
    }

    @Override
    public int available() {
        lock.lock();
        try {
            return (int) Math.min(Integer.MAX_VALUE, buffered);
        } finally {
            lock.unlock();
        }
    }

    /** Closing the stream discards what is buffered; the window is still reopened for it. */
    @Override
    public void close() {
        long dropped;
        lock.lock();
        try {
            dropped = buffered;
            chunks = null;
            buffered = 0;
            headOffset = 0;
            eof = true;
            readable.signalAll();
        } finally {
            lock.unlock();
        }
        if (dropped > 0) {
            consumer.consumed((int) Math.min(Integer.MAX_VALUE, dropped));
        }
    }

    static long nanos(java.time.Duration d) {
        return d == null ? TimeUnit.DAYS.toNanos(365) : d.toNanos();
    }
}
