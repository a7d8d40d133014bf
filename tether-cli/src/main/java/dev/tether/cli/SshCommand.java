package dev.tether.cli;

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
        customSynopsis = {"tether ssh [-AaGNnqTtvXx] [-F CONFIG] [-i IDENTITY] [-l USER]",
                "                  [-o KEY=VALUE] [-p PORT] [USER@]HOST [COMMAND...]"},
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
        SshSettings s;
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
            s.print(System.out, command);
            return 0;
        }
        boolean noCmd = noCommand || (after != null && after.noCommand);
        if (command == null && !noCmd && s.remoteCommand() != null && !s.remoteCommand().equalsIgnoreCase("none")) {
            command = s.remoteCommand();
        }
        boolean devNull = nullStdin || (after != null && after.nullStdin);
        return new SshSession(s, command, noCmd, devNull, cliIdentities, err).run();
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
        if (c.forwardAgent || c.noForwardAgent) {
            cfg.setIfAbsent("forwardagent", c.forwardAgent ? "yes" : "no");
        }
        if (c.forwardX11 || c.noForwardX11) {
            cfg.setIfAbsent("forwardx11", c.forwardX11 ? "yes" : "no");
        }
    }


    /** Parses the destination, applies the flags before and after it, and resolves the rest from the config files. */
    SshSettings settings(String destination, SshCommand after, int verbosity) throws IOException, SshConfig.ConfigException {
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
        return SshSettings.resolve(cfg, cfgFile, localUser, verbosity);
    }
}
