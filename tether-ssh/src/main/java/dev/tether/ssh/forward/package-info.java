/**
 * Forwarding over the connection protocol (RFC 4254 §6.3, §7; OpenSSH PROTOCOL §1.8, §2.1–2.4), in
 * both roles: TCP/IP port forwarding ({@code direct-tcpip}, {@code tcpip-forward} with
 * {@code forwarded-tcpip}), Unix sockets ({@code direct-streamlocal@openssh.com},
 * {@code streamlocal-forward@openssh.com} with {@code forwarded-streamlocal@openssh.com}), X11
 * ({@code x11-req}, {@code x11}) and agent forwarding ({@code auth-agent-req@openssh.com},
 * {@code auth-agent@openssh.com}).
 *
 * <p>Server: each kind is one file that registers its channel types and requests with the
 * connection service's {@code ConnectionHandlers} ({@code DirectTcpip}, {@code DirectStreamLocal},
 * {@code TcpipForward}, {@code StreamLocalForward}, {@code X11Forwarding},
 * {@code AgentForwarding}), composed from {@code DirectOpen} (policy, connect, confirm),
 * {@code Listeners} (a connection's listeners) and {@code Sockets}. Client: {@code LocalForward}
 * (listeners for {@code -L} and the SOCKS proxy of {@code -D}), {@code RemoteForwards}
 * ({@code -R}: the global requests and the channels that come back), {@code ChannelOpener}, and
 * the client halves of X11 and agent forwarding. Both roles: {@code StreamRelay}, the one relay
 * (a socket or streams and a channel, both ways), and {@code Socks}.
 *
 * <p>Engine package: not exported by the module.
 */
package dev.tether.ssh.forward;
