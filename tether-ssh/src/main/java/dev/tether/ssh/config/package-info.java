/**
 * Engine, not exported: reading OpenSSH-style configuration files (bounded, UTF-8, NUL refused
 * with its line), shared by the client's ssh_config reader and the CLI's sshd_config reader.
 */
package dev.tether.ssh.config;
