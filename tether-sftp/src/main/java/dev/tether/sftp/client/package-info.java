/**
 * Engine (not exported): the SFTP client's session ({@code SftpChannel}: requests multiplexed by
 * id, deadlines) and its pipelined reads ({@code ReadWindow}); {@code dev.tether.sftp.SftpClient}
 * is the API on top.
 */
package dev.tether.sftp.client;
