/**
 * Messages as data: every message of the transport, user authentication and connection protocols
 * as a record with explicit encode and decode citing its RFC section, message numbers and their
 * ranges (RFC 4250 §4.1), terminal modes (RFC 4254 §8). Engine: not exported.
 */
package dev.tether.ssh.wire;
