package dev.tether.ssh.auth;

import java.util.concurrent.CompletionStage;

/**
 * Checks a user name and password (a credential checker in Twisted Conch's sense). May answer
 * later: the connection keeps reading while the stage is pending.
 */
@FunctionalInterface
public interface PasswordChecker {
    /**
     * True if the password is right for the user. Implementations compare in constant time.
     *
     * @param username the user name the client asked to log in as
     * @param password the password the client sent
     * @return a stage completing with true to accept the password, false to refuse it
     */
    CompletionStage<Boolean> check(String username, String password);
}
