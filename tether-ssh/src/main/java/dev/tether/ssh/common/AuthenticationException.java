package dev.tether.ssh.common;

import java.util.List;

/**
 * User authentication failed. Names the methods that were tried and those the server said can
 * still continue, so that the caller (or the log) can see what to try next.
 */
public class AuthenticationException extends SshException {
    private static final long serialVersionUID = 1L;

    /** The methods tried on this connection, in order. */
    private final List<String> tried;
    /** The methods the server said can continue. */
    private final List<String> allowed;

    /**
     * Authentication failed with no method left to try ({@link DisconnectReason#NO_MORE_AUTH_METHODS_AVAILABLE}); the
     * message gets both lists appended.
     *
     * @param message what failed
     * @param tried   the methods tried, in order; copied
     * @param allowed the methods the server said can continue; copied
     */
    public AuthenticationException(String message, List<String> tried, List<String> allowed) {
        super(DisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE,
                message + " (tried: " + (tried.isEmpty() ? "none" : String.join(",", tried))
                        + "; the server allows: " + (allowed.isEmpty() ? "nothing" : String.join(",", allowed)) + ")");
        this.tried = List.copyOf(tried);
        this.allowed = List.copyOf(allowed);
    }

    private AuthenticationException(List<String> tried, List<String> allowed, String message) {
        super(DisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE, message);
        this.tried = List.copyOf(tried);
        this.allowed = List.copyOf(allowed);
    }

    /**
     * ssh(1)'s final word when every method is used up:
     * {@code user@host: Permission denied (publickey,password).}, naming the methods the
     * server allows.
     *
     * @param user    the user name, as the message shows it
     * @param host    the host name, as the message shows it
     * @param tried   the methods tried, in order; copied
     * @param allowed the methods the server allows, listed in the message; copied
     * @return the exception, whose message is exactly that line (without the lists appended)
     */
    public static AuthenticationException permissionDenied(String user, String host, List<String> tried,
                                                           List<String> allowed) {
        return new AuthenticationException(tried, allowed,
                user + "@" + host + ": Permission denied (" + String.join(",", allowed) + ").");
    }

    /**
     * The methods tried on this connection, in order.
     *
     * @return an unmodifiable list of method names, e.g. {@code publickey}
     */
    public List<String> tried() {
        return tried;
    }

    /**
     * The methods the server said can continue, from its last USERAUTH_FAILURE.
     *
     * @return an unmodifiable list of method names; empty if the server allows none
     */
    public List<String> allowed() {
        return allowed;
    }
}
