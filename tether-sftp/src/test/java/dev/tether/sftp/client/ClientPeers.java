package dev.tether.sftp.client;

import dev.tether.sftp.SftpClient;
import dev.tether.sftp.SftpServer;
import dev.tether.sftp.SftpTestServer;
import dev.tether.sftp.policy.SftpRoot;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.testkit.PrivateSshd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;

/**
 * The two servers {@link SftpClient}'s tests run against, on this machine: OpenSSH's sftp-server
 * behind a private sshd (login as this user) and Tether's SFTP server on the host file system
 * (login as {@value SftpTestServer#USER}). Both see this disk, so a test checks on it what the
 * client did. Close to stop both; the files stay in the directory given (a {@code @TempDir}).
 */
final class ClientPeers implements AutoCloseable {
    enum Peer { OPENSSH, TETHER }

    /** A logged-in connection to a peer and a fresh directory on its disk (absolute, as the server sees it). */
    record Session(Transport transport, Path base) {
        /** An SFTP session on the connection, owning it, with a deadline of {@code timeout} per request. */
        SftpClient client(Duration timeout) throws IOException {
            return SftpClient.open(transport, timeout, true);
        }

        /** {@link #base} as the remote path string. */
        String remote() {
            return base.toString();
        }
    }

    final Path dir;
    final PrivateSshd sshd;
    final SftpTestServer tether;
    final Path tetherRoot;

    ClientPeers(Path dir) throws Exception {
        this.dir = dir;
        PrivateSshd s = PrivateSshd.start(EnumSet.of(PrivateSshd.HostKey.ED25519), List.of());
        try {
            s.userKey();
            tetherRoot = Files.createDirectories(dir.resolve("tether-root"));
            tether = new SftpTestServer(Files.createDirectories(dir.resolve("tether")),
                    SftpServer.builder().root(SftpRoot.host(tetherRoot)).build());
        } catch (Exception e) {
            s.close();
            throw e;
        }
        sshd = s;
    }

    /** Logs in to the peer; {@code name} names the fresh directory. */
    Session connect(Peer peer, String name) throws IOException {
        if (peer == Peer.OPENSSH) {
            Transport t = Transport.connect("127.0.0.1", sshd.port(), TransportConfig.builder().build(),
                    HostKeyVerifier.acceptKeys(List.of(sshd.hostKeyBlob(PrivateSshd.HostKey.ED25519))));
            try {
                t.authPublickey(System.getProperty("user.name"), OpenSshKeyFile.read(sshd.userKey()));
            } catch (IOException | RuntimeException e) {
                t.close();
                throw e;
            }
            return new Session(t, Files.createDirectories(dir.resolve("sshd-" + name)));
        }
        return new Session(tether.login(), Files.createDirectories(tetherRoot.resolve(name)));
    }

    @Override
    public void close() {
        try {
            tether.close();
        } finally {
            sshd.close();
        }
    }
}
