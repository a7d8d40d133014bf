package dev.tether.ssh.auth;

import java.util.concurrent.CompletionStage;

/**
 * Checks a user name and password (a credential checker in Twisted Conch's sense). May answer
 * later: the connection keeps reading while the stage is pending.
 */
@FunctionalInterface
public interface PasswordChecker {
    /** True if the password is right for the user. Implementations compare in constant time. */
    CompletionStage<Boolean> check(String username, String password);
}
