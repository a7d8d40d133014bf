package dev.tether.ssh.policy;

import dev.tether.ssh.keys.HostPatterns;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Penalties for source addresses that misbehave before they authenticate, after OpenSSH 9.8's
 * {@code PerSourcePenalties} and {@code PerSourcePenaltyExemptList}. Immutable; part of
 * {@link ServerLimits}.
 *
 * <p>When an unauthenticated connection ends, its source network (the address masked to
 * {@link ServerLimits#perSourceNetBlockSizeV4()} / {@code V6} bits) is charged a penalty by how it
 * ended:
 * <ul>
 *   <li>{@code authfail}: it made one or more failed authentication attempts;</li>
 *   <li>{@code noauth}: it never attempted authentication: closed early, or sent garbage that
 *       ended the connection with a protocol error;</li>
 *   <li>{@code grace-exceeded}: it did not authenticate within the login grace time;</li>
 *   <li>{@code crash}: its input caused an internal error in the server.</li>
 * </ul>
 * Connections that authenticated are never charged, and neither are the ones Tether itself
 * evicted or closed (MaxStartups eviction, {@link dev.tether.ssh.SshServer#close()}). Charges from one source
 * add up, capped at {@code max}; once more than {@code min} is outstanding, new connections from
 * that network are refused, before the version exchange, with our version line and an
 * unencrypted DISCONNECT code 1 (HOST_NOT_ALLOWED_TO_CONNECT, the validator reason
 * {@link ConnectionValidator.Reason#HOST_BLOCKED}) whose message names the penalty, e.g.
 * {@code penalty: failed authentication (refused for 4 s)}. The outstanding time runs down and the
 * source is admitted again when it reaches zero. Connections already open are not affected.
 *
 * <p>At most {@code maxSources4} IPv4 and {@code maxSources6} IPv6 networks are tracked. When a
 * table is full, {@link Overflow#PERMISSIVE} forgets the penalties that expire soonest, and
 * {@link Overflow#DENY_ALL} refuses every new connection of that family until entries expire.
 * Addresses in the exempt list (CIDRs or single addresses) are never charged nor refused.
 *
 * <p><b>Off by default</b> ({@link #off()}), unlike sshd 9.8: penalties are keyed on the source
 * address, so when users share an address (NAT, a proxy, a bastion, a CI runner) a crowd of bad
 * connections from it would lock the real users out. Turn them on with {@link #openSshDefaults()}
 * or {@link #builder()}, and list shared or trusted addresses with
 * {@link Builder#exempt(List)}. Not modelled: {@code invaliduser} and {@code refuseconnection}
 * (Tether's policy does not tell an unknown user from a failed one), and a separate
 * {@code overflow6} mode (one mode applies to both families).
 */
public final class PerSourcePenalties {
    /** What happens when the table of penalised networks of one address family is full. */
    public enum Overflow {
        /** Forget the penalties that expire soonest to make room (sshd's default). */
        PERMISSIVE,
        /** Refuse every new connection of that family until penalties expire. */
        DENY_ALL
    }

    private static final PerSourcePenalties OFF = new PerSourcePenalties(new Builder(), false);

    private final boolean enabled;
    private final Duration crash;
    private final Duration authFail;
    private final Duration noAuth;
    private final Duration graceExceeded;
    private final Duration max;
    private final Duration min;
    private final int maxSources4;
    private final int maxSources6;
    private final Overflow overflow;
    private final List<String> exempt;

    private PerSourcePenalties(Builder b, boolean enabled) {
        this.enabled = enabled;
        this.crash = b.crash;
        this.authFail = b.authFail;
        this.noAuth = b.noAuth;
        this.graceExceeded = b.graceExceeded;
        this.max = b.max;
        this.min = b.min;
        this.maxSources4 = b.maxSources4;
        this.maxSources6 = b.maxSources6;
        this.overflow = b.overflow;
        this.exempt = List.copyOf(b.exempt);
    }

    /**
     * No penalties: the default of {@link ServerLimits}.
     *
     * @return the shared settings with penalties off
     */
    public static PerSourcePenalties off() {
        return OFF;
    }

    /**
     * OpenSSH 9.8's defaults: crash 90 s, authfail 5 s, noauth 1 s, grace-exceeded 10 s, max 10
     * min, min 15 s, 65536 sources per family, permissive overflow, nothing exempt.
     *
     * @return penalties on, with those settings
     */
    public static PerSourcePenalties openSshDefaults() {
        return builder().build();
    }

    /**
     * A builder starting from {@link #openSshDefaults()}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder starting from these settings (building it turns penalties on).
     *
     * @return a new builder holding these settings
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.crash = crash;
        b.authFail = authFail;
        b.noAuth = noAuth;
        b.graceExceeded = graceExceeded;
        b.max = max;
        b.min = min;
        b.maxSources4 = maxSources4;
        b.maxSources6 = maxSources6;
        b.overflow = overflow;
        b.exempt = exempt;
        return b;
    }

    /**
     * Whether penalties are on: false only for {@link #off()}.
     *
     * @return true if sources are charged and refused
     */
    public boolean enabled() {
        return enabled;
    }

    /**
     * The penalty for a connection whose input caused an internal error ({@code crash}).
     *
     * @return the duration charged; zero charges nothing
     */
    public Duration crash() {
        return crash;
    }

    /**
     * The penalty for a connection that failed authentication ({@code authfail}).
     *
     * @return the duration charged; zero charges nothing
     */
    public Duration authFail() {
        return authFail;
    }

    /**
     * The penalty for a connection that never attempted authentication ({@code noauth}).
     *
     * @return the duration charged; zero charges nothing
     */
    public Duration noAuth() {
        return noAuth;
    }

    /**
     * The penalty for a connection that did not authenticate within the login grace time ({@code grace-exceeded}).
     *
     * @return the duration charged; zero charges nothing
     */
    public Duration graceExceeded() {
        return graceExceeded;
    }

    /**
     * The most penalty time a source can accumulate.
     *
     * @return the cap on a source's outstanding penalty
     */
    public Duration max() {
        return max;
    }

    /**
     * Outstanding penalty time beyond which a source is refused.
     *
     * @return the threshold; a source is refused while more than this is outstanding
     */
    public Duration min() {
        return min;
    }

    /**
     * The most IPv4 source networks tracked at once ({@code max-sources4}).
     *
     * @return the table size, at least 1
     */
    public int maxSources4() {
        return maxSources4;
    }

    /**
     * The most IPv6 source networks tracked at once ({@code max-sources6}).
     *
     * @return the table size, at least 1
     */
    public int maxSources6() {
        return maxSources6;
    }

    /**
     * What happens when a family's table is full ({@code overflow}).
     *
     * @return the overflow mode
     */
    public Overflow overflow() {
        return overflow;
    }

    /**
     * Addresses and CIDRs never penalised ({@code PerSourcePenaltyExemptList}).
     *
     * @return the exempt addresses and CIDRs, unmodifiable
     */
    public List<String> exempt() {
        return exempt;
    }

    @Override
    public String toString() {
        if (!enabled) {
            return "PerSourcePenalties[off]";
        }
        return "PerSourcePenalties[crash:" + crash.toMillis() + "ms authfail:" + authFail.toMillis()
                + "ms noauth:" + noAuth.toMillis() + "ms grace-exceeded:" + graceExceeded.toMillis()
                + "ms max:" + max.toMillis() + "ms min:" + min.toMillis() + "ms max-sources4:" + maxSources4
                + " max-sources6:" + maxSources6 + " overflow:" + overflow + " exempt:" + exempt + "]";
    }

    /**
     * Builds {@link PerSourcePenalties}, starting from {@link #openSshDefaults()}; what it builds has penalties on.
     * Not thread-safe.
     */
    public static final class Builder {
        private Duration crash = Duration.ofSeconds(90);
        private Duration authFail = Duration.ofSeconds(5);
        private Duration noAuth = Duration.ofSeconds(1);
        private Duration graceExceeded = Duration.ofSeconds(10);
        private Duration max = Duration.ofMinutes(10);
        private Duration min = Duration.ofSeconds(15);
        private int maxSources4 = 65536;
        private int maxSources6 = 65536;
        private Overflow overflow = Overflow.PERMISSIVE;
        private List<String> exempt = List.of();

        private Builder() {
        }

        private static Duration check(String what, Duration d) {
            if (Objects.requireNonNull(d, what).isNegative()) {
                throw new IllegalArgumentException(what + " must not be negative: " + d);
            }
            return d;
        }

        /**
         * {@code crash:duration}; zero charges nothing.
         *
         * @param d the penalty; not negative
         * @return this builder
         * @throws IllegalArgumentException if {@code d} is negative
         */
        public Builder crash(Duration d) {
            this.crash = check("crash", d);
            return this;
        }

        /**
         * {@code authfail:duration}; zero charges nothing.
         *
         * @param d the penalty; not negative
         * @return this builder
         * @throws IllegalArgumentException if {@code d} is negative
         */
        public Builder authFail(Duration d) {
            this.authFail = check("authfail", d);
            return this;
        }

        /**
         * {@code noauth:duration}; zero charges nothing.
         *
         * @param d the penalty; not negative
         * @return this builder
         * @throws IllegalArgumentException if {@code d} is negative
         */
        public Builder noAuth(Duration d) {
            this.noAuth = check("noauth", d);
            return this;
        }

        /**
         * {@code grace-exceeded:duration}; zero charges nothing.
         *
         * @param d the penalty; not negative
         * @return this builder
         * @throws IllegalArgumentException if {@code d} is negative
         */
        public Builder graceExceeded(Duration d) {
            this.graceExceeded = check("grace-exceeded", d);
            return this;
        }

        /**
         * {@code max:duration}.
         *
         * @param d the cap on a source's outstanding penalty; not negative
         * @return this builder
         * @throws IllegalArgumentException if {@code d} is negative
         */
        public Builder max(Duration d) {
            this.max = check("max", d);
            return this;
        }

        /**
         * {@code min:duration}.
         *
         * @param d the outstanding penalty beyond which a source is refused; not negative
         * @return this builder
         * @throws IllegalArgumentException if {@code d} is negative
         */
        public Builder min(Duration d) {
            this.min = check("min", d);
            return this;
        }

        /**
         * {@code max-sources4} and {@code max-sources6}.
         *
         * @param v4 the most IPv4 networks tracked, at least 1
         * @param v6 the most IPv6 networks tracked, at least 1
         * @return this builder
         * @throws IllegalArgumentException if either is below 1
         */
        public Builder maxSources(int v4, int v6) {
            if (v4 < 1 || v6 < 1) {
                throw new IllegalArgumentException("max-sources must be >= 1: " + v4 + ", " + v6);
            }
            this.maxSources4 = v4;
            this.maxSources6 = v6;
            return this;
        }

        /**
         * {@code overflow} (for both address families).
         *
         * @param o the overflow mode
         * @return this builder
         */
        public Builder overflow(Overflow o) {
            this.overflow = Objects.requireNonNull(o);
            return this;
        }

        /**
         * {@code PerSourcePenaltyExemptList}: addresses or CIDRs, e.g. {@code 10.0.0.0/8}.
         *
         * @param cidrs the addresses and CIDRs never charged nor refused; replaces any earlier list
         * @return this builder
         * @throws IllegalArgumentException if an entry is not an address or CIDR
         */
        public Builder exempt(List<String> cidrs) {
            for (String c : cidrs) {
                if (!HostPatterns.isValidCidrList(Objects.requireNonNull(c))) {
                    throw new IllegalArgumentException("not an address or CIDR: " + c);
                }
            }
            this.exempt = List.copyOf(cidrs);
            return this;
        }

        /**
         * The settings, with penalties on.
         *
         * @return the penalties
         * @throws IllegalArgumentException if {@code min} exceeds {@code max}
         */
        public PerSourcePenalties build() {
            if (min.compareTo(max) > 0) {
                throw new IllegalArgumentException("min " + min + " exceeds max " + max);
            }
            return new PerSourcePenalties(this, true);
        }
    }
}
