package dev.tether.ssh.client;

import java.util.Locale;

/**
 * ssh_config's {@code StrictHostKeyChecking}: what {@link KnownHostsPolicy} does with a host key
 * that known_hosts does not list. A key that differs from a listed one is refused under every
 * value but {@link #NO}.
 */
public enum StrictHostKeyChecking {
    /** Unknown keys are refused (also {@code true}). */
    YES,
    /** Unknown keys are offered to {@link ClientPrompts#confirmHostKey}; refused if nobody can answer. The default. */
    ASK,
    /** Unknown keys are accepted and added to the first UserKnownHostsFile; changed keys are refused. */
    ACCEPT_NEW,
    /** Any key is accepted (also {@code false} and {@code off}); unknown keys are added, changed keys are not recorded. */
    NO;

    /**
     * Parses an ssh_config value, case-insensitively: {@code yes}/{@code true}, {@code ask},
     * {@code accept-new}, {@code no}/{@code false}/{@code off}.
     *
     * @param value the value
     * @return the policy, or null if the value is none of OpenSSH's words
     */
    public static StrictHostKeyChecking parse(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "yes", "true" -> YES;
            case "ask" -> ASK;
            case "accept-new" -> ACCEPT_NEW;
            case "no", "false", "off" -> NO;
            default -> null;
        };
    }

    /**
     * The word {@code ssh -G} prints for it.
     *
     * @return {@code true}, {@code ask}, {@code accept-new} or {@code false}
     */
    public String configValue() {
        return switch (this) {
            case YES -> "true";
            case NO -> "false";
            case ASK -> "ask";
            case ACCEPT_NEW -> "accept-new";
        };
    }
}
