package dev.tether.ssh.policy;

import dev.tether.ssh.common.PtyRequest;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.function.Consumer;

/** What an in-process {@link Command} sees of its session. */
public interface CommandContext {
    /**
     * The command line from {@code exec}, or null for a {@code shell}.
     *
     * @return the command line, or null
     */
    String command();

    /**
     * The client's input (CHANNEL_DATA); at its end once the client sent EOF.
     *
     * @return the input stream
     */
    InputStream stdin();

    /**
     * The command's output to the client (CHANNEL_DATA); writes block while the client's window is full.
     *
     * @return the output stream
     */
    OutputStream stdout();

    /**
     * The command's error output to the client (extended data, stderr); on a pty, clients show it like stdout.
     *
     * @return the error stream
     */
    OutputStream stderr();

    /**
     * The terminal the client asked for, or null without a pty.
     *
     * @return the requested terminal, or null
     */
    PtyRequest terminal();

    /**
     * Accepted environment variables (LANG, LC_*, and authorized_keys environment=).
     *
     * @return the variables, by name
     */
    Map<String, String> environment();

    /**
     * Who is logged in, and how.
     *
     * @return the login
     */
    Login login();

    /**
     * Called with each signal name the client sends (without {@code SIG}).
     *
     * @param listener called on the connection's reader thread, so it must return quickly
     */
    void onSignal(Consumer<String> listener);

    /**
     * Called with each new terminal size the client sends (window-change).
     *
     * @param listener called on the connection's reader thread with the new size (terminal type and modes as first
     *     requested), so it must return quickly
     */
    void onWindowChange(Consumer<PtyRequest> listener);
}
