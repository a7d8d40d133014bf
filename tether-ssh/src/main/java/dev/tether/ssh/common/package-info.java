/**
 * The vocabulary every layer shares, at the bottom of the package graph: the exception hierarchy
 * rooted at {@link dev.tether.ssh.common.SshException} with the RFC 4253 §11.1
 * {@link dev.tether.ssh.common.DisconnectReason} codes, {@link dev.tether.ssh.common.Channel},
 * {@link dev.tether.ssh.common.ConnectionInfo}, the negotiated algorithms, a pty request, and the
 * RFC 4251 §5 data types ({@link dev.tether.ssh.common.SshReader},
 * {@link dev.tether.ssh.common.SshWriter}) for applications that encode their own requests. API.
 */
package dev.tether.ssh.common;
