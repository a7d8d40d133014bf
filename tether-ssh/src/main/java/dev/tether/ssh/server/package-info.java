/**
 * The server's admission of connections as a crowd: MaxStartups with eviction,
 * PerSourceMaxStartups, and PerSourcePenalties ({@code StartupGate}, {@code PenaltyBox}), used by
 * {@code SshServer}. Engine: not exported.
 */
package dev.tether.ssh.server;
