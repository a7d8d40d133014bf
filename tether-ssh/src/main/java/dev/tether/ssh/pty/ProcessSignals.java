package dev.tether.ssh.pty;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Delivers the signals of RFC 4254 §6.9/§6.10 to local processes. The JDK can only send TERM
 * and KILL ({@link ProcessHandle#destroy}), so this runs the POSIX shell's {@code kill} builtin,
 * which every Unix has, with the signal by name; names outside the RFC's list are refused before
 * anything runs.
 */
public final class ProcessSignals {
    /** The signal names of RFC 4254 §6.10, without {@code SIG}. */
    public static final Set<String> NAMES = Set.of("ABRT", "ALRM", "FPE", "HUP", "ILL", "INT", "KILL", "PIPE", "QUIT",
            "SEGV", "TERM", "USR1", "USR2");

    private static final long WAIT_SECONDS = 10;

    private ProcessSignals() {
    }

    public static boolean isKnown(String name) {
        return NAMES.contains(name);
    }

    /**
     * Sends {@code name} to process {@code pid}, or with {@code group} to the process group whose
     * id is {@code pid} (the process must lead its group). Waits a bounded time for {@code kill}.
     *
     * @throws IllegalArgumentException for a name outside RFC 4254 §6.10
     * @throws IOException              when {@code kill} fails, e.g. the process is gone
     */
    public static void send(long pid, String name, boolean group) throws IOException {
        if (!isKnown(name)) {
            throw new IllegalArgumentException("not an RFC 4254 signal name: " + name);
        }
        if (pid <= 1) {
            throw new IllegalArgumentException("refusing to signal pid " + pid);
        }
        String target = (group ? "-" : "") + pid;
        Process p = new ProcessBuilder(List.of("/bin/sh", "-c", "kill -s \"$1\" -- \"$2\"", "sh", name, target))
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        try {
            if (!p.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("kill -s " + name + " " + target + " did not finish");
            }
            if (p.exitValue() != 0) {
                String out = new String(p.getInputStream().readNBytes(512), StandardCharsets.UTF_8).strip();
                throw new IOException("kill -s " + name + " " + target + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted sending " + name, e);
        }
    }
}
