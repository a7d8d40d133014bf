package dev.tether.ssh.client;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One authenticated connection per destination, shared by many callers, as OpenSSH's
 * {@code ControlMaster} shares one: {@link #acquire} hands out a {@link Lease} on the
 * destination's {@link SshClient}, connecting it first if there is none (or the last one died);
 * callers that ask at the same time wait for the same connection attempt. Sessions, commands and
 * forwards may run concurrently on a shared client. A client no lease holds is closed once it has
 * been idle for the pool's idle time.
 *
 * <pre>{@code
 * try (SshClientPool pool = SshClientPool.create(Duration.ofMinutes(5))) {
 *     try (SshClientPool.Lease lease = pool.acquire("deploy@build-7")) {
 *         lease.client().exec("make -C /srv/app", Duration.ofMinutes(10));
 *     }
 * }
 * }</pre>
 *
 * <p>Threading: thread-safe. One daemon thread closes idle clients; {@link #close()} stops it
 * and closes every client, leased or not.
 */
public final class SshClientPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SshClientPool.class);

    private final Function<String, SshClient.Builder> builders;
    private final Duration idle;
    private final ScheduledExecutorService reaper;
    /** Guarded by itself. */
    private final Map<String, Entry> entries = new HashMap<>();
    private boolean closed;

    private static final class Entry {
        final CompletableFuture<SshClient> client = new CompletableFuture<>();
        int leases;
        long idleSince = System.nanoTime();
    }

    private SshClientPool(Function<String, SshClient.Builder> builders, Duration idle) {
        if (idle.isNegative() || idle.isZero()) {
            throw new IllegalArgumentException("idle time must be positive: " + idle);
        }
        this.builders = Objects.requireNonNull(builders);
        this.idle = idle;
        this.reaper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tether-client-pool-reaper");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(10, Math.min(idle.toMillis() / 2, 30_000));
        reaper.scheduleWithFixedDelay(this::closeIdle, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * A pool whose destinations connect with {@link SshClient#builder(String)}'s defaults.
     *
     * @param idle how long a client no lease holds stays open
     * @return the pool, with its idle reaper thread started
     * @throws IllegalArgumentException if {@code idle} is zero or negative
     */
    public static SshClientPool create(Duration idle) {
        return new SshClientPool(SshClient::builder, idle);
    }

    /**
     * A pool whose destinations connect with the builders {@code builders} makes (to set prompts,
     * a password, a config file or a host key verifier).
     *
     * @param builders makes the builder for a destination, as given to {@link #acquire}; called
     *                 on the acquiring thread each time the destination is (re)connected
     * @param idle     how long a client no lease holds stays open
     * @return the pool, with its idle reaper thread started
     * @throws IllegalArgumentException if {@code idle} is zero or negative
     */
    public static SshClientPool create(Function<String, SshClient.Builder> builders, Duration idle) {
        return new SshClientPool(builders, idle);
    }

    /**
     * A lease on the destination's client, connecting it if needed. The calling thread
     * connects (and blocks until done) when there is no client or it has closed; callers that
     * come while it connects wait for the same attempt.
     *
     * @param destination the destination, as {@link SshClient#builder(String)} takes it; the
     *                    pool keys its clients by this string as given
     * @return the lease; closing it gives the client back to the pool
     * @throws IOException what {@link SshClient.Builder#connect()} threw; the next acquire tries again
     * @throws java.io.InterruptedIOException if interrupted while waiting for another caller's
     *                                        connection attempt (the interrupt status is kept)
     * @throws IllegalStateException if the pool is closed
     */
    public Lease acquire(String destination) throws IOException {
        Entry e;
        boolean connect = false;
        synchronized (entries) {
            if (closed) {
                throw new IllegalStateException("the pool is closed");
            }
            e = entries.get(destination);
            if (e != null && e.client.isDone() && (e.client.isCompletedExceptionally() || !e.client.join().isOpen())) {
                entries.remove(destination);
                if (!e.client.isCompletedExceptionally()) {
                    e.client.join().close();
                }
                e = null;
            }
            if (e == null) {
                e = new Entry();
                entries.put(destination, e);
                connect = true;
            }
            e.leases++;
        }
        if (connect) {
            try {
                e.client.complete(builders.apply(destination).connect());
            } catch (Throwable ex) {
                e.client.completeExceptionally(ex); // every waiter sees it, an Error too (none waits for ever)
            }
        }
        SshClient client;
        try {
            client = e.client.get();
        } catch (ExecutionException ex) {
            release(destination, e);
            synchronized (entries) {
                entries.remove(destination, e);
            }
            Throwable cause = ex.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw (RuntimeException) cause;
        } catch (InterruptedException ex) {
            release(destination, e);
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while connecting to " + destination);
        }
        return new Lease(destination, e, client);
    }

    /**
     * How many destinations have a client (connected or connecting).
     *
     * @return the number of destinations with a client, counting one whose connection has
     *         ended but that the pool has not yet noticed
     */
    public int size() {
        synchronized (entries) {
            return entries.size();
        }
    }

    private void release(String destination, Entry e) {
        synchronized (entries) {
            if (--e.leases == 0) {
                e.idleSince = System.nanoTime();
            }
        }
    }

    private void closeIdle() {
        List<SshClient> toClose = new ArrayList<>();
        long now = System.nanoTime();
        synchronized (entries) {
            entries.entrySet().removeIf(en -> {
                Entry e = en.getValue();
                if (e.leases > 0 || !e.client.isDone()) {
                    return false;
                }
                boolean dead = e.client.isCompletedExceptionally() || !e.client.join().isOpen();
                if (dead || now - e.idleSince >= idle.toNanos()) {
                    if (!e.client.isCompletedExceptionally()) {
                        toClose.add(e.client.join());
                    }
                    log.debug("closing the pooled connection to {} ({})", en.getKey(), dead ? "closed" : "idle");
                    return true;
                }
                return false;
            });
        }
        toClose.forEach(SshClient::close);
    }

    /** Closes every client, leased or not, and stops the idle reaper. */
    @Override
    public void close() {
        List<Entry> all;
        synchronized (entries) {
            closed = true;
            all = new ArrayList<>(entries.values());
            entries.clear();
        }
        reaper.shutdownNow();
        for (Entry e : all) {
            if (e.client.isDone() && !e.client.isCompletedExceptionally()) {
                e.client.join().close();
            }
        }
    }

    /**
     * A caller's share of a pooled client. {@link #close()} gives it back (it does not close the
     * connection); the client stays usable by the other leases.
     */
    public final class Lease implements AutoCloseable {
        private final String destination;
        private final Entry entry;
        private final SshClient client;
        private boolean released;

        private Lease(String destination, Entry entry, SshClient client) {
            this.destination = destination;
            this.entry = entry;
            this.client = client;
        }

        /**
         * The shared client. Close the lease, not the client: closing the client ends the
         * connection for every lease on it.
         *
         * @return the client, shared with the other leases on the destination
         */
        public SshClient client() {
            return client;
        }

        /** Gives the lease back; once no lease holds the client, its idle time starts. Idempotent. */
        @Override
        public synchronized void close() {
            if (!released) {
                released = true;
                release(destination, entry);
            }
        }
    }
}
