/**
 * SFTP (version 3 as OpenSSH speaks it, with OpenSSH's extensions) and the legacy SCP protocol on
 * Tether's SSH core, over any {@code java.nio.file} file system. The module exports its API
 * package {@code dev.tether.sftp} only; the shared codec ({@code protocol}), the server engine
 * ({@code server}) and SCP ({@code scp}) are not exported.
 */
module dev.tether.sftp {
    requires transitive dev.tether.ssh;
    requires org.slf4j;

    exports dev.tether.sftp;
}
