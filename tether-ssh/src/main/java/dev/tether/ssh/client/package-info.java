/**
 * The high-level client: {@link dev.tether.ssh.client.SshClient} connects the way OpenSSH's
 * {@code ssh} does (ssh_config, known_hosts, the agent and identity files, ProxyJump), and
 * {@link dev.tether.ssh.client.SshClientPool} shares one authenticated connection per
 * destination among many callers, as ControlMaster does. The pieces are public for callers that
 * need one of them alone: {@link dev.tether.ssh.client.SshConfig} (the ssh_config reader),
 * {@link dev.tether.ssh.client.ClientSettings} (what a destination resolves to),
 * {@link dev.tether.ssh.client.KnownHostsPolicy} (StrictHostKeyChecking) and
 * {@link dev.tether.ssh.client.ClientPrompts} (what a person would be asked).
 */
package dev.tether.ssh.client;
