/**
 * API (exported): the {@code sftp://user@host:port/path} file system,
 * {@link dev.tether.sftp.nio.SftpFileSystemProvider} (found by {@code FileSystems.newFileSystem}
 * through the {@code ServiceLoader}, on the module path and the class path), on
 * {@link dev.tether.sftp.SftpClient}: one connection and one client per
 * {@link dev.tether.sftp.nio.SftpFileSystem}, {@link dev.tether.sftp.nio.SftpPath}s over
 * {@code /}-separated strings, POSIX attributes, seekable channels, pipelined streams, lazy
 * directory streams, and the file store by {@code statvfs@openssh.com}.
 */
package dev.tether.sftp.nio;
