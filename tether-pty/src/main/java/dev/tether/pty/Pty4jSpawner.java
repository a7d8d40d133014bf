package dev.tether.pty;

import com.pty4j.PtyProcessBuilder;
import com.pty4j.WinSize;
import com.pty4j.unix.UnixPtyProcess;
import dev.tether.ssh.common.PtyRequest;
import dev.tether.ssh.pty.ProcessSignals;
import dev.tether.ssh.pty.PtyProcess;
import dev.tether.ssh.pty.PtySpawner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link PtySpawner} on JetBrains' pty4j, registered for {@link java.util.ServiceLoader}: put
 * this module on the class path and a {@code Portal} with process sessions grants pseudo-
 * terminals. Unix only (the commands run through {@code /bin/sh}).
 *
 * <p><b>What pty4j allows.</b> The size in cells and {@code TERM} from the request; pixel sizes
 * are dropped (pty4j 0.13's {@code WinSize} keeps only cells), and a size of 0 becomes 80x24.
 * pty4j has no call for terminal modes, and sets the size only once the process runs; so the
 * command starts through {@code /bin/sh -c 'stty rows R columns C; stty MODES; exec "$@"'},
 * which sets both on the new terminal first (see {@link SttyModes}). The
 * process leads its own session and process group, so signals go to the group ({@code kill -s
 * NAME -- -PID}, as sshd's {@code killpg}).
 *
 * <p><b>Exit signals.</b> pty4j's reaper turns a death by signal N into status 128 + N and
 * keeps the raw wait status to itself, so {@link PtyProcess.Exit#signal()} is always null here;
 * the core's session code runs the command under a wrapper that recovers the signal, and
 * reports {@code exit-signal} itself.
 *
 * <p><b>Closing the terminal.</b> pty4j 0.13's reaper thread, once the process ended, wakes
 * readers by writing a byte to the terminal's private pipe, and does so after {@code waitFor()}
 * has already returned; closing the terminal in that gap frees the pipe's descriptor number, and
 * the late byte lands in whatever reuses it: often another session's new terminal, whose output
 * then ends at once (JetBrains/pty4j#181). {@link PtyProcess#close} therefore waits for that
 * thread to finish before it closes anything, and the streams handed out never close the
 * terminal themselves.
 */
public final class Pty4jSpawner implements PtySpawner {
    private static final Logger log = LoggerFactory.getLogger(Pty4jSpawner.class);
    /** How long a hung-up command has to end before SIGKILL. */
    private static final Duration HANGUP_GRACE = Duration.ofSeconds(2);
    /** How long closing waits for pty4j's reaper, which ends right after the process. */
    private static final long REAPER_MILLIS = 10_000;
    /** pty4j's reaper class and its owner field, or null when this pty4j has none (logged once). */
    private static final Field REAPER_OWNER = reaperOwner();

    /** The spawner; {@link java.util.ServiceLoader} creates it through this constructor. */
    public Pty4jSpawner() {
    }

    @Override
    public String name() {
        return "pty4j";
    }

    @Override
    public PtyProcess spawn(List<String> command, Path directory, Map<String, String> environment, PtyRequest pty) throws IOException {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("no command");
        }
        Map<String, String> env = new HashMap<>(environment);
        String term = pty.term();
        if (term != null && !term.isEmpty() && term.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f)) {
            env.put("TERM", term);
        }
        int columns = cells(pty.columns(), 80);
        int rows = cells(pty.rows(), 24);
        // pty4j sizes the terminal only after the process started, so a quick command could see
        // 0x0: set the size, then the modes, on the new terminal before the command runs. The
        // arguments are numbers and names from a fixed vocabulary, so they need no quoting.
        StringBuilder script = new StringBuilder("stty rows " + rows + " columns " + columns + " 2>/dev/null; ");
        List<String> modes = SttyModes.arguments(pty.modes());
        if (!modes.isEmpty()) {
            script.append("stty ").append(String.join(" ", modes)).append(" 2>/dev/null; ");
        }
        script.append("exec \"$@\"");
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", script.toString(), "tether-pty"));
        argv.addAll(command);
        com.pty4j.PtyProcess p = new PtyProcessBuilder(argv.toArray(String[]::new))
                .setEnvironment(env)
                .setDirectory(directory.toString())
                .setRedirectErrorStream(true)
                .setConsole(false)
                .setInitialColumns(columns)
                .setInitialRows(rows)
                .start();
        return new Pty4jProcess(p);
    }

    /** A size in cells as a winsize holds it (16 bits); 0 (unknown) becomes the default. */
    private static int cells(int n, int fallback) {
        if (n == 0) {
            return fallback;
        }
        return (int) Math.min(n & 0xffffffffL, 0xffff);
    }

    private static Field reaperOwner() {
        try {
            Field f = Class.forName("com.pty4j.unix.UnixPtyProcess$Reaper").getDeclaredField("this$0");
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("cannot find pty4j's reaper thread ({}): closing a terminal may race with it", e.toString());
            return null;
        }
    }

    /**
     * The reaper thread pty4j started for {@code p}, or null when it has already ended (or this
     * pty4j has none). It starts within {@code PtyProcessBuilder.start()}, so it is found among
     * the live platform threads right after that.
     */
    static Thread reaperOf(com.pty4j.PtyProcess p) {
        if (REAPER_OWNER == null) {
            return null;
        }
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        // enumerate fills at most the array: when it is full, threads may have been left out, so grow and retry
        Thread[] threads = new Thread[root.activeCount() + 64];
        int n;
        while ((n = root.enumerate(threads, true)) == threads.length) {
            threads = new Thread[threads.length * 2];
        }
        try {
            for (int i = 0; i < n; i++) {
                if (REAPER_OWNER.getDeclaringClass().isInstance(threads[i]) && REAPER_OWNER.get(threads[i]) == p) {
                    return threads[i];
                }
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e); // setAccessible succeeded
        }
        return null;
    }

    static final class Pty4jProcess implements PtyProcess {
        private final com.pty4j.PtyProcess p;
        private final Thread reaper;
        private final InputStream out;
        private final OutputStream in;
        private boolean destroyed;
        private boolean closed;

        Pty4jProcess(com.pty4j.PtyProcess p) {
            this.p = p;
            this.reaper = reaperOf(p);
            // nor may closing what the session reads from
            this.out = new FilterInputStream(p.getInputStream()) {
                @Override
                public void close() {
                }
            };
            // closing what the session writes to must not close the terminal (the master fd)
            this.in = new FilterOutputStream(p.getOutputStream()) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    flush();
                }
            };
        }

        /** pty4j's reaper thread for this process, or null when it had already ended. */
        Thread reaper() {
            return reaper;
        }

        @Override
        public long pid() {
            return p.pid();
        }

        @Override
        public String ttyName() {
            return p instanceof UnixPtyProcess u ? u.getPty().getSlaveName() : null;
        }

        @Override
        public InputStream getInputStream() {
            return out;
        }

        @Override
        public OutputStream getOutputStream() {
            return in;
        }

        @Override
        public void resize(int columns, int rows, int widthPixels, int heightPixels) throws IOException {
            if (!p.isAlive()) {
                return;
            }
            try {
                p.setWinSize(new WinSize(cells(columns, 80), cells(rows, 24)));
            } catch (IllegalStateException e) {
                throw new IOException("resizing the pty failed", e);
            }
        }

        @Override
        public void signal(String name) throws IOException {
            if (p.isAlive()) {
                ProcessSignals.send(p.pid(), name, true);
            }
        }

        @Override
        public boolean isAlive() {
            return p.isAlive();
        }

        @Override
        public Exit waitFor() throws InterruptedException {
            return Exit.status(p.waitFor());
        }

        @Override
        public void destroy() {
            synchronized (this) {
                if (destroyed) {
                    return;
                }
                destroyed = true;
            }
            if (p.isAlive()) {
                // HUP to the group, as a terminal's hang-up; again to any member left once the
                // command ended; KILL to the group at the deadline
                ProcessSignals.hangUp(p, "HUP", true, HANGUP_GRACE);
            }
        }

        @Override
        public void close() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            destroy();
            boolean interrupted = false;
            try {
                if (reaper != null && reaper != Thread.currentThread()) {
                    reaper.join(REAPER_MILLIS);
                    if (reaper.isAlive()) {
                        log.warn("pty4j's reaper for pid {} still runs {} ms after the hang-up; closing its terminal anyway",
                                p.pid(), REAPER_MILLIS);
                    }
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
            try {
                p.getInputStream().close(); // the master side, its pipe and pty4j's copy of the slave
            } catch (IOException e) {
                log.debug("closing the terminal of pid {}: {}", p.pid(), e.toString());
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
