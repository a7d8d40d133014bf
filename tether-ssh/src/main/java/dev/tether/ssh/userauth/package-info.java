/**
 * The {@code ssh-userauth} service (RFC 4252, RFC 4256) for both roles: the server's, driving a
 * {@code ServerInterface} (with asynchronous answers), and the client's authenticator. Engine:
 * not exported; applications use {@code Transport}'s {@code auth*} methods and the {@code auth}
 * package.
 */
package dev.tether.ssh.userauth;
