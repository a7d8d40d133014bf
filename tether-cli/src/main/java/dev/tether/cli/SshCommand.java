package dev.tether.cli;

import dev.tether.ssh.client.ClientSettings;
import dev.tether.ssh.client.ConfigException;
import dev.tether.ssh.client.Destination;
import dev.tether.ssh.client.SshConfig;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

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
        customSynopsis = {"tether ssh [-AafGNnqTtvXx] [-D [BIND:]PORT] [-F CONFIG] [-i IDENTITY] [-J JUMP]",
                "                  [-L SPEC] [-l USER] [-o KEY=VALUE] [-p PORT] [-R SPEC] [-W HOST:PORT]",
                "                  [USER@]HOST [COMMAND...]"},
        description = {"Log in to a host, or run a command there.",
                "Exits with the remote command's status, or 255 if the connection or authentication fails."})
final class SshCommand implements Callable<Integer> {
    static final int FAILURE = 255;

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

    @Option(names = "-A", description = "forward the agent of SSH_AUTH_SOCK (ForwardAgent yes)")
    boolean forwardAgent;

    @Option(names = "-a", description = "do not forward the agent (ForwardAgent no)")
    boolean noForwardAgent;

    @Option(names = "-X", description = "forward X11 connections to the local DISPLAY (ForwardX11 yes)")
    boolean forwardX11;

    @Option(names = "-x", description = "do not forward X11 (ForwardX11 no)")
    boolean noForwardX11;

    // forwarding and jump hosts (ssh(1)'s syntax: ForwardSpec, SshForwarding, SshTunnels, SshProxy)
    @Option(names = "-L", paramLabel = "SPEC", description = "local forward: [bind:]port:host:hostport, [bind:]port:/remote/socket, "
            + "/local/socket:host:hostport or /local/socket:/remote/socket; repeatable")
    List<String> localForwards = new ArrayList<>();

    @Option(names = "-R", paramLabel = "SPEC", description = "remote forward: [bind:]port:host:hostport (port 0: the server picks), "
            + "Unix socket paths on either side, or [bind:]port alone for a remote SOCKS proxy; repeatable")
    List<String> remoteForwards = new ArrayList<>();

    @Option(names = "-D", paramLabel = "[BIND:]PORT", description = "dynamic forward: a local SOCKS4/5 proxy; repeatable")
    List<String> dynamicForwards = new ArrayList<>();

    @Option(names = "-W", paramLabel = "HOST:PORT", description = "forward stdin and stdout to HOST:PORT (or a Unix socket) "
            + "through the server; implies -N, -T, ExitOnForwardFailure and ClearAllForwardings")
    String stdioForward;

    @Option(names = "-J", paramLabel = "JUMP", description = "jump hosts [user@]host[:port][,...] (ProxyJump), or none")
    String jump;

