package dev.tether.ssh.policy;

import dev.tether.ssh.keys.HostPatterns;

import java.util.List;
import java.util.Objects;

/**
 * The default validator: a maximum number of connections, and CIDR allow and deny lists for IPv4
 * and IPv6 (deny wins; a non-empty allow list admits only what it lists). Immutable and
 * thread-safe.
 */
public final class DefaultConnectionValidator implements ConnectionValidator {
    private final int maxConnections;
    private final List<String> allow;
    private final List<String> deny;

    /**
     * A validator with a connection limit and CIDR lists.
     *
     * @param maxConnections the most connections open at once; 0 for no limit
     * @param allow          CIDRs or addresses admitted (empty: all)
     * @param deny           CIDRs or addresses refused
     */
    public DefaultConnectionValidator(int maxConnections, List<String> allow, List<String> deny) {
        this.maxConnections = maxConnections;
        this.allow = List.copyOf(allow);
        this.deny = List.copyOf(deny);
        for (String c : this.allow) {
            check(c);
        }
        for (String c : this.deny) {
            check(c);
        }
    }

    private static void check(String cidr) {
        Objects.requireNonNull(cidr);
        if (!HostPatterns.isValidCidrList(cidr)) {
            throw new IllegalArgumentException("not an address or CIDR: " + cidr);
        }
    }

    @Override
    public Verdict acceptHost(Peer peer) {
        java.net.InetAddress a = peer.remote().getAddress();
        for (String c : deny) {
            if (HostPatterns.matchCidrList(a, c)) {
                return Verdict.deny(Reason.HOST_BLOCKED, "connections from " + a.getHostAddress() + " are not allowed");
            }
        }
        if (!allow.isEmpty() && allow.stream().noneMatch(c -> HostPatterns.matchCidrList(a, c))) {
            return Verdict.deny(Reason.HOST_BLOCKED, "connections from " + a.getHostAddress() + " are not allowed");
        }
        if (maxConnections > 0 && peer.total() >= maxConnections) {
            return Verdict.deny(Reason.SERVER_TOO_BUSY, "too many connections (" + maxConnections + ")");
        }
        return Verdict.accept();
    }
}
