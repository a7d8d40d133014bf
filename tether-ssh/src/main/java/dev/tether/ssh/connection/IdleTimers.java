package dev.tether.ssh.connection;

import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.transport.PacketConnection;
import dev.tether.ssh.transport.Threads;
import dev.tether.ssh.transport.TransportSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The server's liveness and idle limits for one connection, as sshd has them:
 * <ul>
 *   <li><b>ClientAliveInterval / ClientAliveCountMax.</b> After an interval without any packet
 *       from the client, send {@code keepalive@openssh.com} with want-reply; repeat every
 *       interval while it stays silent. When {@code countMax} probes have each had an interval
 *       and still nothing came, disconnect ("Timeout, client not responding"). Any packet
 *       resets the count: replies to the probes are packets.</li>
 *   <li><b>UnusedConnectionTimeout.</b> A connection with no open channel for the timeout,
 *       counted from authentication (this object's creation) and from each moment the last
 *       channel closed, is disconnected.</li>
 *   <li><b>ChannelTimeout.</b> A channel whose type has a timeout and that saw no data either
 *       way for that long is closed from our side ({@link ChannelImpl#closeForInactivity}).</li>
 * </ul>
 *
 * <p><b>Threads.</b> No thread of its own: one task at a time on the shared
 * {@link Threads#timer()}, rescheduled for the earliest deadline after each evaluation.
 * {@link #poke()} re-evaluates at once when the channel table changes (from the reader thread or
 * an application thread), so a deadline that a change brings forward is not missed. An
 * evaluation never blocks: probes and CLOSEs are queued with {@link PacketConnection#sendNoWait},
 * and disconnecting only queues DISCONNECT. All state is guarded by {@code this}. {@link #stop}
 * cancels the pending task.
 */
final class IdleTimers {
    private static final Logger log = LoggerFactory.getLogger(IdleTimers.class);

    private final PacketConnection transport;
    private final ConnectionService service;
    private final long aliveNanos;
    private final int aliveCountMax;
    private final long unusedNanos;
    private final boolean channelTimeouts;

    private long seenReceive;
    private long lastProbe;
    private int unanswered;
    /** Since when the connection has had no channel; -1 while it has one. */
    private long emptySince;
    private ScheduledFuture<?> pending;
    private boolean stopped;

    private IdleTimers(PacketConnection transport, ConnectionService service) {
        TransportSettings c = transport.settings();
        this.transport = transport;
        this.service = service;
        this.aliveNanos = c.clientAliveInterval().toNanos();
        this.aliveCountMax = c.clientAliveCountMax();
        this.unusedNanos = c.unusedConnectionTimeout().toNanos();
        this.channelTimeouts = c.channelTimeouts().values().stream().anyMatch(d -> !d.isZero());
        long now = System.nanoTime();
        this.seenReceive = transport.lastReceivedNanos();
        this.lastProbe = now;
        this.emptySince = now;
    }

    /** Starts the timers the transport's config turns on; null if it turns none on. */
    static IdleTimers start(PacketConnection transport, ConnectionService service) {
        TransportSettings c = transport.settings();
        boolean any = !c.clientAliveInterval().isZero() || !c.unusedConnectionTimeout().isZero()
                || c.channelTimeouts().values().stream().anyMatch(d -> !d.isZero());
        if (!any) {
            return null;
        }
        IdleTimers t = new IdleTimers(transport, service);
        t.poke();
        return t;
    }

    /** Re-evaluates now: the channel table changed. */
    synchronized void poke() {
        if (stopped) {
            return;
        }
        long next = evaluate(System.nanoTime());
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
        if (next != Long.MAX_VALUE && !stopped) {
            long delay = Math.max(1, next - System.nanoTime());
            pending = Threads.timer().schedule(this::poke, delay, TimeUnit.NANOSECONDS);
        }
    }

    /** Cancels everything; the connection has ended. */
    synchronized void stop() {
        stopped = true;
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }

    /** True while a task is scheduled (for tests: a stopped or idle-free connection has none). */
    synchronized boolean scheduled() {
        return pending != null;
    }

    /** Applies every limit at {@code now}; returns the next deadline, or Long.MAX_VALUE for none. */
    private long evaluate(long now) {
        if (!transport.isActive()) {
            stopped = true;
            return Long.MAX_VALUE;
        }
        long next = Long.MAX_VALUE;
        if (aliveNanos > 0) {
            next = Math.min(next, clientAlive(now));
        }
        if (stopped) {
            return Long.MAX_VALUE;
        }
        if (unusedNanos > 0) {
            next = Math.min(next, unused(now));
        }
        if (channelTimeouts && !stopped) {
            next = Math.min(next, channels(now));
        }
        return stopped ? Long.MAX_VALUE : next;
    }

    private long clientAlive(long now) {
        long received = transport.lastReceivedNanos();
        if (received != seenReceive) {
            seenReceive = received;
            unanswered = 0;
        }
        long quietSince = unanswered == 0 ? Math.max(received, lastProbe) : lastProbe;
        if (now - quietSince < aliveNanos) {
            return quietSince + aliveNanos;
        }
        if (unanswered >= aliveCountMax) {
            end("Timeout, client not responding");
            return Long.MAX_VALUE;
        }
        unanswered++;
        lastProbe = now;
        try {
            service.sendKeepaliveNoWait();
            log.debug("{} client alive probe {} of {}", transport, unanswered, aliveCountMax);
        } catch (IOException e) {
            end("client alive probe failed: " + e.getMessage());
            return Long.MAX_VALUE;
        }
        return now + aliveNanos;
    }

    private long unused(long now) {
        if (service.openChannelCount() > 0) {
            emptySince = -1;
            return Long.MAX_VALUE;
        }
        if (emptySince < 0) {
            emptySince = now;
        }
        if (now - emptySince >= unusedNanos) {
            end("unused connection timeout");
            return Long.MAX_VALUE;
        }
        return emptySince + unusedNanos;
    }

    private long channels(long now) {
        long next = Long.MAX_VALUE;
        for (ChannelImpl ch : service.channelList()) {
            long timeout = ch.inactivityTimeoutNanos();
            if (timeout <= 0 || ch.isClosed()) {
                continue;
            }
            long due = ch.lastActivityNanos() + timeout;
            if (now - due >= 0) {
                log.info("{} {}: closing after {} ms of inactivity", transport, ch, timeout / 1_000_000);
                ch.closeForInactivity();
            } else {
                next = Math.min(next, due);
            }
        }
        return next;
    }

    private void end(String why) {
        stopped = true;
        log.info("{} {}", transport, why);
        transport.disconnect(DisconnectReason.BY_APPLICATION, why);
    }
}
