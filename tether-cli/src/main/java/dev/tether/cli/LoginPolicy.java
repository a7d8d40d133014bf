package dev.tether.cli;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What one login may do in {@code tether server}: the {@code Match} blocks it meets applied over
 * the config file's global section, and the flags over both ({@code --chroot}, {@code --sftp-only},
 * {@code --no-forwarding} hold for every user, whatever a Match block says; {@code --no-forwarding}
 * is DisableForwarding for everyone). Immutable.
 *
 * @param chroot                 the directory SFTP (and SCP) see as {@code /}, tokens expanded; null: not jailed
 * @param forcedSftp             {@code ForceCommand internal-sftp}'s sftp-server flags; null: not forced
 * @param tcpForwarding          AllowTcpForwarding (DisableForwarding, --no-forwarding and --sftp-only applied)
 * @param streamLocalForwarding  AllowStreamLocalForwarding (DisableForwarding and --sftp-only applied)
 * @param agentForwarding        AllowAgentForwarding (DisableForwarding, --no-agent-forwarding and --sftp-only applied)
 * @param gatewayPorts           GatewayPorts: {@code no}, {@code yes} or {@code clientspecified}
 * @param permitOpen             PermitOpen entries ({@code any} by default)
 * @param permitListen           PermitListen entries ({@code any} by default)
 * @param passwordAuthentication whether this login may have used a password (a validator refuses it otherwise)
 * @param pubkeyAuthentication   whether this login may have used a key
 * @param x11Forwarding          X11Forwarding, off unless set (DisableForwarding and --sftp-only applied)
 */
