package dev.tether.ssh;

import dev.tether.ssh.policy.Login;

/**
 * Makes the avatar of a user who has passed the portal's credential checks (Twisted Conch's
 * realm). Credential checking and what a user may do are kept apart: checkers say who you are,
 * the realm says what you get.
 */
@FunctionalInterface
public interface Realm {
    /**
     * The avatar of a user who has just authenticated.
     *
     * @param username the authenticated user name
     * @param login    how the user got in: methods, and the key's restrictions if a key was used
     * @return the avatar; what it allows is what the user may do
     */
    Avatar avatarFor(String username, Login login);
}
