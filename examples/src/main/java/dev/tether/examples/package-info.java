/**
 * Runnable programs for the common tasks, each a {@code main} over a method the tests call:
 * {@link dev.tether.examples.RunEverywhere} (one command on many hosts in parallel),
 * {@link dev.tether.examples.CopyFiles} (SFTP upload and download),
 * {@link dev.tether.examples.Tunnel} (a local port forward), {@link dev.tether.examples.JumpHost}
 * (a command through a jump host) and {@link dev.tether.examples.FileDropServer} (an embedded
 * server with its own users, each jailed in a virtual file system inside a zip file).
 */
package dev.tether.examples;