record LoginPolicy(Path chroot, SftpServerCommand.Flags forcedSftp, ServerSettings.Forwarding tcpForwarding,
                   ServerSettings.Forwarding streamLocalForwarding, boolean agentForwarding, String gatewayPorts,
                   List<String> permitOpen, List<String> permitListen, boolean passwordAuthentication,
                   boolean pubkeyAuthentication, boolean x11Forwarding) {
    LoginPolicy {
        permitOpen = List.copyOf(permitOpen);
        permitListen = List.copyOf(permitListen);
    }

    /**
     * Resolves the policy of {@code user} logging in from {@code address}.
     *
     * @param home the home directory, for {@code %h} in ChrootDirectory
     * @throws IllegalArgumentException a ChrootDirectory with {@code %u} and a user name that is no file name
     */
    static LoginPolicy resolve(ServerSettings s, Path home, String user, String address) {
        SshdMatch.Values m = SshdMatch.resolve(s.matches, user, address);
        Path jail = s.chroot != null ? s.chroot.toAbsolutePath().normalize()
                : chrootPath(m.get("chrootdirectory", s.chrootDirectory), home, user);
        java.util.Optional<SftpServerCommand.Flags> forced = m.get("forcecommand", s.forceCommand);
        boolean off = s.sftpOnly || s.noForwarding || Boolean.TRUE.equals(m.get("disableforwarding", s.disableForwarding));
        ServerSettings.Forwarding tcp = off || s.noForwarding ? ServerSettings.Forwarding.NONE
                : orAll(m.get("allowtcpforwarding", s.forwarding));
        ServerSettings.Forwarding local = off ? ServerSettings.Forwarding.NONE
                : orAll(m.get("allowstreamlocalforwarding", s.streamLocalForwarding));
        boolean agent = !off && !s.noAgentForwarding && !Boolean.FALSE.equals(m.get("allowagentforwarding", s.agentForwarding));
        boolean x11 = !off && Boolean.TRUE.equals(m.get("x11forwarding", s.x11Forwarding));
        String gateway = m.get("gatewayports", s.gatewayPorts);
        List<String> open = m.get("permitopen", s.permitOpen);
        List<String> listen = m.get("permitlisten", s.permitListen);
        return new LoginPolicy(jail, forced == null ? null : forced.orElse(null), tcp, local, agent,
                gateway == null ? "no" : gateway, open == null ? List.of("any") : open, listen == null ? List.of("any") : listen,
                !Boolean.FALSE.equals(m.get("passwordauthentication", s.passwordAuthentication)),
                !Boolean.FALSE.equals(m.get("pubkeyauthentication", s.pubkeyAuthentication)), x11);
    }

    private static ServerSettings.Forwarding orAll(ServerSettings.Forwarding f) {
        return f != null ? f : ServerSettings.Forwarding.ALL;
    }

    /** Whether SFTP and SCP are confined to {@link #chroot}. */
    boolean jailed() {
        return chroot != null;
    }

    /** Whether the user gets SFTP and nothing else ({@code ForceCommand internal-sftp}). */
    boolean sftpForced() {
        return forcedSftp != null;
    }

    /**
     * The channel types the user may use: {@code session}, and those of the forwarding this
     * policy allows (the library refuses the forwarding whose channel type is missing).
     */
    Set<String> channelTypes() {
        Set<String> t = new LinkedHashSet<>();
        t.add("session");
        if (tcpForwarding.local()) {
            t.add("direct-tcpip");
        }
        if (tcpForwarding.remote()) {
            t.add("forwarded-tcpip");
        }
        if (streamLocalForwarding.local()) {
            t.add("direct-streamlocal@openssh.com");
        }
        if (streamLocalForwarding.remote()) {
            t.add("forwarded-streamlocal@openssh.com");
        }
        if (agentForwarding) {
            t.add("auth-agent@openssh.com");
        }
        if (x11Forwarding) {
            t.add("x11");
        }
        return Set.copyOf(t);
    }

    /** PermitOpen: whether {@code direct-tcpip} to {@code host:port} is allowed ({@code any}, {@code none}, or an entry matches). */
    boolean permitsOpen(String host, int port) {
        return permits(permitOpen, host, port, false);
    }

    /** PermitListen: whether a remote forward may listen on {@code host:port}. */
    boolean permitsListen(String host, int port) {
        return permits(permitListen, host, port, true);
    }

    /** GatewayPorts as the library's enum. */
    dev.tether.ssh.policy.GatewayPorts gateway() {
        return switch (gatewayPorts) {
            case "yes" -> dev.tether.ssh.policy.GatewayPorts.YES;
            case "clientspecified" -> dev.tether.ssh.policy.GatewayPorts.CLIENT_SPECIFIED;
            default -> dev.tether.ssh.policy.GatewayPorts.NO;
        };
    }

    /** PermitOpen/PermitListen entries (checked when the file was read) matched as sshd and authorized_keys match them. */
    private static boolean permits(List<String> entries, String host, int port, boolean listen) {
        if (entries.contains("any")) {
            return true;
        }
        List<dev.tether.ssh.keys.AuthorizedKeys.HostPort> parsed = new java.util.ArrayList<>();
        for (String e : entries) {
            try {
                parsed.add(dev.tether.ssh.keys.AuthorizedKeys.HostPort.parse(e, listen));
            } catch (dev.tether.ssh.common.SshException | RuntimeException ex) {
                // "none", or an entry the parser has refused already: it allows nothing
            }
        }
        return listen ? dev.tether.ssh.keys.AuthorizedKeys.HostPort.anyListens(parsed, host, port)
                : dev.tether.ssh.keys.AuthorizedKeys.HostPort.anyOpens(parsed, host, port);
    }

    /**
     * A ChrootDirectory as written, expanded: null for none; {@code %h} the home directory,
     * {@code %u} the user name, {@code %%} a percent sign, a leading {@code ~} the home directory.
     *
     * @throws IllegalArgumentException an unknown token, or {@code %u} with a user name that is no
     *                                  single file name (it would reach outside the directory)
     */
    static Path chrootPath(String spec, Path home, String user) {
        if (spec == null || spec.equalsIgnoreCase("none")) {
            return null;
        }
        String p = Cli.expandTokens(spec, t -> switch (t) {
            case 'h' -> home.toString();
            case 'u' -> {
                if (user.isEmpty() || user.contains("/") || user.equals(".") || user.equals("..")) {
                    throw new IllegalArgumentException("user name '" + user + "' cannot be used in a ChrootDirectory path");
                }
                yield user;
            }
            default -> null;
        }, "%h, %u and %%");
        if (p.equals("~") || p.startsWith("~/")) {
            return p.length() == 1 ? home : home.resolve(p.substring(2));
        }
        return Path.of(p).normalize();
    }
}
