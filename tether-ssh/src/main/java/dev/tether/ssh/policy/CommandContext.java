package dev.tether.ssh.policy;

import dev.tether.ssh.common.PtyRequest;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.function.Consumer;

/** What an in-process {@link Command} sees of its session. */
public interface CommandContext {
    /** The command line from {@code exec}, or null for a {@code shell}. */
    String command();

    InputStream stdin();

    OutputStream stdout();

    OutputStream stderr();

    /** The terminal the client asked for, or null without a pty. */
    PtyRequest terminal();

    /** Accepted environment variables (LANG, LC_*, and authorized_keys environment=). */
    Map<String, String> environment();

    /** Who is logged in, and how. */
    Login login();

    /** Called with each signal name the client sends (without {@code SIG}). */
    void onSignal(Consumer<String> listener);

    /** Called with each new terminal size the client sends (window-change). */
    void onWindowChange(Consumer<PtyRequest> listener);
}
