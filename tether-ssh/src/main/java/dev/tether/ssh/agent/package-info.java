/**
 * An ssh-agent client over {@code SSH_AUTH_SOCK} (OpenSSH PROTOCOL.agent), for authenticating
 * with the agent's keys. API.
 */
package dev.tether.ssh.agent;
