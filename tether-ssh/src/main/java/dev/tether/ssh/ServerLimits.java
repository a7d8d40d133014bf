package dev.tether.ssh;

import java.time.Duration;
import java.util.Objects;

/**
 * Server-wide limits of an {@link SshServer}, the ones that concern connections as a crowd rather
 * than one connection (those live in {@link TransportConfig}). Immutable; build with
 * {@link #builder()}.
 *
 * <ul>
 *   <li>{@code MaxStartups start:rate:full} as in sshd_config: once {@code start} connections are
 *       unauthenticated, new ones are refused with probability {@code rate}% rising linearly to
 *       100% at {@code full}. Tether first evicts the stalest unauthenticated connection that has
 *       not finished its key exchange before it refuses anyone.</li>
 *   <li>{@code PerSourceMaxStartups}: unauthenticated connections from one source address.</li>
 *   <li>PROXY protocol v1/v2: when on, every connection must begin with a valid header, and the
 *       address it names is the one validators, penalties and logs see. The header is read off
 *       the accept thread within {@code proxyHeaderTimeout}; a connection without a valid one is
 *       closed without a reply. At most {@code full} (of MaxStartups) connections may wait for
 *       their header at once.</li>
 * </ul>
 */
public final class ServerLimits {
    private final int maxStartupsBegin;
    private final int maxStartupsRate;
    private final int maxStartupsFull;
    private final int perSourceMaxStartups;
    private final boolean proxyProtocol;
    private final Duration proxyHeaderTimeout;

    private ServerLimits(Builder b) {
        this.maxStartupsBegin = b.maxStartupsBegin;
        this.maxStartupsRate = b.maxStartupsRate;
        this.maxStartupsFull = b.maxStartupsFull;
        this.perSourceMaxStartups = b.perSourceMaxStartups;
        this.proxyProtocol = b.proxyProtocol;
        this.proxyHeaderTimeout = b.proxyHeaderTimeout;
    }

    /** sshd's defaults: MaxStartups 10:30:100, no per-source limit, no PROXY protocol. */
    public static ServerLimits defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxStartupsBegin = maxStartupsBegin;
        b.maxStartupsRate = maxStartupsRate;
        b.maxStartupsFull = maxStartupsFull;
        b.perSourceMaxStartups = perSourceMaxStartups;
        b.proxyProtocol = proxyProtocol;
        b.proxyHeaderTimeout = proxyHeaderTimeout;
        return b;
    }

    public int maxStartupsBegin() {
        return maxStartupsBegin;
    }

    public int maxStartupsRate() {
        return maxStartupsRate;
    }

    public int maxStartupsFull() {
        return maxStartupsFull;
    }

    /** The most unauthenticated connections from one source address; 0 for no limit. */
    public int perSourceMaxStartups() {
        return perSourceMaxStartups;
    }

    public boolean proxyProtocol() {
        return proxyProtocol;
    }

    public Duration proxyHeaderTimeout() {
        return proxyHeaderTimeout;
    }

    public static final class Builder {
        private int maxStartupsBegin = 10;
        private int maxStartupsRate = 30;
        private int maxStartupsFull = 100;
        private int perSourceMaxStartups;
        private boolean proxyProtocol;
        private Duration proxyHeaderTimeout = Duration.ofSeconds(5);

        private Builder() {
        }

        /** {@code MaxStartups start:rate:full}; {@code start == full} refuses every one past it. */
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

        /** {@code MaxStartups N}: refuse every unauthenticated connection past N. */
        public Builder maxStartups(int n) {
            return maxStartups(n, 100, n);
        }

        public Builder perSourceMaxStartups(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("perSourceMaxStartups must be >= 0");
            }
            this.perSourceMaxStartups = n;
            return this;
        }

        public Builder proxyProtocol(boolean on) {
            this.proxyProtocol = on;
            return this;
        }

        public Builder proxyHeaderTimeout(Duration d) {
            this.proxyHeaderTimeout = Objects.requireNonNull(d);
            return this;
        }

        public ServerLimits build() {
            return new ServerLimits(this);
        }
    }
}
