/**
 * Where an application starts: {@link dev.tether.ssh.Transport} (one connection, client or
 * server, in paramiko's shape), {@link dev.tether.ssh.TransportConfig},
 * {@link dev.tether.ssh.SshServer}, and Twisted Conch's {@link dev.tether.ssh.Portal},
 * {@link dev.tether.ssh.Realm} and {@link dev.tether.ssh.Avatar} for a ready-made server policy.
 *
 * <p>The rest of the API sits in the packages below it, which the engine sees too:
 * {@code common} (exceptions, {@code Channel}, the SSH data types), {@code policy} (what a server
 * application decides), {@code auth} (credentials), {@code keys}, {@code agent} and {@code pty}.
 * Every other package is the engine: public where another package needs it, not exported by the
 * module, and no compatibility promise.
 */
package dev.tether.ssh;
