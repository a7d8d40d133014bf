package dev.tether.cli;

import dev.tether.ssh.Transport;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The connection flags {@code tether sftp} and {@code tether scp} share with {@code tether ssh}
 * ({@code -P}, {@code -i}, {@code -F}, {@code -o}, {@code -q}), resolved through the same
 * {@link SshCommand#settings} and opened by the same {@link SshSession#open}: ssh_config, host
 * keys and authentication exactly as {@code tether ssh}.
 */
final class RemoteLogin {
    final String port;
    final List<String> identities;
    final String configFile;
    final List<String> options;
    final boolean quiet;
    final PrintStream err;

    RemoteLogin(String port, List<String> identities, String configFile, List<String> options, boolean quiet, PrintStream err) {
        this.port = port;
        this.identities = identities == null ? List.of() : identities;
        this.configFile = configFile;
        this.options = options == null ? List.of() : options;
        this.quiet = quiet;
        this.err = err;
    }

    /** Connects and authenticates to {@code [USER@]HOST}; null (reported on stderr) on failure. */
    Transport open(String userAtHost) {
        SshCommand c = new SshCommand();
        c.port = port;
        c.identities = new ArrayList<>(identities);
        c.configFile = configFile;
        c.options = new ArrayList<>(options);
        c.quiet = quiet;
        Set<Path> cli = new LinkedHashSet<>();
        identities.forEach(i -> cli.add(Path.of(Cli.expandTilde(i))));
        String host = userAtHost.substring(userAtHost.lastIndexOf('@') + 1);
        if (host.isEmpty()) {
            err.println("no host name in " + userAtHost);
            return null;
        }
        try {
            SshSettings s = c.settings(userAtHost, null, 0);
            return new SshSession(s, null, false, true, cli, err).open();
        } catch (SshConfig.ConfigException e) {
            err.println(e.getMessage());
            return null;
        } catch (IOException e) {
            err.println("ssh: " + SshSession.describe(e));
            return null;
        }
    }
}
