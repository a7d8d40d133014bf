package dev.tether.ssh.common;

import java.util.List;

/**
 * User authentication failed. Names the methods that were tried and those the server said can
 * still continue, so that the caller (or the log) can see what to try next.
 */
public class AuthenticationException extends SshException {
    private static final long serialVersionUID = 1L;

    private final List<String> tried;
    private final List<String> allowed;

    public AuthenticationException(String message, List<String> tried, List<String> allowed) {
        super(DisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE,
                message + " (tried: " + (tried.isEmpty() ? "none" : String.join(",", tried))
                        + "; the server allows: " + (allowed.isEmpty() ? "nothing" : String.join(",", allowed)) + ")");
        this.tried = List.copyOf(tried);
        this.allowed = List.copyOf(allowed);
    }

    /** The methods tried on this connection, in order. */
    public List<String> tried() {
        return tried;
    }

    /** The methods the server said can continue, from its last USERAUTH_FAILURE. */
    public List<String> allowed() {
        return allowed;
    }
}
