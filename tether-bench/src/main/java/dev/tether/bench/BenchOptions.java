package dev.tether.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The command-line parsing the process benchmarks ({@link ProcessBench}, {@link SftpProcessBench},
 * {@link SftpClientBench}) share: {@code --name VALUE} options and bare {@code --flag}s, each
 * bound to a setter; {@code -h}/{@code --help} prints the usage and exits 0; an unknown or
 * malformed option, a bad number or a failed check prints what is wrong and the usage, and exits 2.
 */
final class BenchOptions {
    private final String usage;
    private final Map<String, Consumer<String>> valued = new LinkedHashMap<>();
    private final Map<String, Runnable> flags = new LinkedHashMap<>();

    /** @param usage the text {@code --help} prints (to stderr) */
    BenchOptions(String usage) {
        this.usage = usage;
    }

    /** {@code --name VALUE}; {@code names} may hold aliases separated by {@code |}, e.g. {@code "--case|--cases"}. */
    BenchOptions value(String names, Consumer<String> set) {
        for (String n : names.split("\\|")) {
            valued.put(n, set);
        }
        return this;
    }

    /** A bare {@code --name}. */
    BenchOptions flag(String name, Runnable set) {
        flags.put(name, set);
        return this;
    }

    void parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                usage(0);
            }
            Runnable flag = flags.get(a);
            if (flag != null) {
                flag.run();
                continue;
            }
            Consumer<String> set = valued.get(a);
            if (set == null) {
                fail(a.startsWith("--") ? "unknown option " + a : "bad option " + a);
            }
            if (i + 1 >= args.length) {
                fail("option " + a + " needs a value");
            }
            String v = args[++i];
            try {
                set.accept(v);
            } catch (NumberFormatException e) {
                fail("not a number: " + a + " " + v);
            }
        }
    }

    /** Fails with "an option is out of range" unless {@code ok}. */
    void check(boolean ok) {
        if (!ok) {
            fail("an option is out of range");
        }
    }

    /** Fails unless every one of {@code given} is one of {@code known}. */
    void checkKnown(List<String> given, List<String> known, String what) {
        for (String g : given) {
            if (!known.contains(g)) {
                fail("unknown " + what + " " + g + " (known: " + String.join(",", known) + ")");
            }
        }
    }

    void fail(String message) {
        System.err.println(message);
        usage(2);
    }

    void usage(int status) {
        System.err.println(usage);
        System.exit(status);
    }

    /** A comma-separated list. */
    static List<String> list(String v) {
        return List.of(v.split(","));
    }

    /** Whitespace-separated words (JVM options), none if blank. */
    static List<String> words(String v) {
        return v.isBlank() ? List.of() : List.of(v.trim().split("\\s+"));
    }
}
