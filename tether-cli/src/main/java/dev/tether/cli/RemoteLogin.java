package dev.tether.cli;

import dev.tether.ssh.client.ClientSettings;
import dev.tether.ssh.client.ConfigException;

import dev.tether.ssh.Transport;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The connection flags {@code tether sftp} and {@code tether scp} share ({@code -P}, {@code -i},
 * {@code -F}, {@code -o}, {@code -J}; a picocli mixin), resolved through {@code tether ssh}'s own
 * {@link SshCommand#settings} and opened by its {@link SshSession#open}: ssh_config, host keys and
 * authentication exactly as {@code tether ssh}.
 */
final class RemoteLogin {
    @Option(names = "-P", paramLabel = "PORT", description = "port to connect to")
    String port;

    @Option(names = "-i", paramLabel = "IDENTITY", description = "private key file; repeatable")
    List<String> identities = new ArrayList<>();

    @Option(names = "-F", paramLabel = "CONFIG", description = "configuration file instead of ~/.ssh/config")
    String configFile;

    @Option(names = "-o", paramLabel = "KEY=VALUE", description = "an ssh_config option; repeatable")
    List<String> options = new ArrayList<>();

    @Option(names = "-J", paramLabel = "JUMP", description = "jump hosts [user@]host[:port][,...] (ProxyJump), or none")
    String jump;

    /**
     * Connects and authenticates to {@code [USER@]HOST}, with {@code extraOptions} after the
     * {@code -o} ones; null (reported on stderr) on failure.
     */
    Transport open(String userAtHost, boolean quiet, List<String> extraOptions, PrintStream err) {
        SshCommand c = new SshCommand();
        c.port = port;
        c.identities = new ArrayList<>(identities);
        c.configFile = configFile;
        c.options = new ArrayList<>(options);
        c.options.addAll(extraOptions);
        c.quiet = quiet;
        c.jump = jump;
        Set<Path> cli = new LinkedHashSet<>();
        identities.forEach(i -> cli.add(Path.of(Cli.expandTilde(i))));
        String host = userAtHost.substring(userAtHost.lastIndexOf('@') + 1);
        if (host.isEmpty()) {
            err.println("no host name in " + userAtHost);
            return null;
        }
        try {
            ClientSettings s = c.settings(userAtHost, null, 0);
            return new SshSession(s, null, false, true, cli, err).open();
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return null;
        } catch (IOException e) {
            err.println("ssh: " + SshSession.describe(e));
            return null;
        }
    }
}
