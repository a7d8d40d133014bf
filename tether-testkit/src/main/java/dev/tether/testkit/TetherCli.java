package dev.tether.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code tether} command in a child JVM: this JVM's java, its class path (in tether-cli's
 * tests that is tether-cli's built classes and dependencies) and the main class
 * {@value #MAIN_CLASS}, named as a string since the testkit depends on no Tether module.
 *
 * <p>Thread-safe (stateless). Cleans up: a run is killed (with descendants) at its deadline.
 */
public final class TetherCli {
    public static final String MAIN_CLASS = "dev.tether.cli.Tether";
    /** The deadline of {@link #run}. */
    public static final Duration TIMEOUT = Duration.ofSeconds(90);

    private TetherCli() {
    }

    /** The JVM option bin/tether-jvm.args passes so that chacha20-poly1305 can use the JDK's Poly1305. */
    public static final String ADD_OPENS = "--add-opens=java.base/com.sun.crypto.provider=ALL-UNNAMED";

    /** The command line that runs {@code tether ARGS}. */
    public static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add(ADD_OPENS); // as bin/tether-jvm.args: the JDK's intrinsic Poly1305 for chacha20-poly1305
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(MAIN_CLASS);
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** An environment for the command: HOME set, no agent, C locale (a mutable map; null values remove). */
    public static Map<String, String> env(Path home) {
        Map<String, String> env = new HashMap<>(Processes.withoutAgent(Map.of()));
        env.put("HOME", home.toString());
        env.put("LC_ALL", "C");
        return env;
    }

    /** Runs {@code tether ARGS} with HOME set to {@code home}, stdin from /dev/null, bounded by {@link #TIMEOUT}. */
    public static Processes.Result run(Path home, String... args) throws IOException {
        return Processes.run(command(args), env(home), null, null, TIMEOUT);
    }

    /** The local user name, as OpenSSH's default for {@code User} (and tether's). */
    public static String localUser() {
        String u = System.getProperty("user.name");
        return u == null || u.isEmpty() ? "root" : u;
    }
}
