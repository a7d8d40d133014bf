package dev.tether.ssh.session;

import dev.tether.ssh.common.Channel;
import dev.tether.ssh.common.PtyRequest;
import dev.tether.ssh.connection.ChannelImpl;
import dev.tether.ssh.pty.PtyProcess;
import dev.tether.ssh.pty.PtySpawner;
import dev.tether.ssh.transport.Threads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs a session's command on a pseudo-terminal (RFC 4254 §6.2) from a {@link PtySpawner}: the
 * channel's data is typed into the terminal, what the terminal shows goes back as data (a
 * terminal has no separate stderr), {@code window-change} resizes it (§6.7) and {@code signal}
 * reaches its process group (§6.9). When the process ends the server reports {@code exit-signal}
 * if it died by a signal (the spawner's word, or {@link ExitReport}'s wrapper's), else
 * {@code exit-status} (§6.10), then sends EOF and closes the channel, as sshd does.
 *
 * <p>The client's EOF is not passed on: a terminal cannot be half-closed, and closing it would
 * hang up the process. Closing the channel hangs up the terminal ({@link PtyProcess#destroy}).
 *
 * <p><b>Closing the terminal.</b> Only the session thread closes it ({@link PtyProcess#close}),
 * and only after the process ended, the channel closed and both pumps returned: a pump still
 * inside a read or write of a closed master could reach the descriptor number of another
 * session's new terminal (the cause of soak failures where a shell lost its input or output).
 *
 * <p><b>Threads.</b> One thread per session starts the process and waits for it, and two pump
 * it, all from {@code Threads} (platform threads unless {@code tether.virtualThreads=true}). Writes to the channel block on the client's window, so a client
 * that stops reading stops the process at its terminal, never the connection.
 */
public final class PtySession {
    private static final Logger log = LoggerFactory.getLogger(PtySession.class);
    /** How long output may still drain after the process ended. */
    private static final long DRAIN_SECONDS = 10;
    /** How long a pump may take to return once the process ended and the channel closed. */
    private static final long PUMP_SECONDS = 10;

    private PtySession() {
    }

    /**
     * Starts {@code command} on a new pty once the reply to the current request has gone out.
     *
     * @param environment added to this JVM's environment ({@code TERM} comes from {@code pty})
     * @return the handle that {@code signal} and {@code window-change} reach the process through
     */
    public static SessionProcess start(Channel channel, PtySpawner spawner, List<String> command, Path directory,
                                       Map<String, String> environment, PtyRequest pty) {
        ChannelImpl ch = (ChannelImpl) channel;
        String name = "tether-pty-" + ch.localId();
        SessionProcess handle = new SessionProcess(name);
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(environment);
        List<String> argv = List.copyOf(command);
        Path dir = directory != null ? directory : Path.of(System.getProperty("user.dir"));
        ch.afterReply(() -> Threads.newThread(name, () -> run(ch, name, handle, spawner, argv, dir, env, pty)).start());
        return handle;
    }

    private static void run(ChannelImpl ch, String name, SessionProcess handle, PtySpawner spawner, List<String> command,
                            Path directory, Map<String, String> environment, PtyRequest pty) {
        PtyProcess p;
        // the spawner makes the process a group leader, so group signals reach the command
        ExitReport report = ExitReport.create();
        try {
            p = spawner.spawn(report != null ? report.wrap(command) : command, directory, environment, pty);
        } catch (IOException | RuntimeException | LinkageError e) {
            log.info("{} could not start {} on a pty: {}", ch, command, e.toString());
            if (report != null) {
                report.discard();
            }
            try {
                ch.getOutputStream().write(("cannot run command on a pty: " + e.getMessage() + "\r\n").getBytes(StandardCharsets.UTF_8));
                ch.sendExitStatus(127);
                ch.sendEof();
            } catch (IOException ignored) {
                // the channel or connection is gone
            }
            handle.ended();
            ch.close();
            return;
        }
        log.debug("{} started {} (pid {}) on {}", ch, command, p.pid(), p.ttyName());
        handle.started(p);
        CountDownLatch output = new CountDownLatch(1);
        Thread outPump = Threads.newThread(name + "-out", () -> {
            byte[] buf = new byte[32 * 1024];
            try {
                InputStream in = p.getInputStream();
                OutputStream out = ch.getOutputStream();
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                }
            } catch (IOException e) {
                // the terminal was hung up or the channel closed
            } finally {
                output.countDown();
            }
        });
        outPump.start();
        Thread inPump = Threads.newThread(name + "-in", () -> {
            byte[] buf = new byte[32 * 1024];
            try {
                InputStream in = ch.getInputStream();
                OutputStream out = p.getOutputStream();
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // the process ended or the channel closed
            }
        });
        inPump.start();
        ch.closeFuture().whenComplete((v, e) -> {
            if (p.isAlive()) {
                Threads.newThread(name + "-hangup", p::destroy).start();
            }
        });
        try {
            PtyProcess.Exit exit = p.waitFor();
            if (report != null && exit.signal() == null) {
                exit = report.exit(exit.status());
            }
            handle.ended();
            if (!output.await(DRAIN_SECONDS, TimeUnit.SECONDS)) {
                log.debug("{} output still open {} s after the process ended", ch, DRAIN_SECONDS);
            }
            if (exit.signal() != null) {
                ch.sendExitSignal(exit.signal(), exit.coreDumped(), "");
            } else {
                ch.sendExitStatus(exit.status());
            }
            ch.sendEof();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the channel or connection is gone
        } finally {
            handle.ended();
            p.destroy();
        }
        ch.close(); // ends the input pump's read of the channel
        for (Thread pump : List.of(inPump, outPump)) {
            try {
                pump.join(TimeUnit.SECONDS.toMillis(PUMP_SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (pump.isAlive()) {
                log.warn("{} {} still runs {} s after the session ended; closing its terminal anyway", ch, pump.getName(), PUMP_SECONDS);
            }
        }
        p.close();
    }
}
