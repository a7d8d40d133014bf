package dev.tether.cli;

import dev.tether.ssh.Portal;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.keys.KeyFiles;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.PassphraseProvider;
import dev.tether.ssh.keys.SignatureAlgorithms;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code tether server}: an SSH server on embedded defaults (see ../shared/CLI.md). Users log in
 * with the keys of an authorized_keys file (as the server's OS user) or, with
 * {@code --passwords}, by password; {@code exec} and {@code shell} run real processes, on a
 * pseudo-terminal when the client asks for one (through tether-pty, on the class path), unless
 * the key's authorized_keys entry says {@code no-pty} or {@code restrict}. Settings come from
 * {@code --config FILE} (a subset of sshd_config with Match blocks, {@link SshdConfig},
 * {@link SshdMatch}) and then the flags, which override it ({@link ServerSettings}); what each
 * login may do is its {@link LoginPolicy}. Events are logged one line each on stderr.
 */
@Command(name = "server", mixinStandardHelpOptions = true, versionProvider = Tether.Version.class,
        description = {"Run an SSH server as the invoking user.",
                "Sessions run real processes; the sftp subsystem is Tether's own SFTP server (internal-sftp; tether "
                        + "sftp-server is the same on stdin/stdout), and scp -t/-f run in Java "
                        + "on the same files. Flags override --config, Match blocks included. SIGTERM closes the "
                        + "listener, lets open connections end (up to 30 s; a second signal ends them at once) and exits 0."},
        footer = {"", "Exit status: 0 after SIGTERM or SIGINT, 2 for bad flags or a bad --config file (FILE:LINE named), "
                + "1 if the server cannot start."})
final class ServerCommand implements Callable<Integer> {
    /** How long SIGTERM lets open connections run on before closing them. */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(30);

    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "ADDR", description = "address to bind (default 127.0.0.1)")
    String listen;

    @Option(names = "--port", paramLabel = "N", description = "port; 0 picks a free one (default 2222)")
    Integer port;

    @Option(names = "--host-key", paramLabel = "PATH",
            description = "host private key (OpenSSH or PEM); repeatable (default ~/.tether/ssh_host_ed25519_key, generated)")
    List<Path> hostKeys = new ArrayList<>();

    @Option(names = "--authorized-keys", paramLabel = "PATH",
            description = "OpenSSH authorized_keys; its keys log in as this OS user (default ~/.ssh/authorized_keys)")
    Path authorizedKeys;

    @Option(names = "--passwords", paramLabel = "PATH",
            description = "user:HASH lines with bcrypt hashes (htpasswd -B); enables password and keyboard-interactive")
    Path passwords;

    @Option(names = "--root", paramLabel = "DIR", description = "working directory of sessions and the sftp subsystem (default: the current directory)")
    Path root;

    @Option(names = "--chroot", paramLabel = "DIR",
            description = "SFTP and SCP see DIR as / and cannot leave it; shell and exec are refused (as sshd's ChrootDirectory); "
                    + "holds for every user, Match blocks included")
    Path chroot;

    @Option(names = "--no-shell", description = "refuse shell requests")
    boolean noShell;

    @Option(names = "--no-exec", description = "refuse exec requests (commands)")
    boolean noExec;

    @Option(names = "--no-forwarding", description = "refuse all forwarding: TCP, Unix sockets, agent (as DisableForwarding yes)")
    boolean noForwarding;

    @Option(names = "--no-agent-forwarding", description = "refuse agent forwarding (as AllowAgentForwarding no)")
    boolean noAgentForwarding;

    @Option(names = "--sftp-only", description = "allow only the sftp subsystem: no shell, exec or forwarding")
    boolean sftpOnly;

    @Option(names = "--config", paramLabel = "FILE",
            description = "read these sshd_config keywords (unknown ones are warned about): " + "Port, ListenAddress, HostKey, "
                    + "AuthorizedKeysFile, PasswordAuthentication, PubkeyAuthentication, KbdInteractiveAuthentication, "
                    + "PermitEmptyPasswords, MaxAuthTries, MaxSessions, MaxStartups, LoginGraceTime, AllowUsers, DenyUsers, "
                    + "Ciphers, MACs, KexAlgorithms, HostKeyAlgorithms, Banner, ClientAliveInterval, ClientAliveCountMax, "
                    + "AllowTcpForwarding, AllowStreamLocalForwarding, AllowAgentForwarding, DisableForwarding, GatewayPorts, "
                    + "PermitOpen, PermitListen, AcceptEnv, Subsystem (internal-sftp takes tether sftp-server's flags), "
                    + "ChrootDirectory (%%h, %%u), ForceCommand internal-sftp|none, PerSourceMaxStartups, PerSourceNetBlockSize, "
                    + "PerSourcePenalties, PerSourcePenaltyExemptList, UnusedConnectionTimeout, ChannelTimeout, "
                    + "X11Forwarding (default no), X11DisplayOffset, X11UseLocalhost yes; "
                    + "Match User|Address|Host|All blocks with ChrootDirectory, ForceCommand, the forwarding keywords, "
                    + "PasswordAuthentication and PubkeyAuthentication")
    Path config;

    @Option(names = "--max-connections", paramLabel = "N", description = "most connections open at once (default: no limit)")
    Integer maxConnections;

    @Option(names = "--max-startups", paramLabel = "START:RATE:FULL",
            description = "refuse unauthenticated connections past START with RATE%% chance, all past FULL; or N (default 10:30:100)")
    String maxStartups;

    @Option(names = "--max-auth-tries", paramLabel = "N", description = "failed authentication attempts per connection (default 6)")
    Integer maxAuthTries;

    @Option(names = "--max-sessions", paramLabel = "N", description = "open sessions per connection (default 10)")
    Integer maxSessions;

    @Option(names = "--login-grace-time", paramLabel = "SECONDS",
            description = "time allowed to log in, in seconds or as 2m, 1h30m; 0 for no limit (default 120)")
    String loginGraceTime;

    @Option(names = "--allow", paramLabel = "CIDR", description = "admit only these addresses (ADDR or ADDR/LEN); repeatable")
    List<String> allow = new ArrayList<>();

    @Option(names = "--deny", paramLabel = "CIDR", description = "refuse these addresses; repeatable; wins over --allow")
    List<String> deny = new ArrayList<>();

    @Option(names = "--proxy-protocol", description = "expect a PROXY protocol v1/v2 header on every connection (behind a load balancer)")
    boolean proxyProtocol;

    @Option(names = "-v", description = "debug logging (-vv: trace)")
    boolean[] verbose = new boolean[0];

    @Override
    public Integer call() throws Exception {
        configureLogging(verbose.length);
        ServerSettings settings = new ServerSettings();
        if (config != null) {
            try {
                SshdConfig.read(config, settings, System.err);
            } catch (SshdConfig.ConfigException e) {
                Cli.error(System.err, "tether", e.getMessage());
                return 2;
            }
        }
        applyFlags(settings);
        List<KeyPair> keys = new ArrayList<>();
        if (settings.hostKeys.isEmpty()) {
            keys.add(defaultHostKey());
        } else {
            for (Path p : settings.hostKeys) {
                keys.add(KeyFiles.readPrivateKey(p, PassphraseProvider.none()));
            }
        }
        Portal portal = settings.portal(Cli.home(), Cli.localUser());
        TransportConfig transportConfig = settings.transportConfig(keys, portal);
        List<SshServer> servers = new ArrayList<>();
        List<String> bound = new ArrayList<>();
        try {
            for (ServerSettings.Listen l : settings.endpoints()) {
                SshServer server = SshServer.start(l.host(), l.port(), transportConfig, settings.limits());
                server.setValidators(settings.validators());
                servers.add(server);
                bound.add((l.host().indexOf(':') >= 0 ? "[" + l.host() + "]" : l.host()) + ":" + server.port());
            }
        } catch (IOException e) {
            servers.forEach(SshServer::close);
            throw e;
        }
        return serve(servers, bound, keys, portal, settings);
    }

    /** Flags override the config file. */
    private void applyFlags(ServerSettings s) {
        if (listen != null) {
            s.listenAddresses.clear();
            s.listenAddresses.add(new ServerSettings.Listen(listen, null));
        }
        if (port != null) {
            if (port < 0 || port > 65535) {
                throw usage("--port: bad port number " + port);
            }
            s.ports.clear();
            s.ports.add(port);
            s.listenAddresses.replaceAll(l -> new ServerSettings.Listen(l.host(), null));
        }
        if (!hostKeys.isEmpty()) {
            s.hostKeys.clear();
            s.hostKeys.addAll(hostKeys);
        }
        if (authorizedKeys != null) {
            s.authorizedKeysFiles = List.of(authorizedKeys.toAbsolutePath().toString());
        }
        if (passwords != null) {
            // the credentials; PasswordAuthentication no in the config file still turns the method off
            s.passwords = passwords;
        }
        if (root != null) {
            s.root = root;
        }
        if (chroot != null) {
            if (!java.nio.file.Files.isDirectory(chroot)) {
                throw usage("--chroot: " + chroot + " is not a directory");
            }
            s.chroot = chroot;
        }
        s.noShell |= noShell;
        s.noExec |= noExec;
        s.sftpOnly |= sftpOnly;
        s.noForwarding |= noForwarding;
        s.noAgentForwarding |= noAgentForwarding;
        if (maxConnections != null) {
            s.maxConnections = atLeast("--max-connections", maxConnections, 1);
        }
        if (maxStartups != null) {
            try {
                s.maxStartups = ServerSettings.parseMaxStartups(maxStartups);
            } catch (IllegalArgumentException e) {
                throw usage("--max-startups: " + e.getMessage());
            }
        }
        if (maxAuthTries != null) {
            s.maxAuthTries = atLeast("--max-auth-tries", maxAuthTries, 1);
        }
        if (maxSessions != null) {
            s.maxSessions = atLeast("--max-sessions", maxSessions, 0);
        }
        if (loginGraceTime != null) {
            try {
                s.loginGraceTime = SshdConfig.time(loginGraceTime);
            } catch (IllegalArgumentException e) {
                throw usage("--login-grace-time: " + e.getMessage());
            }
        }
        if (!allow.isEmpty()) {
            s.allow.clear();
            s.allow.addAll(allow);
        }
        if (!deny.isEmpty()) {
            s.deny.clear();
            s.deny.addAll(deny);
        }
        s.proxyProtocol |= proxyProtocol;
        try {
            s.validators();
        } catch (IllegalArgumentException e) {
            throw usage("--allow/--deny: " + e.getMessage());
        }
    }

    private int atLeast(String flag, int value, int min) {
        if (value < min) {
            throw usage(flag + ": must be at least " + min);
        }
        return value;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** Prints where it listens, waits for SIGTERM or SIGINT, then shuts down gracefully. */
    private int serve(List<SshServer> servers, List<String> bound, List<KeyPair> keys, Portal portal,
                      ServerSettings settings) throws InterruptedException {
        CountDownLatch stopRequested = new CountDownLatch(1);
        CompletableFuture<Void> stopNow = new CompletableFuture<>();
        // SIGTERM and SIGINT stop the server gracefully and the command exits 0 (CLI.md); a plain
        // shutdown hook would leave the JVM's exit status at 128+signal. A second signal stops
        // waiting for open connections.
        for (String name : new String[]{"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
                    if (stopRequested.getCount() == 0) {
                        stopNow.complete(null);
                    }
                    stopRequested.countDown();
                });
            } catch (IllegalArgumentException e) {
                // the signal is not available here; the shutdown hook below still closes the server
            }
        }
        Thread hook = new Thread(() -> servers.forEach(SshServer::close), "tether-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        for (String b : bound) {
            System.out.println("listening on " + b);
        }
        for (KeyPair kp : keys) {
            String alg = SignatureAlgorithms.algorithmsFor(kp.getPublic()).get(0);
            System.out.println("host key " + SignatureAlgorithms.keyType(alg) + " "
                    + SignatureAlgorithms.fingerprint(SignatureAlgorithms.encodePublicKey(kp.getPublic())));
        }
        System.out.flush();
        // stderr: stdout's first lines are fixed (see CLI.md)
        System.err.println("tether: pseudo-terminals " + portal.ptySpawner().map(sp -> "through " + sp.name())
                .orElse("refused (tether-pty is not on the class path)"));
        Map<String, String> subsystems = settings.effectiveSubsystems();
        System.err.println("tether: subsystems " + (subsystems.isEmpty() ? "none" : subsystems.toString()));
        System.err.flush();
        stopRequested.await();
        servers.forEach(SshServer::stopAccepting);
        List<CompletableFuture<Void>> open = new ArrayList<>();
        servers.forEach(s -> s.connections().forEach(t -> open.add(t.closeFuture())));
        if (!open.isEmpty()) {
            System.err.println("tether: stopping; waiting up to " + SHUTDOWN_GRACE.toSeconds() + " s for "
                    + open.size() + " connection(s) to end");
            System.err.flush();
            try {
                CompletableFuture.anyOf(CompletableFuture.allOf(open.toArray(CompletableFuture[]::new)), stopNow)
                        .get(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                // close what is left below
            }
        }
        servers.forEach(SshServer::close);
        Runtime.getRuntime().removeShutdownHook(hook);
        System.err.println("tether: stopped");
        System.err.flush();
        return 0;
    }

    /**
     * slf4j-simple on stderr: one line per event with its time ({@code dev.tether.ssh.events} at
     * INFO), other library messages at INFO; {@code -v} debug, {@code -vv} trace. A level set
     * with {@code -Dorg.slf4j.simpleLogger.defaultLogLevel} stands unless {@code -v} is given.
     */
    static void configureLogging(int verbosity) {
        String level = "org.slf4j.simpleLogger.defaultLogLevel";
        if (System.getProperty(level) == null || verbosity > 0) {
            System.setProperty(level, verbosity <= 0 ? "info" : verbosity == 1 ? "debug" : "trace");
        }
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
        setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
        setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
        setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** {@code ~/.tether/ssh_host_ed25519_key}, generated on first start. */
    private static KeyPair defaultHostKey() throws Exception {
        Path dir = Cli.home().resolve(".tether");
        Path file = dir.resolve("ssh_host_ed25519_key");
        if (Files.exists(file)) {
            return OpenSshKeyFile.read(file);
        }
        Files.createDirectories(dir);
        KeyPair kp = SignatureAlgorithms.generate("ssh-ed25519", 0);
        OpenSshKeyFile.write(file, kp, "tether-host-key");
        Files.writeString(dir.resolve("ssh_host_ed25519_key.pub"), OpenSshKeyFile.publicKeyLine(kp.getPublic(), "tether-host-key") + "\n");
        return kp;
    }
}
