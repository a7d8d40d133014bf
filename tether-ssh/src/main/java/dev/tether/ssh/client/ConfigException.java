package dev.tether.ssh.client;

import dev.tether.ssh.common.SshException;

/**
 * A bad ssh_config line, option or value. The message starts with where the value came from
 * ({@code FILE line N: } or {@code command line: }) and then says what is wrong, as OpenSSH's
 * does; ssh(1) exits with status 255 on these.
 */
public final class ConfigException extends SshException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with this message.
     *
     * @param message where the bad value came from, then what is wrong with it
     */
    public ConfigException(String message) {
        super(message);
    }
}
