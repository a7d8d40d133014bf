package dev.tether.ssh.auth;

import dev.tether.ssh.policy.InteractiveQuery;
import java.util.List;

/**
 * Answers the server's keyboard-interactive prompts (RFC 4256 §3.2) on the client. Called on the
 * thread that is authenticating, never on the connection's reader thread, so it may wait for a
 * person.
 */
@FunctionalInterface
public interface KeyboardInteractiveHandler {
    /**
     * Answers one query: the server's name, instruction and prompts (SSH_MSG_USERAUTH_INFO_REQUEST).
     *
     * @param name        the query's name, often empty
     * @param instruction the query's instruction, often empty
     * @param prompts     the prompts, each with whether the answer may be echoed
     * @return one answer per prompt, in order
     */
    List<String> respond(String name, String instruction, List<InteractiveQuery.Prompt> prompts);
}
