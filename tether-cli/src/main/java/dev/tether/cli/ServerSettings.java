package dev.tether.cli;

import dev.tether.sftp.policy.SftpRoot;
import dev.tether.sftp.SftpServer;
import dev.tether.ssh.Avatar;
import dev.tether.ssh.Portal;
import dev.tether.ssh.Realm;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.auth.HtpasswdFile;
import dev.tether.ssh.auth.PasswordChecker;
import dev.tether.ssh.auth.PublicKeyChecker;
import dev.tether.ssh.keys.AuthorizedKeys;
import dev.tether.ssh.policy.ConnectionValidator;
import dev.tether.ssh.policy.DefaultConnectionValidator;
import dev.tether.ssh.policy.ServerLimits;

import java.io.IOException;
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

/**
 * Everything {@code tether server} is told, from {@code --config FILE} (see {@link SshdConfig})
 * and then the command-line flags, which override the file. Null or empty means "not set":
 * the defaults are applied when the library objects are built here.
 */
final class ServerSettings {
    /** The subsystem command that means Tether's own SFTP server, as sshd's {@code Subsystem sftp internal-sftp}. */
    static final String INTERNAL_SFTP = "internal-sftp";
    static final String DEFAULT_LISTEN = "127.0.0.1";
    static final int DEFAULT_PORT = 2222;

    /** One ListenAddress: a host and, if it named one, a port. */
    record Listen(String host, Integer port) {
    }

    /** AllowTcpForwarding: which directions are allowed. */
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
    }

    final List<Listen> listenAddresses = new ArrayList<>();
    final List<Integer> ports = new ArrayList<>();
    final List<Path> hostKeys = new ArrayList<>();
    /** AuthorizedKeysFile: null for ~/.ssh/authorized_keys, empty for none; may hold %h, %u, %%. */
    List<String> authorizedKeysFiles;
    Path passwords;
    Path root;
    /** ChrootDirectory / --chroot: SFTP and SCP see it as /; shell and exec are refused. Null: none. */
    Path chroot;
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
    Forwarding forwarding;
    /** AcceptEnv patterns; null for the library's default (LANG, LC_*). */
    List<String> acceptEnv;
    /** Subsystem name to command line. */
    final Map<String, String> subsystems = new LinkedHashMap<>();
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

    Forwarding forwarding() {
        return sftpOnly ? Forwarding.NONE : forwarding != null ? forwarding : Forwarding.ALL;
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
        Portal.Builder b = Portal.builder().realm(realm());
        if (chroot == null) {
            // a process cannot be jailed: under a chroot, shell and exec (other than SCP, served in Java) are refused
            b.processSessions(start);
        }
        b
                .keyboardInteractive(kbdInteractiveAuthentication == null || kbdInteractiveAuthentication);
        if (pubkeyAuthentication == null || pubkeyAuthentication) {
            PublicKeyChecker keys = authorizedKeys(home, user);
            if (keys != null) {
                b.publicKeys(keys);
            }
        }
        if (passwords != null && (passwordAuthentication == null || passwordAuthentication)) {
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
        SftpServer sftp = sftpServer(start);
        effectiveSubsystems().forEach((name, command) -> {
            if (command.equals(INTERNAL_SFTP)) {
                b.subsystem(name, sftp);
            } else {
                b.subsystemCommand(name, command);
            }
        });
        if (!sftpOnly) {
            // scp -t / scp -f (OpenSSH's scp -O) in Java, on the same root as SFTP
            b.commands(sftp::scpCommand);
        }
        return b.build();
    }

    /** Tether's SFTP (and SCP) server: the jail under a chroot, else the whole file system starting in --root. */
    SftpServer sftpServer(Path start) {
        SftpRoot r = chroot != null ? SftpRoot.jail(chroot.toAbsolutePath().normalize()) : SftpRoot.host(start);
        return SftpServer.builder().root(r).build();
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
     * What a user may do: sessions always; shell and exec unless turned off; the forwarding
     * channel types AllowTcpForwarding permits (the library refuses forwarding until it is
     * implemented, and then honours the avatar's channel types).
     */
    private Realm realm() {
        boolean shell = !noShell && !sftpOnly;
        boolean exec = !noExec && !sftpOnly;
        Forwarding fwd = forwarding();
        Set<String> types = switch (fwd) {
            case ALL -> Set.of("session", "direct-tcpip", "forwarded-tcpip");
            case LOCAL -> Set.of("session", "direct-tcpip");
            case REMOTE -> Set.of("session", "forwarded-tcpip");
            case NONE -> Set.of("session");
        };
        return (user, login) -> new Avatar() {
            @Override
            public String username() {
                return user;
            }

            @Override
            public Set<String> channelTypes() {
                return types;
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
        return out;
    }
}
