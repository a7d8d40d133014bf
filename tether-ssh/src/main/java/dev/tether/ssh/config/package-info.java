/**
 * Reading OpenSSH-style configuration files: {@link dev.tether.ssh.config.ConfigFiles} turns a
 * file into lines (bounded, UTF-8, a NUL refused with its line), for the client's ssh_config
 * reader ({@code dev.tether.ssh.client.SshConfig}) and for applications, such as
 * {@code tether server}, that read sshd_config-style files of their own.
 */
package dev.tether.ssh.config;
