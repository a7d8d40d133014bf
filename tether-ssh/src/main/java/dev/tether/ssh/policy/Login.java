package dev.tether.ssh.policy;

import dev.tether.ssh.common.ConnectionInfo;
import dev.tether.ssh.keys.AuthorizedKeys;

import java.util.List;
import java.util.Optional;

/**
 * How a user authenticated: the methods that succeeded, in order, and for {@code publickey} the
 * matching authorized_keys entry (with its options and any certificate restrictions merged),
 * which the connection protocol enforces (no-pty, command=, permitopen=, ...); and the connection
 * it happened on.
 *
 * @param username   the authenticated user name
 * @param methods    the methods that succeeded, in order
 * @param keyMatch   the authorized_keys entry that matched the {@code publickey} login, if one did
 * @param connection the connection the login happened on
 */
public record Login(String username, List<String> methods, Optional<AuthorizedKeys.Match> keyMatch, ConnectionInfo connection) {
}
