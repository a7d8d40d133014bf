package dev.tether.ssh.session;

import dev.tether.ssh.pty.ProcessSignals;
import dev.tether.ssh.pty.PtyProcess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tells how a session's command ended: by {@code exit(N)} or by signal, which RFC 4254 §6.10
 * reports differently ({@code exit-status} against {@code exit-signal}). The JDK, and pty4j,
 * turn a death by signal N into status 128 + N, indistinguishable from {@code exit(128 + N)},
 * so the command runs under a small Perl parent (Perl is part of every Debian and most Unix
 * systems) that forks it, waits for it, and writes the raw wait status as one line to a file in
 * a directory private to this JVM (mode 700), then exits with the shell's 128 + N convention.
 *
 * <p>The command starts with no signal blocked and the default action for the usual signals, as
 * under sshd: the JVM blocks SIGQUIT in its threads, and a child would otherwise inherit that. The wrapper ignores the catchable job-control and termination signals, so that a
 * {@code signal} request sent to the session's process group, or a Ctrl-C on its terminal,
 * reaches the command but not the wrapper. SIGKILL to the group kills both; no file is written
 * then, and a status above 128 is taken as that signal. Without Perl, or if the private
 * directory cannot be made, commands run unwrapped and a signal shows as 128 + N.
 */
final class ExitReport {
    private static final Logger log = LoggerFactory.getLogger(ExitReport.class);

    /**
     * The wrapper: {@code perl -e SCRIPT SIGPROCMASK_NR STATUS_FILE PROGRAM ARGS...}. Signal
     * names come from Perl's build of the C library's table, loaded only when needed.
     */
    private static final String SCRIPT = String.join("\n",
            "my $nr = shift @ARGV; my $file = shift @ARGV;",
            "my @sigs = qw(HUP INT QUIT TERM PIPE USR1 USR2 ALRM TSTP TTIN TTOU);",
            // ignored before the fork: a signal to the group from a command that starts fast must not take the wrapper
            "$SIG{$_} = 'IGNORE' for @sigs;",
            "my $pid = fork;",
            "defined $pid or die \"tether: fork: $!\\n\";",
            "if ($pid == 0) {",
            "  $SIG{$_} = 'DEFAULT' for @sigs, qw(CHLD XFSZ XCPU);",
            "  my $none = \"\\0\" x 8;",
            "  if ($nr) { syscall($nr, 2, $none, 0, 8); }",
            "  else { require POSIX; POSIX::sigprocmask(POSIX::SIG_SETMASK(), POSIX::SigSet->new()); }",
            "  exec { $ARGV[0] } @ARGV; print STDERR \"tether: $ARGV[0]: $!\\n\"; exit 127;",
            "}",
            "waitpid($pid, 0) == $pid or exit 255;",
            "my $st = $?; my $sig = $st & 127; my $line = 'exit ' . ($st >> 8);",
            "if ($sig) { require Config; my @n = split ' ', $Config::Config{sig_name};",
            "  $line = 'signal ' . ($n[$sig] // $sig) . ' ' . (($st & 128) ? 1 : 0); }",
            "if (open my $fh, '>', $file) { print $fh \"$line\\n\"; close $fh; }",
            "exit($sig ? 128 + $sig : $st >> 8);");

    /**
     * Linux's {@code rt_sigprocmask} syscall number on this architecture, for the wrapper to
     * clear the blocked-signal mask without loading Perl's POSIX module; 0 where unknown.
     */
    private static final String SIGPROCMASK_NR = switch (System.getProperty("os.name", "") + "/" + System.getProperty("os.arch", "")) {
        case "Linux/amd64", "Linux/x86_64" -> "14";
        case "Linux/aarch64" -> "135";
        default -> "0";
    };

    private static final String PERL = perl();
    private static final AtomicLong COUNTER = new AtomicLong();
    private static volatile Path directory;

    private final Path file;

    private ExitReport(Path file) {
        this.file = file;
    }

    private static String perl() {
        for (String p : List.of("/usr/bin/perl", "/bin/perl")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return null;
    }

    private static synchronized Path directory() throws IOException {
        Path d = directory;
        if (d == null || !Files.isDirectory(d)) {
            d = Files.createTempDirectory("tether-exit-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            d.toFile().deleteOnExit();
            directory = d;
        }
        return d;
    }

    /** A report for one command, or null when commands cannot be wrapped here. */
    static ExitReport create() {
        if (PERL == null) {
            return null;
        }
        try {
            return new ExitReport(directory().resolve("exit-" + COUNTER.incrementAndGet()));
        } catch (IOException | UnsupportedOperationException e) {
            log.debug("no private directory for exit reports: {}", e.toString());
            return null;
        }
    }

    /** {@code argv} run under the wrapper. */
    List<String> wrap(List<String> argv) {
        List<String> out = new ArrayList<>(argv.size() + 4);
        out.add(PERL);
        out.add("-e");
        out.add(SCRIPT);
        out.add(SIGPROCMASK_NR);
        out.add(file.toString());
        out.addAll(argv);
        return out;
    }

    /**
     * How the command ended, given the wrapper's own status as the JDK reported it; deletes the
     * file. Never fails: an unreadable report falls back to the status.
     */
    PtyProcess.Exit exit(int wrapperStatus) {
        String line = null;
        try {
            if (Files.exists(file)) {
                line = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).strip();
            }
        } catch (IOException e) {
            log.debug("cannot read {}: {}", file, e.toString());
        } finally {
            discard();
        }
        return parse(line, wrapperStatus);
    }

    /** Deletes the report file (also for a command that never started). */
    void discard() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.debug("cannot delete {}: {}", file, e.toString());
        }
    }

    static PtyProcess.Exit parse(String line, int wrapperStatus) {
        if (line != null) {
            String[] f = line.split(" ");
            try {
                if (f.length == 2 && f[0].equals("exit")) {
                    return PtyProcess.Exit.status(Integer.parseInt(f[1]));
                }
                if (f.length == 3 && f[0].equals("signal")) {
                    return signal(f[1], f[2].equals("1"), wrapperStatus);
                }
            } catch (NumberFormatException e) {
                // fall through to the status
            }
            log.debug("unreadable exit report '{}'", line);
            return PtyProcess.Exit.status(wrapperStatus);
        }
        // no report: the wrapper itself died, which only SIGKILL (to the whole group) does
        if (wrapperStatus == 128 + 9) {
            return new PtyProcess.Exit(wrapperStatus, "KILL", false);
        }
        return PtyProcess.Exit.status(wrapperStatus);
    }

    /** RFC 4254 §6.10 names, and OpenSSH's {@code SIG@openssh.com} for the rest. */
    private static PtyProcess.Exit signal(String name, boolean core, int wrapperStatus) {
        String n = ProcessSignals.isKnown(name) ? name : "SIG@openssh.com";
        return new PtyProcess.Exit(wrapperStatus, n, core);
    }
}
