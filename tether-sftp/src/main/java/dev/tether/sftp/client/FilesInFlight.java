package dev.tether.sftp.client;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The files of one tree transfer that move at once. Small files are bound by round trips and by
 * the file system work at both ends, not by the line, so a tree keeps up to {@code n} files
 * going: while one waits for its OPEN, another's WRITEs and a third's local create proceed. The
 * requests of all of them share the one SFTP session (it multiplexes by id).
 *
 * <p>Threading: {@link #submit}, {@link #finish} and {@link #close} are called by the one thread
 * that walks the tree. With {@code n} of 1 every file runs on that thread, in order, and no thread
 * is made; otherwise up to {@code n} run on worker threads of this object's own, started in the
 * walk's order. The first failure stops further submissions (the next {@link #submit} throws
 * it) and is what {@link #finish} throws; files already going are finished, never abandoned
 * half-written by a returning caller. {@link #close} waits for them (each is bounded by its
 * requests' deadlines) and ends the workers.
 */
public final class FilesInFlight implements AutoCloseable {
    /** One file's transfer; returns the bytes it moved. */
    @FunctionalInterface
    public interface Task {
        long run() throws IOException;
    }

    private static final AtomicInteger POOLS = new AtomicInteger();

    private final int n;
    private final ExecutorService workers;
    private final Semaphore slots;
    private final AtomicLong moved = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    /** @param n files at once, at least 1 */
    public FilesInFlight(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("files in flight: " + n);
        }
        this.n = n;
        this.slots = new Semaphore(n);
        if (n == 1) {
            this.workers = null;
        } else {
            int pool = POOLS.incrementAndGet();
            AtomicInteger count = new AtomicInteger();
            this.workers = Executors.newFixedThreadPool(n, r -> {
                Thread t = new Thread(r, "tether-sftp-tree-" + pool + "-" + count.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
    }

    /**
     * Runs {@code task} (n of 1) or hands it to a worker once fewer than {@code n} are going,
     * waiting for a slot. Throws the first failure of any file so far instead.
     */
    public void submit(Task task) throws IOException {
        rethrow();
        if (workers == null) {
            moved.addAndGet(task.run());
            return;
        }
        try {
            slots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a file of the tree to finish");
        }
        if (failure.get() != null) {
            slots.release();
            rethrow();
        }
        workers.execute(() -> {
            try {
                moved.addAndGet(task.run());
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            } finally {
                slots.release();
            }
        });
    }

    /** Waits for every file submitted; returns the bytes they moved, or throws the first failure. */
    public long finish() throws IOException {
        awaitAll();
        rethrow();
        return moved.get();
    }

    private void awaitAll() throws InterruptedIOException {
        if (workers == null) {
            return;
        }
        try {
            slots.acquire(n);
            slots.release(n);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the files of the tree");
        }
    }

    private void rethrow() throws IOException {
        Throwable t = failure.get();
        if (t == null) {
            return;
        }
        if (t instanceof IOException io) {
            throw io;
        }
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error err) {
            throw err;
        }
        throw new IOException(t);
    }

    /**
     * Waits for the files still going (the walk failed, or ended without {@link #finish}), then
     * ends the workers. An interrupt interrupts the files instead of waiting for them.
     */
    @Override
    public void close() {
        if (workers == null) {
            return;
        }
        try {
            awaitAll();
            workers.shutdown();
            // every file has ended (awaitAll), so the workers only have to return
            if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedIOException e) {
            workers.shutdownNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            workers.shutdownNow();
        }
    }
}
