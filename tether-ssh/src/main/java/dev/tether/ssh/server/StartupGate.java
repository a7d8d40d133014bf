package dev.tether.ssh.server;

import dev.tether.ssh.SshServer;
import dev.tether.ssh.common.DisconnectReason;
import dev.tether.ssh.policy.ConnectionValidator;
import dev.tether.ssh.policy.PerSourcePenalties;
import dev.tether.ssh.policy.ServerLimits;
import dev.tether.ssh.transport.PacketConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * The connections of an {@link SshServer} and the limits on them as a crowd (see
 * {@link ServerLimits}): PerSourcePenalties on arrival, MaxStartups and PerSourceMaxStartups with
 * eviction of the stalest connection that has not finished its key exchange, the fair share of
 * the startup slots between source networks, the counts
 * validators see, and the penalty charged when an unauthenticated connection ends.
 *
 * <p>Threads: {@link #penalty}, {@link #peer}, {@link #admit} and {@link #started} run on the
 * accept thread or a PROXY header thread, serialised by the server (it holds this object's
 * lock); the table is concurrent because connections leave it from their own threads when they close.
 * Counting is a scan of the table, so the counts can never drift from the connections.
 */
public final class StartupGate {
    private static final Logger log = LoggerFactory.getLogger(StartupGate.class);

    /** One open connection as the gate sees it. */
    private static final class Entry {
        final InetAddress source;
        final InetAddress network;
        final long startNanos;
        volatile boolean evicted;

        Entry(InetAddress source, InetAddress network, long startNanos) {
            this.source = source;
            this.network = network;
            this.startNanos = startNanos;
        }
    }

    private final ServerLimits limits;
    private final PenaltyBox penalties;
    private final Map<PacketConnection, Entry> open = new ConcurrentHashMap<>();
    private volatile boolean closing;

    public StartupGate(ServerLimits limits) {
        this.limits = limits;
        this.penalties = limits.penalties().enabled()
                ? new PenaltyBox(limits.penalties(), limits.perSourceNetBlockSizeV4(), limits.perSourceNetBlockSizeV6(),
                System::nanoTime)
                : null;
    }

    public Set<PacketConnection> connections() {
        return Set.copyOf(open.keySet());
    }

    /** The penalty table, or null when penalties are off (for tests). */
    public PenaltyBox penaltyBox() {
        return penalties;
    }

    private InetAddress network(InetAddress a) {
        return PenaltyBox.network(a, limits.perSourceNetBlockSizeV4(), limits.perSourceNetBlockSizeV6());
    }

    private static boolean unauthenticated(PacketConnection t) {
        return t.isActive() && !t.isAuthenticated();
    }

    /** Accept, or the refusal a penalised source gets (before validators run). */
    public ConnectionValidator.Verdict penalty(InetSocketAddress remote) {
        ConnectionValidator.Verdict v = penalties == null ? null : penalties.check(remote.getAddress());
        return v == null ? ConnectionValidator.Verdict.accept() : v;
    }

    /** The counts validators see: open connections (closing ones left out), this one excluded. */
    public ConnectionValidator.Peer peer(InetSocketAddress remote, InetSocketAddress local) {
        int total = 0;
        int unauthenticated = 0;
        int fromSource = 0;
        for (Map.Entry<PacketConnection, Entry> e : open.entrySet()) {
            PacketConnection t = e.getKey();
            if (!t.isActive()) {
                continue;
            }
            total++;
            if (!t.isAuthenticated()) {
                unauthenticated++;
            }
            if (e.getValue().source.equals(remote.getAddress())) {
                fromSource++;
            }
        }
        return new ConnectionValidator.Peer(remote, local, total, unauthenticated, fromSource);
    }

    /**
     * MaxStartups and PerSourceMaxStartups for a new connection from {@code remote}: accept,
     * possibly after evicting the stalest unauthenticated connection that has not finished its key
     * exchange, or refuse (SERVER_TOO_BUSY, code 12) when there is none to evict.
     */
    public ConnectionValidator.Verdict admit(InetSocketAddress remote) {
        InetAddress net = network(remote.getAddress());
        int unauthenticated = 0;
        int fromNetwork = 0;
        for (Map.Entry<PacketConnection, Entry> e : open.entrySet()) {
            if (unauthenticated(e.getKey())) {
                unauthenticated++;
                if (e.getValue().network.equals(net)) {
                    fromNetwork++;
                }
            }
        }
        int perSource = limits.perSourceMaxStartups();
        if (perSource > 0 && fromNetwork >= perSource) {
            if (!evictStalest(net)) {
                return ConnectionValidator.Verdict.deny(ConnectionValidator.Reason.SERVER_TOO_BUSY,
                        "too many unauthenticated connections from " + remote.getAddress().getHostAddress()
                                + " (PerSourceMaxStartups " + perSource + "); try again later");
            }
            unauthenticated--;
        }
        if (drop(unauthenticated) && !evictStalest(null) && !(limits.fairShare() && evictFromLargestSource(net, fromNetwork))) {
            return ConnectionValidator.Verdict.deny(ConnectionValidator.Reason.SERVER_TOO_BUSY,
                    "too many unauthenticated connections (MaxStartups); try again later");
        }
        return ConnectionValidator.Verdict.accept();
    }

    /**
     * The fair share of the startup slots: evicts the oldest unauthenticated connection of the
     * source network holding the most of them, if that is another network than {@code own} and
     * holds at least two more than {@code ownCount}. DISCONNECT code 12, then close.
     *
     * @return false if no network is that far over the newcomer's
     */
    private boolean evictFromLargestSource(InetAddress own, int ownCount) {
        Map<InetAddress, Integer> counts = new HashMap<>();
        for (Map.Entry<PacketConnection, Entry> e : open.entrySet()) {
            if (unauthenticated(e.getKey()) && !e.getValue().evicted && !e.getValue().network.equals(own)) {
                counts.merge(e.getValue().network, 1, Integer::sum);
            }
        }
        InetAddress largest = null;
        int most = 0;
        for (Map.Entry<InetAddress, Integer> c : counts.entrySet()) {
            if (c.getValue() > most) {
                largest = c.getKey();
                most = c.getValue();
            }
        }
        if (largest == null || most < ownCount + 2) {
            return false;
        }
        Map.Entry<PacketConnection, Entry> oldest = stalest(largest, true);
        return oldest != null && evict(oldest, "its network " + largest.getHostAddress() + " holds " + most
                        + " unauthenticated connections and another source needs a startup slot",
                "too many unauthenticated connections from your network; this one made room for another source");
    }

    /** sshd's drop_connection: never below start, always at full, else rate% rising linearly. */
    private boolean drop(int startups) {
        int begin = limits.maxStartupsBegin();
        int full = limits.maxStartupsFull();
        int rate = limits.maxStartupsRate();
        if (startups < begin) {
            return false;
        }
        if (startups >= full || rate == 100) {
            return true;
        }
        int p = rate + (100 - rate) * (startups - begin) / (full - begin);
        RandomGenerator r = limits.random() != null ? limits.random() : ThreadLocalRandom.current();
        return r.nextInt(100) < p;
    }

    /**
     * Evicts the stalest open unauthenticated connection that has not finished its first key
     * exchange (from {@code network}, or from anywhere when null). DISCONNECT code 12, then close.
     *
     * @return false if there was none
     */
    private boolean evictStalest(InetAddress network) {
        Map.Entry<PacketConnection, Entry> stalest = stalest(network, false);
        if (stalest == null) {
            return false;
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stalest.getValue().startNanos);
        return evict(stalest, "no key exchange after " + ms + " ms, and unauthenticated connections are at their limit",
                "too many unauthenticated connections; this one had not finished its key exchange after " + ms + " ms");
    }

    /**
     * The stalest open unauthenticated connection not yet evicted, from {@code network} (anywhere
     * when null), and only among those still in their first key exchange unless
     * {@code pastKeyExchange}: first those that have not even sent their version line (a real
     * client sends it at once), then the others; the oldest first within each. Null if none.
     */
    private Map.Entry<PacketConnection, Entry> stalest(InetAddress network, boolean pastKeyExchange) {
        Map.Entry<PacketConnection, Entry> stalest = null;
        boolean stalestSpoke = true;
        for (Map.Entry<PacketConnection, Entry> e : open.entrySet()) {
            PacketConnection t = e.getKey();
            Entry en = e.getValue();
            if (!unauthenticated(t) || en.evicted || (!pastKeyExchange && t.hasCompletedKeyExchange())
                    || (network != null && !en.network.equals(network))) {
                continue;
            }
            boolean spoke = t.peerVersion() != null;
            if (stalest == null || (stalestSpoke && !spoke)
                    || (spoke == stalestSpoke && en.startNanos - stalest.getValue().startNanos < 0)) {
                stalest = e;
                stalestSpoke = spoke;
            }
        }
        return stalest;
    }

    /** Marks {@code victim} evicted (no penalty for its source), logs why, and disconnects it with code 12. */
    private static boolean evict(Map.Entry<PacketConnection, Entry> victim, String why, String toPeer) {
        victim.getValue().evicted = true;
        log.debug("evicting {}: {}", victim.getKey(), why);
        victim.getKey().disconnect(DisconnectReason.TOO_MANY_CONNECTIONS, toPeer);
        return true;
    }

    /** Tracks a started connection until it closes, then charges its source if it earned a penalty. */
    public void started(PacketConnection t, InetSocketAddress remote) {
        Entry e = new Entry(remote.getAddress(), network(remote.getAddress()), System.nanoTime());
        open.put(t, e);
        t.closeFuture().whenComplete((v, x) -> {
            open.remove(t);
            PenaltyBox.Kind kind = penaltyFor(t, e);
            if (kind != null) {
                log.debug("{} ended unauthenticated: {}", t, kind.reason);
                penalties.charge(e.source, kind);
            }
        });
    }

    /** The penalty a closed connection earned, or null. */
    private PenaltyBox.Kind penaltyFor(PacketConnection t, Entry e) {
        if (penalties == null || closing || e.evicted || t.isAuthenticated()) {
            return null;
        }
        Throwable cause = t.closeCause();
        if (cause == null) {
            return null; // closed by the application
        }
        if (!(cause instanceof IOException)) {
            return PenaltyBox.Kind.CRASH;
        }
        if (t.loginGraceExceeded()) {
            return PenaltyBox.Kind.GRACE_EXCEEDED;
        }
        if (t.authenticationFailures() > 0) {
            return PenaltyBox.Kind.AUTHFAIL;
        }
        return PenaltyBox.Kind.NOAUTH;
    }

    /** The server is closing: what ends now is our doing, not the clients'. */
    public void closing() {
        closing = true;
    }
}
