package dev.tether.ssh.policy;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Server-wide limits of an {@link dev.tether.ssh.SshServer}, the ones that concern connections as a crowd rather
 * than one connection (those live in {@link dev.tether.ssh.TransportConfig}). Immutable; build with
 * {@link #builder()}.
 *
 * <ul>
 *   <li>{@code MaxStartups start:rate:full} as in sshd_config: once {@code start} connections are
 *       unauthenticated, a new one is dropped with probability {@code rate}% rising linearly to
 *       100% at {@code full}. Where sshd drops the <em>new</em> connection, Tether first evicts
 *       the stalest one instead: the oldest unauthenticated connection that has not finished its
 *       key exchange gets DISCONNECT code 12 (TOO_MANY_CONNECTIONS) and is closed, and the new
 *       one is admitted. Only when no such connection exists (all the unauthenticated ones have
 *       finished their key exchange and are authenticating) is the new one refused, with our
 *       version line and a DISCONNECT code 12. A crowd of silent or garbage-sending connections
 *       therefore cannot keep a real client out, even one from the same address: each newcomer
 *       displaces the oldest of the crowd, and a real client finishes its key exchange in
 *       milliseconds, after which it is no longer a candidate. Authenticated connections never
 *       count and are never evicted. The drop decision draws from {@link Builder#random}.</li>
 *   <li><b>Fair share</b> (Tether's own, on by default): when MaxStartups would still refuse a
 *       newcomer, and some other source network holds at least two more of the unauthenticated
 *       connections than the newcomer's own network does, the oldest unauthenticated connection
 *       of the network holding the most is evicted instead (code 12), even one past its key
 *       exchange. So a crowd from one address that completes its key exchanges and then sits in
 *       authentication (which sshd's defaults let block everyone) cannot keep other addresses out:
 *       each newcomer from elsewhere displaces one of the crowd, while sources of about equal
 *       weight are judged by MaxStartups alone. {@link Builder#fairShare(boolean) fairShare(false)}
 *       restores sshd's behaviour.</li>
 *   <li>{@code PerSourceMaxStartups}: unauthenticated connections from one source network
 *       (the address masked to {@code PerSourceNetBlockSize} bits, default 32:128, i.e. each
 *       address on its own); over it, the stalest of that network's connections that has not
 *       finished its key exchange is evicted, or else the new one is refused (code 12).</li>
 *   <li>{@link PerSourcePenalties}: sources that fail authentication, send garbage or exceed
 *       the login grace time are refused for a growing time. <b>Off by default</b>; see that
 *       class for why and for the exempt list.</li>
 *   <li>PROXY protocol v1/v2: when on, every connection must begin with a valid header, and the
 *       address it names is the one validators, penalties and logs see. The header is read off
 *       the accept thread within {@code proxyHeaderTimeout}; a connection without a valid one is
 *       closed without a reply. At most {@code full} (of MaxStartups) connections may wait for
 *       their header at once.</li>
 * </ul>
 *
 * <p>Order on arrival: penalties, then validators, then MaxStartups/PerSourceMaxStartups (which
 * may evict), then the connection starts. What an unauthenticated connection costs is bounded:
 * its buffers (a few KiB of heap), its reader and writer threads, and the handshake timeout and
 * login grace time of {@link dev.tether.ssh.TransportConfig}.
 */
public final class ServerLimits {
    private final int maxStartupsBegin;
    private final int maxStartupsRate;
    private final int maxStartupsFull;
    private final int perSourceMaxStartups;
    private final boolean fairShare;
    private final int netBlockV4;
    private final int netBlockV6;
    private final PerSourcePenalties penalties;
    private final RandomGenerator random;
    private final boolean proxyProtocol;
    private final Duration proxyHeaderTimeout;

    private ServerLimits(Builder b) {
        this.maxStartupsBegin = b.maxStartupsBegin;
        this.maxStartupsRate = b.maxStartupsRate;
        this.maxStartupsFull = b.maxStartupsFull;
        this.perSourceMaxStartups = b.perSourceMaxStartups;
        this.fairShare = b.fairShare;
        this.netBlockV4 = b.netBlockV4;
        this.netBlockV6 = b.netBlockV6;
        this.penalties = b.penalties;
        this.random = b.random;
        this.proxyProtocol = b.proxyProtocol;
        this.proxyHeaderTimeout = b.proxyHeaderTimeout;
    }

    /**
     * sshd's defaults with eviction first: MaxStartups 10:30:100, no per-source limit,
     * PerSourceNetBlockSize 32:128, no penalties, no PROXY protocol; plus the fair share of the
     * startup slots between source networks.
     *
     * @return the default limits
     */
    public static ServerLimits defaults() {
        return builder().build();
    }

    /**
     * A builder starting from {@link #defaults()}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder starting from these limits.
     *
     * @return a new builder holding these limits
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxStartupsBegin = maxStartupsBegin;
        b.maxStartupsRate = maxStartupsRate;
        b.maxStartupsFull = maxStartupsFull;
        b.perSourceMaxStartups = perSourceMaxStartups;
        b.netBlockV4 = netBlockV4;
        b.netBlockV6 = netBlockV6;
        b.penalties = penalties;
        b.random = random;
        b.proxyProtocol = proxyProtocol;
        b.proxyHeaderTimeout = proxyHeaderTimeout;
        return b;
    }

    /**
     * {@code MaxStartups} {@code start}: the unauthenticated connections from which new ones may be dropped.
     *
     * @return the start, at least 1
     */
    public int maxStartupsBegin() {
        return maxStartupsBegin;
    }

    /**
     * {@code MaxStartups} {@code rate}: the drop probability, in percent, at {@code start}.
     *
     * @return the rate, 0 to 100
     */
    public int maxStartupsRate() {
        return maxStartupsRate;
    }

    /**
     * {@code MaxStartups} {@code full}: the unauthenticated connections past which every new one is dropped.
     *
     * @return the full mark, at least {@code start}
     */
    public int maxStartupsFull() {
        return maxStartupsFull;
    }

    /**
     * The most unauthenticated connections from one source address; 0 for no limit.
     *
     * @return the per-source limit, or 0
     */
    public int perSourceMaxStartups() {
        return perSourceMaxStartups;
    }

    /**
     * Whether an over-represented source network yields its oldest startup slot to a newcomer from another.
     *
     * @return whether the fair share is on
     */
    public boolean fairShare() {
        return fairShare;
    }

    /**
     * {@code PerSourceNetBlockSize}, IPv4 part: how many leading bits make a source network.
     *
     * @return the prefix length, 0 to 32
     */
    public int perSourceNetBlockSizeV4() {
        return netBlockV4;
    }

    /**
     * {@code PerSourceNetBlockSize}, IPv6 part.
     *
     * @return the prefix length, 0 to 128
     */
    public int perSourceNetBlockSizeV6() {
        return netBlockV6;
    }

    /**
     * The per-source penalties ({@code PerSourcePenalties}).
     *
     * @return the penalties; {@link PerSourcePenalties#off()} by default
     */
    public PerSourcePenalties penalties() {
        return penalties;
    }

    /**
     * Where the MaxStartups drop decision draws from; null for {@code ThreadLocalRandom}.
     *
     * @return the random source, or null
     */
    public RandomGenerator random() {
        return random;
    }

    /**
     * Whether every connection must begin with a PROXY protocol v1 or v2 header.
     *
     * @return true if the PROXY protocol is on; false by default
     */
    public boolean proxyProtocol() {
        return proxyProtocol;
    }

    /**
     * How long a connection may take to send its PROXY protocol header.
     *
     * @return the timeout; 5 seconds by default
     */
    public Duration proxyHeaderTimeout() {
        return proxyHeaderTimeout;
    }

    /** Builds {@link ServerLimits}, starting from {@link #defaults()}. Not thread-safe. */
    public static final class Builder {
        private int maxStartupsBegin = 10;
        private int maxStartupsRate = 30;
        private int maxStartupsFull = 100;
        private int perSourceMaxStartups;
        private boolean fairShare = true;
        private int netBlockV4 = 32;
        private int netBlockV6 = 128;
        private PerSourcePenalties penalties = PerSourcePenalties.off();
        private RandomGenerator random;
        private boolean proxyProtocol;
        private Duration proxyHeaderTimeout = Duration.ofSeconds(5);

        private Builder() {
        }

        /**
         * {@code MaxStartups start:rate:full}; {@code start == full} refuses every one past it.
         *
         * @param start the unauthenticated connections from which new ones may be dropped, at least 1
         * @param rate  the drop probability at {@code start}, in percent, 0 to 100
         * @param full  the unauthenticated connections past which every new one is dropped, at least {@code start}
         * @return this builder
         * @throws IllegalArgumentException if the values are out of those ranges
         */
        public Builder maxStartups(int start, int rate, int full) {
            if (start < 1 || rate < 0 || rate > 100 || full < start) {
                throw new IllegalArgumentException("MaxStartups needs 1 <= start <= full and 0 <= rate <= 100: "
                        + start + ":" + rate + ":" + full);
            }
            this.maxStartupsBegin = start;
            this.maxStartupsRate = rate;
            this.maxStartupsFull = full;
            return this;
        }

        /**
         * {@code MaxStartups N}: refuse every unauthenticated connection past N.
         *
         * @param n the most unauthenticated connections, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code n} is below 1
         */
        public Builder maxStartups(int n) {
            return maxStartups(n, 100, n);
        }

        /**
         * {@code PerSourceMaxStartups}: the most unauthenticated connections from one source network.
         *
         * @param n the limit; 0 for none (the default)
         * @return this builder
         * @throws IllegalArgumentException if {@code n} is negative
         */
        public Builder perSourceMaxStartups(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("perSourceMaxStartups must be >= 0");
            }
            this.perSourceMaxStartups = n;
            return this;
        }

        /**
         * The fair share of the startup slots between source networks (on by default; see the
         * class description). Off, a full server refuses newcomers as sshd does, whoever holds
         * the slots.
         *
         * @param on whether the fair share is on
         * @return this builder
         */
        public Builder fairShare(boolean on) {
            this.fairShare = on;
            return this;
        }

        /**
         * {@code PerSourceNetBlockSize v4:v6}, e.g. 24:56 to treat each /24 and /56 as one source.
         *
         * @param v4 the IPv4 prefix length, 0 to 32 (default 32)
         * @param v6 the IPv6 prefix length, 0 to 128 (default 128)
         * @return this builder
         * @throws IllegalArgumentException if either is out of range
         */
        public Builder perSourceNetBlockSize(int v4, int v6) {
            if (v4 < 0 || v4 > 32 || v6 < 0 || v6 > 128) {
                throw new IllegalArgumentException("PerSourceNetBlockSize needs 0..32 and 0..128: " + v4 + ":" + v6);
            }
            this.netBlockV4 = v4;
            this.netBlockV6 = v6;
            return this;
        }

        /**
         * {@code PerSourcePenalties}; {@link PerSourcePenalties#off()} by default.
         *
         * @param p the penalties
         * @return this builder
         */
        public Builder penalties(PerSourcePenalties p) {
            this.penalties = Objects.requireNonNull(p);
            return this;
        }

        /**
         * The random source of the MaxStartups drop decision, for tests that want it seeded;
         * used from the accept thread only. Null (the default) uses {@code ThreadLocalRandom}.
         *
         * @param r the random source, or null
         * @return this builder
         */
        public Builder random(RandomGenerator r) {
            this.random = r;
            return this;
        }

        /**
         * Whether every connection must begin with a PROXY protocol v1 or v2 header, whose address then stands for
         * the client's. Off by default; turn it on only behind a proxy that sends one.
         *
         * @param on true to require the header
         * @return this builder
         */
        public Builder proxyProtocol(boolean on) {
            this.proxyProtocol = on;
            return this;
        }

        /**
         * How long a connection may take to send its PROXY protocol header before it is closed (default 5 seconds).
         *
         * @param d the timeout
         * @return this builder
         */
        public Builder proxyHeaderTimeout(Duration d) {
            this.proxyHeaderTimeout = Objects.requireNonNull(d);
            return this;
        }

        /**
         * The limits.
         *
         * @return the limits
         */
        public ServerLimits build() {
            return new ServerLimits(this);
        }
    }
}
