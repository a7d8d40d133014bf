/**
 * SFTP (version 3 as OpenSSH speaks it, with OpenSSH's extensions) and the legacy SCP protocol on
 * Tether's SSH core, over any {@code java.nio.file} file system. The module exports its API: at
 * the top {@code dev.tether.sftp} (where an application starts: {@code SftpServer}), at the bottom
 * {@code dev.tether.sftp.policy} (what the application decides, which the engine sees: the root,
 * the policy, operations and statuses), and {@code dev.tether.sftp.nio}, the {@code sftp://}
 * {@code FileSystemProvider} on {@code SftpClient}. The engine between them (the shared codec
 * {@code protocol}, the server {@code server}, and {@code scp}) is not exported.
 */
module dev.tether.sftp {
    requires transitive dev.tether.ssh;
    requires org.slf4j;

    exports dev.tether.sftp;
    exports dev.tether.sftp.policy;
    exports dev.tether.sftp.nio;

    provides java.nio.file.spi.FileSystemProvider with dev.tether.sftp.nio.SftpFileSystemProvider;
}
