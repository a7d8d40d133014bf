package dev.tether.cli;

import dev.tether.ssh.AuthenticationException;
import dev.tether.ssh.Channel;
import dev.tether.ssh.DisconnectReason;
import dev.tether.ssh.InteractiveQuery;
import dev.tether.ssh.KeyboardInteractiveHandler;
import dev.tether.ssh.NegotiationException;
import dev.tether.ssh.PtyRequest;
import dev.tether.ssh.SshException;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.agent.AgentClient;
import dev.tether.ssh.agent.Identity;
import dev.tether.ssh.auth.ClientAuthenticator;
import dev.tether.ssh.keys.HostPatterns;
import dev.tether.ssh.keys.SignatureAlgorithms;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code tether ssh}: OpenSSH's client on the Tether library. Reads ssh_config, checks host
 * keys against known_hosts, authenticates as ssh(1) does (publickey from the agent and identity
 * files, then keyboard-interactive and password when a person is at the terminal), then runs a
 * command with its streams passed through byte for byte, or an interactive shell on a pty with
 * the local terminal in raw mode. Exits with the remote status, or 255 when the connection or
 * authentication fails.
 */
@Command(name = "ssh", mixinStandardHelpOptions = true, versionProvider = Tether.Version.class, sortOptions = false,
        separator = " ",
        modelTransformer = SshCommand.Options.class,
        customSynopsis = {"tether ssh [-GNnqTtv] [-F CONFIG] [-i IDENTITY] [-l USER]",
                "                  [-o KEY=VALUE] [-p PORT] [USER@]HOST [COMMAND...]"},
        description = {"Log in to a host, or run a command there.",
                "Exits with the remote command's status, or 255 if the connection or authentication fails."})
final class SshCommand implements Callable<Integer> {
    static final int FAILURE = 255;
    private static final List<String> DEFAULT_PREFERRED = List.of("publickey", "keyboard-interactive", "password");
    private static final long WINDOW_POLL_MILLIS = 500;

    @Option(names = "-p", paramLabel = "PORT", description = "port to connect to (default 22)")
    String port;

    @Option(names = "-l", paramLabel = "USER", description = "user to log in as")
    String user;

    @Option(names = "-i", paramLabel = "IDENTITY", description = "private key file; repeatable")
    List<String> identities = new ArrayList<>();

    @Option(names = "-F", paramLabel = "CONFIG", description = "configuration file instead of ~/.ssh/config (none: no file)")
    String configFile;

    @Option(names = "-o", paramLabel = "KEY=VALUE", description = "an ssh_config option; repeatable; wins over the files")
    List<String> options = new ArrayList<>();

    @Option(names = "-t", description = "force a pseudo-terminal; twice: even when stdin is not a terminal")
    boolean[] forceTty = new boolean[0];

    @Option(names = "-T", description = "no pseudo-terminal")
    boolean noTty;

    @Option(names = "-N", description = "no remote command: just keep the connection open")
    boolean noCommand;

    @Option(names = "-n", description = "read stdin from /dev/null")
    boolean nullStdin;

    @Option(names = "-q", description = "quiet: no warnings or diagnostics")
    boolean quiet;

    @Option(names = "-G", description = "print the configuration that applies to the host and exit")
    boolean printConfig;

    @Option(names = "-v", description = "verbose (debug) logging; repeat for more")
    boolean[] verbose = new boolean[0];

    @Parameters(paramLabel = "[USER@]HOST [COMMAND...]", arity = "0..*",
            description = "destination ([user@]host or ssh://[user@]host[:port]), then the command to run")
    List<String> args = new ArrayList<>();

    @Spec
    CommandSpec spec;

    private final PrintStream err = System.err;
    /** The -i files, which are warned about when missing (config IdentityFile lines are not). */
    private final Set<Path> cliIdentities = new LinkedHashSet<>();

