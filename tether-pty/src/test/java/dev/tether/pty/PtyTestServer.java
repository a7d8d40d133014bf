package dev.tether.pty;

import dev.tether.ssh.Portal;
import dev.tether.ssh.SshServer;
import dev.tether.ssh.Transport;
import dev.tether.ssh.TransportConfig;
import dev.tether.ssh.auth.AuthorizedKeysChecker;
import dev.tether.ssh.keys.HostKeyVerifier;
import dev.tether.ssh.keys.OpenSshKeyFile;
import dev.tether.ssh.keys.SignatureAlgorithms;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Our server on loopback TCP, through a {@link Portal} with process sessions, for user
 * {@value #USER}: {@link #key} logs in plainly, {@link #noPtyKey} with {@code no-pty} in
 * authorized_keys and {@link #restrictedKey} with {@code restrict}.
 */
final class PtyTestServer implements AutoCloseable {
    static final String USER = "alice";

    final Path dir;
    final KeyPair hostKey;
    final KeyPair key;
    final KeyPair noPtyKey;
    final KeyPair restrictedKey;
    final Path authorizedKeys;
    final Portal portal;
    final SshServer server;

    PtyTestServer(Path dir) throws Exception {
        this(dir, UnaryOperator.identity());
    }

    PtyTestServer(Path dir, UnaryOperator<Portal.Builder> customize) throws Exception {
        this.dir = dir;
        hostKey = SignatureAlgorithms.generate("ssh-ed25519", 0);
        key = SignatureAlgorithms.generate("ssh-ed25519", 0);
        noPtyKey = SignatureAlgorithms.generate("ssh-ed25519", 0);
        restrictedKey = SignatureAlgorithms.generate("ssh-ed25519", 0);
        authorizedKeys = dir.resolve("authorized_keys");
        Files.writeString(authorizedKeys, OpenSshKeyFile.publicKeyLine(key.getPublic(), "plain") + "\n"
                + "no-pty " + OpenSshKeyFile.publicKeyLine(noPtyKey.getPublic(), "no-pty") + "\n"
                + "restrict " + OpenSshKeyFile.publicKeyLine(restrictedKey.getPublic(), "restricted") + "\n");
        Path home = Files.createDirectories(dir.resolve("home"));
        portal = customize.apply(Portal.builder().processSessions(home)
                .publicKeys(AuthorizedKeysChecker.forUser(USER, authorizedKeys))).build();
        TransportConfig config = TransportConfig.builder().hostKeys(List.of(hostKey))
                .serverInterface(portal.serverInterface()).build();
        server = SshServer.start("127.0.0.1", 0, config);
    }

    int port() {
        return server.port();
    }

    byte[] hostKeyBlob() {
        return SignatureAlgorithms.encodePublicKey(hostKey.getPublic());
    }

    /** A client logged in with {@code key}. */
    Transport login(KeyPair with) throws IOException {
        Transport t = Transport.connect("127.0.0.1", port(), TransportConfig.builder().sendTimeout(Duration.ofSeconds(30)).build(),
                HostKeyVerifier.acceptKeys(List.of(hostKeyBlob())));
        try {
            List<String> remaining = t.authPublickey(USER, with);
            if (!remaining.isEmpty()) {
                throw new IOException("partial success: " + remaining);
            }
            return t;
        } catch (IOException | RuntimeException e) {
            t.close();
            throw e;
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
