package dev.tether.ssh.auth;

import dev.tether.ssh.common.ConnectionInfo;
import dev.tether.ssh.keys.AuthorizedKeys;
import dev.tether.ssh.policy.UserKey;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Decides whether a public key (or user certificate) may log in as a user, and with which
 * restrictions. The signature has already been verified when this is asked for a login; it is
 * also asked, unsigned, when a client only queries whether a key would do.
 */
@FunctionalInterface
public interface PublicKeyChecker {
    /**
     * The matching entry with its effective restrictions, or empty to refuse.
     *
     * @param connection the connection asking, e.g. for the client address that {@code from=} options check
     * @param username the user name the client asked to log in as
     * @param key      the key or certificate the client offered, as sent
     * @return a stage completing with the matching entry, or with empty to refuse the key
     */
    CompletionStage<Optional<AuthorizedKeys.Match>> check(String username, UserKey key, ConnectionInfo connection);
}
