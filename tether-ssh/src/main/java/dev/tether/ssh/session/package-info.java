/**
 * Sessions (RFC 4254 §6): the {@code session} channel type and its requests, and what runs in one:
 * OS processes and ptys, in-process commands, signals, exit status and exit signal. Engine: not
 * exported.
 */
package dev.tether.ssh.session;
