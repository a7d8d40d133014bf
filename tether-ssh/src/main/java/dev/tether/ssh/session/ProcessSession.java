package dev.tether.ssh.session;

import dev.tether.ssh.common.Channel;
import dev.tether.ssh.connection.ChannelImpl;
import dev.tether.ssh.pty.ProcessSignals;
import dev.tether.ssh.pty.PtyProcess;
import dev.tether.ssh.transport.Threads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command for a session channel as a real OS process (no pty): the channel's data feeds
 * its stdin, its stdout and stderr go back as data and extended data, and when it exits the
 * server reports {@code exit-status}, sends EOF and closes the channel,
 * as OpenSSH does (RFC 4254 §6.5, §6.10).
 *
 * <p>Where util-linux's {@code setsid} is installed, the command runs through it and so leads
 * its own session and process group, as under sshd: a {@code signal} request then reaches the
 * whole job ({@code sh -c 'a | b'} included), and the command has no controlling terminal of the
 * server's. Without {@code setsid}, signals go to the shell's pid alone.
 *
 * <p><b>Exit signals.</b> The JDK reports a death by signal N as status 128 + N, which cannot
 * be told from {@code exit(128 + N)}; so where {@code setsid} is there, the command runs under
 * {@link ExitReport}'s wrapper, and a death by signal is reported as {@code exit-signal} with
 * the signal's name, as sshd does. Elsewhere it shows as {@code exit-status} 128 + N.
 *
 * <p>Three pump threads per process (from {@code Threads}: platform threads unless
 * {@code tether.virtualThreads=true}). Writes to the channel block on the
 * client's window, so a client that stops reading stops the process at its pipe, never the
 * connection.
 */
public final class ProcessSession {
    private static final Logger log = LoggerFactory.getLogger(ProcessSession.class);

    private ProcessSession() {
    }

    /** util-linux's setsid, if installed. */
    private static final String SETSID = setsid();

    private static String setsid() {
        for (String p : List.of("/usr/bin/setsid", "/bin/setsid")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return null;
    }

    /**
     * Starts {@code /bin/sh -c command} (or the user's shell) in {@code directory} with
     * {@code environment} added, once the reply to the current request has gone out.
     *
     * @return the handle that signals reach the process through
     */
    public static SessionProcess start(Channel channel, String command, Path directory, Map<String, String> environment) {
        ChannelImpl ch = (ChannelImpl) channel;
        SessionProcess handle = new SessionProcess("tether-process-" + ch.localId());
        ch.afterReply(() -> Threads.newThread("tether-process-" + ch.localId(),
                () -> run(ch, handle, command, directory, environment)).start());
        return handle;
    }

    private static void run(ChannelImpl ch, SessionProcess handle, String command, Path directory, Map<String, String> environment) {
        Process p;
        // the wrapper ignores the signals sent to the group, so only with setsid's group
        ExitReport report = SETSID != null ? ExitReport.create() : null;
        try {
            List<String> argv = new ArrayList<>();
            if (SETSID != null) {
                // --wait: should setsid ever have to fork, it still reports the command's status
                argv.addAll(List.of(SETSID, "--wait"));
            }
            List<String> sh = List.of("/bin/sh", "-c", command);
            argv.addAll(report != null ? report.wrap(sh) : sh);
            ProcessBuilder pb = new ProcessBuilder(argv);
            if (directory != null) {
                pb.directory(directory.toFile());
            }
            pb.environment().putAll(environment);
            p = pb.start();
            handle.started(p, SETSID != null);
        } catch (IOException e) {
            log.info("{} could not start {}: {}", ch, command, e.getMessage());
            if (report != null) {
                report.discard();
            }
            try {
                ch.getErrorOutputStream().write(("cannot run command: " + e.getMessage() + "\n").getBytes());
                ch.sendExitStatus(127);
                ch.sendEof();
            } catch (IOException ignored) {
                // the channel or connection is gone
            }
            ch.close();
            return;
        }
        CountDownLatch outputs = new CountDownLatch(2);
        pump("stdout", p.getInputStream(), ch.getOutputStream(), outputs, ch);
        pump("stderr", p.getErrorStream(), ch.getErrorOutputStream(), outputs, ch);
        Thread stdin = Threads.newThread("tether-process-" + ch.localId() + "-stdin", () -> {
            // the JDK buffers a process's stdin: flush every read, or an interactive command
            // would see nothing until the client's EOF
            byte[] buf = new byte[PUMP_BUFFER];
            try (InputStream in = ch.getInputStream(); OutputStream out = p.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // the process closed its stdin or the channel ended
            }
        });
        stdin.start();
        // closing the channel ends the command and everything it started (sh -c may not exec it)
        ch.closeFuture().whenComplete((v, e) -> {
            if (p.isAlive()) {
                Threads.newThread("tether-process-" + ch.localId() + "-hangup", () -> ProcessSignals.hangUp(p, "TERM", SETSID != null, HANGUP_GRACE)).start();
            }
        });
        try {
            int status = p.waitFor();
            handle.ended();
            outputs.await(10, TimeUnit.SECONDS);
            PtyProcess.Exit exit = report != null ? report.exit(status) : PtyProcess.Exit.status(status);
            if (exit.signal() != null) {
                ch.sendExitSignal(exit.signal(), exit.coreDumped(), "");
            } else {
                ch.sendExitStatus(exit.status());
            }
            ch.sendEof();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        } catch (IOException e) {
            p.destroyForcibly();
        }
        handle.ended();
        ch.close();
    }

    /** How long a command whose channel closed has to end after SIGTERM, before SIGKILL. */
    private static final Duration HANGUP_GRACE = Duration.ofSeconds(2);

    /**
     * What one pump moves per wake-up: 128 KiB, several channel packets' worth, so that a pump
     * that fell behind catches up with one pipe write (stdin) or hands the writer several packets
     * at once (stdout), instead of waking once per 32 KiB packet.
     */
    private static final int PUMP_BUFFER = 128 * 1024;

    private static void pump(String name, InputStream from, OutputStream to, CountDownLatch done, ChannelImpl ch) {
        Threads.newThread("tether-process-" + ch.localId() + "-" + name, () -> {
            byte[] buf = new byte[PUMP_BUFFER];
            try (from) {
                int n;
                while ((n = from.read(buf)) > 0) {
                    to.write(buf, 0, n);
                }
            } catch (IOException e) {
                // channel closed: the process gets SIGPIPE or is destroyed
            } finally {
                done.countDown();
            }
        }).start();
    }
}
