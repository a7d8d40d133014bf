package dev.tether.ssh.pty;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A process running on a pseudo-terminal, started by a {@link PtySpawner}. It leads its own
 * session and process group, so signals go to the group, as sshd's {@code killpg} does.
 * Thread-safe: one thread reads, one writes, and others may resize, signal or destroy.
 */
public interface PtyProcess {

    /**
     * The process id.
     *
     * @return the process id of the command, the leader of its session and process group
     */
    long pid();

    /**
     * The terminal's device name, e.g. {@code /dev/pts/3}, or null when unknown.
     *
     * @return the slave device's name, or null
     */
    String ttyName();

    /**
     * What the process writes to the terminal: stdout and stderr merged, as on any terminal.
     * Closing it must not close the terminal either.
     *
     * @return the stream reading the terminal's master side
     */
    InputStream getInputStream();

    /**
     * What the process reads from the terminal. Closing it must not close the terminal; the
     * terminal ends with {@link #close}.
     *
     * @return the stream writing the terminal's master side
     */
    OutputStream getOutputStream();

    /**
     * Sets the window size; the kernel sends SIGWINCH to the terminal's foreground group.
     *
     * @param columns      the width in characters
     * @param rows         the height in characters
     * @param widthPixels  the width in pixels, 0 when unknown
     * @param heightPixels the height in pixels, 0 when unknown
     * @throws IOException if the terminal's size cannot be set, e.g. it is closed
     */
    void resize(int columns, int rows, int widthPixels, int heightPixels) throws IOException;

    /**
     * Sends a signal, by its RFC 4254 §6.10 name without {@code SIG} (e.g. {@code TERM}), to
     * the process group; does nothing once the process has ended.
     *
     * @param name the signal name without {@code SIG}, one of {@link ProcessSignals#NAMES}
     * @throws IOException if the signal cannot be delivered
     */
    void signal(String name) throws IOException;

    /**
     * Whether the process is still running.
     *
     * @return true until the process has ended
     */
    boolean isAlive();

    /**
     * Waits for the process to end.
     *
     * @return how it ended
     * @throws InterruptedException if the waiting thread is interrupted
     */
    Exit waitFor() throws InterruptedException;

    /**
     * Hangs up: ends the process (SIGHUP to its group, then harder if it stays) unless it has
     * ended already. The terminal stays open, so that threads still reading or writing its
     * streams see the hang-up, not a file descriptor that another terminal may have reused. May
     * block for a bounded grace time. Idempotent; safe from any thread.
     */
    void destroy();

    /**
     * Releases the terminal: ends the process first if it still runs ({@link #destroy}), then
     * closes the terminal's master side once the implementation's own threads are done with it.
     * Call it once every read and write on the streams has returned: a call still inside one
     * could otherwise reach a descriptor that a new terminal reused. May block for a bounded
     * time. Idempotent.
     */
    void close();

    /**
     * How the process ended: its exit status, or the signal that killed it when the
     * implementation can tell (then {@code status} is 128 + the signal number).
     *
     * @param signal     the RFC 4254 §6.10 signal name without {@code SIG}, or null when the
     *                   process exited, or when the implementation cannot tell a death by signal
     *                   N from {@code exit(128 + N)}
     * @param coreDumped whether a core was dumped (only meaningful with a signal)
     * @param status     the exit status, or 128 + N for a death by signal N
     */
    record Exit(int status, String signal, boolean coreDumped) {
        /**
         * An exit with a status and no signal known.
         *
         * @param status the exit status
         * @return the exit, with a null signal and no core dump
         */
        public static Exit status(int status) {
            return new Exit(status, null, false);
        }
    }
}
