package dev.tether.ssh.client;

import dev.tether.ssh.policy.InteractiveQuery;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;

/**
 * What ssh(1) would ask the person at the terminal, and what it would tell them: passphrases,
 * passwords, keyboard-interactive answers, whether to trust a new host key, the server's banner
 * and warnings. {@link SshClient} calls these on the thread that connects, never on a connection's
 * reader thread, so an implementation may block while a person answers.
 *
 * <p>Every method has a default: ask nothing (answer null or false) and log warnings through
 * slf4j. {@link #NONE} is that, as {@code BatchMode yes} is. {@code tether ssh} implements this
 * with the terminal.
 */
public interface ClientPrompts {
    /** Asks nothing, shows nothing; warnings go to the log. */
    ClientPrompts NONE = new ClientPrompts() {
    };

    /**
     * Whether anything can be asked: false skips password and keyboard-interactive
     * authentication and refuses unknown host keys under {@code StrictHostKeyChecking ask},
     * as {@code BatchMode yes} does.
     *
     * @return whether a person can answer; false by default
     */
    default boolean interactive() {
        return false;
    }

    /**
     * The passphrase of an encrypted identity file the server has accepted, or null to skip the key.
     * Asked only when {@link #interactive()} is true and {@code BatchMode} is off; asked again,
     * up to three times in all, after a wrong passphrase.
     *
     * @param key     the identity file
     * @param attempt 0 for the first ask, then 1, 2 after a wrong passphrase
     * @return the passphrase, or null to skip the key; null by default
     */
    default char[] passphrase(Path key, int attempt) {
        return null;
    }

    /**
     * A password for {@code password} authentication, or null to give up on it. The array is
     * zeroed after use.
     *
     * @param prompt OpenSSH's prompt, {@code user@host's password: }
     * @return the password, or null to give up on password authentication; null by default
     */
    default char[] password(String prompt) {
        return null;
    }

    /**
     * Answers to a keyboard-interactive query, one per prompt, or null to give up on it.
     *
     * @param name        the query's name, often empty
     * @param instruction the query's instruction, often empty
     * @param prompts     the prompts, each with whether the answer may be echoed
     * @return the answers in the order of {@code prompts}, or null to give up on
     *         keyboard-interactive authentication (a list of another size gives up too); null by default
     */
    default List<String> keyboardInteractive(String name, String instruction, List<InteractiveQuery.Prompt> prompts) {
        return null;
    }

    /**
     * Whether to trust a host key known_hosts does not list, under {@code StrictHostKeyChecking
     * ask}; a true answer adds it to known_hosts.
     *
     * @param question    OpenSSH's text: the host, key type and fingerprint
     * @param fingerprint the key's SHA256 fingerprint, which a person may type instead of yes
     * @return true to trust the key (and add it), false to refuse it with a {@link HostKeyException};
     *         false by default
     */
    default boolean confirmHostKey(String question, String fingerprint) {
        return false;
    }

    /**
     * Shows the server's authentication banner (SSH_MSG_USERAUTH_BANNER); not called when
     * {@code LogLevel} is quiet or the server sent none. Does nothing by default.
     *
     * @param text the banner, ending with a line feed
     */
    default void banner(String text) {
    }

    /**
     * Shows a warning ssh(1) would print, such as a host key added to known_hosts; not called
     * when {@code LogLevel} is quiet. Logs it at WARN through slf4j by default.
     *
     * @param message the warning, possibly of several lines, without a trailing line feed
     */
    default void warning(String message) {
        LoggerFactory.getLogger(ClientPrompts.class).warn("{}", message);
    }
}
