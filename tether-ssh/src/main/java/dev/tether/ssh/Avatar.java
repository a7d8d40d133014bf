package dev.tether.ssh;

import dev.tether.ssh.policy.SubsystemHandler;

/**
 * What an authenticated user is on this server, in the sense of Twisted Conch's avatars: the
 * realm makes one per login, and it decides what the user may do once in. The connection
 * protocol asks the avatar for its channel types and subsystems, so a restricted user simply
 * lacks what it may not use.
 */
public interface Avatar {
    /**
     * The user name the avatar was made for.
     *
     * @return the user name
     */
    String username();

    /**
     * The channel types this user may open (Conch's channel lookup). A restricted user simply
     * lacks a type, e.g. {@code direct-tcpip}, and cannot open it.
     *
     * @return the channel types; by default {@code session} only
     */
    default java.util.Set<String> channelTypes() {
        return java.util.Set.of("session");
    }

    /**
     * The subsystems this user may start, by name (Conch's subsystem lookup).
     *
     * @return the handlers by subsystem name; none by default
     */
    default java.util.Map<String, SubsystemHandler> subsystems() {
        return java.util.Map.of();
    }

    /**
     * The in-process command this user runs for an {@code exec} command line (null: a shell), or
     * null to fall back to the portal's commands and then an OS process (Conch's avatar running
     * its own commands). E.g. an SCP server on this user's own files.
     *
     * @param commandLine the {@code exec} command line, or null for a shell
     * @return the command, or null (the default)
     */
    default dev.tether.ssh.policy.Command command(String commandLine) {
        return null;
    }

    /**
     * Whether this user may start a {@code shell} on a session channel (sshd's ForceCommand/sftp-only users may not).
     *
     * @return true by default
     */
    default boolean shellAllowed() {
        return true;
    }

    /**
     * Whether this user may run an {@code exec} command on a session channel.
     *
     * @return true by default
     */
    default boolean execAllowed() {
        return true;
    }

    // Forwarding: asked only when channelTypes() has the channel type the forwarding uses
    // (direct-tcpip, forwarded-tcpip, direct-streamlocal@openssh.com, forwarded-streamlocal@openssh.com).

    /**
     * Whether this user may open {@code direct-tcpip} to {@code host:port} (sshd's PermitOpen).
     *
     * @param host the target host
     * @param port the target port
     * @return true by default
     */
    default boolean permitOpen(String host, int port) {
        return true;
    }

    /**
     * Whether this user may have the server listen on {@code host:port} (sshd's PermitListen; port 0: any free one).
     *
     * @param host the address to listen on
     * @param port the port to listen on
     * @return true by default
     */
    default boolean permitListen(String host, int port) {
        return true;
    }

    /**
     * Where this user's remote forwards listen (sshd's GatewayPorts).
     *
     * @return the gateway ports setting; {@link dev.tether.ssh.policy.GatewayPorts#NO} by default
     */
    default dev.tether.ssh.policy.GatewayPorts gatewayPorts() {
        return dev.tether.ssh.policy.GatewayPorts.NO;
    }

    /** Called once when the connection ends (Conch's logout hook). */
    default void logout() {
    }
}
