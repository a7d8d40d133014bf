/**
 * A client of the SSH agent protocol (draft-miller-ssh-agent, OpenSSH PROTOCOL.agent).
 *
 * <ul>
 *   <li>{@link dev.tether.ssh.agent.AgentMessages}: the messages as data with explicit
 *       encode/decode, and the {@code uint32 length || payload} framing with its 256 KiB
 *       limit; no I/O, so agent forwarding can reuse it over a channel.</li>
 *   <li>{@link dev.tether.ssh.agent.AgentClient}: the connection to an agent's Unix domain
 *       socket ({@code SSH_AUTH_SOCK}); thread-safe, one request at a time, every call bounded
 *       by a timeout.</li>
 *   <li>{@link dev.tether.ssh.agent.Identity}: a key the agent holds, bound to its client,
 *       which user authentication can sign with.</li>
 * </ul>
 */
package dev.tether.ssh.agent;
