package dev.tether.ssh.session;

import dev.tether.ssh.pty.ProcessSignals;
import dev.tether.ssh.pty.PtyProcess;
import dev.tether.ssh.transport.Threads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayDeque;

/**
 * The running command of a session channel, as the connection layer's requests reach it:
 * {@code signal} (RFC 4254 §6.9) and {@code window-change} (§6.7). Returned by
 * {@link ProcessSession#start} and {@link PtySession#start} before the process exists. Signals
 * that arrive before it has started wait for it, so that {@code exec} followed at once by
 * {@code signal} behaves as under sshd, which forks before it replies; once it has ended, both
 * requests are refused.
 *
 * <p><b>Threads.</b> The requests arrive on the connection's reader thread, which must not
 * block, so signals are queued (at most {@value #MAX_PENDING}; more are refused) and delivered
 * in order by one short-lived thread. A resize is one ioctl and happens in place. State is
 * guarded by {@code this}.
 */
public final class SessionProcess {
    private static final Logger log = LoggerFactory.getLogger(SessionProcess.class);
    static final int MAX_PENDING = 16;

    private final String name;
    private final ArrayDeque<String> pending = new ArrayDeque<>();
    private boolean draining;
    private Process process;
    private boolean group;
    private PtyProcess pty;
    private boolean ended;

    SessionProcess(String name) {
        this.name = name;
    }

    void started(Process p, boolean leadsGroup) {
        synchronized (this) {
            this.process = p;
            this.group = leadsGroup;
        }
        kick();
    }

    void started(PtyProcess p) {
        synchronized (this) {
            this.pty = p;
        }
        kick();
    }

    synchronized void ended() {
        ended = true;
        pending.clear();
    }

    /** Starts delivering queued signals, if any wait and nobody delivers them yet. */
    private void kick() {
        synchronized (this) {
            if (pending.isEmpty() || draining || ended || process == null && pty == null) {
                return;
            }
            draining = true;
        }
        Threads.newThread(name + "-signal", this::drain).start();
    }

    /** True when the command runs on a pseudo-terminal. */
    public synchronized boolean hasPty() {
        return pty != null;
    }

    /**
     * Queues {@code signal} (an RFC 4254 §6.10 name) for the process, or its group when it leads
     * one. False when the name is unknown, the process has ended, or too many are queued.
     */
    public boolean signal(String signal) {
        if (!ProcessSignals.isKnown(signal)) {
            return false;
        }
        synchronized (this) {
            if (ended || pending.size() >= MAX_PENDING) {
                return false;
            }
            pending.add(signal);
        }
        kick();
        return true;
    }

    private void drain() {
        while (true) {
            String signal;
            Process p;
            PtyProcess t;
            boolean g;
            synchronized (this) {
                signal = pending.poll();
                if (signal == null || ended) {
                    draining = false;
                    return;
                }
                p = process;
                t = pty;
                g = group;
            }
            try {
                if (t != null) {
                    t.signal(signal);
                } else if (p != null && p.isAlive()) {
                    ProcessSignals.send(p.pid(), signal, g);
                }
                log.debug("{}: delivered SIG{}", name, signal);
            } catch (IOException | RuntimeException e) {
                log.debug("{}: SIG{} not delivered: {}", name, signal, e.toString());
            }
        }
    }

    /** Resizes the pty; false without one, or once the process has ended. */
    public boolean resize(int columns, int rows, int widthPixels, int heightPixels) {
        PtyProcess t;
        synchronized (this) {
            t = ended ? null : pty;
        }
        if (t == null) {
            return false;
        }
        try {
            t.resize(columns, rows, widthPixels, heightPixels);
            return true;
        } catch (IOException | RuntimeException e) {
            log.debug("{}: resize failed: {}", name, e.toString());
            return false;
        }
    }
}
