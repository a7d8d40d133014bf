/**
 * The service-provider interface for pseudo-terminals: a {@link dev.tether.ssh.pty.PtySpawner}
 * found through {@code ServiceLoader} (the {@code tether-pty} module provides one on pty4j), the
 * {@link dev.tether.ssh.pty.PtyProcess} it starts, and RFC 4254 signal delivery. API.
 */
package dev.tether.ssh.pty;
