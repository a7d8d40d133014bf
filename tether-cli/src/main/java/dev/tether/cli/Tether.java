package dev.tether.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tether} command. Subcommands: {@code server}, {@code sftp-server}, {@code ssh}, {@code sftp}, {@code scp} and
 * {@code keygen}. Exit code 2 means bad usage.
 */
@Command(name = "tether", mixinStandardHelpOptions = true, versionProvider = Tether.Version.class,
        description = "SSH server and client tools built on the Tether library.",
        subcommands = {ServerCommand.class, SftpServerCommand.class, SshCommand.class, SftpCommand.class, ScpCommand.class,
                KeygenCommand.class})
public final class Tether implements Runnable {

    public static void main(String[] args) {
        System.exit(new CommandLine(new Tether()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.err);
        throw new CommandLine.ParameterException(new CommandLine(this), "a subcommand is required");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Tether.class.getPackage().getImplementationVersion();
            return new String[]{"tether " + (v != null ? v : "0.1.0-SNAPSHOT")};
        }
    }
}