    /**
     * Parsing stops at the destination, so that the command's own flags are left alone
     * ({@code tether ssh host ls -l}); options between the destination and the command are
     * parsed again in {@link #call()}, as ssh(1) allows.
     */
    static final class Options implements CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            spec.parser().stopAtPositional(true);
            return spec;
        }
    }

    // ---------------------------------------------------------------- settings

    /** What the command line and the configuration files settle on. */
    record Settings(String originalHost, String hostName, int port, String user, List<Path> identityFiles,
                    boolean identitiesOnly, String identityAgent, List<Path> knownHosts,
                    List<Path> globalKnownHosts, HostKeyCheck.Policy strict, Duration connectTimeout,
                    Duration serverAliveInterval, boolean batchMode, List<String> preferred, boolean pubkey,
                    boolean password, boolean kbdInteractive, int passwordPrompts, String requestTty,
                    String remoteCommand, String hostKeyAlias, boolean hashKnownHosts, int verbosity, boolean quiet,
                    Character escapeChar, List<String> setEnv, List<String> sendEnv, SshConfig config) {
    }

    @Override
    public Integer call() {
        if (args.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "a destination ([USER@]HOST) is required");
        }
        String destination = args.get(0);
        List<String> rest = new ArrayList<>(args.subList(1, args.size()));
        SshCommand after = null;
        if (!rest.isEmpty() && rest.get(0).equals("--")) {
            rest.remove(0);
        } else if (!rest.isEmpty() && rest.get(0).startsWith("-") && rest.get(0).length() > 1) {
            after = new SshCommand();
            CommandLine cl = new CommandLine(after);
            cl.parseArgs(rest.toArray(new String[0]));
            rest = new ArrayList<>(after.args);
            if (!rest.isEmpty() && rest.get(0).equals("--")) {
                rest.remove(0);
            }
        }
        identities.forEach(i -> cliIdentities.add(Path.of(Cli.expandTilde(i))));
        if (after != null) {
            after.identities.forEach(i -> cliIdentities.add(Path.of(Cli.expandTilde(i))));
        }
        int verbosity = quiet ? 0 : verbose.length + (after != null ? after.verbose.length : 0);
        Cli.configureLogging(verbosity);
        Settings s;
        try {
            s = settings(destination, after, verbosity);
        } catch (SshConfig.ConfigException e) {
            err.println(e.getMessage());
            return FAILURE;
        } catch (IOException e) {
            err.println("ssh: " + e.getMessage());
            return FAILURE;
        }
        if (verbosity > 0) {
            s.config().notes().forEach(n -> err.println("debug1: " + n));
        }
        String command = rest.isEmpty() ? null : String.join(" ", rest);
        if (printConfig || (after != null && after.printConfig)) {
            printSettings(s, command);
            return 0;
        }
        boolean noCmd = noCommand || (after != null && after.noCommand);
        if (command == null && !noCmd && s.remoteCommand() != null && !s.remoteCommand().equalsIgnoreCase("none")) {
            command = s.remoteCommand();
        }
        boolean devNull = nullStdin || (after != null && after.nullStdin);
        return new Session(s, command, noCmd, devNull).run();
    }

    private void printSettings(Settings s, String command) {
        PrintStream out = System.out;
        out.println("host " + s.originalHost());
        out.println("user " + s.user());
        out.println("hostname " + s.hostName());
        out.println("port " + s.port());
        out.println("batchmode " + yesNo(s.batchMode()));
        out.println("identitiesonly " + yesNo(s.identitiesOnly()));
        out.println("pubkeyauthentication " + yesNo(s.pubkey()));
        out.println("passwordauthentication " + yesNo(s.password()));
        out.println("kbdinteractiveauthentication " + yesNo(s.kbdInteractive()));
        out.println("hashknownhosts " + yesNo(s.hashKnownHosts()));
        out.println("stricthostkeychecking " + switch (s.strict()) {
            case YES -> "true";
            case NO -> "false";
            case ASK -> "ask";
            case ACCEPT_NEW -> "accept-new";
        });
        out.println("connecttimeout " + (s.connectTimeout() == null ? "none" : s.connectTimeout().toSeconds()));
        out.println("serveraliveinterval " + s.serverAliveInterval().toSeconds());
        out.println("numberofpasswordprompts " + s.passwordPrompts());
        out.println("requesttty " + s.requestTty());
        if (s.hostKeyAlias() != null) {
            out.println("hostkeyalias " + s.hostKeyAlias());
        }
        out.println("preferredauthentications " + String.join(",", s.preferred()));
        out.println("identityagent " + s.identityAgent());
        for (Path p : s.identityFiles()) {
            out.println("identityfile " + p);
        }
        out.println("userknownhostsfile " + String.join(" ", s.knownHosts().stream().map(Path::toString).toList()));
        out.println("globalknownhostsfile " + String.join(" ", s.globalKnownHosts().stream().map(Path::toString).toList()));
        if (command != null || s.remoteCommand() != null) {
            out.println("remotecommand " + (command != null ? command : s.remoteCommand()));
        }
        out.flush();
    }

    private static String yesNo(boolean b) {
        return b ? "yes" : "no";
    }

    /** Applies one segment of command-line flags (before or after the destination): first value wins. */
    private static void applyFlags(SshConfig cfg, SshCommand c) throws SshConfig.ConfigException {
        if (c.user != null) {
            cfg.setIfAbsent("user", c.user);
        }
        if (c.port != null) {
            cfg.setIfAbsent("port", c.port);
        }
        for (String i : c.identities) {
            cfg.add("identityfile", i);
        }
        for (String o : c.options) {
            cfg.applyOption(o);
        }
        if (c.forceTty.length > 0) {
            cfg.setIfAbsent("requesttty", c.forceTty.length > 1 ? "force" : "yes");
        } else if (c.noTty) {
            cfg.setIfAbsent("requesttty", "no");
        }
        if (c.quiet) {
            cfg.setIfAbsent("loglevel", "quiet");
        }
    }

    Settings settings(String destination, SshCommand after, int verbosity) throws IOException, SshConfig.ConfigException {
        String destUser = null;
        String destPort = null;
        String host = destination;
        if (destination.regionMatches(true, 0, "ssh://", 0, 6)) {
            host = destination.substring(6);
            if (host.endsWith("/")) {
                host = host.substring(0, host.length() - 1);
            }
            int at = host.lastIndexOf('@');
            if (at >= 0) {
                destUser = host.substring(0, at);
                host = host.substring(at + 1);
            }
            if (host.startsWith("[") && host.contains("]")) {
                int close = host.indexOf(']');
                if (host.length() > close + 1 && host.charAt(close + 1) == ':') {
                    destPort = host.substring(close + 2);
                }
                host = host.substring(1, close);
            } else if (host.indexOf(':') >= 0 && host.indexOf(':') == host.lastIndexOf(':')) {
                destPort = host.substring(host.indexOf(':') + 1);
                host = host.substring(0, host.indexOf(':'));
            }
        } else {
            int at = destination.lastIndexOf('@');
            if (at >= 0) {
                destUser = destination.substring(0, at);
                host = destination.substring(at + 1);
            }
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
        }
        if (host.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no host name in " + destination);
        }
        String localUser = Cli.localUser();
        SshConfig cfg = new SshConfig(host, localUser);
        applyFlags(cfg, this);
        if (destUser != null && !destUser.isEmpty()) {
            cfg.setIfAbsent("user", destUser);
        }
        if (destPort != null && !destPort.isEmpty()) {
            cfg.setIfAbsent("port", destPort);
        }
        if (after != null) {
            applyFlags(cfg, after);
        }
        String cfgFile = configFile != null ? configFile : after != null ? after.configFile : null;
        Path sshDir = Cli.home().resolve(".ssh");
        if (cfgFile != null) {
            if (!cfgFile.equalsIgnoreCase("none")) {
                cfg.readFile(Path.of(Cli.expandTilde(cfgFile)), true, sshDir);
            }
        } else {
            cfg.readFile(sshDir.resolve("config"), false, sshDir);
            cfg.readFile(Path.of("/etc/ssh/ssh_config"), false, Path.of("/etc/ssh"));
        }

        String hostName = cfg.get("hostname") != null ? cfg.expandHostName(cfg.get("hostname")) : cfg.originalHost();
        int p = parsePort(cfg.get("port") != null ? cfg.get("port") : "22");
        String u = cfg.get("user") != null ? cfg.get("user") : localUser;
        Tokens tokens = new Tokens(hostName, cfg.originalHost(), p, u, localUser);

        List<Path> ids = new ArrayList<>();
        for (String f : cfg.getAll("identityfile")) {
            if (!f.equalsIgnoreCase("none")) {
                ids.add(Path.of(tokens.expandPath(f)));
            }
        }
        if (ids.isEmpty()) {
            for (String name : List.of("id_rsa", "id_ecdsa", "id_ed25519")) {
                ids.add(sshDir.resolve(name));
            }
        }
        List<Path> known = new ArrayList<>();
        List<String> khValues = cfg.getAll("userknownhostsfile");
        if (khValues.isEmpty()) {
            khValues = List.of("~/.ssh/known_hosts", "~/.ssh/known_hosts2");
        }
        for (String f : khValues) {
            known.add(Path.of(f.equalsIgnoreCase("none") ? "/dev/null" : tokens.expandPath(f)));
        }
        List<Path> global = new ArrayList<>();
        List<String> gValues = cfg.getAll("globalknownhostsfile");
        if (gValues.isEmpty()) {
            gValues = List.of("/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2");
        }
        for (String f : gValues) {
            if (!f.equalsIgnoreCase("none")) {
                global.add(Path.of(tokens.expandPath(f)));
            }
        }
        String strictValue = cfg.get("stricthostkeychecking") != null ? cfg.get("stricthostkeychecking") : "ask";
        HostKeyCheck.Policy strict = HostKeyCheck.Policy.parse(strictValue);
        if (strict == null) {
            throw new SshConfig.ConfigException("unsupported option \"stricthostkeychecking\" value \"" + strictValue + "\"");
        }
        List<String> preferred = new ArrayList<>();
        String pref = cfg.get("preferredauthentications");
        for (String m : (pref != null ? List.of(pref.split(",")) : DEFAULT_PREFERRED)) {
            if (!m.isBlank()) {
                preferred.add(m.strip());
            }
        }
        String logLevel = cfg.get("loglevel");
        boolean q = logLevel != null && (logLevel.equalsIgnoreCase("quiet") || logLevel.equalsIgnoreCase("fatal")
                || logLevel.equalsIgnoreCase("error"));
        int v = verbosity;
        if (v == 0 && logLevel != null && logLevel.toLowerCase(Locale.ROOT).startsWith("debug")) {
            v = 1;
            Cli.configureLogging(v);
        }
        String esc = cfg.get("escapechar");
        Character escape = '~';
        if (esc != null) {
            if (esc.equalsIgnoreCase("none")) {
                escape = null;
            } else if (esc.length() == 2 && esc.charAt(0) == '^') {
                escape = (char) (esc.charAt(1) & 0x1f);
            } else if (esc.length() == 1) {
                escape = esc.charAt(0);
            } else {
                throw new SshConfig.ConfigException("Bad escape character '" + esc + "'.");
            }
        }
        String agent = cfg.get("identityagent");
        if (agent == null) {
            agent = "SSH_AUTH_SOCK";
        } else if (!agent.equalsIgnoreCase("none") && !agent.equals("SSH_AUTH_SOCK")) {
            agent = agent.startsWith("$") ? agent : tokens.expandPath(agent);
        }
        String requestTty = cfg.get("requesttty") != null ? cfg.get("requesttty").toLowerCase(Locale.ROOT) : "auto";
        return new Settings(cfg.originalHost(), hostName, p, u, ids, yes(cfg, "identitiesonly", false), agent,
                known, global, strict, seconds(cfg.get("connecttimeout"), null),
                seconds(cfg.get("serveraliveinterval"), Duration.ZERO), yes(cfg, "batchmode", false), preferred,
                yes(cfg, "pubkeyauthentication", true), yes(cfg, "passwordauthentication", true),
                yes(cfg, "kbdinteractiveauthentication", yes(cfg, "challengeresponseauthentication", true)),
                number(cfg.get("numberofpasswordprompts"), 3), requestTty, cfg.get("remotecommand"),
                cfg.get("hostkeyalias"), yes(cfg, "hashknownhosts", false), v, q, escape, cfg.getAll("setenv"),
                cfg.getAll("sendenv"), cfg);
    }

    private static boolean yes(SshConfig cfg, String key, boolean def) throws SshConfig.ConfigException {
        String v = cfg.get(key);
        if (v == null) {
            return def;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "yes", "true" -> true;
            case "no", "false" -> false;
            default -> throw new SshConfig.ConfigException("unsupported option \"" + key + "\" value \"" + v + "\"");
        };
    }

    private static int parsePort(String s) throws SshConfig.ConfigException {
        try {
            int p = Integer.parseInt(s.strip());
            if (p > 0 && p < 65536) {
                return p;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new SshConfig.ConfigException("Bad port '" + s + "'.");
    }

    private static Duration seconds(String s, Duration none) throws SshConfig.ConfigException {
        if (s == null || s.equalsIgnoreCase("none")) {
            return none;
        }
        try {
            long n = Long.parseLong(s.strip());
            return n <= 0 ? none : Duration.ofSeconds(n);
        } catch (NumberFormatException e) {
            throw new SshConfig.ConfigException("invalid time value \"" + s + "\".");
        }
    }

    private static int number(String s, int def) throws SshConfig.ConfigException {
        if (s == null) {
            return def;
        }
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            throw new SshConfig.ConfigException("invalid number \"" + s + "\".");
        }
    }

    /** ssh_config's % tokens for paths, and {@code ~}. */
    record Tokens(String hostName, String originalHost, int port, String user, String localUser) {
        String expandPath(String s) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c != '%' || i + 1 >= s.length()) {
                    b.append(c);
                    continue;
                }
                char t = s.charAt(++i);
                switch (t) {
                    case '%' -> b.append('%');
                    case 'h' -> b.append(hostName);
                    case 'n' -> b.append(originalHost);
                    case 'p' -> b.append(port);
                    case 'r' -> b.append(user);
                    case 'u' -> b.append(localUser);
                    case 'd' -> b.append(Cli.home());
                    case 'l', 'L' -> b.append(localHostName(t == 'L'));
                    default -> b.append('%').append(t);
                }
            }
            return Cli.expandTilde(b.toString());
        }

        private static String localHostName(boolean shortName) {
            String h;
            try {
                h = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                h = "localhost";
            }
            return shortName && h.contains(".") ? h.substring(0, h.indexOf('.')) : h;
        }
    }

    // ---------------------------------------------------------------- the connection

    /** One run: connect, verify, authenticate, run the session. */
    final class Session {
        private final Settings s;
        private final String command;
        private final boolean noCommand;
        private final boolean devNullStdin;
        private final boolean canPrompt;
        private Transport transport;

        Session(Settings s, String command, boolean noCommand, boolean devNullStdin) {
            this.s = s;
            this.command = command;
            this.noCommand = noCommand;
            this.devNullStdin = devNullStdin;
            this.canPrompt = !s.batchMode() && Tty.canPrompt();
        }

        int run() {
            try {
                Socket socket = connect();
                if (socket == null) {
                    return FAILURE;
                }
                HostKeyCheck check = new HostKeyCheck(s.knownHosts(), s.globalKnownHosts(), s.strict(), canPrompt,
                        s.hashKnownHosts(), s.hostKeyAlias(), s.quiet(), err);
                TransportConfig config = transportConfig(check);
                try {
                    transport = Transport.startClient(socket, s.hostName(), s.port(), config, check);
                } catch (IOException | RuntimeException e) {
                    socket.close();
                    reportHandshakeFailure(e);
                    return FAILURE;
                }
                if (!authenticate()) {
                    return FAILURE;
                }
                if (!s.serverAliveInterval().isZero()) {
                    transport.setKeepalive(s.serverAliveInterval());
                }
                if (noCommand) {
                    transport.closeFuture().handle((v, t) -> null).join();
                    return FAILURE;
                }
                return runSession();
            } catch (IOException e) {
                err.println("ssh: " + describe(e));
                return FAILURE;
            } finally {
                if (transport != null) {
                    transport.close();
                }
            }
        }

        private Socket connect() throws IOException {
            InetAddress[] addresses;
            try {
                addresses = InetAddress.getAllByName(s.hostName());
            } catch (UnknownHostException e) {
                err.println("ssh: Could not resolve hostname " + s.hostName() + ": Name or service not known");
                return null;
            }
            int timeout = s.connectTimeout() == null ? 0 : (int) Math.min(Integer.MAX_VALUE, s.connectTimeout().toMillis());
            IOException last = null;
            for (InetAddress a : addresses) {
                Socket socket = new Socket();
                try {
                    socket.connect(new InetSocketAddress(a, s.port()), timeout);
                    debug("Connection established to " + a.getHostAddress() + " port " + s.port());
                    return socket;
                } catch (IOException e) {
                    socket.close();
                    last = e;
                    debug("connect to address " + a.getHostAddress() + " port " + s.port() + ": " + e.getMessage());
                }
            }
            String reason;
            if (last instanceof SocketTimeoutException) {
                reason = "Connection timed out";
            } else if (last instanceof NoRouteToHostException) {
                reason = "No route to host";
            } else if (last instanceof ConnectException && last.getMessage() != null && last.getMessage().startsWith("Connection refused")) {
                reason = "Connection refused";
            } else {
                reason = last == null ? "no address" : last.getMessage();
            }
            err.println("ssh: connect to host " + s.hostName() + " port " + s.port() + ": " + reason);
            return null;
        }

        private TransportConfig transportConfig(HostKeyCheck check) throws IOException {
            SshConfig cfg = s.config();
            TransportConfig defaults = TransportConfig.defaults();
            TransportConfig.Builder b = TransportConfig.builder();
            if (s.connectTimeout() != null) {
                b.handshakeTimeout(s.connectTimeout());
            }
            try {
                List<String> hostKeyAlgs = algorithms(cfg.get("hostkeyalgorithms"), defaults.hostKeyAlgorithms());
                if (cfg.get("hostkeyalgorithms") == null) {
                    hostKeyAlgs = preferKnown(hostKeyAlgs, check.knownKeyTypes(s.hostName(), s.port()));
                }
                b.hostKeyAlgorithms(hostKeyAlgs);
                b.ciphers(algorithms(cfg.get("ciphers"), defaults.ciphers()));
                b.macs(algorithms(cfg.get("macs"), defaults.macs()));
                b.kexAlgorithms(algorithms(cfg.get("kexalgorithms"), defaults.kexAlgorithms()));
                String compression = cfg.get("compression");
                if (compression != null && (compression.equalsIgnoreCase("yes") || compression.equalsIgnoreCase("true"))) {
                    List<String> c = new ArrayList<>(defaults.compression());
                    c.remove("none");
                    c.add("none");
                    b.compression(c);
                }
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e);
            }
            return b.build();
        }

        private void reportHandshakeFailure(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof SshException se && se.reason() == DisconnectReason.HOST_KEY_NOT_VERIFIABLE) {
                    err.println(stripReason(se.getMessage()));
                    return;
                }
                if (t instanceof NegotiationException) {
                    err.println("Unable to negotiate with " + s.hostName() + " port " + s.port() + ": " + t.getMessage());
                    return;
                }
            }
            err.println("ssh: connection to " + s.hostName() + " port " + s.port() + " failed: " + describe(e));
        }

        // ------------------------------------------------------------ authentication

        private boolean authenticate() throws IOException {
            ClientAuthenticator auth = new ClientAuthenticator(transport);
            Duration timeout = transport.config().handshakeTimeout();
            List<String> allowed;
            try {
                List<String> r = auth.authNone(s.user(), timeout);
                showBanner(auth);
                if (r.isEmpty()) {
                    return true;
                }
                allowed = r;
            } catch (AuthenticationException e) {
                showBanner(auth);
                allowed = e.allowed();
            }
            Set<String> exhausted = new LinkedHashSet<>();
            Set<String> triedKeys = new LinkedHashSet<>();
            while (true) {
                String method = null;
                for (String m : s.preferred()) {
                    if (allowed.contains(m) && !exhausted.contains(m)) {
                        method = m;
                        break;
                    }
                }
                if (method == null) {
                    err.println(s.user() + "@" + s.hostName() + ": Permission denied (" + String.join(",", allowed) + ").");
                    return false;
                }
                debug("Next authentication method: " + method);
                Outcome o = switch (method) {
                    case "publickey" -> s.pubkey() ? publickey(auth, timeout, triedKeys) : Outcome.EXHAUSTED;
                    case "keyboard-interactive" -> s.kbdInteractive() && canPrompt ? keyboardInteractive(auth, timeout) : Outcome.EXHAUSTED;
                    case "password" -> s.password() && canPrompt ? password(auth, timeout) : Outcome.EXHAUSTED;
                    default -> Outcome.EXHAUSTED;
                };
                if (o.success) {
                    return true;
                }
                if (o.partial != null) {
                    allowed = o.partial;
                    exhausted.clear();
                    continue;
                }
                if (o.allowed != null) {
                    allowed = o.allowed;
                }
                exhausted.add(method);
            }
        }

        private void showBanner(ClientAuthenticator auth) {
            String banner = auth.banner();
            if (banner != null && !banner.isEmpty() && !s.quiet()) {
                err.print(banner.endsWith("\n") ? banner : banner + "\n");
                err.flush();
            }
        }

        private Outcome publickey(ClientAuthenticator auth, Duration timeout, Set<String> triedKeys) throws IOException {
            List<ClientAuthenticator.Signer> signers = candidates();
            List<String> allowed = null;
            for (ClientAuthenticator.Signer signer : signers) {
                String id = Base64Key.of(signer.blob());
                if (!triedKeys.add(id)) {
                    continue;
                }
                debug("Offering public key: " + signer.describe());
                try {
                    List<String> r = auth.authPublickey(s.user(), signer, timeout);
                    return r.isEmpty() ? Outcome.SUCCESS : Outcome.partial(r);
                } catch (AuthenticationException e) {
                    allowed = e.allowed();
                    if (!allowed.contains("publickey")) {
                        break;
                    }
                } catch (SkippedKey e) {
                    debug(e.getMessage());
                }
            }
            return Outcome.failed(allowed);
        }

        /** The keys to offer, in ssh(1)'s order: the agent's, then the identity files (with their certificates first). */
        private List<ClientAuthenticator.Signer> candidates() {
            List<IdentityFile> files = new ArrayList<>();
            for (Path p : s.identityFiles()) {
                IdentityFile f = IdentityFile.load(p, cliIdentities.contains(p), this::askPassphrase, err, s.quiet());
                if (f != null) {
                    files.add(f);
                }
            }
            List<ClientAuthenticator.Signer> out = new ArrayList<>();
            Set<String> fromAgent = new LinkedHashSet<>();
            AgentClient agent = agent();
            if (agent != null) {
                try {
                    for (Identity id : agent.identities()) {
                        String key = Base64Key.of(id.blob());
                        boolean wanted = !s.identitiesOnly() || files.stream().anyMatch(f -> Base64Key.of(f.blob()).equals(key));
                        if (wanted) {
                            out.add(ClientAuthenticator.agentSigner(id));
                            fromAgent.add(key);
                        }
                    }
                } catch (SshException e) {
                    debug("agent: " + e.getMessage());
                }
            }
            for (IdentityFile f : files) {
                out.addAll(f.signers(fromAgent));
            }
            return out;
        }

        private AgentClient agent() {
            String where = s.identityAgent();
            if (where.equalsIgnoreCase("none")) {
                return null;
            }
            String path = where.equals("SSH_AUTH_SOCK") ? System.getenv(AgentClient.SSH_AUTH_SOCK)
                    : where.startsWith("$") ? System.getenv(where.substring(1)) : where;
            if (path == null || path.isEmpty()) {
                return null;
            }
            try {
                return AgentClient.connect(Path.of(path), Duration.ofSeconds(30));
            } catch (SshException e) {
                debug("no agent at " + path + ": " + e.getMessage());
                return null;
            }
        }

        private char[] askPassphrase(Path key, int attempt) {
            if (!canPrompt) {
                return null;
            }
            String prompt = attempt == 0 ? "Enter passphrase for key '" + key + "': "
                    : "Bad passphrase, try again for " + key + ": ";
            return Tty.readSecret(prompt);
        }

        private Outcome keyboardInteractive(ClientAuthenticator auth, Duration timeout) throws IOException {
            List<String> allowed = null;
            for (int attempt = 0; attempt < Math.max(1, s.passwordPrompts()); attempt++) {
                boolean[] aborted = {false};
                KeyboardInteractiveHandler handler = (name, instruction, prompts) -> {
                    StringBuilder text = new StringBuilder();
                    if (!name.isEmpty()) {
                        text.append(name).append('\n');
                    }
                    if (!instruction.isEmpty()) {
                        text.append(instruction).append('\n');
                    }
                    if (text.length() > 0) {
                        Tty.show(text.toString());
                    }
                    List<String> answers = new ArrayList<>();
                    for (InteractiveQuery.Prompt p : prompts) {
                        String a;
                        if (p.echo()) {
                            a = Tty.readVisible(p.text());
                        } else {
                            char[] c = Tty.readSecret(p.text());
                            a = c == null ? null : new String(c);
                        }
                        if (a == null) {
                            aborted[0] = true;
                            a = "";
                        }
                        answers.add(a);
                    }
                    return answers;
                };
                try {
                    List<String> r = auth.authInteractive(s.user(), handler, timeout);
                    return r.isEmpty() ? Outcome.SUCCESS : Outcome.partial(r);
                } catch (AuthenticationException e) {
                    allowed = e.allowed();
                    if (aborted[0] || !allowed.contains("keyboard-interactive")) {
                        break;
                    }
                }
            }
            return Outcome.failed(allowed);
        }

        private Outcome password(ClientAuthenticator auth, Duration timeout) throws IOException {
            List<String> allowed = null;
            for (int attempt = 0; attempt < Math.max(1, s.passwordPrompts()); attempt++) {
                if (attempt > 0) {
                    err.println("Permission denied, please try again.");
                }
                char[] pw = Tty.readSecret(s.user() + "@" + s.hostName() + "'s password: ");
                if (pw == null) {
                    break;
                }
                try {
                    List<String> r = auth.authPassword(s.user(), new String(pw), timeout);
                    return r.isEmpty() ? Outcome.SUCCESS : Outcome.partial(r);
                } catch (AuthenticationException e) {
                    allowed = e.allowed();
                    if (!allowed.contains("password")) {
                        break;
                    }
                } finally {
                    Arrays.fill(pw, '\0');
                }
            }
            return Outcome.failed(allowed);
        }

        // ------------------------------------------------------------ the session

        private int runSession() throws IOException {
            boolean stdinTty = Tty.stdinIsTerminal();
            boolean pty = switch (s.requestTty()) {
                case "force" -> true;
                case "yes" -> {
                    if (!stdinTty) {
                        if (!s.quiet()) {
                            err.println("Pseudo-terminal will not be allocated because stdin is not a terminal.");
                        }
                        yield false;
                    }
                    yield true;
                }
                case "no" -> false;
                default -> command == null && stdinTty;
            };
            boolean raw = pty && stdinTty && !devNullStdin;
            Channel ch = transport.openSession();
            sendEnvironment(ch);
            if (pty) {
                int[] size = stdinTty ? Tty.size() : null;
                int rows = size != null ? size[0] : 24;
                int cols = size != null ? size[1] : 80;
                String term = System.getenv("TERM");
                Map<String, Integer> modes = stdinTty ? Tty.modes() : Map.of();
                if (!ch.requestPty(new PtyRequest(term == null ? "" : term, cols, rows, 0, 0, modes))) {
                    err.println("PTY allocation request failed on channel " + ch.localId());
                }
            }
            boolean started = command != null ? ch.exec(command) : ch.shell();
            if (!started) {
                err.println((command != null ? "exec" : "shell") + " request failed on channel " + ch.localId());
                ch.close();
                return FAILURE;
            }
            RawMode rawMode = raw ? RawMode.enter() : null;
            WindowWatcher watcher = raw ? new WindowWatcher(ch) : null;
            try {
                OutputStream stdout = new FileOutputStream(FileDescriptor.out);
                OutputStream stderr = new FileOutputStream(FileDescriptor.err);
                Thread out = pump("tether-ssh-stdout", ch, ch.getInputStream(), stdout);
                Thread errPump = pump("tether-ssh-stderr", ch, ch.getErrorStream(), stderr);
                InputStream in = devNullStdin ? InputStream.nullInputStream() : new FileInputStream(FileDescriptor.in);
                Thread input = new Thread(() -> feedStdin(in, ch, raw), "tether-ssh-stdin");
                input.setDaemon(true);
                input.start();
                if (watcher != null) {
                    watcher.start();
                }
                ch.closeFuture().handle((v, t) -> null).join();
                join(out);
                join(errPump);
            } finally {
                if (watcher != null) {
                    watcher.stop();
                }
                if (rawMode != null) {
                    rawMode.restore();
                }
            }
            if (pty && !s.quiet()) {
                err.println("Connection to " + s.hostName() + " closed.");
            }
            Integer status = ch.exitStatus();
            if (status == null && ch.exitSignal() != null) {
                debug("the remote command was killed by signal " + ch.exitSignal());
            }
            return status == null ? FAILURE : status;
        }

        private void sendEnvironment(Channel ch) throws IOException {
            for (String kv : s.setEnv()) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    ch.setEnvironment(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
            if (!s.sendEnv().isEmpty()) {
                String patterns = String.join(",", s.sendEnv());
                for (Map.Entry<String, String> e : System.getenv().entrySet()) {
                    if (HostPatterns.matchList(e.getKey(), patterns, false) == HostPatterns.Outcome.MATCH) {
                        ch.setEnvironment(e.getKey(), e.getValue());
                    }
                }
            }
        }

        /**
         * Copies a channel stream to a local one until EOF, byte for byte. If the local side
         * cannot take more (a closed pipe: ssh(1) would die of SIGPIPE), the channel is closed,
         * so that the remote command is not left blocked on a full window.
         */
        private Thread pump(String name, Channel ch, InputStream from, OutputStream to) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[32 * 1024];
                int n;
                while (true) {
                    try {
                        n = from.read(buf);
                    } catch (IOException e) {
                        debug(name + ": " + e.getMessage());
                        return;
                    }
                    if (n < 0) {
                        return;
                    }
                    try {
                        to.write(buf, 0, n);
                        to.flush();
                    } catch (IOException e) {
                        debug(name + ": local write failed (" + e.getMessage() + "); closing the channel");
                        ch.close();
                        return;
                    }
                }
            }, name);
            t.setDaemon(true);
            t.start();
            return t;
        }

        private void join(Thread t) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /**
         * stdin to the channel; EOF when stdin ends. On a terminal, ssh(1)'s escapes after a
         * newline: {@code ~.} disconnects, {@code ~~} sends one {@code ~}, {@code ~?} lists them.
         */
        private void feedStdin(InputStream in, Channel ch, boolean escapes) {
            OutputStream to = ch.getOutputStream();
            byte[] buf = new byte[32 * 1024];
            Character esc = escapes ? s.escapeChar() : null;
            boolean lineStart = true;
            boolean pendingEscape = false;
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (esc == null) {
                        to.write(buf, 0, n);
                        continue;
                    }
                    java.io.ByteArrayOutputStream chunk = new java.io.ByteArrayOutputStream(n + 1);
                    for (int i = 0; i < n; i++) {
                        int b = buf[i] & 0xff;
                        if (pendingEscape) {
                            pendingEscape = false;
                            if (b == '.') {
                                to.write(chunk.toByteArray());
                                err.print("\r\n" + esc + ". Connection to " + s.hostName() + " closed.\r\n");
                                err.flush();
                                transport.close();
                                return;
                            } else if (b == '?') {
                                err.print("\r\nSupported escape sequences:\r\n " + esc + ".   - terminate connection\r\n "
                                        + esc + esc + "   - send the escape character by typing it twice\r\n"
                                        + "(Note that escapes are only recognized immediately after newline.)\r\n");
                                err.flush();
                                continue;
                            } else if (b != esc) {
                                chunk.write(esc);
                            }
                            chunk.write(b);
                            lineStart = false;
                            continue;
                        }
                        if (lineStart && b == esc) {
                            pendingEscape = true;
                            continue;
                        }
                        chunk.write(b);
                        lineStart = b == '\r' || b == '\n';
                    }
                    to.write(chunk.toByteArray());
                }
                ch.sendEof();
            } catch (IOException e) {
                debug("stdin: " + e.getMessage());
            }
        }

        private void debug(String message) {
            if (s.verbosity() > 0) {
                err.println("debug1: " + message);
            }
        }
    }

    /** The local terminal in raw mode, restored on close and by a shutdown hook (SIGINT, SIGTERM). */
    static final class RawMode {
        private final String saved;
        private final Thread hook;
        private boolean restored;

        private RawMode(String saved) {
            this.saved = saved;
            this.hook = new Thread(this::restoreQuietly, "tether-tty-restore");
        }

        static RawMode enter() {
            try {
                String saved = Tty.stty("-g");
                RawMode m = new RawMode(saved);
                Runtime.getRuntime().addShutdownHook(m.hook);
                Tty.stty("raw", "-echo");
                return m;
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        synchronized void restore() {
            restoreQuietly();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down: the hook is running or has run
            }
        }

        private synchronized void restoreQuietly() {
            if (restored) {
                return;
            }
            restored = true;
            try {
                Tty.stty(saved);
            } catch (IOException e) {
                // the terminal is gone
            }
        }
    }

    /**
     * Sends window-change when the terminal's size changes. Java has no SIGWINCH handler, so this
     * samples {@code stty size} every {@value #WINDOW_POLL_MILLIS} ms.
     */
    static final class WindowWatcher {
        private final Channel ch;
        private final java.util.concurrent.ScheduledExecutorService timer;
        private int[] last;

        WindowWatcher(Channel ch) {
            this.ch = ch;
            this.timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "tether-ssh-winch");
                t.setDaemon(true);
                return t;
            });
            this.last = Tty.size();
        }

        void start() {
            timer.scheduleWithFixedDelay(this::check, WINDOW_POLL_MILLIS, WINDOW_POLL_MILLIS, TimeUnit.MILLISECONDS);
        }

        private void check() {
            int[] now = Tty.size();
            if (now != null && !Arrays.equals(now, last) && !ch.isClosed()) {
                last = now;
                try {
                    ch.windowChange(now[1], now[0], 0, 0);
                } catch (IOException e) {
                    // the channel is closing
                }
            }
        }

        void stop() {
            timer.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- identity files

    /** Why a key was not offered after all (no passphrase could be had). */
    static final class SkippedKey extends IOException {
        private static final long serialVersionUID = 1L;

        SkippedKey(String message) {
            super(message);
        }
    }

    @FunctionalInterface
    interface PassphraseAsker {
        /** The passphrase for a key, or null to skip it; {@code attempt} counts from 0. */
        char[] ask(Path key, int attempt);
    }

    /**
     * An identity file, offered by its public key (from the .pub beside it or the private file's
     * clear header) and decrypted only when the server accepts the key, as ssh(1) does, so that
     * a passphrase is asked only for a key that will be used.
     */
    static final class IdentityFile {
        private final Path path;
        private final byte[] blob;
        private final byte[] certificate;
        private final PassphraseAsker asker;
        private java.security.KeyPair loaded;

        private IdentityFile(Path path, byte[] blob, byte[] certificate, PassphraseAsker asker) {
            this.path = path;
            this.blob = blob;
            this.certificate = certificate;
            this.asker = asker;
        }

        byte[] blob() {
            return blob.clone();
        }

        /** Null if the file does not exist or holds no key we can use (warned about for -i files). */
        static IdentityFile load(Path path, boolean explicit, PassphraseAsker asker, PrintStream err, boolean quiet) {
            if (!Files.isRegularFile(path)) {
                if (explicit && !quiet) {
                    err.println("Warning: Identity file " + path + " not accessible: No such file or directory.");
                }
                return null;
            }
            byte[] blob = null;
            try {
                Path pub = Path.of(path + ".pub");
                if (Files.isRegularFile(pub)) {
                    for (String line : Files.readString(pub).split("\n")) {
                        KeygenCommand.PublicLine p = KeygenCommand.PublicLine.parse(line);
                        if (p != null) {
                            blob = p.blob();
                            break;
                        }
                    }
                }
                if (blob == null) {
                    blob = KeyInfo.publicBlobFromPrivate(Files.readString(path, java.nio.charset.StandardCharsets.ISO_8859_1));
                }
            } catch (IOException | RuntimeException e) {
                blob = null;
            }
            IdentityFile f;
            if (blob == null) {
                // another format without a .pub: decrypt now to learn the public key
                IdentityFile tmp = new IdentityFile(path, new byte[0], null, asker);
                try {
                    java.security.KeyPair kp = tmp.keyPair();
                    f = new IdentityFile(path, SignatureAlgorithms.encodePublicKey(kp.getPublic()), null, asker);
                    f.loaded = kp;
                } catch (IOException | RuntimeException e) {
                    if (!quiet && explicit) {
                        err.println("Load key \"" + path + "\": " + e.getMessage());
                    }
                    return null;
                }
            } else {
                f = new IdentityFile(path, blob, certificateFor(path, blob), asker);
            }
            try {
                SignatureAlgorithms.decodePublicKey(f.blob);
            } catch (SshException e) {
                return null; // a key type Tether does not support
            }
            return f;
        }

        private static byte[] certificateFor(Path path, byte[] blob) {
            Path cert = Path.of(path + "-cert.pub");
            if (!Files.isRegularFile(cert)) {
                return null;
            }
            try {
                for (String line : Files.readString(cert).split("\n")) {
                    KeygenCommand.PublicLine p = KeygenCommand.PublicLine.parse(line);
                    if (p != null && KeyInfo.keyType(p.blob()).endsWith("-cert-v01@openssh.com")) {
                        dev.tether.ssh.keys.OpenSshCertificate c = dev.tether.ssh.keys.OpenSshCertificate.parse(p.blob());
                        return Arrays.equals(c.publicKeyBlob(), blob) ? p.blob() : null;
                    }
                }
            } catch (IOException | RuntimeException e) {
                return null;
            }
            return null;
        }

        synchronized java.security.KeyPair keyPair() throws IOException {
            if (loaded != null) {
                return loaded;
            }
            int[] attempt = {0};
            SshException last = null;
            for (int i = 0; i < 3; i++) {
                boolean[] asked = {false};
                try {
                    loaded = dev.tether.ssh.keys.KeyFiles.readPrivateKey(path, source -> {
                        asked[0] = true;
                        return asker.ask(path, attempt[0]++);
                    });
                    return loaded;
                } catch (SshException e) {
                    last = e;
                    String m = String.valueOf(e.getMessage());
                    if (!asked[0] || m.contains("no passphrase") || m.contains("passphrase given is empty")) {
                        break;
                    }
                }
            }
            throw new SkippedKey("skipping " + path + ": " + (last == null ? "unreadable" : last.getMessage()));
        }

        /** The certificate (if any) then the plain key; none if the agent already offers the key. */
        List<ClientAuthenticator.Signer> signers(Set<String> fromAgent) {
            List<ClientAuthenticator.Signer> out = new ArrayList<>();
            if (certificate != null && !fromAgent.contains(Base64Key.of(certificate))) {
                out.add(signer(certificate, true));
            }
            if (!fromAgent.contains(Base64Key.of(blob))) {
                out.add(signer(blob, false));
            }
            return out;
        }

        private ClientAuthenticator.Signer signer(byte[] offered, boolean cert) {
            List<String> algs;
            try {
                List<String> plain = SignatureAlgorithms.algorithmsFor(SignatureAlgorithms.decodePublicKey(blob));
                algs = cert ? plain.stream().map(a -> a + "-cert-v01@openssh.com").toList() : plain;
            } catch (SshException e) {
                algs = List.of();
            }
            List<String> algorithms = algs;
            String description = path + " " + (cert ? "certificate " : "") + SignatureAlgorithms.fingerprint(offered);
            return new ClientAuthenticator.Signer() {
                @Override
                public byte[] blob() {
                    return offered.clone();
                }

                @Override
                public List<String> algorithms() {
                    return algorithms;
                }

                @Override
                public byte[] sign(String algorithm, byte[] data) throws IOException {
                    return SignatureAlgorithms.sign(algorithm, keyPair().getPrivate(), data);
                }

                @Override
                public String describe() {
                    return description;
                }
            };
        }
    }

    /** A map key for a blob. */
    static final class Base64Key {
        private Base64Key() {
        }

        static String of(byte[] blob) {
            return java.util.Base64.getEncoder().encodeToString(blob);
        }
    }

    /** What one authentication method came to. */
    record Outcome(boolean success, List<String> partial, List<String> allowed) {
        static final Outcome SUCCESS = new Outcome(true, null, null);
        static final Outcome EXHAUSTED = new Outcome(false, null, null);

        static Outcome partial(List<String> next) {
            return new Outcome(false, next, null);
        }

        static Outcome failed(List<String> allowed) {
            return new Outcome(false, null, allowed);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Puts the host key algorithms of keys already known for the host first, as ssh(1) does. */
    static List<String> preferKnown(List<String> algorithms, Set<String> knownKeyTypes) {
        if (knownKeyTypes.isEmpty()) {
            return algorithms;
        }
        List<String> first = new ArrayList<>();
        List<String> rest = new ArrayList<>();
        for (String a : algorithms) {
            String plain = SignatureAlgorithms.underlyingAlgorithm(a);
            String type;
            try {
                type = SignatureAlgorithms.keyType(plain);
            } catch (IllegalArgumentException e) {
                type = plain;
            }
            (knownKeyTypes.contains(type) ? first : rest).add(a);
        }
        first.addAll(rest);
        return first;
    }

    /** An algorithm list option: a replacement list, or {@code +} (append), {@code -} (remove), {@code ^} (prepend) to the defaults. */
    static List<String> algorithms(String spec, List<String> defaults) {
        if (spec == null || spec.isEmpty()) {
            return defaults;
        }
        char op = spec.charAt(0);
        List<String> names = new ArrayList<>();
        for (String n : (op == '+' || op == '-' || op == '^' ? spec.substring(1) : spec).split(",")) {
            if (!n.isBlank()) {
                names.add(n.strip());
            }
        }
        List<String> out = new ArrayList<>();
        switch (op) {
            case '+' -> {
                out.addAll(defaults);
                names.stream().filter(n -> !out.contains(n)).forEach(out::add);
            }
            case '-' -> defaults.stream()
                    .filter(d -> names.stream().noneMatch(n -> HostPatterns.wildcardMatch(d, n))).forEach(out::add);
            case '^' -> {
                out.addAll(names);
                defaults.stream().filter(d -> !names.contains(d)).forEach(out::add);
            }
            default -> out.addAll(names);
        }
        return out;
    }

    private static String stripReason(String message) {
        return message == null ? "Host key verification failed." : message;
    }

    static String describe(Throwable e) {
        Throwable t = e;
        while (t instanceof ExecutionException || t instanceof java.util.concurrent.CompletionException) {
            t = t.getCause();
        }
        if (t instanceof TimeoutException) {
            return "timed out";
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
