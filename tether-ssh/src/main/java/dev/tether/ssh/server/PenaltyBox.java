package dev.tether.ssh.server;

import dev.tether.ssh.keys.HostPatterns;
import dev.tether.ssh.policy.ConnectionValidator;
import dev.tether.ssh.policy.PerSourcePenalties;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The penalty table of {@link PerSourcePenalties}: per source network (address masked to the
 * configured bits), the time until which it is penalised and whether that penalty is active
 * (more than {@code min} outstanding). Two indexes per address family, by network and by expiry,
 * so that expiring and overflow eviction cost a logarithm, not a scan.
 *
 * <p>Thread-safe: every method is synchronized; called from the accept thread (checks) and from
 * whichever thread ends a connection (charges). The clock is injectable for tests.
 */
public final class PenaltyBox {
    /** How a connection ended, for the charge. */
    public enum Kind {
        CRASH("penalty: caused crash"),
        AUTHFAIL("penalty: failed authentication"),
        NOAUTH("penalty: connections without attempting authentication"),
        GRACE_EXCEEDED("penalty: exceeded login grace time");

        final String reason;

        Kind(String reason) {
            this.reason = reason;
        }
    }

    private static final class Entry {
        final InetAddress network;
        final long seq;
        long expiry;
        boolean active;
        String reason;

        Entry(InetAddress network, long seq) {
            this.network = network;
            this.seq = seq;
        }
    }

    private static final class Table {
        final Map<InetAddress, Entry> byNetwork = new HashMap<>();
        final TreeSet<Entry> byExpiry = new TreeSet<>((a, b) -> a.expiry != b.expiry
                ? Long.compare(a.expiry, b.expiry) : Long.compare(a.seq, b.seq));
        final int maxSources;

        Table(int maxSources) {
            this.maxSources = maxSources;
        }

        void expire(long now) {
            while (!byExpiry.isEmpty() && byExpiry.first().expiry - now <= 0) {
                byNetwork.remove(byExpiry.pollFirst().network);
            }
        }
    }

    private final PerSourcePenalties config;
    private final int bitsV4;
    private final int bitsV6;
    private final LongSupplier nanoClock;
    private final Table v4;
    private final Table v6;
    private long seq;

    public PenaltyBox(PerSourcePenalties config, int bitsV4, int bitsV6, LongSupplier nanoClock) {
        this.config = config;
        this.bitsV4 = bitsV4;
        this.bitsV6 = bitsV6;
        this.nanoClock = nanoClock;
        this.v4 = new Table(config.maxSources4());
        this.v6 = new Table(config.maxSources6());
    }

    /**
     * The network an address belongs to: its first {@code v4}/{@code v6} bits, the rest zero. An
     * IPv4-mapped IPv6 address counts as the IPv4 address it maps.
     */
    public static InetAddress network(InetAddress a, int v4, int v6) {
        byte[] b = a.getAddress();
        if (b.length == 16 && isV4Mapped(b)) {
            b = java.util.Arrays.copyOfRange(b, 12, 16);
        }
        int bits = b.length == 4 ? v4 : v6;
        for (int i = 0; i < b.length; i++) {
            int keep = Math.max(0, Math.min(8, bits - i * 8));
            b[i] &= (byte) (0xff00 >> keep);
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("address of " + b.length + " bytes", e);
        }
    }

    private static boolean isV4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    public InetAddress network(InetAddress a) {
        return network(a, bitsV4, bitsV6);
    }

    private boolean exempt(InetAddress a) {
        for (String c : config.exempt()) {
            if (HostPatterns.matchCidrList(a, c)) {
                return true;
            }
        }
        return false;
    }

    private Table table(InetAddress network) {
        return network instanceof Inet4Address ? v4 : v6;
    }

    /** Accept (null) or the refusal a penalised (or, under DENY_ALL overflow, any) source gets. */
    public synchronized ConnectionValidator.Verdict check(InetAddress source) {
        if (exempt(source)) {
            return null;
        }
        long now = nanoClock.getAsLong();
        InetAddress net = network(source);
        Table t = table(net);
        t.expire(now);
        if (t.byNetwork.size() >= t.maxSources && config.overflow() == PerSourcePenalties.Overflow.DENY_ALL) {
            return ConnectionValidator.Verdict.deny(ConnectionValidator.Reason.SERVER_TOO_BUSY,
                    "too many penalised addresses");
        }
        Entry e = t.byNetwork.get(net);
        if (e == null || !e.active) {
            return null;
        }
        long left = TimeUnit.NANOSECONDS.toSeconds(e.expiry - now + TimeUnit.SECONDS.toNanos(1) - 1);
        return ConnectionValidator.Verdict.deny(ConnectionValidator.Reason.HOST_BLOCKED,
                e.reason + " (refused for " + left + " s)");
    }

    /** Charges the source's network for a connection that ended as {@code kind}. */
    public synchronized void charge(InetAddress source, Kind kind) {
        long add = switch (kind) {
            case CRASH -> config.crash().toNanos();
            case AUTHFAIL -> config.authFail().toNanos();
            case NOAUTH -> config.noAuth().toNanos();
            case GRACE_EXCEEDED -> config.graceExceeded().toNanos();
        };
        if (add <= 0 || exempt(source)) {
            return;
        }
        long now = nanoClock.getAsLong();
        long min = config.min().toNanos();
        long max = config.max().toNanos();
        InetAddress net = network(source);
        Table t = table(net);
        t.expire(now);
        Entry e = t.byNetwork.get(net);
        if (e == null) {
            if (t.byNetwork.size() >= t.maxSources) {
                if (config.overflow() == PerSourcePenalties.Overflow.DENY_ALL) {
                    return; // the table stays full; check() refuses everyone of this family meanwhile
                }
                t.byNetwork.remove(t.byExpiry.pollFirst().network);
            }
            e = new Entry(net, seq++);
            e.expiry = now + Math.min(add, max);
            t.byNetwork.put(net, e);
        } else {
            t.byExpiry.remove(e);
            e.expiry = now + Math.min(e.expiry - now + add, max);
        }
        e.reason = kind.reason;
        e.active |= e.expiry - now > min;
        t.byExpiry.add(e);
    }

    /** Networks tracked now, active or not (both families). */
    public synchronized int size() {
        long now = nanoClock.getAsLong();
        v4.expire(now);
        v6.expire(now);
        return v4.byNetwork.size() + v6.byNetwork.size();
    }
}
