package dev.tether.ssh.policy;

import dev.tether.ssh.common.Channel;

/**
 * Serves a named subsystem ({@code sftp}, ...) on a session channel, as paramiko's
 * {@code SubsystemHandler} registered with {@code Transport.set_subsystem_handler}. It runs in a
 * thread of its own, reading the channel's input and writing its output; when it returns, the
 * server sends {@code exit-status} 0 (or 1 if it threw), EOF, and closes the channel.
 */
@FunctionalInterface
public interface SubsystemHandler {
    /**
     * Serves the subsystem until it ends.
     *
     * @param channel the session channel
     * @param name    the subsystem name the client asked for
     * @param login   who is logged in, and how
     * @throws Exception if the subsystem fails; the server then sends exit status 1 and closes the channel
     */
    void run(Channel channel, String name, Login login) throws Exception;
}
