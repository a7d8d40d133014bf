package dev.tether.ssh.auth;

/**
 * Chooses a new password when the server asks for one (SSH_MSG_USERAUTH_PASSWD_CHANGEREQ,
 * RFC 4252 §8), as OpenSSH's client prompts "Enter new password". Called on the thread that
 * authenticates.
 */
@FunctionalInterface
public interface PasswordChanger {

    /**
     * Answers the server's request for a new password.
     *
     * @param prompt   the server's prompt, with control characters escaped
     * @param language its RFC 3066 language tag, often empty
     * @return the new password, or null to give up (authentication then fails)
     */
    String newPassword(String prompt, String language);
}
