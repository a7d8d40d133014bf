/**
 * API (exported), bottom: what an SFTP/SCP server application decides, and what the engine sees
 * of it: {@link dev.tether.sftp.policy.SftpRoot} (the file system, the client's {@code /}, the start
 * directory, the jail), {@link dev.tether.sftp.policy.SftpPolicy} (veto or observe each
 * {@link dev.tether.sftp.policy.SftpOperation} with an {@link dev.tether.sftp.policy.SftpStatus}).
 */
package dev.tether.sftp.policy;
