package dev.tether.sftp;

import dev.tether.ssh.Portal;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;
import dev.tether.testkit.OpenSshClient;
import dev.tether.testkit.SshKeygen;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Tether's SSH server on loopback with Tether's SFTP server as the {@code sftp} subsystem and its
 * SCP commands, for user {@value #USER} logging in with {@link #clientKey} (an OpenSSH key file
 * made by ssh-keygen, so OpenSSH's sftp and scp, paramiko and Tether's client can all use it).
 * Closing stops the listener.
 */
public final class SftpTestServer implements AutoCloseable {
    public static final String USER = "alice";

    public final Path dir;
    public final Path clientKey;
    public final KeyPair hostKey;
    /** The authorized_keys file with {@link #clientKey}'s public half. */
    public final Path authorized;
    public final SftpServer sftp;
    public final SshServer server;

    /** A server whose SFTP is {@code sftp}. */
    public SftpTestServer(Path dir, SftpServer sftp) throws Exception {
        this(dir, sftp, UnaryOperator.identity(), UnaryOperator.identity());
    }

    public SftpTestServer(Path dir, SftpServer sftp, UnaryOperator<Portal.Builder> portal, UnaryOperator<TransportConfig.Builder> config)
            throws Exception {
        this.dir = dir;
        this.sftp = sftp;
        Path keys = Files.createDirectories(dir.resolve("keys"));
        clientKey = SshKeygen.generate(keys, "id_ed25519", "ed25519", 0);
        hostKey = SignatureAlgorithms.generate("ssh-ed25519", 0);
        authorized = keys.resolve("authorized_keys");
        Files.writeString(authorized, Files.readString(keys.resolve("id_ed25519.pub")));
        Portal p = portal.apply(Portal.builder()
                .publicKeys(AuthorizedKeysChecker.forUser(USER, authorized))
                .subsystem("sftp", sftp)
                .commands(sftp::scpCommand)).build();
        server = SshServer.start("127.0.0.1", 0, config.apply(TransportConfig.builder().hostKeys(List.of(hostKey))
                .serverInterface(p.serverInterface())).build());
    }

    public int port() {
        return server.port();
    }

    /** OpenSSH's {@code sftp} to this server with the client key; add {@code -b FILE} with {@code args}. */
    public OpenSshClient.Invocation sftp(OpenSshClient client) {
        return client.sftp(port(), USER).identity(clientKey);
    }

    /**
     * Runs OpenSSH's {@code sftp -b} with these batch commands (one a line; a leading {@code -}
     * lets the batch go on after that command fails), with the default 30 s deadline.
     */
    public OpenSshClient.Result batch(OpenSshClient client, String... commands) throws IOException {
        Path file = Files.createTempFile(dir, "batch", ".txt");
        Files.writeString(file, String.join("\n", commands) + "\n");
        return sftp(client).args("-b", file.toString()).run();
    }

    /** A Tether client logged in as {@value #USER}, with the given SSH version string (software part). */
    public Transport login(String softwareVersion) throws IOException {
        return loginAs(USER, softwareVersion, null);
    }

    /** A Tether client logged in as {@value #USER}, whose version line is {@code SSH-2.0-software comment}. */
    public Transport login(String softwareVersion, String comment) throws IOException {
        return loginAs(USER, softwareVersion, comment);
    }

    /** A Tether client logged in as {@code user} with the client key (the portal must accept it for that name). */
    public Transport loginAs(String user, String softwareVersion, String comment) throws IOException {
        TransportConfig.Builder b = TransportConfig.builder().sendTimeout(Duration.ofSeconds(30));
        if (softwareVersion != null) {
            b.softwareVersion(softwareVersion, comment);
        }
        Transport t = Transport.connect("127.0.0.1", port(), b.build(),
                HostKeyVerifier.acceptKeys(List.of(SignatureAlgorithms.encodePublicKey(hostKey.getPublic()))));
        try {
            List<String> remaining = t.authPublickey(user, OpenSshKeyFile.read(clientKey));
            if (!remaining.isEmpty()) {
                throw new IOException("partial success: " + remaining);
            }
            return t;
        } catch (IOException | RuntimeException e) {
            t.close();
            throw e;
        }
    }

    public Transport login() throws IOException {
        return login(null);
    }

    @Override
    public void close() {
        server.close();
    }
}
