/**
 * What a server application decides, in the three layers of Tether's server policy: paramiko's
 * {@link dev.tether.ssh.policy.ServerInterface} (deny-by-default {@code check*} callbacks),
 * Pyro's {@link dev.tether.ssh.policy.ConnectionValidator}s with the server-wide
 * {@link dev.tether.ssh.policy.ServerLimits} and {@link dev.tether.ssh.policy.PerSourcePenalties},
 * and what Twisted Conch's avatars run ({@link dev.tether.ssh.policy.Command},
 * {@link dev.tether.ssh.policy.SubsystemHandler}) with the {@link dev.tether.ssh.policy.Login}
 * they run for. API; the engine calls it.
 */
package dev.tether.ssh.policy;
