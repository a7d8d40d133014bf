package dev.tether.cli;

import dev.tether.ssh.keys.HostPatterns;
import dev.tether.ssh.policy.ConnectionValidator;
import dev.tether.ssh.policy.Login;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * sshd_config's {@code AllowUsers} and {@code DenyUsers}: patterns {@code USER} or
 * {@code USER@HOST}, where USER has the wildcards {@code *} and {@code ?} and HOST is a wildcard
 * pattern matched against the client's address (no DNS names, as sshd with {@code UseDNS no})
 * or an {@code ADDRESS/MASKLEN} CIDR. DenyUsers is checked first; a non-empty AllowUsers admits
 * only the users it matches.
 *
 * <p>Unlike sshd, which fails the authentication of a user it does not allow, this runs after
 * the credentials have passed (a validator sees the login only then): the login is refused
 * with a DISCONNECT (11, by application) whose message names the user and the rule.
 */
final class UserAccess implements ConnectionValidator {
    private final List<String> allow;
    private final List<String> deny;

    UserAccess(List<String> allow, List<String> deny) {
        this.allow = List.copyOf(allow);
        this.deny = List.copyOf(deny);
    }

    @Override
    public Verdict acceptHost(Peer peer) {
        return Verdict.accept();
    }

    @Override
    public Verdict acceptIdentification(Login login) {
        String user = login.username();
        String host = login.connection().remoteHost();
        if (deny.stream().anyMatch(p -> matches(p, user, host))) {
            return Verdict.deny(Reason.SECURITY, "user " + user + " is not allowed to log in (DenyUsers)");
        }
        if (!allow.isEmpty() && allow.stream().noneMatch(p -> matches(p, user, host))) {
            return Verdict.deny(Reason.SECURITY, "user " + user + " is not allowed to log in (not in AllowUsers)");
        }
        return Verdict.accept();
    }

    static boolean matches(String pattern, String user, String host) {
        int at = pattern.lastIndexOf('@');
        if (at < 0) {
            return HostPatterns.wildcardMatch(user, pattern);
        }
        if (!HostPatterns.wildcardMatch(user, pattern.substring(0, at))) {
            return false;
        }
        String hostPattern = pattern.substring(at + 1);
        if (hostPattern.indexOf('/') >= 0) {
            try {
                return HostPatterns.isValidCidrList(hostPattern)
                        && HostPatterns.matchCidrList(InetAddress.getByName(host), hostPattern);
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return HostPatterns.wildcardMatch(host, hostPattern);
    }
}
