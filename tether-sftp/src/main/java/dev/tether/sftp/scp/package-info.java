/**
 * Engine (not exported): the server side of the legacy SCP protocol ({@code scp -t}, {@code scp -f})
 * as in-process commands on the same {@code FileView} seam, policy and event log as SFTP.
 */
package dev.tether.sftp.scp;
