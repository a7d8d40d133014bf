/**
 * API (exported), top: where an application starts with SFTP and SCP: {@link dev.tether.sftp.SftpServer}
 * (the {@code sftp} subsystem and the {@code scp -t/-f} commands of a Tether server, or a server on
 * plain streams). What the application decides is in {@link dev.tether.sftp.policy}.
 */
package dev.tether.sftp;
