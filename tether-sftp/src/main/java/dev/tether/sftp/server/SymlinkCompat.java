package dev.tether.sftp.server;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Which order a client sends SSH_FXP_SYMLINK's two paths in, keyed by its SSH version string,
 * in the manner of OpenSSH's {@code compat.c}. OpenSSH's sftp (and paramiko, JSch, Go's
 * pkg/sftp, libssh, which follow it) send the target first; draft-ietf-secsh-filexfer-02 §6.10
 * says the link first, and clients that follow the draft to the letter (SSH Communications'
 * Tectia) do so. The first rule whose pattern matches wins; a client that matches none, or
 * whose version is unknown (standard input), is taken to speak OpenSSH's order.
 */
public final class SymlinkCompat {
    /** @param versionGlob a glob ({@code *}, {@code ?}) over the whole version string */
    public record Rule(String versionGlob, boolean targetFirst) {
        boolean matches(String version) {
            return glob(versionGlob).matcher(version).matches();
        }
    }

    /** The built-in table. */
    public static final List<Rule> DEFAULT_RULES = List.of(
            new Rule("SSH-2.0-*SSH Secure Shell*", false),
            new Rule("SSH-2.0-*Tectia*", false),
            new Rule("SSH-2.0-*SSHTectia*", false));

    private SymlinkCompat() {
    }

    /** Whether a client with this version string sends the target first (OpenSSH's order). */
    public static boolean targetFirst(List<Rule> rules, String clientVersion) {
        if (clientVersion != null) {
            for (Rule r : rules) {
                if (r.matches(clientVersion)) {
                    return r.targetFirst();
                }
            }
        }
        return true;
    }

    static Pattern glob(String g) {
        StringBuilder b = new StringBuilder();
        for (char c : g.toCharArray()) {
            if (c == '*') {
                b.append(".*");
            } else if (c == '?') {
                b.append('.');
            } else {
                b.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(b.toString(), Pattern.DOTALL);
    }
}
