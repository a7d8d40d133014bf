package dev.tether.ssh.policy;

/**
 * The answer of a {@link ServerInterface} authentication callback, as in paramiko.
 */
public enum AuthResult {
    /** The user is authenticated. */
    SUCCESSFUL,
    /**
     * This method succeeded but more are needed (RFC 4252 §5.1 partial success), e.g. publickey
     * then password. {@link ServerInterface#getAllowedAuths} then names what can continue.
     */
    PARTIALLY_SUCCESSFUL,
    /** This attempt failed. */
    FAILED,
    /**
     * Only from {@link ServerInterface#checkAuthPassword}: the password is right but expired;
     * the client is asked to change it (SSH_MSG_USERAUTH_PASSWD_CHANGEREQ, RFC 4252 §8).
     */
    PASSWORD_CHANGE_REQUIRED
}
