package dev.tether.cli;

import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.file.Path;

/**
 * Small helpers shared by the client subcommands: the home directory as OpenSSH sees it, tilde
 * expansion, logging set-up, and whether a person is at a terminal.
 */
final class Cli {
    private static final String LOG_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";

    private Cli() {
    }

    /** {@code ~}: $HOME when set (as OpenSSH does), else the password database's home. */
    static Path home() {
        String home = System.getenv("HOME");
        return Path.of(home != null && !home.isEmpty() ? home : System.getProperty("user.home"));
    }

    /** Expands a leading {@code ~} or {@code ~/}; other paths are returned as they are. */
    static String expandTilde(String path) {
        if (path.equals("~")) {
            return home().toString();
        }
        if (path.startsWith("~/")) {
            return home().resolve(path.substring(2)).toString();
        }
        return path;
    }

    /**
     * OpenSSH's percent_expand: {@code %%} is a percent sign and {@code %X} what {@code tokens}
     * gives for X; a token it gives null for, or a lone {@code %} at the end, is an error.
     *
     * @param known the tokens named in the error, e.g. {@code "%d, %u and %%"}
     */
    static String expandTokens(String text, java.util.function.Function<Character, String> tokens, String known) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '%') {
                b.append(c);
                continue;
            }
            String token = i + 1 < text.length() ? "%" + text.charAt(++i) : "%";
            String value = token.equals("%%") ? "%" : token.length() == 2 ? tokens.apply(token.charAt(1)) : null;
            if (value == null) {
                throw new IllegalArgumentException("unknown token " + token + " in \"" + text + "\" (" + known + " are known)");
            }
            b.append(value);
        }
        return b.toString();
    }

    /** The local user name, as OpenSSH's default for {@code User}. */
    /** A {@code debug1:} line on {@code err} when the settings' LogLevel is a DEBUG level ({@code -v}). */
    static void debug(dev.tether.ssh.client.ClientSettings s, java.io.PrintStream err, String message) {
        if (s.debug()) {
            err.println("debug1: " + message);
        }
    }

    static String localUser() {
        String u = System.getProperty("user.name");
        return u == null || u.isEmpty() ? "root" : u;
    }

    /**
     * Sets the library's log level (slf4j-simple) unless the user chose one with
     * {@code -Dorg.slf4j.simpleLogger.defaultLogLevel}. Must run before any library class logs.
     *
     * @param verbosity 0: errors only (the tools print their own messages); 1: debug; 2+: trace
     */
    static void configureLogging(int verbosity) {
        if (System.getProperty(LOG_LEVEL) == null || verbosity > 0) {
            System.setProperty(LOG_LEVEL, verbosity <= 0 ? "error" : verbosity == 1 ? "debug" : "trace");
        }
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    }

    /**
     * Whether the JVM has a console that is a real terminal. JDK 22+ returns a console even when
     * the streams are redirected, and says so with {@code isTerminal()}; up to JDK 21 a console
     * exists only when stdin and stdout are terminals.
     */
    static boolean hasConsole() {
        java.io.Console c = System.console();
        if (c == null) {
            return false;
        }
        try {
            Method m = java.io.Console.class.getMethod("isTerminal");
            return (Boolean) m.invoke(c);
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    /** Prints {@code prefix: message} to stderr. */
    static void error(PrintStream err, String prefix, String message) {
        err.println(prefix + ": " + message);
        err.flush();
    }
}
