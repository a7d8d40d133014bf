/**
 * The {@code ssh-connection} service (RFC 4254) as a multiplexer: the channel table, windows that
 * block the sender ({@code RemoteWindow}) and reopen as the application reads
 * ({@code InboundBuffer}), global requests, the server's idle timers; and the handlers that
 * features register by name ({@link dev.tether.ssh.connection.ConnectionHandlers}). Engine: not
 * exported.
 */
package dev.tether.ssh.connection;
