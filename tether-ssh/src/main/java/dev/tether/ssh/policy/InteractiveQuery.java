package dev.tether.ssh.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * One round of keyboard-interactive authentication (RFC 4256 §3.2): a name, an instruction and
 * prompts, each with whether the client should echo the answer. As paramiko's
 * {@code InteractiveQuery}. Immutable once built; build with {@link #of} and {@link #withPrompt}.
 */
public final class InteractiveQuery {
    /**
     * The answer to a round of responses: a final result, or another query.
     *
     * @param result the final result, or null when another query follows
     * @param next   the next query, or null when the answer is final
     */
    public record Answer(AuthResult result, InteractiveQuery next) {
        /**
         * A final answer.
         *
         * @param result the result of the method
         * @return the answer
         * @throws IllegalArgumentException for {@link AuthResult#PASSWORD_CHANGE_REQUIRED}, which only the password
         *     method may return
         */
        public static Answer done(AuthResult result) {
            if (result == AuthResult.PASSWORD_CHANGE_REQUIRED) {
                throw new IllegalArgumentException("PASSWORD_CHANGE_REQUIRED is only for the password method");
            }
            return new Answer(result, null);
        }

        /**
         * Another round: the client is sent {@code next} and answers it.
         *
         * @param next the next query
         * @return the answer
         * @throws NullPointerException if {@code next} is null
         */
        public static Answer ask(InteractiveQuery next) {
            return new Answer(null, java.util.Objects.requireNonNull(next));
        }
    }

    /**
     * A prompt and whether the user's answer may be echoed.
     *
     * @param text the prompt text
     * @param echo whether the client may show the answer as it is typed
     */
    public record Prompt(String text, boolean echo) {
    }

    private final String name;
    private final String instruction;
    private final List<Prompt> prompts;

    private InteractiveQuery(String name, String instruction, List<Prompt> prompts) {
        this.name = name;
        this.instruction = instruction;
        this.prompts = List.copyOf(prompts);
    }

    /**
     * A query with no prompts yet.
     *
     * @param name        the query's name, often empty; null means empty
     * @param instruction the instruction shown above the prompts, often empty; null means empty
     * @return the query
     */
    public static InteractiveQuery of(String name, String instruction) {
        return new InteractiveQuery(name == null ? "" : name, instruction == null ? "" : instruction, List.of());
    }

    /**
     * A copy with one more prompt.
     *
     * @param text the prompt text, e.g. {@code "Password: "}
     * @param echo whether the client may show the answer as it is typed
     * @return a new query with the prompt added last
     */
    public InteractiveQuery withPrompt(String text, boolean echo) {
        List<Prompt> p = new ArrayList<>(prompts);
        p.add(new Prompt(text, echo));
        return new InteractiveQuery(name, instruction, p);
    }

    /**
     * The query's name, which the client may show as a title.
     *
     * @return the name, possibly empty
     */
    public String name() {
        return name;
    }

    /**
     * The instruction the client shows above the prompts.
     *
     * @return the instruction, possibly empty
     */
    public String instruction() {
        return instruction;
    }

    /**
     * The prompts, in order; the client answers each.
     *
     * @return the prompts, unmodifiable
     */
    public List<Prompt> prompts() {
        return prompts;
    }
}
