package dev.tether.ssh.pty;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Delivers the signals of RFC 4254 §6.9/§6.10 to local processes. The JDK can only send TERM
 * and KILL ({@link ProcessHandle#destroy}), so this runs the POSIX shell's {@code kill} builtin,
 * which every Unix has, with the signal by name; names outside the RFC's list are refused before
 * anything runs.
 */
public final class ProcessSignals {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ProcessSignals.class);
    /** The signal names of RFC 4254 §6.10, without {@code SIG}. */
    public static final Set<String> NAMES = Set.of("ABRT", "ALRM", "FPE", "HUP", "ILL", "INT", "KILL", "PIPE", "QUIT",
            "SEGV", "TERM", "USR1", "USR2");

    private static final long WAIT_SECONDS = 10;

    private ProcessSignals() {
    }

    /**
     * Whether a name is one of the RFC 4254 §6.10 signal names in {@link #NAMES}.
     *
     * @param name a signal name without {@code SIG}, e.g. {@code TERM}
     * @return whether {@link #send} accepts it
     */
    public static boolean isKnown(String name) {
        return NAMES.contains(name);
    }

    /**
     * Sends {@code name} to process {@code pid}, or with {@code group} to the process group whose
     * id is {@code pid} (the process must lead its group). Waits a bounded time for {@code kill}.
     *
     * @param pid   the process id, or with {@code group} the process group id; must be above 1
     * @param name  the signal name without {@code SIG}, one of {@link #NAMES}
     * @param group whether to signal the whole process group {@code pid} rather than the one process
     * @throws IllegalArgumentException for a name outside RFC 4254 §6.10
     * @throws IOException              when {@code kill} fails, e.g. the process is gone
     * @throws IllegalArgumentException for a pid of 1 or less
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

    /**
     * Ends a session's command: {@code first} (TERM, or HUP for a terminal's hang-up) to the
     * process group {@code p} leads when {@code group}, else SIGTERM to {@code p} and its
     * descendants; then, once {@code p} ended or {@code grace} passed, {@code first} again to
     * what is left of its group; and SIGKILL to the group, {@code p} and its descendants if
     * anything is still there at the deadline. Blocks for about {@code grace} at most.
     *
     * <p>The second round is for members the first missed: one forked just after it, one forked
     * by a wrapper while its child still ignored the signal (between its fork and exec), or one
     * that ignores it and whose parent ended. Waiting for {@code p} alone would leave those
     * running once it exited.
     *
     * @param p     the session's command process
     * @param first the signal to send first, without {@code SIG}: {@code TERM}, or {@code HUP} for a hang-up
     * @param group whether {@code p} leads its own process group, which then gets the signals
     * @param grace how long to wait for {@code p} to end before the second round and SIGKILL
     */
    public static void hangUp(Process p, String first, boolean group, Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        if (group && p.isAlive()) {
            sendQuietly(p.pid(), first, true);
        }
        if (!group || first.equals("TERM")) {
            descendants(p).forEach(ProcessHandle::destroy);
            p.destroy();
        }
        boolean left = !awaitUntil(p.onExit(), deadline);
        if (group) {
            List<ProcessHandle> members = groupMembers(p.pid());
            if (!members.isEmpty()) {
                sendQuietly(p.pid(), first, true);
                awaitUntil(CompletableFuture.allOf(members.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new)), deadline);
                left |= !groupMembers(p.pid()).isEmpty();
            }
        }
        if (left) {
            if (group) {
                sendQuietly(p.pid(), "KILL", true);
            }
            descendants(p).forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private static java.util.stream.Stream<ProcessHandle> descendants(Process p) {
        return ProcessHandle.of(p.pid()).stream().flatMap(ProcessHandle::descendants);
    }

    /** Waits for {@code f} until {@code deadline} (a {@link System#nanoTime} value); whether it completed. */
    private static boolean awaitUntil(CompletableFuture<?> f, long deadline) {
        try {
            f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return f.isDone();
        } catch (ExecutionException e) {
            return true;
        } catch (TimeoutException e) {
            return false;
        }
    }

    /** {@link #send}, for a group that may be gone or not made yet: failures are only logged. */
    private static void sendQuietly(long pid, String name, boolean group) {
        try {
            send(pid, name, group);
        } catch (IOException | RuntimeException e) {
            log.debug("SIG{} to {}{}: {}", name, group ? "process group " : "process ", pid, e.toString());
        }
    }

    /**
     * The live processes whose process group is {@code pgid}, read from Linux's {@code /proc};
     * empty where there is no {@code /proc}. A group outlives its leader while any member lives,
     * and the kernel does not reuse its id meanwhile, so a signal to a group found non-empty
     * reaches only those members and their later children.
     *
     * @param pgid the process group id
     * @return handles to the group's live processes; empty when none, or without {@code /proc}
     */
    public static List<ProcessHandle> groupMembers(long pgid) {
        List<ProcessHandle> members = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> isNumber(p.getFileName().toString()))) {
            for (Path proc : procs) {
                if (pgrp(proc) == pgid) {
                    ProcessHandle.of(Long.parseLong(proc.getFileName().toString())).ifPresent(members::add);
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc here: nothing known
        }
        return members;
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /**
     * The process group in {@code /proc/PID/stat}: the third field after the command name, which
     * is in parentheses and may itself hold spaces and parentheses; -1 when the process is gone.
     */
    static long pgrp(Path proc) {
        String stat;
        try {
            stat = Files.readString(proc.resolve("stat"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return -1;
        }
        String[] after = stat.substring(stat.lastIndexOf(')') + 1).trim().split(" ");
        return after.length > 2 ? Long.parseLong(after[2]) : -1;
    }
}
