package dev.tether.cli;

import dev.tether.sftp.policy.SftpRoot;
import dev.tether.sftp.SftpServer;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code tether sftp-server}: Tether's SFTP server on standard input and output, with OpenSSH
 * sftp-server(8)'s flags, for {@code sftp -D} and sshd's {@code Subsystem sftp COMMAND}. The same
 * flags follow {@code internal-sftp} in {@code tether server}'s {@code Subsystem} and
 * {@code ForceCommand} lines; {@link #parseFlags} reads them there.
 *
 * <p>Standard output carries the SFTP packets and nothing else: they are written to file
 * descriptor 1 directly, and {@code System.out} is pointed at stderr before the session starts.
 * Logs (the event lines of {@code dev.tether.ssh.events} and the library's) go to stderr with
 * {@code -e} or {@code -l}; without them only fatal errors are printed. Exits 0 when the input
 * ends, 1 on a fatal error (a malformed packet, a failed write), 2 for bad flags.
 */
@Command(name = "sftp-server", mixinStandardHelpOptions = true, versionProvider = Tether.Version.class, sortOptions = false,
        separator = " ",
        customSynopsis = {"tether sftp-server [-ehR] [-d START_DIR] [-f LOG_FACILITY] [-l LOG_LEVEL]",
                "                         [-P DENIED_REQUESTS] [-p ALLOWED_REQUESTS] [-u UMASK]",
                "       tether sftp-server -Q requests"},
        description = {"Serve SFTP on standard input and output, as OpenSSH's sftp-server: for sftp -D, or sshd's "
                + "'Subsystem sftp /path/to/tether sftp-server'. The whole file system is served, starting in $HOME "
                + "(or -d). Exits when its input ends."},
        footer = {"", "Exit status: 0 when the input ends (or after -Q, -h), 1 on a fatal error, 2 for bad flags."})
final class SftpServerCommand implements Callable<Integer> {
    /** sftp-server's log levels, as {@code -l} takes them (case-insensitive). */
    static final List<String> LOG_LEVELS = List.of("QUIET", "FATAL", "ERROR", "INFO", "VERBOSE", "DEBUG", "DEBUG1",
            "DEBUG2", "DEBUG3");

    @Spec
    CommandSpec spec;

    @Option(names = "-d", paramLabel = "START_DIR",
            description = "the directory sessions start in (default $HOME); %%d is the home directory, %%u the user name, %%%% a %%")
    String startDir;

    @Option(names = "-R", description = "read-only: every change to the file system is refused (permission denied)")
    boolean readOnly;

    @Option(names = "-u", paramLabel = "UMASK", description = "umask (octal) for files and directories created, e.g. 022")
    String umask;

    @Option(names = "-e", description = "log to stderr")
    boolean logToStderr;

    @Option(names = "-l", paramLabel = "LOG_LEVEL",
            description = "log to stderr at this level: QUIET, FATAL, ERROR (default with -e), INFO (one line per file "
                    + "operation), VERBOSE, DEBUG, DEBUG1, DEBUG2, DEBUG3")
    String logLevel;

    @Option(names = "-f", paramLabel = "LOG_FACILITY", description = "syslog facility: accepted and ignored (logs go to stderr)")
    String facility;

    @Option(names = "-P", paramLabel = "DENIED_REQUESTS", description = "comma-separated request names to refuse (see -Q requests)")
    String denied;

    @Option(names = "-p", paramLabel = "ALLOWED_REQUESTS", description = "comma-separated request names to allow; all others are refused")
    String allowed;

    @Option(names = "-Q", paramLabel = "requests", description = "print the request names, one per line, and exit")
    String query;

    /**
     * The flags of one sftp-server command line, checked.
     *
     * @param startDir -d as given (tokens unexpanded), or null
     * @param umask    -u, or -1
     * @param logLevel -l in upper case, or null
     */
    record Flags(String startDir, boolean readOnly, int umask, Set<String> allowed, Set<String> denied, String logLevel,
                 boolean logToStderr) {
        /** No flags. */
        static final Flags NONE = new Flags(null, false, -1, Set.of(), Set.of(), null, false);

        Flags {
            allowed = Set.copyOf(allowed);
            denied = Set.copyOf(denied);
        }

        /** Applies -R, -u, -p and -P to an SFTP server under construction. */
        SftpServer.Builder apply(SftpServer.Builder b) {
            b.readOnly(readOnly);
            if (umask >= 0) {
                b.umask(umask);
            }
            if (!allowed.isEmpty()) {
                b.allowRequests(allowed);
            }
            if (!denied.isEmpty()) {
                b.denyRequests(denied);
            }
            return b;
        }

        /** -d with its tokens expanded ({@code %d} home, {@code %u} user, {@code %%}), or null without -d. */
        String startDir(String home, String user) {
            return startDir == null ? null : expand(startDir, home, user);
        }

        /** Whether -e or -l asked for logs on stderr. */
        boolean logs() {
            return logToStderr || logLevel != null;
        }
    }

    /**
     * Reads sftp-server flags given after {@code internal-sftp} (a config file's {@code Subsystem}
     * or {@code ForceCommand}) with the same parser and checks as the command line.
     *
     * @throws IllegalArgumentException the reason, e.g. {@code Unknown option: '-x'}
     */
    static Flags parseFlags(List<String> args) {
        SftpServerCommand c = new SftpServerCommand();
        CommandLine cl = new CommandLine(c);
        try {
            CommandLine.ParseResult r = cl.parseArgs(args.toArray(String[]::new));
            if (r.isUsageHelpRequested() || r.isVersionHelpRequested() || c.query != null) {
                throw new IllegalArgumentException("-h, -V and -Q are not flags of a session");
            }
            return c.flags();
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    /** The flags, checked as sftp-server checks them. */
    Flags flags() {
        int mask = -1;
        if (umask != null) {
            try {
                mask = Integer.parseInt(umask, 8);
            } catch (NumberFormatException e) {
                mask = -1;
            }
            if (mask < 0 || mask > 0777 || umask.startsWith("+") || umask.startsWith("-")) {
                throw usage("Invalid umask \"" + umask + "\"");
            }
        }
        String level = null;
        if (logLevel != null) {
            level = logLevel.toUpperCase(Locale.ROOT);
            if (!LOG_LEVELS.contains(level)) {
                throw usage("Invalid log level \"" + logLevel + "\"; use one of " + String.join(", ", LOG_LEVELS));
            }
        }
        if (startDir != null) {
            try {
                expand(startDir, "/home", "user");
            } catch (IllegalArgumentException e) {
                throw usage("-d: " + e.getMessage());
            }
        }
        return new Flags(startDir, readOnly, mask, requests("-p", allowed), requests("-P", denied), level, logToStderr);
    }

    private Set<String> requests(String flag, String list) {
        Set<String> out = new LinkedHashSet<>();
        if (list == null) {
            return out;
        }
        for (String name : list.split(",", -1)) {
            if (!SftpServer.REQUEST_NAMES.contains(name)) {
                throw usage(flag + ": unknown request name \"" + name + "\"; known: " + String.join(",", SftpServer.REQUEST_NAMES));
            }
            out.add(name);
        }
        return out;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec != null ? spec.commandLine() : new CommandLine(this), message);
    }

    /**
     * sftp-server's {@code -d} tokens: {@code %d} the home directory, {@code %u} the user name,
     * {@code %%} a percent sign; any other {@code %} is an error.
     */
    static String expand(String text, String home, String user) {
        return Cli.expandTokens(text, t -> t == 'd' ? home : t == 'u' ? user : null, "%d, %u and %%");
    }

    @Override
    public Integer call() {
        Flags f = flags();
        PrintStream stdout = System.out;
        if (query != null) {
            if (!query.equalsIgnoreCase("requests")) {
                throw usage("-Q: unknown query \"" + query + "\"; the one query is 'requests'");
            }
            SftpServer.REQUEST_NAMES.forEach(stdout::println);
            stdout.flush();
            return 0;
        }
        configureLogging(f);
        // from here on stdout is the SFTP stream: anything printed by mistake goes to stderr
        System.setOut(System.err);
        Path start = startDirectory(f);
        SftpServer server = f.apply(SftpServer.builder()).build();
        InputStream in = new BufferedInputStream(new FileInputStream(FileDescriptor.in), 1 << 16);
        OutputStream out = new FileOutputStream(FileDescriptor.out);
        try {
            server.serve(in, out, Cli.localUser(), SftpRoot.host(start));
            return 0;
        } catch (IOException e) {
            Cli.error(System.err, "tether sftp-server", String.valueOf(e.getMessage()));
            return 1;
        }
    }

    /** -d (relative to the working directory, as sftp-server's chdir), else $HOME; a -d that is no directory is logged and ignored. */
    private Path startDirectory(Flags f) {
        Path home = Cli.home().toAbsolutePath().normalize();
        String d = f.startDir(home.toString(), Cli.localUser());
        if (d == null) {
            return home;
        }
        Path p = Path.of("").toAbsolutePath().resolve(d).normalize();
        if (!Files.isDirectory(p)) {
            LoggerFactory.getLogger(SftpServerCommand.class).error("chdir to \"{}\" failed: not a directory; starting in {}", d, home);
            return home;
        }
        return p;
    }

    /**
     * slf4j-simple on stderr at the level of -l (ERROR with -e alone); without -e and -l, off:
     * only fatal errors are printed, by the command itself. A level set with
     * {@code -Dorg.slf4j.simpleLogger.defaultLogLevel} stands unless -e or -l is given.
     */
    static void configureLogging(Flags f) {
        String key = "org.slf4j.simpleLogger.defaultLogLevel";
        if (f.logs() || System.getProperty(key) == null) {
            System.setProperty(key, !f.logs() ? "off" : slf4jLevel(f.logLevel() == null ? "ERROR" : f.logLevel()));
        }
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
        System.setProperty("org.slf4j.simpleLogger.showShortLogName", "true");
    }

    /** sftp-server's level as slf4j-simple's: INFO and VERBOSE show the event lines, DEBUG2 and DEBUG3 trace. */
    static String slf4jLevel(String level) {
        return switch (level) {
            case "QUIET", "FATAL" -> "off";
            case "ERROR" -> "error";
            case "INFO", "VERBOSE" -> "info";
            case "DEBUG", "DEBUG1" -> "debug";
            default -> "trace";
        };
    }
}
