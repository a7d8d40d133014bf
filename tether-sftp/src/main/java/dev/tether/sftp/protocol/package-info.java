/**
 * Engine (not exported): the SFTP codec both sides share (draft-ietf-secsh-filexfer-02 and
 * OpenSSH's extensions): requests, replies and extension payloads as records with explicit
 * encode/decode, attributes, constants, packet framing.
 */
package dev.tether.sftp.protocol;
