package dev.tether.cli;

import dev.tether.sftp.SftpClient;
import dev.tether.ssh.Transport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code tether sftp}: OpenSSH's sftp client on {@link SftpClient}. Connects as
 * {@code tether ssh} does ({@link RemoteLogin}), then runs {@link SftpShell} interactively or
 * on a batch file. Exits 0, 1 when a batch command fails, 255 when the connection fails.
 */
@Command(name = "sftp", mixinStandardHelpOptions = true, versionProvider = Tether.Version.class, sortOptions = false,
        separator = " ",
        customSynopsis = {"tether sftp [-apqr] [-b BATCHFILE] [-F CONFIG] [-i IDENTITY] [-o KEY=VALUE]",
                "                   [-P PORT] [USER@]HOST[:PATH]"},
        description = {"Transfer files over SFTP, interactively or from a batch file."})
final class SftpCommand implements Callable<Integer> {
    @Mixin
    RemoteLogin login = new RemoteLogin();

    @Option(names = "-b", paramLabel = "BATCHFILE", description = "read commands from a file (- for stdin); a failure ends the batch")
    String batchFile;

    @Option(names = "-r", description = "recursive get and put")
    boolean recursive;

    @Option(names = "-a", description = "resume partial transfers")
    boolean resume;

    @Option(names = "-p", description = "keep modification times and modes")
    boolean preserve;

    @Option(names = "-q", description = "quiet: no progress meter, no warnings")
    boolean quiet;

    @Parameters(paramLabel = "[USER@]HOST[:PATH]", description = "destination, with an optional start directory or file to fetch")
    String destination;

    @Override
    public Integer call() throws IOException {
        PrintStream out = System.out;
        PrintStream err = System.err;
        Cli.configureLogging(0);
        String host = destination;
        String path = null;
        int colon = remoteColon(destination);
        if (colon >= 0) {
            host = destination.substring(0, colon);
            path = destination.substring(colon + 1);
        }
        Transport t = login.open(host, quiet, batchFile != null ? List.of("BatchMode=yes") : List.of(), err);
        if (t == null) {
            return SshCommand.FAILURE;
        }
        try (SftpClient sftp = SftpClient.open(t, SftpClient.DEFAULT_TIMEOUT, true)) {
            String cwd = sftp.realpath(".");
            boolean progress = !quiet && batchFile == null && Tty.stdoutIsTerminal();
            SftpShell shell = new SftpShell(sftp, cwd, progress, quiet || batchFile != null, !quiet, recursive, resume, preserve, out, err);
            if (path != null && !path.isEmpty()) {
                String p = path.startsWith("/") ? path : cwd + "/" + path;
                boolean dir;
                try {
                    dir = sftp.stat(p).isDirectory();
                } catch (IOException e) {
                    dir = false;
                }
                if (!dir) {
                    // sftp host:file fetches the file and exits, as OpenSSH does
                    String cmd = "get " + quote(p);
                    return shell.run(new BufferedReader(new java.io.StringReader(cmd + "\n")), false, true, false);
                }
                shell.run(new BufferedReader(new java.io.StringReader("cd " + quote(p) + "\n")), false, false, false);
            }
            if (batchFile != null) {
                BufferedReader in = batchFile.equals("-")
                        ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                        : Files.newBufferedReader(Path.of(batchFile));
                try (in) {
                    return shell.run(in, true, true, false);
                }
            }
            if (!quiet) {
                err.println("Connected to " + host.substring(host.lastIndexOf('@') + 1) + ".");
            }
            // commands piped in without -b are echoed, as OpenSSH does, but a failure does not stop them
            boolean interactive = Tty.stdinIsTerminal();
            return shell.run(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), !interactive, false,
                    interactive);
        }
    }

    /** A path as one word of a command line, its spaces, quotes and glob characters escaped. */
    private static String quote(String p) {
        StringBuilder b = new StringBuilder();
        for (char c : p.toCharArray()) {
            if (Character.isWhitespace(c) || "'\"\\*?[".indexOf(c) >= 0) {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    /** The colon that separates host and path, or -1 (none, or inside an [IPv6] address). */
    static int remoteColon(String s) {
        int start = 0;
        int at = s.indexOf('@');
        if (at >= 0) {
            start = at + 1;
        }
        if (s.startsWith("[", start)) {
            int close = s.indexOf(']', start);
            return close >= 0 && close + 1 < s.length() && s.charAt(close + 1) == ':' ? close + 1 : -1;
        }
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ':') {
                return i;
            }
            if (c == '/') {
                return -1;
            }
        }
        return -1;
    }
}
