/**
 * Engine (not exported): the SFTP server. {@code FileView} is the security boundary (the one
 * place a client path becomes a {@code Path}; the jail); {@code SftpSession} runs one session;
 * {@code FileStat} reads attributes through the richest view a file system has;
 * {@code SymlinkCompat} is the SYMLINK argument-order table; {@code SftpEvents} writes event-log lines.
 */
package dev.tether.sftp.server;
