package dev.tether.ssh.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * One round of keyboard-interactive authentication (RFC 4256 §3.2): a name, an instruction and
 * prompts, each with whether the client should echo the answer. As paramiko's
 * {@code InteractiveQuery}. Immutable once built; build with {@link #of} and {@link #withPrompt}.
 */
public final class InteractiveQuery {
    /** The answer to a round of responses: a final result, or another query. */
    public record Answer(AuthResult result, InteractiveQuery next) {
        public static Answer done(AuthResult result) {
            if (result == AuthResult.PASSWORD_CHANGE_REQUIRED) {
                throw new IllegalArgumentException("PASSWORD_CHANGE_REQUIRED is only for the password method");
            }
            return new Answer(result, null);
        }

        public static Answer ask(InteractiveQuery next) {
            return new Answer(null, java.util.Objects.requireNonNull(next));
        }
    }

    /** A prompt and whether the user's answer may be echoed. */
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

    /** A query with no prompts yet. */
    public static InteractiveQuery of(String name, String instruction) {
        return new InteractiveQuery(name == null ? "" : name, instruction == null ? "" : instruction, List.of());
    }

    /** A copy with one more prompt. */
    public InteractiveQuery withPrompt(String text, boolean echo) {
        List<Prompt> p = new ArrayList<>(prompts);
        p.add(new Prompt(text, echo));
        return new InteractiveQuery(name, instruction, p);
    }

    public String name() {
        return name;
    }

    public String instruction() {
        return instruction;
    }

    public List<Prompt> prompts() {
        return prompts;
    }
}
