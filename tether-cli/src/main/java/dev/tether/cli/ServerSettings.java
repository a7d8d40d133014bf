package dev.tether.cli;

import dev.tether.sftp.SftpServer;
import dev.tether.sftp.policy.SftpRoot;
import dev.tether.ssh.Avatar;
import dev.tether.ssh.Portal;
import dev.tether.ssh.Realm;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.auth.HtpasswdFile;
import dev.tether.ssh.auth.PasswordChecker;
import dev.tether.ssh.auth.PublicKeyChecker;
import dev.tether.ssh.common.Channel;
import dev.tether.ssh.keys.AuthorizedKeys;
import dev.tether.ssh.policy.Command;
import dev.tether.ssh.policy.ConnectionValidator;
import dev.tether.ssh.policy.DefaultConnectionValidator;
import dev.tether.ssh.policy.Login;
import dev.tether.ssh.policy.ServerLimits;
import dev.tether.ssh.policy.SubsystemHandler;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Everything {@code tether server} is told, from {@code --config FILE} (see {@link SshdConfig})
 * and then the command-line flags, which override the file. Null or empty means "not set":
 * the defaults are applied when the library objects are built here. The fields hold the file's
 * global section; its Match blocks ({@link #matches}) may differ per login, and
 * {@link #forLogin} resolves what one login gets ({@link LoginPolicy}), which the realm, the SFTP
 * roots and a validator then apply.
 */
final class ServerSettings {
    /** The subsystem command that means Tether's own SFTP server, as sshd's {@code Subsystem sftp internal-sftp}. */
    static final String INTERNAL_SFTP = "internal-sftp";
    static final String DEFAULT_LISTEN = "127.0.0.1";
    static final int DEFAULT_PORT = 2222;

    /** One ListenAddress: a host and, if it named one, a port. */
    record Listen(String host, Integer port) {
    }

    /** AllowTcpForwarding, AllowStreamLocalForwarding: which directions are allowed. */
    enum Forwarding {
        ALL, LOCAL, REMOTE, NONE;

        static Forwarding parse(String v) {
            return switch (v.toLowerCase(Locale.ROOT)) {
                case "yes", "all" -> ALL;
                case "local" -> LOCAL;
                case "remote" -> REMOTE;
                case "no" -> NONE;
                default -> throw new IllegalArgumentException("expected yes, no, all, local or remote, not '" + v + "'");
            };
        }

        /** Whether forwarding from the client's side (direct-tcpip, -L) is allowed. */
        boolean local() {
            return this == ALL || this == LOCAL;
        }

        /** Whether forwarding from the server's side (tcpip-forward, -R) is allowed. */
        boolean remote() {
            return this == ALL || this == REMOTE;
        }
    }

    final List<Listen> listenAddresses = new ArrayList<>();
    final List<Integer> ports = new ArrayList<>();
    final List<Path> hostKeys = new ArrayList<>();
    /** AuthorizedKeysFile: null for ~/.ssh/authorized_keys, empty for none; may hold %h, %u, %%. */
    List<String> authorizedKeysFiles;
    Path passwords;
    Path root;
    /** --chroot: every user's SFTP and SCP see it as /, whatever the config file says; no shell or other command. Null: none. */
    Path chroot;
    /** The global section's ChrootDirectory as written (%h, %u, %%; "none"); null: not set. Match blocks may override it. */
    String chrootDirectory;
    /** The global section's ForceCommand: internal-sftp's flags, or empty for "none"; null: not set. */
    Optional<SftpServerCommand.Flags> forceCommand;
    Boolean passwordAuthentication;
    Boolean pubkeyAuthentication;
    Boolean kbdInteractiveAuthentication;
    Boolean permitEmptyPasswords;
    Integer maxAuthTries;
    Integer maxSessions;
    Integer maxConnections;
    ServerLimits.Builder maxStartups;
    Duration loginGraceTime;
    final List<String> allowUsers = new ArrayList<>();
    final List<String> denyUsers = new ArrayList<>();
    final List<String> allow = new ArrayList<>();
    final List<String> deny = new ArrayList<>();
    List<String> ciphers;
    List<String> macs;
    List<String> kexAlgorithms;
    List<String> hostKeyAlgorithms;
    /** The banner text; empty for none. */
    String banner;
    Duration clientAliveInterval;
    Integer clientAliveCountMax;
    /** PerSourceMaxStartups (0: none), PerSourceNetBlockSize {v4, v6}, PerSourcePenalties and its exempt list. */
    Integer perSourceMaxStartups;
    int[] netBlockSize;
    dev.tether.ssh.policy.PerSourcePenalties penalties;
    List<String> penaltyExempt;
    /** UnusedConnectionTimeout (ZERO: none) and ChannelTimeout TYPE=INTERVAL, in file order. */
    Duration unusedConnectionTimeout;
    java.util.Map<String, Duration> channelTimeouts;
    /**
     * AllowTcpForwarding, AllowStreamLocalForwarding, AllowAgentForwarding, DisableForwarding,
     * GatewayPorts, PermitOpen, PermitListen of the global section; null: not set.
     */
    Forwarding forwarding;
    Forwarding streamLocalForwarding;
    Boolean agentForwarding;
    Boolean disableForwarding;
    String gatewayPorts;
    List<String> permitOpen;
    List<String> permitListen;
    /** --no-forwarding: every kind of forwarding off for every user, as DisableForwarding yes. */
    boolean noForwarding;
    /** X11Forwarding of the global section (null: not set, which is off); X11DisplayOffset (null: 10). */
    Boolean x11Forwarding;
    Integer x11DisplayOffset;
    /** --no-agent-forwarding: agent forwarding off for every user. */
    boolean noAgentForwarding;
    /** The Match blocks of the config file, in file order. */
    final List<SshdMatch> matches = new ArrayList<>();
    /** AcceptEnv patterns; null for the library's default (LANG, LC_*). */
    List<String> acceptEnv;
    /** Subsystem name to command line. */
    final Map<String, String> subsystems = new LinkedHashMap<>();
    /** The sftp-server flags of each subsystem served by internal-sftp (none given: absent). */
    final Map<String, SftpServerCommand.Flags> internalSftp = new LinkedHashMap<>();
    boolean noShell;
    boolean noExec;
    boolean sftpOnly;
    boolean proxyProtocol;

    /**
     * {@code MaxStartups} / {@code --max-startups}: {@code START:RATE:FULL}, or a bare {@code N}
     * (refuse every unauthenticated connection past N).
     */
    static ServerLimits.Builder parseMaxStartups(String v) {
        String[] f = v.split(":", -1);
        try {
            if (f.length == 1) {
                return ServerLimits.builder().maxStartups(Integer.parseInt(f[0]));
            }
            if (f.length == 3) {
                return ServerLimits.builder().maxStartups(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]));
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("expected START:RATE:FULL or N, not '" + v + "'");
    }

    // ------------------------------------------------------------------ what gets built

    /** Where to listen: every ListenAddress with its own port or each Port (default 127.0.0.1:2222). */
    List<Listen> endpoints() {
        List<Integer> ps = ports.isEmpty() ? List.of(DEFAULT_PORT) : ports;
        List<Listen> addrs = listenAddresses.isEmpty() ? List.of(new Listen(DEFAULT_LISTEN, null)) : listenAddresses;
        List<Listen> out = new ArrayList<>();
        for (Listen l : addrs) {
            if (l.port() != null) {
                out.add(l);
            } else {
                ps.forEach(p -> out.add(new Listen(l.host(), p)));
            }
        }
        return out;
    }

    /** AllowTcpForwarding of the global section, --sftp-only and --no-forwarding applied (a Match block may differ: {@link #forLogin}). */
    Forwarding forwarding() {
        return sftpOnly || noForwarding ? Forwarding.NONE : forwarding != null ? forwarding : Forwarding.ALL;
    }

    /** What {@code user} logging in from {@code address} may do: the Match blocks applied over the global section. */
    LoginPolicy forLogin(Path home, String user, String address) {
        return LoginPolicy.resolve(this, home, user, address);
    }

    /** Whether a subsystem's command line is Tether's own SFTP server ({@code internal-sftp [flags]}). */
    static boolean isInternalSftp(String command) {
        return command.equals(INTERNAL_SFTP) || command.startsWith(INTERNAL_SFTP + " ");
    }

    /**
     * Whether every login is jailed by the global ChrootDirectory (no Match block may change it)
     * or --chroot: then no OS process is started at all, and exec reaches only what runs in Java.
     */
    private boolean everyoneJailed() {
        return chroot != null || chrootDirectory != null && !chrootDirectory.equalsIgnoreCase("none")
                && !SshdMatch.anySets(matches, Set.of("chrootdirectory"));
    }

    /** Whether the global section, or a Match block for some users, leaves an authentication method on. */
    private boolean methodOn(String keyword, Boolean global) {
        return !Boolean.FALSE.equals(global) || matches.stream().anyMatch(m -> Boolean.TRUE.equals(m.values().get(keyword)));
    }

    /**
     * The subsystems served, name to command line: those configured, and {@code sftp} by Tether's
     * own server ({@value #INTERNAL_SFTP}) unless configured otherwise; under --sftp-only, only
     * {@code sftp}.
     */
    Map<String, String> effectiveSubsystems() {
        Map<String, String> out = new LinkedHashMap<>(subsystems);
        out.putIfAbsent("sftp", INTERNAL_SFTP);
        if (sftpOnly) {
            out.keySet().retainAll(Set.of("sftp"));
        }
        return out;
    }

    /** The session and authentication policy. */
    Portal portal(Path home, String user) throws IOException {
        Path start = (root != null ? root : Path.of("")).toAbsolutePath().normalize();
        SftpServers sftp = new SftpServers(home, start);
        // a process cannot be jailed: when every user is, no process is started at all; otherwise the
        // avatar of a jailed or sftp-forced user refuses the shell, and its exec reaches no process
        boolean processes = !everyoneJailed();
        Portal.Builder b = Portal.builder().realm(realm(home, processes, sftp));
        if (processes) {
            b.processSessions(start);
        }
        b
                .keyboardInteractive(kbdInteractiveAuthentication == null || kbdInteractiveAuthentication);
        if (methodOn("pubkeyauthentication", pubkeyAuthentication)) {
            PublicKeyChecker keys = authorizedKeys(home, user);
            if (keys != null) {
                b.publicKeys(keys);
            }
        }
        if (passwords != null && methodOn("passwordauthentication", passwordAuthentication)) {
            PasswordChecker file = HtpasswdFile.load(passwords);
            boolean empty = permitEmptyPasswords != null && permitEmptyPasswords;
            // PermitEmptyPasswords no: an empty password never logs in, whatever the file says
            b.passwords(empty ? file : (u, pw) -> pw.isEmpty() ? CompletableFuture.completedFuture(false) : file.check(u, pw));
        }
        if (banner != null && !banner.isEmpty()) {
            b.banner(banner);
        }
        if (acceptEnv != null) {
            b.acceptEnv(acceptEnv);
        }
        if (x11DisplayOffset != null) {
            b.x11DisplayOffset(x11DisplayOffset);
        }
        effectiveSubsystems().forEach((name, command) -> {
            if (isInternalSftp(command)) {
                b.subsystem(name, sftp);
            } else {
                b.subsystemCommand(name, command);
            }
        });
        if (!sftpOnly) {
            // scp -t / scp -f (OpenSSH's scp -O) in Java, on the same roots and flags as the sftp subsystem
            b.commands(sftp::scpCommand);
        }
        return b.build();
    }

    /**
     * Tether's SFTP (and SCP) servers: one per set of sftp-server flags (a Subsystem's, a
     * ForceCommand's), each serving a login the root its {@link LoginPolicy} gives: a jail for a
     * jailed user (starting in -d inside it, else /), else the whole file system starting in -d
     * (relative to --root) or --root. As a subsystem handler it serves a login with its
     * ForceCommand's flags if it has one, else with the subsystem's. Thread-safe.
     */
    private final class SftpServers implements SubsystemHandler {
        private final Path home;
        private final Path start;
        private final Map<SftpServerCommand.Flags, SftpServer> servers = new ConcurrentHashMap<>();

        SftpServers(Path home, Path start) {
            this.home = home;
            this.start = start;
        }

        /** {@code scp -t}/{@code scp -f} in Java with the sftp subsystem's flags, on the login's root; null for another command line. */
        Command scpCommand(String line) {
            return server(internalSftp.getOrDefault("sftp", SftpServerCommand.Flags.NONE)).scpCommand(line);
        }

        SftpServer server(SftpServerCommand.Flags flags) {
            return servers.computeIfAbsent(flags, f -> f.apply(SftpServer.builder()).root(login -> root(login, f)).build());
        }

        private SftpRoot root(Login login, SftpServerCommand.Flags flags) {
            LoginPolicy p = forLogin(home, login.username(), address(login));
            String d = flags.startDir(home.toString(), login.username());
            if (p.jailed()) {
                return SftpRoot.jail(p.chroot(), d == null ? "/" : d.startsWith("/") ? d : "/" + d);
            }
            return SftpRoot.host(d == null ? start : start.resolve(d).normalize());
        }

        @Override
        public void run(Channel channel, String name, Login login) throws Exception {
            LoginPolicy p = forLogin(home, login.username(), address(login));
            SftpServerCommand.Flags flags = p.sftpForced() ? p.forcedSftp() : internalSftp.getOrDefault(name, SftpServerCommand.Flags.NONE);
            server(flags).run(channel, name, login);
        }
    }

    private static String address(Login login) {
        return login.connection() == null ? null : login.connection().remoteHost();
    }

    /**
     * What a jailed user's exec of anything but SCP runs while other users may start processes:
     * an error and exit status 1, as a command missing from sshd's chroot fails (the exec request
     * itself must succeed for SCP, which runs in Java in the jail).
     */
    private static final Command NO_COMMAND_IN_JAIL = context -> {
        context.stderr().write(("tether: no command can run in this account's jail (ChrootDirectory); "
                + "it has SFTP and SCP only\n").getBytes(StandardCharsets.UTF_8));
        context.stderr().flush();
        return 1;
    };

    /** A subsystem a jailed user may not start: it would run a program, which cannot be jailed. */
    private static SubsystemHandler refusedInJail(String command) {
        return (channel, name, login) -> {
            String why = "subsystem " + name + " runs a program (" + command + "), which cannot be jailed (ChrootDirectory)";
            channel.getErrorOutputStream().write((why + "\n").getBytes(StandardCharsets.UTF_8));
            channel.getErrorOutputStream().flush();
            throw new IOException(why);
        };
    }

    /** The keys of the AuthorizedKeysFile files, tried in order; null if none. */
    private PublicKeyChecker authorizedKeys(Path home, String user) {
        List<String> names = authorizedKeysFiles != null ? authorizedKeysFiles : List.of("~/.ssh/authorized_keys");
        List<PublicKeyChecker> checkers = new ArrayList<>();
        for (String name : names) {
            String expanded = name.replace("%%", "\0").replace("%h", home.toString()).replace("%u", user).replace("\0", "%");
            Path p = Path.of(Cli.expandTilde(expanded));
            checkers.add(AuthorizedKeysChecker.forUser(user, p.isAbsolute() ? p : home.resolve(p)));
        }
        if (checkers.isEmpty()) {
            return null;
        }
        return (u, key, t) -> {
            CompletionStage<Optional<AuthorizedKeys.Match>> stage = checkers.get(0).check(u, key, t);
            for (PublicKeyChecker next : checkers.subList(1, checkers.size())) {
                stage = stage.thenCompose(m -> m.isPresent() ? CompletableFuture.completedFuture(m) : next.check(u, key, t));
            }
            return stage;
        };
    }

    /**
     * What a user may do, by their {@link LoginPolicy}: sessions always; shell and exec unless
     * turned off. A ForceCommand internal-sftp user gets neither (nor SCP), and every subsystem
     * is SFTP for them, as in sshd. A jailed user gets no shell, and exec runs SCP in Java in the
     * jail and nothing else: when no process can start at all, other command lines are refused;
     * otherwise the avatar answers them with {@link #NO_COMMAND_IN_JAIL}, so they never reach
     * an OS process. A jailed user's program-backed subsystems are refused. The channel types
     * are those of the forwarding the policy allows, and PermitOpen, PermitListen and
     * GatewayPorts are the avatar's.
     */
    private Realm realm(Path home, boolean processes, SftpServers sftp) {
        Map<String, String> subsystems = effectiveSubsystems();
        return (user, login) -> {
            LoginPolicy p = forLogin(home, user, address(login));
            boolean shell = !noShell && !sftpOnly && !p.sftpForced() && !p.jailed();
            boolean exec = !noExec && !sftpOnly && !p.sftpForced();
            Map<String, SubsystemHandler> own = new LinkedHashMap<>();
            subsystems.forEach((name, command) -> {
                if (p.sftpForced()) {
                    own.put(name, sftp);
                } else if (p.jailed() && !isInternalSftp(command)) {
                    own.put(name, refusedInJail(command));
                }
            });
            Set<String> types = p.channelTypes();
            return new Avatar() {
                @Override
                public String username() {
                    return user;
                }

                @Override
                public Set<String> channelTypes() {
                    return types;
                }

                @Override
                public Map<String, SubsystemHandler> subsystems() {
                    return own;
                }

                @Override
                public Command command(String commandLine) {
                    if (!p.jailed()) {
                        return null;
                    }
                    Command scp = commandLine == null ? null : sftp.scpCommand(commandLine);
                    return scp != null ? scp : processes ? NO_COMMAND_IN_JAIL : null;
                }

                @Override
                public boolean permitOpen(String host, int port) {
                    return p.permitsOpen(host, port);
                }

                @Override
                public boolean permitListen(String host, int port) {
                    return p.permitsListen(host, port);
                }

                @Override
                public dev.tether.ssh.policy.GatewayPorts gatewayPorts() {
                    return p.gateway();
                }

                @Override
                public boolean shellAllowed() {
                    return shell;
                }

                @Override
                public boolean execAllowed() {
                    return exec;
                }
            };
        };
    }

    /** The transport configuration: host keys, policy, limits per connection, algorithms. */
    TransportConfig transportConfig(List<KeyPair> keys, Portal portal) {
        TransportConfig.Builder b = TransportConfig.builder().hostKeys(keys).serverInterface(portal.serverInterface());
        if (maxAuthTries != null) {
            b.maxAuthTries(maxAuthTries);
        }
        if (loginGraceTime != null) {
            // LoginGraceTime 0: no limit, as in sshd
            b.loginGraceTime(loginGraceTime.isZero() ? Duration.ofDays(3650) : loginGraceTime);
        }
        if (ciphers != null) {
            b.ciphers(ciphers);
        }
        if (macs != null) {
            b.macs(macs);
        }
        if (kexAlgorithms != null) {
            b.kexAlgorithms(kexAlgorithms);
        }
        if (hostKeyAlgorithms != null) {
            b.hostKeyAlgorithms(hostKeyAlgorithms);
        }
        applyPerConnection(b);
        return b.build();
    }

    /** MaxSessions, ClientAliveInterval and ClientAliveCountMax, when given; else the library's defaults (sshd's). */
    void applyPerConnection(TransportConfig.Builder b) {
        if (maxSessions != null) {
            b.maxSessions(maxSessions);
        }
        if (clientAliveInterval != null) {
            b.clientAliveInterval(clientAliveInterval);
        }
        if (clientAliveCountMax != null) {
            b.clientAliveCountMax(clientAliveCountMax);
        }
        if (unusedConnectionTimeout != null) {
            b.unusedConnectionTimeout(unusedConnectionTimeout);
        }
        if (channelTimeouts != null) {
            channelTimeouts.forEach(b::channelTimeout);
        }
    }

    ServerLimits limits() {
        ServerLimits.Builder b = maxStartups != null ? maxStartups : ServerLimits.builder();
        if (perSourceMaxStartups != null) {
            b.perSourceMaxStartups(perSourceMaxStartups);
        }
        if (netBlockSize != null) {
            b.perSourceNetBlockSize(netBlockSize[0], netBlockSize[1]);
        }
        if (penalties != null) {
            b.penalties(penaltyExempt == null || !penalties.enabled() ? penalties
                    : penalties.toBuilder().exempt(penaltyExempt).build());
        }
        return b.proxyProtocol(proxyProtocol).build();
    }

    /** --max-connections, --allow, --deny; AllowUsers and DenyUsers. */
    List<ConnectionValidator> validators() {
        List<ConnectionValidator> out = new ArrayList<>();
        if (maxConnections != null || !allow.isEmpty() || !deny.isEmpty()) {
            out.add(new DefaultConnectionValidator(maxConnections != null ? maxConnections : 0, allow, deny));
        }
        if (!allowUsers.isEmpty() || !denyUsers.isEmpty()) {
            out.add(new UserAccess(allowUsers, denyUsers));
        }
        if (SshdMatch.anySets(matches, Set.of("passwordauthentication", "pubkeyauthentication"))) {
            out.add(new MethodsPerLogin());
        }
        return out;
    }

    /**
     * PasswordAuthentication and PubkeyAuthentication of Match blocks: the methods are offered to
     * everyone some block allows them to, and a login that used a method its own policy turns
     * off is refused once the credentials have passed (as {@link UserAccess} refuses users).
     */
    private final class MethodsPerLogin implements ConnectionValidator {
        @Override
        public Verdict acceptHost(Peer peer) {
            return Verdict.accept();
        }

        @Override
        public Verdict acceptIdentification(Login login) {
            SshdMatch.Values m = SshdMatch.resolve(matches, login.username(), address(login));
            for (String[] method : new String[][]{{"password", "passwordauthentication", "PasswordAuthentication"},
                    {"publickey", "pubkeyauthentication", "PubkeyAuthentication"}}) {
                Boolean global = method[0].equals("password") ? passwordAuthentication : pubkeyAuthentication;
                if (login.methods().contains(method[0]) && Boolean.FALSE.equals(m.get(method[1], global))) {
                    return Verdict.deny(Reason.SECURITY, method[0] + " authentication is not allowed for user "
                            + login.username() + " (" + method[2] + " no)");
                }
            }
            return Verdict.accept();
        }
    }
}