    @Option(names = "-f", description = "go to the background after authentication and forwarding set-up (implies -n)")
    boolean fork;

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
        ClientSettings s;
        try {
            s = settings(destination, after, verbosity);
        } catch (ConfigException e) {
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
            printConfig(s, System.out, command);
            return 0;
        }
        boolean noCmd = noCommand || (after != null && after.noCommand);
        if (command == null && !noCmd && s.remoteCommand() != null && !s.remoteCommand().equalsIgnoreCase("none")) {
            command = s.remoteCommand();
        }
        boolean devNull = nullStdin || (after != null && after.nullStdin);
        // forwarding, -W and -f
        String stdio = stdioForward != null ? stdioForward : after != null ? after.stdioForward : null;
        SshForwarding forwarding;
        boolean background;
        try {
            forwarding = SshForwarding.resolve(s.config(), stdio);
            background = ClientSettings.yes(s.config(), "forkafterauthentication", false);
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return FAILURE;
        }
        if (stdio != null) {
            if (command != null) {
                err.println("ssh: -W cannot be combined with a remote command");
                return FAILURE;
            }
            noCmd = true;
        }
        if (background) {
            if (command == null && !noCmd) {
                err.println("Cannot fork into background without a command to execute.");
                return FAILURE;
            }
            devNull = true;
            if (!SshFork.isChild()) {
                return SshFork.parent(err);
            }
        }
        return new SshSession(s, command, noCmd, devNull, cliIdentities, err).forwarding(forwarding).run();
    }

    /** Applies one segment of command-line flags (before or after the destination): first value wins. */
    private static void applyFlags(SshConfig cfg, SshCommand c) throws ConfigException {
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
        if (c.forwardAgent || c.noForwardAgent) {
            cfg.setIfAbsent("forwardagent", c.forwardAgent ? "yes" : "no");
        }
        if (c.forwardX11 || c.noForwardX11) {
            cfg.setIfAbsent("forwardx11", c.forwardX11 ? "yes" : "no");
        }
        // forwarding flags accumulate with the config's lines; -J wins over the files' ProxyJump/ProxyCommand
        c.localForwards.forEach(v -> cfg.add("localforward", v));
        c.remoteForwards.forEach(v -> cfg.add("remoteforward", v));
        c.dynamicForwards.forEach(v -> cfg.add("dynamicforward", v));
        if (c.jump != null) {
            cfg.setIfAbsent("proxyjump", c.jump);
        }
        if (c.fork) {
            cfg.setIfAbsent("forkafterauthentication", "yes");
        }
    }


    /** Parses the destination, applies the flags before and after it, and resolves the rest from the config files. */
    ClientSettings settings(String destination, SshCommand after, int verbosity) throws IOException, ConfigException {
        Destination d;
        try {
            d = Destination.parse(destination);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        SshConfig cfg = new SshConfig(d.host(), Cli.localUser(), Cli.home());
        if (verbosity > 0) {
            cfg.setIfAbsent("loglevel", "DEBUG" + Math.min(3, verbosity)); // -v, as ssh(1) does
        }
        applyFlags(cfg, this);
        if (d.user() != null) {
            cfg.setIfAbsent("user", d.user());
        }
        if (d.port() != null) {
            cfg.setIfAbsent("port", d.port());
        }
        if (after != null) {
            applyFlags(cfg, after);
        }
        cfg.readFiles(configFile != null ? configFile : after != null ? after.configFile : null);
        ClientSettings s = ClientSettings.of(cfg);
        if (verbosity == 0 && s.debug()) {
            Cli.configureLogging(1); // LogLevel DEBUG in the files
        }
        return s;
    }

    /** {@code -G}: the configuration that applies, as ssh(1) prints it (a subset of its keywords). */
    static void printConfig(ClientSettings s, PrintStream out, String command) {
        out.println("host " + s.originalHost());
        out.println("user " + s.user());
        out.println("hostname " + s.hostName());
        out.println("port " + s.port());
        out.println("batchmode " + yesNo(s.batchMode()));
        out.println("identitiesonly " + yesNo(s.identitiesOnly()));
        out.println("pubkeyauthentication " + yesNo(s.pubkeyAuthentication()));
        out.println("passwordauthentication " + yesNo(s.passwordAuthentication()));
        out.println("kbdinteractiveauthentication " + yesNo(s.kbdInteractiveAuthentication()));
        out.println("hashknownhosts " + yesNo(s.hashKnownHosts()));
        out.println("compression " + yesNo(s.compression()));
        out.println("stricthostkeychecking " + s.strictHostKeyChecking().configValue());
        out.println("connecttimeout " + (s.connectTimeout() == null ? "none" : s.connectTimeout().toSeconds()));
        out.println("serveraliveinterval " + s.serverAliveInterval().toSeconds());
        out.println("serveralivecountmax " + s.serverAliveCountMax());
        out.println("numberofpasswordprompts " + s.numberOfPasswordPrompts());
        out.println("loglevel " + s.logLevel());
        out.println("requesttty " + s.requestTty());
        if (s.hostKeyAlias() != null) {
            out.println("hostkeyalias " + s.hostKeyAlias());
        }
        out.println("preferredauthentications " + String.join(",", s.preferredAuthentications()));
        out.println("ciphers " + String.join(",", s.ciphers()));
        out.println("macs " + String.join(",", s.macs()));
        out.println("kexalgorithms " + String.join(",", s.kexAlgorithms()));
        if (s.hostKeyAlgorithms() != null) {
            out.println("hostkeyalgorithms " + String.join(",", s.hostKeyAlgorithms()));
        }
        out.println("identityagent " + s.identityAgent());
        for (Path p : s.identityFiles()) {
            out.println("identityfile " + p);
        }
        for (Path p : s.certificateFiles()) {
            out.println("certificatefile " + p);
        }
        out.println("userknownhostsfile " + String.join(" ", s.knownHosts().stream().map(Path::toString).toList()));
        out.println("globalknownhostsfile " + String.join(" ", s.globalKnownHosts().stream().map(Path::toString).toList()));
        if (s.proxyJump() != null) {
            out.println("proxyjump " + s.proxyJump());
        }
        if (s.proxyCommand() != null) {
            out.println("proxycommand " + s.proxyCommand());
        }
        if (command != null || s.remoteCommand() != null) {
            out.println("remotecommand " + (command != null ? command : s.remoteCommand()));
        }
        out.flush();
    }

    private static String yesNo(boolean b) {
        return b ? "yes" : "no";
    }
}
