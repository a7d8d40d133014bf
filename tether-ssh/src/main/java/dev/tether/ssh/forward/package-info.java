/**
 * Forwarding over the connection protocol (RFC 4254 §7, OpenSSH PROTOCOL §2.1–2.4): TCP/IP port
 * forwarding ({@code direct-tcpip}, {@code tcpip-forward} with {@code forwarded-tcpip}), Unix
 * sockets ({@code direct-streamlocal@openssh.com}, {@code streamlocal-forward@openssh.com} with
 * {@code forwarded-streamlocal@openssh.com}), X11 ({@code x11-req}, {@code x11}) and agent
 * forwarding ({@code auth-agent-req@openssh.com}, {@code auth-agent@openssh.com}). Each kind is
 * one file that registers its channel types and requests with the connection service's
 * {@code ConnectionHandlers}; what they share is composed from small classes: {@code DirectOpen}
 * (policy, connect, confirm), {@code Listeners} (a connection's listeners), {@code Relay} (socket
 * and channel both ways) and {@code Sockets}. Server-side TCP and Unix-socket forwarding, and agent
 * and X11 forwarding in both roles (sockets, listeners, relays, cookie spoofing), are complete.
 * sockets ({@code direct-streamlocal@openssh.com}, {@code streamlocal-forward@openssh.com}), X11
 * ({@code x11-req}, {@code x11}) and agent forwarding ({@code auth-agent-req@openssh.com},
 * {@code auth-agent@openssh.com}). Each kind is one file that registers its channel types and
 * requests with the connection service's {@code ConnectionHandlers}. On the server they ask the
 * policy and nothing more so far. The client's side is built: {@code LocalForward} (listeners for
 * {@code -L} and the SOCKS proxy of {@code -D}), {@code RemoteForwards} ({@code -R}: the global
 * requests and the channels that come back), {@code ChannelOpener}; and for both roles
 * {@code Relay} (a socket or streams and a channel, both ways) and {@code Socks}.
 *
 * <p>Engine package: not exported by the module.
 */
package dev.tether.ssh.forward;
