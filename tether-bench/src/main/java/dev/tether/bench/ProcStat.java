package dev.tether.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Linux {@code /proc} readings for whole-process benchmarks: CPU time of a process tree, resident
 * memory, thread counts.
 *
 * <p><b>CPU of a tree.</b> {@code /proc/PID/stat} holds {@code utime + stime} of the process (all
 * its threads, live and exited) and {@code cutime + cstime} of the children it has reaped (with
 * what those had reaped in turn). The sum of the four over every live process of the tree counts
 * each process that ever ran in it exactly once, provided every exited process was reaped inside
 * the tree (sshd's per-connection processes are reaped by the listener, a JVM's children by the
 * JVM). Sample it when the tree is quiet, e.g. after the listener has reaped its children.
 */
final class ProcStat {
    /** USER_HZ; 100 on every Linux architecture Tether runs on ({@code getconf CLK_TCK}). */
    static final long CLOCK_TICKS_PER_SECOND = 100;
    private static final long NANOS_PER_TICK = 1_000_000_000L / CLOCK_TICKS_PER_SECOND;

    private ProcStat() {
    }

    /** The fields of {@code /proc/PID/stat} after the command name: index 0 is field 3 (state). */
    private static String[] statFields(long pid) throws IOException {
        String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        int close = s.lastIndexOf(')');
        return s.substring(close + 2).trim().split(" ");
    }

    /** utime + stime + cutime + cstime of one process, in ns; 0 if it has gone. */
    static long processCpuNanos(long pid) {
        try {
            String[] f = statFields(pid);
            // fields 14..17 of stat(5) are indexes 11..14 here
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
            return ticks * NANOS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /**
     * Where a JVM's own CPU time went, in ns: {@code [total, jit, gc, otherLive, exited]}. Total is
     * utime + stime of the process (all threads, live and exited; children excluded); JIT is the
     * C1/C2 compiler threads, GC the GC and VM threads, otherLive every other live thread (on
     * JDK 21+ that includes the virtual-thread carriers), exited the threads that have ended
     * (on JDK 17, the connections' platform threads).
     */
    static long[] jvmCpuBreakdown(long pid) {
        long[] r = new long[5];
        try {
            String[] f = statFields(pid);
            r[0] = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * NANOS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return r;
        }
        long live = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : ds) {
                try {
                    String s = Files.readString(task.resolve("stat"));
                    String comm = s.substring(s.indexOf('(') + 1, s.lastIndexOf(')'));
                    String[] f = s.substring(s.lastIndexOf(')') + 2).trim().split(" ");
                    long ns = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * NANOS_PER_TICK;
                    live += ns;
                    if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
                        r[1] += ns;
                    } else if (comm.startsWith("GC ") || comm.startsWith("G1 ") || comm.startsWith("VM Thread")) {
                        r[2] += ns;
                    } else {
                        r[3] += ns;
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread has just ended: its time shows in the total, so in "exited"
                }
            }
        } catch (IOException e) {
            return r;
        }
        r[4] = r[0] - live;
        return r;
    }

    /** The parent pid of every live process. */
    private static Map<Long, List<Long>> childrenMap() {
        Map<Long, List<Long>> children = new HashMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path p : ds) {
                long pid = Long.parseLong(p.getFileName().toString());
                try {
                    long ppid = Long.parseLong(statFields(pid)[1]);
                    children.computeIfAbsent(ppid, k -> new ArrayList<>()).add(pid);
                } catch (IOException | RuntimeException e) {
                    // the process has just exited
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return children;
    }

    /** {@code root} and all its live descendants. */
    static Set<Long> tree(long root) {
        Map<Long, List<Long>> children = childrenMap();
        Set<Long> out = new HashSet<>();
        List<Long> todo = new ArrayList<>(List.of(root));
        while (!todo.isEmpty()) {
            long pid = todo.remove(todo.size() - 1);
            if (out.add(pid)) {
                todo.addAll(children.getOrDefault(pid, List.of()));
            }
        }
        return out;
    }

    /** The live descendants of {@code root} (not itself). */
    static int descendantCount(long root) {
        return tree(root).size() - 1;
    }

    /** CPU time of the process tree under {@code root}, ns; see the class comment. */
    static long treeCpuNanos(long root) {
        long sum = 0;
        for (long pid : tree(root)) {
            sum += processCpuNanos(pid);
        }
        return sum;
    }

    /**
     * Resident memory of the process tree under {@code root}: {@code [rssKib, pssKib, processes,
     * threads]}, the sums of VmRSS (counts shared pages once per process), of Pss from
     * {@code smaps_rollup} (shares them out; Linux 4.14+, -1 without) and of Threads.
     */
    static long[] treeMemory(long root) {
        long[] r = new long[4];
        for (long pid : tree(root)) {
            long rss = status(pid, "VmRSS");
            if (rss < 0) {
                continue; // gone, or a kernel thread
            }
            r[0] += rss;
            long pss = smapsRollup(pid, "Pss");
            r[1] = r[1] < 0 || pss < 0 ? -1 : r[1] + pss;
            r[2]++;
            r[3] += Math.max(0, status(pid, "Threads"));
        }
        return r;
    }

    /** A line of {@code /proc/PID/smaps_rollup} such as Pss, in kB; -1 if absent. */
    static long smapsRollup(long pid, String key) {
        return keyedNumber(Path.of("/proc", Long.toString(pid), "smaps_rollup"), key);
    }

    /**
     * TCP connections (IPv4 and IPv6) whose local port is {@code port} and that the owning process
     * has not closed yet: states SYN_RECV, ESTABLISHED and CLOSE_WAIT. A server with none has
     * finished with every client.
     */
    static int openTcpConnections(int port) {
        int n = 0;
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(table));
            } catch (IOException e) {
                continue; // no IPv6
            }
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                // sl local_address rem_address st ...; addresses are HEXADDR:HEXPORT
                String[] f = line.trim().split("\\s+");
                if (f.length < 4) {
                    continue;
                }
                int colon = f[1].lastIndexOf(':');
                int local = Integer.parseInt(f[1].substring(colon + 1), 16);
                String state = f[3];
                if (local == port && (state.equals("01") || state.equals("03") || state.equals("08"))) {
                    n++;
                }
            }
        }
        return n;
    }

    /** A line of {@code /proc/PID/status} such as VmRSS or Threads, as a number (kB for sizes); -1 if absent. */
    static long status(long pid, String key) {
        return keyedNumber(Path.of("/proc", Long.toString(pid), "status"), key);
    }

    /** The number after {@code KEY:} in a file of such lines; -1 if absent or unreadable. */
    private static long keyedNumber(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key + ":")) {
                    return Long.parseLong(line.substring(key.length() + 1).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return -1;
    }
}
