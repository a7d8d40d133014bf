package dev.tether.testkit;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The real peers the interop tests run (where each program is installed) and the one place that
 * decides what a missing one means: normally the test is skipped (a JUnit assumption), but where
 * peers are required, when the environment has {@code CI=true} or {@code TETHER_REQUIRE_PEERS=1}
 * ({@code bin/test} exports the latter), the test fails, so a missing install can never turn an
 * interop suite into a green run of skips.
 *
 * <p>Only the absence of a program (or of a library such as paramiko) goes through here. A skip
 * for another reason (not root, a peer version without some algorithm) stays a plain assumption
 * in the test, with a comment saying why.
 *
 * <p>Thread-safe: stateless but for the cached paramiko probe (computed at most a few times by
 * racing threads, always to the same answer). The probe's temporary directory is deleted.
 */
public final class Peers {
    public static final Path SSH = Path.of("/usr/bin/ssh");
    public static final Path SCP = Path.of("/usr/bin/scp");
    public static final Path SFTP = Path.of("/usr/bin/sftp");
    public static final Path SSHD = Path.of("/usr/sbin/sshd");
    public static final Path SFTP_SERVER = Path.of("/usr/lib/openssh/sftp-server");
    public static final Path SSH_KEYGEN = Path.of("/usr/bin/ssh-keygen");
    public static final Path SSH_AGENT = Path.of("/usr/bin/ssh-agent");
    public static final Path SSH_ADD = Path.of("/usr/bin/ssh-add");
    public static final Path SSHPASS = Path.of("/usr/bin/sshpass");
    /** The Debian python3 that has paramiko; another python3 may come first on PATH. */
    public static final Path PYTHON = Path.of("/usr/bin/python3");
    public static final Path TMUX = Path.of("/usr/bin/tmux");
    public static final Path HAPROXY = Path.of("/usr/sbin/haproxy");

    /** Set to 1 (bin/test does) to make a missing peer fail instead of skip. */
    public static final String REQUIRE_ENV = "TETHER_REQUIRE_PEERS";

    private static volatile Boolean paramiko;

    private Peers() {
    }

    /** Whether a missing peer fails the test: {@code CI=true} or {@code TETHER_REQUIRE_PEERS=1} in the environment. */
    public static boolean required() {
        return required(System.getenv());
    }

    static boolean required(Map<String, String> env) {
        String ci = env.get("CI");
        String require = env.get(REQUIRE_ENV);
        return "true".equalsIgnoreCase(ci) || "1".equals(require) || "true".equalsIgnoreCase(require);
    }

    /**
     * Goes on if {@code present}; otherwise skips the test (JUnit assumption), or fails it where
     * peers are {@link #required()}.
     *
     * @param what the missing peer, as a person installs it, e.g. "OpenSSH client /usr/bin/ssh (openssh-client)"
     */
    public static void require(String what, boolean present) {
        require(what, present, required());
    }

    static void require(String what, boolean present, boolean strict) {
        if (present) {
            return;
        }
        if (strict) {
            Assertions.fail(what + " is missing, and peers are required here (CI=true or " + REQUIRE_ENV
                    + "=1): install it (bin/test installs every peer) instead of skipping the test");
        }
        Assumptions.abort(what + " is missing; skipped (with CI=true or " + REQUIRE_ENV + "=1 this fails)");
    }

    /** {@link #require} that {@code program} is an executable file; {@code debianPackage} says where it comes from. */
    public static void requireExecutable(Path program, String debianPackage) {
        require(program + " (Debian package " + debianPackage + ")", Files.isExecutable(program));
    }

    public static void requireSsh() {
        requireExecutable(SSH, "openssh-client");
    }

    public static void requireSshd() {
        requireExecutable(SSHD, "openssh-server");
    }

    public static void requireSshKeygen() {
        requireExecutable(SSH_KEYGEN, "openssh-client");
    }

    /** ssh-agent and ssh-add. */
    public static void requireSshAgent() {
        requireExecutable(SSH_AGENT, "openssh-client");
        requireExecutable(SSH_ADD, "openssh-client");
    }

    public static void requireSshpass() {
        requireExecutable(SSHPASS, "sshpass");
    }

    public static void requireTmux() {
        requireExecutable(TMUX, "tmux");
    }

    public static void requireHaproxy() {
        requireExecutable(HAPROXY, "haproxy");
    }

    /** {@link #PYTHON} exists and imports paramiko. */
    public static void requireParamiko() {
        require("paramiko for " + PYTHON + " (Debian package python3-paramiko)", paramikoAvailable());
    }

    /** Whether {@link #PYTHON} can import paramiko (probed once per JVM, bounded). */
    public static boolean paramikoAvailable() {
        Boolean a = paramiko;
        if (a == null) {
            a = false;
            if (Files.isExecutable(PYTHON)) {
                Path d = TempDirs.create("tether-paramiko-probe-");
                try {
                    a = Processes.run(List.of(PYTHON.toString(), "-c", "import paramiko"), d, Duration.ofSeconds(30)).exitCode() == 0;
                } catch (IOException e) {
                    a = false;
                } finally {
                    TempDirs.deleteTree(d);
                }
            }
            paramiko = a;
        }
        return a;
    }

    /** The first executable {@code name} on the PATH (then /usr/bin, /usr/sbin), or null. */
    public static Path find(String name) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.add("/usr/bin");
        dirs.add("/usr/sbin");
        for (String d : dirs) {
            if (!d.isEmpty()) {
                Path p = Path.of(d, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    /** {@link #find} that {@link #require requires} the program; {@code debianPackage} says where it comes from. */
    public static Path requireOnPath(String name, String debianPackage) {
        Path p = find(name);
        require(name + " (Debian package " + debianPackage + ")", p != null);
        return p;
    }
}
